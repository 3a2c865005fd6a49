// Why: `eddy gen` as the benchmark drives it: a pool of pre-encoded XADDs written as slices of one
// buffer must put the same events in the same partitions, in the same order, as the pool of strings
// it replaced (event n -> partition n % P, pool entry floor(n / P) % pool), wrapping around the pool.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, PooledPayload } from '../src/streaming/cli/gen.js';
import { eventGenerator } from '../src/streaming/cli/generators.js';
import { startEddy, type ServerHandle } from './support/servers.js';

let server: ServerHandle;
let r: Redis;
beforeAll(async () => {
  server = await startEddy();
  r = new Redis({ port: server.port });
});
afterAll(async () => {
  r?.disconnect();
  await server?.stop();
});

describe('eddy gen', () => {
  it('PooledPayload: slices are the commands in order, wrapping around', () => {
    const cmds = ['a', 'bb', 'ccc', 'dddd', 'é'];
    const pool = new PooledPayload(cmds);
    const text = (n: number, count: number): string => Buffer.concat(pool.slices(n, count)).toString('utf8');
    expect(text(0, 5)).toBe('abbcccddddé');
    expect(text(3, 4)).toBe('ddddéabb');
    expect(text(7, 2)).toBe('cccdddd');
    expect(text(4, 11)).toBe('é' + 'abbcccddddé'.repeat(2));
    expect(pool.slices(2, 0)).toEqual([]);
  });

  it('--pool: event n goes to partition n % P as pool entry floor(n / P) % pool', async () => {
    const partitions = 3;
    const poolSize = 7;
    const count = 100;
    const res = await generate({ kind: 'sentences', url: `redis://127.0.0.1:${server.port}/0`, rate: 100_000, partitions, count, pool: poolSize, key: 'pooled' });
    expect(res.written).toBe(count);
    const next = eventGenerator('sentences', 1);
    const events = Array.from({ length: poolSize }, () => next());
    for (let p = 0; p < partitions; p++) {
      const entries = (await r.xrange(`pooled:{${p}}`, '-', '+')) as Array<[string, string[]]>;
      const expected: string[][] = [];
      for (let n = p; n < count; n += partitions) expected.push(['line', events[Math.floor(n / partitions) % poolSize].line]);
      expect(entries.map((e) => e[1])).toEqual(expected);
    }
  });

  it('without a pool: every event freshly generated, partitions in turn', async () => {
    const res = await generate({ kind: 'clicks', url: `redis://127.0.0.1:${server.port}/0`, rate: 50_000, partitions: 2, count: 40, key: 'fresh' });
    expect(res.written).toBe(40);
    const next = eventGenerator('clicks', 1);
    const all = Array.from({ length: 40 }, () => next());
    for (let p = 0; p < 2; p++) {
      const entries = (await r.xrange(`fresh:{${p}}`, '-', '+')) as Array<[string, string[]]>;
      expect(entries.map((e) => Object.fromEntries(chunks(e[1])))).toEqual(all.filter((_, n) => n % 2 === p));
    }
  });

  it('an error reply stops the generator with the server message', async () => {
    await r.set('wrongtype:{0}', 'x');
    await expect(generate({ kind: 'clicks', url: `redis://127.0.0.1:${server.port}/0`, rate: 10_000, partitions: 1, count: 10, key: 'wrongtype' })).rejects.toThrow(/WRONGTYPE/);
  });
});

function chunks(xs: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < xs.length; i += 2) out.push([xs[i], xs[i + 1]]);
  return out;
}
