// Why: operator semantics of eddy streaming checked against naive models that recompute every
// window and every state from the raw batches: fast-check property tests with random inputs,
// partitionings, window and slide lengths for windows, incremental windows (inverse + filter),
// updateStateByKey, mapWithState with timeouts and the join family; plus RDD operations, Spark's
// validation messages, the per-batch state delta and the O(changed keys) cost of state.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  MemoryCheckpoint,
  Milliseconds,
  NoSuchElementException,
  RDD,
  Seconds,
  StateSpec,
  StreamingContext,
  partitionOf,
  type DStream,
  type State,
  type StateDStream,
} from '../src/streaming/index.js';
import { BATCH_MS, inWindow, runBatches, sorted } from './support/streaming.js';

const RUNS = Number(process.env.EDDY_STREAMING_RUNS ?? 40);

/** Batches of partitions of elements. */
function batchesOf<T>(elem: fc.Arbitrary<T>, maxBatches = 8): fc.Arbitrary<T[][][]> {
  return fc.array(fc.array(fc.array(elem, { maxLength: 5 }), { minLength: 0, maxLength: 3 }), { minLength: 1, maxLength: maxBatches });
}

const keyArb: fc.Arbitrary<string> = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const pairArb = fc.tuple(keyArb, fc.integer({ min: 1, max: 5 }));

/** Output times of a stream with the given slide over `total` batches (zero time 0). */
function slideTimes(slideMs: number, total: number): number[] {
  const out: number[] = [];
  for (let t = slideMs; t <= total * BATCH_MS; t += slideMs) out.push(t);
  return out;
}

function sumByKey(pairs: Array<[string, number]>): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const [k, v] of pairs) m.set(k, (m.get(k) ?? 0) + v);
  return [...m.entries()];
}

const windowParams = fc.record({
  w: fc.integer({ min: 1, max: 4 }),
  s: fc.integer({ min: 1, max: 3 }),
  extra: fc.integer({ min: 0, max: 5 }),
});

