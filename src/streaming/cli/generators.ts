// Why: the event kinds `eddy gen` writes (and the benchmark and tests reuse): ad clicks, 100-byte
// sentences over a 10k-word Zipf vocabulary, e-commerce page views and orders — deterministic for
// a given seed so a run can be reproduced.

/** mulberry32: a small seeded PRNG returning [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples ranks 0..n-1 with P(rank k) proportional to 1/(k+1)^s. */
export function zipfSampler(n: number, s: number, rnd: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / Math.pow(k + 1, s);
    cdf[k] = sum;
  }
  return () => {
    const x = rnd() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'de', 'po', 'an', 'el', 'is', 'or', 'um', 'ba', 'ce', 'fi', 'go', 'hu'];

/** `size` distinct pseudo-words (2-4 syllables), the same for a given seed. */
export function vocabulary(size: number, seed = 7): string[] {
  const rnd = seededRandom(seed);
  const seen = new Set<string>();
  const words: string[] = [];
  while (words.length < size) {
    const n = 2 + Math.floor(rnd() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rnd() * SYLLABLES.length)];
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}

export const PROVINCES = ['Guangdong', 'Zhejiang', 'Jiangsu', 'Shandong', 'Henan', 'Sichuan', 'Hubei', 'Hunan', 'Fujian', 'Beijing', 'Shanghai', 'Yunnan'];
export const REGIONS = ['north', 'south', 'east', 'west', 'central'];
export const CATEGORIES = ['books', 'electronics', 'garden', 'toys', 'fashion', 'grocery', 'sports'];

export type EventKind = 'clicks' | 'sentences' | 'orders' | 'views';
export const EVENT_KINDS: readonly EventKind[] = ['clicks', 'sentences', 'orders', 'views'];

/** A generator of field maps of one kind. */
export function eventGenerator(kind: EventKind, seed = 1): () => Record<string, string> {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  switch (kind) {
    case 'clicks': {
      const ad = zipfSampler(100, 1.1, rnd);
      return () => ({ province: pick(PROVINCES), ad: `ad${ad()}`, user: `u${Math.floor(rnd() * 10000)}` });
    }
    case 'sentences': {
      const words = vocabulary(10_000);
      const rank = zipfSampler(words.length, 1.0, rnd);
      return () => ({ line: sentence(words, rank) });
    }
    case 'orders': {
      let seq = 0;
      return () => ({
        order: `o${seed}-${++seq}`,
        user: `u${Math.floor(rnd() * 5000)}`,
        region: pick(REGIONS),
        category: pick(CATEGORIES),
        amount: (1 + Math.floor(rnd() * 20000) / 100).toFixed(2),
      });
    }
    case 'views':
      return () => ({ user: `u${Math.floor(rnd() * 5000)}`, page: `/p/${Math.floor(rnd() * 500)}`, region: pick(REGIONS) });
    default:
      throw new Error(`unknown event kind "${String(kind)}": expected one of ${EVENT_KINDS.join(', ')}`);
  }
}

/** Words until the next one would pass 100 bytes. */
export function sentence(words: readonly string[], rank: () => number): string {
  let s = words[rank()];
  for (;;) {
    const w = words[rank()];
    if (s.length + 1 + w.length > 100) return s;
    s += ' ' + w;
  }
}
