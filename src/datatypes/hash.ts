// Why: the hash type (t_hash.c): its two encodings with Redis 7.0's one-way conversion rules — a
// packed string standing in for the listpack (same order: appends at the end, deletes in place) and a dense
// hashtable (O(1) random fields, stateless HSCAN) — and the H* commands.
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { RObject } from './db.js';
import { ERR_NOT_FLOAT, ERR_NOT_INT, ERR_OVERFLOW, ERR_SYNTAX, fail } from '../server/errors.js';
import { LLONG_MAX, LLONG_MIN, parseBigLL } from '../server/args.js';
import { parseLL } from '../resp/request-parser.js';
import { DenseMap } from './dense.js';
import { randomIndex, sampleDistinct } from './random.js';
import { parseScanCursor, parseScanOptions, replyEmptyScan, replyScan, scanSlots } from './scan-cursor.js';
import { lookupTyped, parseRandCount, replyArityError, replyBulk, replyEnd, replyRaw, replyStart, shareValue } from './collection.js';
import { LongDoubleError, incrByFloat, parseLongDouble } from './longdouble.js';

/** hash-max-listpack-entries / hash-max-listpack-value, read once per command */
export interface HashLimits {
  entries: number;
  value: number;
}

/** What a hashtable-encoded hash is given instead (the limits only matter to the listpack). */
const HT_LIMITS: HashLimits = { entries: 0, value: 0 };

export function hashLimits(server: Server): HashLimits {
  const cf = server.config;
  return { entries: cf.num('hash-max-listpack-entries'), value: cf.num('hash-max-listpack-value') };
}

/*
 * The listpack encoding: one flat latin1 string of entries [field, value, field, value, ...], each
 * a varint length (7 bits per char, high bit = more) followed by its bytes. Like Redis's listpack
 * it is scanned linearly and rebuilt on every write (appends at the end, updates in place,
 * deletes close the gap); one small string per hash instead of a Map plus two strings per field.
 */

/** Scratch buffer that turns concatenations into flat (non-cons) strings. */
let scratch = Buffer.allocUnsafe(4096);

function flatten(s: string): string {
  const n = s.length;
  if (n < 13) return s; // V8 concatenates strings this short into flat strings
  if (scratch.length < n) scratch = Buffer.allocUnsafe(Math.max(n, scratch.length * 2));
  scratch.latin1Write(s, 0, n);
  return scratch.latin1Slice(0, n);
}

function lenPrefix(n: number): string {
  if (n < 128) return String.fromCharCode(n);
  let s = '';
  while (n >= 128) {
    s += String.fromCharCode(128 | (n & 127));
    n = Math.floor(n / 128);
  }
  return s + String.fromCharCode(n);
}

/** Decoder position: after readLen(), `at` is where the element's bytes start. */
let at = 0;

function readLen(p: string, pos: number): number {
  let c = p.charCodeAt(pos++);
  if (c < 128) {
    at = pos;
    return c;
  }
  let n = c & 127;
  let mul = 128;
  for (;;) {
    c = p.charCodeAt(pos++);
    n += (c & 127) * mul;
    if (c < 128) break;
    mul *= 128;
  }
  at = pos;
  return n;
}

/** Offset of the value's length prefix of the entry findField() found last. */
let valPos = 0;

/** Start offset of the entry for field f in pack p (setting valPos), or -1. */
function findField(p: string, f: string): number {
  const fl = f.length;
  const end = p.length;
  let pos = 0;
  while (pos < end) {
    const n = readLen(p, pos);
    const s = at;
    const vp = s + n;
    if (n === fl && p.startsWith(f, s)) {
      valPos = vp;
      return pos;
    }
    const vl = readLen(p, vp);
    pos = at + vl;
  }
  return -1;
}

/** End offset of the entry starting at pos (field and value). */
function entryEnd(p: string, pos: number): number {
  const fl = readLen(p, pos);
  const vl = readLen(p, at + fl);
  return at + vl;
}

