// Why: the generic keyspace and expiry commands against the reference redis-server: every
// command, option and error in RESP2 and RESP3, keyspace notifications, seeded random sequences
// mixing generic + expire + string commands, and SCAN's guarantee under concurrent changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Differential, Rng, seeds, type DiffPair } from './support/diff.js';
import { RawClient, type Reply } from './support/raw-client.js';
import { parseScan, scanAll } from './support/scan.js';
import { propagationRunner } from './support/in-process.js';
import { eddyHas } from './support/collections.js';

/** Continue a SCAN from `cursor` to the end; the keys returned. */
async function resume(c: RawClient, cursor: string, opts: string[] = []): Promise<string[]> {
  const out: string[] = [];
  let cur = cursor;
  do {
    const [next, keys] = parseScan(await c.call('SCAN', cur, ...opts));
    out.push(...keys);
    cur = next;
  } while (cur !== '0');
  return out;
}

let d: Differential;

beforeAll(async () => {
  d = await Differential.start();
});
afterAll(async () => {
  await d?.stop();
});

async function runAll(p: DiffPair, script: string[][]): Promise<void> {
  for (const argv of script) await p.run(argv, { unordered: argv[0] === 'KEYS' });
}

/** Compare the set of keys a full SCAN iteration returns on both servers. */
async function sameScan(p: DiffPair, opts: string[] = []): Promise<string[]> {
  const [e, r] = await Promise.all([scanAll(p.eddy, opts), scanAll(p.redis, opts)]);
  const se = [...new Set(e.keys)].sort();
  const sr = [...new Set(r.keys)].sort();
  expect(se, `SCAN ${opts.join(' ')}`).toEqual(sr);
  return se;
}

const FAR = '4102444800123'; // 2100-01-01T00:00:00.123Z in ms

