// Why: the partitioned collection each batch is made of (Spark's RDD): lazy, with narrow operations
// pipelined per partition (push-based, no intermediate arrays), shuffles (reduceByKey, groupByKey,
// joins, cogroup) hash-partitioned by key and computed once, and actions that read only what they
// need (take/first scan partitions in order). Pair operations are typed with a `this` parameter,
// so they can only be called on RDD<[K, V]>.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { formatValue, mapKey, partitionOfMapped } from './keys.js';

/** Receives one element; returns false to stop the scan early. */
export type Emit<T> = (item: T) => boolean;
/** Pushes partition `index` into `emit`; returns false if the scan was stopped early. */
export type PartitionCompute<T> = (index: number, emit: Emit<T>) => boolean;

export interface Partition {
  readonly index: number;
}

function emitAll<T>(items: readonly T[], emit: Emit<T>): boolean {
  for (let i = 0; i < items.length; i++) if (!emit(items[i])) return false;
  return true;
}

function emitIterable<T>(items: Iterable<T>, emit: Emit<T>): boolean {
  if (Array.isArray(items)) return emitAll(items as T[], emit);
  for (const x of items) if (!emit(x)) return false;
  return true;
}

function checkPartitions(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`Number of partitions (${n}) must be positive.`);
  return n;
}

/** Spark's ParallelCollectionRDD.slice positions. */
function slicePositions(length: number, numSlices: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < numSlices; i++) {
    out.push([Math.floor((i * length) / numSlices), Math.floor(((i + 1) * length) / numSlices)]);
  }
  return out;
}

export class RDD<T> {
  readonly numPartitions: number;
  protected computeFn: PartitionCompute<T>;
  private memo: Array<T[] | undefined> | undefined;

  constructor(numPartitions: number, compute: PartitionCompute<T>) {
    if (!Number.isSafeInteger(numPartitions) || numPartitions < 0) throw new RangeError(`bad partition count ${numPartitions}`);
    this.numPartitions = numPartitions;
    this.computeFn = compute;
  }

  // ---------------------------------------------------------------- construction

  /** An RDD whose partitions are the given arrays (not copied). */
  static fromPartitions<T>(parts: T[][]): RDD<T> {
    const rdd = new RDD<T>(parts.length, (i, emit) => emitAll(parts[i], emit));
    rdd.memo = parts;
    return rdd;
  }

  /** Spreads `items` over `numSlices` partitions the way SparkContext.parallelize does. */
  static parallelize<T>(items: Iterable<T>, numSlices = 1): RDD<T> {
    checkPartitions(numSlices);
    const arr = Array.isArray(items) ? (items as T[]) : [...items];
    return RDD.fromPartitions(slicePositions(arr.length, numSlices).map(([a, b]) => arr.slice(a, b)));
  }

  /** An RDD with no partitions (SparkContext.emptyRDD). */
  static empty<T>(): RDD<T> {
    return RDD.fromPartitions<T>([]);
  }

  /** Partitions of all the RDDs, one after the other (SparkContext.union). */
  static union<T>(rdds: readonly RDD<T>[]): RDD<T> {
    if (rdds.length === 1) return rdds[0];
    const offsets: number[] = [];
    let n = 0;
    for (const r of rdds) {
      offsets.push(n);
      n += r.numPartitions;
    }
    return new RDD<T>(n, (i, emit) => {
      let k = rdds.length - 1;
      while (offsets[k] > i) k--;
      return rdds[k].forEachIn(i - offsets[k], emit);
    });
  }

  /** An RDD computed all at once on first use (shuffle output); `build` is dropped afterwards. */
  static materializeOnce<T>(numPartitions: number, build: () => T[][]): RDD<T> {
    let parts: T[][] | undefined;
    let builder: (() => T[][]) | undefined = build;
    const rdd = new RDD<T>(numPartitions, (i, emit) => {
      if (!parts) {
        parts = builder!();
        builder = undefined;
      }
      return emitAll(parts[i], emit);
    });
    return rdd;
  }

