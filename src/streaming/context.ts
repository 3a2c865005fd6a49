// Why: StreamingContext — the entry point of a streaming job (Spark's StreamingContext): creates
// input streams, holds the graph, the clock, the committer and the listeners, and owns the life
// cycle INITIALIZED -> ACTIVE -> STOPPED with Spark's rules and messages.
import { availableParallelism } from 'node:os';
import { SystemClock, type Clock } from './clock.js';
import { createCommitter, type BatchCommitter } from './commit.js';
// Registers the redis:// checkpoint scheme (eddy's committer).
import './checkpoint/redis-committer.js';
import { DStream } from './dstream.js';
import { parseDuration, Time as TimeValue, type Duration, type Time } from './duration.js';
import { errorMessage, IllegalArgumentException, IllegalStateException } from './errors.js';
import { DStreamGraph } from './graph.js';
import { DirectInputNode, type DirectSource } from './inputs/direct.js';
import { FileInputNode, type FileStreamOptions } from './inputs/file.js';
import { QueueInputNode } from './inputs/queue.js';
import { partitionKeys, RedisStreamSource, type RedisStreamOptions, type StreamRecord } from './inputs/redis-stream.js';
import { ReceiverInputNode, type Receiver } from './inputs/receiver.js';
import { SocketReceiver } from './inputs/socket.js';
import type { JsonValue } from './keys.js';
import { ListenerBus, type StreamingListener } from './listener.js';
import { TransformedNode, UnionNode } from './ops/basic.js';
import { RDD } from './rdd.js';
import { isInsideBatch, JobScheduler } from './scheduler.js';

export const StreamingContextState = {
  INITIALIZED: 'INITIALIZED',
  ACTIVE: 'ACTIVE',
  STOPPED: 'STOPPED',
} as const;
export type StreamingContextState = (typeof StreamingContextState)[keyof typeof StreamingContextState];

export interface StreamingContextOptions {
  /** The batch interval: a Duration, milliseconds, or text such as "1s". */
  batchInterval: Duration | number | string;
  /** Job name (logs; the checkpoint key prefix of eddy's committer). */
  name?: string;
  /** Clock driving batches and block cuts; a ManualClock makes tests deterministic. */
  clock?: Clock;
  /** Receivers cut received data into one block (= one partition) per interval. Default 200 ms, min 50 ms. */
  blockInterval?: Duration | number | string;
  /** Default partition count of shuffles (reduceByKey, joins, state). Default: the CPU count. */
  defaultParallelism?: number;
  /** Delay before a failed receiver is restarted. Default 2 s. */
  receiverRestartDelay?: Duration | number | string;
  /** Where print() writes. Default: process.stdout. */
  out?: (text: string) => void;
  /** Where the one-line-per-batch log and warnings go; false to silence. Default: process.stderr. */
  log?: ((line: string) => void) | false;
}

export interface StopOptions {
  /** Process everything received before stopping (Spark's stopGracefully). */
  stopGracefully?: boolean;
  /** Alias of stopGracefully. */
  graceful?: boolean;
  /** Give up waiting for a graceful stop after this many ms and stop at once. */
  timeoutMs?: number;
}

export interface QueueStreamOptions<T> {
  /** One RDD of the queue per batch (default true), or all queued RDDs at once. */
  oneAtATime?: boolean;
  /** Batch used when the queue is empty (default: an empty RDD). */
  defaultRDD?: RDD<T>;
}

export class StreamingContext {
  readonly batchDuration: Duration;
  readonly name: string;
  readonly clock: Clock;
  readonly blockInterval: Duration;
  readonly defaultParallelism: number;
  readonly receiverRestartDelay: Duration;
  readonly graph: DStreamGraph;
  readonly listenerBus: ListenerBus;
  private readonly outFn: (text: string) => void;
  private readonly logFn: ((line: string) => void) | undefined;
  private stateValue: StreamingContextState = 'INITIALIZED';
  private readonly scheduler: JobScheduler;
  private committerValue: BatchCommitter | undefined;
  private checkpointTarget: string | undefined;
  private stopping: Promise<void> | undefined;
  private error: { e: unknown } | undefined;
  private waiters: Array<() => void> = [];
  startTime: Time | undefined;
  private recovery: { zeroTime: Time; lastBatchTime: Time } | undefined;

