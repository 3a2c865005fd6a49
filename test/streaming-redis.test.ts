// Why: eddy streaming against a real store, in-process with a ManualClock so batches are exact:
// the direct Redis Streams source (bounded exclusive ranges, offset ranges), the eddy sinks, the
// checkpoint committer (one MULTI/EXEC per batch, resume with getOrCreate from state + offsets +
// window slices, refusal of a changed graph, epoch fencing), the receiver write-ahead log and
// textFileStream recovery — against eddy-server AND the reference redis-server 7.0, compared with a naive model.
import { mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointFencedException,
  ManualClock,
  Milliseconds,
  Seconds,
  StreamingContext,
  hasOffsetRanges,
  type OffsetRange,
} from '../src/streaming/index.js';
import { startEddy, startRedis, type ServerHandle } from './support/servers.js';

const BATCH = 1000;
const PARTS = 4;
const PER_PART = 30;
const RATE = 5;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Click {
  part: number;
  ad: string;
  province: string;
}

/** Event i of partition p. */
function click(p: number, i: number): Click {
  return { part: p, ad: `ad${(p * 7 + i * 3) % 7}`, province: `p${(i + p) % 5}` };
}

/** Batch k (1-based) reads entries (k-1)*RATE .. k*RATE-1 of every partition. */
function batchEvents(k: number): Click[] {
  const out: Click[] = [];
  for (let p = 0; p < PARTS; p++) for (let i = (k - 1) * RATE; i < Math.min(k * RATE, PER_PART); i++) out.push(click(p, i));
  return out;
}

function countBy(events: Click[], f: (c: Click) => string): Record<string, string> {
  const m: Record<string, number> = {};
  for (const e of events) m[f(e)] = (m[f(e)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));
}

interface Job {
  ssc: StreamingContext;
  clock: ManualClock;
  ranges: OffsetRange[][];
  logs: string[];
}

interface JobOptions {
  windowSec?: number;
  /** Throw in an output operation at this batch time (the batch fails and is not committed). */
  failAt?: number;
}

function clicksJob(ns: string, url: string, clockStart: number, opts: JobOptions = {}): { create: () => StreamingContext; job: Job } {
  const clock = new ManualClock(clockStart);
  const logs: string[] = [];
  const job: Job = { ssc: undefined as unknown as StreamingContext, clock, ranges: [], logs };
  const create = (): StreamingContext => {
    const ssc = new StreamingContext({ batchInterval: Milliseconds(BATCH), clock, name: 'clicks', log: (l) => logs.push(l), defaultParallelism: 2 });
    const recs = ssc.redisStream(`${ns}clicks`, { partitions: PARTS, maxRatePerPartition: RATE });
    recs.foreachRDD((rdd, t) => {
      if (hasOffsetRanges(rdd)) job.ranges.push([...rdd.offsetRanges]);
      if (t.milliseconds === opts.failAt) throw new Error('injected failure');
    });
    const ads = recs.map((r): [string, number] => [r.fields.ad, 1]);
    const totals = ads.updateStateByKey<string, number, number>((vs, s) => (s ?? 0) + vs.length);
    totals.saveToHash(`${ns}totals`);
    totals.saveToSortedSet(`${ns}top`);
    totals.saveToKeys(`${ns}ad:`);
    ads.saveToHash(`${ns}incr`, { mode: 'increment' });
    const provinces = recs.map((r): [string, number] => [r.fields.province, 1]);
    const win = provinces.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, Seconds(opts.windowSec ?? 3), Seconds(1), 2, ([, v]) => v > 0);
    win.saveWindows(`${ns}win`, { ttl: 600 });
    win.saveToHash(`${ns}wincur`);
    recs.count().foreachBatch((rdd, _t, tx) => {
      tx.call('incrby', `${ns}records`, String(rdd.first()));
      tx.call('incr', `${ns}batches`);
    });
    ssc.checkpoint(url);
    job.ssc = ssc;
    return ssc;
  };
  return { create, job };
}

async function step(job: Job, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    job.clock.advance(BATCH);
    await job.ssc.whenIdle();
  }
}

