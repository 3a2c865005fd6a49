// Why: exactly-once end to end. A generator writes a known set of click events into 4 eddy stream
// partitions while the job runs as a separate process (`eddy stream run`) that is SIGKILLed at
// random moments and restarted; then the same with eddy-server itself killed/restarted (appendfsync
// always and everysec) mid-run, and with two job instances racing. In the end every running total
// and every window (rebuilt from the offset ranges each batch committed) must be exact.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { EDDY_BIN, ROOT, freePort, tmpDir } from './support/servers.js';
import { Rng } from './support/diff.js';

const JOB = path.join(ROOT, 'test/fixtures/streaming-exactly-once-job.mjs');
const EDDY_CLI = path.join(ROOT, 'bin/eddy');
const PARTS = 4;
const BATCH = 250;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const procs = new Set<ChildProcess>();
afterAll(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function track(child: ChildProcess): Proc {
  procs.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => procs.delete(child));
  return { child, out: () => out, exited };
}

/** eddy-server on a fixed port and directory, so it can be restarted in place. */
class Store {
  proc: Proc | undefined;
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  async start(fsync: 'always' | 'everysec'): Promise<void> {
    const child = spawn(process.execPath, [EDDY_BIN, '--port', String(this.port), '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', fsync], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = track(child);
    const r = new Redis({ port: this.port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    r.on('error', () => undefined);
    for (let i = 0; ; i++) {
      try {
        await r.connect();
        if ((await r.ping()) === 'PONG') break;
      } catch {
        if (i > 200 || this.proc.child.exitCode !== null) throw new Error(`eddy-server did not start:\n${this.proc.out()}`);
        await sleep(50);
      }
    }
    r.disconnect();
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p) return;
    p.child.kill(signal);
    await p.exited;
    this.proc = undefined;
  }
}

function runJob(port: number, ns: string, name: string): Proc {
  const child = spawn(process.execPath, [EDDY_CLI, 'stream', 'run', JOB, '--redis', `redis://127.0.0.1:${port}/0`, '--name', name], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, EO_NS: ns },
  });
  return track(child);
}

interface Click {
  ad: string;
  province: string;
}

const click = (i: number): Click => ({ ad: `ad${(i * 7) % 13}`, province: `p${(i * 3 + (i >> 4)) % 6}` });

/**
 * Writes `total` events (event i to partition i % 4, entry id "<i+1>-0") at ~`rate`/s; explicit ids
 * make retries after a lost connection harmless, so the set written is exactly known.
 */
async function generate(port: number, ns: string, total: number, rate: number): Promise<void> {
  const r = new Redis({ port, maxRetriesPerRequest: null, retryStrategy: () => 50 });
  r.on('error', () => undefined);
  const chunk = Math.max(1, Math.round(rate / 20));
  try {
    for (let start = 0; start < total; start += chunk) {
      const t0 = Date.now();
      const end = Math.min(total, start + chunk);
      for (;;) {
        const pipe = r.pipeline();
        for (let i = start; i < end; i++) {
          const c = click(i);
          pipe.xadd(`${ns}clicks:{${i % PARTS}}`, `${i + 1}-0`, 'ad', c.ad, 'province', c.province);
        }
        try {
          const res = (await pipe.exec()) ?? [];
          const bad = res.find(([e]) => e && !/equal or smaller/.test(e.message));
          if (!bad) break;
        } catch {
          /* connection lost: retry the chunk */
        }
        await sleep(50);
      }
      await sleep(Math.max(0, 50 - (Date.now() - t0)));
    }
  } finally {
    r.disconnect();
  }
}

function countBy(events: Click[], f: (c: Click) => string): Record<string, string> {
  const m: Record<string, number> = {};
  for (const e of events) m[f(e)] = (m[f(e)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));
}

