// Why: the DStream — a sequence of batches (RDDs), one per slide — and its operator API. A DStream
// wraps one operator node (see node.ts) and adds what Spark's DStream base class does: caching of
// generated batches (getOrCompute), time validity, slicing, remember/cleanup and start-time checks.
// Pair operations are typed with a `this` parameter so they only exist on DStream<[K, V]>.
import type { StreamingContext } from './context.js';
import type { Duration, Time } from './duration.js';
import { Time as TimeValue } from './duration.js';
import { IllegalStateException, requireArg, StreamingException } from './errors.js';
import type { StateDelta, StateRDD } from './keyed-store.js';
import { formatValue } from './keys.js';
import type { DStreamNode } from './node.js';
import { MappedNode, TransformedNode, UnionNode } from './ops/basic.js';
import {
  MapWithStateNode,
  SnapshotNode,
  UpdateStateNode,
  type KeyedStateNode,
  type UpdateFunction,
  type UpdateStateOptions,
} from './ops/stateful.js';
import { ReducedWindowedNode, WindowedNode, type FilterFn } from './ops/window.js';
import { RDD } from './rdd.js';
import { hashSink, keysSink, sortedSetSink, windowSink, type KeysSinkOptions, type SinkOptions, type WindowSinkOptions } from './sinks.js';
import type { StateSpec } from './state.js';

/** What an output operation may add to its batch's commit (the eddy committer executes these). */
export interface BatchTransaction {
  readonly time: Time;
  /** Queues a command (argv) to run inside the batch's MULTI/EXEC commit. */
  call(...argv: string[]): void;
  /** The commands queued so far, in order. */
  readonly commands: ReadonlyArray<readonly string[]>;
}

export type OutputFunction<T> = (rdd: RDD<T>, time: Time, tx: BatchTransaction) => void | Promise<void>;

/** Spark's StreamingContext.rddToFileName: "prefix-TIME_IN_MS.suffix". */
export function rddToFileName(prefix: string | undefined, suffix: string | undefined, time: Time): string {
  let result = String(time.milliseconds);
  if (prefix) result = `${prefix}-${result}`;
  if (suffix) result = `${result}.${suffix}`;
  return result;
}

function validateAtInit(ssc: StreamingContext): void {
  switch (ssc.getState()) {
    case 'ACTIVE':
      throw new IllegalStateException('Adding new inputs, transformations, and output operations after starting a context is not supported');
    case 'STOPPED':
      throw new IllegalStateException('Adding new inputs, transformations, and output operations after stopping a context is not supported');
    default:
  }
}

export class DStream<T> {
  readonly id: number;
  readonly ssc: StreamingContext;
  /** The operator computing this stream's batches. */
  readonly node: DStreamNode<T>;
  private readonly generated = new Map<number, RDD<T>>();
  private zero: Time | undefined;
  private rememberDur: Duration | undefined;
  private persistBatches = false;
  private checkpointDur: Duration | undefined;

  constructor(ssc: StreamingContext, node: DStreamNode<T>) {
    validateAtInit(ssc);
    this.ssc = ssc;
    this.node = node;
    this.id = ssc.graph.registerStream(this as DStream<unknown>);
    node.bind?.(this);
  }

  get slideDuration(): Duration {
    return this.node.slideDuration;
  }

  get dependencies(): ReadonlyArray<DStream<unknown>> {
    return this.node.dependencies;
  }

  context(): StreamingContext {
    return this.ssc;
  }

  get zeroTime(): Time | undefined {
    return this.zero;
  }

  get rememberDuration(): Duration | undefined {
    return this.rememberDur;
  }

  toString(): string {
    return `${this.node.kind}#${this.id}`;
  }

  // ---------------------------------------------------------------- engine (used by the graph)

  /** The batch for `time`: cached, or computed if `time` is valid for this stream. */
  getOrCompute(time: Time): RDD<T> | undefined {
    const cached = this.generated.get(time.milliseconds);
    if (cached) return cached;
    if (!this.isTimeValid(time)) return undefined;
    const rdd = this.node.compute(time);
    if (rdd) {
      if (this.persistBatches) rdd.persist();
      this.generated.set(time.milliseconds, rdd);
    }
    return rdd;
  }

