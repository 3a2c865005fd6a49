// Why: Spark's JobGenerator + JobScheduler in one event-loop-friendly class. A timer ticks every
// batch interval; at each tick the inputs freeze the batch's data (plan) and the batch is queued.
// Batches run strictly one after another (a batch starts only when the previous one finished — the
// wait is its scheduling delay); within a batch, output operations run one at a time in definition
// order, async ones awaited; then the commit hook runs, listeners hear about it, old batches are
// cleared. The scheduler knows nothing about operators: it only talks to inputs and outputs.
import { AsyncLocalStorage } from 'node:async_hooks';
import { RecurringTimer } from './clock.js';
import type { BatchCommit, SliceCommit, StateCommit } from './commit.js';
import type { StreamingContext } from './context.js';
import type { BatchTransaction, DStream } from './dstream.js';
import { Time } from './duration.js';
import { errorMessage, IllegalArgumentException } from './errors.js';
import type { BatchInfo, OutputOperationInfo, StreamInputInfo } from './listener.js';
import { isWindowNode, type InputNode, type InputPlan } from './node.js';

interface PlannedInput {
  stream: DStream<unknown>;
  node: InputNode<unknown>;
  plan: InputPlan;
}

interface Batch {
  time: Time;
  submissionTime: number;
  inputs: PlannedInput[];
  hasJobs: boolean;
  processingStartTime?: number;
  processingEndTime?: number;
  outputInfos: Map<number, OutputOperationInfo>;
}

class Transaction implements BatchTransaction {
  readonly commands: string[][] = [];
  constructor(readonly time: Time) {}
  call(...argv: string[]): void {
    this.commands.push(argv);
  }
}

/** Set while an output operation of a batch runs (stop() must not wait for that batch then). */
const insideBatch = new AsyncLocalStorage<boolean>();

/** True when called (directly or asynchronously) from an output operation of a running batch. */
export function isInsideBatch(): boolean {
  return insideBatch.getStore() === true;
}

function isPromise<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof (x as { then?: unknown })?.then === 'function';
}

export class JobScheduler {
  private timer: RecurringTimer | undefined;
  private readonly queue: Array<Batch | undefined> = [];
  private head = 0;
  private runner: Promise<void> | undefined;
  private planning: Promise<void> | undefined;
  private readonly pendingTicks: Array<{ time: number; now: number }> = [];
  private mode: 'running' | 'draining' | 'aborted' = 'running';
  private batchDone = false;
  private loopActive = false;
  private waiters: Array<{ pred: () => boolean; resolve: () => void }> = [];
  /** Time (ms) of the last batch that finished. */
  lastCompletedTime: number | undefined;
  /** Batches finished so far. */
  completedBatches = 0;

  constructor(private readonly ssc: StreamingContext) {}

  /** Initializes the graph and starts inputs and the timer; throws (nothing started) if invalid. */
  start(): void {
    const batchMs = this.ssc.batchDuration.milliseconds;
    const timer = new RecurringTimer(this.ssc.clock, batchMs, (t) => this.onTick(t), 0);
    const recovery = this.ssc.recoveryPoint;
    let startTime = timer.getStartTime();
    let downtime: number[] = [];
    if (recovery) {
      // Continue a checkpointed job: same zero time (so windows stay aligned), and the batches
      // missed while it was down are generated at once, in order (Spark's JobGenerator.restart).
      const zero = recovery.zeroTime.milliseconds;
      const first = recovery.lastBatchTime.milliseconds + batchMs;
      if ((first - zero) % batchMs !== 0) throw new IllegalArgumentException(`requirement failed: Batch ${recovery.lastBatchTime} is not aligned on zero time ${recovery.zeroTime} with batch interval ${this.ssc.batchDuration}`);
      startTime = Math.max(startTime + ((((zero - startTime) % batchMs) + batchMs) % batchMs), first);
      for (let t = first; t < startTime; t += batchMs) downtime.push(t);
      this.ssc.graph.start(recovery.zeroTime, new Time(startTime));
    } else {
      this.ssc.graph.start(new Time(startTime - batchMs), new Time(startTime));
    }
    const startInputs = (): Promise<void> | undefined => {
      const starts: Array<Promise<void>> = [];
      for (const s of this.ssc.graph.inputStreams) {
        try {
          const r = this.ssc.graph.inputNode(s).start?.();
          if (isPromise(r)) starts.push(r);
        } catch (e) {
          starts.push(Promise.reject(e));
        }
      }
      if (starts.length === 0) return undefined;
      return Promise.all(starts).then(
        () => undefined,
        (e: unknown) => this.ssc.reportError('Error starting input streams', e),
      );
    };
    // The committer starts first (it takes ownership of the job and may hook into inputs, e.g. a
    // receiver's write-ahead log); if it cannot, the context stops.
    const committerStart = this.ssc.committer?.start?.();
    const started = isPromise(committerStart)
      ? committerStart.then(
          () => startInputs(),
          (e: unknown) => {
            this.ssc.reportError('Error starting the checkpoint committer', e);
            this.mode = 'aborted';
            void this.ssc.stop({ stopGracefully: false });
          },
        )
      : startInputs();
    if (started) {
      this.planning = started;
      void started.finally(() => {
        this.planning = undefined;
        this.drainTicks();
      });
    }
    this.timer = timer;
    timer.start(startTime);
    const now = this.ssc.clock.now();
    for (const t of downtime) this.onTickAt(t, now);
    downtime = [];
  }