const GENERIC: string[][] = [
  ['FLUSHALL'],
  ['SET', 'a', '1'],
  ['SET', 'b', 'hello'],
  ['SET', 'c', 'x'.repeat(60)],
  ['DEL'],
  ['DEL', 'a'],
  ['DEL', 'a', 'b', 'nosuch', 'b'],
  ['EXISTS', 'a', 'b', 'c', 'c', 'nosuch', 'c'],
  ['SET', 'a', '1'],
  ['SET', 'b', '2'],
  ['UNLINK', 'a', 'b', 'x', 'a'],
  ['UNLINK'],
  ['EXISTS'],
  ['SET', 'a', '1'],
  ['TYPE', 'a'],
  ['TYPE', 'nosuch'],
  ['TYPE'],
  ['TOUCH', 'a', 'c', 'nosuch', 'c'],
  ['TOUCH'],
  ['DBSIZE'],
  ['DBSIZE', 'x'],
  // KEYS
  ['SET', '*', 'star'],
  ['SET', 'a?', 'q'],
  ['SET', '', 'empty'],
  ['SET', 'ab', '1'],
  ['SET', 'abc', '1'],
  ['KEYS', '*'],
  ['KEYS', 'a*'],
  ['KEYS', '?'],
  ['KEYS', '[ab]'],
  ['KEYS', '[^a]*'],
  ['KEYS', '\\*'],
  ['KEYS', 'a\\?'],
  ['KEYS', '**'],
  ['KEYS', ''],
  ['KEYS', 'nosuch'],
  ['KEYS'],
  ['KEYS', 'a', 'b'],
  // RANDOMKEY on 0 and 1 key is deterministic
  ['FLUSHDB'],
  ['RANDOMKEY'],
  ['SET', 'only', '1'],
  ['RANDOMKEY'],
  ['RANDOMKEY', 'x'],
  // RENAME / RENAMENX
  ['RENAME', 'nosuch', 'x'],
  ['RENAMENX', 'nosuch', 'x'],
  ['RENAME', 'only', 'only'],
  ['RENAMENX', 'only', 'only'],
  ['RENAME', 'nosuch', 'nosuch'],
  ['SET', 'src', 'v'],
  ['PEXPIREAT', 'src', FAR],
  ['RENAME', 'src', 'dst'],
  ['EXISTS', 'src'],
  ['GET', 'dst'],
  ['PEXPIRETIME', 'dst'],
  ['SET', 'x', '1'],
  ['RENAMENX', 'dst', 'x'],
  ['RENAME', 'dst', 'x'],
  ['GET', 'x'],
  ['PEXPIRETIME', 'x'],
  ['RENAMENX', 'x', 'y'],
  ['PEXPIRETIME', 'y'],
  ['RENAME', 'y'],
  // MOVE
  ['MOVE', 'y', '1'],
  ['EXISTS', 'y'],
  ['MOVE', 'y', '1'],
  ['MOVE', 'only', '0'],
  ['MOVE', 'only', '99'],
  ['MOVE', 'only', '16'],
  ['MOVE', 'only', '-1'],
  ['MOVE', 'only', 'abc'],
  ['MOVE', 'only', '4294967296'],
  ['MOVE', 'only', '99999999999999999999'],
  ['MOVE', 'nosuch', '1'],
  ['MOVE', 'nosuch', '0'],
  ['SELECT', '1'],
  ['GET', 'y'],
  ['PEXPIRETIME', 'y'],
  ['SET', 'only', 'in1'],
  ['SELECT', '0'],
  ['MOVE', 'only', '1'],
  ['GET', 'only'],
  // COPY
  ['SET', 'c1', 'hello'],
  ['PEXPIREAT', 'c1', FAR],
  ['COPY', 'c1', 'c2'],
  ['GET', 'c2'],
  ['PEXPIRETIME', 'c2'],
  ['COPY', 'c1', 'c2'],
  ['COPY', 'c1', 'c1'],
  ['COPY', 'c1', 'c1', 'DB', '0'],
  ['COPY', 'c1', 'c1', 'DB', '1'],
  ['SET', 'c1', 'changed'],
  ['COPY', 'c1', 'c2', 'REPLACE'],
  ['GET', 'c2'],
  ['PEXPIRETIME', 'c2'],
  ['COPY', 'c1', 'c2', 'DB'],
  ['COPY', 'c1', 'c2', 'DB', 'x'],
  ['COPY', 'c1', 'c2', 'DB', '99'],
  ['COPY', 'c1', 'c2', 'DB', '-1'],
  ['COPY', 'c1', 'c2', 'DB', '4294967296'],
  ['COPY', 'c1', 'c2', 'FOO'],
  ['COPY', 'c1', 'c2', 'replace', 'db', '2', 'REPLACE'],
  ['COPY', 'nosuch', 'c2'],
  ['COPY', 'nosuch', 'c2', 'FOO'],
  ['COPY', 'c1'],
  ['SELECT', '2'],
  ['GET', 'c2'],
  ['SELECT', '1'],
  ['GET', 'c1'],
  ['SELECT', '0'],
  // OBJECT
  ['SET', 'i', '5'],
  ['SET', 'big', '123456'],
  ['SET', 'e', 'hello'],
  ['SET', 'r', 'y'.repeat(45)],
  ['SET', 'neg', '-3'],
  ['OBJECT', 'ENCODING', 'i'],
  ['OBJECT', 'ENCODING', 'big'],
  ['OBJECT', 'ENCODING', 'e'],
  ['OBJECT', 'ENCODING', 'r'],
  ['OBJECT', 'ENCODING', 'nosuch'],
  ['OBJECT', 'REFCOUNT', 'i'],
  ['OBJECT', 'REFCOUNT', 'big'],
  ['OBJECT', 'REFCOUNT', 'neg'],
  ['OBJECT', 'REFCOUNT', 'e'],
  ['OBJECT', 'REFCOUNT', 'nosuch'],
  ['OBJECT', 'IDLETIME', 'e'],
  ['OBJECT', 'IDLETIME', 'nosuch'],
  ['OBJECT', 'FREQ', 'e'],
  ['OBJECT', 'FREQ', 'nosuch'],
  ['OBJECT', 'HELP'],
  ['object', 'help'],
  ['OBJECT', 'HELP', 'x'],
  ['OBJECT'],
  ['OBJECT', 'foo'],
  ['OBJECT', 'foo', 'bar'],
  ['OBJECT', 'ENCODING'],
  ['OBJECT', 'ENCODING', 'a', 'b'],
  ['RENAME', 'i', 'i2'],
  ['OBJECT', 'ENCODING', 'i2'],
  ['OBJECT', 'REFCOUNT', 'i2'],
  // the string encoding travels with the value (raw after APPEND, embstr after INCRBYFLOAT)
  ['SET', 'f', '1'],
  ['INCRBYFLOAT', 'f', '1'],
  ['OBJECT', 'ENCODING', 'f'],
  ['RENAME', 'f', 'f2'],
  ['OBJECT', 'ENCODING', 'f2'],
  ['COPY', 'f2', 'f3'],
  ['OBJECT', 'ENCODING', 'f3'],
  ['MOVE', 'f3', '1'],
  ['SET', 'ap', '12'],
  ['APPEND', 'ap', '3'],
  ['OBJECT', 'ENCODING', 'ap'],
  ['RENAMENX', 'ap', 'ap2'],
  ['OBJECT', 'ENCODING', 'ap2'],
  ['COPY', 'ap2', 'f2', 'REPLACE'],
  ['OBJECT', 'ENCODING', 'f2'],
  ['COPY', 'i2', 'f2', 'REPLACE'],
  ['OBJECT', 'ENCODING', 'f2'],
  ['MOVE', 'ap2', '1'],
  ['SELECT', '1'],
  ['OBJECT', 'ENCODING', 'f3'],
  ['OBJECT', 'ENCODING', 'ap2'],
  ['SELECT', '0'],
  // FLUSHDB / FLUSHALL options
  ['FLUSHDB', 'x'],
  ['FLUSHDB', 'SYNC', 'ASYNC'],
  ['FLUSHDB', 'sync'],
  ['DBSIZE'],
  ['SET', 'a', '1'],
  ['FLUSHDB', 'ASYNC'],
  ['DBSIZE'],
  ['FLUSHALL', 'x'],
  ['FLUSHALL', 'async', 'x'],
  ['FLUSHALL', 'ASYNC'],
  ['FLUSHALL', 'SYNC'],
  ['FLUSHALL'],
  // WAIT (no replicas)
  ['WAIT', '0', '0'],
  ['WAIT', '1', '20'],
  ['WAIT', '-1', '0'],
  ['WAIT', 'x', '0'],
  ['WAIT', '0', 'x'],
  ['WAIT', '0', '-1'],
  ['WAIT', '0', '1.5'],
  ['WAIT', '0', '9223372036854775807'],
  ['WAIT', '0', '9223372036854775808'],
  ['WAIT', '0'],
  ['MULTI'],
  ['WAIT', '5', '0'],
  ['EXEC'],
  // SCAN argument errors (valid calls are compared as key sets elsewhere)
  ['SCAN'],
  ['SCAN', 'x'],
  ['SCAN', ' 1'],
  ['SCAN', '1x'],
  ['SCAN', '+'],
  ['SCAN', '-'],
  ['SCAN', '18446744073709551616'],
  ['SCAN', '-18446744073709551616'],
  ['SCAN', 'x', 'COUNT', '0'],
  ['SCAN', '0', 'COUNT', '0'],
  ['SCAN', '0', 'COUNT', '-1'],
  ['SCAN', '0', 'COUNT', 'x'],
  ['SCAN', '0', 'COUNT'],
  ['SCAN', '0', 'MATCH'],
  ['SCAN', '0', 'TYPE'],
  ['SCAN', '0', 'FOO', 'x'],
  ['SCAN', '0', 'COUNT', '10', 'MATCH'],
  ['SCAN', '0'],
  ['SCAN', '', 'COUNT', '5'],
];