/** Calls fn(fieldStart, fieldLength, valueStart, valueLength) for each entry of pack p, in order. */
function eachEntry(p: string, fn: (fs: number, fl: number, vs: number, vl: number) => void): void {
  const end = p.length;
  let pos = 0;
  while (pos < end) {
    const fl = readLen(p, pos);
    const fs = at;
    const vl = readLen(p, fs + fl);
    const vs = at;
    fn(fs, fl, vs, vl);
    pos = vs + vl;
  }
}

function encodeEntry(f: string, v: string): string {
  return lenPrefix(f.length) + f + lenPrefix(v.length) + v;
}

export class HashObject implements RObject {
  readonly type = 'hash' as const;
  /** listpack encoding (see above; null once converted) */
  pack: string | null = '';
  /** number of fields while listpack-encoded */
  private n = 0;
  /** hashtable encoding */
  ht: DenseMap | null = null;

  /** A hash built from loaded contents (RDB, RESTORE): the encoding Redis derives on load. */
  static fromEntries(entries: Iterable<readonly [string, string]>, lim: HashLimits): HashObject {
    const h = new HashObject();
    for (const [f, v] of entries) h.set(f, v, lim);
    return h;
  }

  /** A listpack-encoded hash from flat [f, v, ...] pairs known to be distinct (no limit checks). */
  static fromPairs(flat: readonly string[]): HashObject {
    const h = new HashObject();
    let s = '';
    for (let i = 0; i + 1 < flat.length; i += 2) s += encodeEntry(flat[i], flat[i + 1]);
    h.pack = flatten(s);
    h.n = flat.length >> 1;
    return h;
  }

  get isListpack(): boolean {
    return this.pack !== null;
  }

  encoding(): string {
    return this.pack !== null ? 'listpack' : 'hashtable';
  }

  get size(): number {
    return this.pack !== null ? this.n : this.ht!.size;
  }

  get(f: string): string | undefined {
    const p = this.pack;
    if (p === null) return this.ht!.get(f);
    const pos = findField(p, f);
    if (pos < 0) return undefined;
    const vl = readLen(p, valPos);
    return p.substring(at, at + vl);
  }

  has(f: string): boolean {
    return this.pack !== null ? findField(this.pack, f) >= 0 : this.ht!.has(f);
  }

  /** hashTypeSet: returns true when f is a new field. Converts as Redis does (too long, too many). */
  set(f: string, v: string, lim: HashLimits): boolean {
    const p = this.pack;
    if (p === null) return this.ht!.set(f, shareValue(v));
    if (f.length > lim.value || v.length > lim.value) {
      this.convert();
      return this.ht!.set(f, v);
    }
    const pos = findField(p, f);
    if (pos >= 0) {
      const vl = readLen(p, valPos);
      this.pack = flatten(p.substring(0, valPos) + lenPrefix(v.length) + v + p.substring(at + vl));
      return false;
    }
    this.pack = flatten(p + encodeEntry(f, v));
    if (++this.n > lim.entries) this.convert();
    return true;
  }

  delete(f: string): boolean {
    const p = this.pack;
    if (p === null) return this.ht!.delete(f) >= 0;
    const pos = findField(p, f);
    if (pos < 0) return false;
    const vl = readLen(p, valPos);
    this.pack = flatten(p.substring(0, pos) + p.substring(at + vl));
    this.n--;
    return true;
  }

  /** hashTypeTryConversion: any argument (fields and values) longer than the listpack limit. */
  tryConversion(argv: readonly string[], start: number, end: number, lim: HashLimits): void {
    if (this.pack === null) return;
    for (let i = start; i <= end; i++) {
      if (argv[i].length > lim.value) {
        this.convert();
        return;
      }
    }
  }

