// Why: the list type (t_list.c, Redis 7.0): the ListObject value over a ring-buffer deque, and
// every L*/R* command including the blocking family (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP)
// on top of server/blocking.ts. Replies, errors, keyspace events, dirty counts and the propagated
// forms (blocking pops -> plain pops, LMPOP -> [LR]POP key count) follow Redis 7.0.15.
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import type { RObject } from './db.js';
import { CRLF } from '../resp/reply.js';
import { ERR_NO_SUCH_KEY, ERR_OUT_OF_RANGE, ERR_SYNTAX, ERR_WRONGTYPE, fail } from '../server/errors.js';
import { getInt } from '../server/args.js';
import { blockForKeys, parseTimeout, servingKey, signalKeyAsReady } from '../server/blocking.js';
import { ERR_MUST_BE_POSITIVE, getLongInRange, lookupTyped, replyArityError, replyBulk, replyEnd, replyRaw, replyStart, shareValue } from './collection.js';
import { isInt64 } from './intset.js';
import { Deque } from './deque.js';
import { jeSize } from '../server/memory-cmd.js';

const LLONG_MIN = -9223372036854775808;
const LIST_PACK_LIMIT = 8192; // list-max-listpack-size -2

/** Bytes one element takes in a listpack (encoding + data + backlen). */
function lpEntrySize(s: string): number {
  let n: number;
  if (isInt64(s)) {
    const v = Number(s);
    if (v >= 0 && v <= 127) n = 1;
    else if (v >= -4096 && v <= 4095) n = 2;
    else if (v >= -32768 && v <= 32767) n = 3;
    else if (v >= -8388608 && v <= 8388607) n = 4;
    else if (v >= -2147483648 && v <= 2147483647) n = 5;
    else n = 9;
  } else {
    const l = s.length;
    n = l < 64 ? 1 + l : l < 4096 ? 2 + l : 5 + l;
  }
  return n + (n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : n < 268435456 ? 4 : 5);
}

export class ListObject implements RObject {
  readonly type = 'list' as const;
  readonly d: Deque;

  constructor(d?: Deque) {
    this.d = d ?? new Deque();
  }

  static from(items: readonly string[]): ListObject {
    return new ListObject(Deque.from(items));
  }

  get length(): number {
    return this.d.length;
  }

  /** Redis 7.0 always encodes lists as quicklists (listpack lists arrived in 7.2). */
  encoding(): string {
    return 'quicklist';
  }

  clone(): ListObject {
    return new ListObject(this.d.clone());
  }

  toArray(): string[] {
    return this.d.toArray();
  }

  /**
   * objectComputeSize for a quicklist: robj + quicklist struct + nodes of up to 8 KB of listpack,
   * averaged over the first 5 nodes (Redis's default MEMORY USAGE sampling).
   */
  memoryUsage(): number {
    const d = this.d;
    const n = d.length;
    let nodes = 0;
    let bytes = 0;
    let lp = 7; // listpack header + end byte
    let i = 0;
    for (; i < n; i++) {
      const v = d.get(i);
      // _quicklistNodeAllowInsert: node->sz + sz + SIZE_ESTIMATE_OVERHEAD(8) must fit 8 KB.
      if (lp > 7 && lp + v.length + 8 > LIST_PACK_LIMIT) {
        nodes++;
        bytes += 32 + jeSize(lp);
        lp = 7;
        if (nodes === 5) break;
      }
      lp += lpEntrySize(v);
    }
    if (i === n && lp > 7) {
      nodes++;
      bytes += 32 + jeSize(lp);
    }
    if (nodes === 0) return 16 + 48;
    const totalNodes = i >= n ? nodes : Math.ceil((n * nodes) / i);
    return 16 + 48 + Math.round((bytes / nodes) * totalNodes);
  }
}

const enum Where {
  Head,
  Tail,
}

function parseWhere(s: string): Where {
  const l = s.toLowerCase();
  if (l === 'left') return Where.Head;
  if (l === 'right') return Where.Tail;
  fail(ERR_SYNTAX);
}

/** lookupKeyWrite + checkType: the list, undefined when missing, WRONGTYPE otherwise. */
function writeList(c: Client, key: string): ListObject | undefined {
  return lookupTyped<ListObject>(c, key, 'list', true);
}

/** lookupKeyRead (hit/miss statistics) + checkType. */
function readList(c: Client, key: string): ListObject | undefined {
  return lookupTyped<ListObject>(c, key, 'list', false);
}

/** signalModifiedKey + server.dirty += changes (db.signalModified counts one). */
function touched(c: Client, key: string, changes: number): void {
  c.db.signalModified(key);
  c.server.dirty += changes - 1;
}