const EXPIRE: string[][] = [
  ['FLUSHALL'],
  ['SET', 'k', 'v'],
  ['EXPIRE', 'k'],
  ['EXPIRE', 'k', 'x'],
  ['EXPIRE', 'k', '1.5'],
  ['EXPIRE', 'k', ''],
  ['EXPIRE', 'k', '100', 'XX'],
  ['TTL', 'k'],
  ['EXPIRE', 'k', '100', 'GT'],
  ['EXPIRE', 'k', '100', 'NX'],
  ['TTL', 'k'],
  ['EXPIRE', 'k', '200', 'NX'],
  ['EXPIRE', 'k', '50', 'GT'],
  ['EXPIRE', 'k', '200', 'gt'],
  ['TTL', 'k'],
  ['EXPIRE', 'k', '300', 'LT'],
  ['EXPIRE', 'k', '200', 'LT'],
  ['EXPIRE', 'k', '100', 'lt'],
  ['TTL', 'k'],
  ['EXPIRE', 'k', '150', 'XX', 'GT'],
  ['TTL', 'k'],
  ['EXPIRE', 'k', '120', 'xx', 'LT'],
  ['TTL', 'k'],
  ['EXPIRE', 'k', '100', 'NX', 'XX'],
  ['EXPIRE', 'k', '100', 'NX', 'GT'],
  ['EXPIRE', 'k', '100', 'NX', 'LT'],
  ['EXPIRE', 'k', '100', 'GT', 'LT'],
  ['EXPIRE', 'k', '100', 'XX', 'NX'],
  ['EXPIRE', 'k', 'abc', 'NX', 'XX'],
  ['EXPIRE', 'k', 'abc', 'FOO'],
  ['EXPIRE', 'k', '100', 'FOO'],
  ['EXPIRE', 'k', '100', 'nx', 'nx'],
  ['EXPIRE', 'k', '100', 'XX', 'XX', 'GT'],
  ['PEXPIRE', 'k', '100', 'bar'],
  ['EXPIRE', 'k', '9223372036854775807'],
  ['EXPIRE', 'k', '-9223372036854775808'],
  ['EXPIRE', 'k', '9223372036854776'],
  ['EXPIRE', 'k', '9223372036854775'],
  ['EXPIRE', 'k', '-9223372036854775'],
  ['EXPIRE', 'k', '-9223372036854776'],
  ['PEXPIRE', 'k', '9223372036854775807'],
  ['PEXPIRE', 'k', '9223372036854775808'],
  ['EXPIREAT', 'k', '9223372036854776'],
  ['EXPIREAT', 'k', '-9223372036854776'],
  ['PEXPIREAT', 'k', '9223372036854775808'],
  ['TTL', 'k'],
  // absolute times are exact
  ['PEXPIREAT', 'k', FAR],
  ['PEXPIRETIME', 'k'],
  ['EXPIRETIME', 'k'],
  ['PEXPIREAT', 'k', '4102444800500'],
  ['EXPIRETIME', 'k'],
  ['PEXPIREAT', 'k', '4102444800499'],
  ['EXPIRETIME', 'k'],
  ['EXPIREAT', 'k', '4102444801'],
  ['PEXPIRETIME', 'k'],
  ['EXPIREAT', 'k', '4102444802', 'GT'],
  ['EXPIREAT', 'k', '4102444801', 'GT'],
  ['PEXPIREAT', 'k', '4102444801000', 'LT'],
  ['PEXPIRETIME', 'k'],
  ['PEXPIREAT', 'k', '4102444801000', 'GT'],
  ['PEXPIREAT', 'k', '4102444801000', 'LT'],
  ['PEXPIREAT', 'k', '4102444801000', 'NX'],
  ['PEXPIREAT', 'k', '4102444801000', 'XX'],
  ['PEXPIREAT', 'k', '4102444801001', 'GT'],
  ['PEXPIREAT', 'k', '4102444801000', 'LT'],
  ['PEXPIRETIME', 'k'],
  // no key / no TTL
  ['TTL', 'nosuch'],
  ['PTTL', 'nosuch'],
  ['EXPIRETIME', 'nosuch'],
  ['PEXPIRETIME', 'nosuch'],
  ['SET', 'p', 'v'],
  ['TTL', 'p'],
  ['PTTL', 'p'],
  ['EXPIRETIME', 'p'],
  ['PEXPIRETIME', 'p'],
  ['TTL'],
  ['TTL', 'a', 'b'],
  ['EXPIRE', 'nosuch', '100'],
  ['EXPIRE', 'nosuch', '-1'],
  ['EXPIRE', 'nosuch', 'x'],
  ['PEXPIREAT', 'nosuch', '1'],
  // GT/LT against "no TTL" (= infinite)
  ['EXPIRE', 'p', '100', 'GT'],
  ['TTL', 'p'],
  ['EXPIRE', 'p', '100', 'LT'],
  ['TTL', 'p'],
  ['EXPIRE', 'p', '-5', 'LT'],
  ['EXISTS', 'p'],
  ['SET', 'p', 'v'],
  ['EXPIRE', 'p', '-5', 'GT'],
  ['EXISTS', 'p'],
  ['EXPIRE', 'p', '-5', 'LT'],
  ['EXISTS', 'p'],
  // past times delete
  ['SET', 'q', 'v'],
  ['EXPIRE', 'q', '0'],
  ['EXISTS', 'q'],
  ['SET', 'q', 'v'],
  ['PEXPIRE', 'q', '-1'],
  ['GET', 'q'],
  ['SET', 'q', 'v'],
  ['EXPIREAT', 'q', '1'],
  ['GET', 'q'],
  ['SET', 'q', 'v'],
  ['PEXPIREAT', 'q', '0'],
  ['GET', 'q'],
  ['SET', 'q', 'v'],
  ['PEXPIREAT', 'q', '-9223372036854775808'],
  ['DBSIZE'],
  // PERSIST
  ['PERSIST', 'nosuch'],
  ['SET', 'r', 'v'],
  ['PERSIST', 'r'],
  ['PEXPIREAT', 'r', FAR],
  ['PERSIST', 'r'],
  ['PERSIST', 'r'],
  ['TTL', 'r'],
  ['PERSIST'],
  ['PERSIST', 'r', 'x'],
  // SET without KEEPTTL clears the TTL
  ['EXPIRE', 'r', '100'],
  ['SET', 'r', 'w'],
  ['TTL', 'r'],
  // MULTI / EXEC
  ['MULTI'],
  ['EXPIRE', 'r', '100'],
  ['TTL', 'r'],
  ['PERSIST', 'r'],
  ['TTL', 'r'],
  ['EXPIRE', 'r', 'bad'],
  ['EXEC'],
];

