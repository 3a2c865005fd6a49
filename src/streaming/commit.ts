// Why: the per-batch commit hook. After a batch's output operations succeed, the scheduler hands a
// BatchCommit (batch time, graph fingerprint, each input's offsets/blocks/files, each stateful
// operator's delta, the commands output operations queued) to the context's committer. eddy's
// committer turns it into one MULTI/EXEC; MemoryCheckpoint keeps it in memory (tests, demos).
import type { StreamingContext } from './context.js';
import type { Time } from './duration.js';
import { IllegalArgumentException } from './errors.js';
import type { StateDelta } from './keyed-store.js';
import { formatValue, jsonUnsafePath, mapKey, type JsonValue } from './keys.js';

export interface InputCommit {
  readonly streamId: number;
  readonly name: string;
  readonly metadata: JsonValue | undefined;
}

export interface StateCommit {
  readonly streamId: number;
  readonly kind: string;
  readonly delta: StateDelta<unknown, unknown>;
}

/** One batch of a window's input, kept while windows may still read it (see WindowNode). */
export interface SliceCommit {
  /** The stream whose batch this is (a window's windowInput). */
  readonly streamId: number;
  readonly time: number;
  readonly partitions: ReadonlyArray<readonly unknown[]>;
  /** How long (ms) after `time` the slice is still needed. */
  readonly keepMs: number;
}

export interface BatchCommit {
  readonly time: Time;
  /** The job's zero time (batch times are zeroTime + k * batch interval). */
  readonly zeroTime: Time;
  readonly graphFingerprint: string;
  /** Whether any output operation ran in this batch. */
  readonly hasJobs: boolean;
  readonly inputs: readonly InputCommit[];
  /** Deltas of the stateful operators computed in this batch. */
  readonly states: readonly StateCommit[];
  /** Commands queued by output operations (BatchTransaction.call), in order. */
  readonly commands: ReadonlyArray<readonly string[]>;
  /** The batches of window inputs computed at this batch time (one per window input stream). */
  readonly slices: readonly SliceCommit[];
}

export interface BatchCommitter {
  /** Called when the context starts, before the first batch (connect, take ownership of the job). */
  start?(): void | Promise<void>;
  /**
   * StreamingContext.getOrCreate: loads the checkpoint into the context's graph (state, offsets,
   * window slices, resume point). Resolves false when there is no checkpoint yet.
   */
  recover?(): Promise<boolean>;
  /** Makes the batch durable; the batch counts as completed only once this resolves. */
  commit(batch: BatchCommit): void | Promise<void>;
  close?(): void | Promise<void>;
}

export type CommitterFactory = (url: string, ssc: StreamingContext) => BatchCommitter;

const schemes = new Map<string, CommitterFactory>();

/** Plugs a checkpoint store in for URLs starting with `scheme:` (e.g. "redis"). */
export function registerCheckpointScheme(scheme: string, factory: CommitterFactory): void {
  schemes.set(scheme.toLowerCase(), factory);
}

export function createCommitter(url: string, ssc: StreamingContext): BatchCommitter {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  const scheme = m ? m[1].toLowerCase() : '';
  const f = schemes.get(scheme);
  if (!f) {
    throw new IllegalArgumentException(
      `No checkpoint store for "${url}": known schemes are ${[...schemes.keys()].map((s) => `${s}:`).join(', ')}`,
    );
  }
  return f(url, ssc);
}

/**
 * Keeps commits in memory and rebuilds each stateful operator's state from the deltas alone (so
 * tests can check deltas are complete), plus the last metadata of every input.
 */
export class MemoryCheckpoint implements BatchCommitter {
  readonly commits: BatchCommit[] = [];
  private readonly states = new Map<number, Map<unknown, [unknown, unknown, number]>>();
  private readonly offsets = new Map<number, JsonValue | undefined>();
  lastTime: Time | undefined;

  constructor(
    readonly url = 'memory:',
    private readonly keepCommits = 1000,
  ) {}

  commit(batch: BatchCommit): void {
    // Like a real store, accept only what can be written as JSON.
    for (const s of batch.states) {
      for (const [k, v] of s.delta.updated) {
        const bad = jsonUnsafePath(k) ?? jsonUnsafePath(v);
        if (bad) {
          throw new IllegalArgumentException(
            `State of stream ${s.streamId} (${s.kind}) for key ${formatValue(k)} cannot be checkpointed: ${bad} is not JSON-safe`,
          );
        }
      }
    }
    this.commits.push(batch);
    if (this.commits.length > this.keepCommits) this.commits.splice(0, this.commits.length - this.keepCommits);
    for (const s of batch.states) {
      let m = this.states.get(s.streamId);
      if (!m) {
        m = new Map();
        this.states.set(s.streamId, m);
      }
      for (const k of s.delta.removed) m.delete(mapKey(k));
      for (const [k, v] of s.delta.updated) m.set(mapKey(k), [k, v, s.delta.time]);
    }
    for (const i of batch.inputs) this.offsets.set(i.streamId, i.metadata);
    this.lastTime = batch.time;
  }

  /** The state of stream `streamId` as rebuilt from the committed deltas. */
  stateOf<K, S>(streamId: number): Map<K, S> {
    return new Map(this.stateEntries<K, S>(streamId).map(([k, s]) => [k, s]));
  }

  /** [key, state, last update time] entries of stream `streamId` (what restoreState takes). */
  stateEntries<K, S>(streamId: number): Array<[K, S, number]> {
    return [...(this.states.get(streamId)?.values() ?? [])] as Array<[K, S, number]>;
  }

  lastInputMetadata(streamId: number): JsonValue | undefined {
    return this.offsets.get(streamId);
  }
}

registerCheckpointScheme('memory', (url) => new MemoryCheckpoint(url));