/** Blocking commands never block inside MULTI/EXEC (Redis's CLIENT_DENY_BLOCKING). */
function cannotBlock(c: Client): boolean {
  return c.multi !== null || c.server.inExec;
}

/** addListRangeReply over clamped indexes [start, end]. */
function rangeReply(c: Client, d: Deque, start: number, end: number): void {
  replyStart(c, '*', end - start + 1);
  for (let i = start; i <= end; i++) replyBulk(d.get(i));
  replyEnd();
}

/** Pop n elements from one end into the reply being written, in pop order. */
function popRangeReply(d: Deque, where: Where, n: number): void {
  if (where === Where.Head) for (let i = 0; i < n; i++) replyBulk(d.popFront()!);
  else for (let i = 0; i < n; i++) replyBulk(d.popBack()!);
}

/** listElementsRemoved: pop event, delete when emptied (+ "del"), signal, dirty. */
function elementsRemoved(c: Client, key: string, where: Where, o: ListObject, count: number): void {
  c.server.notify('l', where === Where.Head ? 'lpop' : 'rpop', key, c.db.id);
  if (o.d.length === 0) {
    c.db.removeKey(key);
    c.server.notify('g', 'del', key, c.db.id);
  }
  touched(c, key, count);
}

// ---------------------------------------------------------------------------------------------
// Pushes

function pushGeneric(c: Client, argv: string[], where: Where, xx: boolean): void {
  const key = argv[1];
  let o = writeList(c, key);
  if (!o) {
    if (xx) {
      c.int(0);
      return;
    }
    o = new ListObject(new Deque(argv.length - 2));
    c.db.add(key, o);
    c.server.dirty--; // db.add counted one change; the pushes count below
  }
  const d = o.d;
  if (where === Where.Head) for (let j = 2; j < argv.length; j++) d.pushFront(shareValue(argv[j]));
  else for (let j = 2; j < argv.length; j++) d.pushBack(shareValue(argv[j]));
  c.int(d.length);
  touched(c, key, argv.length - 2);
  c.server.notify('l', where === Where.Head ? 'lpush' : 'rpush', key, c.db.id);
  signalKeyAsReady(c.db, key);
}

/** lmoveHandlePush: push to the destination (creating it), notify, reply with the value. */
function lmoveHandlePush(c: Client, dstKey: string, dst: ListObject | undefined, value: string, where: Where): void {
  if (!dst) {
    dst = new ListObject();
    c.db.add(dstKey, dst);
    c.server.dirty--;
  }
  if (where === Where.Head) dst.d.pushFront(value);
  else dst.d.pushBack(value);
  touched(c, dstKey, 0);
  c.server.notify('l', where === Where.Head ? 'lpush' : 'rpush', dstKey, c.db.id);
  signalKeyAsReady(c.db, dstKey);
  c.bulk(value);
}

// ---------------------------------------------------------------------------------------------
// LINSERT / LLEN / LINDEX / LSET

function linsert(c: Client, argv: string[]): void {
  const w = argv[2].toLowerCase();
  let after: boolean;
  if (w === 'after') after = true;
  else if (w === 'before') after = false;
  else fail(ERR_SYNTAX);
  const o = writeList(c, argv[1]);
  if (!o) {
    c.int(0);
    return;
  }
  const d = o.d;
  const pivot = argv[3];
  const n = d.length;
  let i = 0;
  while (i < n && d.get(i) !== pivot) i++;
  if (i === n) {
    c.int(-1);
    return;
  }
  d.insert(after ? i + 1 : i, shareValue(argv[4]));
  touched(c, argv[1], 1);
  c.server.notify('l', 'linsert', argv[1], c.db.id);
  signalKeyAsReady(c.db, argv[1]);
  c.int(d.length);
}

function llen(c: Client, argv: string[]): void {
  const o = readList(c, argv[1]);
  c.int(o ? o.d.length : 0);
}

function lindex(c: Client, argv: string[]): void {
  const o = readList(c, argv[1]);
  if (!o) {
    c.nullBulk();
    return;
  }
  let i = getInt(argv[2]);
  const n = o.d.length;
  if (i < 0) i += n;
  if (i < 0 || i >= n) c.nullBulk();
  else c.bulk(o.d.get(i));
}

function lset(c: Client, argv: string[]): void {
  const o = writeList(c, argv[1]);
  if (!o) fail(ERR_NO_SUCH_KEY);
  let i = getInt(argv[2]);
  const n = o.d.length;
  if (i < 0) i += n;
  if (i < 0 || i >= n) fail(ERR_OUT_OF_RANGE);
  o.d.set(i, shareValue(argv[3]));
  c.ok();
  touched(c, argv[1], 1);
  c.server.notify('l', 'lset', argv[1], c.db.id);
}

