// Why: the StreamingContext around the operators: life cycle and Spark's error messages,
// scheduling (slow batches queue up and show as scheduling delay, batches never overlap, output
// operations run one at a time in order, async ones awaited), print()'s exact format,
// saveAsTextFiles' naming, listener events and the per-batch log line, the commit hook, the direct
// source extension point and graph fingerprints, a socket receiver fed by a real `nc -lk`, and
// textFileStream with files moved into a directory.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ManualClock,
  MemoryCheckpoint,
  RecurringTimer,
  SystemClock,
  Milliseconds,
  RDD,
  Seconds,
  StreamingContext,
  describeGraphChanges,
  hasOffsetRanges,
  type BatchCommit,
  type BatchInfo,
  type DStream,
  type DirectSource,
  type StreamingListener,
  type Time,
} from '../src/streaming/index.js';
import { ReceiverInputNode } from '../src/streaming/inputs/receiver.js';

const tmpDirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'eddy-streaming-'));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

interface Harness {
  ssc: StreamingContext;
  clock: ManualClock;
  out: string[];
  logs: string[];
}

function manual(opts: { batchMs?: number; start?: number; blockMs?: number } = {}): Harness {
  const clock = new ManualClock(opts.start ?? 0);
  const out: string[] = [];
  const logs: string[] = [];
  const ssc = new StreamingContext({
    batchInterval: Milliseconds(opts.batchMs ?? 1000),
    clock,
    out: (s) => out.push(s),
    log: (l) => logs.push(l),
    defaultParallelism: 2,
    blockInterval: Milliseconds(opts.blockMs ?? 200),
    receiverRestartDelay: Milliseconds(100),
  });
  return { ssc, clock, out, logs };
}

async function step(h: Harness, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    h.clock.advance(h.ssc.batchDuration.milliseconds);
    await h.ssc.whenIdle();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('life cycle', () => {
  it('states and the errors Spark gives', async () => {
    const h = manual();
    const { ssc } = h;
    expect(ssc.getState()).toBe('INITIALIZED');
    const s = ssc.queueStream<number>([]);
    expect(() => ssc.start()).toThrow('requirement failed: No output operations registered, so nothing to execute');
    expect(ssc.state).toBe('STOPPED');

    const h2 = manual();
    const s2 = h2.ssc.queueStream<number>([]);
    s2.print();
    h2.ssc.start();
    expect(h2.ssc.state).toBe('ACTIVE');
    h2.ssc.start();
    expect(h2.logs).toContain('StreamingContext has already been started');
    const after = 'Adding new inputs, transformations, and output operations after starting a context is not supported';
    expect(() => s2.map((x) => x + 1)).toThrow(after);
    expect(() => s2.print()).toThrow(after);
    expect(() => h2.ssc.queueStream<number>([])).toThrow(after);
    expect(await h2.ssc.awaitTerminationOrTimeout(20)).toBe(false);
    const waiting = h2.ssc.awaitTermination();
    await h2.ssc.stop();
    expect(await waiting).toBe(true);
    expect(h2.ssc.state).toBe('STOPPED');
    expect(() => h2.ssc.start()).toThrow('StreamingContext has already been stopped');
    expect(() => s2.filter(() => true)).toThrow(
      'Adding new inputs, transformations, and output operations after stopping a context is not supported',
    );
    await h2.ssc.stop();
    expect(h2.logs).toContain('StreamingContext has already been stopped');

    const h3 = manual();
    await h3.ssc.stop();
    expect(h3.logs).toContain('StreamingContext has not been started yet');
    expect(h3.ssc.state).toBe('STOPPED');
    void s;
  });

  it('rejects a block interval under 50 ms and non-positive batch intervals', () => {
    expect(() => new StreamingContext({ batchInterval: Seconds(1), blockInterval: Milliseconds(20), log: false })).toThrow(
      'must be at least 50 ms',
    );
    expect(() => new StreamingContext(Milliseconds(0))).toThrow('Batch duration must be positive');
    expect(new StreamingContext('2s').batchDuration.milliseconds).toBe(2000);
  });

  it('a failing output operation is reported to awaitTermination; later batches still run (no committer)', async () => {
    const h = manual();
    const seen: number[] = [];
    h.ssc.queueStream([RDD.parallelize([1]), RDD.parallelize([2]), RDD.parallelize([3])]).foreachRDD((rdd, t) => {
      if (t.milliseconds === 2000) throw new Error('boom');
      seen.push(...rdd.collect());
    });
    const infos: BatchInfo[] = [];
    h.ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void infos.push(batchInfo) });
    h.ssc.start();
    const term = h.ssc.awaitTermination();
    await step(h, 3);
    await expect(term).rejects.toThrow('boom');
    expect(seen).toEqual([1, 3]);
    expect(infos[1].outputOperationInfos.get(0)!.failureReason).toContain('boom');
    expect(h.logs.some((l) => l.startsWith('Error running job streaming job 2000 ms.0: Error: boom'))).toBe(true);
    expect(h.ssc.state).toBe('ACTIVE');
    await h.ssc.stop();
  });

  it('transform must not return null', async () => {
    const h = manual();
    h.ssc
      .queueStream([RDD.parallelize([1])])
      .transform(() => null as unknown as RDD<number>)
      .print();
    h.ssc.start();
    const term = h.ssc.awaitTermination();
    await step(h);
    await expect(term).rejects.toThrow(
      'Transform function must not return null. Return SparkContext.emptyRDD() instead to represent no element as the result of transformation.',
    );
    await h.ssc.stop();
  });

  it('stop() non-graceful lets the running output op finish and drops queued batches; stop() inside an op does not deadlock', async () => {
    const h = manual();
    const done: number[] = [];
    let release: () => void = () => undefined;
    h.ssc.queueStream([RDD.parallelize([1]), RDD.parallelize([2])]).foreachRDD(async (_rdd, t) => {
      if (t.milliseconds === 1000) {
        h.clock.advance(1000); // batch 2000 is generated meanwhile and queued
        await new Promise<void>((r) => (release = r));
      }
      done.push(t.milliseconds);
    });
    h.ssc.start();
    h.clock.advance(1000);
    const stopped = h.ssc.stop();
    release();
    await stopped;
    expect(done).toEqual([1000]);

    const h2 = manual();
    h2.ssc.queueStream([RDD.parallelize([1])]).foreachRDD(async () => {
      await h2.ssc.stop();
    });
    h2.ssc.start();
    h2.clock.advance(1000);
    expect(await h2.ssc.awaitTermination(5000)).toBe(true);
  });
});