/** Resolves once the job has committed offsets at the end of every partition and `extraMs` of batches after that. */
async function waitDrained(r: Redis, job: string, total: number, extraMs: number, timeoutMs = 30_000): Promise<void> {
  const lastIds = Array.from({ length: PARTS }, (_, p) => {
    let last = -1;
    for (let i = 0; i < total; i++) if (i % PARTS === p) last = i;
    return `${last + 1}-0`;
  });
  const deadline = Date.now() + timeoutMs;
  let drainedAt: number | undefined;
  for (;;) {
    const [input, last] = await r.hmget(`{job:${job}}:meta`, 'input:0', 'lastBatchTime');
    const until = input ? (JSON.parse(input) as { until: Record<string, string> }).until : undefined;
    const done = until !== undefined && Object.values(until).sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0])).join() === [...lastIds].sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0])).join();
    if (done && drainedAt === undefined) drainedAt = Number(last);
    if (drainedAt !== undefined && Number(last) >= drainedAt + extraMs) return;
    if (Date.now() > deadline) throw new Error(`job ${job} did not drain: meta ${input} ${last}`);
    await sleep(100);
  }
}

/** Polls the job's checkpoint meta until `pred` accepts it; resolves with its last batch time. */
async function waitMeta(r: Redis, job: string, proc: Proc, what: string, pred: (epoch: number, last: number) => boolean, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [epoch, last] = await r.hmget(`{job:${job}}:meta`, 'epoch', 'lastBatchTime');
    if (pred(Number(epoch ?? 0), Number(last ?? 0))) return Number(last);
    if (proc.child.exitCode !== null) throw new Error(`job exited with ${proc.child.exitCode}:\n${proc.out()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${proc.out()}`);
    await sleep(20);
  }
}

/**
 * Until a batch is committed by an instance newer than epoch `afterEpoch` (each instance INCRs
 * the epoch and writes it with its commits), so a commit sent by a killed instance just before it
 * died does not count for the next one.
 */
const waitCommit = (r: Redis, job: string, afterEpoch: number, proc: Proc): Promise<number> =>
  waitMeta(r, job, proc, `a commit by an instance after epoch ${afterEpoch}`, (epoch) => epoch > afterEpoch);

/** Until a batch after `after` (ms) is committed. */
const waitBatch = (r: Redis, job: string, after: number, proc: Proc): Promise<number> =>
  waitMeta(r, job, proc, `a commit after ${after}`, (_epoch, last) => last > after);

type Range = { partition: string; fromOffset: string; untilOffset: string };

/** Every final result against the events: totals, windows rebuilt from the committed ranges. */
async function verify(r: Redis, ns: string, job: string, total: number): Promise<void> {
  const events = Array.from({ length: total }, (_, i) => click(i));
  const byAd = countBy(events, (c) => c.ad);
  const byProvince = countBy(events, (c) => c.province);
  expect(await r.hgetall(`${ns}totals`)).toEqual(byAd);
  expect(await r.hgetall(`${ns}incr`)).toEqual(byAd);
  expect(await r.hgetall(`${ns}prov`)).toEqual(byProvince);
  expect(await r.hgetall(`${ns}bigwin`)).toEqual(byProvince);
  expect(await r.hgetall(`${ns}smallwin`)).toEqual({});

  // Each batch committed exactly once, its ranges continuing the previous batch's.
  const rangesRaw = await r.hgetall(`${ns}ranges`);
  const times = Object.keys(rangesRaw).map(Number).sort((a, b) => a - b);
  expect(Number(await r.get(`${ns}batches`))).toBe(times.length);
  const meta = await r.hgetall(`{job:${job}}:meta`);
  const zero = Number(meta.zeroTime);
  expect(times[0]).toBe(zero + BATCH);
  for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(BATCH);
  const prev: Record<string, string> = {};
  const batchEvents = new Map<number, Click[]>();
  const pipe = r.pipeline();
  const order: Array<[number, string]> = [];
  for (const t of times) {
    for (const rg of JSON.parse(rangesRaw[t]) as Range[]) {
      expect(rg.fromOffset).toBe(prev[rg.partition] ?? '0-0');
      prev[rg.partition] = rg.untilOffset;
      if (rg.fromOffset !== rg.untilOffset) {
        pipe.xrange(rg.partition, rg.fromOffset === '0-0' ? '-' : `(${rg.fromOffset}`, rg.untilOffset);
        order.push([t, rg.partition]);
      }
    }
  }
  const res = (await pipe.exec()) ?? [];
  let seen = 0;
  res.forEach(([err, entries], i) => {
    expect(err).toBeNull();
    const t = order[i][0];
    const list = batchEvents.get(t) ?? [];
    for (const [id] of entries as Array<[string, string[]]>) {
      list.push(click(Number(id.split('-')[0]) - 1));
      seen++;
    }
    batchEvents.set(t, list);
  });
  expect(seen).toBe(total);
  // Every window of the short sliding window (2 s every 500 ms), as the naive model computes it.
  let windows = 0;
  for (const t of times) {
    if ((t - zero) % 500 !== 0) continue;
    const inWindow: Click[] = [];
    for (const u of times) if (u > t - 2000 && u <= t) inWindow.push(...(batchEvents.get(u) ?? []));
    expect({ t, w: await r.hgetall(`${ns}win:${t}`) }).toEqual({ t, w: countBy(inWindow, (c) => c.ad) });
    windows++;
  }
  expect(windows).toBeGreaterThan(10);
}

