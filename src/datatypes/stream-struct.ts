// Why: the stream structure. Redis keeps a stream as a radix tree of listpack "macro nodes"
// (stream-node-max-entries / stream-node-max-bytes, deleted entries stay as tombstones until their
// node goes), and approximate trimming (MAXLEN ~ / MINID ~ / LIMIT), XINFO radix-tree-keys and the
// trim arguments it propagates all depend on where those nodes split. eddy emulates the nodes
// exactly — same split points (listpack byte sizes from stream-listpack.ts), same tombstones — but
// stores each node as ID/flag arrays plus its entries in reply form (see StreamNode), in an array
// of nodes with a head offset: appends are O(1), whole-node trimming advances the head (amortised
// compaction), and lookups are two binary searches (node by master ID, then entry), so XRANGE
// costs O(log n) plus one substring per node it spans.
import type { RObject } from './db.js';
import type { ConsumerGroup } from './stream-groups.js';
import { LP_EMPTY, lpIntSize, lpStrSize } from './stream-listpack.js';
import { addCounter, cmpId, delta64, fmtId, lowerBoundId, ltU, type SID, type U64 } from './stream-id.js';

export const F_DELETED = 1;
export const F_SAMEFIELDS = 2;
/** The biggest node body sealed into one string. */
const SEAL_MAX = 1 << 28;
/** STREAM_LISTPACK_MAX_SIZE */
export const LISTPACK_MAX = 1 << 30;

/** '$<len>\r\n<s>\r\n' */
function bulk(x: string): string {
  return '$' + x.length + '\r\n' + x + '\r\n';
}

/**
 * One listpack macro node: a master entry (first entry's ID and fields) and its entries. Entries
 * are kept as what readers send: each entry's RESP reply (*2 <id> *2n <field> <value>...). While
 * the node is open (the tail) they are separate strings in `parts`; once a later node exists the
 * node is sealed: one flat string `body` with entry i at [off[i], off[i+1]). A sealed node costs
 * the GC a handful of objects instead of several per entry, and a forward range over it is one
 * substring (tombstones split it). Field/value arrays are decoded from the RESP when needed
 * (kvAt: XINFO, persistence).
 */
export class StreamNode {
  ms: U64[] = [];
  seq: U64[] = [];
  flags: number[] = [];
  /** open node: entry replies; null when sealed */
  parts: string[] | null = [];
  /** sealed node: the entry replies back to back */
  body = '';
  /** sealed node: entry offsets into body (size + 1 of them) */
  off: number[] | null = null;
  /** too big to seal (SEAL_MAX): stays in pieces */
  private huge = false;
  /** RESP of the master fields, for SAMEFIELDS entries */
  private readonly fieldResp: string[];
  live = 0;
  dead = 0;
  /** listpack bytes except the live/deleted counters (whose width varies) */
  fixed: number;

  constructor(
    readonly masterMs: U64,
    readonly masterSeq: U64,
    readonly masterFields: string[],
  ) {
    let b = LP_EMPTY + lpIntSize(masterFields.length) + 2;
    const fr: string[] = [];
    for (const f of masterFields) {
      b += lpStrSize(f);
      fr.push(bulk(f));
    }
    this.fixed = b;
    this.fieldResp = fr;
  }

  get size(): number {
    return this.ms.length;
  }

  /** lpBytes of the node's listpack. */
  bytes(): number {
    return this.fixed + lpIntSize(this.live) + lpIntSize(this.dead);
  }

  /** First index whose ID is >= (ms, seq). */
  lowerBound(ms: U64, seq: U64): number {
    return lowerBoundId(this.ms, this.seq, ms, seq);
  }

