// Why: the keyed state behind updateStateByKey, mapWithState and incremental windows. Unlike
// Spark (which rebuilds the whole state RDD every batch), the state is one mutable hash-partitioned
// store: a batch costs O(keys it changes), records exactly those changes as a delta (what the
// checkpoint committer writes to eddy), and exposes the state as a read-only view RDD of the batch.
import { StreamingException } from './errors.js';
import { mapKey, partitionOfMapped } from './keys.js';
import { RDD } from './rdd.js';

export interface StateEntry<K, S> {
  key: K;
  value: S;
  /** Batch time (ms) of the last update/touch: timeouts are measured from it. */
  time: number;
}

/** The changes one batch made to a keyed state: the final value of every changed key, and removals. */
export interface StateDelta<K, S> {
  /** Batch time in ms. */
  readonly time: number;
  readonly updated: Map<K, S>;
  readonly removed: K[];
}

export class KeyedStore<K, S> {
  /** Per partition, mapped key -> entry, in order of last touch (oldest first). */
  readonly parts: Array<Map<unknown, StateEntry<K, S>>>;
  /** Time (ms) of the batch the store reflects; undefined before the first batch. */
  version: number | undefined;
  private delta: StateDelta<K, S> | undefined;
  private pending: Map<unknown, StateEntry<K, S>> | undefined;
  private count = 0;

  constructor(readonly numPartitions: number) {
    this.parts = Array.from({ length: numPartitions }, () => new Map());
  }

  get size(): number {
    return this.count;
  }

  partitionOf(mk: unknown): number {
    return partitionOfMapped(mk, this.numPartitions);
  }

  getMapped(mk: unknown): StateEntry<K, S> | undefined {
    return this.parts[this.partitionOf(mk)].get(mk);
  }

  get(key: K): S | undefined {
    return this.getMapped(mapKey(key))?.value;
  }

  has(key: K): boolean {
    return this.getMapped(mapKey(key)) !== undefined;
  }

  /**
   * Loads entries: a checkpoint restore (not recorded), or an initial state (`record`: the entries
   * join the next batch's delta, so a committer persists them with that batch).
   */
  load(entries: Iterable<readonly [K, S] | readonly [K, S, number]>, time: number, record = false): void {
    for (const e of entries) {
      const mk = mapKey(e[0]);
      const part = this.parts[this.partitionOf(mk)];
      if (!part.has(mk)) this.count++;
      part.delete(mk);
      const entry = { key: e[0], value: e[1], time: e.length > 2 ? (e[2] as number) : time };
      part.set(mk, entry);
      if (record) (this.pending ??= new Map()).set(mk, entry);
    }
  }

  /**
   * Applies one batch: `puts` (mapped key -> new entry; re-inserted at the end of the touch order)
   * and `removes` (mapped key -> key). Records and returns the batch's delta.
   */
  apply(time: number, puts: Map<unknown, StateEntry<K, S>>, removes: Map<unknown, K>): StateDelta<K, S> {
    const pending = this.pending;
    this.pending = undefined;
    const updated = new Map<K, S>();
    const removed: K[] = [];
    if (pending) {
      for (const [mk, e] of pending) if (!puts.has(mk) && !removes.has(mk)) updated.set(e.key, e.value);
    }
    for (const [mk, key] of removes) {
      if (puts.has(mk)) continue;
      const part = this.parts[this.partitionOf(mk)];
      if (part.delete(mk)) {
        this.count--;
        if (!pending?.has(mk)) removed.push(key);
      }
    }
    for (const [mk, e] of puts) {
      const part = this.parts[this.partitionOf(mk)];
      if (part.delete(mk)) this.count--;
      part.set(mk, e);
      this.count++;
      updated.set(e.key, e.value);
    }
    this.version = time;
    this.delta = { time, updated, removed };
    return this.delta;
  }

  /** Loads checkpointed [key, state, lastUpdateTime] entries into a fresh store: it then reflects batch `time`. */
  restore(entries: Iterable<readonly [K, S, number]>, time: number): void {
    this.load(entries, time);
    this.touchVersion(time);
  }

  /** Marks the store as reflecting `time` with no changes. */
  touchVersion(time: number): StateDelta<K, S> {
    this.version = time;
    this.delta = { time, updated: new Map(), removed: [] };
    return this.delta;
  }

  lastDelta(): StateDelta<K, S> | undefined {
    return this.delta;
  }

  /** Entries whose last touch is before `threshold`, oldest first, per partition (O(result)). */
  *idleSince(threshold: number): Generator<[unknown, StateEntry<K, S>]> {
    for (const part of this.parts) {
      for (const [mk, e] of part) {
        if (e.time >= threshold) break;
        yield [mk, e];
      }
    }
  }

  /** Every entry as [key, state, lastUpdateTime] (full snapshots for checkpoints). */
  *entries(): Generator<[K, S, number]> {
    for (const part of this.parts) for (const e of part.values()) yield [e.key, e.value, e.time];
  }

  /** A read-only RDD view of the state as of `time` (valid while the store is still at that time). */
  view(time: number, delta?: StateDelta<K, S>): StateRDD<K, S> {
    return new StateRDD<K, S>(this, time, delta ?? (this.version === time ? this.delta : undefined));
  }
}

/**
 * The state of a batch as an RDD of [key, state] pairs. It reads the live store, so it is cheap to
 * create and to take() from; once a later batch has changed the store, reading it throws (persist()
 * the stream, or the RDD during its batch, to keep a copy). `delta` holds the batch's changes.
 */
export class StateRDD<K, S> extends RDD<[K, S]> {
  constructor(
    private readonly store: KeyedStore<K, S>,
    readonly time: number,
    readonly delta: StateDelta<K, S> | undefined,
  ) {
    super(store.numPartitions, (i, emit) => {
      this.check();
      for (const e of store.parts[i].values()) if (!emit([e.key, e.value])) return false;
      return true;
    });
  }

  private check(): void {
    if (this.store.version !== this.time) {
      throw new StreamingException(
        `The state of time ${this.time} ms is no longer available: the state has moved on to ${this.store.version} ms. ` +
          'Read state RDDs during their own batch (foreachRDD/transform), or persist() the stream to keep copies.',
      );
    }
  }

  /** Copies the state now (O(state)), so the RDD stays readable after later batches. */
  override persist(): this {
    if (this.isPersisted) return this;
    this.check();
    super.persist();
    for (let p = 0; p < this.numPartitions; p++) this.forEachIn(p, () => true);
    return this;
  }
}
