// Why: the set type (t_set.c, Redis 7.0): the intset encoding (canonical int64 strings kept in
// numeric order, as Redis replies them) and the dense hashtable, with Redis's one-way conversions
// and the exact algorithms whose choices show in replies and encodings (SPOP's strategies, SDIFF's
// two algorithms, intset-first temporary sets), and the S* commands.
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import type { RObject, Value } from './db.js';
import { ERR_SYNTAX, ERR_WRONGTYPE, fail } from '../server/errors.js';
import { DenseSet } from './dense.js';
import { intsetSearch, isInt64 } from './intset.js';
import { randomIndex, sampleDistinct } from './random.js';
import { parseScanCursor, parseScanOptions, replyEmptyScan, replyScan, scanSlots } from './scan-cursor.js';
import { ERR_MUST_BE_POSITIVE, getLongInRange, lookupTyped, parseRandCount, replyBulk, replyBulks, replyEnd, replyStart } from './collection.js';

export class SetObject implements RObject {
  readonly type = 'set' as const;
  /** intset encoding: canonical int64 strings in ascending numeric order (null once converted) */
  ints: string[] | null;
  /** hashtable encoding */
  ht: DenseSet | null;

  /** createIntsetObject() / createSetObject() */
  constructor(intset: boolean) {
    this.ints = intset ? [] : null;
    this.ht = intset ? null : new DenseSet();
  }

  /** setTypeCreate: an intset if the first member is an integer, else a hashtable. */
  static create(first: string): SetObject {
    return new SetObject(isInt64(first));
  }

  /** A set built from loaded contents (RDB, RESTORE): the encoding Redis derives on load. */
  static fromMembers(members: readonly string[], maxIntset: number): SetObject {
    const s = new SetObject(members.length <= maxIntset);
    for (const m of members) s.add(m, maxIntset);
    return s;
  }

  encoding(): string {
    return this.ints ? 'intset' : 'hashtable';
  }

  get size(): number {
    return this.ints ? this.ints.length : this.ht!.size;
  }

  /** Members in iteration order (intset: ascending). The live array: do not modify. */
  members(): readonly string[] {
    return this.ints ?? this.ht!.keys;
  }

  has(m: string): boolean {
    if (this.ints) return isInt64(m) && intsetSearch(this.ints, m) >= 0;
    return this.ht!.has(m);
  }

  /** setTypeAdd: returns true if m was added; converts past set-max-intset-entries or on a non-integer. */
  add(m: string, maxIntset: number): boolean {
    const ints = this.ints;
    if (ints === null) return this.ht!.add(m);
    if (!isInt64(m)) {
      this.convert();
      return this.ht!.add(m);
    }
    const i = intsetSearch(ints, m);
    if (i >= 0) return false;
    const at = -i - 1;
    if (at === ints.length) ints.push(m);
    else ints.splice(at, 0, m);
    if (ints.length > maxIntset) this.convert();
    return true;
  }

  remove(m: string): boolean {
    const ints = this.ints;
    if (ints === null) return this.ht!.delete(m) >= 0;
    if (!isInt64(m)) return false;
    const i = intsetSearch(ints, m);
    if (i < 0) return false;
    if (i === ints.length - 1) ints.pop();
    else ints.splice(i, 1);
    return true;
  }

  /** Remove and return a random member (the set must not be empty). */
  popRandom(): string {
    const ints = this.ints;
    if (ints) {
      const i = randomIndex(ints.length);
      const m = ints[i];
      if (i === ints.length - 1) ints.pop();
      else ints.splice(i, 1);
      return m;
    }
    const ht = this.ht!;
    const m = ht.keys[randomIndex(ht.size)];
    ht.delete(m);
    return m;
  }

  convert(): void {
    const ht = new DenseSet();
    for (const m of this.ints!) ht.add(m);
    this.ht = ht;
    this.ints = null;
  }

  /** Take over another set's contents and encoding (SPOP's "new set" strategy, dbOverwrite). */
  replaceWith(o: SetObject): void {
    this.ints = o.ints;
    this.ht = o.ht;
  }

  clone(): SetObject {
    const o = new SetObject(this.ints !== null);
    if (this.ints) o.ints = this.ints.slice();
    else this.ht!.cloneInto(o.ht!);
    return o;
  }

  /** Roughly what Redis's allocator holds: the intset blob, or dict + entries + sds strings. */
  memoryUsage(): number {
    if (this.ints) {
      let width = 2;
      for (const m of this.ints) {
        const v = Number(m);
        if (v < -2147483648 || v > 2147483647) width = 8;
        else if (width < 4 && (v < -32768 || v > 32767)) width = 4;
      }
      return 16 + 8 + width * this.ints.length;
    }
    const ht = this.ht!;
    let buckets = 4;
    while (buckets < ht.size) buckets *= 2;
    let bytes = 16 + 56 + buckets * 8 + ht.size * 24;
    for (const m of ht.keys) bytes += m.length + 4;
    return bytes;
  }
}