  constructor(batchIntervalOrOptions: Duration | number | string | StreamingContextOptions) {
    const opts: StreamingContextOptions =
      typeof batchIntervalOrOptions === 'object' && !('milliseconds' in batchIntervalOrOptions)
        ? batchIntervalOrOptions
        : { batchInterval: batchIntervalOrOptions };
    this.batchDuration = parseDuration(opts.batchInterval);
    if (this.batchDuration.milliseconds <= 0) {
      throw new IllegalArgumentException(`requirement failed: Batch duration must be positive, got ${this.batchDuration}`);
    }
    this.name = opts.name ?? 'eddy-streaming';
    this.clock = opts.clock ?? new SystemClock();
    this.blockInterval = parseDuration(opts.blockInterval ?? 200);
    if (this.blockInterval.milliseconds < 50) {
      throw new IllegalArgumentException(
        `requirement failed: The block interval (${this.blockInterval}) must be at least 50 ms (Spark's recommended minimum)`,
      );
    }
    this.defaultParallelism = opts.defaultParallelism ?? Math.max(1, availableParallelism());
    this.receiverRestartDelay = parseDuration(opts.receiverRestartDelay ?? 2000);
    this.outFn = opts.out ?? ((text) => void process.stdout.write(text));
    const log = opts.log;
    this.logFn = log === false ? undefined : (log ?? ((line) => void process.stderr.write(`[${this.name}] ${line}\n`)));
    this.graph = new DStreamGraph(this.batchDuration);
    this.listenerBus = new ListenerBus((line) => this.log(line));
    this.scheduler = new JobScheduler(this);
  }

  /**
   * Spark's StreamingContext.getOrCreate: builds the job with `create` (which defines the graph,
   * and may call checkpoint(url) itself), then, if the store at `url` holds a checkpoint of the
   * job, loads it (state, offsets, window slices; the graph must be compatible, otherwise this
   * rejects saying what changed) so that start() resumes after the last committed batch.
   */
  static async getOrCreate(
    url: string,
    create: () => StreamingContext | Promise<StreamingContext>,
  ): Promise<StreamingContext> {
    const ssc = await create();
    if (!(ssc instanceof StreamingContext)) throw new IllegalArgumentException('getOrCreate: the create function must return a StreamingContext');
    if (ssc.checkpointUrl !== url) ssc.checkpoint(url);
    const committer = ssc.committer!;
    if (!committer.recover) {
      throw new IllegalArgumentException(`The checkpoint store of "${url}" cannot resume jobs: use a redis:// URL`);
    }
    try {
      await committer.recover();
    } catch (e) {
      await committer.close?.();
      throw e;
    }
    return ssc;
  }

  // ---------------------------------------------------------------- state

  getState(): StreamingContextState {
    return this.stateValue;
  }

  get state(): StreamingContextState {
    return this.stateValue;
  }

  /** @internal One log line (the per-batch line, warnings, errors). */
  log(line: string): void {
    this.logFn?.(line);
  }

  /** @internal print()'s destination. */
  writeOut(text: string): void {
    this.outFn(text);
  }

  // ---------------------------------------------------------------- inputs

  /** Batches taken from `queue` at each tick (Spark's queueStream). */
  queueStream<T>(queue: Array<RDD<T>>, options: boolean | QueueStreamOptions<T> = {}, defaultRDD?: RDD<T>): DStream<T> {
    const o = typeof options === 'boolean' ? { oneAtATime: options, defaultRDD } : options;
    return new DStream<T>(this, new QueueInputNode<T>(this, queue, o.oneAtATime ?? true, o.defaultRDD));
  }

  /** Lines of text received over TCP from host:port (e.g. `nc -lk 9999`). */
  socketTextStream(host: string, port: number): DStream<string> {
    return this.receiverStream(new SocketReceiver(host, port), 'socketTextStream', 'SocketInputDStream');
  }

  /** Records pushed by a custom Receiver. */
  receiverStream<T>(receiver: Receiver<T>, kind = 'receiverStream', name = 'ReceiverInputDStream'): DStream<T> {
    const node = new ReceiverInputNode<T>(this, receiver, kind, name);
    if (receiver instanceof SocketReceiver) node.params = { host: receiver.host, port: receiver.port };
    return new DStream<T>(this, node);
  }

