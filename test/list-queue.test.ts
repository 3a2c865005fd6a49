// Why: lists are mostly used as work queues: an ioredis producer and several blocking consumers
// (BRPOPLPUSH / BLMOVE reliable-queue pattern) must see every message exactly once and in order,
// on eddy as on redis; and pushing/popping a million elements must stay linear (O(1) ends).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEddy, startRedis, type ServerHandle } from './support/servers.js';

let eddy: ServerHandle;
let redis: ServerHandle;
const clients: Redis[] = [];

function client(s: ServerHandle): Redis {
  const r = new Redis({ port: s.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  r.on('error', () => {});
  clients.push(r);
  return r;
}

beforeAll(async () => {
  [eddy, redis] = await Promise.all([startEddy(), startRedis()]);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([eddy?.stop(), redis?.stop()]);
});

const N = 3000;
const CONSUMERS = 5;

/**
 * Reliable queue: the producer LPUSHes msg-0..msg-N-1 in bursts; each consumer moves one message at
 * a time from the queue's tail to its own processing list (blocking when empty), records it, and
 * LREMs it from its processing list. Returns what each consumer saw.
 */
async function runQueue(s: ServerHandle): Promise<string[][]> {
  const admin = client(s);
  await admin.flushall();
  const seen: string[][] = Array.from({ length: CONSUMERS }, () => []);
  const consumers = Array.from({ length: CONSUMERS }, async (_, id) => {
    const r = client(s);
    const mine = 'processing:' + id;
    for (;;) {
      const msg =
        id % 2 === 0 ? await r.brpoplpush('queue', mine, 0.2) : await r.blmove('queue', mine, 'RIGHT', 'LEFT', 0.2);
      if (msg === null) continue; // timed out: the queue was empty for 0.2 s
      if (msg === 'stop') {
        await r.lrem(mine, 1, msg);
        return;
      }
      seen[id].push(msg);
      expect(await r.lrem(mine, 1, msg)).toBe(1);
    }
  });
  const producer = client(s);
  for (let i = 0; i < N; ) {
    const burst = 1 + (i % 37);
    const batch: string[] = [];
    for (let j = 0; j < burst && i < N; j++, i++) batch.push('msg-' + i);
    // Alternate variadic pushes and single pushes so consumers get woken both ways.
    if (i % 2) await producer.lpush('queue', ...batch);
    else {
      const pl = producer.pipeline();
      for (const m of batch) pl.lpush('queue', m);
      await pl.exec();
    }
    if (i % 5 === 0) await new Promise((res) => setTimeout(res, 1));
  }
  await producer.lpush('queue', ...Array.from({ length: CONSUMERS }, () => 'stop'));
  await Promise.all(consumers);
  expect(await admin.llen('queue')).toBe(0);
  for (let id = 0; id < CONSUMERS; id++) expect(await admin.exists('processing:' + id)).toBe(0);
  return seen;
}

function checkExactlyOnceInOrder(seen: string[][]): void {
  const all = seen.flat();
  expect(all.length).toBe(N);
  const set = new Set(all);
  expect(set.size).toBe(N);
  for (let i = 0; i < N; i++) if (!set.has('msg-' + i)) throw new Error('lost msg-' + i);
  for (const mine of seen) {
    const nums = mine.map((m) => Number(m.slice(4)));
    for (let i = 1; i < nums.length; i++) expect(nums[i]).toBeGreaterThan(nums[i - 1]);
  }
  // More than one consumer actually worked.
  expect(seen.filter((s) => s.length > 0).length).toBeGreaterThan(1);
}

describe('list queue with ioredis', () => {
  it('BRPOPLPUSH / BLMOVE consumers process every message exactly once, in order (eddy)', async () => {
    checkExactlyOnceInOrder(await runQueue(eddy));
  }, 60000);

  it('the same scenario holds on the reference redis', async () => {
    checkExactlyOnceInOrder(await runQueue(redis));
  }, 60000);

  it('BLPOP consumers are served in FIFO order of blocking', async () => {
    const admin = client(eddy);
    await admin.del('fifo');
    const order: number[] = [];
    const waiters: Promise<void>[] = [];
    for (let i = 0; i < 4; i++) {
      const r = client(eddy);
      await r.ping();
      waiters.push(
        r.blpop('fifo', 0).then((v) => {
          expect(v).toEqual(['fifo', 'm' + i]);
          order.push(i);
        }),
      );
      // Wait until this consumer is blocked before the next one blocks.
      for (let t = 0; t < 500; t++) {
        const list = await admin.client('LIST');
        if ((String(list).match(/ flags=[A-Za-z]*b/g) ?? []).length === i + 1) break;
        await new Promise((res) => setTimeout(res, 2));
      }
    }
    await admin.rpush('fifo', 'm0', 'm1', 'm2', 'm3');
    await Promise.all(waiters);
    expect(order).toEqual([0, 1, 2, 3]);
  });
});

describe('list ends are O(1)', () => {
  it('LPUSH then RPOP a million elements in a generous time bound', async () => {
    const r = client(eddy);
    await r.del('big');
    const TOTAL = 1_000_000;
    const BATCH = 1000;
    const t0 = Date.now();
    for (let base = 0; base < TOTAL; base += BATCH * 50) {
      const pl = r.pipeline();
      for (let b = base; b < base + BATCH * 50 && b < TOTAL; b += BATCH) {
        pl.lpush('big', ...Array.from({ length: BATCH }, (_, k) => String(b + k)));
      }
      await pl.exec();
    }
    expect(await r.llen('big')).toBe(TOTAL);
    // Index from both ends is direct.
    expect(await r.lindex('big', 0)).toBe(String(TOTAL - 1));
    expect(await r.lindex('big', -1)).toBe('0');
    expect(await r.lindex('big', 500000)).toBe(String(TOTAL - 1 - 500000));
    let next = 0;
    for (let popped = 0; popped < TOTAL; ) {
      const pl = r.pipeline();
      for (let k = 0; k < 50 && popped < TOTAL; k++, popped += BATCH) pl.rpop('big', BATCH);
      const res = (await pl.exec())!;
      for (const [err, vals] of res) {
        expect(err).toBeNull();
        const xs = vals as string[];
        expect(xs[0]).toBe(String(next));
        expect(xs[xs.length - 1]).toBe(String(next + xs.length - 1));
        next += xs.length;
      }
    }
    expect(next).toBe(TOTAL);
    expect(await r.exists('big')).toBe(0);
    // Single-element pushes and pops at both ends, pipelined.
    for (let round = 0; round < 4; round++) {
      const pl = r.pipeline();
      for (let k = 0; k < 50_000; k++) {
        if (round % 2) pl.rpush('big', 'x');
        else pl.lpush('big', 'x');
      }
      await pl.exec();
    }
    for (let round = 0; round < 4; round++) {
      const pl = r.pipeline();
      for (let k = 0; k < 50_000; k++) {
        if (round % 2) pl.lpop('big');
        else pl.rpop('big');
      }
      await pl.exec();
    }
    expect(await r.exists('big')).toBe(0);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(30_000);
  }, 60000);
});