  /** Time of the next tick (while running). */
  get nextBatchTime(): number | undefined {
    return this.timer?.isRunning ? this.timer.next : undefined;
  }

  private onTick(time: number): void {
    this.onTickAt(time, this.ssc.clock.now());
  }

  private onTickAt(time: number, now: number): void {
    if (this.mode === 'aborted') return;
    if (this.planning) {
      this.pendingTicks.push({ time, now });
      return;
    }
    this.planTick(time, now);
  }

  private drainTicks(): void {
    while (!this.planning && this.pendingTicks.length > 0 && this.mode !== 'aborted') {
      const t = this.pendingTicks.shift()!;
      this.planTick(t.time, t.now);
    }
    this.notify();
  }

  /** Freezes the inputs of batch `time` (synchronously when every input can). */
  private planTick(timeMs: number, now: number): void {
    const time = new Time(timeMs);
    const streams = this.ssc.graph.inputStreams;
    const results: Array<InputPlan | Promise<InputPlan>> = [];
    for (const s of streams) {
      try {
        results.push(this.ssc.graph.inputNode(s).plan(time));
      } catch (e) {
        results.push(Promise.reject(e));
      }
    }
    if (!results.some(isPromise)) {
      this.submit(time, now, streams, results as InputPlan[]);
      return;
    }
    this.planning = Promise.all(results).then(
      (plans) => this.submit(time, now, streams, plans),
      (e: unknown) => this.ssc.reportError(`Error generating jobs for time ${time}`, e),
    );
    void this.planning.finally(() => {
      this.planning = undefined;
      this.drainTicks();
    });
  }

  private submit(time: Time, now: number, streams: Array<DStream<unknown>>, plans: InputPlan[]): void {
    if (this.mode === 'aborted') return;
    const graph = this.ssc.graph;
    const batch: Batch = {
      time,
      submissionTime: now,
      inputs: streams.map((stream, i) => ({ stream, node: graph.inputNode(stream), plan: plans[i] })),
      hasJobs: graph.outputs.some((o) => o.stream.isTimeValid(time)),
      outputInfos: new Map(),
    };
    this.queue.push(batch);
    if (batch.hasJobs) this.ssc.listenerBus.post('onBatchSubmitted', { batchInfo: this.batchInfo(batch) });
    this.kick();
  }

  private kick(): void {
    if (this.loopActive) return;
    this.loopActive = true;
    const p = this.runLoop();
    this.runner = p;
    void p.finally(() => {
      if (this.runner === p) this.runner = undefined;
    });
  }

  private async runLoop(): Promise<void> {
    try {
      while (this.head < this.queue.length && this.mode !== 'aborted') {
        const batch = this.queue[this.head]!;
        this.queue[this.head++] = undefined;
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        // A batch that needs no I/O completes synchronously: go on without yielding, so that with a
        // ManualClock a batch finishes before the clock can fire the next tick.
        this.batchDone = false;
        const p = this.runBatch(batch);
        if (!this.batchDone) {
          try {
            await p;
          } catch (e) {
            this.ssc.reportError(`Error running batch ${batch.time}`, e);
          }
        }
      }
    } finally {
      // Set synchronously when no batch needed I/O, so the next tick can start a new loop at once.
      this.loopActive = false;
      this.notify();
    }
  }

