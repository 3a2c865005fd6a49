// Why: the ordered index behind sorted sets: a counted B+tree keyed by (score, member), so rank
// lookups, rank ranges and range counts are O(log n) like Redis's zskiplist, with far fewer cache
// misses: a search reads ~4 nodes of contiguous keys (a 1M skiplist search chases ~40 pointers),
// and a range walk reads consecutive array slots whose loads the CPU overlaps, instead of a chain
// of dependent `next` pointers. Members compare bytewise (latin1 strings compare like memcmp).
//
// Layout: leaves hold up to LEAF_CAP entries as parallel arrays (scores unboxed in a double array,
// members, nodes) and are doubly linked, so searches and range replies never load the nodes; inner nodes hold their kids with subtree sizes (for ranks) and the
// separator key of each kid i >= 1: a key <= every key of kid i and > every key of kid i-1 (a
// deletion leaves it valid, so deletions never update separators). Pure structure: no Redis here.
import type { Bounds } from './zset-range.js';
import { encodeBulks } from '../resp/bulk-writer.js';

/** A member and its score: the value the member index and the dense node array point at. */
export interface ZNode {
  member: string;
  score: number;
  /** position in the owner's dense node array (random picks, ZSCAN cursors) */
  slot: number;
}

/**
 * An int32 score as a V8 small integer: a score read back from a Float64Array (ZADD's parse buffer)
 * is a heap number, and storing one makes V8 box every node's score. -0 stays -0.
 */
function smi(v: number): number {
  const i = v | 0;
  return i === v && (i !== 0 || 1 / v > 0) ? i : v;
}

/** A new node, not in any tree. An object literal: V8 pretenures the allocation site on big loads. */
export function newNode(member: string, score: number): ZNode {
  return { member, score: smi(score), slot: -1 };
}

const LEAF_CAP = 64;
const LEAF_MIN = 16;
const INNER_CAP = 64;
const INNER_MIN = 16;

const NO_NODE: ZNode = { member: '', score: 0, slot: -1 };

/** A packed array of doubles (V8 stores them unboxed), one slot of room for a split. */
function doubles(n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(0.5);
  return a;
}
function filled<T>(n: number, v: T): T[] {
  const a: T[] = [];
  for (let i = 0; i < n; i++) a.push(v);
  return a;
}
/**
 * An empty array already of v's elements kind (doubles, or objects): leaf arrays grow by appending
 * (every write is at an index <= their length), so a small set does not pay for 65 slots per array,
 * and all leaves keep one elements kind (monomorphic accesses).
 */
function emptyLike<T>(v: T): T[] {
  const a = [v];
  a.length = 0;
  return a;
}

export class Leaf {
  n = 0;
  readonly scores = emptyLike(0.5);
  readonly members = emptyLike('');
  readonly nodes = emptyLike(NO_NODE);
  next: Leaf | null = null;
  prev: Leaf | null = null;
  /**
   * The members as consecutive RESP bulk strings and each one's offset in it, built by the first
   * range reply that reads this leaf and dropped by any change of its members: range replies of
   * read-mostly sets are slices of these instead of per-member loads and encoding.
   */
  enc: string | null = null;
  encOff: number[] | null = null;
}

/** The cached bulk encoding of leaf's members (see Leaf.enc), built if needed. */
export function leafEncoding(l: Leaf): string {
  if (l.enc === null) {
    if (l.encOff === null) l.encOff = filled(LEAF_CAP + 2, 0);
    l.enc = encodeBulks(l.members, 0, l.n, l.encOff);
  }
  return l.enc;
}

type Kid = Inner | Leaf;

class Inner {
  n = 0;
  readonly kids: Kid[];
  /** number of entries under each kid */
  readonly counts = filled(INNER_CAP + 1, 0);
  readonly sepScore = doubles(INNER_CAP + 1);
  readonly sepMember = filled(INNER_CAP + 1, '');
  constructor(filler: Kid) {
    this.kids = filled(INNER_CAP + 1, filler);
  }
}

// The path of the last descent (single-threaded, never re-entered): inner node and kid index per level.
const pathN: Inner[] = [];
const pathK: number[] = [];

/** Is (s1, m1) < (s2, m2)? */
function keyLess(s1: number, m1: string, s2: number, m2: string): boolean {
  return s1 < s2 || (s1 === s2 && m1 < m2);
}

