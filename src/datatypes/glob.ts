// Why: Redis's glob matcher (util.c stringmatchlen) ported line by line, so KEYS, SCAN MATCH,
// PSUBSCRIBE and CONFIG GET patterns match exactly the same strings as in Redis, including
// escapes, [^...] classes, reversed ranges and the recursion limit for pathological patterns.

function matchImpl(p: string, pi: number, s: string, si: number, nocase: boolean, skipLongerMatches: { v: boolean }, nesting: number): boolean {
  // Protection against abusive patterns (Redis: nesting > 1000 => no match).
  if (nesting > 1000) return false;
  const plen = p.length;
  const slen = s.length;
  const lower = (c: string) => (nocase ? c.toLowerCase() : c);
  while (pi < plen && si < slen) {
    const pc = p[pi];
    switch (pc) {
      case '*': {
        while (pi + 1 < plen && p[pi + 1] === '*') pi++;
        if (pi + 1 === plen) return true; // match everything
        while (si < slen) {
          if (matchImpl(p, pi + 1, s, si, nocase, skipLongerMatches, nesting + 1)) return true;
          if (skipLongerMatches.v) return false;
          si++;
        }
        skipLongerMatches.v = true;
        return false;
      }
      case '?':
        si++;
        break;
      case '[': {
        pi++;
        const not = p[pi] === '^';
        if (not) pi++;
        let match = false;
        for (;;) {
          if (pi < plen && p[pi] === '\\' && pi + 1 < plen) {
            pi++;
            if (p[pi] === s[si]) match = true;
          } else if (pi >= plen || p[pi] === ']') {
            break;
          } else if (pi + 2 < plen && p[pi + 1] === '-') {
            let start = p.charCodeAt(pi);
            let end = p.charCodeAt(pi + 2);
            let c = s.charCodeAt(si);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(String.fromCharCode(start)).charCodeAt(0);
              end = lower(String.fromCharCode(end)).charCodeAt(0);
              c = lower(String.fromCharCode(c)).charCodeAt(0);
            }
            pi += 2;
            if (c >= start && c <= end) match = true;
          } else {
            if (nocase ? lower(p[pi]) === lower(s[si]) : p[pi] === s[si]) match = true;
          }
          pi++;
        }
        // In Redis, an unterminated '[' treats the end of pattern as ']' (pattern pointer backs up).
        if (pi >= plen) pi = plen - 1;
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      case '\\':
        if (pi + 1 < plen) pi++;
      // fall through: literal compare
      default: {
        const a = p[pi];
        const b = s[si];
        if (nocase ? lower(a) !== lower(b) : a !== b) return false;
        si++;
        break;
      }
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p[pi] === '*') pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}

export function stringMatch(pattern: string, s: string, nocase: boolean): boolean {
  return matchImpl(pattern, 0, s, 0, nocase, { v: false }, 0);
}
