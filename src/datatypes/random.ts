// Why: the random picks of SPOP / SRANDMEMBER / HRANDFIELD (and their sorted-set cousins): one
// uniform index, or k distinct indices without building an n-sized auxiliary structure.

/** A uniform integer in [0, n). */
export function randomIndex(n: number): number {
  return Math.floor(Math.random() * n);
}

/**
 * k distinct indices from [0, n) (k <= n), by Floyd's algorithm: O(k) expected, no O(n) array.
 * `ordered` sorts them ascending (Redis samples listpacks in their stored order).
 */
export function sampleDistinct(n: number, k: number, ordered = false): number[] {
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = Math.floor(Math.random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  const out = [...chosen];
  if (ordered) out.sort((a, b) => a - b);
  else {
    // Floyd's set is biased in order (late picks cluster high): shuffle for a random order.
    for (let i = out.length - 1; i > 0; i--) {
      const r = Math.floor(Math.random() * (i + 1));
      const t = out[i];
      out[i] = out[r];
      out[r] = t;
    }
  }
  return out;
}