  // ---------------------------------------------------------------- low level

  /** Pushes the elements of partition `index` into `emit` (stops when emit returns false). */
  forEachIn(index: number, emit: Emit<T>): boolean {
    const m = this.memo?.[index];
    if (m) return emitAll(m, emit);
    if (this.memo) {
      const arr = this.computeArray(index);
      this.memo[index] = arr;
      return emitAll(arr, emit);
    }
    return this.computeFn(index, emit);
  }

  private computeArray(index: number): T[] {
    const out: T[] = [];
    this.computeFn(index, (t) => {
      out.push(t);
      return true;
    });
    return out;
  }

  /** Partition `index` as an array (shared when persisted: do not mutate). */
  protected partitionArray(index: number): readonly T[] {
    const m = this.memo?.[index];
    if (m) return m;
    const arr = this.computeArray(index);
    if (this.memo) this.memo[index] = arr;
    return arr;
  }

  /** The elements of partition `index` (a fresh array). */
  partition(index: number): T[] {
    return this.partitionArray(index).slice();
  }

  get partitions(): Partition[] {
    return Array.from({ length: this.numPartitions }, (_, index) => ({ index }));
  }

  getNumPartitions(): number {
    return this.numPartitions;
  }

  /** Keeps computed partitions in memory, so later actions do not recompute them. */
  persist(): this {
    if (!this.memo) this.memo = new Array<T[] | undefined>(this.numPartitions);
    return this;
  }

  cache(): this {
    return this.persist();
  }

  unpersist(): this {
    this.memo = undefined;
    return this;
  }

  get isPersisted(): boolean {
    return this.memo !== undefined;
  }

  // ---------------------------------------------------------------- narrow transformations

  map<K, V>(f: (item: T) => [K, V]): RDD<[K, V]>;
  map<U>(f: (item: T) => U): RDD<U>;
  map<U>(f: (item: T) => U): RDD<U> {
    return new RDD<U>(this.numPartitions, (i, emit) => this.forEachIn(i, (t) => emit(f(t))));
  }

  /** map() for functions returning a key/value tuple (lets `x => [x, 1]` infer [K, V]). */
  mapToPair<K, V>(f: (item: T) => [K, V]): RDD<[K, V]> {
    return this.map(f);
  }

  flatMap<U>(f: (item: T) => Iterable<U>): RDD<U> {
    return new RDD<U>(this.numPartitions, (i, emit) => this.forEachIn(i, (t) => emitIterable(f(t), emit)));
  }

  filter<S extends T>(f: (item: T) => item is S): RDD<S>;
  filter(f: (item: T) => boolean): RDD<T>;
  filter(f: (item: T) => boolean): RDD<T> {
    return new RDD<T>(this.numPartitions, (i, emit) => this.forEachIn(i, (t) => (f(t) ? emit(t) : true)));
  }

  /** Applies `f` to each whole partition (its elements and its index). */
  mapPartitions<U>(f: (items: T[], partitionIndex: number) => Iterable<U>): RDD<U> {
    return new RDD<U>(this.numPartitions, (i, emit) => emitIterable(f(this.partition(i), i), emit));
  }

  /** Spark's mapPartitionsWithIndex argument order. */
  mapPartitionsWithIndex<U>(f: (partitionIndex: number, items: T[]) => Iterable<U>): RDD<U> {
    return this.mapPartitions((items, i) => f(i, items));
  }

  /** One array per partition holding its elements. */
  glom(): RDD<T[]> {
    return new RDD<T[]>(this.numPartitions, (i, emit) => emit(this.partition(i)));
  }

  union(other: RDD<T>): RDD<T> {
    return RDD.union([this, other]);
  }