  /** First index whose ID is > (ms, seq). */
  upperBound(ms: U64, seq: U64): number {
    const a = this.ms;
    const b = this.seq;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpId(a[mid], b[mid], ms, seq) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Append an entry given as a field/value array, returning the bytes it takes in the listpack. */
  push(ms: U64, seq: U64, kv: string[]): number {
    return this.add(ms, seq, fmtId(ms, seq), kv, 0);
  }

  /**
   * Append the entry `id` (the printed (ms, seq)) whose fields and values are src[from..], returning
   * the bytes it takes in the listpack (lpAppend sizes: stream-listpack.ts).
   */
  add(ms: U64, seq: U64, id: string, src: readonly string[], from: number): number {
    const len = src.length - from;
    const nf = len >> 1;
    const mf = this.masterFields;
    let same = nf === mf.length;
    if (same) {
      for (let i = 0; i < nf; i++) {
        if (src[from + i * 2] !== mf[i]) {
          same = false;
          break;
        }
      }
    }
    let b = 2 + lpIntSize(delta64(ms, this.masterMs)) + lpIntSize(delta64(seq, this.masterSeq));
    let r = '*2\r\n$' + id.length + '\r\n' + id + '\r\n*' + len + '\r\n';
    if (same) {
      const fr = this.fieldResp;
      for (let i = 0; i < nf; i++) {
        const v = src[from + i * 2 + 1];
        b += lpStrSize(v);
        r += fr[i] + '$' + v.length + '\r\n' + v + '\r\n';
      }
      b += lpIntSize(nf + 3);
    } else {
      b += lpIntSize(nf);
      for (let i = from; i < src.length; i++) {
        const x = src[i];
        b += lpStrSize(x);
        r += '$' + x.length + '\r\n' + x + '\r\n';
      }
      b += lpIntSize(nf * 2 + 4);
    }
    if (this.parts === null) this.unseal();
    this.parts!.push(r);
    this.ms.push(ms);
    this.seq.push(seq);
    this.flags.push(same ? F_SAMEFIELDS : 0);
    this.live++;
    this.fixed += b;
    return b;
  }

  /** Join the entry replies into one flat string (the node gets no more appends, normally). */
  seal(): void {
    const p = this.parts;
    if (p === null || this.huge) return;
    const off = new Array<number>(p.length + 1);
    let o = 0;
    for (let i = 0; i < p.length; i++) {
      off[i] = o;
      o += p[i].length;
    }
    off[p.length] = o;
    // V8 strings stop at 2^29-24 chars: a giant node (node limits set to 0) stays in pieces.
    if (o > SEAL_MAX) {
      this.huge = true;
      return;
    }
    this.body = p.join('');
    this.off = off;
    this.parts = null;
    // Exact-size copies: pushes left the arrays up to ~30% over capacity.
    this.ms = this.ms.slice();
    this.seq = this.seq.slice();
    this.flags = this.flags.slice();
  }

  /** Back to separate entry strings (a sealed node became the tail again and gets an append). */
  private unseal(): void {
    const off = this.off!;
    const p: string[] = [];
    for (let i = 0; i + 1 < off.length; i++) p.push(this.body.slice(off[i], off[i + 1]));
    this.parts = p;
    this.body = '';
    this.off = null;
  }

  /** Entry i's reply: *2 <id> *2n <field> <value>... */
  entry(i: number): string {
    const p = this.parts;
    if (p !== null) return p[i];
    const off = this.off!;
    return this.body.slice(off[i], off[i + 1]);
  }

  /** The replies of entries [i, j) back to back. */
  run(i: number, j: number): string {
    const p = this.parts;
    if (p === null) {
      const off = this.off!;
      return this.body.slice(off[i], off[j]);
    }
    let r = '';
    for (let k = i; k < j; k++) r += p[k];
    return r;
  }

  /** Entry i's [field, value, ...] (decoded from its reply; SAMEFIELDS fields are the master's). */
  kvAt(i: number): string[] {
    const s = this.entry(i);
    // *2\r\n$<idlen>\r\n<id>\r\n*<n>\r\n then n bulks
    let e = s.indexOf('\r', 5);
    let p = e + 2 + Number(s.slice(5, e)) + 2;
    e = s.indexOf('\r', p);
    const n = Number(s.slice(p + 1, e));
    p = e + 2;
    const kv = new Array<string>(n);
    const same = (this.flags[i] & F_SAMEFIELDS) !== 0;
    for (let k = 0; k < n; k++) {
      e = s.indexOf('\r', p);
      const l = Number(s.slice(p + 1, e));
      p = e + 2;
      kv[k] = same && (k & 1) === 0 ? this.masterFields[k >> 1] : s.slice(p, p + l);
      p += l + 2;
    }
    return kv;
  }

  /** A deep copy (the entry strings are immutable, so they can be shared). */
  clone(): StreamNode {
    const n = new StreamNode(this.masterMs, this.masterSeq, this.masterFields);
    n.ms = this.ms.slice();
    n.seq = this.seq.slice();
    n.flags = this.flags.slice();
    n.parts = this.parts === null ? null : this.parts.slice();
    n.body = this.body;
    n.off = this.off === null ? null : this.off.slice();
    n.live = this.live;
    n.dead = this.dead;
    n.fixed = this.fixed;
    return n;
  }
}

export const TRIM_MAXLEN = 1;
export const TRIM_MINID = 2;

export interface TrimArgs {
  strategy: number;
  approx: boolean;
  /** 0 = no limit */
  limit: number;
  maxlen: number;
  minid: SID;
}

/** Visitor for range iteration: return false to stop. */
export type EntryVisitor = (node: StreamNode, i: number) => boolean | void;

export class StreamObject implements RObject {
  readonly type = 'stream' as const;
  nodes: StreamNode[] = [];
  /** index of the first node in `nodes` (nodes before it were trimmed away) */
  head = 0;
  length = 0;
  lastMs: U64 = 0;
  lastSeq: U64 = 0;
  /** recorded-first-entry-id */
  firstMs: U64 = 0;
  firstSeq: U64 = 0;
  maxDelMs: U64 = 0;
  maxDelSeq: U64 = 0;
  entriesAdded: U64 = 0;
  groups: Map<string, ConsumerGroup> | null = null;
  /** sum of the nodes' listpack bytes (MEMORY USAGE) */
  private lpBytes = 0;

