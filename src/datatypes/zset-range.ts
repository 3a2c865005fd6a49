// Why: the ordered index behind sorted sets — Redis's zskiplist (t_zset.c) with span counts, so
// rank lookups, rank ranges and range counts are O(log n). Ordered by (score, member) with members
// compared bytewise (latin1 strings compare like memcmp). Pure structure: no Redis semantics here.
//
// Layout (every search step is a dependent load, usually a cache miss on big sets): the links of
// levels 0-2 live in the node itself (`fwd`; a level-0 step always spans 1, so no span is stored;
// `n1`/`s1`, `n2`/`s2`), so a step on those levels touches only the next node. The links of levels
// 3 and up (1 node in 64 has any) sit in one flat array `up` = [next(3), span(3), next(4), ...].

export const SKIPLIST_MAXLEVEL = 32;
const SKIPLIST_P = 0.25;

/** Links of levels 3.. : next at 2*(i-3), span at 2*(i-3)+1. */
export type UpLinks = (SkipNode | number | null)[];

function makeUp(level: number): UpLinks {
  const up: UpLinks = [null, 0];
  for (let i = 4; i < level; i++) up.push(null, 0);
  return up;
}

export interface SkipNode {
  member: string;
  score: number;
  backward: SkipNode | null;
  /** level-0 forward pointer */
  fwd: SkipNode | null;
  /** level-1 and level-2 forward pointers and spans (unused below the node's level) */
  n1: SkipNode | null;
  s1: number;
  n2: SkipNode | null;
  s2: number;
  /** levels 3.. (null for a node of 3 levels or fewer) */
  up: UpLinks | null;
  /** number of levels the node is linked on */
  lv: number;
  /** position in the owner's dense node array (random picks, ZSCAN cursors) */
  slot: number;
}

/**
 * An int32 score as a V8 small integer: a score read back from a Float64Array (ZADD's parse buffer)
 * is a heap number, and storing one makes V8 box every node's score (16 bytes more per member, one
 * more dependent load per comparison) until a non-integral score shows up anyway. -0 stays -0.
 */
function smi(v: number): number {
  const i = v | 0;
  return i === v && (i !== 0 || 1 / v > 0) ? i : v;
}

/**
 * A new unlinked node. An object literal, not a class: V8 tracks literal allocation sites and,
 * seeing nearly all nodes survive, allocates them straight in old space (no scavenger copies),
 * which matters when loading big sets.
 */
export function newNode(member: string, score: number, level: number): SkipNode {
  return {
    member,
    score: smi(score),
    backward: null,
    fwd: null,
    n1: null,
    s1: 0,
    n2: null,
    s2: 0,
    up: level > 3 ? makeUp(level) : null,
    lv: level,
    slot: -1,
  };
}

/** Number of levels node n is linked on. */
export function nodeLevels(n: SkipNode): number {
  return n.lv;
}

/** Forward pointer of x at level i >= 1. */
function nx(x: SkipNode, i: number): SkipNode | null {
  return i === 1 ? x.n1 : i === 2 ? x.n2 : (x.up![2 * i - 6] as SkipNode | null);
}
/** Span of x at level i >= 1. */
function sp(x: SkipNode, i: number): number {
  return i === 1 ? x.s1 : i === 2 ? x.s2 : (x.up![2 * i - 5] as number);
}
function setNx(x: SkipNode, i: number, v: SkipNode | null): void {
  if (i === 1) x.n1 = v;
  else if (i === 2) x.n2 = v;
  else x.up![2 * i - 6] = v;
}
function setSp(x: SkipNode, i: number, v: number): void {
  if (i === 1) x.s1 = v;
  else if (i === 2) x.s2 = v;
  else x.up![2 * i - 5] = v;
}

/** Forward pointer of n at level i (for tests and cold code). */
export function nextAt(n: SkipNode, i: number): SkipNode | null {
  return i === 0 ? n.fwd : nx(n, i);
}
/** Span of n at level i: a level-0 step spans 1 (0 past the end, as in Redis). */
export function spanAt(n: SkipNode, i: number): number {
  return i === 0 ? (n.fwd === null ? 0 : 1) : sp(n, i);
}

/** A score interval: ( or [ on each side. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** A lexicographic interval. kind -1 is "-" (below everything), 1 is "+" (above everything). */
export interface LexRange {
  min: string;
  max: string;
  minKind: number;
  maxKind: number;
  minex: boolean;
  maxex: boolean;
}