  isTimeValid(time: Time): boolean {
    if (!this.zero) throw new StreamingException(`${this} has not been initialized`);
    return time.greater(this.zero) && time.since(this.zero).isMultipleOf(this.slideDuration);
  }

  /** The batches between fromTime and toTime, both included (Spark's slice). */
  slice(fromTime: Time, toTime: Time): Array<RDD<T>> {
    const zero = this.zero;
    if (!zero) throw new StreamingException(`${this} has not been initialized`);
    const slide = this.slideDuration;
    const to = toTime.since(zero).isMultipleOf(slide) ? toTime : toTime.floor(slide, zero);
    const from = fromTime.since(zero).isMultipleOf(slide) ? fromTime : fromTime.floor(slide, zero);
    const out: Array<RDD<T>> = [];
    for (let t = from.milliseconds; t <= to.milliseconds; t += slide.milliseconds) {
      if (t < zero.milliseconds) continue;
      const r = this.getOrCompute(new TimeValue(t));
      if (r) out.push(r);
    }
    return out;
  }

  /** @internal Sets the zero time (recursively). */
  initialize(zeroTime: Time): void {
    if (this.zero && !this.zero.equals(zeroTime)) {
      throw new StreamingException(`ZeroTime is already initialized to ${this.zero}, cannot initialize it again to ${zeroTime}`);
    }
    this.zero = zeroTime;
    let min = this.slideDuration;
    if (this.checkpointDur && min.lessEq(this.checkpointDur)) min = this.checkpointDur.times(2);
    if (!this.rememberDur || this.rememberDur.less(min)) this.rememberDur = min;
    for (const d of this.dependencies) d.initialize(zeroTime);
  }

  /** @internal Keeps batches at least `duration` (recursively, plus window lengths for parents). */
  remember(duration: Duration | undefined): void {
    if (duration && (!this.rememberDur || duration.greater(this.rememberDur))) this.rememberDur = duration;
    const extra = this.node.parentRememberExtra;
    const parentRemember = this.rememberDur && extra ? this.rememberDur.plus(extra) : this.rememberDur;
    for (const d of this.dependencies) d.remember(parentRemember);
  }

  /** @internal Spark's validateAtStart. */
  validateAtStart(): void {
    requireArg(this.rememberDur !== undefined, 'Remember duration is set to null');
    requireArg(
      !this.node.mustCheckpoint || this.ssc.isCheckpointPresent,
      'The checkpoint directory has not been set. Please set it by StreamingContext.checkpoint().',
    );
    for (const d of this.dependencies) d.validateAtStart();
  }

  /** @internal Drops batches older than the remember duration (recursively). */
  clearMetadata(time: Time): void {
    const remember = this.rememberDur ?? this.slideDuration;
    const threshold = time.minus(remember);
    for (const t of this.generated.keys()) {
      if (t <= threshold.milliseconds) {
        this.generated.get(t)?.unpersist();
        this.generated.delete(t);
      }
    }
    this.node.forget?.(threshold);
    for (const d of this.dependencies) d.clearMetadata(time);
  }

  /** @internal Times of the batches currently remembered (tests). */
  generatedTimes(): number[] {
    return [...this.generated.keys()].sort((a, b) => a - b);
  }

  /**
   * @internal Checkpoint recovery: the batch of `time` as it was before the restart (a window's
   * input slice), so it is not recomputed from inputs that are gone.
   */
  restoreBatch(time: Time, rdd: RDD<T>): void {
    this.generated.set(time.milliseconds, rdd);
  }

  /** Keeps each generated batch's data once computed (Spark's persist/cache). */
  persist(): this {
    if (this.zero) throw new StreamingException('Cannot change storage level of an DStream after streaming context has started');
    this.persistBatches = true;
    return this;
  }

  cache(): this {
    return this.persist();
  }

  /** Spark's DStream.checkpoint(interval): recorded; state is committed every batch by eddy's committer. */
  checkpoint(interval: Duration): this {
    if (this.zero) throw new StreamingException('Cannot change checkpoint interval of an DStream after streaming context has started');
    this.persist();
    this.checkpointDur = interval;
    return this;
  }

  private derive<U>(kind: string, fn: (rdd: RDD<T>, time: Time) => RDD<U>, params?: MappedNode<T, U>['params']): DStream<U> {
    return new DStream<U>(this.ssc, new MappedNode<T, U>(kind, this, fn, params));
  }