/** First index of leaf whose key is >= (s, m). */
function leafLower(l: Leaf, s: number, m: string): number {
  const sc = l.scores;
  let lo = 0;
  let hi = l.n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const x = sc[mid];
    if (x < s || (x === s && l.members[mid] < m)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in a[lo, hi) whose score is > v (orEqual) or >= v; a is sorted. */
function scoreBound(a: readonly number[], lo: number, hi: number, v: number, orEqual: boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const y = a[mid];
    if (y < v || (orEqual && y === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** counts[0] + ... + counts[k - 1]: the entries under the kids before kid k. */
function sumBefore(counts: readonly number[], k: number): number {
  let r = 0;
  for (let i = 0; i < k; i++) r += counts[i];
  return r;
}

/** A position in the tree: entry i of leaf, or nowhere (leaf null). Moves in key order. */
export class ZCursor {
  leaf: Leaf | null = null;
  i = 0;
  get node(): ZNode {
    return this.leaf!.nodes[this.i];
  }
  get member(): string {
    return this.leaf!.members[this.i];
  }
  get score(): number {
    return this.leaf!.scores[this.i];
  }
  next(): void {
    if (++this.i >= this.leaf!.n) this.nextLeaf();
  }
  prev(): void {
    if (--this.i < 0) this.prevLeaf();
  }
  /** Onto the first entry of the next leaf (leaf null past the end). */
  nextLeaf(): void {
    this.leaf = this.leaf!.next;
    this.i = 0;
  }
  /** Onto the last entry of the previous leaf (leaf null before the start). */
  prevLeaf(): void {
    const p = this.leaf!.prev;
    this.leaf = p;
    this.i = p === null ? 0 : p.n - 1;
  }
  /** After a seek that may stop one past the end of its leaf: onto the next leaf's first entry. */
  fixForward(): void {
    if (this.i >= this.leaf!.n) this.nextLeaf();
  }
}

export class ZTree {
  private root: Kid = new Leaf();
  /** number of inner levels above the leaves */
  private height = 0;
  private head: Leaf = this.root as Leaf;
  private tailLeaf: Leaf = this.root as Leaf;
  length = 0;
  /** rank (0-based) of the position the last seek stopped at */
  private foundRank = 0;

  /** First (lowest) node, or null. */
  get first(): ZNode | null {
    return this.head.n === 0 ? null : this.head.nodes[0];
  }
  /** Last (highest) node, or null. */
  get tail(): ZNode | null {
    const l = this.tailLeaf;
    return l.n === 0 ? null : l.nodes[l.n - 1];
  }

  /** Insert a new (score, member); the caller guarantees the member is not present. */
  insert(score: number, member: string): ZNode {
    const n = newNode(member, score);
    this.insertNode(n);
    return n;
  }

  /** Descend towards (s, m), filling the path; the leaf where the key is or belongs. */
  private descendKey(s: number, m: string): Leaf {
    let x = this.root;
    for (let d = 0; d < this.height; d++) {
      const inner = x as Inner;
      const ss = inner.sepScore;
      const sm = inner.sepMember;
      let lo = 1;
      let hi = inner.n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const y = ss[mid];
        if (y < s || (y === s && sm[mid] <= m)) lo = mid + 1;
        else hi = mid;
      }
      pathN[d] = inner;
      pathK[d] = lo - 1;
      x = inner.kids[lo - 1];
    }
    return x as Leaf;
  }

  private insertNode(node: ZNode): void {
    const s = node.score;
    const m = node.member;
    const leaf = this.descendKey(s, m);
    for (let d = 0; d < this.height; d++) pathN[d].counts[pathK[d]]++;
    const pos = leafLower(leaf, s, m);
    const sc = leaf.scores;
    const mb = leaf.members;
    const nd = leaf.nodes;
    for (let i = leaf.n; i > pos; i--) {
      sc[i] = sc[i - 1];
      mb[i] = mb[i - 1];
      nd[i] = nd[i - 1];
    }
    sc[pos] = s;
    mb[pos] = m;
    nd[pos] = node;
    leaf.n++;
    leaf.enc = null;
    this.length++;
    if (leaf.n > LEAF_CAP) this.splitLeaf(leaf, pos);
  }

  private splitLeaf(leaf: Leaf, pos: number): void {
    const n = leaf.n;
    // Appends past the end (ascending loads) and inserts before the start (RDB loads, which come in
    // descending order) leave full leaves behind instead of half-full ones.
    let mid = n >> 1;
    if (leaf.next === null && pos === n - 1) mid = n - 1;
    else if (leaf.prev === null && pos === 0) mid = 1;
    const right = new Leaf();
    for (let i = mid; i < n; i++) {
      right.scores[i - mid] = leaf.scores[i];
      right.members[i - mid] = leaf.members[i];
      right.nodes[i - mid] = leaf.nodes[i];
      leaf.members[i] = '';
      leaf.nodes[i] = NO_NODE;
    }
    right.n = n - mid;
    leaf.n = mid;
    leaf.enc = null;
    right.next = leaf.next;
    if (right.next !== null) right.next.prev = right;
    else this.tailLeaf = right;
    right.prev = leaf;
    leaf.next = right;
    this.addKid(this.height - 1, leaf, leaf.n, right, right.n, right.scores[0], right.members[0]);
  }

  /** After `left` (kid pathK[d] of pathN[d], or the root when d < 0) split: add `right` after it. */
  private addKid(d: number, left: Kid, leftCount: number, right: Kid, rightCount: number, sepS: number, sepM: string): void {
    if (d < 0) {
      const r = new Inner(left);
      r.kids[0] = left;
      r.counts[0] = leftCount;
      r.kids[1] = right;
      r.counts[1] = rightCount;
      r.sepScore[1] = sepS;
      r.sepMember[1] = sepM;
      r.n = 2;
      this.root = r;
      this.height++;
      return;
    }
    const x = pathN[d];
    const k = pathK[d];
    x.counts[k] = leftCount;
    for (let i = x.n; i > k + 1; i--) {
      x.kids[i] = x.kids[i - 1];
      x.counts[i] = x.counts[i - 1];
      x.sepScore[i] = x.sepScore[i - 1];
      x.sepMember[i] = x.sepMember[i - 1];
    }
    x.kids[k + 1] = right;
    x.counts[k + 1] = rightCount;
    x.sepScore[k + 1] = sepS;
    x.sepMember[k + 1] = sepM;
    x.n++;
    if (x.n > INNER_CAP) this.splitInner(d, k + 1);
  }

  /** Is pathN[d] on the tree's right (side 1) or left (side 0) edge? */
  private onEdge(d: number, right: boolean): boolean {
    for (let e = 0; e < d; e++) if (pathK[e] !== (right ? pathN[e].n - 1 : 0)) return false;
    return true;
  }

  private splitInner(d: number, at: number): void {
    const x = pathN[d];
    const n = x.n;
    let mid = n >> 1;
    if (at === n - 1 && this.onEdge(d, true)) mid = n - 1;
    else if (at === 1 && this.onEdge(d, false)) mid = 2;
    const right = new Inner(x.kids[0]);
    let lc = 0;
    let rc = 0;
    for (let i = 0; i < mid; i++) lc += x.counts[i];
    for (let i = mid; i < n; i++) {
      const j = i - mid;
      right.kids[j] = x.kids[i];
      right.counts[j] = x.counts[i];
      right.sepScore[j] = x.sepScore[i];
      right.sepMember[j] = x.sepMember[i];
      rc += x.counts[i];
      x.kids[i] = x.kids[0];
      x.sepMember[i] = '';
    }
    right.n = n - mid;
    x.n = mid;
    // The separator of kid `mid` now separates x from right one level up.
    const sepS = right.sepScore[0];
    const sepM = right.sepMember[0];
    right.sepMember[0] = '';
    this.addKid(d - 1, x, lc, right, rc, sepS, sepM);
  }

  /** Remove cnt entries of leaf from pos (the path must lead to leaf); onDelete sees each. */
  private removeRun(leaf: Leaf, pos: number, cnt: number, onDelete: ((n: ZNode) => void) | null): void {
    const sc = leaf.scores;
    const mb = leaf.members;
    const nd = leaf.nodes;
    const n = leaf.n;
    if (onDelete !== null) for (let i = pos; i < pos + cnt; i++) onDelete(nd[i]);
    for (let i = pos + cnt; i < n; i++) {
      sc[i - cnt] = sc[i];
      mb[i - cnt] = mb[i];
      nd[i - cnt] = nd[i];
    }
    for (let i = n - cnt; i < n; i++) {
      mb[i] = '';
      nd[i] = NO_NODE;
    }
    leaf.n = n - cnt;
    leaf.enc = null;
    this.length -= cnt;
    for (let d = 0; d < this.height; d++) pathN[d].counts[pathK[d]] -= cnt;
    if (leaf.n < LEAF_MIN && this.height > 0) this.fixLeaf(leaf);
  }

  private unlinkLeaf(l: Leaf): void {
    if (l.prev !== null) l.prev.next = l.next;
    else this.head = l.next!;
    if (l.next !== null) l.next.prev = l.prev;
    else this.tailLeaf = l.prev!;
    l.next = l.prev = null;
  }

  /** Move all entries of `from` to the end of `to`. */
  private static appendLeaf(to: Leaf, from: Leaf): void {
    const base = to.n;
    for (let i = 0; i < from.n; i++) {
      to.scores[base + i] = from.scores[i];
      to.members[base + i] = from.members[i];
      to.nodes[base + i] = from.nodes[i];
    }
    to.n = base + from.n;
    to.enc = null;
  }

  /** An underfull leaf (kid pathK[h-1] of pathN[h-1]): merge with a sibling when they fit together. */
  private fixLeaf(leaf: Leaf): void {
    const d = this.height - 1;
    const x = pathN[d];
    const k = pathK[d];
    if (k > 0) {
      const left = x.kids[k - 1] as Leaf;
      if (left.n + leaf.n <= LEAF_CAP) {
        ZTree.appendLeaf(left, leaf);
        x.counts[k - 1] += leaf.n;
        this.unlinkLeaf(leaf);
        this.removeKid(d, k);
        return;
      }
    }
    if (k + 1 < x.n) {
      const right = x.kids[k + 1] as Leaf;
      if (leaf.n + right.n <= LEAF_CAP) {
        ZTree.appendLeaf(leaf, right);
        x.counts[k] += right.n;
        this.unlinkLeaf(right);
        this.removeKid(d, k + 1);
        return;
      }
    }
    if (leaf.n === 0) {
      this.unlinkLeaf(leaf);
      this.removeKid(d, k);
    }
  }

  /** Remove kid k of pathN[d], then fix pathN[d] if it became underfull. */
  private removeKid(d: number, k: number): void {
    const x = pathN[d];
    const n = x.n;
    for (let i = k + 1; i < n; i++) {
      x.kids[i - 1] = x.kids[i];
      x.counts[i - 1] = x.counts[i];
      x.sepScore[i - 1] = x.sepScore[i];
      x.sepMember[i - 1] = x.sepMember[i];
    }
    x.n = n - 1;
    x.kids[n - 1] = x.kids[0];
    x.sepMember[n - 1] = '';
    if (d === 0) {
      // The root: drop levels with a single kid.
      while (this.height > 0 && (this.root as Inner).n === 1) {
        this.root = (this.root as Inner).kids[0];
        this.height--;
      }
      if (this.height > 0 && (this.root as Inner).n === 0) {
        const l = new Leaf();
        this.root = this.head = this.tailLeaf = l;
        this.height = 0;
      }
      return;
    }
    if (x.n < INNER_MIN) this.fixInner(d);
  }

  /** Move kids of `from` to the end of `to`; from's first kid gets the separator sepS/sepM. */
  private static appendInner(to: Inner, from: Inner, sepS: number, sepM: string): void {
    const base = to.n;
    for (let i = 0; i < from.n; i++) {
      to.kids[base + i] = from.kids[i];
      to.counts[base + i] = from.counts[i];
      to.sepScore[base + i] = i === 0 ? sepS : from.sepScore[i];
      to.sepMember[base + i] = i === 0 ? sepM : from.sepMember[i];
    }
    to.n = base + from.n;
  }

  private fixInner(d: number): void {
    const x = pathN[d];
    const p = pathN[d - 1];
    const k = pathK[d - 1];
    if (k > 0) {
      const left = p.kids[k - 1] as Inner;
      if (left.n + x.n <= INNER_CAP) {
        ZTree.appendInner(left, x, p.sepScore[k], p.sepMember[k]);
        p.counts[k - 1] += p.counts[k];
        this.removeKid(d - 1, k);
        return;
      }
    }
    if (k + 1 < p.n) {
      const right = p.kids[k + 1] as Inner;
      if (x.n + right.n <= INNER_CAP) {
        ZTree.appendInner(x, right, p.sepScore[k + 1], p.sepMember[k + 1]);
        p.counts[k] += p.counts[k + 1];
        this.removeKid(d - 1, k + 1);
        return;
      }
    }
    if (x.n === 0) this.removeKid(d - 1, k);
  }

  /** Remove (score, member); returns the removed node or null. */
  delete(score: number, member: string): ZNode | null {
    const leaf = this.descendKey(score, member);
    const pos = leafLower(leaf, score, member);
    if (pos >= leaf.n || leaf.scores[pos] !== score || leaf.members[pos] !== member) return null;
    const node = leaf.nodes[pos];
    this.removeRun(leaf, pos, 1, null);
    return node;
  }

  /** Change a node's score, moving it if its position changes (zslUpdateScore). */
  updateScore(node: ZNode, newScore: number): void {
    const s = node.score;
    const m = node.member;
    const leaf = this.descendKey(s, m);
    const pos = leafLower(leaf, s, m);
    if (pos >= leaf.n || leaf.nodes[pos] !== node) throw new Error('zset tree: updateScore on a node that is not in the tree');
    const sc = leaf.scores;
    const mb = leaf.members;
    // In place when the new key still sorts between its neighbours in the leaf; at a leaf's edge
    // only towards the inside, so the separators above stay valid.
    const lowerOk = pos > 0 ? keyLess(sc[pos - 1], mb[pos - 1], newScore, m) : newScore >= s;
    const upperOk = pos < leaf.n - 1 ? keyLess(newScore, m, sc[pos + 1], mb[pos + 1]) : newScore <= s;
    if (lowerOk && upperOk) {
      sc[pos] = newScore;
      node.score = smi(newScore);
      return;
    }
    this.removeRun(leaf, pos, 1, null);
    node.score = smi(newScore);
    this.insertNode(node);
  }

  /** 1-based rank of (score, member), 0 if absent. */
  rank(score: number, member: string): number {
    const leaf = this.descendKey(score, member);
    const pos = leafLower(leaf, score, member);
    if (pos >= leaf.n || leaf.scores[pos] !== score || leaf.members[pos] !== member) return 0;
    let r = pos + 1;
    for (let d = 0; d < this.height; d++) r += sumBefore(pathN[d].counts, pathK[d]);
    return r;
  }

  /** Position cur at 0-based rank r (0 <= r < length), filling the path. */
  seekRank(cur: ZCursor, r: number): void {
    let x = this.root;
    for (let d = 0; d < this.height; d++) {
      const inner = x as Inner;
      const c = inner.counts;
      let k = 0;
      const last = inner.n - 1;
      while (k < last && r >= c[k]) r -= c[k++];
      pathN[d] = inner;
      pathK[d] = k;
      x = inner.kids[k];
    }
    cur.leaf = x as Leaf;
    cur.i = r;
  }

  /** The node at 1-based rank, or null. */
  byRank(rank: number): ZNode | null {
    if (rank < 1 || rank > this.length) return null;
    this.seekRank(scratch, rank - 1);
    return scratch.node;
  }

  seekFirst(cur: ZCursor): void {
    cur.leaf = this.head.n === 0 ? null : this.head;
    cur.i = 0;
  }
  seekLast(cur: ZCursor): void {
    const l = this.tailLeaf;
    cur.leaf = l.n === 0 ? null : l;
    cur.i = l.n - 1;
  }

  /**
   * Position cur at the first entry with score > v (orEqual: the entries equal to v are skipped
   * too) or >= v, possibly one past the end of its leaf (see fixForward); records its rank when
   * asked (summing the counts costs a few more cache misses per level).
   */
  private seekScore(cur: ZCursor, v: number, orEqual: boolean, withRank: boolean): void {
    let x = this.root;
    let rank = 0;
    for (let d = 0; d < this.height; d++) {
      const inner = x as Inner;
      const k = scoreBound(inner.sepScore, 1, inner.n, v, orEqual) - 1;
      if (withRank) rank += sumBefore(inner.counts, k);
      x = inner.kids[k];
    }
    const leaf = x as Leaf;
    const lo = scoreBound(leaf.scores, 0, leaf.n, v, orEqual);
    cur.leaf = leaf;
    cur.i = lo;
    this.foundRank = rank + lo;
  }

  /**
   * Position cur at the first entry where `pred` (true on a prefix of the order) is false, possibly
   * one past the end of its leaf; records its rank.
   */
  private seekPrefix(cur: ZCursor, pred: (score: number, member: string) => boolean): void {
    let x = this.root;
    let rank = 0;
    for (let d = 0; d < this.height; d++) {
      const inner = x as Inner;
      let lo = 1;
      let hi = inner.n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (pred(inner.sepScore[mid], inner.sepMember[mid])) lo = mid + 1;
        else hi = mid;
      }
      rank += sumBefore(inner.counts, lo - 1);
      x = inner.kids[lo - 1];
    }
    const leaf = x as Leaf;
    let lo = 0;
    let hi = leaf.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pred(leaf.scores[mid], leaf.members[mid])) lo = mid + 1;
      else hi = mid;
    }
    cur.leaf = leaf;
    cur.i = lo;
    this.foundRank = rank + lo;
  }

  /** zslIsInRange / zslIsInLexRange: could any element be in b (only the two ends are checked)? */
  mayOverlap(b: Bounds): boolean {
    if (b.empty) return false;
    const t = this.tail;
    if (t === null || !b.gte(t.score, t.member)) return false;
    const h = this.first!;
    return b.lte(h.score, h.member);
  }

  /**
   * zslFirstInRange by score: cur at the first entry >= min if it is <= max; false if none.
   * withRank: lastSeekRank tells its rank afterwards.
   */
  firstInScore(cur: ZCursor, min: number, minex: boolean, max: number, maxex: boolean, withRank = false): boolean {
    if (min > max || (min === max && (minex || maxex))) return false;
    const t = this.tail;
    if (t === null || (minex ? t.score <= min : t.score < min)) return false;
    this.seekScore(cur, min, minex, withRank);
    cur.fixForward();
    if (cur.leaf === null) return false;
    const s = cur.leaf.scores[cur.i];
    return maxex ? s < max : s <= max;
  }

  /** zslLastInRange by score: cur at the last entry <= max if it is >= min; false if none. */
  lastInScore(cur: ZCursor, min: number, minex: boolean, max: number, maxex: boolean, withRank = false): boolean {
    if (min > max || (min === max && (minex || maxex))) return false;
    const h = this.first;
    if (h === null || (maxex ? h.score >= max : h.score > max)) return false;
    this.seekScore(cur, max, !maxex, withRank);
    cur.prev(); // the entry before the seek's stop
    if (cur.leaf === null) return false;
    this.foundRank--;
    const s = cur.leaf.scores[cur.i];
    return minex ? s > min : s >= min;
  }

  /** zslFirstInRange for any bounds (lex ranges): cur at the first entry in b; false if none. */
  firstIn(cur: ZCursor, b: Bounds): boolean {
    if (!this.mayOverlap(b)) return false;
    this.seekPrefix(cur, (s, m) => !b.gte(s, m));
    cur.fixForward();
    return cur.leaf !== null && b.lte(cur.leaf.scores[cur.i], cur.member);
  }

  /** zslLastInRange for any bounds: cur at the last entry in b; false if none. */
  lastIn(cur: ZCursor, b: Bounds): boolean {
    if (!this.mayOverlap(b)) return false;
    this.seekPrefix(cur, b.lte);
    cur.prev(); // the entry before the seek's stop
    if (cur.leaf === null) return false;
    this.foundRank--;
    return b.gte(cur.leaf.scores[cur.i], cur.member);
  }

  /** 0-based rank of the entry the last successful first/last search stopped at. */
  get lastSeekRank(): number {
    return this.foundRank;
  }

  /**
   * Remove every entry from the first at or above b's min while at or below its max (Redis's walk
   * in zslDeleteRangeByScore/ByLex); onDelete sees each removed node.
   */
  deleteIn(b: Bounds, onDelete: (n: ZNode) => void): number {
    this.seekPrefix(scratch, (s, m) => !b.gte(s, m));
    const start = this.foundRank;
    scratch.fixForward();
    let count = 0;
    while (scratch.leaf !== null && b.lte(scratch.leaf.scores[scratch.i], scratch.member)) {
      count++;
      scratch.next();
    }
    scratch.leaf = null;
    return count === 0 ? 0 : this.deleteRangeByRank(start + 1, start + count, onDelete);
  }

  /** Remove the entries with 1-based ranks start..end (inclusive, clamped to the set). */
  deleteRangeByRank(start: number, end: number, onDelete: (n: ZNode) => void): number {
    if (start < 1) start = 1;
    if (end > this.length) end = this.length;
    let left = end - start + 1;
    const removed = left > 0 ? left : 0;
    while (left > 0) {
      this.seekRank(scratch, start - 1);
      const leaf = scratch.leaf!;
      const pos = scratch.i;
      const m = Math.min(left, leaf.n - pos);
      this.removeRun(leaf, pos, m, onDelete);
      left -= m;
    }
    scratch.leaf = null;
    return removed;
  }

  /** Every node in order (reverse: from the highest); stops when fn returns false. */
  forEach(fn: (n: ZNode) => boolean | void, reverse = false): void {
    if (!reverse) {
      for (let l: Leaf | null = this.head; l !== null; l = l.next) {
        for (let i = 0; i < l.n; i++) if (fn(l.nodes[i]) === false) return;
      }
    } else {
      for (let l: Leaf | null = this.tailLeaf; l !== null; l = l.prev) {
        for (let i = l.n - 1; i >= 0; i--) if (fn(l.nodes[i]) === false) return;
      }
    }
  }

  /** Check the structure (tests): counts, separators, order, links, fill; throws on a violation. */
  verify(): void {
    const fail = (what: string): never => {
      throw new Error('zset tree invariant broken: ' + what);
    };
    const leaves: Leaf[] = [];
    const walk = (x: Kid, depth: number, lo: [number, string] | null, hi: [number, string] | null): number => {
      if (depth === this.height) {
        const l = x as Leaf;
        leaves.push(l);
        if (l.n > LEAF_CAP) fail('leaf overflow');
        if (this.height > 0 && l.n === 0) fail('empty leaf');
        for (let i = 0; i < l.n; i++) {
          if (l.scores[i] !== l.nodes[i].score || !Object.is(l.scores[i], l.nodes[i].score)) fail('leaf score differs from node score');
          if (l.members[i] !== l.nodes[i].member) fail('leaf member differs from node member');
          if (i > 0 && !keyLess(l.scores[i - 1], l.nodes[i - 1].member, l.scores[i], l.nodes[i].member)) fail('leaf order');
          if (lo !== null && keyLess(l.scores[i], l.nodes[i].member, lo[0], lo[1])) fail('key below its separator');
          if (hi !== null && !keyLess(l.scores[i], l.nodes[i].member, hi[0], hi[1])) fail('key at or above the next separator');
        }
        return l.n;
      }
      const inner = x as Inner;
      if (inner.n < 1 || inner.n > INNER_CAP) fail('inner size');
      if (x === this.root && inner.n < 2) fail('root with a single kid');
      let total = 0;
      for (let i = 0; i < inner.n; i++) {
        const klo: [number, string] | null = i === 0 ? lo : [inner.sepScore[i], inner.sepMember[i]];
        const khi: [number, string] | null = i + 1 < inner.n ? [inner.sepScore[i + 1], inner.sepMember[i + 1]] : hi;
        const c = walk(inner.kids[i], depth + 1, klo, khi);
        if (c !== inner.counts[i]) fail(`count ${inner.counts[i]} != ${c}`);
        total += c;
      }
      return total;
    };
    const total = walk(this.root, 0, null, null);
    if (total !== this.length) fail('length');
    if (leaves[0] !== this.head || leaves[leaves.length - 1] !== this.tailLeaf) fail('head/tail leaf');
    for (let i = 0; i < leaves.length; i++) {
      if (leaves[i].prev !== (i > 0 ? leaves[i - 1] : null)) fail('prev link');
      if (leaves[i].next !== (i + 1 < leaves.length ? leaves[i + 1] : null)) fail('next link');
    }
  }
}

/** Cursor for the tree's own range operations (never re-entered). */
const scratch = new ZCursor();
