// Why: the extension point for direct (receiver-less) sources such as eddy/Redis Streams: a batch's
// input is a deterministic function of an offset range. At each tick the source plans the range
// [from, until) from the previous batch's end; when the batch runs it reads exactly that range. The
// committer stores `until`, and restoreOffsets() makes a restarted job recompute from there.
import type { StreamingContext } from '../context.js';
import type { Time } from '../duration.js';
import type { JsonValue } from '../keys.js';
import type { InputPlan } from '../node.js';
import { SourceRDD, type OffsetRange } from '../rdd.js';
import { InputNodeBase } from './input.js';

export interface DirectSource<T, O extends JsonValue = JsonValue> {
  /** Input stream name for logs and listener events. */
  readonly name: string;
  /** Parameters that identify the source in the graph fingerprint (keys, partitions...). */
  readonly params?: { [key: string]: JsonValue };
  /** Where the first batch starts when there is no checkpoint. */
  initialOffsets(): O | Promise<O>;
  /** Decides the end of the batch starting at `from` (e.g. bounded by maxRatePerPartition). */
  plan(time: Time, from: O): { until: O; numRecords?: number } | Promise<{ until: O; numRecords?: number }>;
  /** Reads exactly [from, until): one array per partition. Must be deterministic. */
  read(from: O, until: O, time: Time): T[][] | Promise<T[][]>;
  /** The ranges user code sees through hasOffsetRanges(rdd). */
  offsetRanges?(from: O, until: O): OffsetRange[];
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
}

export class DirectInputNode<T, O extends JsonValue = JsonValue> extends InputNodeBase<T> {
  readonly kind = 'directStream';
  readonly name: string;
  private next: O | undefined;

  constructor(
    ssc: StreamingContext,
    readonly source: DirectSource<T, O>,
  ) {
    super(ssc);
    this.name = source.name;
    this.params = source.params ?? {};
  }

  /** Sets where the next batch starts (checkpoint recovery). */
  restoreOffsets(offsets: O): void {
    this.next = offsets;
  }

  /** Where the next planned batch starts. */
  get currentOffsets(): O | undefined {
    return this.next;
  }

  start(): void | Promise<void> {
    return this.source.start?.();
  }

  /** A graceful stop keeps the source open: the last batch still reads from it. */
  stop(graceful: boolean): void | Promise<void> {
    if (graceful) return;
    return this.source.stop?.();
  }

  async plan(time: Time): Promise<InputPlan> {
    if (this.next === undefined) this.next = await this.source.initialOffsets();
    const from = this.next;
    const p = await this.source.plan(time, from);
    this.next = p.until;
    return { numRecords: p.numRecords, metadata: { from, until: p.until } };
  }

  protected async read(time: Time, plan: InputPlan): Promise<SourceRDD<T>> {
    const { from, until } = plan.metadata as { from: O; until: O };
    const parts = await this.source.read(from, until, time);
    if (plan.numRecords === undefined) plan.numRecords = parts.reduce((n, p) => n + p.length, 0);
    return new SourceRDD(parts, this.source.offsetRanges?.(from, until) ?? []);
  }
}