  // ---------------------------------------------------------------- transformations

  map<K, V>(f: (item: T) => [K, V]): DStream<[K, V]>;
  map<U>(f: (item: T) => U): DStream<U>;
  map<U>(f: (item: T) => U): DStream<U> {
    return this.derive('map', (rdd) => rdd.map(f));
  }

  /** map() for functions returning a key/value tuple. */
  mapToPair<K, V>(f: (item: T) => [K, V]): DStream<[K, V]> {
    return this.derive('map', (rdd) => rdd.map(f));
  }

  flatMap<U>(f: (item: T) => Iterable<U>): DStream<U> {
    return this.derive('flatMap', (rdd) => rdd.flatMap(f));
  }

  filter<S extends T>(f: (item: T) => item is S): DStream<S>;
  filter(f: (item: T) => boolean): DStream<T>;
  filter(f: (item: T) => boolean): DStream<T> {
    return this.derive('filter', (rdd) => rdd.filter(f));
  }

  mapPartitions<U>(f: (items: T[], partitionIndex: number) => Iterable<U>): DStream<U> {
    return this.derive('mapPartitions', (rdd) => rdd.mapPartitions(f));
  }

  glom(): DStream<T[]> {
    return this.derive('glom', (rdd) => rdd.glom());
  }

  /** Each batch shuffled into exactly `numPartitions` partitions. */
  repartition(numPartitions: number): DStream<T> {
    return this.derive('repartition', (rdd) => rdd.repartition(numPartitions), { numPartitions });
  }

  union(other: DStream<T>): DStream<T> {
    return new DStream<T>(this.ssc, new UnionNode<T>([this, other]));
  }

  /** One element per batch: its number of elements (0 for an empty batch). */
  count(): DStream<number> {
    return this.derive('count', (rdd) => RDD.materializeOnce(1, () => [[rdd.count()]]));
  }

  /** One element per non-empty batch: its elements reduced with `f`. */
  reduce(f: (a: T, b: T) => T): DStream<T> {
    return this.derive('reduce', (rdd) =>
      RDD.materializeOnce(1, () => (rdd.isEmpty() ? [[]] : [[rdd.reduce(f)]])),
    );
  }

  /** Per batch, each distinct element with its count. */
  countByValue(numPartitions: number = this.ssc.defaultParallelism): DStream<[T, number]> {
    return this.map((x): [T, number] => [x, 1]).reduceByKey((a, b) => a + b, numPartitions);
  }

  transform<U>(f: (rdd: RDD<T>, time: Time) => RDD<U>): DStream<U> {
    return new DStream<U>(this.ssc, new TransformedNode<U>([this as DStream<unknown>], (rdds, time) => f(rdds[0] as RDD<T>, time)));
  }

  transformWith<U, V>(other: DStream<U>, f: (rdd: RDD<T>, other: RDD<U>, time: Time) => RDD<V>): DStream<V> {
    return new DStream<V>(
      this.ssc,
      new TransformedNode<V>([this as DStream<unknown>, other as DStream<unknown>], (rdds, time) => f(rdds[0] as RDD<T>, rdds[1] as RDD<U>, time)),
    );
  }

  // ---------------------------------------------------------------- windows

  /** All elements of the last `windowDuration`, every `slideDuration` (default: this stream's slide). */
  window(windowDuration: Duration, slideDuration: Duration = this.slideDuration): DStream<T> {
    return new DStream<T>(this.ssc, new WindowedNode<T>(this, windowDuration, slideDuration));
  }

  /** Number of elements in the window (incremental: counts entering minus counts leaving). */
  countByWindow(windowDuration: Duration, slideDuration: Duration = this.slideDuration): DStream<number> {
    return this.map(() => 1).reduceByWindow((a, b) => a + b, (a, b) => a - b, windowDuration, slideDuration);
  }