  encoding(): string {
    return 'stream';
  }

  get nodeCount(): number {
    return this.nodes.length - this.head;
  }

  /**
   * streamAppendItem's node choice and bookkeeping (the ID was validated by the caller): a new
   * node when the tail's listpack would reach max bytes or holds max entries (tombstones count).
   * The entry is `id` (printed (ms, seq)) with fields and values src[from..] of total length `tot`.
   */
  append(ms: U64, seq: U64, id: string, src: readonly string[], from: number, tot: number, maxBytes: number, maxEntries: number): void {
    let node: StreamNode | null = this.nodes.length > this.head ? this.nodes[this.nodes.length - 1] : null;
    if (node !== null) {
      const nodeMax = maxBytes === 0 || maxBytes > LISTPACK_MAX ? LISTPACK_MAX : maxBytes;
      if (node.bytes() + tot >= nodeMax || (maxEntries > 0 && node.live + node.dead >= maxEntries)) {
        node.seal();
        node = null;
      }
    }
    if (node === null) {
      const fields: string[] = [];
      for (let i = from; i < src.length; i += 2) fields.push(src[i]);
      node = new StreamNode(ms, seq, fields);
      this.nodes.push(node);
      this.lpBytes += node.fixed;
    }
    this.lpBytes += node.add(ms, seq, id, src, from);
    this.length++;
    this.entriesAdded = addCounter(this.entriesAdded, 1);
    this.lastMs = ms;
    this.lastSeq = seq;
    if (this.length === 1) {
      this.firstMs = ms;
      this.firstSeq = seq;
    }
  }