  /** Calls fn(field, value) for each entry in listpack order (listpack encoding only). */
  private each(fn: (f: string, v: string) => void): void {
    const p = this.pack!;
    eachEntry(p, (fs, fl, vs, vl) => fn(p.substring(fs, fs + fl), p.substring(vs, vs + vl)));
  }

  convert(): void {
    const ht = new DenseMap();
    // Decode through a buffer so the strings kept are fresh copies, not slices of the old pack.
    const p = this.pack!;
    const buf = Buffer.allocUnsafe(p.length);
    buf.latin1Write(p, 0, p.length);
    eachEntry(p, (fs, fl, vs, vl) => ht.set(buf.latin1Slice(fs, fs + fl), buf.latin1Slice(vs, vs + vl)));
    this.ht = ht;
    this.pack = null;
    this.n = 0;
  }

  /** The field at iteration position i (O(i) for a listpack, as in Redis). */
  fieldAt(i: number): string {
    if (this.ht) return this.ht.keys[i];
    const p = this.pack!;
    let pos = 0;
    while (pos < p.length) {
      const fl = readLen(p, pos);
      if (i-- === 0) return p.substring(at, at + fl);
      pos = entryEnd(p, pos);
    }
    throw new Error('fieldAt out of range');
  }

  /** Fields and values as parallel arrays in iteration order (the hashtable's own: do not modify). */
  arrays(): [string[], string[]] {
    if (this.ht) return [this.ht.keys, this.ht.vals];
    const fs: string[] = [];
    const vs: string[] = [];
    this.each((f, v) => {
      fs.push(f);
      vs.push(v);
    });
    return [fs, vs];
  }

  clone(): HashObject {
    const o = new HashObject();
    if (this.pack !== null) {
      o.pack = this.pack;
      o.n = this.n;
    } else {
      o.pack = null;
      o.ht = this.ht!.clone();
    }
    return o;
  }

  /** Roughly what Redis's allocator holds: listpack bytes, or dict + entries + sds strings. */
  memoryUsage(): number {
    let bytes = 16;
    if (this.pack !== null) {
      // The pack holds each length in 1+ bytes; a listpack entry costs ~2 bytes of header.
      return bytes + 7 + this.pack.length + 2 * this.n;
    }
    const ht = this.ht!;
    let buckets = 4;
    while (buckets < ht.size) buckets *= 2;
    bytes += 56 + buckets * 8 + ht.size * 24;
    for (let i = 0; i < ht.size; i++) bytes += ht.keys[i].length + ht.vals[i].length + 8;
    return bytes;
  }
}

function readHash(c: Client, key: string): HashObject | undefined {
  return lookupTyped<HashObject>(c, key, 'hash', false);
}

function writeHash(c: Client, key: string): HashObject | undefined {
  return lookupTyped<HashObject>(c, key, 'hash', true);
}

/** hashTypeLookupWriteOrCreate */
function writeOrCreate(c: Client, key: string): HashObject {
  let h = writeHash(c, key);
  if (!h) {
    h = new HashObject();
    c.db.add(key, h);
  }
  return h;
}

/** HSET / HMSET */
function hset(c: Client, a: string[]): void {
  if (a.length % 2 === 1) replyArityError(c);
  const key = a[1];
  const h = writeOrCreate(c, key);
  const lim = h.isListpack ? hashLimits(c.server) : HT_LIMITS;
  h.tryConversion(a, 2, a.length - 1, lim);
  let created = 0;
  for (let i = 2; i < a.length; i += 2) if (h.set(a[i], a[i + 1], lim)) created++;
  const c1 = a[0].charCodeAt(1);
  if (c1 === 115 || c1 === 83) c.int(created);
  else c.ok();
  c.db.signalModified(key);
  c.server.notify('h', 'hset', key, c.db.id);
}

function hsetnx(c: Client, a: string[]): void {
  const key = a[1];
  const h = writeOrCreate(c, key);
  if (h.has(a[2])) {
    c.int(0);
    return;
  }
  const lim = hashLimits(c.server);
  h.tryConversion(a, 2, 3, lim);
  h.set(a[2], a[3], lim);
  c.int(1);
  c.db.signalModified(key);
  c.server.notify('h', 'hset', key, c.db.id);
}

