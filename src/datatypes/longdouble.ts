// Why: INCRBYFLOAT / HINCRBYFLOAT compute in the x87 80-bit `long double` (64-bit mantissa) and
// print with "%.17Lf"; doubles give different digits (10.5 + 0.1 must print "10.6"). This is an
// exact emulation with BigInt: glibc strtold (correctly rounded, hex floats, inf), IEEE addition
// rounded half-to-even to 64 bits with subnormals, and the exact decimal expansion printf uses.

/** A finite long double is (-1)^neg * m * 2^e with m < 2^64 (m = 0 for zero); or an infinity. */
export interface LongDouble {
  neg: boolean;
  m: bigint;
  e: number;
  inf: boolean;
}

const MANT_BITS = 64;
/** exponent of the least significant mantissa bit of the smallest subnormal */
const MIN_LSB = -16445;
/** values >= 2^16384 overflow */
const MAX_EXP_EXCL = 16384;
/** string2ld refuses strings of MAX_LONG_DOUBLE_CHARS (5*1024) bytes or more */
const MAX_LD_CHARS = 5 * 1024;

const ZERO = 0n;
const ONE = 1n;
const TWO64 = 1n << 64n;

/** 5^k and its bit length, cached for the exponents ordinary decimals use. */
const POW5: bigint[] = [];
const POW5_BITS: number[] = [];
function pow5(k: number): [bigint, number] {
  if (k < 400) {
    let p = POW5[k];
    if (p === undefined) {
      p = POW5[k] = 5n ** BigInt(k);
      POW5_BITS[k] = bitLength(p);
    }
    return [p, POW5_BITS[k]];
  }
  const p = 5n ** BigInt(k);
  return [p, bitLength(p)];
}

export function bitLength(m: bigint): number {
  if (m === ZERO) return 0;
  const n = Number(m);
  if (n < 4294967296) return 32 - Math.clz32(n);
  if (n < 1e300) {
    // log2 of the rounded value is within one of the answer: fix it up exactly.
    let b = Math.floor(Math.log2(n)) + 1;
    if (m >> BigInt(b - 1) === ZERO) b--;
    else if (m >> BigInt(b) !== ZERO) b++;
    return b;
  }
  const s = m.toString(16);
  return (s.length - 1) * 4 + (32 - Math.clz32(parseInt(s[0], 16)));
}

const INF: LongDouble = { neg: false, m: ZERO, e: 0, inf: true };

/**
 * Round the exact value (-1)^neg * m * 2^e to long double precision (half to even), with a
 * sticky flag meaning "plus something positive smaller than one unit of m". Overflow -> infinity.
 */
export function roundLD(neg: boolean, m: bigint, e: number, sticky = false): LongDouble {
  if (sticky) {
    m = (m << ONE) | ONE;
    e -= 1;
  }
  if (m === ZERO) return { neg, m, e: 0, inf: false };
  const len = bitLength(m);
  const lsb = Math.max(e + len - MANT_BITS, MIN_LSB);
  if (lsb > e) {
    const shift = lsb - e;
    let q: bigint;
    if (shift > len + 1) {
      q = ZERO; // far below half of the smallest unit
    } else {
      const sh = BigInt(shift);
      q = m >> sh;
      const rem = m & ((ONE << sh) - ONE);
      const half = ONE << (sh - ONE);
      if (rem > half || (rem === half && (q & ONE) === ONE)) q += ONE;
    }
    m = q;
    e = lsb;
    if (m >= TWO64) {
      m >>= ONE;
      e += 1;
    }
  }
  if (e > MAX_EXP_EXCL - 2 * MANT_BITS && m !== ZERO && e + bitLength(m) > MAX_EXP_EXCL) return { ...INF, neg };
  return { neg, m, e: m === ZERO ? 0 : e, inf: false };
}

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

function isDigit(ch: number): boolean {
  return ch >= 48 && ch <= 57;
}

function hexVal(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48;
  if (ch >= 97 && ch <= 102) return ch - 87;
  if (ch >= 65 && ch <= 70) return ch - 55;
  return -1;
}

