// Why: Spark's StreamingListener interface and the batch/output-operation/receiver info it reports
// (records, scheduling delay, processing time, total delay), plus the bus that delivers events.
import type { Time } from './duration.js';
import type { JsonValue } from './keys.js';

export interface StreamInputInfo {
  readonly inputStreamId: number;
  readonly name: string;
  readonly numRecords: number;
  /** What the batch read from this input (offset ranges, blocks, files). */
  readonly metadata?: JsonValue;
}

export interface OutputOperationInfo {
  readonly batchTime: Time;
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly startTime?: number;
  readonly endTime?: number;
  /** Error text if the operation failed. */
  readonly failureReason?: string;
  /** endTime - startTime in ms. */
  readonly duration?: number;
}

export interface BatchInfo {
  readonly batchTime: Time;
  readonly streamIdToInputInfo: ReadonlyMap<number, StreamInputInfo>;
  /** When the batch was generated (its tick), ms. */
  readonly submissionTime: number;
  readonly processingStartTime?: number;
  readonly processingEndTime?: number;
  readonly outputOperationInfos: ReadonlyMap<number, OutputOperationInfo>;
  readonly numRecords: number;
  /** processingStartTime - submissionTime: how long the batch waited for earlier ones. */
  readonly schedulingDelay?: number;
  /** processingEndTime - processingStartTime. */
  readonly processingDelay?: number;
  /** processingEndTime - submissionTime. */
  readonly totalDelay?: number;
}

export interface ReceiverInfo {
  readonly streamId: number;
  readonly name: string;
  readonly active: boolean;
  readonly location: string;
  readonly lastErrorMessage?: string;
  readonly lastError?: string;
  readonly lastErrorTime?: number;
}

/** Receives streaming events; implement the methods you need. */
export interface StreamingListener {
  onStreamingStarted?(event: { time: number }): void;
  onBatchSubmitted?(event: { batchInfo: BatchInfo }): void;
  onBatchStarted?(event: { batchInfo: BatchInfo }): void;
  onBatchCompleted?(event: { batchInfo: BatchInfo }): void;
  onOutputOperationStarted?(event: { outputOperationInfo: OutputOperationInfo }): void;
  onOutputOperationCompleted?(event: { outputOperationInfo: OutputOperationInfo }): void;
  onReceiverStarted?(event: { receiverInfo: ReceiverInfo }): void;
  onReceiverError?(event: { receiverInfo: ReceiverInfo }): void;
  onReceiverStopped?(event: { receiverInfo: ReceiverInfo }): void;
}

type EventName = keyof StreamingListener;

export class ListenerBus {
  private readonly listeners: StreamingListener[] = [];

  constructor(private readonly log: (line: string) => void) {}

  add(l: StreamingListener): void {
    this.listeners.push(l);
  }

  remove(l: StreamingListener): void {
    const i = this.listeners.indexOf(l);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  post<E extends EventName>(name: E, event: Parameters<NonNullable<StreamingListener[E]>>[0]): void {
    for (const l of this.listeners) {
      const f = l[name] as ((e: typeof event) => void) | undefined;
      if (!f) continue;
      try {
        f.call(l, event);
      } catch (e) {
        this.log(`Listener ${name} threw: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}
