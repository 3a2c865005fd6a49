// Why: queueStream (Spark's QueueInputDStream): batches taken from a user-filled array of RDDs at
// each tick — one per batch (oneAtATime) or all queued ones — for tests and demos.
import type { StreamingContext } from '../context.js';
import type { Time } from '../duration.js';
import type { InputPlan } from '../node.js';
import { RDD } from '../rdd.js';
import { InputNodeBase } from './input.js';

export class QueueInputNode<T> extends InputNodeBase<T> {
  readonly kind = 'queueStream';
  readonly name = 'QueueInputDStream';

  constructor(
    ssc: StreamingContext,
    private readonly queue: Array<RDD<T>>,
    private readonly oneAtATime: boolean,
    private readonly defaultRDD: RDD<T> | undefined,
  ) {
    super(ssc);
    this.params = { oneAtATime };
  }

  plan(_time: Time): InputPlan {
    let rdd: RDD<T>;
    if (this.queue.length > 0) {
      rdd = this.oneAtATime ? this.queue.splice(0, 1)[0] : RDD.union(this.queue.splice(0, this.queue.length));
    } else {
      rdd = this.defaultRDD ?? RDD.empty<T>();
    }
    return { numRecords: rdd.count(), data: rdd };
  }

  protected read(_time: Time, plan: InputPlan): RDD<T> {
    return plan.data as RDD<T>;
  }
}
