// Why: the byte sizes Redis 7.0's listpack.c gives stream node elements (lpEncodeGetType +
// lpEncodeBacklen), so eddy's emulated macro nodes fill up — and split — at exactly the entries
// where Redis's listpacks reach stream-node-max-bytes. Only sizes are computed, never bytes.

/** Listpack header (total bytes + element count) plus the EOF byte. */
export const LP_EMPTY = 7;

/** Bytes of an integer element (encoding + 1 backlen byte) for an int64 value. */
export function lpIntSize(v: number | bigint): number {
  if (typeof v === 'number') {
    if (v >= 0 && v <= 127) return 2;
    if (v >= -4096 && v <= 4095) return 3;
    if (v >= -32768 && v <= 32767) return 4;
    if (v >= -8388608 && v <= 8388607) return 5;
    if (v >= -2147483648 && v <= 2147483647) return 6;
    return 10;
  }
  return v >= -2147483648n && v <= 2147483647n ? lpIntSize(Number(v)) : 10;
}

function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** lpStringToInt64: the int64 a string is stored as, or null when it is stored as a string. */
export function lpStringInt(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n >= 21) return null;
  const c0 = s.charCodeAt(0);
  if (n === 1) return c0 >= 48 && c0 <= 57 ? c0 - 48 : null;
  let i = c0 === 45 ? 1 : 0;
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return null;
  for (i++; i < n; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 48 || ch > 57) return null;
  }
  if (n <= 16) return Number(s);
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return null;
  return v;
}

/** Bytes of a string element as lpAppend stores it (integer-looking strings become integers). */
export function lpStrSize(s: string): number {
  const n = s.length;
  const c0 = n > 0 ? s.charCodeAt(0) : 0;
  if (n > 0 && n < 21 && (c0 === 45 || (c0 >= 48 && c0 <= 57))) {
    const v = lpStringInt(s);
    if (v !== null) return lpIntSize(v);
  }
  if (n < 64) return n + 2;
  if (n < 4096) return n + 2 + backlenSize(n + 2);
  return n + 5 + backlenSize(n + 5);
}