async function writeEvents(r: Redis, ns: string): Promise<void> {
  const pipe = r.pipeline();
  for (let p = 0; p < PARTS; p++) {
    for (let i = 0; i < PER_PART; i++) {
      const c = click(p, i);
      pipe.xadd(`${ns}clicks:{${p}}`, '*', 'ad', c.ad, 'province', c.province, 'user', `u${i}`);
    }
  }
  await pipe.exec();
}

/** The expected window hash at batch k (window of `w` batches, zero counts removed). */
function expectedWindow(k: number, w: number): Record<string, string> {
  const events: Click[] = [];
  for (let j = Math.max(1, k - w + 1); j <= k; j++) events.push(...batchEvents(j));
  return countBy(events, (c) => c.province);
}

const TOTAL_BATCHES = Math.ceil(PER_PART / RATE) + 4;

async function checkResults(r: Redis, ns: string): Promise<void> {
  const all: Click[] = [];
  for (let k = 1; k <= TOTAL_BATCHES; k++) all.push(...batchEvents(k));
  const totals = countBy(all, (c) => c.ad);
  expect(await r.hgetall(`${ns}totals`)).toEqual(totals);
  expect(await r.hgetall(`${ns}incr`)).toEqual(totals);
  const top = await r.zrange(`${ns}top`, 0, -1, 'WITHSCORES');
  const topMap: Record<string, string> = {};
  for (let i = 0; i < top.length; i += 2) topMap[top[i]] = top[i + 1];
  expect(topMap).toEqual(totals);
  for (const [ad, n] of Object.entries(totals)) expect(await r.get(`${ns}ad:${ad}`)).toBe(n);
  for (let k = 1; k <= TOTAL_BATCHES; k++) {
    expect({ k, w: await r.hgetall(`${ns}win:${k * BATCH}`) }).toEqual({ k, w: expectedWindow(k, 3) });
  }
  expect(await r.get(`${ns}win:latest`)).toBe(String(TOTAL_BATCHES * BATCH));
  expect(await r.hgetall(`${ns}wincur`)).toEqual(expectedWindow(TOTAL_BATCHES, 3));
  expect(await r.get(`${ns}records`)).toBe(String(PARTS * PER_PART));
  expect(await r.get(`${ns}batches`)).toBe(String(TOTAL_BATCHES));
}