  /** Narrow: merges neighbouring partitions into `numPartitions` (no shuffle). */
  coalesce(numPartitions: number): RDD<T> {
    checkPartitions(numPartitions);
    if (numPartitions >= this.numPartitions) return this;
    const ranges = slicePositions(this.numPartitions, numPartitions);
    return new RDD<T>(numPartitions, (i, emit) => {
      const [a, b] = ranges[i];
      for (let p = a; p < b; p++) if (!this.forEachIn(p, emit)) return false;
      return true;
    });
  }

  /** Shuffle into exactly `numPartitions` partitions, round-robin (Spark's repartition). */
  repartition(numPartitions: number): RDD<T> {
    checkPartitions(numPartitions);
    return RDD.materializeOnce(numPartitions, () => {
      const out: T[][] = Array.from({ length: numPartitions }, () => []);
      for (let p = 0; p < this.numPartitions; p++) {
        let target = p % numPartitions;
        this.forEachIn(p, (t) => {
          out[target].push(t);
          target = target + 1 === numPartitions ? 0 : target + 1;
          return true;
        });
      }
      return out;
    });
  }

  distinct(numPartitions = Math.max(1, this.numPartitions)): RDD<T> {
    return this.map((t): [T, null] => [t, null]).reduceByKey((a) => a, numPartitions).keys();
  }

  /** Sorts by `keyFn` into `numPartitions` range partitions. */
  sortBy<K>(keyFn: (item: T) => K, ascending = true, numPartitions = Math.max(1, this.numPartitions)): RDD<T> {
    checkPartitions(numPartitions);
    return RDD.materializeOnce(numPartitions, () => {
      const items = this.collect().map((t) => ({ t, k: keyFn(t) }));
      items.sort((a, b) => compareValues(a.k, b.k) * (ascending ? 1 : -1));
      return slicePositions(items.length, numPartitions).map(([a, b]) => items.slice(a, b).map((x) => x.t));
    });
  }

  zipWithIndex(): RDD<[T, number]> {
    const counts: number[] = [];
    for (let p = 0; p < this.numPartitions; p++) counts.push(p === 0 ? 0 : counts[p - 1] + this.countPartition(p - 1));
    return new RDD<[T, number]>(this.numPartitions, (i, emit) => {
      let n = counts[i];
      return this.forEachIn(i, (t) => emit([t, n++]));
    });
  }

  private countPartition(p: number): number {
    let n = 0;
    this.forEachIn(p, () => {
      n++;
      return true;
    });
    return n;
  }

  // ---------------------------------------------------------------- actions

  collect(): T[] {
    const out: T[] = [];
    for (let p = 0; p < this.numPartitions; p++) {
      this.forEachIn(p, (t) => {
        out.push(t);
        return true;
      });
    }
    return out;
  }

  count(): number {
    let n = 0;
    for (let p = 0; p < this.numPartitions; p++) n += this.countPartition(p);
    return n;
  }

  /** Reduces all elements; throws "empty collection" on an empty RDD, as Spark does. */
  reduce(f: (a: T, b: T) => T): T {
    let acc: T | undefined;
    let has = false;
    for (let p = 0; p < this.numPartitions; p++) {
      this.forEachIn(p, (t) => {
        if (has) acc = f(acc as T, t);
        else {
          acc = t;
          has = true;
        }
        return true;
      });
    }
    if (!has) throw new Error('empty collection');
    return acc as T;
  }

  fold(zero: T, f: (a: T, b: T) => T): T {
    let acc = zero;
    for (let p = 0; p < this.numPartitions; p++) {
      this.forEachIn(p, (t) => {
        acc = f(acc, t);
        return true;
      });
    }
    return acc;
  }

  /** The first `n` elements, scanning partitions in order and stopping as soon as it has them. */
  take(n: number): T[] {
    const out: T[] = [];
    if (n <= 0) return out;
    for (let p = 0; p < this.numPartitions && out.length < n; p++) {
      this.forEachIn(p, (t) => {
        out.push(t);
        return out.length < n;
      });
    }
    return out;
  }

  first(): T {
    const r = this.take(1);
    if (r.length === 0) throw new Error('empty collection');
    return r[0];
  }