describe('generic keyspace commands', () => {
  for (const resp of [2, 3] as const) {
    it(`targeted script, RESP${resp}`, async () => {
      const p = await d.connect(resp);
      await runAll(p, GENERIC);
    });
    it(`expire family, RESP${resp}`, async () => {
      const p = await d.connect(resp);
      await runAll(p, EXPIRE);
    });
  }

  it('SCAN: MATCH, COUNT and TYPE collect the same keys as Redis', async () => {
    const p = await d.connect();
    await p.run(['FLUSHALL']);
    for (let i = 0; i < 300; i++) await p.run(['SET', `key:${i}`, String(i)]);
    await p.run(['SET', '', 'empty']);
    await p.run(['SET', 'vol', 'v']);
    await p.run(['PEXPIREAT', 'vol', FAR]);
    expect((await sameScan(p)).length).toBe(302);
    expect((await sameScan(p, ['COUNT', '1'])).length).toBe(302);
    expect((await sameScan(p, ['COUNT', '1000'])).length).toBe(302);
    expect((await sameScan(p, ['MATCH', 'key:1*'])).length).toBe(111);
    expect((await sameScan(p, ['MATCH', '*'])).length).toBe(302);
    expect((await sameScan(p, ['MATCH', '?*'])).length).toBe(301);
    expect((await sameScan(p, ['MATCH', 'key:[0-2]?', 'COUNT', '7'])).length).toBe(20);
    expect((await sameScan(p, ['TYPE', 'string'])).length).toBe(302);
    expect((await sameScan(p, ['TYPE', 'STRING', 'MATCH', 'key:2*'])).length).toBe(111);
    expect((await sameScan(p, ['TYPE', 'hash'])).length).toBe(0);
    expect((await sameScan(p, ['TYPE', 'none'])).length).toBe(0);
    expect((await sameScan(p, ['MATCH', 'nothing', 'COUNT', '3'])).length).toBe(0);
    // a different DB, and an empty one
    await p.run(['SELECT', '3']);
    expect((await sameScan(p)).length).toBe(0);
    await p.run(['SET', 'three', '3']);
    expect(await sameScan(p)).toEqual(['three']);
    await p.run(['SELECT', '0']);
  });

  it('SCAN: every key present for the whole iteration is returned despite adds and deletes', async () => {
    const c = await RawClient.connect(d.eddyServer.port);
    const r = await RawClient.connect(d.redisServer.port);
    for (const cl of [c, r]) {
      await cl.call('SELECT', '5');
      await cl.call('FLUSHDB');
      for (let i = 0; i < 3000; i++) cl.send('SET', `s${i}`, 'v');
      for (let i = 0; i < 3000; i++) await cl.read();
      const rng = new Rng(42);
      const stable = new Set<string>();
      for (let i = 0; i < 3000; i++) if (i % 3 !== 0) stable.add(`s${i}`);
      let added = 0;
      const res = await scanAll(cl, ['COUNT', '25'], async () => {
        // delete some never-stable keys, add new ones, overwrite stable ones
        for (let j = 0; j < 5; j++) {
          const i = rng.int(0, 999) * 3;
          cl.send('DEL', `s${i}`);
          cl.send('SET', `new${added++}`, 'v');
          cl.send('SET', `s${rng.int(0, 2999) | 1}`, 'w');
        }
        for (let j = 0; j < 15; j++) await cl.read();
      });
      const seen = new Set(res.keys);
      const missing = [...stable].filter((k) => !seen.has(k));
      expect(missing, cl === c ? 'eddy' : 'redis').toEqual([]);
      expect(res.calls).toBeGreaterThan(10);
    }
    // eddy never returns a key twice when nothing is re-added
    await c.call('FLUSHDB');
    for (let i = 0; i < 500; i++) c.send('SET', `u${i}`, 'v');
    for (let i = 0; i < 500; i++) await c.read();
    const res = await scanAll(c, ['COUNT', '7']);
    expect(res.keys.length).toBe(500);
    expect(new Set(res.keys).size).toBe(500);
    // FLUSHDB mid-scan, then new keys: the scan still terminates and sees the new keys
    const [cursor] = parseScan(await c.call('SCAN', '0', 'COUNT', '10'));
    expect(cursor).not.toBe('0');
    await c.call('FLUSHDB');
    await c.call('SET', 'after', '1');
    expect(await resume(c, cursor)).toEqual(['after']);
    // a cursor replayed (e.g. a retried request) restarts rather than skips
    await c.call('FLUSHDB');
    for (let i = 0; i < 50; i++) await c.call('SET', `r${i}`, 'v');
    const [cur1] = parseScan(await c.call('SCAN', '0', 'COUNT', '10'));
    await c.call('SCAN', cur1, 'COUNT', '10');
    expect(new Set(await resume(c, cur1, ['COUNT', '10'])).size).toBe(50);
    // an unknown cursor also restarts
    expect(new Set(await resume(c, '123456789')).size).toBe(50);
    c.close();
    r.close();
  });

  it('keyspace notifications match Redis', async () => {
    const dn = await Differential.start(['--notify-keyspace-events', 'KEAnm'], ['--notify-keyspace-events', 'KEAnm']);
    try {
      const p = await dn.connect();
      const sub = await dn.connect();
      await sub.run(['PSUBSCRIBE', '*']);
      const pong = '*2\r\n$4\r\npong\r\n$0\r\n\r\n';
      const script: string[][] = [
        ['SET', 'a', '1'],
        ['SET', 'b', '2'],
        ['DEL', 'a', 'nosuch', 'b'],
        ['SET', 'a', '1'],
        ['UNLINK', 'a'],
        ['SET', 'a', '1'],
        ['EXISTS', 'nosuch'],
        ['TYPE', 'nosuch'],
        ['RENAME', 'a', 'b'],
        ['SET', 'c', '3'],
        ['RENAME', 'b', 'c'],
        ['RENAMENX', 'c', 'd'],
        ['MOVE', 'd', '1'],
        ['SELECT', '1'],
        ['COPY', 'd', 'e'],
        ['COPY', 'd', 'e', 'DB', '0'],
        ['COPY', 'd', 'e', 'REPLACE'],
        ['SELECT', '0'],
        ['EXPIRE', 'e', '100'],
        ['PEXPIREAT', 'e', FAR],
        ['PERSIST', 'e'],
        ['EXPIRE', 'e', '-1'],
        ['SET', 'f', '1'],
        ['PEXPIRE', 'f', '1'],
        ['DEBUG', 'SLEEP', '0.01'],
        ['GET', 'f'],
        ['OBJECT', 'ENCODING', 'nosuch'],
        ['TTL', 'nosuch'],
        ['FLUSHDB'],
        ['FLUSHALL'],
      ];
      for (const argv of script) {
        if (argv[0] === 'DEBUG') {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        await p.run(argv);
        sub.eddy.send('PING');
        sub.redis.send('PING');
        for (let i = 0; i < 50; i++) {
          const m = await sub.readBoth(`events of ${argv.join(' ')}`);
          if (m === pong) break;
        }
      }
    } finally {
      await dn.stop();
    }
  });
});

/** TTL-family replies depend on each server's clock: equal codes, or values within `tol`. */
async function runClose(p: DiffPair, argv: string[], tol: number): Promise<void> {
  p.eddy.send(...argv);
  p.redis.send(...argv);
  const [e, r]: Reply[] = await Promise.all([p.eddy.read(), p.redis.read()]);
  const ne = Number(e.slice(1, -2));
  const nr = Number(r.slice(1, -2));
  const ok = e[0] === ':' && r[0] === ':' && (ne < 0 || nr < 0 ? ne === nr : Math.abs(ne - nr) <= tol);
  if (!ok && e !== r) throw new Error(`${argv.join(' ')}: eddy ${JSON.stringify(e)} redis ${JSON.stringify(r)}\n${p.log.join('\n')}`);
}

describe('random sequences (generic + expire + strings)', () => {
  const KEYS = ['k0', 'k1', 'k2', 'k3', 'k\x00\xff', ''];
  const VALUES = ['1', '-5', '007', 'hello', '12345678901234567890', 'z'.repeat(50), ''];
  /** PEXPIRE amounts whose TTL in seconds cannot straddle a rounding boundary within ~100 ms. */
  function ms(rng: Rng): number {
    return rng.int(5, 500) * 1000 + (rng.bool() ? rng.int(0, 400) : rng.int(600, 899));
  }
  function gen(rng: Rng): [string[], 'exact' | 'unordered' | 'scan' | number] {
    const k = () => rng.pick(KEYS);
    const flag = (): string[] => (rng.bool(0.6) ? [] : [rng.pick(['NX', 'XX', 'GT', 'LT', 'nx', 'gt'])]);
    const r = rng.int(0, 33);
    switch (r) {
      case 0:
      case 1:
        return [['SET', k(), rng.pick(VALUES)], 'exact'];
      case 2:
        return [['GET', k()], 'exact'];
      case 3:
        return [['DEL', k(), ...(rng.bool() ? [k()] : [])], 'exact'];
      case 4:
        return [['UNLINK', k()], 'exact'];
      case 5:
        return [['EXISTS', k(), k(), k()], 'exact'];
      case 6:
        return [['TYPE', k()], 'exact'];
      case 7:
        return [['RENAME', k(), k()], 'exact'];
      case 8:
        return [['RENAMENX', k(), k()], 'exact'];
      case 9:
        return [['MOVE', k(), String(rng.int(0, 2))], 'exact'];
      case 10:
        return [['COPY', k(), k(), ...(rng.bool() ? ['DB', String(rng.int(0, 2))] : []), ...(rng.bool() ? ['REPLACE'] : [])], 'exact'];
      case 11:
        return [['SELECT', String(rng.int(0, 2))], 'exact'];
      case 12:
        return [['EXPIRE', k(), String(rng.bool(0.2) ? -rng.int(0, 5) : rng.int(5, 5000)), ...flag()], 'exact'];
      case 13:
        return [['PEXPIRE', k(), String(rng.bool(0.2) ? -rng.int(0, 5) : ms(rng)), ...flag()], 'exact'];
      case 14:
        return [['EXPIREAT', k(), String(rng.bool(0.3) ? rng.int(0, 1000) : Math.floor(Date.now() / 1000) + rng.int(10, 1e6)), ...flag()], 'exact'];
      case 15:
        return [['PEXPIREAT', k(), String(rng.bool(0.3) ? rng.int(0, 1000) : Date.now() + ms(rng)), ...flag()], 'exact'];
      case 16:
        return [['PERSIST', k()], 'exact'];
      case 17:
        return [['TTL', k()], 1];
      case 18:
        return [['PTTL', k()], 100];
      case 19:
        return [['EXPIRETIME', k()], 1];
      case 20:
        return [['PEXPIRETIME', k()], 100];
      case 21:
        return [['DBSIZE'], 'exact'];
      case 22:
        return [['KEYS', rng.pick(['*', 'k*', 'k?', '?', '[k]*', '*\xff', 'k[0-2]', '*3', '[^k]*', 'k\\3', ''])], 'unordered'];
      case 23:
        return [['OBJECT', 'ENCODING', k()], 'exact'];
      case 24:
        return [['TOUCH', k(), k()], 'exact'];
      case 25:
        return [['APPEND', k(), rng.pick(VALUES)], 'exact'];
      case 26:
        return [['STRLEN', k()], 'exact'];
      case 27:
        return [['INCR', k()], 'exact'];
      case 28:
        return [['SETEX', k(), String(rng.int(10, 1000)), rng.pick(VALUES)], 'exact'];
      case 29:
        return [['SET', k(), rng.pick(VALUES), 'KEEPTTL'], 'exact'];
      case 30:
        // (not REFCOUNT: COPY un-shares small integers in Redis, which eddy does not track)
        return [['OBJECT', 'ENCODING', k()], 'exact'];
      case 31:
        return [[], 'scan'];
      case 32:
        return [['FLUSHDB'], rng.bool(0.1) ? 'exact' : 'scan'];
      default:
        return [['RANDOMKEY'], 'exact'];
    }
  }

  for (const resp of [2, 3] as const) {
    it(`seeded sequences, RESP${resp}`, async () => {
      for (const seed of seeds([1, 2, 3, 4])) {
        const rng = new Rng(seed * 10 + resp);
        const p = await d.connect(resp);
        await p.run(['FLUSHALL']);
        for (let i = 0; i < 1000; i++) {
          const [argv, mode] = gen(rng);
          if (mode === 'scan') {
            await sameScan(p, rng.bool() ? [] : ['COUNT', '2']);
            continue;
          }
          if (argv[0] === 'RANDOMKEY') {
            // deterministic only with at most one key
            const n = await p.run(['DBSIZE']);
            if (n !== ':0\r\n' && n !== ':1\r\n') continue;
          }
          try {
            if (typeof mode === 'number') await runClose(p, argv, mode);
            else await p.run(argv, { unordered: mode === 'unordered' });
          } catch (e) {
            throw new Error(`seed ${seed} step ${i}: ${(e as Error).message}`);
          }
        }
        p.close();
      }
    });
  }
});

describe('propagated form (in-process)', () => {
  const spin = (ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end);
  };

  it('EXPIRE family as PEXPIREAT, past times as DEL, no-ops not at all', () => {
    const run = propagationRunner();
    const now = Date.now();
    run('SET', 'k', 'v');
    let p = run('EXPIRE', 'k', '100');
    expect(p.length).toBe(1);
    expect(p[0].slice(0, 2)).toEqual(['PEXPIREAT', 'k']);
    expect(Math.abs(Number(p[0][2]) - (now + 100000))).toBeLessThan(2000);
    p = run('PEXPIRE', 'k', '200000', 'GT');
    expect(p[0][0]).toBe('PEXPIREAT');
    expect(p[0][3]).toBe('GT');
    expect(run('EXPIREAT', 'k', '4102444801')).toEqual([['PEXPIREAT', 'k', '4102444801000']]);
    expect(run('pexpireat', 'k', '4102444802000', 'xx')).toEqual([['pexpireat', 'k', '4102444802000', 'xx']]);
    expect(run('EXPIRE', 'k', '100', 'NX')).toEqual([]);
    expect(run('EXPIRE', 'nosuch', '100')).toEqual([]);
    expect(run('EXPIRE', 'k', 'x')).toEqual([]);
    expect(run('PERSIST', 'k')).toEqual([['PERSIST', 'k']]);
    expect(run('PERSIST', 'k')).toEqual([]);
    expect(run('EXPIRE', 'k', '-1')).toEqual([['DEL', 'k']]);
    run('SET', 'k', 'v');
    expect(run('PEXPIREAT', 'k', '1')).toEqual([['DEL', 'k']]);
    expect(run('TTL', 'k')).toEqual([]);
  });

  it('lazy expiry propagates DEL only (the command itself did nothing)', () => {
    const run = propagationRunner();
    for (const cmd of [['GET', 'k'], ['PERSIST', 'k'], ['EXPIRE', 'k', '100'], ['EXISTS', 'k'], ['RENAMENX', 'k', 'j'], ['DEL', 'k']]) {
      run('SET', 'k', 'v');
      run('PEXPIRE', 'k', '1');
      spin(3);
      expect(run(...cmd), cmd.join(' ')).toEqual([['DEL', 'k']]);
    }
  });

  it('generic commands propagate verbatim, FLUSH* even when empty', () => {
    const run = propagationRunner();
    expect(run('FLUSHDB')).toEqual([['FLUSHDB']]);
    expect(run('FLUSHALL', 'ASYNC')).toEqual([['FLUSHALL', 'ASYNC']]);
    run('SET', 'a', '1');
    expect(run('DEL', 'a', 'nosuch')).toEqual([['DEL', 'a', 'nosuch']]);
    expect(run('DEL', 'a')).toEqual([]);
    expect(run('UNLINK', 'a')).toEqual([]);
    run('SET', 'a', '1');
    expect(run('RENAME', 'a', 'b')).toEqual([['RENAME', 'a', 'b']]);
    expect(run('RENAME', 'b', 'b')).toEqual([]);
    expect(run('RENAMENX', 'b', 'b')).toEqual([]);
    expect(run('COPY', 'b', 'c')).toEqual([['COPY', 'b', 'c']]);
    expect(run('COPY', 'b', 'c')).toEqual([]);
    expect(run('MOVE', 'c', '1')).toEqual([['MOVE', 'c', '1']]);
    expect(run('MOVE', 'c', '1')).toEqual([]);
    expect(run('TOUCH', 'b')).toEqual([]);
    expect(run('EXISTS', 'b')).toEqual([]);
    expect(run('SCAN', '0')).toEqual([]);
    expect(run('KEYS', '*')).toEqual([]);
  });

  it('lazyfree-lazy-expire propagates UNLINK', () => {
    const run = propagationRunner();
    run('CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes');
    run('SET', 'k', 'v');
    expect(run('EXPIRE', 'k', '0')).toEqual([['UNLINK', 'k']]);
    run('SET', 'k', 'v');
    run('PEXPIRE', 'k', '1');
    spin(3);
    expect(run('GET', 'k')).toEqual([['UNLINK', 'k']]);
  });
});

