// Why: consumer-group bookkeeping checked two ways. (1) fast-check drives an in-process eddy with
// XADD / XREADGROUP (">" and history, NOACK) / XACK / XCLAIM / XAUTOCLAIM / XDEL / XGROUP SETID /
// DELCONSUMER and compares every reply and the resulting PEL (owners, delivery counts),
// last-delivered-id and entries-read with a naive model. (2) a real ioredis consumer group with two
// consumers: every message is delivered exactly once across them, and after one "dies" its pending
// messages are taken over with XAUTOCLAIM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { Server } from '../src/server/server.js';
import { Config } from '../src/server/config.js';
import { processCommand } from '../src/server/dispatch.js';
import { parseReply, type RVal } from './support/resp-values.js';
import { startEddy, type ServerHandle } from './support/servers.js';

/** An in-process server: run(...argv) returns the parsed reply. */
function inProcess(): (...argv: string[]) => RVal {
  const server = new Server(new Config());
  const c = server.createClient(null);
  return (...argv) => {
    c.out = '';
    processCommand(server, c, argv);
    return parseReply(c.out);
  };
}

interface MNack {
  consumer: string;
  count: number;
}

/** The naive model: plain arrays and maps, recomputed from scratch where Redis keeps counters. */
class Model {
  /** every ID ever added, in order (entries-read counts these) */
  added: number[] = [];
  live = new Set<number>();
  last = 0;
  /** -1 = unknown (Redis's SCG_INVALID_ENTRIES_READ) */
  entriesRead = -1;
  pel = new Map<number, MNack>();
  consumers = new Set<string>();
  deletedAny = false;

  pelIds(): number[] {
    return [...this.pel.keys()].sort((a, b) => a - b);
  }

  /**
   * An unknown counter can only be recovered at the first or the last entry ever added (Redis's
   * streamEstimateDistanceFromFirstEverEntry without tombstones); a known one counts deliveries.
   */
  nextEntriesRead(id: number): number {
    if (this.entriesRead !== -1) return this.entriesRead + 1;
    if (id === this.added[this.added.length - 1]) return this.added.length;
    if (id === this.added[0]) return 1;
    return -1;
  }

  deliverNew(consumer: string, count: number, noack: boolean): number[] {
    const ids = [...this.live].filter((x) => x > this.last).sort((a, b) => a - b);
    if (ids.length === 0) return [];
    this.consumers.add(consumer);
    const out = count > 0 ? ids.slice(0, count) : ids;
    for (const id of out) {
      this.entriesRead = this.nextEntriesRead(id);
      this.last = id;
      if (!noack) this.pel.set(id, { consumer, count: 1 });
    }
    return out;
  }

  history(consumer: string, after: number, count: number): [number, boolean][] {
    this.consumers.add(consumer);
    const ids = this.pelIds().filter((id) => id > after && this.pel.get(id)!.consumer === consumer);
    const out = count > 0 ? ids.slice(0, count) : ids;
    return out.map((id) => {
      const exists = this.live.has(id);
      if (exists) this.pel.get(id)!.count++;
      return [id, exists];
    });
  }

  claim(consumer: string, ids: number[], justid: boolean, force: boolean, retry: number | null): number[] {
    const out: number[] = [];
    for (const id of ids) {
      let n = this.pel.get(id);
      if (!this.live.has(id)) {
        if (n) this.pel.delete(id);
        continue;
      }
      if (force && !n) {
        n = { consumer: '', count: 1 };
        this.pel.set(id, n);
      }
      if (!n) continue;
      this.consumers.add(consumer);
      n.consumer = consumer;
      if (retry !== null) n.count = retry;
      else if (!justid) n.count++;
      out.push(id);
    }
    return out;
  }

  autoclaim(consumer: string, start: number, count: number, justid: boolean): [number, number[], number[]] {
    const claimed: number[] = [];
    const deleted: number[] = [];
    let attempts = count * 10;
    const ids = this.pelIds().filter((id) => id >= start);
    let k = 0;
    let last = -1;
    let eof = false;
    while (attempts-- > 0 && count > 0) {
      if (k >= ids.length) {
        eof = true;
        break;
      }
      const id = ids[k++];
      last = id;
      if (!this.live.has(id)) {
        this.pel.delete(id);
        deleted.push(id);
        count--;
        continue;
      }
      this.consumers.add(consumer);
      const n = this.pel.get(id)!;
      n.consumer = consumer;
      if (!justid) n.count++;
      claimed.push(id);
      count--;
    }
    const rest = this.pelIds().filter((id) => id > last);
    return [eof || rest.length === 0 ? 0 : rest[0], claimed, deleted];
  }
}

const id = (n: number): string => `${n}-0`;
const num = (s: string): number => Number(s.split('-')[0]);