  isEmpty(): boolean {
    return this.numPartitions === 0 || this.take(1).length === 0;
  }

  foreach(f: (item: T) => void): void {
    for (let p = 0; p < this.numPartitions; p++) {
      this.forEachIn(p, (t) => {
        f(t);
        return true;
      });
    }
  }

  foreachPartition(f: (items: T[], partitionIndex: number) => void): void {
    for (let p = 0; p < this.numPartitions; p++) f(this.partition(p), p);
  }

  /** Counts of each distinct element (an action, as RDD.countByValue in Spark). */
  countByValue(): Map<T, number> {
    const m = new Map<unknown, [T, number]>();
    this.foreach((t) => {
      const mk = mapKey(t);
      const e = m.get(mk);
      if (e) e[1]++;
      else m.set(mk, [t, 1]);
    });
    return new Map([...m.values()]);
  }

  /** The `n` smallest elements by `compare` (default: natural order). */
  takeOrdered(n: number, compare: (a: T, b: T) => number = compareValues): T[] {
    return this.collect().sort(compare).slice(0, Math.max(0, n));
  }

  /** The `n` largest elements by `compare` (default: natural order). */
  top(n: number, compare: (a: T, b: T) => number = compareValues): T[] {
    return this.takeOrdered(n, (a, b) => compare(b, a));
  }

  /**
   * Writes one `part-0000N` text file per partition and an empty `_SUCCESS` into directory `path`
   * (Hadoop's layout), replacing an existing directory; the directory appears atomically.
   */
  saveAsTextFile(path: string): void {
    const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    for (let p = 0; p < this.numPartitions; p++) {
      const lines: string[] = [];
      this.forEachIn(p, (t) => {
        lines.push(formatValue(t));
        return true;
      });
      writeFileSync(join(tmp, `part-${String(p).padStart(5, '0')}`), lines.length ? lines.join('\n') + '\n' : '');
    }
    writeFileSync(join(tmp, '_SUCCESS'), '');
    rmSync(path, { recursive: true, force: true });
    renameSync(tmp, path);
  }

  toString(): string {
    return `RDD[${this.numPartitions} partitions]`;
  }

  // ---------------------------------------------------------------- pair operations (RDD<[K, V]> only)

  keys<K, V>(this: RDD<[K, V]>): RDD<K> {
    return this.map((kv) => kv[0]);
  }

  values<K, V>(this: RDD<[K, V]>): RDD<V> {
    return this.map((kv) => kv[1]);
  }

  mapValues<K, V, U>(this: RDD<[K, V]>, f: (v: V) => U): RDD<[K, U]> {
    return this.map((kv): [K, U] => [kv[0], f(kv[1])]);
  }

  flatMapValues<K, V, U>(this: RDD<[K, V]>, f: (v: V) => Iterable<U>): RDD<[K, U]> {
    return new RDD<[K, U]>(this.numPartitions, (i, emit) =>
      this.forEachIn(i, (kv) => {
        for (const u of f(kv[1])) if (!emit([kv[0], u])) return false;
        return true;
      }),
    );
  }

