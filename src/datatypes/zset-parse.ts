// Why: sorted-set argument parsing with Redis's exact acceptance rules. Scores go through C's strtod
// (leading blanks, hex floats, inf/nan spellings, ERANGE), which zslParseRange accepts more loosely
// than getDoubleFromObject does, and lex ranges use the "[x" / "(x" / "-" / "+" item syntax.
import { fail } from '../server/errors.js';
import type { LexRange, ScoreRange } from './zset-range.js';

/** Result of the last strtod() call (module scratch, no allocation per parse). */
let sEnd = 0;
let sRange = false;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function hexValue(s: string, from: number, to: number, exp: number): number {
  // Mantissa digits as a BigInt (exact), then one rounding when scaling by 2^exp.
  let m = 0n;
  let frac = 0;
  let seenDot = false;
  for (let i = from; i < to; i++) {
    const ch = s[i];
    if (ch === '.') {
      seenDot = true;
      continue;
    }
    m = m * 16n + BigInt(parseInt(ch, 16));
    if (seenDot) frac++;
  }
  const e2 = exp - 4 * frac;
  if (m === 0n) return 0;
  let v = Number(m);
  if (e2 >= 0) return v * 2 ** e2;
  // Divide in steps so 2**-e2 does not underflow to 0 before the product.
  let e = -e2;
  while (e > 0) {
    const step = Math.min(e, 1000);
    v /= 2 ** step;
    e -= step;
  }
  return v;
}

/**
 * C strtod(s + from): returns the value; sets sEnd (index after the number, or `from` if nothing
 * was converted) and sRange (errno == ERANGE: overflow, or underflow to zero).
 */
export function strtod(s: string, from = 0): number {
  sRange = false;
  const n = s.length;
  let i = from;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const c0 = s.charCodeAt(i);
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i++;
  }
  const lc = s.charCodeAt(i) | 0x20;
  const word = lc === 105 || lc === 110 ? s.slice(i, i + 8).toLowerCase() : ''; // 'i' / 'n'
  if (word.startsWith('inf')) {
    sEnd = i + (word === 'infinity' ? 8 : 3);
    return neg ? -Infinity : Infinity;
  }
  if (word.startsWith('nan')) {
    let j = i + 3;
    if (s[j] === '(') {
      let k = j + 1;
      while (k < n && /[0-9A-Za-z_]/.test(s[k])) k++;
      if (s[k] === ')') j = k + 1;
    }
    sEnd = j;
    return NaN;
  }
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    let j = i + 2;
    let digits = 0;
    let nonzero = false;
    while (j < n && isHex(s.charCodeAt(j))) {
      if (s[j] !== '0') nonzero = true;
      j++;
      digits++;
    }
    if (s[j] === '.') {
      j++;
      while (j < n && isHex(s.charCodeAt(j))) {
        if (s[j] !== '0') nonzero = true;
        j++;
        digits++;
      }
    }
    if (digits > 0) {
      const mantEnd = j;
      let exp = 0;
      if ((s[j] === 'p' || s[j] === 'P') && j + 1 < n) {
        let k = j + 1;
        let eneg = false;
        if (s[k] === '+' || s[k] === '-') {
          eneg = s[k] === '-';
          k++;
        }
        if (k < n && isDigit(s.charCodeAt(k))) {
          let e = 0;
          while (k < n && isDigit(s.charCodeAt(k))) {
            if (e < 100000) e = e * 10 + (s.charCodeAt(k) - 48);
            k++;
          }
          exp = eneg ? -e : e;
          j = k;
        }
      }
      sEnd = j;
      let v = hexValue(s, i + 2, mantEnd, exp);
      if (!Number.isFinite(v) || (v === 0 && nonzero)) sRange = true;
      if (neg) v = -v;
      return v;
    }
    // "0x" with no hex digit: only the "0" converts.
    sEnd = i + 1;
    return neg ? -0 : 0;
  }
  const start = i;
  let digits = 0;
  let nonzero = false;
  while (i < n && isDigit(s.charCodeAt(i))) {
    if (s[i] !== '0') nonzero = true;
    i++;
    digits++;
  }
  if (s[i] === '.') {
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) {
      if (s[i] !== '0') nonzero = true;
      i++;
      digits++;
    }
  }
  if (digits === 0) {
    sEnd = from;
    return 0;
  }
  if ((s[i] === 'e' || s[i] === 'E') && i + 1 < n) {
    let k = i + 1;
    if (s[k] === '+' || s[k] === '-') k++;
    if (k < n && isDigit(s.charCodeAt(k))) {
      while (k < n && isDigit(s.charCodeAt(k))) k++;
      i = k;
    }
  }
  sEnd = i;
  let v = Number(s.slice(start, i));
  if (!Number.isFinite(v) || (v === 0 && nonzero)) sRange = true;
  if (neg) v = -v;
  return v;
}