/** Parse an optional [eEpP][+-]digits exponent at i; returns [value, end] or null if absent/invalid. */
function parseExp(s: string, i: number): [number, number] | null {
  let j = i + 1;
  let neg = false;
  if (j < s.length && (s.charCodeAt(j) === 43 || s.charCodeAt(j) === 45)) {
    neg = s.charCodeAt(j) === 45;
    j++;
  }
  if (j >= s.length || !isDigit(s.charCodeAt(j))) return null;
  let v = 0;
  for (; j < s.length && isDigit(s.charCodeAt(j)); j++) if (v < 1e9) v = v * 10 + (s.charCodeAt(j) - 48);
  return [neg ? -v : v, j];
}

/**
 * Redis's string2ld(): strtold over the whole string, no leading space, NaN refused, and
 * overflow / underflow-to-zero (ERANGE) refused. Returns null when Redis says "not a valid float".
 */
export function parseLongDouble(s: string): LongDouble | null {
  const n = s.length;
  if (n === 0 || n >= MAX_LD_CHARS) return null;
  if (isSpace(s.charCodeAt(0))) return null;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i = 1;
  }
  // inf / infinity (nan is refused by Redis anyway)
  const ci = s.charCodeAt(i) | 32;
  if (ci === 105) {
    const rest = s.slice(i).toLowerCase();
    return rest === 'inf' || rest === 'infinity' ? { neg, m: ZERO, e: 0, inf: true } : null;
  }
  if (i + 1 < n && s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120) {
    const r = parseHex(s, i + 2, neg);
    if (r !== undefined) return r;
    return null; // "0x" without hex digits: strtold stops after "0"
  }
  // decimal: digits [. digits] [e exp]
  let j = i;
  while (j < n && isDigit(s.charCodeAt(j))) j++;
  const intEnd = j;
  let fracStart = j;
  if (j < n && s.charCodeAt(j) === 46) {
    fracStart = ++j;
    while (j < n && isDigit(s.charCodeAt(j))) j++;
  }
  const fracDigits = j - fracStart;
  if (intEnd === i && fracDigits === 0) return null;
  let exp = 0;
  if (j < n && (s.charCodeAt(j) | 32) === 101) {
    const pe = parseExp(s, j);
    if (!pe) return null;
    [exp, j] = pe;
  }
  if (j !== n) return null;
  const digits = fracDigits === 0 ? s.slice(i, intEnd) : s.slice(i, intEnd) + s.slice(fracStart, fracStart + fracDigits);
  return decimalToLD(neg, digits, exp - fracDigits);
}

/** value = digits * 10^exp10, correctly rounded; null on overflow or underflow to zero. */
function decimalToLD(neg: boolean, digits: string, exp10: number): LongDouble | null {
  let k = 0;
  while (k < digits.length && digits.charCodeAt(k) === 48) k++;
  if (k === digits.length) return { neg, m: ZERO, e: 0, inf: false }; // an exact zero is fine
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48) {
    end--;
    exp10++;
  }
  const sig = digits.slice(k, end);
  const nd = sig.length;
  // 10^(nd-1+exp10) <= |v| < 10^(nd+exp10); max long double ~1.19e4932, min subnormal ~3.6e-4951
  if (nd - 1 + exp10 > 4933) return null;
  if (nd + exp10 < -4952) return null;
  const N = BigInt(sig);
  let r: LongDouble;
  if (exp10 >= 0) {
    r = roundLD(neg, N * pow5(exp10)[0], exp10); // N * 10^x = N * 5^x * 2^x
  } else {
    // N / 10^-exp10 = N / (5^k * 2^k): divide by 5^k with enough quotient bits, track the rest.
    const kk = -exp10;
    const [D, dbits] = pow5(kk);
    let s = MANT_BITS + 3 - (bitLength(N) - dbits);
    if (s < 0) s = 0;
    const num = N << BigInt(s);
    const q = num / D;
    const rem = num - q * D;
    r = roundLD(neg, q, -s - kk, rem !== ZERO);
  }
  if (r.inf) return null;
  if (r.m === ZERO) return null; // underflow to zero: ERANGE
  return r;
}

