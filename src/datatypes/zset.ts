// Why: the sorted set type, as Redis's t_zset.c: the ZSet value (a counted B+tree ordered by
// (score, member), zset-tree.ts, plus a member -> node index, reporting Redis's listpack/skiplist
// encoding) and every Z* command with Redis 7.0's parsing, error texts, reply shapes,
// notifications and propagation.
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { bulk, CRLF, EMPTY_ARRAY, formatDouble } from '../resp/reply.js';
import { ERR_SYNTAX, ERR_WRONGTYPE, fail } from '../server/errors.js';
import { getInt } from '../server/args.js';
import { parseLL } from '../resp/request-parser.js';
import { blockForKeys, parseTimeout, servingKey, signalKeyAsReady } from '../server/blocking.js';
import type { RObject } from './db.js';
import type { SetObject } from './set.js';
import { parseScanCursor, parseScanOptions, replyEmptyScan, replyScan, scanSlots } from './scan-cursor.js';
import { ERR_MUST_BE_POSITIVE, getLongInRange, lookupTyped, parseRandCount } from './collection.js';
import { randomIndex, sampleDistinct } from './random.js';
import { replyBulk, replyEnd, replyRaw, replyStart } from '../resp/bulk-writer.js';
import { ZCursor, ZTree, leafEncoding, type Leaf, type ZNode } from './zset-tree.js';
import { type LexRange, type ScoreRange, valueGteMin, valueLteMax, lexGteMin, lexLteMax, lexBounds, scoreBounds } from './zset-range.js';
import { atoi, getScore, parseLexRange, parseScoreRange } from './zset-parse.js';
import { MemberIndex } from './zset-index.js';

export class ZSet implements RObject {
  readonly type = 'zset' as const;
  readonly zsl = new ZTree();
  readonly dict = new MemberIndex();
  /** The nodes in a dense array (swap-remove): O(1) random members, stateless ZSCAN cursors. */
  readonly nodes: ZNode[] = [];
  /** Redis's encoding: listpack until an insertion exceeds the zset-max-listpack-* limits. */
  listpack = true;

