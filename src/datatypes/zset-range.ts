// Why: the ranges of sorted-set commands (zrangespec / zlexrangespec in t_zset.c): score and lex
// intervals and the predicates the ordered index and the listpack algorithms test keys against.

/** A score interval: ( or [ on each side. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** A lexicographic interval. kind -1 is "-" (below everything), 1 is "+" (above everything). */
export interface LexRange {
  min: string;
  max: string;
  minKind: number;
  maxKind: number;
  minex: boolean;
  maxex: boolean;
}

export function valueGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}
export function valueLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** sdscmplex(value, bound) for a real value against a range bound. */
function cmpBound(v: string, bound: string, kind: number): number {
  if (kind !== 0) return -kind;
  return v < bound ? -1 : v > bound ? 1 : 0;
}
export function lexGteMin(v: string, r: LexRange): boolean {
  const c = cmpBound(v, r.min, r.minKind);
  return r.minex ? c > 0 : c >= 0;
}
export function lexLteMax(v: string, r: LexRange): boolean {
  const c = cmpBound(v, r.max, r.maxKind);
  return r.maxex ? c < 0 : c <= 0;
}

/** Is the interval empty by construction (min > max, or equal with an open side)? */
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}
export function lexRangeEmpty(r: LexRange): boolean {
  let c: number;
  if (r.minKind !== 0 && r.minKind === r.maxKind) c = 0;
  else if (r.minKind === -1 || r.maxKind === 1) c = -1;
  else if (r.minKind === 1 || r.maxKind === -1) c = 1;
  else c = r.min < r.max ? -1 : r.min > r.max ? 1 : 0;
  return c > 0 || (c === 0 && (r.minex || r.maxex));
}

/**
 * A range as predicates on (score, member) keys: at or above its min, at or below its max, empty by
 * construction. Predicates, not nodes, so the tree can test its separator keys too.
 */
export interface Bounds {
  empty: boolean;
  gte: (score: number, member: string) => boolean;
  lte: (score: number, member: string) => boolean;
}

export function scoreBounds(r: ScoreRange): Bounds {
  return { empty: scoreRangeEmpty(r), gte: (s) => valueGteMin(s, r), lte: (s) => valueLteMax(s, r) };
}

export function lexBounds(r: LexRange): Bounds {
  return { empty: lexRangeEmpty(r), gte: (_s, m) => lexGteMin(m, r), lte: (_s, m) => lexLteMax(m, r) };
}

