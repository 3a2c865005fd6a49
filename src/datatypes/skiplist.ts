// Why: the ordered index behind sorted sets — Redis's zskiplist (t_zset.c) with span counts, so
// rank lookups, rank ranges and range counts are O(log n). Ordered by (score, member) with members
// compared bytewise (latin1 strings compare like memcmp). Pure structure: no Redis semantics here.

export const SKIPLIST_MAXLEVEL = 32;
const SKIPLIST_P = 0.25;

export class SkipNode {
  backward: SkipNode | null = null;
  /** forward pointer per level */
  readonly next: (SkipNode | null)[];
  /** number of level-0 steps each forward pointer jumps */
  readonly span: number[];
  /** position in the owner's dense node array (random picks, ZSCAN cursors) */
  slot = -1;
  constructor(
    public member: string,
    public score: number,
    level: number,
  ) {
    this.next = new Array<SkipNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
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

/** (score, member) of node n sorts strictly before (score, member)? */
function before(n: SkipNode, score: number, member: string): boolean {
  return n.score < score || (n.score === score && n.member < member);
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
  readonly header = new SkipNode('', 0, SKIPLIST_MAXLEVEL);
  tail: SkipNode | null = null;
  length = 0;
  level = 1;

  /** First (lowest) node, or null. */
  get first(): SkipNode | null {
    return this.header.next[0];
  }

  /** Insert a new (score, member); the caller guarantees the member is not present. */
  insert(score: number, member: string): SkipNode {
    const n = new SkipNode(member, score, randomLevel());
    this.insertNode(n);
    return n;
  }

  /** Link an unlinked node (fresh, or one removed by updateScore) at its (score, member) place. */
  private insertNode(n: SkipNode): void {
    const score = n.score;
    const member = n.member;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rankAt[i] = i === this.level - 1 ? 0 : rankAt[i + 1];
      let f = x.next[i];
      while (f !== null && before(f, score, member)) {
        rankAt[i] += x.span[i];
        x = f;
        f = x.next[i];
      }
      update[i] = x;
    }
    const level = n.next.length;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rankAt[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.length;
      }
      this.level = level;
    }
    for (let i = 0; i < level; i++) {
      const u = update[i];
      n.next[i] = u.next[i];
      u.next[i] = n;
      n.span[i] = u.span[i] - (rankAt[0] - rankAt[i]);
      u.span[i] = rankAt[0] - rankAt[i] + 1;
    }
    for (let i = level; i < this.level; i++) update[i].span[i]++;
    n.backward = update[0] === this.header ? null : update[0];
    const f0 = n.next[0];
    if (f0 !== null) f0.backward = n;
    else this.tail = n;
    this.length++;
  }

  /** Fill `update` with the predecessors of (score, member) at every level; returns the candidate. */
  private findUpdate(score: number, member: string): SkipNode | null {
    // The hot path of ZADD/ZREM/ZINCRBY: a plain loop (no predicate closure) so V8 inlines it.
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && (f.score < score || (f.score === score && f.member < member))) {
        x = f;
        f = x.next[i];
      }
      update[i] = x;
    }
    return x.next[0];
  }

  private deleteNode(x: SkipNode): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i];
      if (u.next[i] === x) {
        u.span[i] += x.span[i] - 1;
        u.next[i] = x.next[i];
      } else {
        u.span[i] -= 1;
      }
    }
    const f0 = x.next[0];
    if (f0 !== null) f0.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && this.header.next[this.level - 1] === null) this.level--;
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
    const f = node.next[0];
    if ((b === null || b.score < newScore) && (f === null || f.score > newScore)) {
      node.score = newScore;
      return;
    }
    const x = this.findUpdate(node.score, node.member);
    if (x !== node) throw new Error('skiplist: updateScore on a node that is not linked');
    this.deleteNode(node);
    node.score = newScore;
    for (let i = 0; i < node.next.length; i++) {
      node.next[i] = null;
      node.span[i] = 0;
    }
    this.insertNode(node);
  }

  /** 1-based rank of (score, member), 0 if absent. */
  rank(score: number, member: string): number {
    let x = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && (f.score < score || (f.score === score && f.member <= member))) {
        rank += x.span[i];
        x = f;
        f = x.next[i];
      }
      if (x !== this.header && x.score === score && x.member === member) return rank;
    }
    return 0;
  }

  /** The node at 1-based rank, or null. */
  byRank(rank: number): SkipNode | null {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && traversed + x.span[i] <= rank) {
        traversed += x.span[i];
        x = f;
        f = x.next[i];
      }
      if (traversed === rank) return x === this.header ? null : x;
    }
    return null;
  }

  /** zslIsInRange / zslIsInLexRange: could any element be in b (only the two ends are checked)? */
  mayOverlap(b: Bounds): boolean {
    if (b.empty) return false;
    const t = this.tail;
    if (t === null || !b.gte(t)) return false;
    const h = this.header.next[0];
    return h !== null && b.lte(h);
  }

  /** zslFirstInRange: the first node at or above the min, if it is at or below the max. */
  firstIn(b: Bounds): SkipNode | null {
    if (!this.mayOverlap(b)) return null;
    const x = this.lastWhere((n) => !b.gte(n));
    const n = x.next[0];
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
    let n = x.next[0];
    let removed = 0;
    while (n !== null && b.lte(n)) {
      const next = n.next[0];
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
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && pred(f)) {
        x = f;
        f = x.next[i];
      }
      update[i] = x;
    }
    return x;
  }

  firstInRange(r: ScoreRange): SkipNode | null {
    return this.firstIn(scoreBounds(r));
  }
  lastInRange(r: ScoreRange): SkipNode | null {
    return this.lastIn(scoreBounds(r));
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
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && traversed + x.span[i] < start) {
        traversed += x.span[i];
        x = f;
        f = x.next[i];
      }
      update[i] = x;
    }
    traversed++;
    let n = x.next[0];
    let removed = 0;
    while (n !== null && traversed <= end) {
      const next = n.next[0];
      this.deleteNode(n);
      onDelete(n);
      removed++;
      traversed++;
      n = next;
    }
    return removed;
  }
}