  get size(): number {
    return this.dict.size;
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  score(member: string): number | undefined {
    return this.dict.get(member)?.score;
  }

  /** Add a member the caller knows is absent. */
  insert(member: string, score: number): ZNode {
    const n = this.zsl.insert(score, member);
    this.dict.set(member, n);
    n.slot = this.nodes.length;
    this.nodes.push(n);
    return n;
  }

  setScore(n: ZNode, score: number): void {
    this.zsl.updateScore(n, score);
  }

  remove(member: string): boolean {
    const n = this.dict.get(member);
    if (n === undefined) return false;
    this.zsl.delete(n.score, member);
    this.unlink(n);
    return true;
  }

  /** Drop a node that left the tree from the dict and the dense array. */
  private unlink(n: ZNode): void {
    this.dict.delete(n.member);
    const last = this.nodes.pop()!;
    if (last !== n) {
      this.nodes[n.slot] = last;
      last.slot = n.slot;
    }
  }

  /** Callback for the tree's range deletions. */
  readonly onRangeDelete = (n: ZNode): void => this.unlink(n);

  /** 0-based rank, or -1. */
  rank(member: string, reverse: boolean): number {
    const n = this.dict.get(member);
    if (n === undefined) return -1;
    const r = this.zsl.rank(n.score, member);
    return reverse ? this.size - r : r - 1;
  }

  /** A uniformly random node (the set is not empty). */
  randomNode(): ZNode {
    return this.nodes[randomIndex(this.nodes.length)];
  }

  /** Members with scores in order (for RDB, SORT, DEBUG...). */
  *entries(): IterableIterator<[string, number]> {
    const c = new ZCursor();
    for (this.zsl.seekFirst(c); c.leaf !== null; c.next()) {
      const n = c.node;
      yield [n.member, n.score];
    }
  }

  clone(): ZSet {
    const z = new ZSet();
    z.listpack = this.listpack;
    this.zsl.forEach((n) => void z.insert(n.member, n.score), true);
    return z;
  }

  memoryUsage(): number {
    let bytes = 16;
    if (this.listpack) {
      for (const m of this.dict.keys()) bytes += m.length + 12;
      return bytes;
    }
    bytes += 96;
    // a node (24 bytes), its share of a leaf (about 16) and of the member index (8), the member
    for (const n of this.nodes) bytes += 48 + n.member.length;
    return bytes;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

const POP_MIN = 0;
const POP_MAX = 1;
const ERR_NAN = 'ERR resulting score is not a number (NaN)';

function readZ(c: Client, key: string): ZSet | undefined {
  return lookupTyped<ZSet>(c, key, 'zset', false);
}

function writeZ(c: Client, key: string): ZSet | undefined {
  return lookupTyped<ZSet>(c, key, 'zset', true);
}

function maxEntries(s: Server): number {
  return s.config.num('zset-max-listpack-entries');
}
function maxValue(s: Server): number {
  return s.config.num('zset-max-listpack-value');
}

/** A double reply: RESP3 double, RESP2 bulk string. */
function dbl(r3: boolean, d: number): string {
  const f = formatDouble(d);
  return r3 ? ',' + f + CRLF : '$' + f.length + CRLF + f + CRLF;
}

/** Where a range walk puts its nodes: a reply being built, or an array (ZRANGESTORE). */
/** Where a range walk puts its entries (entry i of a leaf): a reply being built, or arrays (ZRANGESTORE). */
interface EntrySink {
  /** entries from..to-1 of leaf, taken in descending order when reverse */
  addRun(leaf: Leaf, from: number, to: number, reverse: boolean): void;
}

class EntryArrays implements EntrySink {
  readonly members: string[] = [];
  readonly scores: number[] = [];
  addRun(leaf: Leaf, from: number, to: number, reverse: boolean): void {
    for (let k = from; k < to; k++) {
      const i = reverse ? to - 1 - (k - from) : k;
      this.members.push(leaf.members[i]);
      this.scores.push(leaf.scores[i]);
    }
  }
}

/**
 * The array of members (and scores) of a range reply. The walk records runs of consecutive entries
 * of one leaf, in reply order (the count is only known at the end with LIMIT). Forward replies without scores are
 * then slices of the leaves' cached bulk encodings; the others are encoded byte by byte into one
 * string by the bulk writer (no rope of concatenations to flatten).
 */
class ReplySink implements EntrySink {
  private readonly runLeaf: Leaf[] = [];
  /** first and one-past-last index of each run in its leaf */
  private readonly runFrom: number[] = [];
  private readonly runTo: number[] = [];
  private runs = 0;
  private count = 0;
  private reverse = false;
  private withscores = false;
  private r3 = false;
  start(c: Client, withscores: boolean, reverse: boolean): this {
    this.runs = 0;
    this.count = 0;
    this.reverse = reverse;
    this.withscores = withscores;
    this.r3 = c.resp === 3;
    return this;
  }
  addRun(leaf: Leaf, from: number, to: number): void {
    const r = this.runs++;
    this.runLeaf[r] = leaf;
    this.runFrom[r] = from;
    this.runTo[r] = to;
    this.count += to - from;
  }
  finish(c: Client): void {
    const count = this.count;
    const runs = this.runs;
    if (count === 0) {
      c.add(EMPTY_ARRAY);
      return;
    }
    const ws = this.withscores;
    const r3 = this.r3;
    if (!ws && !this.reverse) {
      let s = '*' + count + CRLF;
      for (let r = 0; r < runs; r++) {
        const leaf = this.runLeaf[r];
        const enc = leafEncoding(leaf);
        const off = leaf.encOff!;
        s += enc.slice(off[this.runFrom[r]], off[this.runTo[r]]);
      }
      c.add(s);
    } else {
      // A tight first pass over the member strings: their loads (cache misses on big sets) overlap
      // here, instead of one at a time inside the long encoding loop below.
      let total = 0;
      for (let r = 0; r < runs; r++) {
        const mb = this.runLeaf[r].members;
        for (let i = this.runFrom[r]; i < this.runTo[r]; i++) total += mb[i].length;
      }
      if (total < 0) return;
      replyStart(c, '*', ws && !r3 ? count * 2 : count);
      for (let r = 0; r < runs; r++) {
        const leaf = this.runLeaf[r];
        const from = this.runFrom[r];
        const to = this.runTo[r];
        if (!ws) {
          for (let i = to - 1; i >= from; i--) replyBulk(leaf.members[i]);
          continue;
        }
        for (let k = from; k < to; k++) {
          const i = this.reverse ? to - 1 - (k - from) : k;
          if (r3) replyRaw('*2\r\n');
          replyBulk(leaf.members[i]);
          if (r3) replyRaw(',' + formatDouble(leaf.scores[i]) + CRLF);
          else replyBulk(formatDouble(leaf.scores[i]));
        }
      }
      replyEnd();
    }
    // stale references to at most 256 leaves may stay; bigger arrays are dropped
    if (runs > 256) this.runLeaf.length = 0;
  }
}
/** Shared: commands run one at a time and a walk never re-enters. */
const replySink = new ReplySink();
/** The cursor of range walks (shared likewise). */
const cur = new ZCursor();

/** Remove a key that became empty (no own signal: the caller signals once). */
function dropIfEmpty(c: Client, key: string, z: ZSet): boolean {
  if (z.size !== 0) return false;
  c.db.removeKey(key);
  return true;
}

/**
 * The end of every *STORE command: set dst to the result (listpack if it fits, as
 * zsetConvertToListpackIfNeeded) or delete dst when the result is empty.
 */
function storeResult(c: Client, dst: string, z: ZSet | null, event: string, encodingSet = false): void {
  if (z !== null && z.size > 0) {
    if (!encodingSet) {
      let maxLen = 0;
      for (const m of z.dict.keys()) if (m.length > maxLen) maxLen = m.length;
      z.listpack = z.size <= maxEntries(c.server) && maxLen <= maxValue(c.server);
      if (z.listpack) for (const n of z.dict.values()) if (Object.is(n.score, -0)) z.setScore(n, 0); // no -0 in a listpack
    }
    c.db.setKey(dst, z);
    signalKeyAsReady(c.db, dst);
    c.int(z.size);
    c.server.notify('z', event, dst, c.db.id);
  } else {
    c.int(0);
    if (c.db.dict.has(dst)) {
      c.db.removeKey(dst);
      c.db.signalModified(dst);
      c.server.notify('g', 'del', dst, c.db.id);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY / ZREM

/** ZADD's parsed scores (all are validated before the first change), reused up to this many. */
const SCORE_BUF = 1024;
const scoreBuf = new Float64Array(SCORE_BUF);

function zaddGeneric(c: Client, a: string[], incrCmd: boolean): void {
  const key = a[1];
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCmd;
  let idx = 2;
  for (; idx < a.length; idx++) {
    if (a[idx].length > 4) break; // not an option: the first score
    const o = a[idx].toLowerCase();
    if (o === 'nx') nx = true;
    else if (o === 'xx') xx = true;
    else if (o === 'ch') ch = true;
    else if (o === 'incr') incr = true;
    else if (o === 'gt') gt = true;
    else if (o === 'lt') lt = true;
    else break;
  }
  let elements = a.length - idx;
  if (elements % 2 !== 0 || elements === 0) fail(ERR_SYNTAX);
  elements /= 2;
  if (nx && xx) fail('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) fail('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && elements > 1) fail('ERR INCR option supports a single increment-element pair');
  const scores = elements <= SCORE_BUF ? scoreBuf : new Float64Array(elements);
  for (let j = 0; j < elements; j++) scores[j] = getScore(a[idx + j * 2]);

  let z = writeZ(c, key);
  const server = c.server;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  if (z === undefined) {
    if (xx) {
      if (incr) c.nullBulk();
      else c.int(0);
      return;
    }
    z = new ZSet();
    z.listpack = !(maxEntries(server) === 0 || maxValue(server) < a[idx + 1].length);
    c.db.add(key, z);
    signalKeyAsReady(c.db, key);
  }
  const entriesLimit = z.listpack ? maxEntries(server) : 0;
  const valueLimit = z.listpack ? maxValue(server) : 0;
  for (let j = 0; j < elements; j++) {
    const ele = a[idx + 1 + j * 2];
    let s = scores[j];
    const node = z.dict.get(ele);
    if (node !== undefined) {
      if (nx) continue;
      const cur = node.score;
      if (incr) {
        s += cur;
        if (Number.isNaN(s)) fail(ERR_NAN);
      }
      if ((lt && s >= cur) || (gt && s <= cur)) continue;
      processed++;
      score = s;
      if (s !== cur) {
        z.setScore(node, z.listpack && s === 0 ? 0 : s);
        updated++;
      }
    } else if (!xx) {
      if (z.listpack && (z.size + 1 > entriesLimit || ele.length > valueLimit)) z.listpack = false;
      // A listpack stores integral scores as integers, so -0 comes back as 0 (the reply keeps -0).
      z.insert(ele, z.listpack && s === 0 ? 0 : s);
      added++;
      processed++;
      score = s;
    }
  }
  if (incr) {
    if (processed) c.add(dbl(c.resp === 3, score));
    else c.nullBulk();
  } else {
    c.int(ch ? added + updated : added);
  }
  if (added || updated) {
    c.db.signalModified(key);
    server.notify('z', incr ? 'zincr' : 'zadd', key, c.db.id);
  }
}

function zrem(c: Client, a: string[]): void {
  const key = a[1];
  const z = writeZ(c, key);
  if (z === undefined) {
    c.int(0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let j = 2; j < a.length; j++) {
    if (z.remove(a[j])) deleted++;
    if (z.size === 0) {
      c.db.removeKey(key);
      removed = true;
      break;
    }
  }
  if (deleted) {
    c.server.notify('z', 'zrem', key, c.db.id);
    if (removed) c.server.notify('g', 'del', key, c.db.id);
    c.db.signalModified(key);
  }
  c.int(deleted);
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBY*

const enum RangeType {
  Auto,
  Rank,
  Score,
  Lex,
}

function zremrangeGeneric(c: Client, a: string[], type: RangeType): void {
  const key = a[1];
  let start = 0;
  let end = 0;
  let range: ScoreRange | null = null;
  let lex: LexRange | null = null;
  let event: string;
  if (type === RangeType.Rank) {
    event = 'zremrangebyrank';
    start = getInt(a[2]);
    end = getInt(a[3]);
  } else if (type === RangeType.Score) {
    event = 'zremrangebyscore';
    range = parseScoreRange(a[2], a[3]);
  } else {
    event = 'zremrangebylex';
    lex = parseLexRange(a[2], a[3]);
  }
  const z = writeZ(c, key);
  if (z === undefined) {
    c.int(0);
    return;
  }
  let deleted: number;
  if (type === RangeType.Rank) {
    const llen = z.size;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
      c.int(0);
      return;
    }
    if (end >= llen) end = llen - 1;
    deleted = z.zsl.deleteRangeByRank(start + 1, end + 1, z.onRangeDelete);
  } else if (range !== null) {
    deleted = z.zsl.deleteIn(scoreBounds(range), z.onRangeDelete);
  } else if (z.listpack) {
    const doomed: string[] = [];
    if (lexFirst(z, lex!)) for (; cur.leaf !== null && lexLteMax(cur.member, lex!); cur.next()) doomed.push(cur.member);
    for (const m of doomed) z.remove(m);
    deleted = doomed.length;
  } else {
    deleted = z.zsl.deleteIn(lexBounds(lex!), z.onRangeDelete);
  }
  const removed = dropIfEmpty(c, key, z);
  if (deleted) {
    c.db.signalModified(key);
    c.server.notify('z', event, key, c.db.id);
    if (removed) c.server.notify('g', 'del', key, c.db.id);
  }
  c.int(deleted);
}

// ---------------------------------------------------------------------------------------------
// ZRANGE family

const DIR_AUTO = 0;
const DIR_FORWARD = 1;
const DIR_REVERSE = 2;

/** Nodes of z in the rank range [start, end] (Redis's normalisation of negative indexes), into out. */
function rankNodes(z: ZSet, start: number, end: number, reverse: boolean, out: EntrySink): void {
  const llen = z.size;
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return;
  if (end >= llen) end = llen - 1;
  let n = end - start + 1;
  z.zsl.seekRank(cur, reverse ? llen - 1 - start : start);
  // a leaf at a time
  while (n > 0 && cur.leaf !== null) {
    const l = cur.leaf;
    if (!reverse) {
      const take = Math.min(n, l.n - cur.i);
      out.addRun(l, cur.i, cur.i + take, false);
      n -= take;
      cur.nextLeaf();
    } else {
      const take = Math.min(n, cur.i + 1);
      out.addRun(l, cur.i + 1 - take, cur.i + 1, true);
      n -= take;
      cur.prevLeaf();
    }
  }
}

/** Is entry j of l still inside the range a walk goes through (the far end: max forward, min in reverse)? */
function insideAt(l: Leaf, j: number, reverse: boolean, r: ScoreRange | null, lex: LexRange | null): boolean {
  if (r !== null) return reverse ? valueGteMin(l.scores[j], r) : valueLteMax(l.scores[j], r);
  return reverse ? lexGteMin(l.members[j], lex!) : lexLteMax(l.members[j], lex!);
}

/**
 * genericZrangebyscore/bylex's walk: from the cursor (if `found`), skip `offset` nodes, then take up
 * to `limit` (negative = all) while inside the score range r or else the lex range. A negative
 * offset walks off the end, as C's `while (ln && offset--)` does.
 */
function walkRange(
  found: boolean,
  offset: number,
  limit: number,
  reverse: boolean,
  r: ScoreRange | null,
  lex: LexRange | null,
  out: EntrySink,
): void {
  if (!found || offset < 0) return;
  // Skip offset entries, a leaf at a time.
  while (cur.leaf !== null && offset > 0) {
    const l = cur.leaf;
    const avail = reverse ? cur.i + 1 : l.n - cur.i;
    if (offset < avail) {
      cur.i += reverse ? -offset : offset;
      break;
    }
    offset -= avail;
    if (reverse) cur.prevLeaf();
    else cur.nextLeaf();
  }
  // Take entries while inside the range, a run per leaf.
  while (cur.leaf !== null && limit !== 0) {
    const l = cur.leaf;
    let j = cur.i;
    if (!reverse) {
      const n = l.n;
      while (j < n && limit !== 0 && insideAt(l, j, false, r, lex)) {
        j++;
        limit--;
      }
      if (j > cur.i) out.addRun(l, cur.i, j, false);
      if (j < n) return;
      cur.nextLeaf();
    } else {
      while (j >= 0 && limit !== 0 && insideAt(l, j, true, r, lex)) {
        j--;
        limit--;
      }
      if (j < cur.i) out.addRun(l, j + 1, cur.i + 1, true);
      if (j >= 0) return;
      cur.prevLeaf();
    }
  }
}

function scoreNodes(z: ZSet, r: ScoreRange, offset: number, limit: number, reverse: boolean, out: EntrySink): void {
  const found = reverse
    ? z.zsl.lastInScore(cur, r.min, r.minex, r.max, r.maxex)
    : z.zsl.firstInScore(cur, r.min, r.minex, r.max, r.maxex);
  walkRange(found, offset, limit, reverse, r, null, out);
}

/*
 * Lex ranges only make sense when all scores are equal. When they are not, Redis's listpack code
 * answers with linear scans from the ends (zzlFirstInLexRange...) while its skiplist code depends on
 * node levels (eddy's tree answers deterministically there); a listpack-encoded set follows the
 * listpack algorithms so replies match exactly.
 */
/** Position `cur` at the first member in r; false if none. */
function lexFirst(z: ZSet, r: LexRange): boolean {
  if (!z.listpack) return z.zsl.firstIn(cur, lexBounds(r));
  if (!z.zsl.mayOverlap(lexBounds(r))) return false;
  for (z.zsl.seekFirst(cur); cur.leaf !== null; cur.next()) if (lexGteMin(cur.member, r)) return lexLteMax(cur.member, r);
  return false;
}

/** Position `cur` at the last member in r; false if none. */
function lexLast(z: ZSet, r: LexRange): boolean {
  if (!z.listpack) return z.zsl.lastIn(cur, lexBounds(r));
  if (!z.zsl.mayOverlap(lexBounds(r))) return false;
  for (z.zsl.seekLast(cur); cur.leaf !== null; cur.prev()) if (lexLteMax(cur.member, r)) return lexGteMin(cur.member, r);
  return false;
}

function lexNodes(z: ZSet, r: LexRange, offset: number, limit: number, reverse: boolean, out: EntrySink): void {
  walkRange(reverse ? lexLast(z, r) : lexFirst(z, r), offset, limit, reverse, null, r, out);
}

/**
 * ZRANGESTORE's destination, built as Redis does (zrangeResultBeginStore + zsetAdd): a listpack unless
 * a rank range is known to exceed the entries limit, converted on the first add that exceeds a limit.
 * Elements added while it is a listpack lose a -0 score, the later ones keep it.
 */
function zsetFromEntries(server: Server, e: EntryArrays, rankRange: boolean): ZSet {
  const entries = maxEntries(server);
  const value = maxValue(server);
  const z = new ZSet();
  z.listpack = !(rankRange && e.members.length > entries);
  for (let i = 0; i < e.members.length; i++) {
    const m = e.members[i];
    const sc = e.scores[i];
    if (z.listpack && (z.size + 1 > entries || m.length > value)) z.listpack = false;
    z.insert(m, z.listpack && sc === 0 ? 0 : sc);
  }
  return z;
}

/** zrangeGenericCommand: ZRANGE, ZRANGESTORE, ZREVRANGE, ZRANGEBYSCORE, ZRANGEBYLEX... */
function zrangeGeneric(c: Client, a: string[], argStart: number, store: boolean, type: RangeType, dir: number): void {
  const key = a[argStart];
  let minIdx = argStart + 1;
  let maxIdx = argStart + 2;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = argStart + 3; j < a.length; j++) {
    const left = a.length - j - 1;
    const o = a[j].toLowerCase();
    if (!store && o === 'withscores') withscores = true;
    else if (o === 'limit' && left >= 2) {
      offset = getInt(a[j + 1]);
      limit = getInt(a[j + 2]);
      j += 2;
    } else if (dir === DIR_AUTO && o === 'rev') dir = DIR_REVERSE;
    else if (type === RangeType.Auto && o === 'bylex') type = RangeType.Lex;
    else if (type === RangeType.Auto && o === 'byscore') type = RangeType.Score;
    else fail(ERR_SYNTAX);
  }
  if (dir === DIR_AUTO) dir = DIR_FORWARD;
  if (type === RangeType.Auto) type = RangeType.Rank;
  if (limit !== -1 && type === RangeType.Rank) fail('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  if (withscores && type === RangeType.Lex) fail('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  const reverse = dir === DIR_REVERSE;
  if (reverse && (type === RangeType.Score || type === RangeType.Lex)) {
    const t = maxIdx;
    maxIdx = minIdx;
    minIdx = t;
  }
  let start = 0;
  let end = 0;
  let range: ScoreRange | null = null;
  let lex: LexRange | null = null;
  if (type === RangeType.Rank) {
    start = getInt(a[minIdx]);
    end = getInt(a[maxIdx]);
  } else if (type === RangeType.Score) {
    range = parseScoreRange(a[minIdx], a[maxIdx]);
  } else {
    lex = parseLexRange(a[minIdx], a[maxIdx]);
  }
  const z = readZ(c, key);
  if (z === undefined) {
    if (store) storeResult(c, a[1], null, 'zrangestore');
    else c.add(EMPTY_ARRAY);
    return;
  }
  const out = store ? new EntryArrays() : replySink.start(c, withscores, reverse);
  if (type === RangeType.Rank) rankNodes(z, start, end, reverse, out);
  else if (range !== null) scoreNodes(z, range, offset, limit, reverse, out);
  else lexNodes(z, lex!, offset, limit, reverse, out);
  if (out instanceof EntryArrays) {
    storeResult(c, a[1], out.members.length ? zsetFromEntries(c.server, out, type === RangeType.Rank) : null, 'zrangestore', true);
  } else {
    replySink.finish(c);
  }
}

/**
 * zcount's arithmetic on the ranks of the first and the last element of a range, each found by its
 * own search (their `found` flags and the rank the search recorded); 0 when there is no first.
 */
function countBetween(z: ZSet, foundFirst: boolean, firstRank: number, foundLast: boolean, lastRank: number): number {
  if (!foundFirst) return 0;
  const len = z.zsl.length;
  let count = len - firstRank;
  if (foundLast) count -= len - 1 - lastRank;
  return count;
}

function zcount(c: Client, a: string[]): void {
  const r = parseScoreRange(a[2], a[3]);
  const z = readZ(c, a[1]);
  if (z === undefined) return void c.int(0);
  const ff = z.zsl.firstInScore(cur, r.min, r.minex, r.max, r.maxex, true);
  const fr = z.zsl.lastSeekRank;
  const fl = z.zsl.lastInScore(cur, r.min, r.minex, r.max, r.maxex, true);
  c.int(countBetween(z, ff, fr, fl, z.zsl.lastSeekRank));
}

function zlexcount(c: Client, a: string[]): void {
  const r = parseLexRange(a[2], a[3]);
  const z = readZ(c, a[1]);
  if (z === undefined) {
    c.int(0);
  } else if (z.listpack) {
    // zzl: count forward from the first match while below the max.
    let count = 0;
    if (lexFirst(z, r)) for (; cur.leaf !== null && lexLteMax(cur.member, r); cur.next()) count++;
    c.int(count);
  } else {
    const b = lexBounds(r);
    const ff = z.zsl.firstIn(cur, b);
    const fr = z.zsl.lastSeekRank;
    const fl = z.zsl.lastIn(cur, b);
    c.int(countBetween(z, ff, fr, fl, z.zsl.lastSeekRank));
  }
}

// ---------------------------------------------------------------------------------------------
// Point queries

function zcard(c: Client, a: string[]): void {
  const z = readZ(c, a[1]);
  c.int(z === undefined ? 0 : z.size);
}

function zscore(c: Client, a: string[]): void {
  const z = readZ(c, a[1]);
  const s = z?.score(a[2]);
  if (s === undefined) c.nullBulk();
  else c.add(dbl(c.resp === 3, s));
}

function zmscore(c: Client, a: string[]): void {
  const z = readZ(c, a[1]);
  const r3 = c.resp === 3;
  const nul = r3 ? '_\r\n' : '$-1\r\n';
  let s = '*' + (a.length - 2) + CRLF;
  for (let j = 2; j < a.length; j++) {
    const v = z?.score(a[j]);
    s += v === undefined ? nul : dbl(r3, v);
  }
  c.add(s);
}

function zrankGeneric(c: Client, a: string[], reverse: boolean): void {
  const z = readZ(c, a[1]);
  const r = z === undefined ? -1 : z.rank(a[2], reverse);
  if (r >= 0) c.int(r);
  else c.nullBulk();
}

// ---------------------------------------------------------------------------------------------
// ZPOPMIN / ZPOPMAX / ZMPOP and their blocking forms

/**
 * genericZpopCommand: pop up to `count` (-1 = one, flat reply) from the first existing key.
 * Returns the key popped from and the number popped, or null if no key existed.
 */
function zpopGeneric(
  c: Client,
  keys: readonly string[],
  where: number,
  emitKey: boolean,
  count: number,
  nested: boolean,
  nilWhenEmpty: boolean,
): [string, number] | null {
  let z: ZSet | undefined;
  let key = '';
  for (const k of keys) {
    z = writeZ(c, k);
    if (z !== undefined) {
      key = k;
      break;
    }
  }
  if (z === undefined) {
    if (nilWhenEmpty) c.nullArray();
    else c.add(EMPTY_ARRAY);
    return null;
  }
  if (count === 0) {
    c.add(EMPTY_ARRAY);
    return null;
  }
  if (count === -1) count = 1;
  const llen = z.size;
  const n = count > llen ? llen : count;
  const r3 = c.resp === 3;
  let s: string;
  if (!nested && !emitKey) s = '*' + n * 2 + CRLF;
  else if (nested && !emitKey) s = '*' + n + CRLF;
  else if (!nested && emitKey) s = '*' + (n * 2 + 1) + CRLF + bulk(key);
  else s = '*2\r\n' + bulk(key) + '*' + n + CRLF;
  for (let i = 0; i < n; i++) {
    const node = where === POP_MAX ? z.zsl.tail! : z.zsl.first!;
    const member = node.member;
    const score = node.score;
    z.remove(member);
    if (nested) s += '*2\r\n';
    s += bulk(member) + dbl(r3, score);
  }
  c.add(s);
  c.server.notify('z', where === POP_MAX ? 'zpopmax' : 'zpopmin', key, c.db.id);
  c.db.signalModified(key);
  if (dropIfEmpty(c, key, z)) c.server.notify('g', 'del', key, c.db.id);
  return [key, n];
}

function zpopMinMax(c: Client, a: string[], where: number): void {
  if (a.length > 3) fail(ERR_SYNTAX);
  let count = -1;
  if (a.length === 3) {
    count = getLongInRange(a[2], 0n, ERR_MUST_BE_POSITIVE);
  }
  zpopGeneric(c, [a[1]], where, false, count, c.resp > 2 && count !== -1, false);
}

/** zmpopGenericCommand's parsing: [keys, where, count]. */
function parseZmpop(a: string[], numkeysIdx: number): [string[], number, number] {
  const numkeys = getLongInRange(a[numkeysIdx], 1n, 'ERR numkeys should be greater than 0');
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= a.length) fail(ERR_SYNTAX);
  const w = a[whereIdx].toLowerCase();
  let where: number;
  if (w === 'min') where = POP_MIN;
  else if (w === 'max') where = POP_MAX;
  else fail(ERR_SYNTAX);
  let count = -1;
  for (let j = whereIdx + 1; j < a.length; j++) {
    const more = a.length - 1 - j;
    if (count === -1 && a[j].toLowerCase() === 'count' && more > 0) {
      j++;
      count = getLongInRange(a[j], 1n, 'ERR count should be greater than 0');
    } else {
      fail(ERR_SYNTAX);
    }
  }
  if (count === -1) count = 1;
  return [a.slice(numkeysIdx + 1, numkeysIdx + 1 + numkeys), where, count];
}

function popCommandName(where: number): string {
  return where === POP_MAX ? 'ZPOPMAX' : 'ZPOPMIN';
}

function zmpop(c: Client, a: string[]): void {
  const [keys, where, count] = parseZmpop(a, 1);
  const r = zpopGeneric(c, keys, where, true, count, true, true);
  if (r !== null) c.argv = [popCommandName(where), r[0], String(r[1])];
}

/** blockingGenericZpopCommand: pop from the first non-empty key, or block. */
function blockingZpop(c: Client, keys: string[], where: number, timeoutArg: string, count: number, nested: boolean): void {
  const timeout = parseTimeout(timeoutArg);
  // Served after blocking: only from the key that became ready, and only if it holds a sorted set.
  const ready = servingKey(c);
  for (const key of ready === null ? keys : [ready]) {
    const v = c.db.lookupWrite(key);
    if (v === undefined) continue;
    if (typeof v === 'string' || v.type !== 'zset') {
      if (ready !== null) break;
      fail(ERR_WRONGTYPE);
    }
    const r = zpopGeneric(c, [key], where, true, count, nested, nested)!;
    c.argv = count === -1 ? [popCommandName(where), key] : [popCommandName(where), key, String(r[1])];
    return;
  }
  if (c.server.inExec) {
    c.nullArray();
    return;
  }
  blockForKeys(c, keys, timeout, (cl) => cl.nullArray());
}

function bzpopMinMax(c: Client, a: string[], where: number): void {
  blockingZpop(c, a.slice(1, -1), where, a[a.length - 1], -1, false);
}

function bzmpop(c: Client, a: string[]): void {
  const [keys, where, count] = parseZmpop(a, 2);
  blockingZpop(c, keys, where, a[1], count, true);
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER

const LONG_HALF = 4611686018427387904n; // LONG_MAX/2 + 1

function zrandmember(c: Client, a: string[]): void {
  if (a.length >= 3) {
    const l = parseRandCount(a[2]);
    if (a.length > 4 || (a.length === 4 && a[3].toLowerCase() !== 'withscores')) fail(ERR_SYNTAX);
    const withscores = a.length === 4;
    if (withscores && (l < -LONG_HALF || l >= LONG_HALF)) fail('ERR value is out of range');
    zrandmemberWithCount(c, a[1], Number(l), withscores);
    return;
  }
  const z = readZ(c, a[1]);
  if (z === undefined) c.nullBulk();
  else c.bulk(z.randomNode().member);
}

function zrandmemberWithCount(c: Client, key: string, l: number, withscores: boolean): void {
  const z = readZ(c, key);
  if (z === undefined || l === 0) {
    c.add(EMPTY_ARRAY);
    return;
  }
  const r3 = c.resp === 3;
  const size = z.size;
  const emit = (n: ZNode): string => {
    if (!withscores) return bulk(n.member);
    return (r3 ? '*2\r\n' : '') + bulk(n.member) + dbl(r3, n.score);
  };
  const count = Math.abs(l);
  if (l < 0 || count === 1) {
    // With repetitions: independent uniform picks.
    let s = '*' + (withscores && !r3 ? count * 2 : count) + CRLF;
    for (let i = 0; i < count; i++) s += emit(z.randomNode());
    c.add(s);
    return;
  }
  const n = count < size ? count : size;
  let s = '*' + (withscores && !r3 ? n * 2 : n) + CRLF;
  if (count >= size) {
    // The whole set, in the order Redis's iterator walks it (from the tail).
    z.zsl.forEach((x) => void (s += emit(x)), true);
  } else if (z.listpack) {
    // lpRandomPairsUnique: distinct picks in stored order.
    const inOrder: ZNode[] = [];
    z.zsl.forEach((x) => void inOrder.push(x));
    for (const i of sampleDistinct(size, count, true)) s += emit(inOrder[i]);
  } else {
    for (const i of sampleDistinct(size, count)) s += emit(z.nodes[i]);
  }
  c.add(s);
}

// ---------------------------------------------------------------------------------------------
// ZSCAN

/** A score as a listpack holds it: integral values (double2ll) as integers, others %.17g. */
function listpackScore(d: number): string {
  if (Number.isInteger(d) && d >= -4611686018427387904 && d <= 4611686018427387904) return String(BigInt(d));
  return formatDouble(d);
}

function zscan(c: Client, a: string[]): void {
  const cursor = parseScanCursor(a[2]);
  const z = readZ(c, a[1]);
  if (z === undefined) {
    replyEmptyScan(c);
    return;
  }
  const o = parseScanOptions(a, 3);
  const out: string[] = [];
  let next = 0;
  if (z.listpack) {
    // Small sets come back whole, in order, with cursor 0 (scanGenericCommand's listpack case).
    z.zsl.forEach((n) => {
      if (o.match === null || o.match(n.member)) out.push(n.member, listpackScore(n.score));
    });
  } else {
    next = scanSlots(z.nodes.length, cursor, o.count, (slot) => {
      const n = z.nodes[slot];
      if (o.match === null || o.match(n.member)) out.push(n.member, formatDouble(n.score));
    });
  }
  replyScan(c, next, out);
}

// ---------------------------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF (+STORE), ZINTERCARD

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;
const AGG_SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

interface Src {
  obj: RObject | null;
  z: ZSet | null;
  /** a plain set input: every member scores 1 */
  set: SetObject | null;
  weight: number;
  len: number;
}

/** Score of member in src, or undefined. */
function srcFind(s: Src, member: string): number | undefined {
  if (s.z !== null) return s.z.score(member);
  if (s.set !== null) return s.set.has(member) ? 1 : undefined;
  return undefined;
}

/** Iterate a source as Redis's zuiNext does (sorted sets from the tail, sets in their order). */
function srcEach(s: Src, fn: (member: string, score: number) => boolean | void): void {
  if (s.z !== null) {
    s.z.zsl.forEach((n) => fn(n.member, n.score), true);
  } else if (s.set !== null) {
    for (const m of s.set.members()) if (fn(m, 1) === false) return;
  }
}

function aggregate(target: number, v: number, agg: number): number {
  if (agg === AGG_SUM) {
    const r = target + v;
    return Number.isNaN(r) ? 0 : r;
  }
  if (agg === AGG_MIN) return v < target ? v : target;
  return v > target ? v : target;
}

function cmpEntry(a: [string, number], b: [string, number]): number {
  if (a[1] < b[1]) return -1;
  if (a[1] > b[1]) return 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function zunionInterDiff(c: Client, a: string[], dst: string | null, numkeysIdx: number, op: number, cardOnly: boolean): void {
  const setnum = getInt(a[numkeysIdx]);
  if (setnum < 1) fail(`ERR at least 1 input key is needed for '${c.cmd!.fullName}' command`);
  if (setnum > a.length - (numkeysIdx + 1)) fail(ERR_SYNTAX);
  const src: Src[] = new Array<Src>(setnum);
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = c.db.lookupRead(a[j]);
    const s: Src = { obj: null, z: null, set: null, weight: 1, len: 0 };
    if (v !== undefined) {
      if (typeof v === 'string' || (v.type !== 'zset' && v.type !== 'set')) fail(ERR_WRONGTYPE);
      s.obj = v;
      if (v.type === 'zset') {
        s.z = v as ZSet;
        s.len = s.z.size;
      } else {
        s.set = v as SetObject;
        s.len = s.set.size;
      }
    }
    src[i] = s;
  }
  let agg = AGG_SUM;
  let withscores = false;
  let limit = 0;
  let remaining = a.length - j;
  while (remaining > 0) {
    const o = a[j].toLowerCase();
    if (op !== OP_DIFF && !cardOnly && remaining >= setnum + 1 && o === 'weights') {
      j++;
      remaining--;
      for (let i = 0; i < setnum; i++, j++, remaining--) src[i].weight = getScore(a[j], 'ERR weight value is not a float');
    } else if (op !== OP_DIFF && !cardOnly && remaining >= 2 && o === 'aggregate') {
      const g = a[j + 1].toLowerCase();
      if (g === 'sum') agg = AGG_SUM;
      else if (g === 'min') agg = AGG_MIN;
      else if (g === 'max') agg = AGG_MAX;
      else fail(ERR_SYNTAX);
      j += 2;
      remaining -= 2;
    } else if (remaining >= 1 && dst === null && !cardOnly && o === 'withscores') {
      j++;
      remaining--;
      withscores = true;
    } else if (cardOnly && remaining >= 2 && o === 'limit') {
      limit = getLongInRange(a[j + 1], 0n, "ERR LIMIT can't be negative");
      j += 2;
      remaining -= 2;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  // Smallest inputs first (a stable sort, like glibc's merge-sort qsort).
  if (op !== OP_DIFF) src.sort((x, y) => x.len - y.len);

  const result: [string, number][] = [];
  let cardinality = 0;
  if (op === OP_INTER) {
    const s0 = src[0];
    if (s0.len > 0) {
      srcEach(s0, (member, raw) => {
        let score = s0.weight * raw;
        if (Number.isNaN(score)) score = 0;
        let k = 1;
        for (; k < setnum; k++) {
          const sk = src[k];
          let v: number | undefined;
          if (sk.obj === s0.obj) v = raw;
          else v = srcFind(sk, member);
          if (v === undefined) break;
          score = aggregate(score, v * sk.weight, agg);
        }
        if (k < setnum) return;
        if (cardOnly) {
          cardinality++;
          if (limit && cardinality >= limit) return false;
        } else {
          result.push([member, score]);
        }
      });
    }
  } else if (op === OP_UNION) {
    const acc = new Map<string, number>();
    for (const s of src) {
      if (s.len === 0) continue;
      srcEach(s, (member, raw) => {
        let score = s.weight * raw;
        if (Number.isNaN(score)) score = 0;
        const cur = acc.get(member);
        acc.set(member, cur === undefined ? score : aggregate(cur, score, agg));
      });
    }
    for (const e of acc) result.push(e);
  } else {
    const s0 = src[0];
    if (s0.len > 0 && !src.some((s, i) => i > 0 && s.obj === s0.obj)) {
      srcEach(s0, (member, raw) => {
        for (let k = 1; k < setnum; k++) if (srcFind(src[k], member) !== undefined) return;
        result.push([member, raw]);
      });
    }
  }
  if (cardOnly) {
    c.int(cardinality);
    return;
  }
  result.sort(cmpEntry);
  if (dst !== null) {
    let z: ZSet | null = null;
    if (result.length) {
      z = new ZSet();
      for (const [m, s] of result) z.insert(m, s);
    }
    storeResult(c, dst, z, op === OP_UNION ? 'zunionstore' : op === OP_INTER ? 'zinterstore' : 'zdiffstore');
    return;
  }
  const r3 = c.resp === 3;
  let s = '*' + (withscores && !r3 ? result.length * 2 : result.length) + CRLF;
  for (const [m, sc] of result) {
    if (withscores) s += (r3 ? '*2\r\n' : '') + bulk(m) + dbl(r3, sc);
    else s += bulk(m);
  }
  c.add(s);
}

// ---------------------------------------------------------------------------------------------
// Key positions of the numkeys commands (COMMAND GETKEYS, cluster slot checks)

/**
 * Redis 7.0 reads a string2ll numkeys through the key specs (store key first); anything else falls
 * back to the getkeys proc's atoi() (store key last); out-of-range counts give no keys.
 */
function numkeysGetKeys(storeIdx: number, countIdx: number, firstIdx: number): (argv: string[]) => number[] {
  return (argv) => {
    const s = argv[countIdx];
    if (s === undefined) return [];
    const keys: number[] = [];
    const n = parseLL(s);
    if (n !== null && n >= 1 && n <= argv.length - firstIdx) {
      if (storeIdx) keys.push(storeIdx);
      for (let i = 0; i < n; i++) keys.push(firstIdx + i);
      return keys;
    }
    const num = atoi(s);
    if (num < 1 || num > argv.length - firstIdx) return [];
    for (let i = 0; i < num; i++) keys.push(firstIdx + i);
    if (storeIdx) keys.push(storeIdx);
    return keys;
  };
}

const storeKeys = numkeysGetKeys(1, 2, 3);
const plainKeys = numkeysGetKeys(0, 1, 2);

export const commands: CommandDef[] = [
  { name: 'zadd', handler: (c, a) => zaddGeneric(c, a, false) },
  { name: 'zincrby', handler: (c, a) => zaddGeneric(c, a, true) },
  { name: 'zrem', handler: zrem },
  { name: 'zcard', handler: zcard },
  { name: 'zcount', handler: zcount },
  { name: 'zlexcount', handler: zlexcount },
  { name: 'zscore', handler: zscore },
  { name: 'zmscore', handler: zmscore },
  { name: 'zrank', handler: (c, a) => zrankGeneric(c, a, false) },
  { name: 'zrevrank', handler: (c, a) => zrankGeneric(c, a, true) },
  { name: 'zrange', handler: (c, a) => zrangeGeneric(c, a, 1, false, RangeType.Auto, DIR_AUTO) },
  { name: 'zrangestore', handler: (c, a) => zrangeGeneric(c, a, 2, true, RangeType.Auto, DIR_AUTO) },
  { name: 'zrevrange', handler: (c, a) => zrangeGeneric(c, a, 1, false, RangeType.Rank, DIR_REVERSE) },
  { name: 'zrangebyscore', handler: (c, a) => zrangeGeneric(c, a, 1, false, RangeType.Score, DIR_FORWARD) },
  { name: 'zrevrangebyscore', handler: (c, a) => zrangeGeneric(c, a, 1, false, RangeType.Score, DIR_REVERSE) },
  { name: 'zrangebylex', handler: (c, a) => zrangeGeneric(c, a, 1, false, RangeType.Lex, DIR_FORWARD) },
  { name: 'zrevrangebylex', handler: (c, a) => zrangeGeneric(c, a, 1, false, RangeType.Lex, DIR_REVERSE) },
  { name: 'zremrangebyrank', handler: (c, a) => zremrangeGeneric(c, a, RangeType.Rank) },
  { name: 'zremrangebyscore', handler: (c, a) => zremrangeGeneric(c, a, RangeType.Score) },
  { name: 'zremrangebylex', handler: (c, a) => zremrangeGeneric(c, a, RangeType.Lex) },
  { name: 'zpopmin', handler: (c, a) => zpopMinMax(c, a, POP_MIN) },
  { name: 'zpopmax', handler: (c, a) => zpopMinMax(c, a, POP_MAX) },
  { name: 'zmpop', handler: zmpop, getKeys: plainKeys },
  { name: 'bzpopmin', handler: (c, a) => bzpopMinMax(c, a, POP_MIN) },
  { name: 'bzpopmax', handler: (c, a) => bzpopMinMax(c, a, POP_MAX) },
  { name: 'bzmpop', handler: bzmpop, getKeys: numkeysGetKeys(0, 2, 3) },
  { name: 'zrandmember', handler: zrandmember },
  { name: 'zscan', handler: zscan },
  { name: 'zunion', handler: (c, a) => zunionInterDiff(c, a, null, 1, OP_UNION, false), getKeys: plainKeys },
  { name: 'zinter', handler: (c, a) => zunionInterDiff(c, a, null, 1, OP_INTER, false), getKeys: plainKeys },
  { name: 'zdiff', handler: (c, a) => zunionInterDiff(c, a, null, 1, OP_DIFF, false), getKeys: plainKeys },
  { name: 'zintercard', handler: (c, a) => zunionInterDiff(c, a, null, 1, OP_INTER, true), getKeys: plainKeys },
  { name: 'zunionstore', handler: (c, a) => zunionInterDiff(c, a, a[1], 2, OP_UNION, false), getKeys: storeKeys },
  { name: 'zinterstore', handler: (c, a) => zunionInterDiff(c, a, a[1], 2, OP_INTER, false), getKeys: storeKeys },
  { name: 'zdiffstore', handler: (c, a) => zunionInterDiff(c, a, a[1], 2, OP_DIFF, false), getKeys: storeKeys },
];