// ---------------------------------------------------------------------------------------------
// LPOP / RPOP / LMPOP

function popGeneric(c: Client, argv: string[], where: Where): void {
  if (argv.length > 3) replyArityError(c);
  const hasCount = argv.length === 3;
  const count = hasCount ? getLongInRange(argv[2], 0n, ERR_MUST_BE_POSITIVE) : 0;
  const key = argv[1];
  const o = writeList(c, key);
  if (!o) {
    if (hasCount) c.nullArray();
    else c.nullBulk();
    return;
  }
  if (hasCount && count === 0) {
    c.arrayLen(0);
    return;
  }
  const d = o.d;
  if (!hasCount) {
    c.bulk((where === Where.Head ? d.popFront() : d.popBack())!);
    elementsRemoved(c, key, where, o, 1);
    return;
  }
  const n = Math.min(count, d.length);
  replyStart(c, '*', n);
  popRangeReply(d, where, n);
  replyEnd();
  elementsRemoved(c, key, where, o, n);
}

/** Pop up to `count` from `key`'s list `o` with the nested [key, [elements]] reply; returns how many. */
function popRangeWithKey(c: Client, key: string, o: ListObject, where: Where, count: number): number {
  const n = Math.min(count, o.d.length);
  replyStart(c, '*', 2);
  replyBulk(key);
  replyRaw('*' + n + CRLF);
  popRangeReply(o.d, where, n);
  replyEnd();
  elementsRemoved(c, key, where, o, n);
  return n;
}

function popName(where: Where): string {
  return where === Where.Head ? 'LPOP' : 'RPOP';
}

/** LMPOP/BLMPOP argument parsing: [keys, where, count]. */
function parseMpop(argv: string[], numkeysIdx: number): [string[], Where, number] {
  const numkeys = getLongInRange(argv[numkeysIdx], 1n, 'ERR numkeys should be greater than 0');
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) fail(ERR_SYNTAX);
  const where = parseWhere(argv[whereIdx]);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && argv[j].toLowerCase() === 'count' && j < argv.length - 1) {
      j++;
      count = getLongInRange(argv[j], 1n, 'ERR count should be greater than 0');
    } else {
      fail(ERR_SYNTAX);
    }
  }
  return [argv.slice(numkeysIdx + 1, whereIdx), where, count === -1 ? 1 : count];
}

function lmpop(c: Client, argv: string[]): void {
  const [keys, where, count] = parseMpop(argv, 1);
  for (const key of keys) {
    const o = writeList(c, key);
    if (!o) continue;
    const n = popRangeWithKey(c, key, o, where, count);
    c.argv = [popName(where), key, String(n)];
    return;
  }
  c.nullArray();
}

// ---------------------------------------------------------------------------------------------
// LRANGE / LTRIM / LPOS / LREM

/** Normalise [start, end] against llen; null when the range is empty. */
function clampRange(start: number, end: number, llen: number): [number, number] | null {
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return null;
  if (end >= llen) end = llen - 1;
  return [start, end];
}

function lrange(c: Client, argv: string[]): void {
  const start = getInt(argv[2]);
  const end = getInt(argv[3]);
  const o = readList(c, argv[1]);
  if (!o) {
    c.arrayLen(0);
    return;
  }
  const r = clampRange(start, end, o.d.length);
  if (!r) c.arrayLen(0);
  else rangeReply(c, o.d, r[0], r[1]);
}

function ltrim(c: Client, argv: string[]): void {
  const start = getInt(argv[2]);
  const end = getInt(argv[3]);
  const key = argv[1];
  const o = writeList(c, key);
  if (!o) {
    c.ok();
    return;
  }
  const llen = o.d.length;
  const r = clampRange(start, end, llen);
  const ltrimN = r ? r[0] : llen;
  const rtrimN = r ? llen - r[1] - 1 : 0;
  o.d.removeFront(ltrimN);
  o.d.removeBack(rtrimN);
  c.server.notify('l', 'ltrim', key, c.db.id);
  if (o.d.length === 0) {
    c.db.removeKey(key);
    c.server.notify('g', 'del', key, c.db.id);
  }
  touched(c, key, ltrimN + rtrimN);
  c.ok();
}

