// Why: `npm run bench:streaming` — the streaming benchmark: word count over 100-byte
// sentences (10k-word Zipf vocabulary) read from 4 eddy stream partitions, batch 1 s, running
// totals committed to eddy every batch. Finds the highest input rate the job sustains (scheduling
// delay stays under one batch and does not grow), reports p50/p99 end-to-end latency (XADD id time
// -> commit) and compares with the obvious hand-written ioredis consumer (XREAD + HINCRBY per word)
// at the same input. Server, generator and job all run on this machine.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, ROOT, startEddy, startRedis, tmpDir, type ServerHandle } from '../test/support/servers.js';
import { Milliseconds, StreamingContext, type BatchInfo } from '../src/streaming/index.js';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '25000,50000,75000,100000,125000,150000' },
    seconds: { type: 'string', default: '15' },
    store: { type: 'string', default: 'eddy' },
    quick: { type: 'boolean', default: false },
    /** Skip the hand-written ioredis consumer (profiling the engine alone). */
    'skip-baseline': { type: 'boolean', default: false },
    json: { type: 'string' },
    /** Write CPU profiles of the server and the generator (node --cpu-prof) into this directory. */
    profile: { type: 'string' },
  },
});
const RATES = values.rates!.split(',').map(Number);
const SECONDS = values.quick ? 8 : Number(values.seconds);
const WARMUP_S = 3;
const PARTITIONS = 4;
const profileArgs = (dir: string): string[] => ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** 1 ms buckets up to 60 s. */
class Histogram {
  private readonly counts = new Float64Array(60_001);
  n = 0;
  add(ms: number, count = 1): void {
    this.counts[Math.max(0, Math.min(60_000, Math.round(ms)))] += count;
    this.n += count;
  }
  quantile(q: number): number {
    let target = q * this.n;
    for (let i = 0; i < this.counts.length; i++) {
      target -= this.counts[i];
      if (target <= 0) return i;
    }
    return 60_000;
  }
}

