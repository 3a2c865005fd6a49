// Why: expiry with real time, against the reference redis-server where the outcome is
// deterministic: lazy expiry on access, active expiry of keys nobody reads (the cron), WATCH
// invalidated (or not) by expiry as Redis 7.0 decides, and millisecond TTLs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Differential, type DiffPair } from './support/diff.js';
import { RawClient } from './support/raw-client.js';

let d: Differential;
let p: DiffPair;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  d = await Differential.start();
  p = await d.connect();
});
afterAll(async () => {
  await d?.stop();
});

/** Integer reply of a raw client command. */
async function int(c: RawClient, ...argv: string[]): Promise<number> {
  const r = await c.call(...argv);
  if (r[0] !== ':') throw new Error(`${argv.join(' ')}: ${JSON.stringify(r)}`);
  return Number(r.slice(1, -2));
}

describe('lazy expiry', () => {
  it('a key with a past TTL is gone for every command', async () => {
    await p.run(['FLUSHALL']);
    for (const k of ['a', 'b', 'c', 'd', 'e']) {
      await p.run(['SET', k, 'v']);
      await p.run(['PEXPIRE', k, '60']);
    }
    await p.run(['GET', 'a']);
    await p.run(['EXISTS', 'a', 'b']);
    await sleep(120);
    for (const argv of [
      ['GET', 'a'],
      ['EXISTS', 'b'],
      ['TTL', 'c'],
      ['PTTL', 'c'],
      ['TYPE', 'd'],
      ['KEYS', '*'],
      ['RENAME', 'e', 'f'],
      ['APPEND', 'e', 'x'],
      ['TTL', 'e'],
      ['EXPIRE', 'a', '100'],
      ['PERSIST', 'b'],
      ['DBSIZE'],
    ]) {
      await p.run(argv);
    }
  });

  it('small PEXPIRE values', async () => {
    await p.run(['SET', 'm', 'v']);
    await p.run(['PEXPIRE', 'm', '1']);
    await sleep(10);
    await p.run(['GET', 'm']);
    await p.run(['SET', 'm', 'v']);
    await p.run(['PEXPIRE', 'm', '0']);
    await p.run(['EXISTS', 'm']);
    await p.run(['SET', 'm', 'v']);
    await p.run(['PEXPIRE', 'm', '-1']);
    await p.run(['EXISTS', 'm']);
    await p.run(['SET', 'm', 'v']);
    await p.run(['PEXPIRE', 'm', '1000']);
    const pttl = await int(p.eddy, 'PTTL', 'm');
    expect(pttl).toBeGreaterThan(900);
    expect(pttl).toBeLessThanOrEqual(1000);
    expect(await int(p.eddy, 'TTL', 'm')).toBe(1);
    await p.run(['PEXPIRE', 'm', '30']);
    await sleep(5);
    await p.run(['EXISTS', 'm']);
    await sleep(60);
    await p.run(['EXISTS', 'm']);
    // SET ... PX and SETEX count from the command's own clock
    await p.run(['SET', 'n', 'v', 'PX', '40']);
    await p.run(['GET', 'n']);
    await sleep(80);
    await p.run(['GET', 'n']);
  });

  it('an expired key reads as missing even before anything deletes it', async () => {
    // eddy-only: the active cycle is not fast enough to beat an immediate read
    const c = await RawClient.connect(d.eddyServer.port);
    await c.call('SELECT', '7');
    await c.call('FLUSHDB');
    for (let i = 0; i < 200; i++) c.send('SET', `x${i}`, 'v');
    for (let i = 0; i < 200; i++) c.send('PEXPIRE', `x${i}`, '20');
    for (let i = 0; i < 400; i++) await c.read();
    await sleep(40);
    let alive = 0;
    for (let i = 0; i < 200; i++) alive += await int(c, 'EXISTS', `x${i}`);
    expect(alive).toBe(0);
    expect(await c.call('KEYS', '*')).toBe('*0\r\n');
    expect(await c.call('RANDOMKEY')).toBe('$-1\r\n');
    c.close();
  });
});

describe('active expiry', () => {
  it('10k keys with a 100 ms TTL that nobody reads disappear within a few seconds', async () => {
    const clients = [await RawClient.connect(d.eddyServer.port), await RawClient.connect(d.redisServer.port)];
    for (const c of clients) {
      await c.call('SELECT', '9');
      await c.call('FLUSHDB');
      for (let i = 0; i < 10000; i++) c.send('SET', `vol:${i}`, 'v');
      for (let i = 0; i < 10000; i++) c.send('PEXPIRE', `vol:${i}`, '100');
      for (let i = 0; i < 5000; i++) c.send('SET', `keep:${i}`, 'v');
      let ones = 0;
      for (let i = 0; i < 25000; i++) if ((await c.read()) === ':1\r\n') ones++;
      expect(ones).toBe(10000); // every PEXPIRE applied
    }
    const t0 = Date.now();
    const [e, r] = clients;
    let size = -1;
    while (Date.now() - t0 < 3000) {
      await sleep(100);
      size = await int(e, 'DBSIZE');
      if (size === 5000) break;
    }
    expect(size, 'eddy DBSIZE after active expiry').toBe(5000);
    // Redis does the same (the reference for the test itself)
    while (Date.now() - t0 < 4000 && (await int(r, 'DBSIZE')) !== 5000) await sleep(100);
    expect(await int(r, 'DBSIZE')).toBe(5000);
    const info = await e.call('INFO', 'keyspace');
    if (info[0] === '$') {
      expect(info).toContain('db9:keys=5000,expires=0');
      const stats = await e.call('INFO', 'stats');
      const m = /expired_keys:(\d+)/.exec(stats);
      if (m) expect(Number(m[1])).toBeGreaterThanOrEqual(10000);
    }
    for (const c of clients) {
      await c.call('FLUSHDB');
      c.close();
    }
  });
});