  /**
   * Spark's combineByKey: per input partition, values of a key are combined with createCombiner /
   * mergeValue (map-side combine), then the partial combiners are hash-partitioned by key into
   * `numPartitions` partitions and merged with mergeCombiners.
   */
  combineByKey<K, V, C>(
    this: RDD<[K, V]>,
    createCombiner: (v: V) => C,
    mergeValue: (c: C, v: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions: number = Math.max(1, this.numPartitions),
    mapSideCombine = true,
  ): RDD<[K, C]> {
    checkPartitions(numPartitions);
    return RDD.materializeOnce<[K, C]>(numPartitions, () => {
      const outs: Array<Map<unknown, [K, C]>> = Array.from({ length: numPartitions }, () => new Map());
      for (let p = 0; p < this.numPartitions; p++) {
        if (!mapSideCombine) {
          this.forEachIn(p, (kv) => {
            const mk = mapKey(kv[0]);
            const out = outs[partitionOfMapped(mk, numPartitions)];
            const e = out.get(mk);
            if (e) e[1] = mergeValue(e[1], kv[1]);
            else out.set(mk, [kv[0], createCombiner(kv[1])]);
            return true;
          });
          continue;
        }
        const local = new Map<unknown, [K, C]>();
        this.forEachIn(p, (kv) => {
          const mk = mapKey(kv[0]);
          const e = local.get(mk);
          if (e) e[1] = mergeValue(e[1], kv[1]);
          else local.set(mk, [kv[0], createCombiner(kv[1])]);
          return true;
        });
        for (const [mk, e] of local) {
          const out = outs[partitionOfMapped(mk, numPartitions)];
          const o = out.get(mk);
          if (o) o[1] = mergeCombiners(o[1], e[1]);
          else out.set(mk, e);
        }
      }
      return outs.map((m) => [...m.values()]);
    });
  }

  reduceByKey<K, V>(this: RDD<[K, V]>, f: (a: V, b: V) => V, numPartitions?: number): RDD<[K, V]> {
    return this.combineByKey((v) => v, f, f, numPartitions);
  }

  foldByKey<K, V>(this: RDD<[K, V]>, zero: V, f: (a: V, b: V) => V, numPartitions?: number): RDD<[K, V]> {
    return this.combineByKey((v) => f(zero, v), f, f, numPartitions);
  }

  groupByKey<K, V>(this: RDD<[K, V]>, numPartitions?: number): RDD<[K, V[]]> {
    return this.combineByKey(
      (v) => [v],
      (c: V[], v) => {
        c.push(v);
        return c;
      },
      (a, b) => {
        for (const x of b) a.push(x);
        return a;
      },
      numPartitions,
      false,
    );
  }

  /** Hash-partitions the pairs by key into `numPartitions` partitions (order kept per key). */
  partitionBy<K, V>(this: RDD<[K, V]>, numPartitions: number): RDD<[K, V]> {
    checkPartitions(numPartitions);
    return RDD.materializeOnce<[K, V]>(numPartitions, () => {
      const out: Array<Array<[K, V]>> = Array.from({ length: numPartitions }, () => []);
      for (let p = 0; p < this.numPartitions; p++) {
        this.forEachIn(p, (kv) => {
          out[partitionOfMapped(mapKey(kv[0]), numPartitions)].push(kv);
          return true;
        });
      }
      return out;
    });
  }

  countByKey<K, V>(this: RDD<[K, V]>): Map<K, number> {
    const m = new Map<unknown, [K, number]>();
    this.foreach((kv) => {
      const mk = mapKey(kv[0]);
      const e = m.get(mk);
      if (e) e[1]++;
      else m.set(mk, [kv[0], 1]);
    });
    return new Map([...m.values()]);
  }

  /** The pairs as a Map (the last value wins for duplicate keys). */
  collectAsMap<K, V>(this: RDD<[K, V]>): Map<K, V> {
    const m = new Map<unknown, [K, V]>();
    this.foreach((kv) => {
      m.set(mapKey(kv[0]), kv);
    });
    return new Map([...m.values()]);
  }

  lookup<K, V>(this: RDD<[K, V]>, key: K): V[] {
    const mk = mapKey(key);
    const out: V[] = [];
    this.foreach((kv) => {
      if (mapKey(kv[0]) === mk) out.push(kv[1]);
    });
    return out;
  }

  sortByKey<K, V>(this: RDD<[K, V]>, ascending = true, numPartitions?: number): RDD<[K, V]> {
    return this.sortBy((kv) => kv[0], ascending, numPartitions);
  }

  /** For each key in either RDD, the values from this one and from `other`. */
  cogroup<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V[], W[]]]> {
    const n = numPartitions ?? Math.max(1, this.numPartitions, other.numPartitions);
    return cogroupMany<K>([this, other] as Array<RDD<[K, unknown]>>, n) as unknown as RDD<[K, [V[], W[]]]>;
  }

  join<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V, W]]> {
    return this.cogroup(other, numPartitions).flatMap(([k, [vs, ws]]) => {
      const out: Array<[K, [V, W]]> = [];
      for (const v of vs) for (const w of ws) out.push([k, [v, w]]);
      return out;
    });
  }

  leftOuterJoin<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V, W | undefined]]> {
    return this.cogroup(other, numPartitions).flatMap(([k, [vs, ws]]) => {
      const out: Array<[K, [V, W | undefined]]> = [];
      for (const v of vs) {
        if (ws.length === 0) out.push([k, [v, undefined]]);
        else for (const w of ws) out.push([k, [v, w]]);
      }
      return out;
    });
  }

  rightOuterJoin<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V | undefined, W]]> {
    return this.cogroup(other, numPartitions).flatMap(([k, [vs, ws]]) => {
      const out: Array<[K, [V | undefined, W]]> = [];
      for (const w of ws) {
        if (vs.length === 0) out.push([k, [undefined, w]]);
        else for (const v of vs) out.push([k, [v, w]]);
      }
      return out;
    });
  }

  fullOuterJoin<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, [V | undefined, W | undefined]]> {
    return this.cogroup(other, numPartitions).flatMap(([k, [vs, ws]]) => {
      const out: Array<[K, [V | undefined, W | undefined]]> = [];
      if (vs.length === 0) for (const w of ws) out.push([k, [undefined, w]]);
      else if (ws.length === 0) for (const v of vs) out.push([k, [v, undefined]]);
      else for (const v of vs) for (const w of ws) out.push([k, [v, w]]);
      return out;
    });
  }

  subtractByKey<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number): RDD<[K, V]> {
    return this.cogroup(other, numPartitions).flatMap(([k, [vs, ws]]) => (ws.length ? [] : vs.map((v): [K, V] => [k, v])));
  }
}

