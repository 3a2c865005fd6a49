// Why: argument parsing with Redis's exact acceptance rules (string2ll, string2ld/strtod) and error
// texts, shared by every command so "value is not an integer or out of range" means the same thing
// everywhere.
import { parseLL } from '../resp/request-parser.js';
import { ERR_NOT_FLOAT, ERR_NOT_INT, fail } from './errors.js';

export const LLONG_MAX = 9223372036854775807n;
export const LLONG_MIN = -9223372036854775808n;

/** string2ll as a BigInt (exact over the whole int64 range), or null. */
export function parseBigLL(s: string): bigint | null {
  if (s.length === 0 || s.length > 20) return null;
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return null;
  const v = BigInt(s);
  if (v > LLONG_MAX || v < LLONG_MIN) return null;
  return v;
}

/** getLongLongFromObject: an int64 as a JS number (exact up to 2^53), or throws ERR_NOT_INT. */
export function getInt(s: string, err = ERR_NOT_INT): number {
  const v = parseLL(s);
  if (v !== null && Number.isSafeInteger(v)) return v;
  const b = parseBigLL(s);
  if (b === null) fail(err);
  return Number(b);
}

/** getLongFromObjectOrReply with a range check ("value is out of range, must be positive"...). */
export function getIntInRange(s: string, min: number, max: number, err?: string): number {
  const v = getInt(s, err);
  if (v < min || v > max) fail(err ?? ERR_NOT_INT);
  return v;
}

/** getPositiveLongFromObjectOrReply */
export function getPositive(s: string, err = 'ERR value is out of range, must be positive'): number {
  const v = getInt(s);
  if (v < 0) fail(err);
  return v;
}

/**
 * strtod-style parsing as Redis's getDoubleFromObject: no leading space, whole string consumed,
 * "inf"/"-inf"/"+inf"/"infinity" accepted, NaN rejected.
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  const l = s.toLowerCase();
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  // strtod accepts decimal and hex floats; Number() is close but accepts '' / spaces / '0b..'.
  if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|0[xX][0-9a-fA-F]+(\.[0-9a-fA-F]*)?([pP][+-]?\d+)?)$/.test(s)) return null;
  let v: number;
  if (/^[+-]?0[xX]/.test(s)) {
    const neg = s[0] === '-';
    const body = s.replace(/^[+-]?0[xX]/, '');
    const m = /^([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(body)!;
    let mant = parseInt(m[1] || '0', 16);
    if (m[2]) for (let i = 0; i < m[2].length; i++) mant += parseInt(m[2][i], 16) / 16 ** (i + 1);
    v = mant * 2 ** Number(m[3] ?? 0);
    if (neg) v = -v;
  } else {
    v = Number(s);
  }
  if (Number.isNaN(v)) return null;
  return v;
}

export function getDouble(s: string, err = ERR_NOT_FLOAT): number {
  const v = parseDouble(s);
  if (v === null) fail(err);
  return v;
}
