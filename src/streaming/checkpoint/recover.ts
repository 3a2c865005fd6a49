// Why: StreamingContext.getOrCreate's half of the eddy checkpoint: read the job's checkpoint and
// load it into a freshly built graph — refuse an incompatible graph saying what changed, restore
// every state from its hash, window slices into their streams, input offsets / write-ahead-log
// replay / file thresholds, and the resume point (zero time, last committed batch).
import type { Redis } from 'ioredis';
import type { StreamingContext } from '../context.js';
import { Time } from '../duration.js';
import { IllegalStateException } from '../errors.js';
import { describeGraphChanges, type GraphDescription } from '../graph.js';
import { DirectInputNode } from '../inputs/direct.js';
import { FileInputNode } from '../inputs/file.js';
import { ReceiverInputNode } from '../inputs/receiver.js';
import type { JsonValue } from '../keys.js';
import { isWindowNode } from '../node.js';
import { RDD } from '../rdd.js';
import { decodeState } from './codec.js';
import type { JobKeys } from './location.js';

export interface WindowInput {
  streamId: number;
  /** How long (ms) a slice stays needed after its batch time. */
  keepMs: number;
  slideMs: number;
}

/** The streams whose batches windows read, with how long each batch must be kept. */
export function windowInputs(ssc: StreamingContext): WindowInput[] {
  const out = new Map<number, WindowInput>();
  for (const s of ssc.graph.allStreams) {
    if (!isWindowNode(s.node)) continue;
    const input = s.node.windowInput;
    const keepMs = s.node.windowDuration.milliseconds + s.node.slideDuration.milliseconds;
    const prev = out.get(input.id);
    if (!prev || prev.keepMs < keepMs) out.set(input.id, { streamId: input.id, keepMs, slideMs: input.slideDuration.milliseconds });
  }
  return [...out.values()];
}

export type Meta = Record<string, string>;

/** Throws if the checkpoint was written by a graph the current one cannot resume. */
export function checkCompatible(ssc: StreamingContext, meta: Meta, where: string, tag: string): void {
  if (meta.fingerprint === ssc.graph.fingerprint()) return;
  let changes: string[];
  try {
    changes = describeGraphChanges(JSON.parse(meta.graph) as GraphDescription, ssc.graph.describe());
  } catch {
    changes = [];
  }
  if (changes.length === 0) changes = [`graph fingerprint ${meta.fingerprint} differs from ${ssc.graph.fingerprint()}`];
  throw new IllegalStateException(
    `Cannot resume job "${ssc.name}" from its checkpoint at ${where}: the streaming graph changed incompatibly since the checkpoint was written:\n` +
      changes.map((c) => `  - ${c}`).join('\n') +
      `\nRun the previous version of the job, or start over by deleting its checkpoint (the keys ${tag}:*).`,
  );
}

async function hashEntries(conn: Redis, key: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  let cursor = '0';
  do {
    const [next, flat] = await conn.hscan(key, cursor, 'COUNT', 1000);
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

export interface RestoreSummary {
  stateKeys: number;
  slices: number;
}

/** Loads states, slices and input positions; `replay` replays receiver write-ahead logs. */
export async function restoreGraph(
  ssc: StreamingContext,
  conn: Redis,
  keys: JobKeys,
  meta: Meta,
  replay: (node: ReceiverInputNode<unknown>, upto: string | null, lastBatchTime: number) => Promise<void>,
): Promise<RestoreSummary> {
  const graph = ssc.graph;
  const last = Number(meta.lastBatchTime);
  const zero = Number(meta.zeroTime);
  let stateKeys = 0;
  for (const { stream, node } of graph.statefulStreams) {
    const version = meta[`version:${stream.id}`];
    if (version === undefined) continue;
    const entries = (await hashEntries(conn, keys.state(stream.id))).map(([f, v]) => decodeState(f, v));
    // Stores keep keys in order of last update (timeouts scan the oldest first).
    entries.sort((a, b) => a[2] - b[2]);
    node.store.restore(entries, Number(version));
    stateKeys += entries.length;
  }
  for (const s of graph.inputStreams) {
    const raw = meta[`input:${s.id}`];
    const md = raw === undefined ? undefined : (JSON.parse(raw) as JsonValue);
    const node = s.node;
    if (node instanceof DirectInputNode) {
      const until = (md as { until?: JsonValue } | null | undefined)?.until;
      if (until !== undefined) node.restoreOffsets(until);
    } else if (node instanceof ReceiverInputNode) {
      const upto = (md as { upto?: string | null } | null | undefined)?.upto ?? null;
      await replay(node as ReceiverInputNode<unknown>, upto, last);
    } else if (node instanceof FileInputNode) {
      node.restoreAfter(last);
    }
  }
  let slices = 0;
  for (const w of windowInputs(ssc)) {
    const stream = graph.allStreams[w.streamId];
    const times: number[] = [];
    for (let t = last; t > last - w.keepMs && t > zero; t -= ssc.batchDuration.milliseconds) {
      if ((t - zero) % w.slideMs === 0) times.push(t);
    }
    if (times.length === 0) continue;
    const pipe = conn.pipeline();
    for (const t of times) pipe.hgetall(keys.slice(w.streamId, t));
    const res = (await pipe.exec()) ?? [];
    res.forEach(([err, h], i) => {
      if (err) throw err;
      const hash = h as Record<string, string>;
      if (hash.n === undefined) return;
      const parts: unknown[][] = [];
      for (let p = 0; p < Number(hash.n); p++) parts.push(hash[String(p)] === undefined ? [] : (JSON.parse(hash[String(p)]) as unknown[]));
      stream.restoreBatch(new Time(times[i]), RDD.fromPartitions(parts));
      slices++;
    });
  }
  ssc.resumeFrom({ zeroTime: zero, lastBatchTime: last });
  return { stateKeys, slices };
}
