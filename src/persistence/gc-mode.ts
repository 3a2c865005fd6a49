// Why: bin/eddy-server runs V8 with --optimize-for-size (RSS of many small keys), which multiplies
// GCs while a whole dataset is built (loading: ~20 full GCs instead of ~3) or walked (snapshots);
// these phases switch it off for their duration and restore it after.
import v8 from 'node:v8';

const SIZE_FLAG = /(^|\s)--optimize[-_]for[-_]size(?=\s|$)/;

/** V8 runs with --optimize-for-size (bin/eddy-server exports the flags it applied in EDDY_V8_FLAGS). */
function optimizingForSize(): boolean {
  return SIZE_FLAG.test(process.env.EDDY_V8_FLAGS ?? '') || process.execArgv.some((a) => SIZE_FLAG.test(a));
}

let holders = 0;
let switched = false;

/** Enter a throughput phase (nests; every begin needs its end). */
export function throughputBegin(): void {
  if (holders++ > 0) return;
  switched = optimizingForSize();
  if (switched) v8.setFlagsFromString('--no-optimize-for-size');
}

export function throughputEnd(): void {
  if (holders === 0 || --holders > 0) return;
  if (switched) v8.setFlagsFromString('--optimize-for-size');
  switched = false;
}

/** Run fn as a throughput phase. */
export function inThroughputMode<T>(fn: () => T): T {
  throughputBegin();
  try {
    return fn();
  } finally {
    throughputEnd();
  }
}
