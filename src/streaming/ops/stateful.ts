// Why: updateStateByKey and mapWithState (Spark's StateDStream and MapWithStateDStream). The state
// lives in a KeyedStore; a batch calls the user function only for the keys with new data (plus, for
// mapWithState, the keys timing out), stages the changes, then applies them at once — so a batch
// costs O(changed keys), a failing user function leaves the state untouched, and each batch leaves
// a delta for the checkpoint committer.
import type { DStream } from '../dstream.js';
import type { Duration, Time } from '../duration.js';
import { KeyedStore, type StateDelta, type StateEntry, type StateRDD } from '../keyed-store.js';
import { mapKey, partitionOfMapped } from '../keys.js';
import type { DStreamNode, StatefulNode } from '../node.js';
import { RDD } from '../rdd.js';
import { StateImpl, type StateSpec } from '../state.js';
import { ensurePrevious } from './window.js';

/** updateStateByKey's function: new values of the batch (possibly none) and the previous state. */
export type UpdateFunction<V, S> = (values: V[], state: S | undefined) => S | undefined;

export interface UpdateStateOptions<K, S> {
  /** Initial state, loaded before the first batch. */
  initial?: RDD<[K, S]>;
  /** Partitions of the state (and of each state RDD). */
  numPartitions?: number;
  /**
   * Call the function for every key on every batch, even without new values (Spark's semantics,
   * O(all state) per batch). Default false: only keys with new values are visited.
   */
  callForAllKeys?: boolean;
}

abstract class KeyedStateNode<K, S, Out> implements DStreamNode<Out>, StatefulNode<K, S> {
  readonly stateful = true;
  readonly mustCheckpoint = true;
  readonly dependencies: ReadonlyArray<DStream<unknown>>;
  abstract readonly kind: string;
  readonly store: KeyedStore<K, S>;
  protected self: DStream<Out> | undefined;
  private initialLoaded = false;

  constructor(
    protected readonly parent: DStream<unknown>,
    numPartitions: number,
    private readonly initial: RDD<[K, S]> | undefined,
  ) {
    this.dependencies = [parent];
    this.store = new KeyedStore<K, S>(numPartitions);
  }

  get slideDuration(): Duration {
    return this.parent.slideDuration;
  }

  bind(self: DStream<Out>): void {
    this.self = self;
  }

  /** Brings the store to time - slide (loading the initial state on the first batch). */
  protected prepare(time: Time): void {
    ensurePrevious(this.self as DStream<unknown>, this.store.version, time, this.slideDuration);
    if (this.store.version === undefined && !this.initialLoaded) {
      this.initialLoaded = true;
      if (this.initial) this.store.load(this.initial.collect(), time.milliseconds, true);
    }
  }

  abstract compute(time: Time): RDD<Out> | undefined;

  lastDelta(): StateDelta<K, S> | undefined {
    return this.store.lastDelta();
  }

  /** The state as of `time` (a view; see StateRDD). */
  view(time: Time): StateRDD<K, S> {
    return this.store.view(time.milliseconds);
  }

  get stateSize(): number {
    return this.store.size;
  }
}

export class UpdateStateNode<K, V, S> extends KeyedStateNode<K, S, [K, S]> {
  readonly kind = 'updateStateByKey';
  readonly params;

  constructor(
    parent: DStream<[K, V]>,
    private readonly updateFn: UpdateFunction<V, S>,
    numPartitions: number,
    initial: RDD<[K, S]> | undefined,
    private readonly callForAllKeys: boolean,
  ) {
    super(parent as DStream<unknown>, numPartitions, initial);
    this.params = { numPartitions, callForAllKeys };
  }