function parseHex(s: string, i: number, neg: boolean): LongDouble | null | undefined {
  const n = s.length;
  let mant = '';
  let fracDigits = 0;
  let saw = false;
  let j = i;
  for (; j < n && hexVal(s.charCodeAt(j)) >= 0; j++) {
    mant += s[j];
    saw = true;
  }
  if (j < n && s.charCodeAt(j) === 46) {
    j++;
    for (; j < n && hexVal(s.charCodeAt(j)) >= 0; j++) {
      mant += s[j];
      fracDigits++;
      saw = true;
    }
  }
  if (!saw) return undefined;
  let exp = 0;
  if (j < n && (s.charCodeAt(j) | 32) === 112) {
    const pe = parseExp(s, j);
    if (!pe) return null;
    [exp, j] = pe;
  }
  if (j !== n) return null;
  const M = BigInt('0x' + mant);
  if (M === ZERO) return { neg, m: ZERO, e: 0, inf: false };
  const e2 = exp - 4 * fracDigits;
  const top = e2 + bitLength(M);
  if (top > MAX_EXP_EXCL + 1) return null;
  if (top < MIN_LSB - 2) return null;
  const r = roundLD(neg, M, e2);
  if (r.inf || r.m === ZERO) return null;
  return r;
}

/** long double addition; the result may be infinite, or NaN (returned as null). */
export function addLD(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return null;
    return a.inf ? a : b;
  }
  if (a.m === ZERO && b.m === ZERO) return { neg: a.neg && b.neg, m: ZERO, e: 0, inf: false };
  if (a.m === ZERO) return b;
  if (b.m === ZERO) return a;
  const e = Math.min(a.e, b.e);
  const am = a.m << BigInt(a.e - e);
  const bm = b.m << BigInt(b.e - e);
  const sum = (a.neg ? -am : am) + (b.neg ? -bm : bm);
  if (sum === ZERO) return { neg: false, m: ZERO, e: 0, inf: false }; // x + -x = +0 (round to nearest)
  return sum < ZERO ? roundLD(true, -sum, e) : roundLD(false, sum, e);
}

const TEN17 = 10n ** 17n;

/**
 * ld2string(LD_STR_HUMAN): printf("%.17Lf") (exact expansion, half-to-even), then trailing
 * zeros and a trailing '.' removed, "-0" turned into "0". The value must be finite.
 */
export function formatLDHuman(v: LongDouble): string {
  let body: string;
  if (v.m === ZERO) {
    body = '0';
  } else if (v.e >= 0) {
    body = (v.m << BigInt(v.e)).toString();
  } else {
    const k = BigInt(-v.e);
    const num = v.m * TEN17;
    let q = num >> k;
    const rem = num & ((ONE << k) - ONE);
    const half = ONE << (k - ONE);
    if (rem > half || (rem === half && (q & ONE) === ONE)) q += ONE;
    const ip = q / TEN17;
    let frac = (q % TEN17).toString().padStart(17, '0');
    let end = frac.length;
    while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
    frac = frac.slice(0, end);
    body = end === 0 ? ip.toString() : ip.toString() + '.' + frac;
  }
  if (v.neg) {
    if (body === '0') return '0';
    return '-' + body;
  }
  return body;
}

export class LongDoubleError extends Error {}

/**
 * INCRBYFLOAT arithmetic: old (undefined = missing key) + incr, formatted as Redis stores it.
 * Throws LongDoubleError('value') / ('incr') for an unparsable operand and ('nan') when the
 * result is NaN or infinite, so callers can use their own error texts (HINCRBYFLOAT differs).
 */
export function incrByFloat(old: string | undefined, incr: string): string {
  const a = old === undefined ? { neg: false, m: ZERO, e: 0, inf: false } : parseLongDouble(old);
  if (a === null) throw new LongDoubleError('value');
  const b = parseLongDouble(incr);
  if (b === null) throw new LongDoubleError('incr');
  const r = addLD(a, b);
  if (r === null || r.inf) throw new LongDoubleError('nan');
  return formatLDHuman(r);
}