describe('other value types', () => {
  it('TYPE, OBJECT, COPY (deep), RENAME, MOVE and SCAN TYPE on every implemented type', async () => {
    const p = await d.connect();
    await p.run(['FLUSHALL']);
    const creators: [string, string[][]][] = [
      ['set', [['SADD', 'T', 'a', 'b', '3']]],
      ['hash', [['HSET', 'T', 'f', 'v', 'g', 'w']]],
      ['list', [['RPUSH', 'T', 'a', 'b', 'c']]],
      ['zset', [['ZADD', 'T', '1', 'a', '2', 'b']]],
      ['stream', [['XADD', 'T', '1-1', 'f', 'v']]],
    ];
    const mutate: Record<string, string[]> = {
      set: ['SADD', 'T2', 'new'],
      hash: ['HSET', 'T2', 'f', 'changed'],
      list: ['RPUSH', 'T2', 'new'],
      zset: ['ZADD', 'T2', '5', 'new'],
      stream: ['XADD', 'T2', '2-1', 'f', 'new'],
    };
    const read: Record<string, string[]> = {
      set: ['SMEMBERS', 'T'],
      hash: ['HGETALL', 'T'],
      list: ['LRANGE', 'T', '0', '-1'],
      zset: ['ZRANGE', 'T', '0', '-1', 'WITHSCORES'],
      stream: ['XRANGE', 'T', '-', '+'],
    };
    let tested = 0;
    for (const [type, create] of creators) {
      const has = await eddyHas(p, create[0]);
      await p.eddy.call('DEL', 'T');
      if (!has) continue; // type not implemented yet
      tested++;
      await p.run(['FLUSHDB']);
      for (const c of create) await p.run(c);
      const unordered = type === 'set' || type === 'hash';
      for (const argv of [
        ['TYPE', 'T'],
        ['OBJECT', 'ENCODING', 'T'],
        ['OBJECT', 'REFCOUNT', 'T'],
        ['PEXPIREAT', 'T', FAR],
        ['COPY', 'T', 'T2'],
        ['PEXPIRETIME', 'T2'],
        mutate[type],
        read[type],
        ['OBJECT', 'ENCODING', 'T2'],
        ['COPY', 'T', 'T2', 'DB', '1'],
        ['RENAME', 'T2', 'T3'],
        ['TYPE', 'T3'],
        ['MOVE', 'T3', '2'],
        ['SELECT', '2'],
        ['TYPE', 'T3'],
        ['PEXPIRETIME', 'T3'],
        ['SELECT', '0'],
        ['EXISTS', 'T', 'T2', 'T3'],
      ]) {
        await p.run(argv, { unordered: unordered && argv === read[type], pairs: type === 'hash' && argv === read[type] });
      }
      await p.run(['SET', 's', 'str']);
      for (const t of ['string', type, 'none', 'SET']) await sameScan(p, ['TYPE', t]);
      await p.run(['FLUSHALL']);
    }
    expect(tested).toBeGreaterThanOrEqual(1);
  });
});

describe('WAIT without replicas', () => {
  it('blocks until the timeout or CLIENT UNBLOCK, then replies 0 (as Redis)', async () => {
    for (const port of [d.eddyServer.port, d.redisServer.port]) {
      const a = await RawClient.connect(port);
      const b = await RawClient.connect(port);
      const t0 = Date.now();
      a.send('WAIT', '1', '150');
      a.send('PING');
      expect(await a.read()).toBe(':0\r\n');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      expect(await a.read()).toBe('+PONG\r\n');
      for (const [extra, reply] of [
        [[], ':0\r\n'],
        [['ERROR'], '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n'],
      ] as [string[], string][]) {
        const id = (await a.call('CLIENT', 'ID')).slice(1, -2);
        a.send('WAIT', '2', '0');
        await new Promise((r) => setTimeout(r, 30));
        expect(a.pending()).toBe('');
        expect(await b.call('CLIENT', 'UNBLOCK', id, ...extra)).toBe(':1\r\n');
        expect(await a.read()).toBe(reply);
      }
      a.close();
      b.close();
    }
  });
});