describe('exactly once with eddy-server as the store', () => {
  it('the job SIGKILLed at random moments 12 times and restarted: totals and every window exact', async () => {
    const store = new Store(await freePort(), tmpDir('eddy-eo-'));
    await store.start('always');
    const r = new Redis({ port: store.port });
    const ns = 'k:';
    const job = 'kills';
    const TOTAL = 9600;
    const rng = new Rng(Number(process.env.EDDY_SEED ?? 61));
    try {
      const gen = generate(store.port, ns, TOTAL, 1000);
      for (let kill = 0; kill < 12; kill++) {
        const p = runJob(store.port, ns, job);
        await waitCommit(r, job, kill, p);
        await sleep(rng.int(0, 600));
        p.child.kill('SIGKILL');
        await p.exited;
      }
      await gen;
      const p = runJob(store.port, ns, job);
      await waitDrained(r, job, TOTAL, 2500);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      expect(p.out()).toContain('stopped gracefully');
      expect(Number(await r.get(`{job:${job}}:epoch`))).toBe(13);
      await verify(r, ns, job, TOTAL);
    } finally {
      r.disconnect();
      await store.stop('SIGKILL');
    }
  }, 100_000);

  it('eddy-server killed (appendfsync always) and restarted (everysec, clean shutdown) mid-run: the job rides it out, results exact', async () => {
    const store = new Store(await freePort(), tmpDir('eddy-eo-'));
    await store.start('always');
    const ns = 's:';
    const job = 'server';
    const TOTAL = 6000;
    const rng = new Rng(Number(process.env.EDDY_SEED ?? 62));
    const r = new Redis({ port: store.port, maxRetriesPerRequest: null, retryStrategy: () => 50 });
    r.on('error', () => undefined);
    try {
      const gen = generate(store.port, ns, TOTAL, 1000);
      const p = runJob(store.port, ns, job);
      let last = await waitCommit(r, job, 0, p);
      for (const [signal, next] of [
        ['SIGKILL', 'everysec'],
        ['SIGTERM', 'everysec'],
        ['SIGKILL', 'always'],
      ] as const) {
        await sleep(rng.int(300, 700));
        await store.stop(signal);
        await sleep(300);
        await store.start(next);
        last = await waitBatch(r, job, last, p);
      }
      await gen;
      await waitDrained(r, job, TOTAL, 2500);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      // One instance all along: it survived the outages without restarting.
      expect(await r.get(`{job:${job}}:epoch`)).toBe('1');
      await verify(r, ns, job, TOTAL);
    } finally {
      r.disconnect();
      await store.stop('SIGKILL');
    }
  }, 100_000);

  it('two instances racing: the one started first is fenced off and exits with a clear error, the other finishes exactly', async () => {
    const store = new Store(await freePort(), tmpDir('eddy-eo-'));
    await store.start('always');
    const r = new Redis({ port: store.port });
    const ns = 'f:';
    const job = 'race';
    const TOTAL = 4000;
    try {
      const gen = generate(store.port, ns, TOTAL, 1000);
      const a = runJob(store.port, ns, job);
      await waitCommit(r, job, 0, a);
      const b = runJob(store.port, ns, job);
      expect(await a.exited).toBe(3);
      expect(a.out()).toMatch(/FENCED: Job "race" was taken over by another instance \(checkpoint epoch 2, this instance's is 1\): this instance can no longer commit and stops/);
      await waitCommit(r, job, 1, b);
      await gen;
      await waitDrained(r, job, TOTAL, 2500);
      b.child.kill('SIGTERM');
      expect(await b.exited).toBe(0);
      await verify(r, ns, job, TOTAL);
    } finally {
      r.disconnect();
      await store.stop('SIGKILL');
    }
  }, 100_000);
});