function lpos(c: Client, argv: string[]): void {
  const ele = argv[2];
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = j < argv.length - 1;
    if (opt === 'rank' && more) {
      rank = getInt(argv[++j]);
      if (rank === 0) {
        fail(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        );
      }
    } else if (opt === 'count' && more) {
      count = getLongInRange(argv[++j], 0n, "ERR COUNT can't be negative");
    } else if (opt === 'maxlen' && more) {
      maxlen = getLongInRange(argv[++j], 0n, "ERR MAXLEN can't be negative");
    } else {
      fail(ERR_SYNTAX);
    }
  }
  // rank = -LLONG_MIN overflows in C and stays negative: every match qualifies, COUNT never stops.
  const wrapped = rank === LLONG_MIN;
  const fromTail = rank < 0;
  if (fromTail) rank = -rank;
  const o = readList(c, argv[1]);
  if (!o) {
    if (count !== -1) c.arrayLen(0);
    else c.nullBulk();
    return;
  }
  const d = o.d;
  const llen = d.length;
  const limit = maxlen === 0 ? llen : Math.min(maxlen, llen);
  let matches = 0;
  const out: number[] = [];
  for (let idx = 0; idx < limit; idx++) {
    const i = fromTail ? llen - idx - 1 : idx;
    if (d.get(i) !== ele) continue;
    matches++;
    if (!wrapped && matches < rank) continue;
    if (count === -1) {
      c.int(i);
      return;
    }
    out.push(i);
    if (count && !wrapped && matches - rank + 1 >= count) break;
  }
  if (count === -1) c.nullBulk();
  else c.ints(out);
}

function lrem(c: Client, argv: string[]): void {
  let toremove = getInt(argv[2]);
  const key = argv[1];
  const o = writeList(c, key);
  if (!o) {
    c.int(0);
    return;
  }
  let fromTail = false;
  if (toremove < 0) {
    fromTail = true;
    // -LLONG_MIN overflows to LLONG_MIN in C: "removed == toremove" never holds -> remove all.
    toremove = toremove === LLONG_MIN ? 0 : -toremove;
  }
  const removed = o.d.removeValue(argv[3], toremove, fromTail);
  if (removed) {
    c.server.notify('l', 'lrem', key, c.db.id);
    if (o.d.length === 0) {
      c.db.removeKey(key);
      c.server.notify('g', 'del', key, c.db.id);
    }
    touched(c, key, removed);
  }
  c.int(removed);
}

// ---------------------------------------------------------------------------------------------
// LMOVE / RPOPLPUSH

/** lmoveGenericCommand once the source is known to be a non-empty list. */
function lmoveGeneric(c: Client, src: ListObject, srcKey: string, dstKey: string, from: Where, to: Where): void {
  const dst = writeList(c, dstKey);
  const value = (from === Where.Head ? src.d.popFront() : src.d.popBack())!;
  lmoveHandlePush(c, dstKey, dst, value, to);
  elementsRemoved(c, srcKey, from, src, 1);
}

function lmoveCmd(c: Client, argv: string[], from: Where, to: Where): void {
  const src = writeList(c, argv[1]);
  if (!src) {
    c.nullBulk();
    return;
  }
  lmoveGeneric(c, src, argv[1], argv[2], from, to);
}

// ---------------------------------------------------------------------------------------------
// Blocking: BLPOP / BRPOP / BLMPOP / BLMOVE / BRPOPLPUSH

/**
 * Redis 7.0's serveClientBlockedOnList (BLPOP/BRPOP/BLMOVE/BRPOPLPUSH served after blocking)
 * propagates the plain command itself and does not count the pop in server.dirty.
 */
function servedFromBlock(c: Client, argv: string[]): void {
  c.server.dirty--;
  c.server.propagateInternal(c.db.id, argv);
  c.suppressPropagation = true;
}

function timedOut(c: Client): void {
  c.nullArray();
}

/**
 * blockingPopGenericCommand: serve from the first non-empty key or block. When a blocked client is
 * retried, Redis 7.0 serves it from the key that became ready only (rl->key), and a key that now
 * holds another type just leaves it blocked.
 */
function blockingPop(c: Client, keys: string[], where: Where, timeoutArg: string, count: number): void {
  const timeout = parseTimeout(timeoutArg);
  const ready = servingKey(c);
  for (const key of ready === null ? keys : [ready]) {
    const v = c.db.lookupWrite(key);
    if (v === undefined) continue;
    if (!(v instanceof ListObject)) {
      if (ready !== null) break;
      fail(ERR_WRONGTYPE);
    }
    if (count !== -1) {
      const n = popRangeWithKey(c, key, v, where, count);
      c.argv = [popName(where), key, String(n)];
      return;
    }
    const value = (where === Where.Head ? v.d.popFront() : v.d.popBack())!;
    replyStart(c, '*', 2);
    replyBulk(key);
    replyBulk(value);
    replyEnd();
    elementsRemoved(c, key, where, v, 1);
    if (ready !== null) servedFromBlock(c, [popName(where), key]);
    else c.argv = [popName(where), key];
    return;
  }
  if (cannotBlock(c)) {
    c.nullArray();
    return;
  }
  blockForKeys(c, keys, timeout, timedOut);
}