type Op =
  | { t: 'add' }
  | { t: 'read'; c: string; count: number; noack: boolean }
  | { t: 'hist'; c: string; after: number; count: number }
  | { t: 'ack'; ids: number[] }
  | { t: 'claim'; c: string; ids: number[]; justid: boolean; force: boolean; retry: number | null }
  | { t: 'auto'; c: string; start: number; count: number; justid: boolean }
  | { t: 'del'; id: number }
  | { t: 'setid'; id: number }
  | { t: 'delconsumer'; c: string };

const consumerArb = fc.constantFrom('alice', 'bob', 'carol');
const idArb = fc.integer({ min: 0, max: 14 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant<Op>({ t: 'add' }), weight: 6 },
  { arbitrary: fc.record({ t: fc.constant('read' as const), c: consumerArb, count: fc.integer({ min: 0, max: 4 }), noack: fc.boolean() }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('hist' as const), c: consumerArb, after: idArb, count: fc.integer({ min: 0, max: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('ack' as const), ids: fc.array(idArb, { minLength: 1, maxLength: 3 }) }), weight: 3 },
  {
    arbitrary: fc.record({
      t: fc.constant('claim' as const),
      c: consumerArb,
      ids: fc.array(idArb, { minLength: 1, maxLength: 3 }),
      justid: fc.boolean(),
      force: fc.boolean(),
      retry: fc.option(fc.integer({ min: 0, max: 5 })),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ t: fc.constant('auto' as const), c: consumerArb, start: idArb, count: fc.integer({ min: 1, max: 4 }), justid: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('del' as const), id: idArb }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('setid' as const), id: idArb }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('delconsumer' as const), c: consumerArb }), weight: 1 },
);

/** Entries of a reply ([[id, fields|null], ...]) as [num, exists]. */
function entryIds(v: RVal): [number, boolean][] {
  return (v as RVal[]).map((e) => [num((e as RVal[])[0] as string), (e as RVal[])[1] !== null]);
}

describe('consumer groups vs a naive model (fast-check)', () => {
  it('PEL, delivery counts, last-delivered-id and entries-read follow the model', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 80, size: 'max' }), (ops) => {
        const run = inProcess();
        const m = new Model();
        run('XGROUP', 'CREATE', 's', 'g', '0', 'MKSTREAM');
        let next = 1;
        for (const op of ops) {
          switch (op.t) {
            case 'add': {
              expect(run('XADD', 's', id(next), 'f', String(next))).toBe(id(next));
              m.added.push(next);
              m.live.add(next);
              next++;
              break;
            }
            case 'read': {
              const argv = ['XREADGROUP', 'GROUP', 'g', op.c, 'COUNT', String(op.count), ...(op.noack ? ['NOACK'] : []), 'STREAMS', 's', '>'];
              const r = run(...argv);
              const want = m.deliverNew(op.c, op.count, op.noack);
              const got = r === null ? [] : entryIds(((r as RVal[])[0] as RVal[])[1]).map(([n]) => n);
              expect(got).toEqual(want);
              break;
            }
            case 'hist': {
              const r = run('XREADGROUP', 'GROUP', 'g', op.c, 'COUNT', String(op.count), 'STREAMS', 's', id(op.after));
              expect(entryIds(((r as RVal[])[0] as RVal[])[1])).toEqual(m.history(op.c, op.after, op.count));
              break;
            }
            case 'ack': {
              const want = new Set(op.ids.filter((x) => m.pel.has(x))).size;
              for (const x of op.ids) m.pel.delete(x);
              expect(run('XACK', 's', 'g', ...op.ids.map(id))).toBe(want);
              break;
            }
            case 'claim': {
              const argv = ['XCLAIM', 's', 'g', op.c, '0', ...op.ids.map(id), 'TIME', '1000'];
              if (op.justid) argv.push('JUSTID');
              if (op.force) argv.push('FORCE');
              if (op.retry !== null) argv.push('RETRYCOUNT', String(op.retry));
              const r = run(...argv) as RVal[];
              const got = r.map((e) => num(op.justid ? (e as string) : ((e as RVal[])[0] as string)));
              expect(got).toEqual(m.claim(op.c, op.ids, op.justid, op.force, op.retry));
              break;
            }
            case 'auto': {
              const r = run('XAUTOCLAIM', 's', 'g', op.c, '0', id(op.start), 'COUNT', String(op.count), ...(op.justid ? ['JUSTID'] : [])) as RVal[];
              const [cursor, claimed, deleted] = m.autoclaim(op.c, op.start, op.count, op.justid);
              expect(num(r[0] as string)).toBe(cursor);
              expect((r[1] as RVal[]).map((e) => num(op.justid ? (e as string) : ((e as RVal[])[0] as string)))).toEqual(claimed);
              expect((r[2] as string[]).map(num)).toEqual(deleted);
              break;
            }
            case 'del': {
              const had = m.live.delete(op.id);
              if (had) m.deletedAny = true;
              expect(run('XDEL', 's', id(op.id))).toBe(had ? 1 : 0);
              break;
            }
            case 'setid': {
              expect(run('XGROUP', 'SETID', 's', 'g', id(op.id))).toBe('OK');
              m.last = op.id;
              m.entriesRead = -1;
              break;
            }
            case 'delconsumer': {
              const n = [...m.pel.values()].filter((x) => x.consumer === op.c).length;
              for (const [k, v] of m.pel) if (v.consumer === op.c) m.pel.delete(k);
              m.consumers.delete(op.c);
              expect(run('XGROUP', 'DELCONSUMER', 's', 'g', op.c)).toBe(n);
              break;
            }
          }
          // The whole PEL with owners and delivery counts.
          const pend = run('XPENDING', 's', 'g', '-', '+', '1000') as RVal[][];
          expect(pend.map((e) => [num(e[0] as string), e[1], e[3]])).toEqual(m.pelIds().map((x) => [x, m.pel.get(x)!.consumer, m.pel.get(x)!.count]));
          const info = run('XINFO', 'GROUPS', 's') as RVal[][];
          const g = info[0];
          expect(num(g[7] as string)).toBe(m.last);
          expect(g[5]).toBe(m.pel.size);
          expect(g[3]).toBe(m.consumers.size);
          if (!m.deletedAny) expect(g[9]).toBe(m.entriesRead === -1 ? null : m.entriesRead);
        }
      }),
      { numRuns: 300, seed: 20240607 },
    );
  });
});