  /** The window's elements reduced with `f`; with an inverse function it is computed incrementally. */
  reduceByWindow(f: (a: T, b: T) => T, windowDuration: Duration, slideDuration: Duration): DStream<T>;
  reduceByWindow(f: (a: T, b: T) => T, inv: (a: T, b: T) => T, windowDuration: Duration, slideDuration: Duration): DStream<T>;
  reduceByWindow(f: (a: T, b: T) => T, a: Duration | ((a: T, b: T) => T), b: Duration, c?: Duration): DStream<T> {
    if (typeof a === 'function') {
      return this.map((x): [number, T] => [1, x])
        .reduceByKeyAndWindow(f, a, b, c ?? this.slideDuration, 1)
        .map((kv) => kv[1]);
    }
    return this.reduce(f).window(a, b).reduce(f);
  }

  /** Per window, each distinct element with its count (incremental; zero counts dropped). */
  countByValueAndWindow(
    windowDuration: Duration,
    slideDuration: Duration = this.slideDuration,
    numPartitions: number = this.ssc.defaultParallelism,
  ): DStream<[T, number]> {
    return this.map((x): [T, number] => [x, 1]).reduceByKeyAndWindow(
      (a, b) => a + b,
      (a, b) => a - b,
      windowDuration,
      slideDuration,
      numPartitions,
      (kv) => kv[1] !== 0,
    );
  }

  // ---------------------------------------------------------------- pair operations

  reduceByKey<K, V>(this: DStream<[K, V]>, f: (a: V, b: V) => V, numPartitions: number = this.ssc.defaultParallelism): DStream<[K, V]> {
    return this.derive('reduceByKey', (rdd) => rdd.reduceByKey(f, numPartitions), { numPartitions });
  }

  groupByKey<K, V>(this: DStream<[K, V]>, numPartitions: number = this.ssc.defaultParallelism): DStream<[K, V[]]> {
    return this.derive('groupByKey', (rdd) => rdd.groupByKey(numPartitions), { numPartitions });
  }