describe('WATCH and expiry', () => {
  it('a watched key that expires aborts EXEC (lazily or actively deleted)', async () => {
    await p.run(['FLUSHALL']);
    await p.run(['SET', 'w', 'v']);
    await p.run(['PEXPIRE', 'w', '50']);
    await p.run(['WATCH', 'w']);
    await sleep(100);
    await p.run(['MULTI']);
    await p.run(['PING']);
    await p.run(['EXEC']);
    await p.run(['SET', 'w2', 'v']);
    await p.run(['PEXPIRE', 'w2', '50']);
    await p.run(['WATCH', 'w2']);
    await sleep(600); // the active cycle deletes it meanwhile
    await p.run(['EXISTS', 'w2']);
    await p.run(['MULTI']);
    await p.run(['PING']);
    await p.run(['EXEC']);
  });

  it('a key already expired at WATCH time: deletion is no change, re-creation is', async () => {
    const other = await d.connect();
    for (const recreate of [false, true]) {
      await p.run(['SET', 'x', 'v']);
      await p.run(['PEXPIRE', 'x', '5']);
      await sleep(20);
      await p.run(['WATCH', 'x']);
      await other.run(['GET', 'x']); // deletes it (if the cron did not already)
      if (recreate) await other.run(['SET', 'x', 'new']);
      await p.run(['MULTI']);
      await p.run(['PING']);
      await p.run(['EXEC']);
    }
    // FLUSHDB of an expired-at-WATCH key is no change either; of a live key it is
    await p.run(['SET', 'y', 'v']);
    await p.run(['PEXPIRE', 'y', '5']);
    await p.run(['SET', 'z', 'v']);
    await sleep(20);
    await p.run(['WATCH', 'y']);
    await other.run(['FLUSHDB']);
    await p.run(['MULTI']);
    await p.run(['PING']);
    await p.run(['EXEC']);
    await p.run(['SET', 'z', 'v']);
    await p.run(['WATCH', 'z']);
    await other.run(['FLUSHDB']);
    await p.run(['MULTI']);
    await p.run(['PING']);
    await p.run(['EXEC']);
    other.close();
  });

  it('EXPIRE and PERSIST on a watched key abort EXEC', async () => {
    const other = await d.connect();
    for (const change of [
      ['EXPIRE', 'v', '100'],
      ['PERSIST', 'v'],
      ['EXPIRE', 'v', '-1'],
    ]) {
      await p.run(['SET', 'v', '1']);
      if (change[0] === 'PERSIST') await p.run(['EXPIRE', 'v', '100']);
      await p.run(['WATCH', 'v']);
      await other.run(change);
      await p.run(['MULTI']);
      await p.run(['GET', 'v']);
      await p.run(['EXEC']);
    }
    // a no-op (PERSIST without TTL, EXPIRE NX on a volatile key) does not
    await p.run(['SET', 'v', '1']);
    await p.run(['WATCH', 'v']);
    await other.run(['PERSIST', 'v']);
    await other.run(['EXPIRE', 'nosuch', '10']);
    await p.run(['MULTI']);
    await p.run(['GET', 'v']);
    await p.run(['EXEC']);
    other.close();
  });
});

describe('expired keyspace events', () => {
  it('lazy and active expiry publish "expired" as Redis does', async () => {
    const dn = await Differential.start(['--notify-keyspace-events', 'Ex'], ['--notify-keyspace-events', 'Ex']);
    try {
      const q = await dn.connect();
      const sub = await dn.connect();
      await sub.run(['SUBSCRIBE', '__keyevent@0__:expired']);
      await q.run(['SET', 'lazy', 'v']);
      await q.run(['PEXPIRE', 'lazy', '10']);
      await sleep(30);
      await q.run(['GET', 'lazy']);
      await sub.readBoth('lazy expired');
      await q.run(['SET', 'active', 'v']);
      await q.run(['PEXPIRE', 'active', '10']);
      const [e, r] = await Promise.all([sub.eddy.read(3000), sub.redis.read(3000)]);
      expect(e).toBe(r);
      expect(e).toContain('active');
    } finally {
      await dn.stop();
    }
  });
});