describe('windows against recomputation', () => {
  it('window(w, s) holds exactly the batches of the last w, every s', async () => {
    await fc.assert(
      fc.asyncProperty(batchesOf(fc.integer({ min: 0, max: 9 })), windowParams, async (batches, { w, s, extra }) => {
        const W = w * BATCH_MS;
        const S = s * BATCH_MS;
        const { outputs } = await runBatches(batches, (input) => input.window(Milliseconds(W), Milliseconds(S)), { extraBatches: extra });
        const total = batches.length + extra;
        expect([...outputs.keys()]).toEqual(slideTimes(S, total));
        for (const [t, got] of outputs) expect(sorted(got)).toEqual(sorted(inWindow(batches, t - W, t)));
      }),
      { numRuns: RUNS },
    );
  });

  it('reduceByKeyAndWindow (plain) = per-key sums of the window', async () => {
    await fc.assert(
      fc.asyncProperty(batchesOf(pairArb), windowParams, async (batches, { w, s, extra }) => {
        const W = w * BATCH_MS;
        const S = s * BATCH_MS;
        const { outputs } = await runBatches(
          batches,
          (input) => input.reduceByKeyAndWindow((a, b) => a + b, Milliseconds(W), Milliseconds(S)),
          { extraBatches: extra },
        );
        expect([...outputs.keys()]).toEqual(slideTimes(S, batches.length + extra));
        for (const [t, got] of outputs) expect(sorted(got)).toEqual(sorted(sumByKey(inWindow(batches, t - W, t))));
      }),
      { numRuns: RUNS },
    );
  });

  it('reduceByKeyAndWindow with inverse + filter = per-key sums of the window (zero counts dropped)', async () => {
    await fc.assert(
      fc.asyncProperty(batchesOf(pairArb, 10), windowParams, fc.integer({ min: 1, max: 4 }), async (batches, { w, s, extra }, parts) => {
        const S = s * BATCH_MS;
        const W = Math.max(w, s) * BATCH_MS; // Spark's incremental window assumes slide <= window
        const { outputs } = await runBatches(
          batches,
          (input) =>
            input.reduceByKeyAndWindow(
              (a, b) => a + b,
              (a, b) => a - b,
              Milliseconds(W),
              Milliseconds(S),
              parts,
              ([, v]) => v !== 0,
            ),
          { extraBatches: extra },
        );
        expect([...outputs.keys()]).toEqual(slideTimes(S, batches.length + extra));
        for (const [t, got] of outputs) expect(sorted(got)).toEqual(sorted(sumByKey(inWindow(batches, t - W, t))));
      }),
      { numRuns: RUNS },
    );
  });

  it('reduceByKeyAndWindow with inverse and no filter keeps every key seen, at its window sum (0 when gone)', async () => {
    await fc.assert(
      fc.asyncProperty(batchesOf(pairArb), windowParams, async (batches, { w, s, extra }) => {
        const S = s * BATCH_MS;
        const W = Math.max(w, s) * BATCH_MS;
        const { outputs } = await runBatches(
          batches,
          (input) => input.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, Milliseconds(W), Milliseconds(S)),
          { extraBatches: extra },
        );
        for (const [t, got] of outputs) {
          const sums = new Map(sumByKey(inWindow(batches, t - W, t)));
          const seen = new Set(inWindow(batches, -Infinity, t).map(([k]) => k));
          expect(sorted(got)).toEqual(sorted([...seen].map((k) => [k, sums.get(k) ?? 0])));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('countByValueAndWindow = counts of the window, zero counts dropped', async () => {
    await fc.assert(
      fc.asyncProperty(batchesOf(fc.integer({ min: 0, max: 4 })), windowParams, async (batches, { w, s, extra }) => {
        const S = s * BATCH_MS;
        const W = Math.max(w, s) * BATCH_MS;
        const { outputs } = await runBatches(batches, (input) => input.countByValueAndWindow(Milliseconds(W), Milliseconds(S)), {
          extraBatches: extra,
        });
        for (const [t, got] of outputs) {
          const counts = new Map<number, number>();
          for (const x of inWindow(batches, t - W, t)) counts.set(x, (counts.get(x) ?? 0) + 1);
          expect(sorted(got)).toEqual(sorted([...counts.entries()]));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('groupByKeyAndWindow = per-key values of the window', async () => {
    await fc.assert(
      fc.asyncProperty(batchesOf(pairArb), windowParams, async (batches, { w, s, extra }) => {
        const W = w * BATCH_MS;
        const S = s * BATCH_MS;
        const { outputs } = await runBatches(batches, (input) => input.groupByKeyAndWindow(Milliseconds(W), Milliseconds(S)), {
          extraBatches: extra,
        });
        expect([...outputs.keys()]).toEqual(slideTimes(S, batches.length + extra));
        for (const [t, got] of outputs) {
          const m = new Map<string, number[]>();
          for (const [k, v] of inWindow(batches, t - W, t)) m.set(k, [...(m.get(k) ?? []), v]);
          expect(sorted(got.map(([k, vs]) => [k, sorted(vs)]))).toEqual(sorted([...m.entries()].map(([k, vs]) => [k, sorted(vs)])));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('countByWindow and reduceByWindow (plain and incremental)', async () => {
    await fc.assert(
      fc.asyncProperty(batchesOf(fc.integer({ min: 1, max: 9 })), windowParams, async (batches, { w, s, extra }) => {
        const S = s * BATCH_MS;
        const W = Math.max(w, s) * BATCH_MS;
        const plus = (a: number, b: number): number => a + b;
        const minus = (a: number, b: number): number => a - b;
        const opts = { extraBatches: extra };
        const counts = await runBatches(batches, (i) => i.countByWindow(Milliseconds(W), Milliseconds(S)), opts);
        const plain = await runBatches(batches, (i) => i.reduceByWindow(plus, Milliseconds(W), Milliseconds(S)), opts);
        const inc = await runBatches(batches, (i) => i.reduceByWindow(plus, minus, Milliseconds(W), Milliseconds(S)), opts);
        for (const t of slideTimes(S, batches.length + extra)) {
          const win = inWindow(batches, t - W, t);
          const seen = inWindow(batches, -Infinity, t).length > 0;
          // Incremental forms keep their single key once seen (value 0 when the window is empty).
          expect(counts.outputs.get(t)).toEqual(seen ? [win.length] : []);
          expect(inc.outputs.get(t)).toEqual(seen ? [win.reduce(plus, 0)] : []);
          expect(plain.outputs.get(t)).toEqual(win.length ? [win.reduce(plus, 0)] : []);
        }
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});

describe('state against recomputation', () => {
  it('updateStateByKey: only keys with new values are visited; undefined removes the key; deltas rebuild the state', async () => {
    await fc.assert(
      fc.asyncProperty(
        batchesOf(pairArb, 10),
        fc.array(fc.tuple(keyArb, fc.integer({ min: 1, max: 9 })), { maxLength: 3 }),
        fc.integer({ min: 1, max: 4 }),
        async (batches, initialPairs, parts) => {
          const initial = new Map(initialPairs);
          const update = (vs: number[], s: number | undefined): number | undefined => {
            const n = vs.reduce((a, b) => a + b, s ?? 0);
            return n % 5 === 0 ? undefined : n;
          };
          let calls = 0;
          let stream: StateDStream<string, number> | undefined;
          const deltas: Array<{ updated: Array<[string, number]>; removed: string[] }> = [];
          const { outputs, ssc } = await runBatches(batches, (input) => {
            stream = input.updateStateByKey<string, number, number>(
              (vs, s) => {
                calls++;
                return update(vs, s);
              },
              { initial: RDD.parallelize([...initial.entries()], 2), numPartitions: parts },
            );
            stream.foreachRDD(() => {
              const d = stream!.lastDelta()!;
              deltas.push({ updated: [...d.updated.entries()], removed: [...d.removed] });
            });
            return stream;
          });
          const model = new Map(initial);
          let expectedCalls = 0;
          batches.forEach((parts2, i) => {
            const t = (i + 1) * BATCH_MS;
            const groups = new Map<string, number[]>();
            for (const [k, v] of parts2.flat()) groups.set(k, [...(groups.get(k) ?? []), v]);
            // The first batch's delta also carries the initial state (so a committer persists it).
            const updated = new Map<string, number>(i === 0 ? initial : []);
            const removed: string[] = [];
            for (const [k, vs] of groups) {
              expectedCalls++;
              const had = model.has(k);
              const n = update(vs, model.get(k));
              if (n === undefined) {
                model.delete(k);
                if (updated.delete(k) && i === 0) continue;
                if (had) removed.push(k);
              } else {
                model.set(k, n);
                updated.set(k, n);
              }
            }
            expect(sorted(outputs.get(t)!)).toEqual(sorted([...model.entries()]));
            expect(sorted(deltas[i].updated)).toEqual(sorted([...updated]));
            expect(sorted(deltas[i].removed)).toEqual(sorted(removed));
          });
          expect(calls).toBe(expectedCalls);
          const cp = ssc.committer as MemoryCheckpoint;
          expect(sorted([...cp.stateOf<string, number>(stream!.id).entries()])).toEqual(sorted([...model.entries()]));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("updateStateByKey with callForAllKeys: Spark's visit-every-key semantics", async () => {
    await fc.assert(
      fc.asyncProperty(batchesOf(pairArb, 10), async (batches) => {
        const update = (vs: number[], s: number | undefined): number | undefined => {
          if (vs.length === 0) return s! > 2 ? s! - 2 : undefined; // decay idle keys, then drop them
          return vs.reduce((a, b) => a + b, s ?? 0);
        };
        const { outputs } = await runBatches(batches, (input) => input.updateStateByKey(update, { callForAllKeys: true }));
        const model = new Map<string, number>();
        batches.forEach((parts, i) => {
          const groups = new Map<string, number[]>();
          for (const [k, v] of parts.flat()) groups.set(k, [...(groups.get(k) ?? []), v]);
          for (const k of new Set([...model.keys(), ...groups.keys()])) {
            const n = update(groups.get(k) ?? [], model.get(k));
            if (n === undefined) model.delete(k);
            else model.set(k, n);
          }
          expect(sorted(outputs.get((i + 1) * BATCH_MS)!)).toEqual(sorted([...model.entries()]));
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('mapWithState with timeout: per-record calls, removal, touch, one last call for timed-out keys', async () => {
    const recArb = fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 3 }));
    await fc.assert(
      fc.asyncProperty(
        batchesOf(recArb, 10),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'e'), fc.integer({ min: 1, max: 5 })), { maxLength: 2 }),
        async (batches, timeoutBatches, extra, initialPairs) => {
          const timeout = timeoutBatches * BATCH_MS;
          const fn = (k: string, v: number | undefined, state: State<number>): string | undefined => {
            if (state.isTimingOut()) return `${k}:timeout:${state.get()}`;
            if (v === 0) {
              if (state.exists()) state.remove();
              return `${k}:removed`;
            }
            const n = (state.getOption() ?? 0) + v!;
            if (n % 7 === 0) return undefined; // no update: only touched (keeps it from timing out)
            state.update(n);
            return `${k}:${n}`;
          };
          const initial = new Map(initialPairs);
          const snapshots = new Map<number, Array<[string, number]>>();
          const { outputs } = await runBatches(
            batches,
            (input) => {
              const spec = StateSpec.function(fn)
                .timeout(Milliseconds(timeout))
                .initialState(RDD.parallelize([...initial.entries()]));
              const mapped = input.mapWithState(spec);
              mapped.stateSnapshots().foreachRDD((rdd, t) => {
                snapshots.set(t.milliseconds, rdd.collect());
              });
              return mapped;
            },
            { extraBatches: extra },
          );
          const model = new Map<string, { v: number; t: number }>();
          for (const [k, v] of initial) model.set(k, { v, t: BATCH_MS });
          for (let i = 0; i < batches.length + extra; i++) {
            const t = (i + 1) * BATCH_MS;
            const emitted: string[] = [];
            const touched = new Set<string>();
            for (const [k, v] of (batches[i] ?? []).flat()) {
              const cur = model.get(k);
              touched.add(k);
              if (v === 0) {
                model.delete(k);
                emitted.push(`${k}:removed`);
                continue;
              }
              const n = (cur?.v ?? 0) + v;
              if (n % 7 === 0) {
                if (cur) cur.t = t;
                continue;
              }
              model.set(k, { v: n, t });
              emitted.push(`${k}:${n}`);
            }
            for (const [k, e] of [...model.entries()]) {
              if (e.t < t - timeout && !touched.has(k)) {
                emitted.push(`${k}:timeout:${e.v}`);
                model.delete(k);
              }
            }
            expect(sorted(outputs.get(t)!)).toEqual(sorted(emitted));
            expect(sorted(snapshots.get(t)!)).toEqual(sorted([...model.entries()].map(([k, e]) => [k, e.v])));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('pair operations on batches', () => {
  const twoStreams = fc.tuple(batchesOf(pairArb, 5), batchesOf(fc.tuple(keyArb, fc.constantFrom('x', 'y', 'z')), 5));

  async function runJoin<R>(
    left: Array<Array<Array<[string, number]>>>,
    right: Array<Array<Array<[string, string]>>>,
    op: (a: DStream<[string, number]>, b: DStream<[string, string]>) => DStream<R>,
  ): Promise<Map<number, R[]>> {
    const n = Math.max(left.length, right.length);
    const clock = new ManualClock(0);
    const ssc = new StreamingContext({ batchInterval: Milliseconds(BATCH_MS), clock, log: false, defaultParallelism: 3 });
    const a = ssc.queueStream(left.map((p) => RDD.fromPartitions(p)));
    const b = ssc.queueStream(right.map((p) => RDD.fromPartitions(p)));
    const out = new Map<number, R[]>();
    op(a, b).foreachRDD((rdd, t) => {
      out.set(t.milliseconds, rdd.collect());
    });
    ssc.start();
    for (let i = 0; i < n; i++) {
      clock.advance(BATCH_MS);
      await ssc.whenIdle();
    }
    await ssc.stop();
    return out;
  }

  function model(l: Array<[string, number]>, r: Array<[string, string]>) {
    const keys = [...new Set([...l.map((x) => x[0]), ...r.map((x) => x[0])])];
    const vs = (k: string): number[] => l.filter((x) => x[0] === k).map((x) => x[1]);
    const ws = (k: string): string[] => r.filter((x) => x[0] === k).map((x) => x[1]);
    const join: unknown[] = [];
    const left: unknown[] = [];
    const right: unknown[] = [];
    const full: unknown[] = [];
    const cogroup: unknown[] = [];
    for (const k of keys) {
      const a = vs(k);
      const b = ws(k);
      cogroup.push([k, [sorted(a), sorted(b)]]);
      for (const v of a) for (const w of b) join.push([k, [v, w]]);
      for (const v of a) (b.length ? b : [undefined]).forEach((w) => left.push([k, [v, w]]));
      for (const w of b) (a.length ? a : [undefined]).forEach((v) => right.push([k, [v, w]]));
      if (!a.length) for (const w of b) full.push([k, [undefined, w]]);
      else if (!b.length) for (const v of a) full.push([k, [v, undefined]]);
      else for (const v of a) for (const w of b) full.push([k, [v, w]]);
    }
    return { join, left, right, full, cogroup };
  }

  it('join, leftOuterJoin, rightOuterJoin, fullOuterJoin, cogroup match nested loops', async () => {
    await fc.assert(
      fc.asyncProperty(twoStreams, async ([left, right]) => {
        const j = await runJoin(left, right, (a, b) => a.join(b));
        const lo = await runJoin(left, right, (a, b) => a.leftOuterJoin(b, 2));
        const ro = await runJoin(left, right, (a, b) => a.rightOuterJoin(b));
        const fo = await runJoin(left, right, (a, b) => a.fullOuterJoin(b, 4));
        const cg = await runJoin(left, right, (a, b) => a.cogroup(b));
        for (let i = 0; i < Math.max(left.length, right.length); i++) {
          const t = (i + 1) * BATCH_MS;
          const m = model((left[i] ?? []).flat(), (right[i] ?? []).flat());
          expect(sorted(j.get(t)!)).toEqual(sorted(m.join));
          expect(sorted(lo.get(t)!)).toEqual(sorted(m.left));
          expect(sorted(ro.get(t)!)).toEqual(sorted(m.right));
          expect(sorted(fo.get(t)!)).toEqual(sorted(m.full));
          expect(sorted(cg.get(t)!.map(([k, [a, b]]) => [k, [sorted(a), sorted(b)]]))).toEqual(sorted(m.cogroup));
        }
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('per-batch operators: reduceByKey, groupByKey, combineByKey, mapValues, flatMapValues, countByValue, count, reduce', async () => {
    await fc.assert(
      fc.asyncProperty(batchesOf(pairArb, 5), async (batches) => {
        const run = <U>(f: (s: DStream<[string, number]>) => DStream<U>) => runBatches(batches, f).then((r) => r.outputs);
        const rbk = await run((s) => s.reduceByKey((a, b) => a + b, 3));
        const gbk = await run((s) => s.groupByKey());
        const cbk = await run((s) =>
          s.combineByKey(
            (v) => [v, 1] as [number, number],
            (c, v) => [c[0] + v, c[1] + 1] as [number, number],
            (x, y) => [x[0] + y[0], x[1] + y[1]] as [number, number],
          ),
        );
        const mv = await run((s) => s.mapValues((v) => v * 10));
        const fmv = await run((s) => s.flatMapValues((v) => Array.from({ length: v }, (_, i) => i)));
        const cbv = await run((s) => s.map(([k]) => k).countByValue());
        const cnt = await run((s) => s.count());
        const red = await run((s) => s.map(([, v]) => v).reduce((a, b) => a + b));
        batches.forEach((parts, i) => {
          const t = (i + 1) * BATCH_MS;
          const all = parts.flat();
          expect(sorted(rbk.get(t)!)).toEqual(sorted(sumByKey(all)));
          const groups = new Map<string, number[]>();
          for (const [k, v] of all) groups.set(k, [...(groups.get(k) ?? []), v]);
          expect(sorted(gbk.get(t)!.map(([k, vs]) => [k, sorted(vs)]))).toEqual(sorted([...groups].map(([k, vs]) => [k, sorted(vs)])));
          expect(sorted(cbk.get(t)!)).toEqual(sorted([...groups].map(([k, vs]) => [k, [vs.reduce((a, b) => a + b), vs.length]])));
          expect(sorted(mv.get(t)!)).toEqual(sorted(all.map(([k, v]) => [k, v * 10])));
          expect(sorted(fmv.get(t)!)).toEqual(sorted(all.flatMap(([k, v]) => Array.from({ length: v }, (_, j) => [k, j]))));
          expect(sorted(cbv.get(t)!)).toEqual(sorted([...groups].map(([k, vs]) => [k, vs.length])));
          expect(cnt.get(t)).toEqual([all.length]);
          expect(red.get(t)).toEqual(all.length ? [all.reduce((a, [, v]) => a + v, 0)] : []);
        });
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});

describe('RDD', () => {
  it('parallelize slices like Spark, glom/partitions/union/repartition/coalesce keep elements', () => {
    const r = RDD.parallelize([1, 2, 3, 4, 5, 6, 7], 3);
    expect(r.glom().collect()).toEqual([[1, 2], [3, 4], [5, 6, 7]]);
    expect(r.partitions.map((p) => p.index)).toEqual([0, 1, 2]);
    expect(r.union(RDD.parallelize([8], 1)).numPartitions).toBe(4);
    const rp = r.repartition(2);
    expect(rp.numPartitions).toBe(2);
    expect(sorted(rp.collect())).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.coalesce(2).glom().collect()).toEqual([[1, 2], [3, 4, 5, 6, 7]]);
    expect(RDD.empty<number>().numPartitions).toBe(0);
  });

  it('actions: count, reduce, fold, take, first, isEmpty, countByValue, distinct, sortBy, top', () => {
    const r = RDD.parallelize(['b', 'a', 'c', 'a'], 2);
    expect(r.count()).toBe(4);
    expect(r.reduce((x, y) => x + y)).toBe('bac' + 'a');
    expect(r.fold('', (x, y) => x + y)).toBe('baca');
    expect(r.take(3)).toEqual(['b', 'a', 'c']);
    expect(r.first()).toBe('b');
    expect(r.isEmpty()).toBe(false);
    expect([...r.countByValue()]).toEqual([['b', 1], ['a', 2], ['c', 1]]);
    expect(sorted(r.distinct().collect())).toEqual(['a', 'b', 'c']);
    expect(r.sortBy((x) => x).collect()).toEqual(['a', 'a', 'b', 'c']);
    expect(r.top(2)).toEqual(['c', 'b']);
    expect(() => RDD.empty<number>().reduce((a, b) => a + b)).toThrow('empty collection');
    expect(() => RDD.parallelize<number>([], 2).first()).toThrow('empty collection');
    expect(RDD.parallelize<number>([], 2).isEmpty()).toBe(true);
  });

  it('is lazy: take() computes only the partitions it needs; shuffles run once', () => {
    let calls = 0;
    const r = RDD.parallelize([1, 2, 3, 4, 5, 6], 3).map((x) => {
      calls++;
      return x * 2;
    });
    expect(calls).toBe(0);
    expect(r.take(1)).toEqual([2]);
    expect(calls).toBe(1);
    calls = 0;
    const reduced = r.map((x): [number, number] => [x % 3, x]).reduceByKey((a, b) => a + b, 2);
    reduced.collect();
    reduced.collect();
    expect(calls).toBe(6);
  });

  it('hash-partitions keys by their Java hashCode', () => {
    // "a".hashCode = 97, "b" = 98; Integer.hashCode(n) = n; -1 maps to n-1 (nonNegativeMod)
    expect(partitionOf('a', 2)).toBe(1);
    expect(partitionOf('b', 2)).toBe(0);
    expect(partitionOf(-1, 4)).toBe(3);
    const parts = RDD.parallelize<[string, number]>([['a', 1], ['b', 2], ['c', 3]], 1).reduceByKey((x, y) => x + y, 2).glom().collect();
    expect(parts).toEqual([[['b', 2]], [['a', 1], ['c', 3]]]);
    // Structurally equal tuple keys group together.
    const g = RDD.parallelize<[[string, number], number]>([[['x', 1], 1], [['x', 1], 2], [['y', 1], 3]], 2).groupByKey(1).collect();
    expect(sorted(g)).toEqual(sorted([[['x', 1], [1, 2]], [['y', 1], [3]]]));
  });
});

describe('validation messages (as Spark)', () => {
  function ctx(): StreamingContext {
    return new StreamingContext({ batchInterval: Seconds(1), clock: new ManualClock(), log: false });
  }

  it('window and slide must be multiples of the parent slide', () => {
    const s = ctx().queueStream<[string, number]>([]);
    expect(() => s.window(Milliseconds(1500))).toThrow(
      'The window duration of windowed DStream (1500 ms) must be a multiple of the slide duration of parent DStream (1000 ms)',
    );
    expect(() => s.window(Seconds(3), Milliseconds(2500))).toThrow(
      'The slide duration of windowed DStream (2500 ms) must be a multiple of the slide duration of parent DStream (1000 ms)',
    );
    expect(() => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, Milliseconds(1500), Seconds(1))).toThrow(
      'requirement failed: The window duration of ReducedWindowedDStream (1500 ms) must be multiple of the slide duration of parent DStream (1000 ms)',
    );
    expect(() => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, Seconds(4), Milliseconds(500))).toThrow(
      'requirement failed: The slide duration of ReducedWindowedDStream (500 ms) must be multiple of the slide duration of parent DStream (1000 ms)',
    );
    const w2 = s.window(Seconds(4), Seconds(2));
    expect(() => w2.window(Seconds(3))).toThrow(
      'The window duration of windowed DStream (3000 ms) must be a multiple of the slide duration of parent DStream (2000 ms)',
    );
    expect(() => w2.union(s)).toThrow('Array of parents have different slide times');
    expect(() => w2.transformWith(s, (a) => a)).toThrow('requirement failed: Some of the DStreams have different slide durations');
  });

  it('stateful operators need a checkpoint; the context is then stopped', () => {
    for (const build of [
      (s: DStream<[string, number]>) => s.updateStateByKey<string, number, number>((vs) => vs.length),
      (s: DStream<[string, number]>) => s.mapWithState(StateSpec.function((k: string) => k)),
      (s: DStream<[string, number]>) => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, Seconds(2)),
    ]) {
      const ssc = ctx();
      build(ssc.queueStream<[string, number]>([])).print();
      expect(() => ssc.start()).toThrow(
        'requirement failed: The checkpoint directory has not been set. Please set it by StreamingContext.checkpoint().',
      );
      expect(ssc.getState()).toBe('STOPPED');
    }
  });

  it("State enforces Spark's rules", async () => {
    const errors: string[] = [];
    const fn = (k: string, v: number | undefined, s: State<number>): string => {
      if (s.isTimingOut()) {
        for (const f of [() => s.update(1), () => s.remove()]) {
          try {
            f();
          } catch (e) {
            errors.push((e as Error).message);
          }
        }
        return 'timeout';
      }
      if (!s.exists()) {
        try {
          s.get();
        } catch (e) {
          errors.push(`${(e as Error).name}: ${(e as Error).message}`);
          expect(e).toBeInstanceOf(NoSuchElementException);
        }
        s.update(v!);
        s.remove();
        try {
          s.update(2);
        } catch (e) {
          errors.push((e as Error).message);
        }
        try {
          s.remove();
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
      return k;
    };
    // The key is removed in batch 1, so give it a state via initialState to see it time out.
    await runBatches(
      [[[['k', 1]]]] as Array<Array<Array<[string, number]>>>,
      (input) =>
        input.mapWithState(
          StateSpec.function(fn)
            .timeout(Seconds(1))
            .initialState(RDD.parallelize<[string, number]>([['old', 5]])),
        ),
      { extraBatches: 2 },
    );
    expect(errors).toEqual([
      'NoSuchElementException: State is not set',
      'requirement failed: Cannot update the state after it has been removed',
      'requirement failed: Cannot remove the state that has already been removed',
      'requirement failed: Cannot update the state that is timing out',
      'requirement failed: Cannot remove the state that is timing out',
    ]);
  });
});

describe('state RDDs are views of the live state', () => {
  it('readable during their batch, refused after the state moved on, copied by persist() (windows over state work)', async () => {
    const kept: Array<RDD<[string, number]>> = [];
    let windowed: Map<number, Array<[string, number]>> | undefined;
    const batches: Array<Array<Array<[string, number]>>> = [[[['a', 1]]], [[['a', 2], ['b', 1]]], [[['b', 5]]]];
    await runBatches(batches, (input, ssc) => {
      const st = input.updateStateByKey<string, number, number>((vs, s) => vs.reduce((x, y) => x + y, s ?? 0));
      st.foreachRDD((rdd) => void kept.push(rdd));
      const w = new Map<number, Array<[string, number]>>();
      windowed = w;
      st.window(Seconds(2)).foreachRDD((rdd, t) => void w.set(t.milliseconds, rdd.collect()));
      void ssc;
      return st;
    });
    // The window persisted (copied) each state batch, so old states are still readable through it.
    expect(sorted(windowed!.get(3000)!)).toEqual(sorted([['a', 3], ['b', 1], ['a', 3], ['b', 6]]));
    expect(sorted(kept[2].collect())).toEqual([['a', 3], ['b', 6]]);
    const unpersisted: Array<RDD<[string, number]>> = [];
    await runBatches(batches, (input) => {
      const st = input.updateStateByKey<string, number, number>((vs, s) => vs.reduce((x, y) => x + y, s ?? 0));
      st.foreachRDD((rdd) => void unpersisted.push(rdd));
      return st;
    });
    expect(() => unpersisted[0].collect()).toThrow('The state of time 1000 ms is no longer available: the state has moved on to 3000 ms.');
    expect(sorted(unpersisted[2].collect())).toEqual([['a', 3], ['b', 6]]);
  });
});

describe('state cost is O(changed keys)', () => {
  it('a batch touching 10 of 100k keys calls the update function 10 times, and is much faster than visiting all keys', async () => {
    const N = 100_000;
    const initial = RDD.parallelize(
      Array.from({ length: N }, (_, i): [string, number] => [`k${i}`, 1]),
      4,
    );
    const measure = async (callForAllKeys: boolean): Promise<{ calls: number; ms: number; deltaSize: number }> => {
      const clock = new ManualClock(0);
      const ssc = new StreamingContext({ batchInterval: Seconds(1), clock, log: false, defaultParallelism: 4 });
      const q = [RDD.parallelize<[string, number]>([['k1', 1]]), ...Array.from({ length: 5 }, (_, b) => RDD.parallelize(
        Array.from({ length: 10 }, (_, i): [string, number] => [`k${b * 10 + i}`, 1]),
      ))];
      let calls = 0;
      const st = ssc.queueStream(q).updateStateByKey<string, number, number>(
        (vs, s) => {
          calls++;
          return vs.length ? (s ?? 0) + vs.length : s;
        },
        { initial, callForAllKeys },
      );
      const times: number[] = [];
      let deltaSize = 0;
      st.foreachRDD((rdd) => {
        rdd.take(10);
        deltaSize = st.lastDelta()!.updated.size;
      });
      ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void times.push(batchInfo.processingDelay!) });
      ssc.checkpoint('memory:');
      ssc.start();
      clock.advance(1000); // first batch loads the initial state
      await ssc.whenIdle();
      calls = 0;
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) {
        clock.advance(1000);
        await ssc.whenIdle();
      }
      const ms = (performance.now() - t0) / 5;
      expect(st.stateSize).toBe(N);
      await ssc.stop();
      return { calls, ms, deltaSize };
    };
    const fast = await measure(false);
    const slow = await measure(true);
    expect(fast.calls).toBe(50);
    expect(slow.calls).toBe(5 * N);
    expect(fast.deltaSize).toBe(10);
    console.log(`updateStateByKey, 100k keys, 10 changed per batch: ${fast.ms.toFixed(2)} ms/batch (changed keys only) vs ${slow.ms.toFixed(2)} ms/batch (Spark-style visit all)`);
    expect(fast.ms * 10).toBeLessThan(slow.ms);
  });
});

describe('typing', () => {
  it('pair operations exist only on key/value streams and collections (checked by tsc)', () => {
    // Never run: this function only has to type-check (npm run build compiles the tests).
    const check = (lines: DStream<string>): unknown[] => {
      const pairs = lines.flatMap((l) => l.split(' ')).map((w) => [w, 1]);
      const counts: DStream<[string, number]> = pairs.reduceByKey((a, b) => a + b);
      const lengths: DStream<number> = lines.map((l) => l.length);
      const arrays: DStream<number[]> = lines.map(() => [1, 2, 3]);
      const joined: DStream<[string, [number, string | undefined]]> = pairs.leftOuterJoin(pairs.mapValues(String));
      // @ts-expect-error reduceByKey needs a DStream<[K, V]>
      lines.reduceByKey((a: string, b: string) => a + b);
      // @ts-expect-error updateStateByKey needs a DStream<[K, V]>
      lengths.updateStateByKey((vs: number[]) => vs.length);
      // @ts-expect-error groupByKey needs an RDD<[K, V]>
      RDD.parallelize([1, 2]).groupByKey();
      const grouped: RDD<[string, number[]]> = RDD.parallelize(['a', 'b']).map((x) => [x, 1]).groupByKey();
      return [counts, arrays, joined, grouped];
    };
    expect(typeof check).toBe('function');
  });
});