export function valueGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}
export function valueLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** sdscmplex(value, bound) for a real value against a range bound. */
function cmpBound(v: string, bound: string, kind: number): number {
  if (kind !== 0) return -kind;
  return v < bound ? -1 : v > bound ? 1 : 0;
}
export function lexGteMin(v: string, r: LexRange): boolean {
  const c = cmpBound(v, r.min, r.minKind);
  return r.minex ? c > 0 : c >= 0;
}
export function lexLteMax(v: string, r: LexRange): boolean {
  const c = cmpBound(v, r.max, r.maxKind);
  return r.maxex ? c < 0 : c <= 0;
}

/** Is the interval empty by construction (min > max, or equal with an open side)? */
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}
export function lexRangeEmpty(r: LexRange): boolean {
  let c: number;
  if (r.minKind !== 0 && r.minKind === r.maxKind) c = 0;
  else if (r.minKind === -1 || r.maxKind === 1) c = -1;
  else if (r.minKind === 1 || r.maxKind === -1) c = 1;
  else c = r.min < r.max ? -1 : r.min > r.max ? 1 : 0;
  return c > 0 || (c === 0 && (r.minex || r.maxex));
}

/** A range as predicates on nodes: at or above its min, at or below its max, empty by construction. */
export interface Bounds {
  empty: boolean;
  gte: (n: SkipNode) => boolean;
  lte: (n: SkipNode) => boolean;
}

export function scoreBounds(r: ScoreRange): Bounds {
  return { empty: scoreRangeEmpty(r), gte: (n) => valueGteMin(n.score, r), lte: (n) => valueLteMax(n.score, r) };
}

export function lexBounds(r: LexRange): Bounds {
  return { empty: lexRangeEmpty(r), gte: (n) => lexGteMin(n.member, r), lte: (n) => lexLteMax(n.member, r) };
}

function randomLevel(): number {
  let level = 1;
  while (level < SKIPLIST_MAXLEVEL && Math.random() < SKIPLIST_P) level++;
  return level;
}

// Scratch arrays shared by all operations (single-threaded, never re-entered).
const update: SkipNode[] = new Array<SkipNode>(SKIPLIST_MAXLEVEL);
const rankAt: number[] = new Array<number>(SKIPLIST_MAXLEVEL).fill(0);

export class SkipList {
  readonly header = newNode('', 0, SKIPLIST_MAXLEVEL);
  tail: SkipNode | null = null;
  length = 0;
  level = 1;
  /**
   * The last node linked on each level >= 1 (the header if none): inserts past the tail (ascending
   * loads, time-ordered scores) take their predecessors from here without a search. The span of a
   * last node is the distance to the end (length - its rank), as in Redis.
   */
  private readonly last: SkipNode[] = new Array<SkipNode>(SKIPLIST_MAXLEVEL).fill(this.header);

  /** First (lowest) node, or null. */
  get first(): SkipNode | null {
    return this.header.fwd;
  }

  /** Insert a new (score, member); the caller guarantees the member is not present. */
  insert(score: number, member: string): SkipNode {
    const n = newNode(member, score, randomLevel());
    this.insertNode(n);
    return n;
  }