describe.each([
  ['eddy-server', () => startEddy()],
  ['redis-server 7.0', () => startRedis()],
])('redisStream + sinks + checkpoint against %s', (_name, start) => {
  let server: ServerHandle;
  let r: Redis;
  let base: string;
  beforeAll(async () => {
    server = await start();
    r = new Redis({ port: server.port, lazyConnect: true });
    await r.connect();
    base = `redis://127.0.0.1:${server.port}/0`;
  });
  afterAll(async () => {
    r?.disconnect();
    await server?.stop();
  });

  it('an uninterrupted run: bounded exclusive ranges per partition, sinks equal the naive model', async () => {
    const ns = 'a:';
    await writeEvents(r, ns);
    const url = `${base}?prefix=job:a`;
    const { create, job } = clicksJob(ns, url, 0);
    const ssc = await StreamingContext.getOrCreate(url, create);
    ssc.start();
    await step(job, TOTAL_BATCHES);
    await ssc.stop();
    await checkResults(r, ns);
    // Offset ranges: the key is the partition, from = last committed id (exclusive), until = last id read.
    expect(job.ranges[0].map((x) => x.partition)).toEqual([0, 1, 2, 3].map((p) => `${ns}clicks:{${p}}`));
    const ids = await r.xrange(`${ns}clicks:{2}`, '-', '+');
    expect(job.ranges[0][2]).toEqual({ partition: `${ns}clicks:{2}`, fromOffset: '0-0', untilOffset: ids[RATE - 1][0] });
    expect(job.ranges[1][2]).toEqual({ partition: `${ns}clicks:{2}`, fromOffset: ids[RATE - 1][0], untilOffset: ids[2 * RATE - 1][0] });
    // The checkpoint: meta, one hash per state, slices only for the window still needed.
    const meta = await r.hgetall('{job:a}:meta');
    expect(meta.lastBatchTime).toBe(String(TOTAL_BATCHES * BATCH));
    expect(meta.zeroTime).toBe('0');
    expect(JSON.parse(meta['input:0'])).toEqual({
      from: Object.fromEntries([0, 1, 2, 3].map((p) => [`${ns}clicks:{${p}}`, expect.any(String)])),
      until: Object.fromEntries(
        await Promise.all([0, 1, 2, 3].map(async (p) => [`${ns}clicks:{${p}}`, (await r.xrevrange(`${ns}clicks:{${p}}`, '+', '-', 'COUNT', 1))[0][0]])),
      ),
    });
    const slices = (await r.keys('{job:a}:slice:*')).sort();
    // window 3 s + slide 1 s: batches in (last - 4 s, last] are kept.
    expect(slices.length).toBe(4);
    expect(await r.hlen('{job:a}:state:2')).toBe(7);
    expect(JSON.parse((await r.hget('{job:a}:state:2', '"ad0"'))!)[0]).toBe(Number((await r.hget(`${ns}totals`, 'ad0'))!));
  });

  it('a job that fails mid-way resumes from the last commit (downtime batches generated at once) and ends exactly as the model', async () => {
    const ns = 'b:';
    await writeEvents(r, ns);
    const url = `${base}?prefix=job:b`;
    // First instance: batches 1..3 commit, batch 4 fails in an output operation (nothing committed).
    const a = clicksJob(ns, url, 0, { failAt: 4000 });
    const sscA = await StreamingContext.getOrCreate(url, a.create);
    sscA.start();
    await step(a.job, 3);
    a.job.clock.advance(BATCH);
    await expect(sscA.awaitTermination()).rejects.toThrow('injected failure');
    expect(await r.hget('{job:b}:meta', 'lastBatchTime')).toBe('3000');
    expect(await r.get(`${ns}batches`)).toBe('3');
    // Second instance starts at 6.5 s: batches 4 s .. 6 s are generated at once, recomputed from the committed offsets.
    const b = clicksJob(ns, url, 6500);
    const sscB = await StreamingContext.getOrCreate(url, b.create);
    expect(b.job.logs.join('\n')).toMatch(/Resuming from the checkpoint .*last committed batch 3000 ms, 12 state key\(s\), 3 window slice\(s\)/);
    sscB.start();
    await sscB.whenIdle();
    expect(await r.hget('{job:b}:meta', 'lastBatchTime')).toBe('6000');
    await step(b.job, TOTAL_BATCHES - 6);
    await sscB.stop();
    await checkResults(r, ns);
  });

  it('refuses to resume with a changed graph, saying what changed; refuses to overwrite a checkpoint', async () => {
    const ns = 'c:';
    await writeEvents(r, ns);
    const url = `${base}?prefix=job:c`;
    const a = clicksJob(ns, url, 0);
    const ssc = await StreamingContext.getOrCreate(url, a.create);
    ssc.start();
    await step(a.job, 2);
    await ssc.stop();
    const changed = clicksJob(ns, url, 5000, { windowSec: 4 });
    await expect(StreamingContext.getOrCreate(url, changed.create)).rejects.toThrow(
      /Cannot resume job "clicks" from its checkpoint at .*: the streaming graph changed incompatibly.*\n  - stream \d+ changed from reduceByKeyAndWindow\(window=3000, .* to reduceByKeyAndWindow\(window=4000, /,
    );
    const plain = clicksJob(ns, url, 5000);
    const ssc2 = plain.create();
    ssc2.start();
    await expect(ssc2.awaitTermination()).rejects.toThrow(
      /A checkpoint of job "clicks" already exists at .* \(last batch 2000 ms\): resume it with StreamingContext.getOrCreate/,
    );
    // Refused instances never took the job over (a running instance would have kept going).
    expect(await r.get('{job:c}:epoch')).toBe('1');
  });

  it('epoch fencing: when a second instance takes over, the first cannot commit and stops with a clear error', async () => {
    const ns = 'd:';
    await writeEvents(r, ns);
    const url = `${base}?prefix=job:d`;
    const a = clicksJob(ns, url, 0);
    const sscA = await StreamingContext.getOrCreate(url, a.create);
    sscA.start();
    await step(a.job, 2);
    const b = clicksJob(ns, url, 2000);
    const sscB = await StreamingContext.getOrCreate(url, b.create);
    const terminated = sscA.awaitTermination();
    a.job.clock.advance(BATCH);
    await expect(terminated).rejects.toThrow(CheckpointFencedException);
    await expect(terminated).rejects.toThrow(/Job "clicks" was taken over by another instance \(checkpoint epoch 2, this instance's is 1\)/);
    expect(await r.hget('{job:d}:meta', 'lastBatchTime')).toBe('2000');
    sscB.start();
    await step(b.job, TOTAL_BATCHES - 2);
    await sscB.stop();
    await checkResults(r, ns);
    expect(await r.hget('{job:d}:meta', 'epoch')).toBe('2');
  });

  it('large batches arrive intact (incremental reply parsing across socket chunks, UTF-8 values); an error reply fails the batch', async () => {
    const ns = 'big:';
    const pipe = r.pipeline();
    // Field names change from entry to entry now and then (same length, other bytes; an extra field).
    // The first half is all ASCII (the parser's fast path), the second half has UTF-8 names and values.
    for (let i = 0; i < 20_000; i++) {
      const ascii = i < 10_000;
      const extra = i % 7 === 0 ? [ascii ? 'u' : 'ü', 'x'] : [];
      const text = `${(ascii ? 'ab' : 'é€').repeat(i % 17)}\r\n$3\r\n*2 ${i}`;
      pipe.xadd(`${ns}s:{${i % 2}}`, '*', i % 5 === 0 ? 'm' : 'n', String(i), 'text', text, 'empty', '', ...extra);
    }
    await pipe.exec();
    const clock = new ManualClock(0);
    const ssc = new StreamingContext({ batchInterval: 1000, clock, log: false, defaultParallelism: 2 });
    const got: unknown[][] = [];
    ssc.redisStream(`${ns}s`, { partitions: 2, url: base }).foreachRDD((rdd) => {
      got.push(rdd.collect().map((x) => [x.partition, x.id, x.fields]));
    });
    ssc.start();
    clock.advance(1000);
    await ssc.whenIdle();
    await ssc.stop();
    const expected: unknown[] = [];
    for (const p of [0, 1]) {
      for (const [id, f] of await r.xrange(`${ns}s:{${p}}`, '-', '+')) {
        const fields: Record<string, string> = {};
        for (let j = 0; j < f.length; j += 2) fields[f[j]] = f[j + 1];
        expected.push([`${ns}s:{${p}}`, id, fields]);
      }
    }
    expect(got[0].length).toBe(20_000);
    expect(got[0]).toEqual(expected);

    await r.set(`${ns}notastream:{0}`, 'x');
    const bad = new StreamingContext({ batchInterval: 1000, clock: new ManualClock(0), log: false });
    bad.redisStream(`${ns}notastream`, { partitions: 1, url: base }).foreachRDD(() => undefined);
    bad.start();
    const term = bad.awaitTermination();
    (bad.clock as ManualClock).advance(1000);
    await expect(term).rejects.toThrow('WRONGTYPE Operation against a key holding the wrong kind of value');
    await bad.stop();
  });

  it('a command of the batch failing inside EXEC fails the batch (reported, not retried); one refused at queue time commits nothing', async () => {
    await r.set('e:str', 'x');
    const run = async (prefix: string, cmd: string[]): Promise<unknown> => {
      const clock = new ManualClock(0);
      const ssc = new StreamingContext({ batchInterval: 1000, clock, log: false, name: prefix });
      ssc.queueStream([ssc.parallelize([1])]).foreachBatch((_rdd, _t, tx) => {
        tx.call('incr', `${prefix}:n`);
        tx.call(...cmd);
      });
      ssc.checkpoint(`${base}?prefix=${prefix}`);
      ssc.start();
      const term = ssc.awaitTermination().then(
        () => 'stopped',
        (e: unknown) => e,
      );
      clock.advance(1000);
      const res = await term;
      await ssc.stop();
      return res;
    };
    const inExec = await run('e1', ['hset', 'e:str', 'f', 'v']);
    expect(String(inExec)).toMatch(/CommitCommandException: Batch 1000 ms was committed, but 1 of its 3 commands failed; the first: hset e:str f \.\.\. -> ReplyError: WRONGTYPE/);
    expect(await r.get('e1:n')).toBe('1');
    const queued = await run('e2', ['nosuchcommand', 'x']);
    expect(String(queued)).toMatch(/EXECABORT/);
    expect(await r.get('e2:n')).toBeNull();
    expect(await r.exists('{e2}:meta')).toBe(0);
  });

  it('a commit cut by a lost connection is verified after the reconnect: applied (reply lost) or retried, results exact', async () => {
    const ns = 'x:';
    await writeEvents(r, ns);
    // A proxy that cuts the connection at the 2nd EXEC after forwarding it, and at the 4th before.
    let execs = 0;
    const proxy: Server = createServer((client) => {
      const upstream = createConnection({ port: server.port, host: '127.0.0.1' });
      let swallow = false;
      upstream.on('data', (d) => {
        if (!swallow) client.write(d);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('data', (d: Buffer) => {
        if (/(^|\r\n)\$4\r\nexec\r\n/i.test(d.toString('latin1'))) {
          execs++;
          if (execs === 2) {
            // Applied by the server, but the reply never reaches the job.
            swallow = true;
            upstream.write(d);
            setTimeout(() => client.destroy(), 50);
            return;
          }
          if (execs === 4) {
            client.destroy();
            return;
          }
        }
        upstream.write(d);
      });
    });
    await new Promise<void>((res) => proxy.listen(0, '127.0.0.1', () => res()));
    const proxyPort = (proxy.address() as { port: number }).port;
    const url = `redis://127.0.0.1:${proxyPort}/0?prefix=job:x`;
    const { create, job } = clicksJob(ns, url, 0);
    const ssc = await StreamingContext.getOrCreate(url, create);
    ssc.start();
    await step(job, TOTAL_BATCHES);
    await ssc.stop();
    proxy.close();
    const log = job.logs.join('\n');
    expect(log).not.toContain('Error committing');
    expect(execs).toBeGreaterThan(4);
    expect(log).toMatch(/Commit of batch 2000 ms was cut by a lost connection \(.*\); after reconnecting: it was applied/);
    expect(log).toMatch(/Commit of batch 4000 ms was cut by a lost connection \(.*\); after reconnecting: not applied, retrying/);
    await checkResults(r, ns);
  });

  it('textFileStream resumes after its last committed batch: files moved in while the job was down are read once, older ones not again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-files-'));
    const staging = mkdtempSync(join(tmpdir(), 'eddy-staging-'));
    const T0 = 1_000_000;
    const moveIn = (name: string, text: string, mtimeMs: number): void => {
      const f = join(staging, name);
      writeFileSync(f, text);
      utimesSync(f, mtimeMs / 1000, mtimeMs / 1000);
      renameSync(f, join(dir, name));
    };
    const url = `${base}?prefix=job:files`;
    const build = (clock: ManualClock) => (): StreamingContext => {
      const ssc = new StreamingContext({ batchInterval: 1000, clock, log: false, name: 'files', defaultParallelism: 2 });
      ssc.textFileStream(dir)
        .flatMap((l) => l.split(' '))
        .map((w): [string, number] => [w, 1])
        .updateStateByKey<string, number, number>((vs, st) => (st ?? 0) + vs.length)
        .saveToHash('files:counts');
      ssc.checkpoint(url);
      return ssc;
    };
    try {
      const clockA = new ManualClock(T0);
      const a = await StreamingContext.getOrCreate(url, build(clockA));
      a.start();
      await a.whenIdle();
      moveIn('a.txt', 'x y\ny\n', T0 + 500);
      clockA.advance(1000);
      await a.whenIdle();
      await a.stop();
      expect(await r.hgetall('files:counts')).toEqual({ x: '1', y: '2' });
      moveIn('b.txt', 'y z\n', T0 + 1500); // while the job is down
      const clockB = new ManualClock(T0 + 2500);
      const b = await StreamingContext.getOrCreate(url, build(clockB));
      b.start();
      await b.whenIdle();
      clockB.advance(500);
      await b.whenIdle();
      await b.stop();
      expect(await r.hgetall('files:counts')).toEqual({ x: '1', y: '3', z: '1' });
      expect(await r.hget('{job:files}:meta', 'lastBatchTime')).toBe(String(T0 + 3000));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(staging, { recursive: true, force: true });
    }
  });

  it('sinks need a checkpoint: the context refuses to start without one', () => {
    const ssc = new StreamingContext({ batchInterval: 1000, clock: new ManualClock(0), log: false });
    ssc.redisStream('x', { url: base }).map((rec): [string, number] => [rec.id, 1]).saveToHash('h');
    expect(() => ssc.start()).toThrow(
      'requirement failed: saveToHash writes through the batch commit, but no checkpoint is set. Please set it by StreamingContext.checkpoint("redis://host:port/db?prefix=job:name").',
    );
  });

  it('receiver write-ahead log: received blocks are XADDed before use and replayed into the same batches after a crash', async () => {
    const lines: Socket[] = [];
    const srv: Server = createServer((s) => lines.push(s));
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', () => res()));
    const port = (srv.address() as { port: number }).port;
    const url = `${base}?prefix=job:wal`;
    const seen = new Map<number, string[]>();
    const build = (clock: ManualClock, failAt?: number) => (): StreamingContext => {
      const ssc = new StreamingContext({ batchInterval: 1000, blockInterval: 100, clock, name: 'wal', log: false, defaultParallelism: 2, receiverRestartDelay: 50 });
      const words = ssc.socketTextStream('127.0.0.1', port).flatMap((l) => l.split(' '));
      words.foreachRDD((rdd, t) => {
        if (t.milliseconds === failAt) throw new Error('injected failure');
        seen.set(t.milliseconds, rdd.collect().sort());
      });
      words.map((w): [string, number] => [w, 1]).updateStateByKey<string, number, number>((vs, s) => (s ?? 0) + vs.length).saveToHash('wal:counts');
      ssc.checkpoint(url);
      return ssc;
    };
    const clockA = new ManualClock(0);
    const sscA = await StreamingContext.getOrCreate(url, build(clockA, 2000));
    sscA.start();
    const waitConn = async (n: number): Promise<void> => {
      for (let i = 0; i < 200 && lines.length < n; i++) await sleep(10);
      expect(lines.length).toBe(n);
    };
    const walLen = async (n: number): Promise<void> => {
      for (let i = 0; i < 200 && (await r.xlen('{job:wal}:wal:0')) < n; i++) await sleep(10);
      expect(await r.xlen('{job:wal}:wal:0')).toBeGreaterThanOrEqual(n);
    };
    await waitConn(1);
    lines[0].write('a b\nb c\n');
    await sleep(100);
    clockA.advance(100); // block 1
    await walLen(1);
    clockA.advance(900); // batch 1000 takes block 1 and commits; the WAL is trimmed
    await sscA.whenIdle();
    expect(seen.get(1000)).toEqual(['a', 'b', 'b', 'c']);
    expect(await r.hgetall('wal:counts')).toEqual({ a: '1', b: '2', c: '1' });
    lines[0].write('c d\n');
    await sleep(100);
    clockA.advance(100); // block 2, allocated to batch 2000, which fails
    await walLen(2);
    const term = sscA.awaitTermination();
    clockA.advance(900);
    await expect(term).rejects.toThrow('injected failure');
    // Left in the log: batch 1000's allocation (after its trimmed block), block "c d" and its allocation to 2000.
    const entries = await r.xrange('{job:wal}:wal:0', '-', '+');
    expect(entries.map((e) => e[1][1])).toEqual(['a', 'b', 'a']);
    expect(entries[2][1]).toEqual(['k', 'a', 't', '2000', 'ids', JSON.stringify([entries[1][0]])]);
    seen.clear();
    const clockB = new ManualClock(2500);
    const sscB = await StreamingContext.getOrCreate(url, build(clockB));
    sscB.start();
    await sscB.whenIdle();
    expect(seen.get(2000)).toEqual(['c', 'd']);
    await waitConn(2);
    lines[1].write('a\n');
    await sleep(100);
    clockB.advance(100); // its block (the log now holds batch 2000's allocation and this block)
    await walLen(2);
    clockB.advance(400);
    await sscB.whenIdle();
    await sscB.stop();
    expect(seen.get(3000)).toEqual(['a']);
    expect(await r.hgetall('wal:counts')).toEqual({ a: '2', b: '2', c: '2', d: '1' });
    expect(await r.xlen('{job:wal}:wal:0')).toBe(1); // the allocation entry of batch 3000; its block was trimmed
    for (const s of lines) s.destroy();
    srv.close();
  });
});