/** Cogroups several pair RDDs: for each key, one array of values per input RDD. */
export function cogroupMany<K>(rdds: ReadonlyArray<RDD<[K, unknown]>>, numPartitions: number): RDD<[K, unknown[][]]> {
  checkPartitions(numPartitions);
  return RDD.materializeOnce<[K, unknown[][]]>(numPartitions, () => {
    const outs: Array<Map<unknown, [K, unknown[][]]>> = Array.from({ length: numPartitions }, () => new Map());
    rdds.forEach((rdd, which) => {
      for (let p = 0; p < rdd.numPartitions; p++) {
        rdd.forEachIn(p, (kv) => {
          const mk = mapKey(kv[0]);
          const out = outs[partitionOfMapped(mk, numPartitions)];
          let e = out.get(mk);
          if (!e) {
            e = [kv[0], rdds.map(() => [])];
            out.set(mk, e);
          }
          e[1][which].push(kv[1]);
          return true;
        });
      }
    });
    return outs.map((m) => [...m.values()]);
  });
}

/** Natural order for numbers, strings, bigints, booleans; arrays lexicographically; else by text. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const sa = formatValue(a);
  const sb = formatValue(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The RDD of a direct source's batch, carrying the offset ranges it was read from (HasOffsetRanges). */
export interface OffsetRange {
  /** The partition (e.g. the stream key `clicks:{0}`). */
  readonly partition: string | number;
  /** First offset included (exclusive bound semantics are up to the source; documented there). */
  readonly fromOffset: string | number;
  readonly untilOffset: string | number;
  readonly count?: number;
}

export class SourceRDD<T> extends RDD<T> {
  constructor(parts: T[][], readonly offsetRanges: readonly OffsetRange[]) {
    super(parts.length, (i, emit) => emitAll(parts[i], emit));
  }
}

export function hasOffsetRanges(rdd: RDD<unknown>): rdd is SourceRDD<unknown> {
  return rdd instanceof SourceRDD;
}