  /** Lines of the files moved into `directory` (new files only). */
  textFileStream(directory: string, options: FileStreamOptions = {}): DStream<string> {
    return new DStream<string>(this, new FileInputNode(this, directory, options));
  }

  /** A receiver-less source whose batches are offset ranges (see DirectSource). */
  directStream<T, O extends JsonValue = JsonValue>(source: DirectSource<T, O>): DStream<T> {
    return new DStream<T>(this, new DirectInputNode<T, O>(this, source));
  }

  /**
   * The direct source over eddy/Redis Streams: one partition per stream key (`keys`, or
   * `<key>:{0..partitions-1}` for one key name with `partitions`), records { partition, id, fields },
   * offsets committed with each batch (see RedisStreamOptions).
   */
  redisStream(keys: string | string[], options: RedisStreamOptions = {}): DStream<StreamRecord> {
    const list = typeof keys === 'string' ? (options.partitions ? partitionKeys(keys, options.partitions) : [keys]) : keys;
    return this.directStream(new RedisStreamSource(this, list, options));
  }

  union<T>(streams: ReadonlyArray<DStream<T>>): DStream<T> {
    return new DStream<T>(this, new UnionNode<T>(streams));
  }

  /** A stream computed from the batches of several streams by `f`. */
  transform<U>(streams: ReadonlyArray<DStream<unknown>>, f: (rdds: Array<RDD<unknown>>, time: Time) => RDD<U>): DStream<U> {
    return new DStream<U>(this, new TransformedNode<U>(streams, f));
  }

  parallelize<T>(items: Iterable<T>, numSlices = this.defaultParallelism): RDD<T> {
    return RDD.parallelize(items, numSlices);
  }

  makeRDD<T>(items: Iterable<T>, numSlices = this.defaultParallelism): RDD<T> {
    return RDD.parallelize(items, numSlices);
  }

  emptyRDD<T>(): RDD<T> {
    return RDD.empty<T>();
  }

  /** Keeps every stream's batches at least this long (Spark's remember). */
  remember(duration: Duration | number | string): void {
    this.graph.remember(parseDuration(duration));
  }

  // ---------------------------------------------------------------- checkpoint / commit

  /**
   * Where every batch commits its state deltas, offsets and sink writes: a URL whose scheme has a
   * registered store ("memory:" built in; eddy's "redis://..." store registers itself), or a
   * committer object. Required by stateful operators.
   */
  checkpoint(target: string | BatchCommitter | null): void {
    if (this.stateValue !== 'INITIALIZED') throw new IllegalStateException('Cannot set the checkpoint of a context that has already started');
    if (target === null) {
      this.committerValue = undefined;
      this.checkpointTarget = undefined;
      return;
    }
    if (typeof target === 'string') {
      this.committerValue = createCommitter(target, this);
      this.checkpointTarget = target;
    } else {
      this.committerValue = target;
      this.checkpointTarget = '<committer>';
    }
  }

  get committer(): BatchCommitter | undefined {
    return this.committerValue;
  }

  get checkpointUrl(): string | undefined {
    return this.checkpointTarget;
  }

  get isCheckpointPresent(): boolean {
    return this.committerValue !== undefined;
  }

  /**
   * Before start(): continue a job from its checkpoint. Batches keep the original zero time (so
   * windows stay aligned) and start after `lastBatchTime`; batches missed while the job was down
   * are generated at once. The committer restores state (StatefulNode.restoreState) and input
   * offsets (DirectInputNode.restoreOffsets) itself.
   */
  resumeFrom(point: { zeroTime: Time | number; lastBatchTime: Time | number }): void {
    if (this.stateValue !== 'INITIALIZED') throw new IllegalStateException('Cannot resume a context that has already started');
    const toTime = (t: Time | number): Time => (typeof t === 'number' ? new TimeValue(t) : t);
    this.recovery = { zeroTime: toTime(point.zeroTime), lastBatchTime: toTime(point.lastBatchTime) };
  }

  /** @internal */
  get recoveryPoint(): { zeroTime: Time; lastBatchTime: Time } | undefined {
    return this.recovery;
  }