  private async runBatch(batch: Batch): Promise<void> {
    const { ssc } = this;
    const clock = ssc.clock;
    const time = batch.time;
    batch.processingStartTime = clock.now();
    if (batch.hasJobs) ssc.listenerBus.post('onBatchStarted', { batchInfo: this.batchInfo(batch) });
    let failed = false;
    try {
      for (const inp of batch.inputs) {
        const r = inp.node.materialize(time, inp.plan);
        if (isPromise(r)) await r;
      }
    } catch (e) {
      failed = true;
      ssc.reportError(`Error reading the input of batch ${time}`, e);
    }
    const tx = new Transaction(time);
    if (!failed) {
      for (const op of ssc.graph.outputs) {
        if (this.mode === 'aborted') break;
        if (!op.stream.isTimeValid(time)) continue;
        const startTime = clock.now();
        const base = { batchTime: time, id: op.id, name: op.name, description: op.description };
        batch.outputInfos.set(op.id, { ...base, startTime });
        ssc.listenerBus.post('onOutputOperationStarted', { outputOperationInfo: { ...base, startTime } });
        let failureReason: string | undefined;
        try {
          const rdd = op.stream.getOrCompute(time);
          if (rdd) {
            const r = insideBatch.run(true, () => op.fn(rdd, time, tx));
            if (isPromise(r)) await r;
          }
        } catch (e) {
          failed = true;
          failureReason = e instanceof Error && e.stack ? e.stack : errorMessage(e);
          ssc.reportError(`Error running job streaming job ${time}.${op.id}`, e);
        }
        const endTime = clock.now();
        const info: OutputOperationInfo = { ...base, startTime, endTime, duration: endTime - startTime, failureReason };
        batch.outputInfos.set(op.id, info);
        ssc.listenerBus.post('onOutputOperationCompleted', { outputOperationInfo: info });
      }
    }
    const committer = ssc.committer;
    if (!failed && this.mode !== 'aborted' && committer) {
      try {
        const r = committer.commit(this.commitFor(batch, tx));
        if (isPromise(r)) await r;
      } catch (e) {
        failed = true;
        ssc.reportError(`Error committing batch ${time}`, e);
      }
    }
    batch.processingEndTime = clock.now();
    if (batch.hasJobs) {
      const info = this.batchInfo(batch);
      ssc.listenerBus.post('onBatchCompleted', { batchInfo: info });
      ssc.log(
        `Total delay: ${((info.totalDelay ?? 0) / 1000).toFixed(3)} s for time ${time} (execution: ${((info.processingDelay ?? 0) / 1000).toFixed(3)} s, ` +
          `scheduling delay: ${((info.schedulingDelay ?? 0) / 1000).toFixed(3)} s, records: ${info.numRecords}${failed ? ', FAILED' : ''})`,
      );
    }
    try {
      ssc.graph.clearMetadata(time);
    } catch (e) {
      ssc.reportError(`Error clearing metadata of batch ${time}`, e);
    }
    this.lastCompletedTime = time.milliseconds;
    this.completedBatches++;
    this.batchDone = true;
    // With a committer, a failed batch must not be followed by later ones (they would commit state
    // that includes the failed batch's partial effects): stop, so a restart recomputes from the commit.
    if (failed && committer && this.mode !== 'aborted') void ssc.stop({ stopGracefully: false });
    this.notify();
  }

