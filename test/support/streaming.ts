// Why: drives a streaming job deterministically for tests: a queueStream fed with given batches, a
// ManualClock advanced one batch at a time, and every output batch collected by time.
import { canonicalString } from '../../src/streaming/keys.js';
import { ManualClock, Milliseconds, RDD, StreamingContext, type DStream } from '../../src/streaming/index.js';

export const BATCH_MS = 1000;

export interface RunOptions {
  /** Empty batches appended after the data (to watch windows/timeouts drain). */
  extraBatches?: number;
  defaultParallelism?: number;
  checkpoint?: boolean;
}

export interface RunResult<U> {
  /** Output batch time (ms) -> collected elements. */
  outputs: Map<number, U[]>;
  ssc: StreamingContext;
}

/**
 * Runs `build` over a queue stream whose batch i (time (i+1)*1000 ms) holds `batches[i]` (given as
 * partitions), collecting the output stream's batches.
 */
export async function runBatches<T, U>(
  batches: T[][][],
  build: (input: DStream<T>, ssc: StreamingContext) => DStream<U>,
  opts: RunOptions = {},
): Promise<RunResult<U>> {
  const clock = new ManualClock(0);
  const ssc = new StreamingContext({
    batchInterval: Milliseconds(BATCH_MS),
    clock,
    log: false,
    out: () => undefined,
    defaultParallelism: opts.defaultParallelism ?? 2,
  });
  const queue = batches.map((parts) => RDD.fromPartitions(parts.map((p) => p.slice())));
  const input = ssc.queueStream(queue);
  const out = build(input, ssc);
  const outputs = new Map<number, U[]>();
  out.foreachRDD((rdd, time) => {
    outputs.set(time.milliseconds, rdd.collect());
  });
  if (opts.checkpoint !== false) ssc.checkpoint('memory:');
  ssc.start();
  const total = batches.length + (opts.extraBatches ?? 0);
  for (let i = 0; i < total; i++) {
    clock.advance(BATCH_MS);
    await ssc.whenIdle();
  }
  await ssc.stop();
  return { outputs, ssc };
}

/** Sorts by canonical form, so multisets compare equal regardless of partition order. */
export function sorted<T>(items: readonly T[]): T[] {
  return items
    .map((x) => [canonicalString(x), x] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((e) => e[1]);
}

/** The elements of the batches whose time t satisfies from < t <= to (batch i has time (i+1)*1000). */
export function inWindow<T>(batches: T[][][], fromExclusive: number, toInclusive: number): T[] {
  const out: T[] = [];
  batches.forEach((parts, i) => {
    const t = (i + 1) * BATCH_MS;
    if (t > fromExclusive && t <= toInclusive) for (const p of parts) out.push(...p);
  });
  return out;
}

export function flat<T>(parts: T[][]): T[] {
  return parts.flat();
}