  graphFingerprint(): string {
    return this.graph.fingerprint();
  }

  // ---------------------------------------------------------------- listeners

  addStreamingListener(listener: StreamingListener): void {
    this.listenerBus.add(listener);
  }

  removeStreamingListener(listener: StreamingListener): void {
    this.listenerBus.remove(listener);
  }

  // ---------------------------------------------------------------- life cycle

  /** Starts generating and running batches. */
  start(): void {
    switch (this.stateValue) {
      case 'INITIALIZED':
        try {
          this.graph.validate();
          this.scheduler.start();
          this.stateValue = 'ACTIVE';
        } catch (e) {
          this.log(`Error starting the context, marking it as stopped: ${errorMessage(e)}`);
          this.stateValue = 'STOPPED';
          this.wake();
          throw e;
        }
        this.startTime = this.graph.startTime;
        this.listenerBus.post('onStreamingStarted', { time: this.clock.now() });
        this.log('StreamingContext started');
        return;
      case 'ACTIVE':
        this.log('StreamingContext has already been started');
        return;
      default:
        throw new IllegalStateException('StreamingContext has already been stopped');
    }
  }

  /**
   * Stops the context. Graceful: stop receiving, process everything received, then stop (waits
   * for the next batch tick). Called from inside an output operation, it stops in the background.
   */
  stop(options: StopOptions | boolean = {}): Promise<void> {
    const opts = typeof options === 'boolean' ? { stopGracefully: options } : options;
    switch (this.stateValue) {
      case 'INITIALIZED':
        this.log('StreamingContext has not been started yet');
        this.stateValue = 'STOPPED';
        this.wake();
        return Promise.resolve();
      case 'STOPPED':
        this.log('StreamingContext has already been stopped');
        return this.stopping ?? Promise.resolve();
      default:
    }
    if (!this.stopping) {
      const graceful = opts.stopGracefully ?? opts.graceful ?? false;
      this.stopping = (async () => {
        try {
          await this.scheduler.stop(graceful, opts.timeoutMs);
          await this.committerValue?.close?.();
        } catch (e) {
          this.reportError('Error stopping the context', e);
        } finally {
          this.stateValue = 'STOPPED';
          this.log(`StreamingContext stopped${graceful ? ' gracefully' : ''}`);
          this.wake();
        }
      })();
    }
    return isInsideBatch() ? Promise.resolve() : this.stopping;
  }

  /** @internal Reports an error: logged, and awaitTermination() rejects with it. */
  reportError(message: string, e: unknown): void {
    this.log(`${message}: ${errorMessage(e)}`);
    if (!this.error) this.error = { e };
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * Waits until the context is stopped (true) or `timeoutMs` passed (false); rejects with the first
   * error reported by a batch, like Spark's awaitTermination.
   */
  awaitTermination(timeoutMs?: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let handle: NodeJS.Timeout | undefined;
      const check = (): boolean => {
        if (this.error) {
          if (handle) clearTimeout(handle);
          reject(this.error.e);
          return true;
        }
        if (this.stateValue === 'STOPPED') {
          if (handle) clearTimeout(handle);
          resolve(true);
          return true;
        }
        return false;
      };
      if (check()) return;
      const waiter = (): void => {
        if (!check()) this.waiters.push(waiter);
      };
      this.waiters.push(waiter);
      if (timeoutMs !== undefined) {
        handle = setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(false);
        }, timeoutMs);
      }
    });
  }

  /** Spark's awaitTerminationOrTimeout: true if stopped, false if the timeout elapsed. */
  awaitTerminationOrTimeout(timeoutMs: number): Promise<boolean> {
    return this.awaitTermination(timeoutMs);
  }

  /** Resolves once every batch generated so far has been processed (tests, ManualClock). */
  whenIdle(): Promise<void> {
    return this.scheduler.whenIdle();
  }

  /** Time (ms) of the last batch processed. */
  get lastCompletedBatchTime(): number | undefined {
    return this.scheduler.lastCompletedTime;
  }

  get completedBatches(): number {
    return this.scheduler.completedBatches;
  }

  /** Time (ms) of the next batch tick while active. */
  get nextBatchTime(): number | undefined {
    return this.scheduler.nextBatchTime;
  }
}