function hdel(c: Client, a: string[]): void {
  const key = a[1];
  const h = writeHash(c, key);
  if (!h) {
    c.int(0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < a.length; i++) {
    if (h.delete(a[i])) {
      deleted++;
      if (h.size === 0) {
        c.db.removeKey(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted) {
    c.db.signalModified(key);
    c.server.notify('h', 'hdel', key, c.db.id);
    if (removed) c.server.notify('g', 'del', key, c.db.id);
  }
  c.int(deleted);
}

/** An int64 argument as a number when exact, else as a bigint; throws ERR_NOT_INT. */
function int64(s: string, err: string): number | bigint {
  const v = parseLL(s);
  if (v !== null && Number.isSafeInteger(v)) return v;
  const b = parseBigLL(s);
  if (b === null) fail(err);
  return b;
}

function hincrby(c: Client, a: string[]): void {
  const key = a[1];
  const incr = int64(a[3], ERR_NOT_INT);
  const h = writeOrCreate(c, key);
  const old = h.get(a[2]);
  const cur = old === undefined ? 0 : int64(old, 'ERR hash value is not an integer');
  let sum: number | bigint;
  if (typeof cur === 'number' && typeof incr === 'number' && Number.isSafeInteger(cur + incr)) sum = cur + incr;
  else {
    const b = BigInt(cur) + BigInt(incr);
    if (b > LLONG_MAX || b < LLONG_MIN) fail(ERR_OVERFLOW);
    sum = b;
  }
  const s = String(sum);
  h.set(a[2], s, hashLimits(c.server));
  c.int(sum);
  c.db.signalModified(key);
  c.server.notify('h', 'hincrby', key, c.db.id);
}

function hincrbyfloat(c: Client, a: string[]): void {
  const key = a[1];
  const incr = parseLongDouble(a[3]);
  if (incr === null) fail(ERR_NOT_FLOAT);
  if (incr.inf) fail('ERR value is NaN or Infinity');
  const h = writeOrCreate(c, key);
  let s: string;
  try {
    s = incrByFloat(h.get(a[2]), a[3]);
  } catch (e) {
    if (!(e instanceof LongDoubleError)) throw e;
    fail(e.message === 'value' ? 'ERR hash value is not a float' : 'ERR increment would produce NaN or Infinity');
  }
  h.set(a[2], s, hashLimits(c.server));
  c.bulk(s);
  c.db.signalModified(key);
  c.server.notify('h', 'hincrbyfloat', key, c.db.id);
  // Replicated as HSET with the final value so float formatting can never diverge.
  c.argv = ['HSET', key, a[2], s];
}

/** HKEYS / HVALS / HGETALL */
function getall(c: Client, key: string, keys: boolean, vals: boolean): void {
  const h = readHash(c, key);
  const both = keys && vals;
  if (!h) {
    if (both) c.mapLen(0);
    else c.arrayLen(0);
    return;
  }
  const n = h.size;
  if (both && c.resp === 3) replyStart(c, '%', n);
  else replyStart(c, '*', both ? n * 2 : n);
  const [fs, vs] = h.arrays();
  for (let i = 0; i < n; i++) {
    if (keys) replyBulk(fs[i]);
    if (vals) replyBulk(vs[i]);
  }
  replyEnd();
}

const LONG_MAX_HALF = 4611686018427387903n;

function hrandfield(c: Client, a: string[]): void {
  if (a.length >= 3) {
    const l = parseRandCount(a[2]);
    if (a.length > 4 || (a.length === 4 && a[3].toLowerCase() !== 'withvalues')) fail(ERR_SYNTAX);
    const withValues = a.length === 4;
    if (withValues && (l < -LONG_MAX_HALF || l > LONG_MAX_HALF)) fail('ERR value is out of range');
    randWithCount(c, a[1], Number(l < 0n ? -l : l), l >= 0n, withValues);
    return;
  }
  const h = readHash(c, a[1]);
  if (!h) {
    c.nullBulk();
    return;
  }
  c.bulk(h.fieldAt(randomIndex(h.size)));
}

function randWithCount(c: Client, key: string, count: number, unique: boolean, withValues: boolean): void {
  const h = readHash(c, key);
  if (!h || count === 0) {
    c.add('*0\r\n');
    return;
  }
  const size = h.size;
  const [fs, vs] = h.arrays();
  const nested = withValues && c.resp === 3;
  const one = (i: number): void => {
    if (nested) replyRaw('*2\r\n');
    replyBulk(fs[i]);
    if (withValues) replyBulk(vs[i]);
  };
  // CASE 1: negative count (repetitions allowed), or a single field. CASE 2: the whole hash, in
  // its iteration order. CASE 2.5 (listpack: distinct fields in stored order) / CASES 3-4
  // (hashtable: random order).
  const n = !unique || count === 1 || count < size ? count : size;
  replyStart(c, '*', withValues && !nested ? n * 2 : n);
  if (!unique || count === 1) for (let k = 0; k < count; k++) one(randomIndex(size));
  else if (count >= size) for (let i = 0; i < size; i++) one(i);
  else for (const i of sampleDistinct(size, count, h.pack !== null)) one(i);
  replyEnd();
}

function hscan(c: Client, a: string[]): void {
  const cursor = parseScanCursor(a[2]);
  const h = readHash(c, a[1]);
  if (!h) {
    replyEmptyScan(c);
    return;
  }
  const o = parseScanOptions(a, 3);
  const out: string[] = [];
  const m = o.match;
  if (h.pack !== null) {
    // Not a hashtable: everything in one call, cursor 0 (as Redis does for listpacks).
    const [fs, vs] = h.arrays();
    for (let i = 0; i < fs.length; i++) if (m === null || m(fs[i])) out.push(fs[i], vs[i]);
    replyScan(c, 0, out);
    return;
  }
  const ht = h.ht!;
  const next = scanSlots(ht.size, cursor, o.count, (i) => {
    const f = ht.keys[i];
    if (m === null || m(f)) out.push(f, ht.vals[i]);
  });
  replyScan(c, next, out);
}

export const commands: CommandDef[] = [
  { name: 'hset', handler: hset },
  { name: 'hmset', handler: hset },
  { name: 'hsetnx', handler: hsetnx },
  {
    name: 'hget',
    handler: (c, a) => {
      const h = readHash(c, a[1]);
      c.bulkOrNull(h?.get(a[2]));
    },
  },
  {
    name: 'hmget',
    handler: (c, a) => {
      const h = readHash(c, a[1]);
      const out: (string | undefined)[] = [];
      for (let i = 2; i < a.length; i++) out.push(h?.get(a[i]));
      c.bulksOrNull(out);
    },
  },
  { name: 'hdel', handler: hdel },
  { name: 'hlen', handler: (c, a) => c.int(readHash(c, a[1])?.size ?? 0) },
  { name: 'hstrlen', handler: (c, a) => c.int(readHash(c, a[1])?.get(a[2])?.length ?? 0) },
  { name: 'hexists', handler: (c, a) => c.int(readHash(c, a[1])?.has(a[2]) ? 1 : 0) },
  { name: 'hkeys', handler: (c, a) => getall(c, a[1], true, false) },
  { name: 'hvals', handler: (c, a) => getall(c, a[1], false, true) },
  { name: 'hgetall', handler: (c, a) => getall(c, a[1], true, true) },
  { name: 'hincrby', handler: hincrby },
  { name: 'hincrbyfloat', handler: hincrbyfloat },
  { name: 'hrandfield', handler: hrandfield },
  { name: 'hscan', handler: hscan },
];