  compute(time: Time): RDD<[K, S]> {
    this.prepare(time);
    const t = time.milliseconds;
    const groups = new Map<unknown, { key: K; values: V[] }>();
    const rdd = (this.parent as DStream<[K, V]>).getOrCompute(time);
    rdd?.foreach((kv) => {
      const mk = mapKey(kv[0]);
      const g = groups.get(mk);
      if (g) g.values.push(kv[1]);
      else groups.set(mk, { key: kv[0], values: [kv[1]] });
    });
    const puts = new Map<unknown, StateEntry<K, S>>();
    const removes = new Map<unknown, K>();
    const visit = (mk: unknown, key: K, values: V[], prev: StateEntry<K, S> | undefined): void => {
      const next = this.updateFn(values, prev?.value);
      if (next === undefined) {
        if (prev) removes.set(mk, prev.key);
      } else {
        puts.set(mk, { key: prev ? prev.key : key, value: next, time: t });
      }
    };
    for (const [mk, g] of groups) visit(mk, g.key, g.values, this.store.getMapped(mk));
    if (this.callForAllKeys) {
      for (const part of this.store.parts) {
        for (const [mk, e] of part) if (!groups.has(mk)) visit(mk, e.key, [], e);
      }
    }
    this.store.apply(t, puts, removes);
    return this.store.view(t);
  }
}

export class MapWithStateNode<K, V, S, E> extends KeyedStateNode<K, S, E> {
  readonly kind = 'mapWithState';
  readonly params;
  private readonly timeoutMs: number | undefined;

  constructor(
    parent: DStream<[K, V]>,
    private readonly spec: StateSpec<K, V, S, E>,
    numPartitions: number,
  ) {
    super(parent as DStream<unknown>, numPartitions, spec.getInitialStateRDD());
    this.timeoutMs = spec.getTimeoutInterval()?.milliseconds;
    this.params = { numPartitions, timeout: this.timeoutMs ?? null };
  }

  compute(time: Time): RDD<E> {
    this.prepare(time);
    const t = time.milliseconds;
    const n = this.store.numPartitions;
    const fn = this.spec.mappingFunction;
    const timeoutDefined = this.timeoutMs !== undefined;
    const out: E[][] = Array.from({ length: n }, () => []);
    // Staged changes: mapped key -> new entry, or null when removed in this batch.
    const staged = new Map<unknown, StateEntry<K, S> | null>();
    const state = new StateImpl<S>();
    const rdd = (this.parent as DStream<[K, V]>).getOrCompute(time);
    rdd?.foreach((kv) => {
      const mk = mapKey(kv[0]);
      const cur = staged.has(mk) ? staged.get(mk) : this.store.getMapped(mk);
      state.wrap(cur != null, cur?.value);
      const e = fn(kv[0], kv[1], state, time);
      if (state.isRemoved()) staged.set(mk, null);
      else if (state.isUpdated() || (state.exists() && timeoutDefined)) {
        staged.set(mk, { key: cur ? cur.key : kv[0], value: state.get(), time: t });
      }
      if (e !== undefined) out[partitionOfMapped(mk, n)].push(e);
    });
    const removes = new Map<unknown, K>();
    if (timeoutDefined) {
      const threshold = t - this.timeoutMs!;
      for (const [mk, entry] of this.store.idleSince(threshold)) {
        if (staged.has(mk)) continue;
        state.wrapTimingOutState(entry.value);
        const e = fn(entry.key, undefined, state, time);
        if (e !== undefined) out[partitionOfMapped(mk, n)].push(e);
        removes.set(mk, entry.key);
      }
    }
    const puts = new Map<unknown, StateEntry<K, S>>();
    for (const [mk, e] of staged) {
      if (e) puts.set(mk, e);
      else {
        const prev = this.store.getMapped(mk);
        if (prev) removes.set(mk, prev.key);
      }
    }
    this.store.apply(t, puts, removes);
    return RDD.fromPartitions(out);
  }
}

/** mapWithState(...).stateSnapshots(): the full state after each batch, as a view RDD. */
export class SnapshotNode<K, S> implements DStreamNode<[K, S]> {
  readonly kind = 'stateSnapshots';
  readonly dependencies: ReadonlyArray<DStream<unknown>>;

  constructor(
    private readonly stateStream: DStream<unknown>,
    private readonly stateNode: KeyedStateNode<K, S, unknown>,
  ) {
    this.dependencies = [stateStream];
  }

  get slideDuration(): Duration {
    return this.stateStream.slideDuration;
  }

  compute(time: Time): RDD<[K, S]> | undefined {
    if (!this.stateStream.getOrCompute(time)) return undefined;
    return this.stateNode.view(time);
  }
}

export type { KeyedStateNode };
