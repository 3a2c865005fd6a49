// Why: window operators. WindowedNode is Spark's WindowedDStream (the union of the parent's batches
// in the window). ReducedWindowedNode is Spark's ReducedWindowedDStream (previous window + new
// slices - old slices, then the filter) but keeps the window result in a keyed store, so a slide
// costs O(keys in the slices entering and leaving), not O(window result).
import type { DStream } from '../dstream.js';
import { Interval, type Duration, type Time } from '../duration.js';
import { requireArg, StreamingException } from '../errors.js';
import { KeyedStore, type StateEntry } from '../keyed-store.js';
import { mapKey } from '../keys.js';
import type { DStreamNode, StatefulNode, WindowNode } from '../node.js';
import { RDD } from '../rdd.js';

export class WindowedNode<T> implements DStreamNode<T>, WindowNode {
  readonly kind = 'window';
  readonly isWindow = true;
  readonly dependencies: ReadonlyArray<DStream<unknown>>;
  readonly params;
  readonly parentRememberExtra: Duration;

  constructor(
    private readonly parent: DStream<T>,
    readonly windowDuration: Duration,
    readonly slideDuration: Duration,
  ) {
    if (!windowDuration.isMultipleOf(parent.slideDuration)) {
      throw new Error(
        `The window duration of windowed DStream (${windowDuration}) must be a multiple of the slide duration of parent DStream (${parent.slideDuration})`,
      );
    }
    if (!slideDuration.isMultipleOf(parent.slideDuration)) {
      throw new Error(
        `The slide duration of windowed DStream (${slideDuration}) must be a multiple of the slide duration of parent DStream (${parent.slideDuration})`,
      );
    }
    this.dependencies = [parent as DStream<unknown>];
    this.params = { window: windowDuration.milliseconds, slide: slideDuration.milliseconds };
    this.parentRememberExtra = windowDuration;
    // The parent's batches are read by several windows: keep them (Spark persists the parent too).
    parent.persist();
  }

  get windowInput(): DStream<unknown> {
    return this.parent as DStream<unknown>;
  }

  compute(time: Time): RDD<T> {
    const window = new Interval(time.minus(this.windowDuration).plus(this.parent.slideDuration), time);
    const rdds = this.parent.slice(window.beginTime, window.endTime);
    return rdds.length === 0 ? RDD.empty<T>() : RDD.union(rdds);
  }
}

export type FilterFn<K, V> = (kv: [K, V]) => boolean;

export class ReducedWindowedNode<K, V> implements DStreamNode<[K, V]>, StatefulNode<K, V>, WindowNode {
  readonly kind = 'reduceByKeyAndWindow';
  readonly isWindow = true;
  readonly stateful = true;
  readonly mustCheckpoint = true;
  readonly dependencies: ReadonlyArray<DStream<unknown>>;
  readonly params;
  readonly parentRememberExtra: Duration;
  readonly store: KeyedStore<K, V>;
  private self: DStream<[K, V]> | undefined;

  constructor(
    private readonly parent: DStream<[K, V]>,
    private readonly reducedStream: DStream<[K, V]>,
    private readonly reduceFn: (a: V, b: V) => V,
    private readonly invReduceFn: (a: V, b: V) => V,
    private readonly filterFn: FilterFn<K, V> | undefined,
    readonly windowDuration: Duration,
    readonly slideDuration: Duration,
    numPartitions: number,
  ) {
    requireArg(
      windowDuration.isMultipleOf(parent.slideDuration),
      `The window duration of ReducedWindowedDStream (${windowDuration}) must be multiple of the slide duration of parent DStream (${parent.slideDuration})`,
    );
    requireArg(
      slideDuration.isMultipleOf(parent.slideDuration),
      `The slide duration of ReducedWindowedDStream (${slideDuration}) must be multiple of the slide duration of parent DStream (${parent.slideDuration})`,
    );
    this.dependencies = [reducedStream as DStream<unknown>];
    this.params = {
      window: windowDuration.milliseconds,
      slide: slideDuration.milliseconds,
      inverse: true,
      filter: filterFn !== undefined,
      numPartitions,
    };
    this.parentRememberExtra = windowDuration;
    this.store = new KeyedStore<K, V>(numPartitions);
  }

  bind(self: DStream<[K, V]>): void {
    this.self = self;
  }

  /** The per-batch reduced values the window adds and subtracts. */
  get windowInput(): DStream<unknown> {
    return this.reducedStream as DStream<unknown>;
  }

  compute(time: Time): RDD<[K, V]> {
    const self = this.self!;
    ensurePrevious(self, this.store.version, time, this.slideDuration);
    const ps = this.parent.slideDuration;
    const current = new Interval(time.minus(this.windowDuration).plus(ps), time);
    const previous = current.minus(this.slideDuration);
    //  |  previous window   _________|___________________
    //  |___________________|       current window        |
    //  old slices: [previous.begin, current.begin - ps]   new slices: [previous.end + ps, current.end]
    const olds = reduceSlices(this.reducedStream.slice(previous.beginTime, current.beginTime.minus(ps)), this.reduceFn);
    const news = reduceSlices(this.reducedStream.slice(previous.endTime.plus(ps), current.endTime), this.reduceFn);
    const puts = new Map<unknown, StateEntry<K, V>>();
    const removes = new Map<unknown, K>();
    const t = time.milliseconds;
    const merge = (mk: unknown): void => {
      if (puts.has(mk) || removes.has(mk)) return;
      const prev = this.store.getMapped(mk);
      const oldE = olds.get(mk);
      const newE = news.get(mk);
      let value: V;
      let key: K;
      if (!prev) {
        if (!newE) {
          throw new Error('Neither previous window has value for key, nor new values found. Are you sure your key class hashes consistently?');
        }
        key = newE[0];
        value = newE[1];
      } else {
        key = prev.key;
        value = prev.value;
        if (oldE) value = this.invReduceFn(value, oldE[1]);
        if (newE) value = this.reduceFn(value, newE[1]);
      }
      if (this.filterFn && !this.filterFn([key, value])) {
        if (prev) removes.set(mk, key);
      } else {
        puts.set(mk, { key, value, time: t });
      }
    };
    for (const mk of olds.keys()) merge(mk);
    for (const mk of news.keys()) merge(mk);
    this.store.apply(t, puts, removes);
    return this.store.view(t);
  }
}

/** Per key, the slices' values reduced left to right (mapped key -> [key, value]). */
function reduceSlices<K, V>(rdds: Array<RDD<[K, V]>>, reduce: (a: V, b: V) => V): Map<unknown, [K, V]> {
  const out = new Map<unknown, [K, V]>();
  for (const rdd of rdds) {
    rdd.foreach((kv) => {
      const mk = mapKey(kv[0]);
      const e = out.get(mk);
      if (e) e[1] = reduce(e[1], kv[1]);
      else out.set(mk, [kv[0], kv[1]]);
    });
  }
  return out;
}

/**
 * Stateful nodes compute batch t from their state at t - slide: make sure the state is there
 * (computing the skipped batches first), and refuse to go back in time.
 */
export function ensurePrevious(self: DStream<unknown>, version: number | undefined, time: Time, slide: Duration): void {
  const prev = time.minus(slide);
  if (version !== undefined) {
    if (version === prev.milliseconds) return;
    if (version >= time.milliseconds) {
      throw new StreamingException(
        `Cannot compute ${self} for time ${time}: its state has already moved on to ${version} ms (batches are computed once, in order)`,
      );
    }
  }
  const zero = self.zeroTime;
  if (zero && prev.greater(zero)) self.getOrCompute(prev);
}

