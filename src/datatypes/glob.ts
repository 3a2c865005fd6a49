// Why: Redis's glob matcher (util.c stringmatchlen_impl, as shipped in Debian's 7.0.15 with the
// CVE-2022-36021 and CVE-2024-31228 fixes) ported line by line, so KEYS, SCAN MATCH, PSUBSCRIBE
// and CONFIG GET patterns match exactly the same byte strings as in Redis: escapes, [^...] classes,
// reversed ranges, an unterminated '[', C's *signed* char comparisons in ranges (x86-64), glibc's
// C-locale tolower() for nocase, the "skip longer matches" cut and the nesting limit of 1000.
// Patterns and strings are latin1 JS strings (one char = one byte).

/** glibc tolower() in the C locale applied to a (signed) char value. */
function ctolower(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  if (c < -1) return c + 256; // glibc's table maps -128..-2 to 128..254 (and -1 is EOF)
  return c;
}

/** ASCII-only case folding of an unsigned byte (what tolower(a) == tolower(b) amounts to). */
function foldAscii(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** A byte as C's signed char. */
function signed(c: number): number {
  return c >= 128 ? c - 256 : c;
}

/** The pattern char at i, or 0 past the end (C reads the sds NUL terminator there). */
function at(p: string, i: number): number {
  return i < p.length ? p.charCodeAt(i) : 0;
}

const STAR = 42;
const QMARK = 63;
const LBRACKET = 91;
const RBRACKET = 93;
const BACKSLASH = 92;
const CARET = 94;
const DASH = 45;

interface MatchState {
  skipLongerMatches: boolean;
}

function matchImpl(p: string, pi: number, s: string, si: number, nocase: boolean, st: MatchState, nesting: number): boolean {
  // Protection against abusive patterns.
  if (nesting > 1000) return false;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    switch (p.charCodeAt(pi)) {
      case STAR: {
        while (pi < plen && at(p, pi + 1) === STAR) pi++;
        if (plen - pi === 1) return true; // match
        while (si < slen) {
          if (matchImpl(p, pi + 1, s, si, nocase, st, nesting + 1)) return true;
          if (st.skipLongerMatches) return false;
          si++;
        }
        // No match for the rest of the pattern from anywhere in the rest of the string: earlier
        // '*'s need not try longer matches either.
        st.skipLongerMatches = true;
        return false;
      }
      case QMARK:
        si++;
        break;
      case LBRACKET: {
        pi++;
        const not = at(p, pi) === CARET;
        if (not) pi++;
        let match = false;
        const sc = s.charCodeAt(si);
        for (;;) {
          const pc = at(p, pi);
          if (pc === BACKSLASH && plen - pi >= 2) {
            pi++;
            if (p.charCodeAt(pi) === sc) match = true;
          } else if (pc === RBRACKET && pi < plen) {
            break;
          } else if (pi >= plen) {
            pi--; // an unterminated class: the pattern "ends" on its last char
            break;
          } else if (plen - pi >= 3 && p.charCodeAt(pi + 1) === DASH) {
            let start = signed(pc);
            let end = signed(p.charCodeAt(pi + 2));
            let c = signed(sc);
            if (start > end) {
              const t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = ctolower(start);
              end = ctolower(end);
              c = ctolower(c);
            }
            pi += 2;
            if (c >= start && c <= end) match = true;
          } else if (nocase ? foldAscii(pc) === foldAscii(sc) : pc === sc) {
            match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      case BACKSLASH:
        if (plen - pi >= 2) pi++;
      // fall through
      default: {
        const a = p.charCodeAt(pi);
        const b = s.charCodeAt(si);
        if (nocase ? foldAscii(a) !== foldAscii(b) : a !== b) return false;
        si++;
        break;
      }
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === STAR) pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}

/** stringmatchlen(pattern, string, nocase) */
export function stringMatch(pattern: string, s: string, nocase: boolean): boolean {
  return matchImpl(pattern, 0, s, 0, nocase, { skipLongerMatches: false }, 0);
}

/** Does the pattern contain a glob metacharacter (so it is not a plain literal)? */
function hasSpecial(p: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = p.charCodeAt(i);
    if (c === STAR || c === QMARK || c === LBRACKET || c === BACKSLASH) return true;
  }
  return false;
}

/**
 * A case-sensitive matcher for one pattern applied to many strings (KEYS, SCAN MATCH), with fast
 * paths that are exactly equivalent to stringmatchlen for literal and "prefix*" patterns.
 */
export function compileGlob(pattern: string): (s: string) => boolean {
  const n = pattern.length;
  if (!hasSpecial(pattern, 0, n)) return (s) => s === pattern;
  if (n >= 1 && pattern.charCodeAt(n - 1) === STAR) {
    let k = n - 1;
    while (k > 0 && pattern.charCodeAt(k - 1) === STAR) k--;
    if (!hasSpecial(pattern, 0, k)) {
      // "prefix*": a non-empty string starting with prefix (the empty string never matches "*").
      if (k === 0) return (s) => s.length > 0;
      const prefix = pattern.slice(0, k);
      return (s) => s.startsWith(prefix);
    }
  }
  const st: MatchState = { skipLongerMatches: false };
  return (s) => {
    st.skipLongerMatches = false;
    return matchImpl(pattern, 0, s, 0, false, st, 0);
  };
}