  combineByKey<K, V, C>(
    this: DStream<[K, V]>,
    createCombiner: (v: V) => C,
    mergeValue: (c: C, v: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions: number = this.ssc.defaultParallelism,
    mapSideCombine = true,
  ): DStream<[K, C]> {
    return this.derive(
      'combineByKey',
      (rdd) => rdd.combineByKey(createCombiner, mergeValue, mergeCombiners, numPartitions, mapSideCombine),
      { numPartitions },
    );
  }

  mapValues<K, V, U>(this: DStream<[K, V]>, f: (v: V) => U): DStream<[K, U]> {
    return this.derive('mapValues', (rdd) => rdd.mapValues(f));
  }

  flatMapValues<K, V, U>(this: DStream<[K, V]>, f: (v: V) => Iterable<U>): DStream<[K, U]> {
    return this.derive('flatMapValues', (rdd) => rdd.flatMapValues(f));
  }

  cogroup<K, V, W>(this: DStream<[K, V]>, other: DStream<[K, W]>, numPartitions: number = this.ssc.defaultParallelism): DStream<[K, [V[], W[]]]> {
    return this.transformWith(other, (a, b) => a.cogroup(b, numPartitions));
  }

  join<K, V, W>(this: DStream<[K, V]>, other: DStream<[K, W]>, numPartitions: number = this.ssc.defaultParallelism): DStream<[K, [V, W]]> {
    return this.transformWith(other, (a, b) => a.join(b, numPartitions));
  }

  leftOuterJoin<K, V, W>(
    this: DStream<[K, V]>,
    other: DStream<[K, W]>,
    numPartitions: number = this.ssc.defaultParallelism,
  ): DStream<[K, [V, W | undefined]]> {
    return this.transformWith(other, (a, b) => a.leftOuterJoin(b, numPartitions));
  }

  rightOuterJoin<K, V, W>(
    this: DStream<[K, V]>,
    other: DStream<[K, W]>,
    numPartitions: number = this.ssc.defaultParallelism,
  ): DStream<[K, [V | undefined, W]]> {
    return this.transformWith(other, (a, b) => a.rightOuterJoin(b, numPartitions));
  }

  fullOuterJoin<K, V, W>(
    this: DStream<[K, V]>,
    other: DStream<[K, W]>,
    numPartitions: number = this.ssc.defaultParallelism,
  ): DStream<[K, [V | undefined, W | undefined]]> {
    return this.transformWith(other, (a, b) => a.fullOuterJoin(b, numPartitions));
  }

  /**
   * reduceByKey over a sliding window. With an inverse function (and optionally a filter) the
   * window is computed incrementally from the previous one, as Spark's ReducedWindowedDStream.
   */
  reduceByKeyAndWindow<K, V>(
    this: DStream<[K, V]>,
    f: (a: V, b: V) => V,
    windowDuration: Duration,
    slideDuration?: Duration,
    numPartitions?: number,
  ): DStream<[K, V]>;
  reduceByKeyAndWindow<K, V>(
    this: DStream<[K, V]>,
    f: (a: V, b: V) => V,
    inv: (a: V, b: V) => V,
    windowDuration: Duration,
    slideDuration?: Duration,
    numPartitions?: number,
    filter?: FilterFn<K, V>,
  ): DStream<[K, V]>;
  reduceByKeyAndWindow<K, V>(
    this: DStream<[K, V]>,
    f: (a: V, b: V) => V,
    a: Duration | ((a: V, b: V) => V),
    b?: Duration,
    c?: Duration | number,
    d?: number,
    filter?: FilterFn<K, V>,
  ): DStream<[K, V]> {
    if (typeof a === 'function') {
      const windowDuration = b!;
      const slide = (c as Duration | undefined) ?? this.slideDuration;
      const n = d ?? this.ssc.defaultParallelism;
      const reduced = this.reduceByKey(f, n);
      return new DStream<[K, V]>(this.ssc, new ReducedWindowedNode<K, V>(this, reduced, f, a, filter, windowDuration, slide, n));
    }
    const slide = b ?? this.slideDuration;
    const n = (c as number | undefined) ?? this.ssc.defaultParallelism;
    return this.reduceByKey(f, n).window(a, slide).reduceByKey(f, n);
  }

  /** groupByKey over a sliding window. */
  groupByKeyAndWindow<K, V>(
    this: DStream<[K, V]>,
    windowDuration: Duration,
    slideDuration: Duration = this.slideDuration,
    numPartitions: number = this.ssc.defaultParallelism,
  ): DStream<[K, V[]]> {
    return this.groupByKey(numPartitions)
      .window(windowDuration, slideDuration)
      .combineByKey(
        (vs: V[]) => vs.slice(),
        (buf: V[], vs: V[]) => {
          for (const v of vs) buf.push(v);
          return buf;
        },
        (x: V[], y: V[]) => {
          for (const v of y) x.push(v);
          return x;
        },
        numPartitions,
      );
  }

  /**
   * Running state per key: `update(newValues, previousState)` returns the new state, or undefined
   * to remove the key. Only keys with new values are visited (O(changed keys) per batch) unless
   * `callForAllKeys` asks for Spark's visit-everything semantics.
   */
  updateStateByKey<K, V, S>(
    this: DStream<[K, V]>,
    update: UpdateFunction<V, S>,
    options: UpdateStateOptions<K, S> | number = {},
  ): StateDStream<K, S> {
    const opts = typeof options === 'number' ? { numPartitions: options } : options;
    const node = new UpdateStateNode<K, V, S>(
      this,
      update,
      opts.numPartitions ?? this.ssc.defaultParallelism,
      opts.initial,
      opts.callForAllKeys ?? false,
    );
    return new StateDStream<K, S>(this.ssc, node);
  }

  /** Spark's mapWithState: see StateSpec and State. */
  mapWithState<K, V, S, E>(this: DStream<[K, V]>, spec: StateSpec<K, V, S, E>): MapWithStateDStream<K, V, S, E> {
    const node = new MapWithStateNode<K, V, S, E>(this, spec, spec.getNumPartitions() ?? this.ssc.defaultParallelism);
    return new MapWithStateDStream<K, V, S, E>(this.ssc, node);
  }

  // ---------------------------------------------------------------- output operations

  /** Registers `f` to run on every batch, in definition order with the other output operations. */
  foreachRDD(f: (rdd: RDD<T>, time: Time) => void | Promise<void>): void {
    this.ssc.graph.addOutputOperation(this as DStream<unknown>, 'foreachRDD', 'foreachRDD', f as OutputFunction<unknown>);
  }

  /**
   * Like foreachRDD, with the batch's transaction: commands queued with `tx.call(...)` join the
   * batch's commit (eddy's committer runs them in the same MULTI/EXEC as state and offsets).
   */
  foreachBatch(f: OutputFunction<T>): void {
    this.foreachBatchInternal('foreachBatch', 'foreachBatch', f);
  }

  /** @internal An output operation with a given name (print, sinks) and access to the batch's commit. */
  foreachBatchInternal(name: string, description: string, f: OutputFunction<T>, requiresCommit = false): void {
    this.ssc.graph.addOutputOperation(this as DStream<unknown>, name, description, f as OutputFunction<unknown>, requiresCommit);
  }

  // ---------------------------------------------------------------- eddy sinks (see sinks.ts)

  /** One field per key in the hash `key`, written in the batch's commit (state streams: changed keys only). */
  saveToHash<K, V>(this: DStream<[K, V]>, key: string, options: SinkOptions = {}): void {
    this.foreachBatchInternal('saveToHash', `saveToHash(${key})`, hashSink<K, V>(key, options), true);
  }

  /** One member per key in the sorted set `key`, its value as the score (for top-N reads). */
  saveToSortedSet<K, V extends number>(this: DStream<[K, V]>, key: string, options: SinkOptions = {}): void {
    this.foreachBatchInternal('saveToSortedSet', `saveToSortedSet(${key})`, sortedSetSink<K, V>(key, options), true);
  }

  /** One string key `prefix + key` per key. */
  saveToKeys<K, V>(this: DStream<[K, V]>, prefix: string, options: KeysSinkOptions = {}): void {
    this.foreachBatchInternal('saveToKeys', `saveToKeys(${prefix})`, keysSink<K, V>(prefix, options), true);
  }

  /** One hash `prefix:<batch time ms>` per window (per batch), with expiry; `prefix:latest` names the last one. */
  saveWindows<K, V>(this: DStream<[K, V]>, prefix: string, options: WindowSinkOptions = {}): void {
    this.foreachBatchInternal('saveWindows', `saveWindows(${prefix})`, windowSink<K, V>(prefix, options), true);
  }

  /** Prints the first `num` elements of every batch, in Spark's format. */
  print(num = 10): void {
    const f: OutputFunction<T> = (rdd, time) => {
      const first = rdd.take(num + 1);
      let s = `-------------------------------------------\nTime: ${time}\n-------------------------------------------\n`;
      for (let i = 0; i < Math.min(num, first.length); i++) s += `${formatValue(first[i])}\n`;
      if (first.length > num) s += '...\n';
      s += '\n';
      this.ssc.writeOut(s);
    };
    this.foreachBatchInternal('print', `print(${num})`, f);
  }

  /** Saves every batch as text files in directory "prefix-TIME_IN_MS.suffix" (part-00000, ...). */
  saveAsTextFiles(prefix: string, suffix = ''): void {
    this.foreachBatchInternal('saveAsTextFiles', `saveAsTextFiles(${prefix}, ${suffix})`, (rdd, time) => {
      rdd.saveAsTextFile(rddToFileName(prefix, suffix, time));
    });
  }
}

/** updateStateByKey's stream: the state as of each batch (a view RDD), plus the batch's delta. */
export class StateDStream<K, S> extends DStream<[K, S]> {
  constructor(ssc: StreamingContext, private readonly stateNode: KeyedStateNode<K, S, [K, S]>) {
    super(ssc, stateNode);
  }

  /** Changes of the last computed batch: updated keys with their new state, and removed keys. */
  lastDelta(): StateDelta<K, S> | undefined {
    return this.stateNode.lastDelta();
  }

  /** Number of keys in the state now. */
  get stateSize(): number {
    return this.stateNode.stateSize;
  }
}

/** mapWithState's stream: the mapped records; stateSnapshots() gives the full state per batch. */
export class MapWithStateDStream<K, V, S, E> extends DStream<E> {
  constructor(ssc: StreamingContext, private readonly stateNode: KeyedStateNode<K, S, E>) {
    super(ssc, stateNode);
  }

  stateSnapshots(): DStream<[K, S]> {
    return new DStream<[K, S]>(this.ssc, new SnapshotNode<K, S>(this as DStream<unknown>, this.stateNode as KeyedStateNode<K, S, unknown>));
  }

  lastDelta(): StateDelta<K, S> | undefined {
    return this.stateNode.lastDelta();
  }

  get stateSize(): number {
    return this.stateNode.stateSize;
  }
}

export type { StateRDD };
