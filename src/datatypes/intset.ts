// Why: Redis's intset semantics on canonical decimal strings: which members an intset can hold
// (string2ll-exact int64s) and their numeric order, computed on the strings themselves so int64
// values beyond 2^53 stay exact without BigInt.

/** isSdsRepresentableAsLongLong: "0" or -?[1-9][0-9]* within the int64 range. */
export function isInt64(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return false;
    i = 1;
  }
  const f = s.charCodeAt(i);
  if (f === 48) return n === 1;
  if (f < 49 || f > 57) return false;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  const digits = n - i;
  if (digits < 19) return true;
  if (digits > 19) return false;
  return i === 0 ? s <= '9223372036854775807' : s <= '-9223372036854775808';
}

/** Numeric comparison of two canonical int64 strings. */
export function cmpInt(a: string, b: string): number {
  if (a === b) return 0;
  const an = a.charCodeAt(0) === 45;
  const bn = b.charCodeAt(0) === 45;
  if (an !== bn) return an ? -1 : 1;
  if (a.length !== b.length) return a.length < b.length !== an ? -1 : 1;
  return a < b !== an ? -1 : 1;
}

/** Binary search in a sorted intset: the index of s, or -(insertion point) - 1. */
export function intsetSearch(arr: readonly string[], s: string): number {
  let lo = 0;
  let hi = arr.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmpInt(arr[mid], s);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}
