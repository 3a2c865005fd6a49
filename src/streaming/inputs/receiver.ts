// Why: receiver-based input (Spark's Receiver, ReceiverSupervisor, BlockGenerator and
// ReceiverInputDStream). A receiver pushes records with store(); every blockInterval the records
// received so far become one block; at each batch tick all blocks not yet allocated go to that
// batch, one partition per block (so partitions = batch interval / block interval when data flows).
import type { StreamingContext } from '../context.js';
import type { Time } from '../duration.js';
import { errorMessage } from '../errors.js';
import { RecurringTimer } from '../clock.js';
import type { ReceiverInfo } from '../listener.js';
import type { InputPlan } from '../node.js';
import { RDD } from '../rdd.js';
import { InputNodeBase } from './input.js';

/** Supervisor callbacks a receiver talks to (set when its input stream starts). */
interface ReceiverHost<T> {
  push(item: T): void;
  restart(message: string, error: unknown, delayMs: number | undefined): void;
  stop(message: string, error?: unknown): void;
  reportError(message: string, error: unknown): void;
  isStopped(): boolean;
}

/** Spark's Receiver: implement onStart/onStop; call store() for each record received. */
export abstract class Receiver<T> {
  private supervisor: ReceiverHost<T> | undefined;

  /** Starts receiving (must not block: set up sockets/timers and return). */
  abstract onStart(): void;
  /** Releases what onStart set up. */
  abstract onStop(): void;

  /** @internal */
  attach(host: ReceiverHost<T>): void {
    this.supervisor = host;
  }

  store(item: T): void {
    this.supervisor?.push(item);
  }

  storeAll(items: Iterable<T>): void {
    for (const x of items) this.store(x);
  }

  /** Stops, then starts again after the restart delay (default: the context's receiverRestartDelay). */
  restart(message: string, error?: unknown, delayMs?: number): void {
    this.supervisor?.restart(message, error, delayMs);
  }

  stop(message: string, error?: unknown): void {
    this.supervisor?.stop(message, error);
  }

  reportError(message: string, error: unknown): void {
    this.supervisor?.reportError(message, error);
  }

  isStopped(): boolean {
    return this.supervisor ? this.supervisor.isStopped() : true;
  }

  isStarted(): boolean {
    return this.supervisor !== undefined && !this.supervisor.isStopped();
  }
}

interface Block<T> {
  id: string;
  items: T[];
}

/**
 * A durable log of received blocks (Spark's receiver write-ahead log): a block is given to a batch
 * only once appended, and which batch took which blocks is logged too, so a restarted job replays
 * the blocks of unfinished batches into the same batches.
 */
export interface BlockLog<T> {
  /** Appends a block; resolves with its id (ids increase). */
  append(items: T[]): Promise<string>;
  /** Records that batch `time` takes blocks `ids`. */
  allocate(time: number, ids: string[]): Promise<void>;
}

/** What a write-ahead log holds after the last committed block, in log order. */
export type LoggedEntry<T> = { kind: 'block'; id: string; items: T[] } | { kind: 'alloc'; id: string; time: number; ids: string[] };

export class ReceiverInputNode<T> extends InputNodeBase<T> {
  readonly kind: string;
  readonly name: string;
  private buffer: T[] = [];
  private blocks: Array<Block<T>> = [];
  private blockSeq = 0;
  private timer: RecurringTimer | undefined;
  private stopped = true;
  private restartHandle: NodeJS.Timeout | undefined;
  private lastError: { message: string; error: string; time: number } | undefined;
  /** Records stored since start (tests and monitoring). */
  receivedRecords = 0;
  private log: BlockLog<T> | undefined;
  private logTail: Promise<void> = Promise.resolve();
  /** Id of the last block given to a batch (the log position a commit makes final). */
  private upto: string | null = null;
  /** Replayed from the log: blocks of batches planned before a restart, by batch time... */
  private replayedAllocations = new Map<number, Array<Block<T>>>();
  /** ...and logged blocks no batch had taken yet. */
  private replayedBlocks: Array<Block<T>> = [];

  constructor(
    ssc: StreamingContext,
    readonly receiver: Receiver<T>,
    kind = 'receiverStream',
    name = 'ReceiverInputDStream',
  ) {
    super(ssc);
    this.kind = kind;
    this.name = name;
  }

  private info(active: boolean): ReceiverInfo {
    return {
      streamId: this.id,
      name: this.receiver.constructor.name,
      active,
      location: 'localhost',
      lastErrorMessage: this.lastError?.message,
      lastError: this.lastError?.error,
      lastErrorTime: this.lastError?.time,
    };
  }

  start(): void {
    this.stopped = false;
    const interval = this.ssc.blockInterval.milliseconds;
    this.timer = new RecurringTimer(this.ssc.clock, interval, () => this.cutBlock(), -1);
    this.timer.start();
    this.receiver.attach({
      push: (item) => {
        if (this.stopped) return;
        this.buffer.push(item);
        this.receivedRecords++;
      },
      restart: (message, error, delayMs) => this.restartReceiver(message, error, delayMs),
      stop: (message, error) => {
        if (error !== undefined) this.recordError(message, error);
        this.stopReceiving();
      },
      reportError: (message, error) => this.recordError(message, error),
      isStopped: () => this.stopped,
    });
    this.startReceiver();
  }