function positionName(w: Where): string {
  return w === Where.Head ? 'left' : 'right';
}

/** blmoveGenericCommand; rewritten as LMOVE / RPOPLPUSH once served. */
function blmoveGeneric(c: Client, argv: string[], from: Where, to: Where, timeoutArg: string, brpoplpush: boolean): void {
  const timeout = parseTimeout(timeoutArg);
  const srcKey = argv[1];
  const retry = servingKey(c) !== null;
  const v = c.db.lookupWrite(srcKey);
  if (v !== undefined && !(v instanceof ListObject) && !retry) fail(ERR_WRONGTYPE);
  if (v instanceof ListObject) {
    lmoveGeneric(c, v, srcKey, argv[2], from, to);
    if (brpoplpush) {
      if (retry) servedFromBlock(c, ['RPOPLPUSH', srcKey, argv[2]]);
      else c.argv = ['RPOPLPUSH', srcKey, argv[2]];
    } else if (retry) {
      // Served after blocking, Redis 7.0 propagates its shared lowercase position names.
      servedFromBlock(c, ['LMOVE', srcKey, argv[2], positionName(from), positionName(to)]);
    } else {
      c.argv = ['LMOVE', srcKey, argv[2], argv[3], argv[4]];
    }
    return;
  }
  if (cannotBlock(c)) {
    c.nullBulk();
    return;
  }
  blockForKeys(c, [srcKey], timeout, timedOut);
}

// ---------------------------------------------------------------------------------------------

export const commands: CommandDef[] = [
  { name: 'lpush', handler: (c, a) => pushGeneric(c, a, Where.Head, false) },
  { name: 'rpush', handler: (c, a) => pushGeneric(c, a, Where.Tail, false) },
  { name: 'lpushx', handler: (c, a) => pushGeneric(c, a, Where.Head, true) },
  { name: 'rpushx', handler: (c, a) => pushGeneric(c, a, Where.Tail, true) },
  { name: 'linsert', handler: linsert },
  { name: 'llen', handler: llen },
  { name: 'lindex', handler: lindex },
  { name: 'lset', handler: lset },
  { name: 'lpop', handler: (c, a) => popGeneric(c, a, Where.Head) },
  { name: 'rpop', handler: (c, a) => popGeneric(c, a, Where.Tail) },
  { name: 'lmpop', handler: lmpop, getKeys: (a) => mpopKeys(a, 1) },
  { name: 'lrange', handler: lrange },
  { name: 'ltrim', handler: ltrim },
  { name: 'lpos', handler: lpos },
  { name: 'lrem', handler: lrem },
  {
    name: 'lmove',
    handler: (c, a) => {
      const from = parseWhere(a[3]);
      const to = parseWhere(a[4]);
      lmoveCmd(c, a, from, to);
    },
  },
  { name: 'rpoplpush', handler: (c, a) => lmoveCmd(c, a, Where.Tail, Where.Head) },
  { name: 'blpop', handler: (c, a) => blockingPop(c, a.slice(1, -1), Where.Head, a[a.length - 1], -1) },
  { name: 'brpop', handler: (c, a) => blockingPop(c, a.slice(1, -1), Where.Tail, a[a.length - 1], -1) },
  {
    name: 'blmpop',
    handler: (c, a) => {
      const [keys, where, count] = parseMpop(a, 2);
      blockingPop(c, keys, where, a[1], count);
    },
    getKeys: (a) => mpopKeys(a, 2),
  },
  {
    name: 'blmove',
    handler: (c, a) => {
      const from = parseWhere(a[3]);
      const to = parseWhere(a[4]);
      blmoveGeneric(c, a, from, to, a[5], false);
    },
  },
  { name: 'brpoplpush', handler: (c, a) => blmoveGeneric(c, a, Where.Tail, Where.Head, a[3], true) },
];

/** Key positions of LMPOP/BLMPOP (movablekeys): numkeys at argv[idx]. */
function mpopKeys(argv: string[], idx: number): number[] {
  const n = Number(argv[idx]);
  if (!Number.isInteger(n) || n < 1 || idx + n >= argv.length) return [];
  const out: number[] = [];
  for (let i = idx + 1; i <= idx + n; i++) out.push(i);
  return out;
}