function isSet(v: Value): v is SetObject {
  return typeof v !== 'string' && v.type === 'set';
}

function readSet(c: Client, key: string): SetObject | undefined {
  return lookupTyped<SetObject>(c, key, 'set', false);
}

function writeSet(c: Client, key: string): SetObject | undefined {
  return lookupTyped<SetObject>(c, key, 'set', true);
}

function maxIntset(c: Client): number {
  return c.server.config.num('set-max-intset-entries');
}

/** A RESP3 set (RESP2 array) of members. */
function replySet(c: Client, ms: readonly string[]): void {
  replyStart(c, c.resp === 3 ? '~' : '*', ms.length);
  replyBulks(ms, 0, ms.length);
  replyEnd();
}

const EMPTY_ARRAY = '*0\r\n';

function sadd(c: Client, a: string[]): void {
  const key = a[1];
  let s = writeSet(c, key);
  if (!s) {
    s = SetObject.create(a[2]);
    c.db.add(key, s);
  }
  // set-max-intset-entries only matters while the set is an intset
  const max = s.ints !== null ? maxIntset(c) : 0;
  let added = 0;
  for (let i = 2; i < a.length; i++) if (s.add(a[i], max)) added++;
  if (added) {
    c.db.signalModified(key);
    c.server.notify('s', 'sadd', key, c.db.id);
  }
  c.int(added);
}