describe('scheduling', () => {
  it('slow batches queue up: scheduling delay grows, batches never overlap, then it catches up', async () => {
    const h = manual();
    const events: string[] = [];
    const infos: BatchInfo[] = [];
    h.ssc.queueStream<number>([]).foreachRDD((_rdd, t) => {
      // Batches 1..4 take 1.5 batch intervals each (the clock moves while they run).
      if (t.milliseconds <= 4000) h.clock.advance(1500);
    });
    h.ssc.addStreamingListener({
      onBatchStarted: ({ batchInfo }) => void events.push(`start ${batchInfo.batchTime.milliseconds}`),
      onBatchCompleted: ({ batchInfo }) => {
        events.push(`end ${batchInfo.batchTime.milliseconds}`);
        infos.push(batchInfo);
      },
    });
    h.ssc.start();
    h.clock.advance(1000);
    await h.ssc.whenIdle();
    expect(infos.map((i) => i.batchTime.milliseconds)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000]);
    expect(infos.map((i) => i.schedulingDelay)).toEqual([0, 500, 1000, 1500, 2000, 1000, 0]);
    expect(infos.map((i) => i.processingDelay)).toEqual([1500, 1500, 1500, 1500, 0, 0, 0]);
    expect(infos.map((i) => i.totalDelay)).toEqual(infos.map((i) => i.schedulingDelay! + i.processingDelay!));
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i].split(' ')[0]).toBe('start');
      expect(events[i + 1]).toBe(`end ${events[i].split(' ')[1]}`);
    }
    expect(h.logs.filter((l) => l.startsWith('Total delay:'))).toHaveLength(7);
    expect(h.logs).toContain('Total delay: 2.500 s for time 3000 ms (execution: 1.500 s, scheduling delay: 1.000 s, records: 0)');
    await h.ssc.stop();
  });

  it('output operations run one at a time, in definition order, async ones awaited', async () => {
    const h = manual();
    const log: string[] = [];
    const s = h.ssc.queueStream([RDD.parallelize([1]), RDD.parallelize([2])]);
    s.foreachRDD(async (_r, t) => {
      log.push(`a-start ${t.milliseconds}`);
      await sleep(20);
      log.push(`a-end ${t.milliseconds}`);
    });
    s.foreachRDD((_r, t) => void log.push(`b ${t.milliseconds}`));
    s.foreachRDD(async (_r, t) => {
      log.push(`c-start ${t.milliseconds}`);
      await sleep(5);
      log.push(`c-end ${t.milliseconds}`);
    });
    h.ssc.start();
    h.clock.advance(2000); // both batches generated at once: the second waits for the first
    await h.ssc.whenIdle();
    expect(log).toEqual([
      'a-start 1000', 'a-end 1000', 'b 1000', 'c-start 1000', 'c-end 1000',
      'a-start 2000', 'a-end 2000', 'b 2000', 'c-start 2000', 'c-end 2000',
    ]);
    await h.ssc.stop();
  });

  it('with the real clock: a slow batch delays the next ones, which never overlap', async () => {
    const logs: string[] = [];
    const ssc = new StreamingContext({ batchInterval: Milliseconds(100), log: (l) => logs.push(l), out: () => undefined });
    let running = false;
    let overlaps = 0;
    const infos: BatchInfo[] = [];
    ssc.queueStream<number>([]).foreachRDD(async () => {
      if (running) overlaps++;
      running = true;
      await sleep(infos.length < 2 ? 250 : 1);
      running = false;
    });
    ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void infos.push(batchInfo) });
    ssc.start();
    await waitFor(() => infos.length >= 5, '5 batches');
    await ssc.stop();
    expect(overlaps).toBe(0);
    expect(infos[1].schedulingDelay!).toBeGreaterThanOrEqual(100);
    expect(infos[2].schedulingDelay!).toBeGreaterThan(infos[1].schedulingDelay! - 50);
    for (let i = 1; i < infos.length; i++) {
      expect(infos[i].batchTime.milliseconds - infos[i - 1].batchTime.milliseconds).toBe(100);
      expect(infos[i].processingStartTime!).toBeGreaterThanOrEqual(infos[i - 1].processingEndTime!);
    }
  });
});

