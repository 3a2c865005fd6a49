// Why: the public streaming API (`import { StreamingContext, Seconds } from 'eddy'`).
export { StreamingContext, StreamingContextState } from './context.js';
export type { StreamingContextOptions, StopOptions, QueueStreamOptions } from './context.js';
export { DStream, StateDStream, MapWithStateDStream, rddToFileName } from './dstream.js';
export type { BatchTransaction, OutputFunction } from './dstream.js';
export { RDD, SourceRDD, hasOffsetRanges, cogroupMany, compareValues } from './rdd.js';
export type { OffsetRange, Partition } from './rdd.js';
export { Duration, Time, Interval, Milliseconds, Seconds, Minutes, Hours, parseDuration } from './duration.js';
export { SystemClock, ManualClock, RecurringTimer } from './clock.js';
export type { Clock } from './clock.js';
export { StateSpec, StateImpl, NoSuchElementException } from './state.js';
export type { State, MappingFunction } from './state.js';
export type { UpdateFunction, UpdateStateOptions } from './ops/stateful.js';
export type { FilterFn } from './ops/window.js';
export { KeyedStore, StateRDD } from './keyed-store.js';
export type { StateDelta, StateEntry } from './keyed-store.js';
export { Receiver, ReceiverInputNode } from './inputs/receiver.js';
export type { BlockLog, LoggedEntry } from './inputs/receiver.js';
export { SocketReceiver } from './inputs/socket.js';
export type { DirectSource } from './inputs/direct.js';
export { DirectInputNode } from './inputs/direct.js';
export type { FileStreamOptions } from './inputs/file.js';
export { RedisStreamSource, partitionKeys } from './inputs/redis-stream.js';
export type { RedisStreamOptions, StreamOffsets, StreamRecord } from './inputs/redis-stream.js';
export { MemoryCheckpoint, registerCheckpointScheme, createCommitter } from './commit.js';
export type { BatchCommit, BatchCommitter, CommitterFactory, InputCommit, SliceCommit, StateCommit } from './commit.js';
export { RedisCommitter } from './checkpoint/redis-committer.js';
export type { RedisCommitterOptions } from './checkpoint/redis-committer.js';
export { CheckpointFencedException, CheckpointLostException, CommitCommandException } from './checkpoint/errors.js';
export { parseRedisUrl, JobKeys } from './checkpoint/location.js';
export type { RedisLocation } from './checkpoint/location.js';
export type {
  StreamingListener,
  BatchInfo,
  OutputOperationInfo,
  StreamInputInfo,
  ReceiverInfo,
} from './listener.js';
export { DStreamGraph, describeGraphChanges } from './graph.js';
export type { GraphDescription, GraphNodeDescription, OutputOperation } from './graph.js';
export type { DStreamNode, InputNode, InputPlan, StatefulNode, WindowNode } from './node.js';
export { isInputNode, isStatefulNode, isWindowNode } from './node.js';
export { IllegalArgumentException, IllegalStateException, StreamingException } from './errors.js';
export { formatValue, jsonUnsafePath, mapKey, partitionOf } from './keys.js';
export type { JsonValue } from './keys.js';
