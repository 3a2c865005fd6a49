// Why: the `eddy` CLI and the examples as a user runs them: the network word count fed by a real
// `nc -lk`, the stateful word count surviving a restart with `eddy gen` feeding it, the ad-clicks
// and e-commerce examples' results read back from eddy, a TypeScript job file, the local
// eddy-server started without --redis, and a changed job refused with a clear message.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, freePort, startEddy, tmpDir, type ServerHandle } from './support/servers.js';

const CLI = path.join(ROOT, 'bin/eddy');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const procs = new Set<ChildProcess>();

interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}, cwd = ROOT): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  procs.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => procs.delete(child));
  return { child, out: () => out, err: () => err, exited };
}

async function waitFor<T>(f: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

afterAll(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

let server: ServerHandle;
let r: Redis;
let url: string;
beforeAll(async () => {
  server = await startEddy();
  r = new Redis({ port: server.port });
  url = `redis://127.0.0.1:${server.port}/0`;
});
afterAll(async () => {
  r?.disconnect();
  await server?.stop();
});

async function streamFields(key: string, partitions: number): Promise<Array<Record<string, string>>> {
  const out: Array<Record<string, string>> = [];
  for (let p = 0; p < partitions; p++) {
    for (const [, f] of await r.xrange(`${key}:{${p}}`, '-', '+')) {
      const o: Record<string, string> = {};
      for (let i = 0; i < f.length; i += 2) o[f[i]] = f[i + 1];
      out.push(o);
    }
  }
  return out;
}

/** Order-insensitive equality of two string maps. */
function same(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function tally(items: string[], weight: (x: string) => number = () => 1): Record<string, string> {
  const m: Record<string, number> = {};
  for (const x of items) m[x] = (m[x] ?? 0) + weight(x);
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));
}

describe('eddy CLI and examples', () => {
  it('network word count: `nc -lk` feeds the socket receiver, counts printed per batch in Spark format', async () => {
    const port = await freePort();
    const nc = spawn('nc', ['-v', '-lk', '127.0.0.1', String(port)], { stdio: ['pipe', 'ignore', 'pipe'] });
    procs.add(nc);
    let ncErr = '';
    nc.stderr.on('data', (d: Buffer) => (ncErr += d.toString()));
    try {
      await waitFor(() => ncErr.includes('Listening'), 'nc to listen');
      const job = run(['stream', 'run', 'examples/network-wordcount.mjs', '--redis', url], { NC_HOST: '127.0.0.1', NC_PORT: String(port) });
      await waitFor(() => ncErr.includes('Connection received'), 'the job to connect to nc');
      nc.stdin.write('hello world hello\nto be or not to be\n');
      await waitFor(() => job.out().includes('(hello,2)') && job.out().includes('(to,2)'), 'the counts to be printed');
      expect(job.out()).toMatch(/-------------------------------------------\nTime: \d+ ms\n-------------------------------------------\n/);
      const batch = job.out().split('\n\n').find((b) => b.includes('(hello,2)'))!;
      expect(batch.split('\n').slice(3).sort()).toEqual(['(be,2)', '(hello,2)', '(not,1)', '(or,1)', '(to,2)', '(world,1)']);
      // Received lines were written ahead into the job's log stream (trimmed once committed).
      expect(await r.exists('{job:network-wordcount}:wal:0')).toBe(1);
      job.child.kill('SIGINT');
      expect(await job.exited).toBe(0);
      expect(job.err()).toContain('StreamingContext stopped gracefully');
    } finally {
      nc.kill('SIGKILL');
    }
  });

  it('stateful word count with `eddy gen sentences`: running totals in an eddy hash survive a restart', async () => {
    const job = run(['stream', 'run', 'examples/stateful-wordcount.mjs', '--redis', url]);
    await waitFor(async () => (await r.hget('{job:stateful-wordcount}:meta', 'lastBatchTime')) !== null, 'the first commit');
    const gen1 = run(['gen', 'sentences', '--rate', '2000', '--partitions', '4', '--count', '1500', '--redis', url]);
    expect(await gen1.exited).toBe(0);
    expect(gen1.err()).toContain('gen: wrote 1500 sentences events to sentences:{0..3}');
    const expected = async (): Promise<Record<string, string>> =>
      tally((await streamFields('sentences', 4)).flatMap((f) => f.line.split(' ')));
    const exp1 = await expected();
    await waitFor(async () => same(await r.hgetall('wordcount:totals'), exp1), 'the totals').catch(() => undefined);
    expect(await r.hgetall('wordcount:totals')).toEqual(exp1);
    job.child.kill('SIGTERM');
    expect(await job.exited).toBe(0);
    // Sentences written while the job is down are counted after the restart, the others not again.
    const gen2 = run(['gen', 'sentences', '--rate', '5000', '--partitions', '4', '--count', '700', '--seed', '2', '--redis', url]);
    expect(await gen2.exited).toBe(0);
    const job2 = run(['stream', 'run', 'examples/stateful-wordcount.mjs', '--redis', url]);
    const exp2 = await expected();
    const sum = (o: Record<string, string>): number => Object.values(o).reduce((a, b) => a + Number(b), 0);
    await waitFor(async () => sum(await r.hgetall('wordcount:totals')) >= sum(exp2) || undefined, 'the totals after the restart');
    await sleep(300);
    expect(await r.hgetall('wordcount:totals')).toEqual(exp2);
    const top = await r.zrevrange('wordcount:top', 0, 0, 'WITHSCORES');
    expect(top[1]).toBe(String(Math.max(...Object.values(exp2).map(Number))));
    expect(job2.err()).toMatch(/Resuming from the checkpoint .*\{job:stateful-wordcount\}/);
    job2.child.kill('SIGTERM');
    expect(await job2.exited).toBe(0);
  });

  it('ad clicks (window + mapWithState) and e-commerce examples: results readable in eddy', async () => {
    const ads = run(['stream', 'run', 'examples/ad-clicks.mjs', '--redis', url], { PARTITIONS: '2' });
    const shop = run(['stream', 'run', 'examples/ecommerce.mjs', '--redis', url]);
    await waitFor(async () => (await r.hget('{job:ad-clicks}:meta', 'lastBatchTime')) !== null, 'ad-clicks to commit');
    await waitFor(async () => (await r.hget('{job:ecommerce}:meta', 'lastBatchTime')) !== null, 'ecommerce to commit');
    const gens = [
      run(['gen', 'clicks', '--rate', '2000', '--partitions', '2', '--count', '1000', '--redis', url]),
      run(['gen', 'views', '--rate', '2000', '--partitions', '2', '--count', '800', '--redis', url]),
      run(['gen', 'orders', '--rate', '2000', '--partitions', '2', '--count', '300', '--redis', url]),
    ];
    for (const g of gens) expect(await g.exited).toBe(0);
    const clicks = await streamFields('clicks', 2);
    const views = await streamFields('views', 2);
    const orders = await streamFields('orders', 2);
    const byProvince = tally(clicks.map((c) => c.province));
    const byAd = tally(clicks.map((c) => c.ad));
    await waitFor(async () => same(await r.hgetall('adclicks:province:last20m'), byProvince), 'the 20-minute window', 25_000).catch(() => undefined);
    expect(await r.hgetall('adclicks:province:last20m')).toEqual(byProvince);
    const latest = await r.get('adclicks:province:latest');
    expect(await r.hgetall(`adclicks:province:${latest}`)).toEqual(byProvince);
    expect(await r.ttl(`adclicks:province:${latest}`)).toBeGreaterThan(3000);
    const zs = await r.zrange('adclicks:ads', 0, -1, 'WITHSCORES');
    const zmap: Record<string, string> = {};
    for (let i = 0; i < zs.length; i += 2) zmap[zs[i]] = zs[i + 1];
    expect(zmap).toEqual(byAd);
    expect(ads.out()).toMatch(/Time: \d+ ms\n-+\n\((Guangdong|Zhejiang|Jiangsu|Shandong|Henan|Sichuan|Hubei|Hunan|Fujian|Beijing|Shanghai|Yunnan),\d+\)/);

    const metrics = await waitFor(async () => {
      const m = await r.hgetall('shop:metrics');
      return Number(m.pageviews_1m) === views.length ? m : undefined;
    }, 'the shop metrics', 15_000);
    expect(metrics.active_visitors_5m).toBe(String(new Set(views.map((v) => v.user)).size));
    // Orders may land in a later slide than the views (the generators start independently).
    const byRegion = tally(orders.map((o) => `${o.region}/${o.category}`));
    await waitFor(async () => same(await r.hgetall('shop:orders:10m'), byRegion), 'the orders window', 15_000).catch(() => undefined);
    expect(await r.hgetall('shop:orders:10m')).toEqual(byRegion);
    const cents: Record<string, number> = {};
    for (const o of orders) cents[o.category] = (cents[o.category] ?? 0) + Math.round(Number(o.amount) * 100);
    expect(await r.hgetall('shop:sales:cents')).toEqual(Object.fromEntries(Object.entries(cents).map(([k, v]) => [k, String(v)])));
    ads.child.kill('SIGTERM');
    shop.child.kill('SIGTERM');
    expect(await ads.exited).toBe(0);
    expect(await shop.exited).toBe(0);
  }, 60_000);

  it('a TypeScript job file with a local eddy-server (no --redis): AOF on, data dir, both stopped on SIGTERM; a changed job is refused', async () => {
    const dir = tmpDir('eddy-cli-');
    const job = path.join(dir, 'typed.ts');
    const write = (windowSec: number): void =>
      writeFileSync(
        job,
        `import { Seconds, type StreamingContext } from 'eddy';
export const config = { name: 'typed', batchInterval: '200ms' };
interface Rec { fields: Record<string, string> }
export default function build(ssc: StreamingContext): void {
  const xs = ssc.redisStream('nums', { partitions: 1 });
  const pairs = xs.map((r: Rec): [string, number] => [r.fields.k, Number(r.fields.v)]);
  pairs.reduceByKey((a: number, b: number) => a + b).saveToHash('typed:sum', { mode: 'increment' });
  pairs.reduceByKeyAndWindow((a: number, b: number) => a + b, (a: number, b: number) => a - b, Seconds(${windowSec})).saveToHash('typed:win');
}
`,
      );
    write(10);
    const port = await freePort();
    const data = path.join(dir, 'data');
    const p = run(['stream', 'run', job, '--store-port', String(port), '--data', data], {}, dir);
    await waitFor(() => p.err().includes('StreamingContext started'), 'the job to start');
    expect(p.err()).toContain(`Started eddy-server (pid `);
    const local = new Redis({ port });
    await local.xadd('nums:{0}', '*', 'k', 'a', 'v', '2');
    await local.xadd('nums:{0}', '*', 'k', 'a', 'v', '3');
    await waitFor(async () => (await local.hget('typed:sum', 'a')) === '5', 'the typed job to sum').catch((e: Error) => {
      throw new Error(`${e.message}:\n${p.err()}`);
    });
    local.disconnect();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.err()).toContain('Stopped eddy-server');
    expect(existsSync(path.join(data, 'appendonlydir'))).toBe(true);
    expect(existsSync(path.join(data, 'eddy-stream-server.pid'))).toBe(false);
    // The checkpoint lives in the local server's data: a job whose window changed cannot resume it.
    write(20);
    const q = run(['stream', 'run', job, '--store-port', String(port), '--data', data], {}, dir);
    expect(await q.exited).toBe(1);
    expect(q.err()).toContain('Cannot resume job "typed" from its checkpoint');
    expect(q.err()).toMatch(/changed from reduceByKeyAndWindow\(window=10000, .*to reduceByKeyAndWindow\(window=20000/);
    expect(q.err()).toContain('Stopped eddy-server');
  });
});