  /** Index (into nodes) of the last node whose master ID is <= (ms, seq), or head-1. */
  nodeFor(ms: U64, seq: U64): number {
    let lo = this.head;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const n = this.nodes[mid];
      if (cmpId(n.masterMs, n.masterSeq, ms, seq) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Forward iteration over live entries in [start, end] (streamIteratorStart/GetID). */
  forward(sMs: U64, sSeq: U64, eMs: U64, eSeq: U64, visit: EntryVisitor): void {
    let ni = this.nodeFor(sMs, sSeq);
    if (ni < this.head) ni = this.head;
    const nodes = this.nodes;
    let first = true;
    for (; ni < nodes.length; ni++) {
      const node = nodes[ni];
      const ms = node.ms;
      const seq = node.seq;
      const flags = node.flags;
      const n = ms.length;
      let i = first ? node.lowerBound(sMs, sSeq) : 0;
      first = false;
      for (; i < n; i++) {
        if (flags[i] & F_DELETED) continue;
        const m = ms[i];
        if (ltU(eMs, m) || (m === eMs && ltU(eSeq, seq[i]))) return;
        if (visit(node, i) === false) return;
      }
    }
  }

  /** Reverse iteration over live entries in [start, end], from end down to start. */
  backward(sMs: U64, sSeq: U64, eMs: U64, eSeq: U64, visit: EntryVisitor): void {
    let ni = this.nodeFor(eMs, eSeq);
    if (ni < this.head) return;
    const nodes = this.nodes;
    let first = true;
    for (; ni >= this.head; ni--) {
      const node = nodes[ni];
      const ms = node.ms;
      const seq = node.seq;
      const flags = node.flags;
      let i = first ? node.lowerBound(eMs, eSeq) : node.size - 1;
      if (first && (i >= node.size || cmpId(ms[i], seq[i], eMs, eSeq) > 0)) i--;
      first = false;
      for (; i >= 0; i--) {
        if (flags[i] & F_DELETED) continue;
        const m = ms[i];
        if (ltU(m, sMs) || (m === sMs && ltU(seq[i], sSeq))) return;
        if (visit(node, i) === false) return;
      }
    }
  }

  /** [nodeIndex, entryIndex] of a live entry with exactly this ID, or null. */
  find(ms: U64, seq: U64): [number, number] | null {
    const ni = this.nodeFor(ms, seq);
    if (ni < this.head) return null;
    const node = this.nodes[ni];
    const i = node.lowerBound(ms, seq);
    if (i >= node.size || node.ms[i] !== ms || node.seq[i] !== seq || node.flags[i] & F_DELETED) return null;
    return [ni, i];
  }

  /** streamIteratorRemoveEntry: tombstone the entry, dropping its node when it was the last live one. */
  removeAt(ni: number, i: number): void {
    const node = this.nodes[ni];
    if (node.live === 1) {
      this.lpBytes -= node.bytes();
      if (ni === this.head) this.dropHead(1);
      else this.nodes.splice(ni, 1);
    } else {
      node.flags[i] |= F_DELETED;
      node.live--;
      node.dead++;
    }
    this.length--;
  }

  private dropHead(n: number): void {
    this.head += n;
    if (this.head === this.nodes.length) {
      this.nodes = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.nodes.length) {
      this.nodes = this.nodes.slice(this.head);
      this.head = 0;
    }
  }

  /** First live entry ID, or null (streamGetEdgeID(first, skip_tombstones)). */
  firstLive(): SID | null {
    let r: SID | null = null;
    this.forward(0, 0, 18446744073709551615n, 18446744073709551615n, (node, i) => {
      r = { ms: node.ms[i], seq: node.seq[i] };
      return false;
    });
    return r;
  }

  /** Last live entry ID, or null (streamLastValidID). */
  lastLive(): SID | null {
    for (let ni = this.nodes.length - 1; ni >= this.head; ni--) {
      const node = this.nodes[ni];
      for (let i = node.size - 1; i >= 0; i--) if (!(node.flags[i] & F_DELETED)) return { ms: node.ms[i], seq: node.seq[i] };
    }
    return null;
  }

  /** The first entry including tombstones (streamGetEdgeID(first, no skip)), MAX-MAX when empty. */
  firstAny(): SID {
    if (this.nodes.length === this.head) return { ms: 18446744073709551615n, seq: 18446744073709551615n };
    const n = this.nodes[this.head];
    return { ms: n.ms[0], seq: n.seq[0] };
  }

  /** streamTrim: returns the number of entries deleted. */
  trim(a: TrimArgs): number {
    let deleted = 0;
    const maxlenMode = a.strategy === TRIM_MAXLEN;
    while (this.head < this.nodes.length) {
      if (maxlenMode && this.length <= a.maxlen) break;
      const node = this.nodes[this.head];
      const entries = node.live;
      if (a.limit && deleted + entries > a.limit) break;
      const last = node.size - 1;
      const removeNode = maxlenMode
        ? this.length - entries >= a.maxlen
        : cmpId(node.ms[last], node.seq[last], a.minid.ms, a.minid.seq) < 0;
      if (removeNode) {
        this.lpBytes -= node.bytes();
        this.dropHead(1);
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (a.approx) break;
      let fromNode = 0;
      for (let i = 0; i < node.size; i++) {
        const stop = maxlenMode ? this.length <= a.maxlen : cmpId(node.ms[i], node.seq[i], a.minid.ms, a.minid.seq) >= 0;
        if (stop) break;
        if (!(node.flags[i] & F_DELETED)) {
          node.flags[i] |= F_DELETED;
          fromNode++;
          this.length--;
        }
      }
      // The counters keep their width class in practice, but recompute bytes exactly.
      this.lpBytes -= node.bytes();
      node.live -= fromNode;
      node.dead += fromNode;
      this.lpBytes += node.bytes();
      deleted += fromNode;
      break;
    }
    if (deleted || this.length === 0) this.refreshFirst();
    return deleted;
  }

  /** recorded-first-entry-id after deletions: the first live ID, 0-0 when empty. */
  refreshFirst(): void {
    const f = this.length === 0 ? null : this.firstLive();
    this.firstMs = f === null ? 0 : f.ms;
    this.firstSeq = f === null ? 0 : f.seq;
  }

  /** XDEL of one ID (streamDeleteItem + the 7.0 first-id / max-deleted-id bookkeeping by caller). */
  deleteId(ms: U64, seq: U64): boolean {
    const at = this.find(ms, seq);
    if (at === null) return false;
    this.removeAt(at[0], at[1]);
    return true;
  }

  /**
   * rax->numnodes for the node keys (16-byte big-endian IDs), computed for the canonical
   * compressed radix tree: root + one node per child of a branching prefix + one per leaf or
   * branching prefix reached through a compressed chain. Redis's rax keeps that form: the
   * differential tests (IDs across byte magnitudes, whole-node deletions) match it exactly.
   */
  radixNodes(): number {
    const n = this.nodeCount;
    if (n === 0) return 1;
    const keys: string[] = [];
    for (let i = this.head; i < this.nodes.length; i++) {
      const nd = this.nodes[i];
      keys.push(nd.masterMs.toString(16).padStart(16, '0') + nd.masterSeq.toString(16).padStart(16, '0'));
    }
    const lcp: number[] = [];
    for (let i = 0; i + 1 < n; i++) {
      const a = keys[i];
      const b = keys[i + 1];
      let j = 0;
      while (j < 32 && a[j] === b[j]) j++;
      lcp.push(j >> 1);
    }
    // Branching prefixes are the lcp intervals (a monotonic stack over the lcp array); an
    // interval's parent has lcp max(remaining top, current lcp), or is the root chain (-1).
    let branching = 0;
    let branchWithUnaryParent = 0;
    const stack: number[] = [];
    for (let k = 0; k <= lcp.length; k++) {
      const l = k < lcp.length ? lcp[k] : -1;
      while (stack.length && stack[stack.length - 1] > l) {
        const top = stack.pop()!;
        const parent = Math.max(stack.length ? stack[stack.length - 1] : -1, l);
        if (top >= 1 && parent !== top - 1) branchWithUnaryParent++;
      }
      if (l >= 0 && (!stack.length || stack[stack.length - 1] < l)) {
        stack.push(l);
        branching++;
      }
    }
    let leavesUnary = 0;
    for (let i = 0; i < n; i++) {
      const left = i > 0 ? lcp[i - 1] : -1;
      const right = i < n - 1 ? lcp[i] : -1;
      if (left !== 15 && right !== 15) leavesUnary++;
    }
    return 1 + branching + (n - 1) + leavesUnary + branchWithUnaryParent;
  }

  clone(): StreamObject {
    const s = new StreamObject();
    s.nodes = this.nodes.slice(this.head).map((n) => n.clone());
    s.length = this.length;
    s.lastMs = this.lastMs;
    s.lastSeq = this.lastSeq;
    s.firstMs = this.firstMs;
    s.firstSeq = this.firstSeq;
    s.maxDelMs = this.maxDelMs;
    s.maxDelSeq = this.maxDelSeq;
    s.entriesAdded = this.entriesAdded;
    s.lpBytes = this.lpBytes;
    if (this.groups) {
      s.groups = new Map();
      for (const [k, g] of this.groups) s.groups.set(k, g.clone());
    }
    return s;
  }

  memoryUsage(): number {
    let m = 16 + 48 + this.lpBytes + this.nodeCount * 48;
    if (this.groups) for (const g of this.groups.values()) m += 64 + g.pel.size * 48 + g.consumers.size * 64;
    return m;
  }
}
