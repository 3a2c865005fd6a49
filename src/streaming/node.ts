// Why: the contract between a DStream and its operator (Spark's DStream subclass contract): each
// operator node knows its parents, its slide duration and how to compute its batch for a time from
// theirs. The DStream wrapper adds caching (getOrCompute), validity, remembering and cleanup, and
// the scheduler only ever talks to input nodes and output operations.
import type { DStream } from './dstream.js';
import type { Duration, Time } from './duration.js';
import type { KeyedStore } from './keyed-store.js';
import type { JsonValue } from './keys.js';
import type { RDD } from './rdd.js';

export interface DStreamNode<T> {
  /** Operator name (e.g. "map", "reduceByKeyAndWindow"), part of the graph fingerprint. */
  readonly kind: string;
  /** Parameters that matter for checkpoint compatibility (window lengths, partition counts...). */
  readonly params?: { [key: string]: JsonValue };
  readonly dependencies: ReadonlyArray<DStream<unknown>>;
  readonly slideDuration: Duration;
  /** Stateful operators: need StreamingContext.checkpoint() before start (Spark's mustCheckpoint). */
  readonly mustCheckpoint?: boolean;
  /** How much longer than this stream's own remember duration its parents must keep batches. */
  readonly parentRememberExtra?: Duration;
  /** Called once, when the node is wrapped in its DStream. */
  bind?(self: DStream<T>): void;
  /** The batch for `time` (already known to be a valid time for this stream). */
  compute(time: Time): RDD<T> | undefined;
  /** Drops per-batch data for times <= `threshold`. */
  forget?(threshold: Time): void;
}

/**
 * Operators holding keyed state (updateStateByKey, mapWithState, incremental windows). The
 * committer reads `store.lastDelta()` after each batch and `store.restore()`s checkpointed entries
 * before start.
 */
export interface StatefulNode<K, S> {
  readonly stateful: true;
  readonly store: KeyedStore<K, S>;
}

export function isStatefulNode(node: unknown): node is StatefulNode<unknown, unknown> {
  return typeof node === 'object' && node !== null && (node as { stateful?: unknown }).stateful === true;
}

/**
 * Window operators: each window reads the batches of `windowInput` over its window. A committer
 * keeps those batches (slices) for `windowDuration + slideDuration`, so that a restarted job can
 * compute its next windows (the previous window's state alone does not say what leaves it).
 */
export interface WindowNode {
  readonly isWindow: true;
  readonly windowInput: DStream<unknown>;
  readonly windowDuration: Duration;
  readonly slideDuration: Duration;
}

export function isWindowNode(node: unknown): node is WindowNode {
  return typeof node === 'object' && node !== null && (node as { isWindow?: unknown }).isWindow === true;
}

/** What a batch of one input reads: decided when the batch is generated (its tick). */
export interface InputPlan {
  /** Records in the batch, when known at planning time. */
  numRecords?: number;
  /**
   * JSON description of exactly what the batch reads (offset ranges, block ids, file names): the
   * checkpoint committer stores it so a restarted job recomputes the batch from the same input.
   */
  metadata?: JsonValue;
  /** Source-private data handed from plan() to materialize() (not persisted). */
  data?: unknown;
}

/** A source of batches: planned at each tick, materialized when the batch runs. */
export interface InputNode<T> extends DStreamNode<T> {
  readonly isInput: true;
  /** Input stream name for logs and listener events, e.g. "SocketInputDStream". */
  readonly name: string;
  start?(): void | Promise<void>;
  /** graceful: stop receiving but keep what was received so the last batches include it. */
  stop?(graceful: boolean): void | Promise<void>;
  /** Freezes the input of the batch at `time` (called in batch order, at the batch's tick). */
  plan(time: Time): InputPlan | Promise<InputPlan>;
  /** Builds the batch's RDD from its plan (a deterministic function of it). */
  materialize(time: Time, plan: InputPlan): RDD<T> | Promise<RDD<T>>;
}

export function isInputNode(node: unknown): node is InputNode<unknown> {
  return typeof node === 'object' && node !== null && (node as { isInput?: unknown }).isInput === true;
}