  /**
   * What the batch commits. Every stateful stream due at this time is computed now even if no
   * output operation read it (its input is released after this batch), and so is every window
   * input (its batches are committed as slices, for windows computed after a restart).
   */
  private commitFor(batch: Batch, tx: Transaction): BatchCommit {
    const t = batch.time.milliseconds;
    const graph = this.ssc.graph;
    const states: StateCommit[] = [];
    for (const { stream, node } of graph.statefulStreams) {
      if (stream.zeroTime && stream.isTimeValid(batch.time)) stream.getOrCompute(batch.time);
      const d = node.store.lastDelta();
      if (d && d.time === t) states.push({ streamId: stream.id, kind: stream.node.kind, delta: d });
    }
    const slices = new Map<number, SliceCommit>();
    for (const s of graph.allStreams) {
      if (!s.zeroTime || !isWindowNode(s.node)) continue;
      const input = s.node.windowInput;
      const keepMs = s.node.windowDuration.milliseconds + s.node.slideDuration.milliseconds;
      const prev = slices.get(input.id);
      if (prev) {
        if (prev.keepMs < keepMs) slices.set(input.id, { ...prev, keepMs });
        continue;
      }
      if (!input.zeroTime || !input.isTimeValid(batch.time)) continue;
      const rdd = input.getOrCompute(batch.time);
      if (!rdd) continue;
      const partitions: unknown[][] = [];
      for (let p = 0; p < rdd.numPartitions; p++) partitions.push(rdd.partition(p));
      slices.set(input.id, { streamId: input.id, time: t, partitions, keepMs });
    }
    return {
      time: batch.time,
      zeroTime: graph.zeroTime ?? new Time(0),
      graphFingerprint: graph.fingerprint(),
      hasJobs: batch.hasJobs,
      inputs: batch.inputs.map((i) => ({ streamId: i.stream.id, name: i.node.name, metadata: i.plan.metadata })),
      states,
      commands: tx.commands,
      slices: [...slices.values()],
    };
  }

  private batchInfo(batch: Batch): BatchInfo {
    const inputs = new Map<number, StreamInputInfo>();
    let numRecords = 0;
    for (const i of batch.inputs) {
      const n = i.plan.numRecords ?? 0;
      numRecords += n;
      inputs.set(i.stream.id, { inputStreamId: i.stream.id, name: i.node.name, numRecords: n, metadata: i.plan.metadata });
    }
    const start = batch.processingStartTime;
    const end = batch.processingEndTime;
    return {
      batchTime: batch.time,
      streamIdToInputInfo: inputs,
      submissionTime: batch.submissionTime,
      processingStartTime: start,
      processingEndTime: end,
      outputOperationInfos: new Map(batch.outputInfos),
      numRecords,
      schedulingDelay: start === undefined ? undefined : start - batch.submissionTime,
      processingDelay: start === undefined || end === undefined ? undefined : end - start,
      totalDelay: end === undefined ? undefined : end - batch.submissionTime,
    };
  }

  private isIdle(): boolean {
    return !this.planning && this.pendingTicks.length === 0 && this.head >= this.queue.length && !this.loopActive;
  }

  private notify(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.pred()) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private waitFor(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  /** Resolves once every batch generated so far has been processed. */
  whenIdle(): Promise<void> {
    return this.waitFor(() => this.isIdle());
  }

  /**
   * Stops. Graceful: inputs stop receiving but keep what they have, the timer fires one more tick
   * (that batch takes the remaining data), and every generated batch is processed. Otherwise:
   * no more ticks, queued batches are dropped, the running batch stops after its current output op.
   */
  async stop(graceful: boolean, timeoutMs?: number): Promise<void> {
    const inputs = this.ssc.graph.inputStreams.map((s) => this.ssc.graph.inputNode(s));
    if (graceful && this.mode === 'running' && this.timer?.isRunning) {
      this.mode = 'draining';
      for (const n of inputs) await n.stop?.(true);
      const finalTime = this.timer.next;
      this.timer.stopAfterTick(finalTime);
      const drained = this.waitFor(() => (this.lastCompletedTime ?? -Infinity) >= finalTime && this.isIdle());
      if (timeoutMs === undefined) await drained;
      else {
        let handle: NodeJS.Timeout | undefined;
        const timedOut = new Promise<void>((resolve) => {
          handle = setTimeout(resolve, timeoutMs);
        });
        await Promise.race([drained, timedOut]);
        clearTimeout(handle);
      }
    }
    this.mode = 'aborted';
    this.timer?.stop();
    for (const n of inputs) {
      try {
        await n.stop?.(false);
      } catch (e) {
        this.ssc.log(`Error stopping input ${n.name}: ${errorMessage(e)}`);
      }
    }
    this.queue.length = 0;
    this.head = 0;
    this.pendingTicks.length = 0;
    if (this.runner) await this.runner;
    this.notify();
  }
}
