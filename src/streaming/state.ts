// Why: mapWithState's public State handle and StateSpec builder, with Spark's exact rules and
// messages (no update/remove of a timing-out state, "State is not set", ...).
import type { Duration, Time } from './duration.js';
import { IllegalArgumentException } from './errors.js';
import type { RDD } from './rdd.js';

/** The per-key state handed to a mapWithState function. */
export interface State<S> {
  exists(): boolean;
  /** The state; throws NoSuchElementException("State is not set") if there is none. */
  get(): S;
  getOption(): S | undefined;
  update(newState: S): void;
  remove(): void;
  /** True when the key is being timed out: this is its last call; the state can no longer change. */
  isTimingOut(): boolean;
}

export class NoSuchElementException extends Error {
  override name = 'NoSuchElementException';
}

function requireState(cond: boolean, msg: string): void {
  if (!cond) throw new IllegalArgumentException(`requirement failed: ${msg}`);
}

/** Spark's StateImpl: one object re-wrapped around each key's state. */
export class StateImpl<S> implements State<S> {
  private state: S | undefined;
  private defined = false;
  private timingOut = false;
  private updated = false;
  private removed = false;

  exists(): boolean {
    return this.defined;
  }

  get(): S {
    if (this.defined) return this.state as S;
    throw new NoSuchElementException('State is not set');
  }

  getOption(): S | undefined {
    return this.defined ? this.state : undefined;
  }

  update(newState: S): void {
    requireState(!this.removed, 'Cannot update the state after it has been removed');
    requireState(!this.timingOut, 'Cannot update the state that is timing out');
    this.state = newState;
    this.defined = true;
    this.updated = true;
  }

  isTimingOut(): boolean {
    return this.timingOut;
  }

  remove(): void {
    requireState(!this.timingOut, 'Cannot remove the state that is timing out');
    requireState(!this.removed, 'Cannot remove the state that has already been removed');
    this.defined = false;
    this.updated = false;
    this.removed = true;
  }

  isRemoved(): boolean {
    return this.removed;
  }

  isUpdated(): boolean {
    return this.updated;
  }

  wrap(exists: boolean, state: S | undefined): void {
    this.state = exists ? state : undefined;
    this.defined = exists;
    this.timingOut = false;
    this.removed = false;
    this.updated = false;
  }

  wrapTimingOutState(state: S): void {
    this.state = state;
    this.defined = true;
    this.timingOut = true;
    this.removed = false;
    this.updated = false;
  }

  toString(): string {
    return this.defined ? String(this.state) : '<state not set>';
  }
}

/**
 * The mapping function of mapWithState: called for every record of the batch with its key, value
 * and state, and once more with value `undefined` and `state.isTimingOut()` for a key that timed
 * out. What it returns (unless undefined) is emitted in the mapped stream.
 */
export type MappingFunction<K, V, S, E> = (key: K, value: V | undefined, state: State<S>, batchTime: Time) => E | undefined;

/** Spark's StateSpec: StateSpec.function(fn).timeout(d).initialState(rdd).numPartitions(n). */
export class StateSpec<K, V, S, E> {
  private timeoutInterval: Duration | undefined;
  private initial: RDD<[K, S]> | undefined;
  private partitions: number | undefined;

  private constructor(readonly mappingFunction: MappingFunction<K, V, S, E>) {}

  static function<K, V, S, E>(fn: MappingFunction<K, V, S, E>): StateSpec<K, V, S, E> {
    if (typeof fn !== 'function') throw new IllegalArgumentException('requirement failed: mapping function must be a function');
    return new StateSpec(fn);
  }

  /** Keys without data for this long are timed out (given one last call, then removed). */
  timeout(idleDuration: Duration): this {
    this.timeoutInterval = idleDuration;
    return this;
  }

  initialState(rdd: RDD<[K, S]>): this {
    this.initial = rdd;
    return this;
  }

  numPartitions(n: number): this {
    if (!Number.isSafeInteger(n) || n < 1) throw new IllegalArgumentException(`requirement failed: Number of partitions (${n}) must be positive.`);
    this.partitions = n;
    return this;
  }

  getTimeoutInterval(): Duration | undefined {
    return this.timeoutInterval;
  }

  getInitialStateRDD(): RDD<[K, S]> | undefined {
    return this.initial;
  }

  getNumPartitions(): number | undefined {
    return this.partitions;
  }
}
