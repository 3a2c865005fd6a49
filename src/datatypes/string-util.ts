// Why: helpers shared by the string and bit commands (string.ts, bitops.ts): exact int64 argument
// parsing, C-string option matching, string lookups, and the OBJECT ENCODING bookkeeping for
// strings (int / embstr / raw) that Redis derives from how a value was stored.
import type { Client } from '../server/client.js';
import { type Db, WRONGTYPE } from './db.js';
import { ERR_NOT_INT, fail } from '../server/errors.js';
import { parseBigLL } from '../server/args.js';
import { parseLL } from '../resp/request-parser.js';

/** getLongLongFromObjectOrReply, exact: a number when it is a safe integer, otherwise a bigint. */
export function getLLExact(s: string, err = ERR_NOT_INT): number | bigint {
  const v = parseLL(s);
  if (v !== null && Number.isSafeInteger(v)) return v;
  const b = parseBigLL(s);
  if (b === null) fail(err);
  return b;
}

/** a > b for two values from getLLExact (exact even beyond 2^53). */
export function llGreater(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a > b;
  return BigInt(a) > BigInt(b);
}

/** An int64 from getLLExact as a number: exact when safe, else rounded (fine for clamping). */
export function llNum(v: number | bigint): number {
  return typeof v === 'number' ? v : Number(v);
}

/** What C sees of an argument: the bytes before the first NUL (strcasecmp, opt[2] == '\0'...). */
export function cstrLower(s: string): string {
  const z = s.indexOf('\0');
  return (z < 0 ? s : s.slice(0, z)).toLowerCase();
}

/** checkStringLength(): results longer than proto-max-bulk-len are refused. */
export function checkStringLength(c: Client, size: number): void {
  if (size > c.server.config.num('proto-max-bulk-len')) fail('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
}

/** The string value at key for a write, or undefined; WRONGTYPE for other types. */
export function lookupStringWrite(db: Db, key: string): string | undefined {
  const o = db.lookupWrite(key);
  if (o !== undefined && typeof o !== 'string') fail(WRONGTYPE);
  return o;
}

/** The string value at key for a read (hit/miss stats), or undefined; WRONGTYPE for other types. */
export function lookupStringRead(db: Db, key: string): string | undefined {
  const o = db.lookupRead(key);
  if (o !== undefined && typeof o !== 'string') fail(WRONGTYPE);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Encodings for OBJECT ENCODING. Redis picks int / embstr (<= 44 bytes) / raw when a value is
// stored through tryObjectEncoding (SET, MSET, APPEND on a new key...); in-place edits (APPEND,
// SETRANGE, SETBIT, BITFIELD, BITOP) leave a "raw" string, tracked in db.rawKeys. INCRBYFLOAT
// stores its result as embstr/raw even when it reads like an integer: those keys are in rawKeys
// too, and additionally in floatKeys (an entry there only counts while the key is in rawKeys,
// which Db.setKey/removeKey clear on every rewrite).

const floatKeys = new WeakMap<Db, Set<string>>();
const EMBSTR_LIMIT = 44;

/** string2l over the whole value: would tryObjectEncoding make it an int? */
export function isIntCanonical(v: string): boolean {
  if (v.length > 20) return false;
  const n = parseLL(v);
  if (n === null) return false;
  return Number.isSafeInteger(n) || parseBigLL(v) !== null;
}

/** The key's value was rewritten in place: Redis now holds it "raw". */
export function markRaw(db: Db, key: string): void {
  db.rawKeys.add(key);
  const f = floatKeys.get(db);
  if (f !== undefined && f.size !== 0) f.delete(key);
}

/** INCRBYFLOAT stored `value` with createStringObject (never int-encoded). */
export function markFloat(db: Db, key: string, value: string): void {
  if (!isIntCanonical(value)) return; // the length rule already says embstr / raw
  db.rawKeys.add(key);
  let f = floatKeys.get(db);
  if (f === undefined) floatKeys.set(db, (f = new Set()));
  f.add(key);
}

/** OBJECT ENCODING of a string value, as Redis 7.0 would report it. */
export function stringEncoding(db: Db, key: string, value: string): 'int' | 'embstr' | 'raw' {
  const f = floatKeys.get(db);
  if (db.rawKeys.size !== 0 && db.rawKeys.has(key)) {
    if (f !== undefined && f.has(key)) return value.length <= EMBSTR_LIMIT ? 'embstr' : 'raw';
    return 'raw';
  }
  if (f !== undefined && f.size !== 0) f.delete(key); // stale: the key was rewritten since
  if (isIntCanonical(value)) return 'int';
  return value.length <= EMBSTR_LIMIT ? 'embstr' : 'raw';
}

/** RENAME / MOVE / COPY keep Redis's value object: carry the encoding marks to the new key. */
export function copyStringEncoding(srcDb: Db, src: string, dstDb: Db, dst: string): void {
  const fs = floatKeys.get(srcDb);
  let fd = floatKeys.get(dstDb);
  if (srcDb.rawKeys.has(src)) {
    dstDb.rawKeys.add(dst);
    if (fs !== undefined && fs.has(src)) {
      if (fd === undefined) floatKeys.set(dstDb, (fd = new Set()));
      fd.add(dst);
      return;
    }
  } else {
    dstDb.rawKeys.delete(dst);
  }
  if (fd !== undefined) fd.delete(dst);
}