describe('ioredis consumer group with two consumers', () => {
  let srv: ServerHandle;
  const clients: Redis[] = [];
  const client = (): Redis => {
    const r = new Redis({ port: srv.port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 1 });
    clients.push(r);
    return r;
  };
  beforeAll(async () => {
    srv = await startEddy();
  }, 30000);
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await srv?.stop();
  });

  type XRead = [string, [string, string[]][]][] | null;

  it('every message is delivered exactly once; a dead consumer’s pending messages are taken over by XAUTOCLAIM', async () => {
    const producer = client();
    const a = client();
    const b = client();
    await producer.del('orders');
    await producer.xgroup('CREATE', 'orders', 'workers', '$', 'MKSTREAM');
    const N = 400;
    const seen = new Map<string, string[]>();
    const processed = new Map<string, string>();
    let bDead = false;
    const bUnacked: string[] = [];
    let produced = 0;
    const produce = (async () => {
      while (produced < N) {
        const batch = Math.min(20, N - produced);
        const pipe = producer.pipeline();
        for (let i = 0; i < batch; i++) pipe.xadd('orders', '*', 'n', String(produced + i));
        await pipe.exec();
        produced += batch;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const consume = async (r: Redis, name: string): Promise<void> => {
      for (;;) {
        const res = (await r.xreadgroup('GROUP', 'workers', name, 'COUNT', 7, 'BLOCK', 100, 'STREAMS', 'orders', '>')) as XRead;
        if (res === null) {
          if (produced >= N) return;
          continue;
        }
        for (const [, entries] of res) {
          for (const [eid, fields] of entries) {
            seen.set(eid, [...(seen.get(eid) ?? []), name]);
            if (name === 'b' && bDead) {
              bUnacked.push(eid);
              continue;
            }
            processed.set(eid, fields[1]);
            await r.xack('orders', 'workers', eid);
          }
        }
        // b "dies" after a while: it keeps reading but never acknowledges again.
        if (name === 'b' && seen.size > N / 3) bDead = true;
        if (name === 'b' && bDead && bUnacked.length >= 5) return;
      }
    };
    await Promise.all([produce, consume(a, 'a'), consume(b, 'b')]);
    // Drain what is left for a alone.
    await consume(a, 'a');
    for (const [eid, who] of seen) expect(who.length, `${eid} delivered to ${who.join(',')}`).toBe(1);
    expect(seen.size).toBe(N);
    expect(bUnacked.length).toBeGreaterThan(0);
    const summary = (await producer.xpending('orders', 'workers')) as [number, string, string, [string, string][]];
    expect(summary[0]).toBe(bUnacked.length);
    expect(summary[3]).toEqual([['b', String(bUnacked.length)]]);
    // a takes over b's messages once they have been idle long enough.
    await new Promise((r) => setTimeout(r, 60));
    let cursor = '0-0';
    const claimed: string[] = [];
    do {
      const [next, entries] = (await a.xautoclaim('orders', 'workers', 'a', 50, cursor, 'COUNT', 2)) as [string, [string, string[]][], string[]];
      for (const [eid, fields] of entries) {
        claimed.push(eid);
        processed.set(eid, fields[1]);
        await a.xack('orders', 'workers', eid);
      }
      cursor = next;
    } while (cursor !== '0-0');
    expect(claimed.sort()).toEqual([...bUnacked].sort());
    expect(processed.size).toBe(N);
    expect([...processed.values()].map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i));
    const after = (await producer.xpending('orders', 'workers')) as [number, unknown, unknown, unknown];
    expect(after[0]).toBe(0);
    const consumers = (await producer.xinfo('CONSUMERS', 'orders', 'workers')) as unknown[][];
    expect(consumers.map((c) => [c[1], c[3]])).toEqual([
      ['a', 0],
      ['b', 0],
    ]);
  }, 30000);
});