describe('ticks after a blocked event loop', () => {
  const busy = (ms: number): void => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      /* a batch computing synchronously */
    }
  };

  it('RecurringTimer: ticks missed while the event loop was blocked fire late, in order', async () => {
    const ticks: number[] = [];
    const timer = new RecurringTimer(new SystemClock(), 20, (t) => {
      ticks.push(t);
      if (ticks.length === 1) busy(90);
    });
    const first = timer.start();
    await waitFor(() => ticks.length >= 8, '8 ticks');
    timer.stop();
    const n = ticks.length;
    await sleep(60);
    expect(ticks.length).toBe(n);
    expect(ticks).toEqual(ticks.map((_, i) => first + 20 * i));
  });

  it('a batch that blocks the event loop past several ticks: the next batches come in order, none fails', async () => {
    type Offsets = { n: number };
    const source: DirectSource<number, Offsets> = {
      name: 'AsyncCounter',
      initialOffsets: () => ({ n: 0 }),
      // Planning needs I/O, as the redisStream source's does.
      plan: async (_t, from) => {
        await sleep(1);
        return { until: { n: from.n + 1 } };
      },
      read: (from, until) => [Array.from({ length: until.n - from.n }, (_, i) => from.n + i)],
    };
    const logs: string[] = [];
    const ssc = new StreamingContext({ batchInterval: Milliseconds(50), log: (l) => logs.push(l), out: () => undefined });
    const infos: BatchInfo[] = [];
    const totals: number[] = [];
    ssc
      .directStream(source)
      .map((x): [string, number] => ['k', x])
      .updateStateByKey<string, number, number>((vs, s) => (s ?? 0) + vs.length)
      .foreachRDD((rdd) => {
        totals.push(rdd.collect()[0]?.[1] ?? 0);
        if (totals.length === 2) busy(230);
      });
    ssc.checkpoint('memory:');
    ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void infos.push(batchInfo) });
    ssc.start();
    await waitFor(() => infos.length >= 9, '9 batches');
    await ssc.stop();
    expect(logs.filter((l) => /FAILED|Error/.test(l))).toEqual([]);
    for (let i = 1; i < infos.length; i++) expect(infos[i].batchTime.milliseconds - infos[i - 1].batchTime.milliseconds).toBe(50);
    expect(totals.slice(0, 9)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('outputs', () => {
  it("print(n) writes Spark's format", async () => {
    const h = manual();
    const q = [RDD.parallelize(Array.from({ length: 12 }, (_, i) => i + 1), 3), RDD.empty<number>(), RDD.parallelize([1, 2, 3])];
    const s = h.ssc.queueStream(q);
    s.print();
    s.map((x): [string, number] => [`w${x}`, x]).print(2);
    h.ssc.start();
    await step(h, 3);
    const bar = '-------------------------------------------';
    expect(h.out[0]).toBe(`${bar}\nTime: 1000 ms\n${bar}\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n...\n\n`);
    expect(h.out[1]).toBe(`${bar}\nTime: 1000 ms\n${bar}\n(w1,1)\n(w2,2)\n...\n\n`);
    expect(h.out[2]).toBe(`${bar}\nTime: 2000 ms\n${bar}\n\n`);
    expect(h.out[5]).toBe(`${bar}\nTime: 3000 ms\n${bar}\n(w1,1)\n(w2,2)\n...\n\n`);
    expect(h.out[4]).toBe(`${bar}\nTime: 3000 ms\n${bar}\n1\n2\n3\n\n`);
    await h.ssc.stop();
  });

  it('saveAsTextFiles writes prefix-TIME_IN_MS.suffix directories of part files', async () => {
    const dir = tmp();
    const h = manual();
    const s = h.ssc.queueStream([RDD.parallelize(['a', 'b', 'c'], 2), RDD.parallelize<string>([], 1)]);
    s.saveAsTextFiles(join(dir, 'words'), 'txt');
    s.map((w): [string, number] => [w, 1]).saveAsTextFiles(join(dir, 'pairs'));
    h.ssc.start();
    await step(h, 2);
    await h.ssc.stop();
    expect(readdirSync(dir).sort()).toEqual(['pairs-1000', 'pairs-2000', 'words-1000.txt', 'words-2000.txt']);
    expect(readdirSync(join(dir, 'words-1000.txt')).sort()).toEqual(['_SUCCESS', 'part-00000', 'part-00001']);
    expect(readFileSync(join(dir, 'words-1000.txt', 'part-00000'), 'utf8')).toBe('a\n');
    expect(readFileSync(join(dir, 'words-1000.txt', 'part-00001'), 'utf8')).toBe('b\nc\n');
    expect(readFileSync(join(dir, 'pairs-1000', 'part-00001'), 'utf8')).toBe('(b,1)\n(c,1)\n');
    expect(readdirSync(join(dir, 'words-2000.txt')).sort()).toEqual(['_SUCCESS', 'part-00000']);
    expect(readFileSync(join(dir, 'words-2000.txt', 'part-00000'), 'utf8')).toBe('');
  });
});

describe('listener and commit hook', () => {
  it('reports submitted/started/completed batches with records, delays and output ops; no events for batches without jobs', async () => {
    const h = manual();
    const events: string[] = [];
    const completed: BatchInfo[] = [];
    const listener: StreamingListener = {
      onStreamingStarted: () => void events.push('streamingStarted'),
      onBatchSubmitted: ({ batchInfo }) => void events.push(`submitted ${batchInfo.batchTime.milliseconds} ${batchInfo.numRecords}`),
      onBatchStarted: ({ batchInfo }) => void events.push(`started ${batchInfo.batchTime.milliseconds}`),
      onOutputOperationStarted: ({ outputOperationInfo: o }) => void events.push(`opStarted ${o.batchTime.milliseconds} ${o.id} ${o.name}`),
      onOutputOperationCompleted: ({ outputOperationInfo: o }) => void events.push(`opCompleted ${o.batchTime.milliseconds} ${o.id}`),
      onBatchCompleted: ({ batchInfo }) => {
        events.push(`completed ${batchInfo.batchTime.milliseconds}`);
        completed.push(batchInfo);
      },
    };
    h.ssc.addStreamingListener(listener);
    const s = h.ssc.queueStream([RDD.parallelize([1, 2, 3], 2), RDD.parallelize([4]), RDD.parallelize([5, 6])]);
    const w = s.window(Seconds(2), Seconds(2));
    w.print();
    w.foreachRDD(() => undefined);
    h.ssc.start();
    await step(h, 3);
    expect(events).toEqual([
      'streamingStarted',
      'submitted 2000 1',
      'started 2000',
      'opStarted 2000 0 print',
      'opCompleted 2000 0',
      'opStarted 2000 1 foreachRDD',
      'opCompleted 2000 1',
      'completed 2000',
    ]);
    const info = completed[0];
    expect(info.numRecords).toBe(1);
    expect([...info.streamIdToInputInfo.values()].map((i) => i.name)).toEqual(['QueueInputDStream']);
    expect([...info.outputOperationInfos.values()].map((o) => o.description)).toEqual(['print(10)', 'foreachRDD']);
    expect(h.out[0]).toContain('1\n2\n3\n4\n');
    h.ssc.removeStreamingListener(listener);
    await h.ssc.stop();
  });

  it('commits after the output operations: inputs, state deltas, queued commands; a failed commit stops the context', async () => {
    const h = manual();
    const commits: BatchCommit[] = [];
    const order: string[] = [];
    let failAt = -1;
    h.ssc.checkpoint({
      async commit(b) {
        order.push(`commit ${b.time.milliseconds}`);
        await sleep(1);
        if (b.time.milliseconds === failAt) throw new Error('EXECABORT');
        commits.push(b);
      },
    });
    const pairs = h.ssc.queueStream([RDD.parallelize(['a', 'b', 'a']), RDD.parallelize(['b'])]).map((w): [string, number] => [w, 1]);
    const totals = pairs.updateStateByKey<string, number, number>((vs, s) => (s ?? 0) + vs.length);
    totals.foreachBatch((rdd, t, tx) => {
      order.push(`output ${t.milliseconds}`);
      for (const [k, v] of rdd.collect()) tx.call('HSET', 'totals', k, String(v));
    });
    h.ssc.start();
    await step(h, 2);
    expect(order).toEqual(['output 1000', 'commit 1000', 'output 2000', 'commit 2000']);
    expect(commits[0].states).toHaveLength(1);
    expect(new Map(commits[0].states[0].delta.updated)).toEqual(new Map([['a', 2], ['b', 1]]));
    expect([...commits[1].states[0].delta.updated]).toEqual([['b', 2]]);
    expect(commits[1].commands.map((c) => c.join(' ')).sort()).toEqual(['HSET totals a 2', 'HSET totals b 2']);
    expect(commits[0].inputs[0]).toMatchObject({ name: 'QueueInputDStream' });
    expect(commits[0].graphFingerprint).toBe(h.ssc.graphFingerprint());
    failAt = 3000;
    const term = h.ssc.awaitTermination();
    await step(h);
    await expect(term).rejects.toThrow('EXECABORT');
    await waitFor(() => h.ssc.state === 'STOPPED', 'the context to stop after a failed commit');
  });

  it('the memory checkpoint refuses state that is not JSON-safe', async () => {
    const h = manual();
    h.ssc
      .queueStream([RDD.parallelize(['a'])])
      .map((w): [string, number] => [w, 1])
      .updateStateByKey<string, number, { seen: Set<number> }>((vs, s) => ({ seen: new Set([...(s?.seen ?? []), ...vs]) }))
      .print();
    h.ssc.checkpoint('memory:');
    h.ssc.start();
    const term = h.ssc.awaitTermination();
    await step(h);
    await expect(term).rejects.toThrow('State of stream 2 (updateStateByKey) for key a cannot be checkpointed: seen: a Set is not JSON-safe');
  });

  it('direct sources: a batch is a function of its offset range, visible as offset ranges; the graph has a fingerprint', async () => {
    type Offsets = { [p: string]: number };
    const source = (rate: number): DirectSource<string, Offsets> => ({
      name: 'CounterSource',
      params: { partitions: 2 },
      initialOffsets: () => ({ p0: 0, p1: 100 }),
      plan: (_t, from) => ({ until: { p0: from.p0 + rate, p1: from.p1 + rate } }),
      read: (from, until) =>
        ['p0', 'p1'].map((p) => Array.from({ length: until[p] - from[p] }, (_, i) => `${p}:${from[p] + i}`)),
      offsetRanges: (from, until) => ['p0', 'p1'].map((p) => ({ partition: p, fromOffset: from[p], untilOffset: until[p] })),
    });
    const build = (h: Harness, windowSec: number): { seen: Map<number, string[]>; ranges: unknown[] } => {
      const seen = new Map<number, string[]>();
      const ranges: unknown[] = [];
      const input = h.ssc.directStream(source(2));
      input.foreachRDD((rdd, t) => {
        if (hasOffsetRanges(rdd)) ranges.push(rdd.offsetRanges);
        seen.set(t.milliseconds, rdd.collect());
      });
      input.map((x): [string, number] => [x.slice(0, 2), 1]).reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, Seconds(windowSec)).print();
      h.ssc.checkpoint('memory:');
      return { seen, ranges };
    };
    const h = manual();
    const { seen, ranges } = build(h, 2);
    h.ssc.start();
    await step(h, 3);
    await h.ssc.stop();
    expect(seen.get(2000)).toEqual(['p0:2', 'p0:3', 'p1:102', 'p1:103']);
    expect(ranges[1]).toEqual([
      { partition: 'p0', fromOffset: 2, untilOffset: 4 },
      { partition: 'p1', fromOffset: 102, untilOffset: 104 },
    ]);
    const cp = h.ssc.committer as MemoryCheckpoint;
    expect(cp.commits.map((c) => c.inputs[0].metadata)).toEqual([
      { from: { p0: 0, p1: 100 }, until: { p0: 2, p1: 102 } },
      { from: { p0: 2, p1: 102 }, until: { p0: 4, p1: 104 } },
      { from: { p0: 4, p1: 104 }, until: { p0: 6, p1: 106 } },
    ]);
    expect(cp.commits[2].states[0].kind).toBe('reduceByKeyAndWindow');

    // A restarted job given the committed offsets of batch 1 recomputes batch 2 identically.
    const h2 = manual();
    const again = build(h2, 2);
    const node = h2.ssc.graph.inputStreams[0].node as unknown as { restoreOffsets(o: Offsets): void };
    node.restoreOffsets({ p0: 2, p1: 102 });
    h2.ssc.start();
    await step(h2);
    await h2.ssc.stop();
    expect(again.seen.get(1000)).toEqual(seen.get(2000));
    expect(h2.ssc.graphFingerprint()).toBe(h.ssc.graphFingerprint());

    const h3 = manual();
    build(h3, 4);
    expect(h3.ssc.graphFingerprint()).not.toBe(h.ssc.graphFingerprint());
    const changes = describeGraphChanges(h.ssc.graph.describe(), h3.ssc.graph.describe());
    expect(changes).toEqual([
      'stream 3 changed from reduceByKeyAndWindow(window=2000, slide=1000, inverse=true, filter=false, numPartitions=2, parents=2) ' +
        'to reduceByKeyAndWindow(window=4000, slide=1000, inverse=true, filter=false, numPartitions=2, parents=2)',
    ]);
  });
});

