// Why: stream IDs (<ms>-<seq>, two uint64) exactly as Redis 7.0 parses, orders, increments and
// prints them. A part is a JS number while it is <= 2^53-1 (the common path: no allocation,
// unboxed doubles in arrays) and a BigInt above that, always in that canonical form, so `===`,
// `<` and `>` (which compare number/BigInt mixes exactly) need no helpers and IDs up to
// 18446744073709551615-18446744073709551615 stay exact.
import { fail } from '../server/errors.js';

/** An unsigned 64-bit integer: a number when <= Number.MAX_SAFE_INTEGER, otherwise a bigint. */
export type U64 = number | bigint;

export const U64_MAX = 18446744073709551615n;
const TWO64 = 18446744073709551616n;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export const ERR_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

/** Canonical form of a bigint value (a number when it fits). */
export function canon(v: bigint): U64 {
  return v <= 9007199254740991n ? Number(v) : v;
}

/** A signed int64 counter in canonical form (number when exact). */
export function canonSigned(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

export function big(v: U64): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** v + 1 (caller guarantees v < U64_MAX). */
export function inc(v: U64): U64 {
  return typeof v === 'number' ? (v < MAX_SAFE ? v + 1 : BigInt(v) + 1n) : v + 1n;
}

/** v - 1 (caller guarantees v > 0). */
export function dec(v: U64): U64 {
  return typeof v === 'number' ? v - 1 : canon(v - 1n);
}

/**
 * a < b for canonical U64s. A number/BigInt mix is decided by type alone (every BigInt is above
 * every number), which avoids V8's slow mixed comparison on the hot path (ranges ending at "+").
 */
export function ltU(a: U64, b: U64): boolean {
  const na = typeof a === 'number';
  return na === (typeof b === 'number') ? a < b : na;
}

export function cmpId(aMs: U64, aSeq: U64, bMs: U64, bSeq: U64): number {
  if (aMs !== bMs) return ltU(aMs, bMs) ? -1 : 1;
  if (aSeq !== bSeq) return ltU(aSeq, bSeq) ? -1 : 1;
  return 0;
}

/** First index of parallel ID arrays (sorted) whose ID is >= (ms, seq). */
export function lowerBoundId(msArr: readonly U64[], seqArr: readonly U64[], ms: U64, seq: U64): number {
  let lo = 0;
  let hi = msArr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmpId(msArr[mid], seqArr[mid], ms, seq) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

let lastBig = -1;
let lastBigStr = '';

/**
 * Decimal form of a U64. Numbers above 2^31 are printed as two small-integer halves: V8's
 * double-to-string is ~10x slower, and millisecond timestamps are exactly such numbers.
 */
export function u64Str(x: U64): string {
  if (typeof x !== 'number') return x.toString();
  if (x <= 2147483647) return '' + x;
  // Auto IDs of one millisecond share their ms part: the last one printed is kept.
  if (x === lastBig) return lastBigStr;
  let hi = Math.floor(x / 1e9);
  let lo = x - hi * 1e9;
  if (lo < 0) {
    hi--;
    lo += 1e9;
  } else if (lo >= 1e9) {
    hi++;
    lo -= 1e9;
  }
  const l = '' + lo;
  lastBig = x;
  return (lastBigStr = hi + '000000000'.slice(l.length) + l);
}

export function fmtId(ms: U64, seq: U64): string {
  return u64Str(ms) + '-' + (typeof seq === 'number' && seq <= 2147483647 ? '' + seq : u64Str(seq));
}

/** A parsed ID. */
export interface SID {
  ms: U64;
  seq: U64;
}

export const ID_ZERO: SID = { ms: 0, seq: 0 };
export const ID_MAX: SID = { ms: U64_MAX, seq: U64_MAX };

export function isZero(id: SID): boolean {
  return id.ms === 0 && id.seq === 0;
}

/** streamIncrID: the successor, or null when id is the maximum (Redis wraps to 0-0 and errors). */
export function succ(id: SID): SID | null {
  if (id.seq === U64_MAX) {
    if (id.ms === U64_MAX) return null;
    return { ms: inc(id.ms), seq: 0 };
  }
  return { ms: id.ms, seq: inc(id.seq) };
}

/** streamDecrID: the predecessor, or null when id is 0-0. */
export function pred(id: SID): SID | null {
  if (id.seq === 0) {
    if (id.ms === 0) return null;
    return { ms: dec(id.ms), seq: U64_MAX };
  }
  return { ms: id.ms, seq: dec(id.seq) };
}

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

/**
 * string2ull (util.c): string2ll when it succeeds (negative -> invalid), otherwise strtoull rules:
 * leading whitespace, an optional sign (a '-' negates modulo 2^64), decimal digits to the end,
 * ERANGE above 2^64-1. The string is C-terminated (stops at a NUL byte).
 */
export function parseU64(s: string): U64 | null {
  const n = s.length;
  // Fast path: at most 15 plain digits (exact as a double; leading zeros are strtoull's, e.g.
  // redis-benchmark's __rand_int__ "000000123456").
  if (n > 0 && n <= 15) {
    let ok = true;
    for (let i = 0; i < n; i++) {
      const ch = s.charCodeAt(i);
      if (ch < 48 || ch > 57) {
        ok = false;
        break;
      }
    }
    if (ok) return Number(s);
  }
  let end = s.indexOf('\0');
  if (end < 0) end = n;
  let i = 0;
  while (i < end && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (i < end && (s[i] === '+' || s[i] === '-')) {
    neg = s[i] === '-';
    i++;
  }
  const start = i;
  while (i < end && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === start || i !== end) return null;
  let v = BigInt(s.slice(start, end));
  if (v > U64_MAX) return null;
  if (neg) {
    // string2ll accepts canonical negative numbers first: those are out of range.
    if (v !== 0n && v <= 9223372036854775808n && s.slice(0, end) === '-' + v.toString()) return null;
    v = (TWO64 - v) % TWO64;
  }
  return canon(v);
}

/**
 * streamGenericParseIDOrReply. `strict` rejects "-" and "+"; `seqStar` accepts "<ms>-*" (XADD):
 * the result's seqGiven is false then. Throws the Redis error on invalid input.
 */
export function parseId(arg: string, missingSeq: U64, strict: boolean, seqStar = false): SID & { seqGiven: boolean } {
  if (arg.length > 127) fail(ERR_INVALID_ID);
  let buf = arg;
  const nul = buf.indexOf('\0');
  if (nul >= 0) buf = buf.slice(0, nul);
  if (buf === '-' || buf === '+') {
    if (strict) fail(ERR_INVALID_ID);
    return buf === '-' ? { ms: 0, seq: 0, seqGiven: true } : { ms: U64_MAX, seq: U64_MAX, seqGiven: true };
  }
  const dash = buf.indexOf('-');
  const ms = parseU64(dash < 0 ? buf : buf.slice(0, dash));
  if (ms === null) fail(ERR_INVALID_ID);
  if (dash < 0) return { ms, seq: missingSeq, seqGiven: true };
  const rest = buf.slice(dash + 1);
  if (seqStar && rest === '*') return { ms, seq: 0, seqGiven: false };
  const seq = parseU64(rest);
  if (seq === null) fail(ERR_INVALID_ID);
  return { ms, seq, seqGiven: true };
}

/** A strict ID ("-"/"+" rejected), missing sequence 0. */
export function parseStrictId(arg: string): SID {
  return parseId(arg, 0, true);
}

/**
 * streamParseIntervalIDOrReply + the exclusive-range adjustment of XRANGE/XPENDING/XAUTOCLAIM:
 * "(" makes the bound exclusive (strict parse), then start is incremented / end decremented.
 */
export function parseRangeStart(arg: string): SID {
  if (arg.length > 1 && arg[0] === '(') {
    const id = succ(parseId(arg.slice(1), 0, true));
    if (id === null) fail('ERR invalid start ID for the interval');
    return id;
  }
  return parseId(arg, 0, false);
}

export function parseRangeEnd(arg: string): SID {
  if (arg.length > 1 && arg[0] === '(') {
    const id = pred(parseId(arg.slice(1), U64_MAX, true));
    if (id === null) fail('ERR invalid end ID for the interval');
    return id;
  }
  return parseId(arg, U64_MAX, false);
}

/** (a - b) mod 2^64 read as an int64: the listpack delta of two ID parts. */
export function delta64(a: U64, b: U64): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  let d = (big(a) - big(b) + TWO64) % TWO64;
  if (d >= 9223372036854775808n) d -= TWO64;
  return d;
}

/** x + y for counters that may exceed 2^53 (entries-added, entries-read). */
export function addCounter(x: U64, y: number): U64 {
  if (typeof x === 'number') {
    const r = x + y;
    return Number.isSafeInteger(r) ? r : BigInt(x) + BigInt(y);
  }
  return canon(x + BigInt(y));
}

/** x - y as a signed 64-bit result (lag = entries_added - entries_read). */
export function subCounter(x: U64, y: U64): number | bigint {
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return canonSigned(big(x) - big(y));
}

/** A uint64 printed through addReplyLongLong (values above 2^63-1 wrap negative). */
export function asInt64(v: number | bigint): number | bigint {
  if (typeof v === 'number') return v;
  if (v > 9223372036854775807n) return canonSigned(v - TWO64);
  if (v < -9223372036854775808n) return canonSigned(v + TWO64);
  return v;
}