  private startReceiver(): void {
    try {
      this.receiver.onStart();
      this.ssc.listenerBus.post('onReceiverStarted', { receiverInfo: this.info(true) });
    } catch (e) {
      this.restartReceiver('Error starting receiver', e, undefined);
    }
  }

  private recordError(message: string, error: unknown): void {
    this.lastError = { message, error: errorMessage(error), time: this.ssc.clock.now() };
    this.ssc.log(`Receiver of stream ${this.id}: ${message}${error === undefined ? '' : `: ${errorMessage(error)}`}`);
    this.ssc.listenerBus.post('onReceiverError', { receiverInfo: this.info(!this.stopped) });
  }

  private restartReceiver(message: string, error: unknown, delayMs: number | undefined): void {
    if (this.stopped || this.restartHandle) return;
    this.recordError(`Restarting receiver: ${message}`, error);
    try {
      this.receiver.onStop();
    } catch {
      // already stopped
    }
    const delay = delayMs ?? this.ssc.receiverRestartDelay.milliseconds;
    this.restartHandle = setTimeout(() => {
      this.restartHandle = undefined;
      if (!this.stopped) this.startReceiver();
    }, delay);
  }

  private stopReceiving(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.restartHandle) clearTimeout(this.restartHandle);
    this.restartHandle = undefined;
    try {
      this.receiver.onStop();
    } catch (e) {
      this.recordError('Error stopping receiver', e);
    }
    this.ssc.listenerBus.post('onReceiverStopped', { receiverInfo: this.info(false) });
  }

  /** Before start: received blocks are written ahead to `log` before any batch takes them. */
  setWriteAheadLog(log: BlockLog<T> | undefined): void {
    this.log = log;
  }

  get writeAheadLog(): BlockLog<T> | undefined {
    return this.log;
  }

  /**
   * Before start (checkpoint recovery): the log entries after the last committed block `upto`.
   * Blocks allocated to batches after `lastBatchTime` go to those batches again; the others go to
   * the next batch.
   */
  replayLog(upto: string | null, entries: Iterable<LoggedEntry<T>>, lastBatchTime: number): void {
    this.upto = upto;
    const blocks = new Map<string, Block<T>>();
    const allocations: Array<{ time: number; ids: string[] }> = [];
    for (const e of entries) {
      if (e.kind === 'block') blocks.set(e.id, { id: e.id, items: e.items });
      else if (e.time > lastBatchTime) allocations.push(e);
    }
    for (const a of allocations) {
      const taken: Array<Block<T>> = [];
      for (const id of a.ids) {
        const b = blocks.get(id);
        if (b) {
          taken.push(b);
          blocks.delete(id);
        }
      }
      this.replayedAllocations.set(a.time, taken);
    }
    this.replayedBlocks = [...blocks.values()];
  }

  /** Every block interval: the records received so far become one block. */
  private cutBlock(): void {
    if (this.buffer.length === 0) return;
    const items = this.buffer;
    this.buffer = [];
    const log = this.log;
    if (!log) {
      this.blocks.push({ id: `input-${this.id}-${this.blockSeq++}`, items });
      return;
    }
    // Appends are chained, so blocks become available in the order they were cut.
    this.logTail = this.logTail
      .then(() => log.append(items))
      .then(
        (id) => void this.blocks.push({ id, items }),
        (e: unknown) => this.ssc.reportError(`Write-ahead log of stream ${this.id}: a block of ${items.length} records could not be written`, e),
      );
  }

  stop(_graceful: boolean): void | Promise<void> {
    this.stopReceiving();
    this.timer?.stop();
    this.timer = undefined;
    // What was received is kept: a graceful stop's last batch takes it (once written ahead).
    this.cutBlock();
    if (this.log) return this.logTail;
  }

  /** Blocks received but not yet given to a batch. */
  get pendingBlocks(): number {
    return this.blocks.length + (this.buffer.length > 0 ? 1 : 0);
  }

  plan(time: Time): InputPlan | Promise<InputPlan> {
    let blocks: Array<Block<T>>;
    const replayed = this.replayedAllocations.get(time.milliseconds);
    if (replayed) {
      this.replayedAllocations.delete(time.milliseconds);
      blocks = replayed;
    } else {
      blocks = this.replayedBlocks.length > 0 ? this.replayedBlocks.concat(this.blocks) : this.blocks;
      this.replayedBlocks = [];
      this.blocks = [];
    }
    let n = 0;
    for (const b of blocks) n += b.items.length;
    const ids = blocks.map((b) => b.id);
    if (this.log && blocks.length > 0) this.upto = ids[ids.length - 1];
    const plan: InputPlan = {
      numRecords: n,
      metadata: this.log ? { blocks: ids, upto: this.upto } : { blocks: ids },
      data: blocks.map((b) => b.items),
    };
    if (!this.log || blocks.length === 0 || replayed) return plan;
    return this.log.allocate(time.milliseconds, ids).then(() => plan);
  }

  protected read(_time: Time, plan: InputPlan): RDD<T> {
    return RDD.fromPartitions(plan.data as T[][]);
  }
}