describe('recovery through the extension points', () => {
  type Offsets = { [p: string]: number };
  const source: DirectSource<string, Offsets> = {
    name: 'CounterSource',
    initialOffsets: () => ({ p0: 0, p1: 0 }),
    plan: (_t, from) => ({ until: { p0: from.p0 + 3, p1: from.p1 + 2 } }),
    read: (from, until) => ['p0', 'p1'].map((p) => Array.from({ length: until[p] - from[p] }, (_, i) => `${p}:${from[p] + i}`)),
  };

  function job(h: Harness): { totals: Map<number, Array<[string, number]>>; windows: Map<number, Array<[string, number]>> } {
    const totals = new Map<number, Array<[string, number]>>();
    const windows = new Map<number, Array<[string, number]>>();
    const pairs = h.ssc.directStream(source).map((x): [string, number] => [`k${Number(x.split(':')[1]) % 3}`, 1]);
    pairs.updateStateByKey<string, number, number>((vs, s) => (s ?? 0) + vs.length).foreachRDD((rdd, t) => {
      totals.set(t.milliseconds, rdd.collect());
    });
    pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, Seconds(2), Seconds(1), 2, ([, v]) => v > 0).foreachRDD((rdd, t) => {
      windows.set(t.milliseconds, rdd.collect());
    });
    h.ssc.checkpoint('memory:');
    return { totals, windows };
  }

  it('a job resumed from committed deltas, offsets and replayed window inputs ends where an uninterrupted run does', async () => {
    const ref = manual();
    const expected = job(ref);
    ref.ssc.start();
    await step(ref, 6);
    await ref.ssc.stop();

    const a = manual();
    job(a);
    a.ssc.start();
    await step(a, 3);
    await a.ssc.stop();
    const cp = a.ssc.committer as MemoryCheckpoint;
    const last = cp.commits[cp.commits.length - 1];
    expect(last.time.milliseconds).toBe(3000);

    // Restart at 5.5 s: batches 4000 and 5000 were missed while the job was down.
    const b = manual({ start: 5500 });
    const got = job(b);
    const g = b.ssc.graph;
    for (const { stream, node } of g.statefulStreams) node.store.restore(cp.stateEntries(stream.id), 3000);
    const input = g.inputStreams[0];
    const inputNode = input.node as unknown as { restoreOffsets(o: Offsets): void; materialize(t: Time, p: { metadata: unknown }): unknown };
    inputNode.restoreOffsets((last.inputs[0].metadata as { until: Offsets }).until);
    // The incremental window subtracts batches leaving it: replay their input from the committed ranges.
    for (const c of cp.commits.filter((x) => x.time.milliseconds > 1000)) {
      await inputNode.materialize(c.time, { metadata: c.inputs[0].metadata });
    }
    b.ssc.resumeFrom({ zeroTime: 0, lastBatchTime: 3000 });
    b.ssc.start();
    await b.ssc.whenIdle();
    expect([...got.totals.keys()]).toEqual([4000, 5000]);
    b.clock.advance(500);
    await b.ssc.whenIdle();
    await b.ssc.stop();
    for (const t of [4000, 5000, 6000]) {
      expect(sorted(got.totals.get(t)!)).toEqual(sorted(expected.totals.get(t)!));
      expect(sorted(got.windows.get(t)!)).toEqual(sorted(expected.windows.get(t)!));
    }
  });
});