function cpuSeconds(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Runs `eddy gen sentences`; resolves with the events written and the generator's CPU seconds. */
function generator(port: number, rate: number, seconds: number): Promise<{ written: number; cpu: number }> {
  const proc = spawn(
    process.execPath,
    [...(values.profile ? profileArgs(values.profile) : []), path.join(ROOT, 'bin/eddy'), 'gen', 'sentences', '--rate', String(rate), '--partitions', String(PARTITIONS), '--duration', String(seconds), '--pool', '100000', '--redis', `redis://127.0.0.1:${port}/0`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let cpu = 0;
  const sampler = setInterval(() => {
    const c = cpuSeconds(proc.pid!);
    if (!Number.isNaN(c)) cpu = c;
  }, 200);
  return new Promise((resolve) =>
    proc.once('exit', () => {
      clearInterval(sampler);
      const m = /wrote (\d+) sentences/.exec(err);
      resolve({ written: m ? Number(m[1]) : NaN, cpu });
    }),
  );
}

/** The ms part of a stream entry id "ms-seq" (without allocating: this runs for every record). */
function idMs(id: string): number {
  let ms = 0;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c === 45) break;
    ms = ms * 10 + c - 48;
  }
  return ms;
}

interface StepResult {
  rate: number;
  written: number;
  processedPerSec: number;
  maxSchedMs: number;
  /** Mean processing time of a batch (ms). */
  avgProcMs: number;
  growing: boolean;
  sustained: boolean;
  p50: number;
  p99: number;
  jobCpu: number;
  serverCpu: number;
  genCpu: number;
}

/** The eddy streaming job at `rate` for SECONDS. */
async function runEngine(server: ServerHandle, rate: number): Promise<StepResult> {
  const url = `redis://127.0.0.1:${server.port}/0?prefix=job:bench`;
  const ssc = new StreamingContext({ batchInterval: Milliseconds(1000), name: 'bench', log: process.env.BENCH_LOG ? (l: string) => console.error(l) : false, defaultParallelism: 4 });
  const sentences = ssc.redisStream('sentences', { partitions: PARTITIONS });
  const batchIds = new Map<number, Float64Array>();
  sentences.foreachRDD((rdd, t) => {
    const ids = new Float64Array(rdd.count());
    let n = 0;
    rdd.foreach((r) => void (ids[n++] = idMs(r.id)));
    batchIds.set(t.milliseconds, ids);
  });
  sentences
    .flatMap((r) => r.fields.line.split(' '))
    .map((w): [string, number] => [w, 1])
    .reduceByKey((a, b) => a + b)
    .updateStateByKey<string, number, number>((vs, s) => (s ?? 0) + vs.reduce((a, b) => a + b, 0))
    .saveToHash('wc:totals');
  ssc.checkpoint(url);
  const hist = new Histogram();
  const batches: Array<{ time: number; records: number; sched: number; proc: number; end: number; ids: Float64Array | undefined }> = [];
  ssc.addStreamingListener({
    onBatchCompleted: ({ batchInfo }: { batchInfo: BatchInfo }) => {
      const t = batchInfo.batchTime.milliseconds;
      const ids = batchIds.get(t);
      batchIds.delete(t);
      batches.push({
        time: t,
        records: batchInfo.numRecords,
        sched: batchInfo.schedulingDelay ?? 0,
        proc: batchInfo.processingDelay ?? 0,
        end: batchInfo.processingEndTime ?? Date.now(),
        ids,
      });
    },
  });
  ssc.start();
  const cpu0 = process.cpuUsage();
  const server0 = cpuSeconds(server.pid);
  const { written, cpu: genCpu } = await generator(server.port, rate, SECONDS);
  const cpu = process.cpuUsage(cpu0);
  const serverCpu = cpuSeconds(server.pid) - server0;
  // Let the job catch up (or show it cannot) for up to 5 s, then stop.
  const r = new Redis({ port: server.port });
  await sleep(2000);
  await ssc.stop();
  r.disconnect();
  // Measured from the generator's first entry (its start-up, building the pool, is not).
  const t0 = Math.min(...batches.map((b) => (b.ids && b.ids.length > 0 ? b.ids[0] : Infinity)));
  const steady = batches.filter((b) => b.time - t0 > WARMUP_S * 1000 && b.time - t0 <= SECONDS * 1000);
  for (const b of steady) if (b.ids) for (const x of b.ids) hist.add(b.end - x);
  const scheds = steady.map((b) => b.sched);
  const third = Math.max(1, Math.floor(scheds.length / 3));
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const growing = avg(scheds.slice(-third)) > avg(scheds.slice(0, third)) + 250;
  const maxSched = Math.max(0, ...scheds);
  const procs = steady.map((b) => b.proc);
  const processed = steady.reduce((a, b) => a + b.records, 0);
  const seconds = steady.length;
  return {
    rate,
    written,
    processedPerSec: seconds > 0 ? processed / seconds : 0,
    maxSchedMs: maxSched,
    avgProcMs: avg(procs),
    growing,
    // Every second of the measured window completed as a batch, and the generator did write the rate.
    sustained: maxSched < 1000 && !growing && seconds >= SECONDS - WARMUP_S - 1 && written >= 0.95 * rate * SECONDS,
    p50: hist.quantile(0.5),
    p99: hist.quantile(0.99),
    jobCpu: (cpu.user + cpu.system) / 1e6,
    serverCpu,
    genCpu,
  };
}

/** The obvious hand-written consumer: XREAD the 4 streams, HINCRBY every word, at `rate` for SECONDS. */
async function runBaseline(server: ServerHandle, rate: number): Promise<StepResult & { lagAtEnd: number }> {
  const r = new Redis({ port: server.port });
  const keys = Array.from({ length: PARTITIONS }, (_, i) => `sentences:{${i}}`);
  const ids = keys.map(() => '0-0');
  const hist = new Histogram();
  let consumed = 0;
  let stop = false;
  let t0 = Infinity;
  const cpu0 = process.cpuUsage();
  const server0 = cpuSeconds(server.pid);
  const loop = (async () => {
    while (!stop) {
      const res = (await r.xread('COUNT', 5000, 'BLOCK', 100, 'STREAMS', ...keys, ...ids)) as Array<[string, Array<[string, string[]]>]> | null;
      if (!res) continue;
      const pipe = r.pipeline();
      const times: number[] = [];
      for (const [key, entries] of res) {
        for (const [id, fields] of entries) {
          for (const w of fields[1].split(' ')) pipe.hincrby('hw:totals', w, 1);
          times.push(idMs(id));
        }
        ids[keys.indexOf(key)] = entries[entries.length - 1][0];
      }
      await pipe.exec();
      const now = Date.now();
      if (consumed === 0) t0 = Math.min(...times);
      if (now - t0 > WARMUP_S * 1000 && now - t0 <= SECONDS * 1000) for (const x of times) hist.add(now - x);
      consumed += times.length;
    }
  })();
  const { written, cpu: genCpu } = await generator(server.port, rate, SECONDS);
  const consumedAtEnd = consumed;
  const cpu = process.cpuUsage(cpu0);
  const serverCpu = cpuSeconds(server.pid) - server0;
  stop = true;
  await loop;
  r.disconnect();
  const lagAtEnd = written - consumedAtEnd;
  return {
    rate,
    written,
    processedPerSec: consumedAtEnd / Math.min(SECONDS, (Date.now() - t0) / 1000),
    maxSchedMs: NaN,
    avgProcMs: NaN,
    growing: lagAtEnd > rate,
    sustained: lagAtEnd <= rate && written >= 0.95 * rate * SECONDS,
    p50: hist.quantile(0.5),
    p99: hist.quantile(0.99),
    jobCpu: (cpu.user + cpu.system) / 1e6,
    serverCpu,
    genCpu,
    lagAtEnd,
  };
}

/** eddy-server under `node --cpu-prof`, stopped with SIGTERM (a clean exit) so that V8 writes the profile. */
async function startProfiledEddy(dir: string): Promise<ServerHandle> {
  const port = await freePort();
  const proc = spawn(process.execPath, [...profileArgs(dir), path.join(ROOT, 'bin/eddy-server'), '--port', String(port), '--save', '', '--dir', tmpDir()], {
    stdio: 'ignore',
  });
  const stop = (): Promise<number | null> =>
    new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve(proc.exitCode);
      proc.once('exit', resolve);
      proc.kill('SIGTERM');
    });
  for (let i = 0; ; i++) {
    const r = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    const ok = await r.connect().then(() => r.ping().then(() => true), () => false);
    r.disconnect();
    if (ok) break;
    if (i > 200 || proc.exitCode !== null) {
      await stop();
      throw new Error('the profiled eddy-server did not start');
    }
    await sleep(50);
  }
  return { port, pid: proc.pid!, dir, proc, output: () => '', stop };
}