/**
 * The common case of a score: an optional '-' and at most 15 decimal digits (exact in a double, so
 * the same value strtod gives), from index `from` to the end. NaN when s is anything else.
 */
function plainInteger(s: string, from: number): number {
  const n = s.length;
  let i = from;
  const neg = s.charCodeAt(i) === 45;
  if (neg) i++;
  if (i >= n || n - i > 15) return NaN;
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** getDoubleFromObject: the whole string, no leading blank, no ERANGE overflow/underflow, no NaN. */
export function parseScore(s: string): number | null {
  if (s.length === 0 || isSpace(s.charCodeAt(0))) return null;
  const fast = plainInteger(s, 0);
  if (fast === fast) return fast;
  const v = strtod(s);
  if (sEnd !== s.length || Number.isNaN(v)) return null;
  if (sRange && (v === Infinity || v === -Infinity || v === 0)) return null;
  return v;
}

export function getScore(s: string, err = 'ERR value is not a valid float'): number {
  const v = parseScore(s);
  if (v === null) fail(err);
  return v;
}

/** One side of zslParseRange: "(" marks exclusive; strtod must consume the rest; NaN (refused) if not. */
function rangeItem(s: string, from: number): number {
  const fast = plainInteger(s, from);
  if (fast === fast) return fast;
  const v = strtod(s, from);
  return sEnd === s.length ? v : NaN;
}

/** zslParseRange, or the "min or max is not a float" error. */
export function parseScoreRange(min: string, max: string): ScoreRange {
  const minex = min.charCodeAt(0) === 40; // '('
  const maxex = max.charCodeAt(0) === 40;
  const a = rangeItem(min, minex ? 1 : 0);
  const b = a === a ? rangeItem(max, maxex ? 1 : 0) : NaN;
  if (a !== a || b !== b) fail('ERR min or max is not a float');
  return { min: a, minex, max: b, maxex };
}

/** zslParseLexRange, or the "min or max not valid string range item" error. */
export function parseLexRange(min: string, max: string): LexRange {
  const r: LexRange = { min: '', max: '', minKind: 0, maxKind: 0, minex: false, maxex: false };
  for (let side = 0; side < 2; side++) {
    const s = side === 0 ? min : max;
    let kind = 0;
    let ex = false;
    let str = '';
    const c = s[0];
    if (c === '+' && s.length === 1) {
      kind = 1;
      ex = true;
    } else if (c === '-' && s.length === 1) {
      kind = -1;
      ex = true;
    } else if (c === '(') {
      ex = true;
      str = s.slice(1);
    } else if (c === '[') {
      str = s.slice(1);
    } else {
      fail('ERR min or max not valid string range item');
    }
    if (side === 0) {
      r.min = str;
      r.minKind = kind;
      r.minex = ex;
    } else {
      r.max = str;
      r.maxKind = kind;
      r.maxex = ex;
    }
  }
  return r;
}

/** C atoi(): leading blanks, sign, digits up to the first non-digit; 0 if none. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  const v = Number(m[1]);
  // int overflow is undefined in C; clamp to something that fails every sanity check.
  return Math.abs(v) > 2147483647 ? (v < 0 ? -1 : 2147483647) : v;
}