function sorted<T>(xs: T[]): T[] {
  return [...xs].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('socketTextStream fed by nc -lk', () => {
  let nc: ChildProcessWithoutNullStreams | undefined;
  afterAll(() => {
    if (nc?.pid) nc.kill('SIGKILL');
  });

  it('network word count: lines become records, blocks become partitions, graceful stop keeps received data', async () => {
    const port = await freePort();
    nc = spawn('nc', ['-v', '-lk', '127.0.0.1', String(port)]);
    let ncErr = '';
    nc.stderr.on('data', (d: Buffer) => (ncErr += d.toString()));
    await waitFor(() => ncErr.includes('Listening'), 'nc to listen');

    const h = manual();
    const lines = h.ssc.socketTextStream('127.0.0.1', port);
    const counts = lines.flatMap((l) => l.split(' ')).map((w): [string, number] => [w, 1]).reduceByKey((a, b) => a + b);
    counts.print();
    const partitions = new Map<number, number>();
    const batches = new Map<number, string[]>();
    lines.foreachRDD((rdd, t: Time) => {
      partitions.set(t.milliseconds, rdd.numPartitions);
      batches.set(t.milliseconds, rdd.collect());
    });
    const started: string[] = [];
    h.ssc.addStreamingListener({ onReceiverStarted: ({ receiverInfo }) => void started.push(receiverInfo.name) });
    h.ssc.start();
    expect(started).toEqual(['SocketReceiver']);
    await waitFor(() => ncErr.includes('Connection received'), 'the receiver to connect');
    const node = (lines as DStream<string>).node as ReceiverInputNode<string>;

    nc.stdin.write('hello world\nhello eddy\n');
    await waitFor(() => node.receivedRecords === 2, 'two lines');
    h.clock.advance(200); // block 1
    nc.stdin.write('spark streaming\r\n');
    await waitFor(() => node.receivedRecords === 3, 'third line');
    h.clock.advance(800); // block 2 at 400, batch at 1000
    await h.ssc.whenIdle();
    expect(batches.get(1000)).toEqual(['hello world', 'hello eddy', 'spark streaming']);
    expect(partitions.get(1000)).toBe(2);
    expect(h.out[0]).toContain('Time: 1000 ms');
    expect(h.out[0].split('\n').filter((l) => l.startsWith('(')).sort()).toEqual(
      ['(eddy,1)', '(hello,2)', '(spark,1)', '(streaming,1)', '(world,1)'],
    );

    await step(h); // an empty batch
    expect(batches.get(2000)).toEqual([]);

    nc.stdin.write('last words\n');
    await waitFor(() => node.receivedRecords === 4, 'fourth line');
    const stopping = h.ssc.stop({ stopGracefully: true });
    await sleep(10);
    expect(h.ssc.state).toBe('ACTIVE'); // waits for the next batch tick
    h.clock.advance(1000);
    await stopping;
    expect(h.ssc.state).toBe('STOPPED');
    expect(batches.get(3000)).toEqual(['last words']);
  });
});

describe('receivers', () => {
  let nc: ChildProcessWithoutNullStreams | undefined;
  afterAll(() => {
    if (nc?.pid) nc.kill('SIGKILL');
  });

  it('a socket receiver that cannot connect reports errors and retries until the server is up', async () => {
    const port = await freePort();
    const h = manual();
    const lines = h.ssc.socketTextStream('127.0.0.1', port);
    const got: string[] = [];
    lines.foreachRDD((rdd) => void got.push(...rdd.collect()));
    const errors: string[] = [];
    h.ssc.addStreamingListener({ onReceiverError: ({ receiverInfo }) => void errors.push(receiverInfo.lastErrorMessage ?? '') });
    h.ssc.start();
    await waitFor(() => errors.length >= 2, 'two connection errors');
    expect(errors[0]).toBe(`Restarting receiver: Error connecting to 127.0.0.1:${port}`);
    nc = spawn('nc', ['-v', '-lk', '127.0.0.1', String(port)]);
    let ncErr = '';
    nc.stderr.on('data', (d: Buffer) => (ncErr += d.toString()));
    await waitFor(() => ncErr.includes('Connection received'), 'the receiver to reconnect');
    nc.stdin.write('finally\n');
    const node = lines.node as ReceiverInputNode<string>;
    await waitFor(() => node.receivedRecords === 1, 'a line');
    await step(h);
    expect(got).toEqual(['finally']);
    await h.ssc.stop();
  });

  it('custom receivers: records stored between block cuts form one partition each', async () => {
    const { Receiver } = await import('../src/streaming/index.js');
    class Ticker extends Receiver<number> {
      n = 0;
      onStart(): void {
        this.storeAll([this.n++, this.n++]);
      }
      onStop(): void {}
    }
    const h = manual({ blockMs: 250 });
    const ticker = new Ticker();
    const s = h.ssc.receiverStream(ticker);
    const parts: number[][][] = [];
    s.glom().foreachRDD((rdd) => void parts.push(rdd.collect()));
    h.ssc.start();
    h.clock.advance(250);
    ticker.store(10);
    ticker.store(11);
    h.clock.advance(500); // cut at 500
    ticker.store(12);
    h.clock.advance(250); // cut at 1000 (before the batch tick at the same time), then batch 1000
    await h.ssc.whenIdle();
    expect(parts).toEqual([[[0, 1], [10, 11], [12]]]);
    ticker.store(13);
    await step(h);
    expect(parts[1]).toEqual([[13]]);
    await h.ssc.stop();
    ticker.store(14); // ignored once stopped
    expect(ticker.isStopped()).toBe(true);
  });
});

describe('textFileStream', () => {
  it('picks up files moved into the directory once, by modification time, one partition per file', async () => {
    const dir = tmp();
    const watch = join(dir, 'in');
    const stage = join(dir, 'stage');
    mkdirSync(watch);
    mkdirSync(stage);
    const T0 = 1_700_000_000_000;
    const put = (name: string, text: string, mtimeMs: number, into = watch): void => {
      const p = join(stage, name);
      writeFileSync(p, text);
      utimesSync(p, mtimeMs / 1000, mtimeMs / 1000);
      renameSync(p, join(into, name));
    };
    put('old.log', 'too old\n', T0 - 5000); // before the context started: ignored
    const h = manual({ start: T0 });
    const s = h.ssc.textFileStream(watch);
    const batches = new Map<number, string[][]>();
    s.glom().foreachRDD((rdd, t) => void batches.set(t.milliseconds, rdd.collect()));
    s.count().print();
    h.ssc.start();
    put('a.log', 'a1\na2\n', T0 + 500);
    put('.hidden', 'h\n', T0 + 500);
    put('future.log', 'f1', T0 + 3500); // modified "later" than batch 2: waits for batch 4
    await step(h);
    expect(batches.get(T0 + 1000)).toEqual([['a1', 'a2']]);
    put('b.log', 'b1\r\nb2\r\n', T0 + 1200);
    put('c.log', 'c1\n', T0 + 1900);
    await step(h);
    expect(batches.get(T0 + 2000)).toEqual([['b1', 'b2'], ['c1']]);
    await step(h);
    expect(batches.get(T0 + 3000)).toEqual([]);
    await step(h);
    expect(batches.get(T0 + 4000)).toEqual([['f1']]);
    await step(h);
    expect(batches.get(T0 + 5000)).toEqual([]); // nothing selected twice
    expect(h.out.map((o) => o.split('\n')[3])).toEqual(['2', '3', '0', '1', '0']);
    await h.ssc.stop();
  });
});
