// Why: per-command latency histograms for INFO latencystats and LATENCY HISTOGRAM, laid out like
// the HdrHistogram Redis uses (1 ns .. 1 s, 2 significant digits) so the reported percentiles are
// the same bucket bounds Redis prints. Recording is one clz32 and one array increment.

const SUB_BUCKET_COUNT = 256; // 2 significant digits -> 2*10^2 rounded up to a power of two
const SUB_HALF = 128;
const SUB_HALF_MAG = 7;
const SUB_MASK = SUB_BUCKET_COUNT - 1;
const MAX_VALUE = 1_000_000_000; // Redis: LATENCY_HISTOGRAM_MAX_VALUE (ns)
const BUCKETS = 23; // enough for MAX_VALUE with 256 sub-buckets
const COUNTS = (BUCKETS + 1) * SUB_HALF;

function bucketIndex(v: number): number {
  // 64 - clz64(v | mask) - (SUB_HALF_MAG + 1); values fit in 32 bits (<= 1e9)
  return 32 - Math.clz32(v | SUB_MASK) - (SUB_HALF_MAG + 1);
}

function countsIndex(v: number): number {
  const b = bucketIndex(v);
  const sub = v >>> b;
  return ((b + 1) << SUB_HALF_MAG) + (sub - SUB_HALF);
}

function valueFromIndex(i: number): number {
  let b = (i >> SUB_HALF_MAG) - 1;
  let sub = (i & (SUB_HALF - 1)) + SUB_HALF;
  if (b < 0) {
    sub -= SUB_HALF;
    b = 0;
  }
  return sub * 2 ** b;
}

function highestEquivalent(v: number): number {
  const b = bucketIndex(v);
  const sub = Math.floor(v / 2 ** b);
  return sub * 2 ** b + 2 ** b - 1;
}

function lowestEquivalent(v: number): number {
  const b = bucketIndex(v);
  return Math.floor(v / 2 ** b) * 2 ** b;
}

export class LatencyHistogram {
  private counts = new Uint32Array(COUNTS);
  total = 0;

  /** Record one call that took `usec` microseconds (Redis records ns, clamped to [1, 1e9]). */
  record(usec: number): void {
    let ns = usec * 1000;
    if (ns < 1) ns = 1;
    else if (ns > MAX_VALUE) ns = MAX_VALUE;
    this.counts[countsIndex(ns)]++;
    this.total++;
  }

  /** hdr_value_at_percentile, in ns. */
  valueAtPercentile(p: number): number {
    if (this.total === 0) return 0;
    const target = Math.max(1, Math.floor((Math.min(p, 100) / 100) * this.total + 0.5));
    let acc = 0;
    for (let i = 0; i < COUNTS; i++) {
      acc += this.counts[i];
      if (acc >= target) return highestEquivalent(valueFromIndex(i));
    }
    return 0;
  }

  /**
   * LATENCY HISTOGRAM's histogram_usec as Redis's hdr log iterator reports it: reporting levels
   * 1024 ns, 2048 ns, ...; each level reports the cumulative count up to the first bucket at or
   * above it, labelled with that bucket's highest equivalent value in microseconds.
   */
  cumulativeUsec(): [number, number][] {
    const out: [number, number][] = [];
    let acc = 0;
    let prev = 0;
    let level = 1024;
    let value = 0;
    let i = -1;
    for (;;) {
      if (value >= lowestEquivalent(level)) {
        if (acc > prev) out.push([Math.floor(highestEquivalent(value) / 1000), acc]);
        prev = acc;
        level *= 2;
        continue;
      }
      if (acc >= this.total || i + 1 >= COUNTS) {
        // The iterator reports the last level once more when the counts run out below it.
        if (acc > prev) out.push([Math.floor(highestEquivalent(value) / 1000), acc]);
        break;
      }
      i++;
      acc += this.counts[i];
      value = valueFromIndex(i);
    }
    return out;
  }
}