function srem(c: Client, a: string[]): void {
  const key = a[1];
  const s = writeSet(c, key);
  if (!s) {
    c.int(0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < a.length; i++) {
    if (s.remove(a[i])) {
      deleted++;
      if (s.size === 0) {
        c.db.removeKey(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted) {
    c.db.signalModified(key);
    c.server.notify('s', 'srem', key, c.db.id);
    if (removed) c.server.notify('g', 'del', key, c.db.id);
  }
  c.int(deleted);
}

function smove(c: Client, a: string[]): void {
  const [, src, dst, ele] = a;
  const ss = c.db.lookupWrite(src);
  const ds = c.db.lookupWrite(dst);
  if (ss === undefined) {
    c.int(0);
    return;
  }
  if (!isSet(ss) || (ds !== undefined && !isSet(ds))) fail(ERR_WRONGTYPE);
  if (ss === ds) {
    c.int(ss.has(ele) ? 1 : 0);
    return;
  }
  if (!ss.remove(ele)) {
    c.int(0);
    return;
  }
  c.server.notify('s', 'srem', src, c.db.id);
  if (ss.size === 0) {
    c.db.removeKey(src);
    c.server.notify('g', 'del', src, c.db.id);
  }
  let d = ds as SetObject | undefined;
  if (!d) {
    d = SetObject.create(ele);
    c.db.add(dst, d);
  }
  c.db.signalModified(src);
  c.db.signalModified(dst);
  if (d.add(ele, maxIntset(c))) c.server.notify('s', 'sadd', dst, c.db.id);
  c.int(1);
}

/** Store a computed set as dst (SINTERSTORE/SUNIONSTORE/SDIFFSTORE), or delete dst if it is empty. */
function storeResult(c: Client, dst: string, d: SetObject, event: string): void {
  if (d.size > 0) {
    c.db.setKey(dst, d);
    c.int(d.size);
    c.server.notify('s', event, dst, c.db.id);
  } else {
    c.int(0);
    if (c.db.delete(dst)) c.server.notify('g', 'del', dst, c.db.id);
  }
}

/**
 * Look up every source key first (WRONGTYPE wins over a missing key); missing keys are null. Redis
 * 7.0 reads sources with lookupKeyRead even for the STORE variants (hits, misses, keymiss events).
 */
function lookupSets(c: Client, keys: readonly string[]): (SetObject | null)[] {
  const sets: (SetObject | null)[] = [];
  for (const k of keys) sets.push(readSet(c, k) ?? null);
  return sets;
}

/** sinterGenericCommand: SINTER, SMEMBERS, SINTERSTORE, SINTERCARD (cardOnly, limit 0 = none). */
function sinterGeneric(c: Client, keys: readonly string[], dst: string | null, cardOnly = false, limit = 0): void {
  const found = lookupSets(c, keys);
  if (found.includes(null)) {
    if (dst !== null) {
      if (c.db.delete(dst)) c.server.notify('g', 'del', dst, c.db.id);
      c.int(0);
    } else if (cardOnly) c.int(0);
    else replySet(c, []);
    return;
  }
  const sets = found as SetObject[];
  // Smallest first (a stable sort, like glibc's merge-sort qsort); iterate it, probe the others.
  if (sets.length > 1) sets.sort((x, y) => x.size - y.size);
  const first = sets[0];
  const n = sets.length;
  const inAll = (m: string): boolean => {
    for (let j = 1; j < n; j++) if (sets[j] !== first && !sets[j].has(m)) return false;
    return true;
  };
  if (cardOnly) {
    let card = 0;
    for (const m of first.members()) {
      if (inAll(m) && ++card === limit) break;
    }
    c.int(card);
    return;
  }
  if (dst === null) {
    if (n === 1) {
      replySet(c, first.members());
      return;
    }
    const out: string[] = [];
    for (const m of first.members()) if (inAll(m)) out.push(m);
    replySet(c, out);
    return;
  }
  const d = new SetObject(true);
  const max = maxIntset(c);
  for (const m of first.members()) if (inAll(m)) d.add(m, max);
  storeResult(c, dst, d, 'sinterstore');
}

/** The temporary/destination set of SUNION/SDIFF: always starts as an intset in Redis 7.0. */
function unionOf(sets: readonly (SetObject | null)[], max: number): SetObject {
  const d = new SetObject(true);
  for (const s of sets) if (s) for (const m of s.members()) d.add(m, max);
  return d;
}

function diffOf(sets: readonly (SetObject | null)[], max: number): SetObject {
  const d = new SetObject(true);
  const first = sets[0];
  if (!first) return d;
  // Redis picks the algorithm by estimated work; it shows in the result's encoding (algorithm 2
  // grows the temporary set to the first set's size before shrinking it).
  let work1 = 0;
  let work2 = 0;
  for (const s of sets) {
    if (!s) continue;
    work1 += first.size;
    work2 += s.size;
  }
  work1 = Math.floor(work1 / 2);
  if (work1 <= work2) {
    for (const m of first.members()) {
      let j = 1;
      for (; j < sets.length; j++) {
        const s = sets[j];
        if (s && (s === first || s.has(m))) break;
      }
      if (j === sets.length) d.add(m, max);
    }
    return d;
  }
  for (let j = 0; j < sets.length; j++) {
    const s = sets[j];
    if (!s) continue;
    if (j === 0) for (const m of s.members()) d.add(m, max);
    else for (const m of s.members()) d.remove(m);
    if (d.size === 0) break;
  }
  return d;
}

function sunionDiff(c: Client, keys: readonly string[], dst: string | null, union: boolean): void {
  const sets = lookupSets(c, keys);
  const max = maxIntset(c);
  const d = union ? unionOf(sets, max) : diffOf(sets, max);
  if (dst === null) replySet(c, d.members());
  else storeResult(c, dst, d, union ? 'sunionstore' : 'sdiffstore');
}

function sintercard(c: Client, a: string[]): void {
  const numkeys = getLongInRange(a[1], 1n, 'ERR numkeys should be greater than 0');
  if (numkeys > a.length - 2) fail("ERR Number of keys can't be greater than number of args");
  let limit = 0;
  for (let j = 2 + numkeys; j < a.length; j++) {
    if (a[j].toLowerCase() === 'limit' && j + 1 < a.length) {
      limit = getLongInRange(a[++j], 0n, "ERR LIMIT can't be negative");
    } else fail(ERR_SYNTAX);
  }
  sinterGeneric(c, a.slice(2, 2 + numkeys), null, true, limit);
}

/** SINTERCARD's keys: numkeys keys after the numkeys argument. */
function sintercardKeys(argv: string[]): number[] {
  const n = Number(argv[1]);
  if (!Number.isInteger(n) || n < 1 || n > argv.length - 2) return [];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(2 + i);
  return out;
}

function spop(c: Client, a: string[]): void {
  if (a.length === 3) {
    spopCount(c, a);
    return;
  }
  if (a.length > 3) fail(ERR_SYNTAX);
  const key = a[1];
  const s = writeSet(c, key);
  if (!s) {
    c.nullBulk();
    return;
  }
  const ele = s.popRandom();
  c.server.notify('s', 'spop', key, c.db.id);
  c.argv = ['SREM', key, ele];
  c.bulk(ele);
  if (s.size === 0) {
    c.db.removeKey(key);
    c.server.notify('g', 'del', key, c.db.id);
  }
  c.db.signalModified(key);
}

/** SPOP key count: Redis 7.0's three strategies, propagated as one SREM per popped member. */
function spopCount(c: Client, a: string[]): void {
  const count = getLongInRange(a[2], 0n, ERR_MUST_BE_POSITIVE);
  const key = a[1];
  const s = writeSet(c, key);
  if (!s || count === 0) {
    replySet(c, []);
    return;
  }
  const size = s.size;
  c.server.notify('s', 'spop', key, c.db.id);
  if (count >= size) {
    // CASE 1: the whole set, replied as SUNION of it, then DEL.
    c.db.lookupRead(key);
    replySet(c, unionOf([s], maxIntset(c)).members());
    c.db.removeKey(key);
    c.server.notify('g', 'del', key, c.db.id);
    c.argv = ['DEL', key];
    c.db.signalModified(key);
    return;
  }
  const db = c.db.id;
  const remaining = size - count;
  replyStart(c, c.resp === 3 ? '~' : '*', count);
  if (remaining * 5 > count) {
    // CASE 2: pop count random members.
    for (let k = 0; k < count; k++) {
      const m = s.popRandom();
      replyBulk(m);
      c.server.propagateInternal(db, ['SREM', key, m]);
    }
  } else {
    // CASE 3: move `remaining` random members into a new set that replaces this one.
    const max = maxIntset(c);
    let keep: SetObject | null = null;
    for (let k = 0; k < remaining; k++) {
      const m = s.popRandom();
      if (!keep) keep = SetObject.create(m);
      keep.add(m, max);
    }
    for (const m of s.members()) {
      replyBulk(m);
      c.server.propagateInternal(db, ['SREM', key, m]);
    }
    s.replaceWith(keep!);
  }
  replyEnd();
  c.suppressPropagation = true;
  c.db.signalModified(key);
}

function srandmember(c: Client, a: string[]): void {
  if (a.length === 3) {
    srandCount(c, a);
    return;
  }
  if (a.length > 3) fail(ERR_SYNTAX);
  const s = readSet(c, a[1]);
  if (!s) {
    c.nullBulk();
    return;
  }
  c.bulk(s.members()[randomIndex(s.size)]);
}

function srandCount(c: Client, a: string[]): void {
  const l = parseRandCount(a[2]);
  const unique = l >= 0n;
  const count = Number(unique ? l : -l);
  const s = readSet(c, a[1]);
  if (!s || count === 0) {
    c.add(EMPTY_ARRAY);
    return;
  }
  const ms = s.members();
  const size = ms.length;
  if (!unique || count === 1) {
    replyStart(c, '*', count);
    for (let k = 0; k < count; k++) replyBulk(ms[randomIndex(size)]);
  } else if (count >= size) {
    replyStart(c, '*', size);
    replyBulks(ms, 0, size);
  } else {
    replyStart(c, '*', count);
    for (const i of sampleDistinct(size, count)) replyBulk(ms[i]);
  }
  replyEnd();
}

function sscan(c: Client, a: string[]): void {
  const cursor = parseScanCursor(a[2]);
  const s = readSet(c, a[1]);
  if (!s) {
    replyEmptyScan(c);
    return;
  }
  const o = parseScanOptions(a, 3);
  const m = o.match;
  const out: string[] = [];
  if (s.ints) {
    // Not a hashtable: everything in one call, cursor 0 (as Redis does for intsets).
    for (const x of s.ints) if (m === null || m(x)) out.push(x);
    replyScan(c, 0, out);
    return;
  }
  const ht = s.ht!;
  const next = scanSlots(ht.size, cursor, o.count, (i) => {
    const x = ht.keys[i];
    if (m === null || m(x)) out.push(x);
  });
  replyScan(c, next, out);
}

export const commands: CommandDef[] = [
  { name: 'sadd', handler: sadd },
  { name: 'srem', handler: srem },
  { name: 'smove', handler: smove },
  {
    name: 'sismember',
    handler: (c, a) => c.int(readSet(c, a[1])?.has(a[2]) ? 1 : 0),
  },
  {
    name: 'smismember',
    handler: (c, a) => {
      const s = readSet(c, a[1]);
      const out: number[] = [];
      for (let i = 2; i < a.length; i++) out.push(s?.has(a[i]) ? 1 : 0);
      c.ints(out);
    },
  },
  { name: 'scard', handler: (c, a) => c.int(readSet(c, a[1])?.size ?? 0) },
  { name: 'smembers', handler: (c, a) => sinterGeneric(c, [a[1]], null) },
  { name: 'sinter', handler: (c, a) => sinterGeneric(c, a.slice(1), null) },
  { name: 'sinterstore', handler: (c, a) => sinterGeneric(c, a.slice(2), a[1]) },
  { name: 'sintercard', handler: sintercard, getKeys: sintercardKeys },
  { name: 'sunion', handler: (c, a) => sunionDiff(c, a.slice(1), null, true) },
  { name: 'sunionstore', handler: (c, a) => sunionDiff(c, a.slice(2), a[1], true) },
  { name: 'sdiff', handler: (c, a) => sunionDiff(c, a.slice(1), null, false) },
  { name: 'sdiffstore', handler: (c, a) => sunionDiff(c, a.slice(2), a[1], false) },
  { name: 'spop', handler: spop },
  { name: 'srandmember', handler: srandmember },
  { name: 'sscan', handler: sscan },
];

