// Why: the common part of every input stream node (Spark's InputDStream): it has no parents, slides
// with the batch interval, and serves each batch from the data materialized for it by the
// scheduler (plan at the tick, materialize when the batch runs), forgetting old batches.
import type { StreamingContext } from '../context.js';
import type { DStream } from '../dstream.js';
import type { Duration, Time } from '../duration.js';
import { StreamingException } from '../errors.js';
import type { JsonValue } from '../keys.js';
import type { InputNode, InputPlan } from '../node.js';
import type { RDD } from '../rdd.js';

export abstract class InputNodeBase<T> implements InputNode<T> {
  readonly isInput = true;
  readonly dependencies: ReadonlyArray<DStream<unknown>> = [];
  abstract readonly kind: string;
  abstract readonly name: string;
  params?: { [key: string]: JsonValue };
  protected self: DStream<T> | undefined;
  private readonly batches = new Map<number, RDD<T>>();

  constructor(protected readonly ssc: StreamingContext) {}

  get slideDuration(): Duration {
    return this.ssc.batchDuration;
  }

  /** The input stream id (its DStream id). */
  get id(): number {
    return this.self?.id ?? -1;
  }

  bind(self: DStream<T>): void {
    this.self = self;
  }

  abstract plan(time: Time): InputPlan | Promise<InputPlan>;

  /** Builds the batch from its plan. */
  protected abstract read(time: Time, plan: InputPlan): RDD<T> | Promise<RDD<T>>;

  materialize(time: Time, plan: InputPlan): RDD<T> | Promise<RDD<T>> {
    const r = this.read(time, plan);
    if (r instanceof Promise) {
      return r.then((rdd) => {
        this.batches.set(time.milliseconds, rdd);
        return rdd;
      });
    }
    this.batches.set(time.milliseconds, r);
    return r;
  }

  compute(time: Time): RDD<T> {
    const r = this.batches.get(time.milliseconds);
    if (!r) throw new StreamingException(`No input for time ${time} in ${this.name}: the batch was not received or was already released`);
    return r;
  }

  forget(threshold: Time): void {
    for (const t of this.batches.keys()) if (t <= threshold.milliseconds) this.batches.delete(t);
  }
}