const start = (): Promise<ServerHandle> =>
  values.store === 'redis' ? startRedis() : values.profile ? startProfiledEddy(values.profile) : startEddy();

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');

function row(consumer: string, res: StepResult, delay: string): string {
  return (
    `| ${consumer} | ${fmt(res.rate)} | ${fmt(res.written / SECONDS)} | ${fmt(res.processedPerSec)} | ${delay} | ${res.sustained ? 'yes' : res.written < 0.95 * res.rate * SECONDS ? 'no (generator short)' : 'no'} | ` +
    `${fmt(res.p50)} | ${fmt(res.p99)} | ${res.jobCpu.toFixed(1)} / ${res.serverCpu.toFixed(1)} / ${res.genCpu.toFixed(1)} |`
  );
}

const engineRow = (res: StepResult): string =>
  row('eddy streaming', res, `${fmt(res.maxSchedMs)} ms${res.growing ? ' (growing)' : ''}, batches take ${fmt(res.avgProcMs)} ms`);

async function main(): Promise<void> {
  console.log(`streaming word count: 4 partitions, batch 1 s, ${SECONDS} s per rate (first ${WARMUP_S} s not measured), store: ${values.store}-server`);
  const rows: string[] = [];
  const results: StepResult[] = [];
  let best: StepResult | undefined;
  for (const rate of RATES) {
    const server = await start();
    try {
      const res = await runEngine(server, rate);
      results.push(res);
      rows.push(engineRow(res));
      console.log(rows[rows.length - 1]);
      if (res.sustained) best = res;
      else break;
    } finally {
      await server.stop();
    }
  }
  // One refinement step between the last sustained rate and the first that was not.
  const failed = results.find((x) => !x.sustained);
  if (failed && best && !values.quick) {
    const mid = Math.round((best.rate + failed.rate) / 2 / 1000) * 1000;
    const server = await start();
    try {
      const res = await runEngine(server, mid);
      results.push(res);
      rows.push(engineRow(res));
      console.log(rows[rows.length - 1]);
      if (res.sustained) best = res;
    } finally {
      await server.stop();
    }
  }
  const baselineRates = values['skip-baseline'] ? [] : [...new Set([best?.rate ?? RATES[0], RATES[0]])];
  for (const rate of baselineRates) {
    const server = await start();
    try {
      const res = await runBaseline(server, rate);
      results.push(res);
      rows.push(row('ioredis XREAD + HINCRBY per word', res, `lag ${fmt(res.lagAtEnd)} at end`));
      console.log(rows[rows.length - 1]);
    } finally {
      await server.stop();
    }
  }
  console.log('');
  console.log('| consumer | target sentences/s | written/s | processed/s | max scheduling delay | sustained | p50 ms | p99 ms | CPU s job / server / gen |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log(`\nhighest sustained input rate: ${best ? fmt(best.rate) : 'none of the rates tried'} sentences/s (target >= 125,000)`);
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(results, null, 2));
}

await main();