  /** Link an unlinked node (fresh, or one removed by updateScore) at its (score, member) place. */
  private insertNode(n: SkipNode): void {
    const score = n.score;
    const member = n.member;
    const t = this.tail;
    let rank = 0;
    if (t === null || t.score < score || (t.score === score && t.member < member)) {
      // Past the tail: the predecessors are the last nodes of each level.
      rank = this.length;
      for (let i = this.level - 1; i >= 1; i--) {
        const x = this.last[i];
        update[i] = x;
        rankAt[i] = x === this.header ? 0 : rank - sp(x, i);
      }
      update[0] = t === null ? this.header : t;
    } else {
      let x = this.header;
      for (let i = this.level - 1; i >= 1; i--) {
        let f = nx(x, i);
        while (f !== null && (f.score < score || (f.score === score && f.member < member))) {
          rank += sp(x, i);
          x = f;
          f = nx(x, i);
        }
        rankAt[i] = rank;
        update[i] = x;
      }
      let f = x.fwd;
      while (f !== null && (f.score < score || (f.score === score && f.member < member))) {
        rank++;
        x = f;
        f = x.fwd;
      }
      update[0] = x;
    }
    rankAt[0] = rank;
    const level = n.lv;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rankAt[i] = 0;
        update[i] = this.header;
        setSp(this.header, i, this.length);
      }
      this.level = level;
    }
    const u0 = update[0];
    n.fwd = u0.fwd;
    u0.fwd = n;
    for (let i = 1; i < level; i++) {
      const u = update[i];
      const d = rank - rankAt[i];
      const after = nx(u, i);
      setNx(n, i, after);
      setNx(u, i, n);
      setSp(n, i, sp(u, i) - d);
      setSp(u, i, d + 1);
      if (after === null) this.last[i] = n;
    }
    for (let i = level; i < this.level; i++) setSp(update[i], i, sp(update[i], i) + 1);
    n.backward = u0 === this.header ? null : u0;
    const f0 = n.fwd;
    if (f0 !== null) f0.backward = n;
    else this.tail = n;
    this.length++;
  }

  /** Fill `update` with the predecessors of (score, member) at every level; returns the candidate. */
  private findUpdate(score: number, member: string): SkipNode | null {
    // The hot path of ZADD/ZREM/ZINCRBY: a plain loop (no predicate closure) so V8 inlines it.
    let x = this.header;
    for (let i = this.level - 1; i >= 1; i--) {
      let f = nx(x, i);
      while (f !== null && (f.score < score || (f.score === score && f.member < member))) {
        x = f;
        f = nx(x, i);
      }
      update[i] = x;
    }
    let f = x.fwd;
    while (f !== null && (f.score < score || (f.score === score && f.member < member))) {
      x = f;
      f = x.fwd;
    }
    update[0] = x;
    return f;
  }

  private deleteNode(x: SkipNode): void {
    update[0].fwd = x.fwd;
    const xl = x.lv;
    for (let i = 1; i < this.level; i++) {
      const u = update[i];
      if (i < xl && nx(u, i) === x) {
        setSp(u, i, sp(u, i) + sp(x, i) - 1);
        setNx(u, i, nx(x, i));
        if (this.last[i] === x) this.last[i] = u;
      } else {
        setSp(u, i, sp(u, i) - 1);
      }
    }
    const f0 = x.fwd;
    if (f0 !== null) f0.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && nx(this.header, this.level - 1) === null) this.level--;
    this.length--;
  }

  /** Remove (score, member); returns the removed node or null. */
  delete(score: number, member: string): SkipNode | null {
    const x = this.findUpdate(score, member);
    if (x !== null && x.score === score && x.member === member) {
      this.deleteNode(x);
      return x;
    }
    return null;
  }

  /** Change a linked node's score, moving it if its position changes (zslUpdateScore). */
  updateScore(node: SkipNode, newScore: number): void {
    // zslUpdateScore's in-place case, checked before any search since we hold the node: the new
    // score still sorts strictly between its neighbours, so no link or span changes.
    const b = node.backward;
    const f = node.fwd;
    if ((b === null || b.score < newScore) && (f === null || f.score > newScore)) {
      node.score = smi(newScore);
      return;
    }
    const x = this.findUpdate(node.score, node.member);
    if (x !== node) throw new Error('skiplist: updateScore on a node that is not linked');
    this.deleteNode(node);
    node.score = smi(newScore);
    node.fwd = null;
    for (let i = 1; i < node.lv; i++) {
      setNx(node, i, null);
      setSp(node, i, 0);
    }
    this.insertNode(node);
  }

  /** 1-based rank of (score, member), 0 if absent. */
  rank(score: number, member: string): number {
    let x = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 1; i--) {
      let f = nx(x, i);
      while (f !== null && (f.score < score || (f.score === score && f.member <= member))) {
        rank += sp(x, i);
        x = f;
        f = nx(x, i);
      }
      if (x !== this.header && x.score === score && x.member === member) return rank;
    }
    let f = x.fwd;
    while (f !== null && (f.score < score || (f.score === score && f.member <= member))) {
      rank++;
      x = f;
      f = x.fwd;
    }
    if (x !== this.header && x.score === score && x.member === member) return rank;
    return 0;
  }

  /** The node at 1-based rank, or null. */
  byRank(rank: number): SkipNode | null {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 1; i--) {
      let f = nx(x, i);
      while (f !== null && traversed + sp(x, i) <= rank) {
        traversed += sp(x, i);
        x = f;
        f = nx(x, i);
      }
      if (traversed === rank) return x === this.header ? null : x;
    }
    let f = x.fwd;
    while (f !== null && traversed < rank) {
      traversed++;
      x = f;
      f = x.fwd;
    }
    if (traversed === rank) return x === this.header ? null : x;
    return null;
  }

  /** zslIsInRange / zslIsInLexRange: could any element be in b (only the two ends are checked)? */
  mayOverlap(b: Bounds): boolean {
    if (b.empty) return false;
    const t = this.tail;
    if (t === null || !b.gte(t)) return false;
    const h = this.header.fwd;
    return h !== null && b.lte(h);
  }

  /** zslFirstInRange: the first node at or above the min, if it is at or below the max. */
  firstIn(b: Bounds): SkipNode | null {
    if (!this.mayOverlap(b)) return null;
    const x = this.lastWhere((n) => !b.gte(n));
    const n = x.fwd;
    return n !== null && b.lte(n) ? n : null;
  }

  /** zslLastInRange: the last node at or below the max, if it is at or above the min. */
  lastIn(b: Bounds): SkipNode | null {
    if (!this.mayOverlap(b)) return null;
    const x = this.lastWhere(b.lte);
    return x !== this.header && b.gte(x) ? x : null;
  }

  /** Remove every node in b (zslDeleteRangeByScore/ByLex); onDelete sees each removed node. */
  deleteIn(b: Bounds, onDelete: (n: SkipNode) => void): number {
    const x = this.lastWhere((n) => !b.gte(n));
    let n = x.fwd;
    let removed = 0;
    while (n !== null && b.lte(n)) {
      const next = n.fwd;
      this.deleteNode(n);
      onDelete(n);
      removed++;
      n = next;
    }
    return removed;
  }

  /**
   * The last node of the prefix where `pred` holds (the header if none), filling `update` with the
   * predecessors at every level.
   */
  private lastWhere(pred: (n: SkipNode) => boolean): SkipNode {
    let x = this.header;
    for (let i = this.level - 1; i >= 1; i--) {
      let f = nx(x, i);
      while (f !== null && pred(f)) {
        x = f;
        f = nx(x, i);
      }
      update[i] = x;
    }
    let f = x.fwd;
    while (f !== null && pred(f)) {
      x = f;
      f = x.fwd;
    }
    update[0] = x;
    return x;
  }

  /**
   * The last node whose score is below the range's min (the header if none): lastWhere with the
   * predicate inlined, the hot path of ZRANGE BYSCORE / ZCOUNT. Does not fill `update`.
   */
  private lastBelow(min: number, minex: boolean): SkipNode {
    let x = this.header;
    for (let i = this.level - 1; i >= 1; i--) {
      let f = nx(x, i);
      while (f !== null && (f.score < min || (minex && f.score === min))) {
        x = f;
        f = nx(x, i);
      }
    }
    let f = x.fwd;
    while (f !== null && (f.score < min || (minex && f.score === min))) {
      x = f;
      f = x.fwd;
    }
    return x;
  }

  /** The last node whose score is at or below the range's max (the header if none). */
  private lastAtMost(max: number, maxex: boolean): SkipNode {
    let x = this.header;
    for (let i = this.level - 1; i >= 1; i--) {
      let f = nx(x, i);
      while (f !== null && (f.score < max || (!maxex && f.score === max))) {
        x = f;
        f = nx(x, i);
      }
    }
    let f = x.fwd;
    while (f !== null && (f.score < max || (!maxex && f.score === max))) {
      x = f;
      f = x.fwd;
    }
    return x;
  }

  /** zslIsInRange without the Bounds object. */
  private mayOverlapScore(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !valueGteMin(t.score, r)) return false;
    const h = this.header.fwd;
    return h !== null && valueLteMax(h.score, r);
  }

  firstInRange(r: ScoreRange): SkipNode | null {
    if (!this.mayOverlapScore(r)) return null;
    const n = this.lastBelow(r.min, r.minex).fwd;
    return n !== null && valueLteMax(n.score, r) ? n : null;
  }
  lastInRange(r: ScoreRange): SkipNode | null {
    if (!this.mayOverlapScore(r)) return null;
    const x = this.lastAtMost(r.max, r.maxex);
    return x !== this.header && valueGteMin(x.score, r) ? x : null;
  }
  firstInLexRange(r: LexRange): SkipNode | null {
    return this.firstIn(lexBounds(r));
  }
  lastInLexRange(r: LexRange): SkipNode | null {
    return this.lastIn(lexBounds(r));
  }
  deleteRangeByScore(r: ScoreRange, onDelete: (n: SkipNode) => void): number {
    return this.deleteIn(scoreBounds(r), onDelete);
  }
  deleteRangeByLex(r: LexRange, onDelete: (n: SkipNode) => void): number {
    return this.deleteIn(lexBounds(r), onDelete);
  }

  /** Remove the nodes with 1-based ranks start..end (inclusive). */
  deleteRangeByRank(start: number, end: number, onDelete: (n: SkipNode) => void): number {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 1; i--) {
      let f = nx(x, i);
      while (f !== null && traversed + sp(x, i) < start) {
        traversed += sp(x, i);
        x = f;
        f = nx(x, i);
      }
      update[i] = x;
    }
    let f = x.fwd;
    while (f !== null && traversed + 1 < start) {
      traversed++;
      x = f;
      f = x.fwd;
    }
    update[0] = x;
    traversed++;
    let n = x.fwd;
    let removed = 0;
    while (n !== null && traversed <= end) {
      const next = n.fwd;
      this.deleteNode(n);
      onDelete(n);
      removed++;
      traversed++;
      n = next;
    }
    return removed;
  }
}
