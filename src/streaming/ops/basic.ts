// Why: the stateless operator nodes (Spark's MappedDStream, FilteredDStream, ShuffledDStream,
// TransformedDStream, UnionDStream ...). Per-batch operators are all "apply an RDD function to the
// parent's batch"; transform and union combine several parents with Spark's checks and messages.
import type { DStream } from '../dstream.js';
import type { Duration, Time } from '../duration.js';
import { IllegalArgumentException, requireArg, StreamingException } from '../errors.js';
import type { JsonValue } from '../keys.js';
import type { DStreamNode } from '../node.js';
import { RDD } from '../rdd.js';

/** One parent, one RDD function per batch (map, filter, reduceByKey, glom, ...). */
export class MappedNode<T, U> implements DStreamNode<U> {
  readonly dependencies: ReadonlyArray<DStream<unknown>>;

  constructor(
    readonly kind: string,
    private readonly parent: DStream<T>,
    private readonly fn: (rdd: RDD<T>, time: Time) => RDD<U>,
    readonly params?: { [key: string]: JsonValue },
  ) {
    this.dependencies = [parent as DStream<unknown>];
  }

  get slideDuration(): Duration {
    return this.parent.slideDuration;
  }

  compute(time: Time): RDD<U> | undefined {
    const rdd = this.parent.getOrCompute(time);
    return rdd ? this.fn(rdd, time) : undefined;
  }
}

/** transform / transformWith: a user function over the batches of one or more parents. */
export class TransformedNode<U> implements DStreamNode<U> {
  readonly kind = 'transform';

  constructor(
    private readonly parents: ReadonlyArray<DStream<unknown>>,
    private readonly fn: (rdds: Array<RDD<unknown>>, time: Time) => RDD<U>,
  ) {
    requireArg(parents.length > 0, 'List of DStreams to transform is empty');
    requireArg(new Set(parents.map((p) => p.ssc)).size === 1, 'Some of the DStreams have different contexts');
    requireArg(
      new Set(parents.map((p) => p.slideDuration.milliseconds)).size === 1,
      'Some of the DStreams have different slide durations',
    );
  }

  get dependencies(): ReadonlyArray<DStream<unknown>> {
    return this.parents;
  }

  get slideDuration(): Duration {
    return this.parents[0].slideDuration;
  }

  compute(time: Time): RDD<U> {
    const rdds = this.parents.map((p) => {
      const r = p.getOrCompute(time);
      if (!r) throw new StreamingException(`Couldn't generate RDD from parent at time ${time}`);
      return r;
    });
    const out = this.fn(rdds, time);
    if (out === null || out === undefined) {
      throw new StreamingException(
        'Transform function must not return null. Return SparkContext.emptyRDD() instead to represent no element as the result of transformation.',
      );
    }
    return out;
  }
}

/** union: the batches of all parents, partitions concatenated. */
export class UnionNode<T> implements DStreamNode<T> {
  readonly kind = 'union';

  constructor(private readonly parents: ReadonlyArray<DStream<T>>) {
    if (parents.length === 0) throw new IllegalArgumentException('Empty array of parents');
    if (new Set(parents.map((p) => p.ssc)).size > 1) throw new IllegalArgumentException('Array of parents have different StreamingContexts');
    if (new Set(parents.map((p) => p.slideDuration.milliseconds)).size > 1) {
      throw new IllegalArgumentException('Array of parents have different slide times');
    }
  }

  get dependencies(): ReadonlyArray<DStream<unknown>> {
    return this.parents as ReadonlyArray<DStream<unknown>>;
  }

  get slideDuration(): Duration {
    return this.parents[0].slideDuration;
  }

  compute(time: Time): RDD<T> {
    const rdds = this.parents.map((p) => {
      const r = p.getOrCompute(time);
      if (!r) throw new StreamingException(`Could not generate RDD from a parent for unifying at time ${time}`);
      return r;
    });
    return RDD.union(rdds);
  }
}
