// Why: ioredis is the Node client eddy's own streaming engine and most Node users drive it with; its
// connection handshake (ready check, SELECT, AUTH), pipelining, MULTI/EXEC, WATCH and automatic
// reconnect must all work against eddy-server exactly as they do against Redis.
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEddy, type ServerHandle } from './support/servers.js';

let srv: ServerHandle;
let authSrv: ServerHandle;
const clients: Redis[] = [];

function client(opts: RedisOptions = {}, s: ServerHandle = srv): Redis {
  const r = new Redis({ port: s.port, host: '127.0.0.1', ...opts });
  r.on('error', () => {}); // asserted where it matters
  clients.push(r);
  return r;
}

beforeAll(async () => {
  [srv, authSrv] = await Promise.all([startEddy(), startEddy(['--requirepass', 's3cret'])]);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([srv?.stop(), authSrv?.stop()]);
});

describe('ioredis against eddy-server', () => {
  it('get / set / incr / mget / del', async () => {
    const r = client();
    expect(await r.set('greeting', 'hello')).toBe('OK');
    expect(await r.get('greeting')).toBe('hello');
    expect(await r.get('missing')).toBeNull();
    expect(await r.incr('counter')).toBe(1);
    expect(await r.incrby('counter', 41)).toBe(42);
    expect(await r.mget('greeting', 'missing', 'counter')).toEqual(['hello', null, '42']);
    expect(await r.set('greeting', 'x', 'NX')).toBeNull();
    expect(await r.set('greeting', 'bye', 'XX', 'GET')).toBe('hello');
    expect(await r.del('greeting', 'counter', 'missing')).toBe(2);
    expect(await r.exists('greeting')).toBe(0);
    // utf-8 strings travel as their bytes and come back intact
    expect(await r.set('ünï', 'snow ☃ and 🚀')).toBe('OK');
    expect(await r.get('ünï')).toBe('snow ☃ and 🚀');
    expect(await r.strlen('ünï')).toBe(Buffer.byteLength('snow ☃ and 🚀'));
    await expect(r.incr('ünï')).rejects.toThrow('ERR value is not an integer or out of range');
  });

  it('binary Buffers round-trip (\\0, \\r\\n, high bytes)', async () => {
    const r = client();
    const key = Buffer.from([0x6b, 0x00, 0x0d, 0x0a, 0xff, 0x80, 0x00]);
    const all = Buffer.alloc(256 * 4);
    for (let i = 0; i < all.length; i++) all[i] = i & 0xff;
    expect(await r.set(key, all)).toBe('OK');
    const back = await r.getBuffer(key);
    expect(Buffer.isBuffer(back)).toBe(true);
    expect(back!.equals(all)).toBe(true);
    expect(await r.strlen(key)).toBe(1024);
    const crlf = Buffer.from('\r\n$5\r\n*1\r\n\0\0\r\n', 'latin1');
    await r.set('crlf', crlf);
    expect((await r.getBuffer('crlf'))!.equals(crlf)).toBe(true);
    const [a, b] = await r.mgetBuffer(key, 'crlf');
    expect(a!.equals(all)).toBe(true);
    expect(b!.equals(crlf)).toBe(true);
    const big = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
    await r.set('big', big);
    expect((await r.getBuffer('big'))!.equals(big)).toBe(true);
    expect(await r.exists(key)).toBe(1);
    expect(await r.del(key)).toBe(1);
  });

  it('pipelines 10k commands and returns results in order', async () => {
    const r = client();
    const p = r.pipeline();
    for (let i = 0; i < 2500; i++) {
      p.set(`p:${i}`, String(i));
      p.incr('p:count');
      p.get(`p:${i}`);
      p.incrby(`p:${i}`, i);
    }
    const res = (await p.exec())!;
    expect(res.length).toBe(10_000);
    for (let i = 0; i < 2500; i++) {
      expect(res[4 * i]).toEqual([null, 'OK']);
      expect(res[4 * i + 1]).toEqual([null, i + 1]);
      expect(res[4 * i + 2]).toEqual([null, String(i)]);
      expect(res[4 * i + 3]).toEqual([null, 2 * i]);
    }
    // an error in the middle of a pipeline only affects its own slot
    const q = await r.pipeline().set('p:s', 'str').incr('p:s').get('p:s').exec();
    expect(q![0]).toEqual([null, 'OK']);
    expect(q![1][0]).toBeInstanceOf(Error);
    expect((q![1][0] as Error).message).toBe('ERR value is not an integer or out of range');
    expect(q![2]).toEqual([null, 'str']);
    // many independent in-flight commands (auto-pipelined by the socket)
    const got = await Promise.all(Array.from({ length: 5000 }, (_, i) => r.get(`p:${i % 2500}`)));
    got.forEach((v, i) => expect(v).toBe(String(2 * (i % 2500))));
  });

  it('MULTI/EXEC via multi().exec()', async () => {
    const r = client();
    expect(await r.multi().set('m:a', '1').incr('m:a').get('m:a').exec()).toEqual([
      [null, 'OK'],
      [null, 2],
      [null, '2'],
    ]);
    // a runtime error inside EXEC: the others still run
    const res = (await r.multi().set('m:s', 'x').incr('m:s').append('m:s', 'y').get('m:s').exec())!;
    expect(res[0]).toEqual([null, 'OK']);
    expect((res[1][0] as Error).message).toBe('ERR value is not an integer or out of range');
    expect(res[2]).toEqual([null, 2]);
    expect(res[3]).toEqual([null, 'xy']);
    // a queuing error aborts the whole transaction
    const bad = r.multi();
    (bad as unknown as { call: (...a: string[]) => unknown }).call('set', 'm:only-one-arg');
    bad.set('m:never', '1');
    await expect(bad.exec()).rejects.toThrow('EXECABORT Transaction discarded because of previous errors.');
    expect(await r.exists('m:never')).toBe(0);
    // the connection is still fine afterwards
    expect(await r.ping()).toBe('PONG');
  });

  it('WATCH: a write from another client makes exec() return null', async () => {
    const a = client();
    const b = client();
    await a.set('w:k', '0');
    expect(await a.watch('w:k')).toBe('OK');
    await b.set('w:k', 'theirs');
    expect(await a.multi().set('w:k', 'mine').exec()).toBeNull();
    expect(await a.get('w:k')).toBe('theirs');
    // without a conflict the transaction runs
    await a.watch('w:k');
    await b.get('w:k'); // reads do not invalidate
    expect(await a.multi().set('w:k', 'mine').exec()).toEqual([[null, 'OK']]);
    expect(await b.get('w:k')).toBe('mine');
    // check-and-set loops on four connections never lose an update
    const incr10 = async (c: Redis) => {
      for (let done = 0; done < 10; ) {
        await c.watch('w:n');
        const v = Number((await c.get('w:n')) ?? '0');
        if (await c.multi().set('w:n', String(v + 1)).exec()) done++;
      }
    };
    await Promise.all([a, b, client(), client()].map(incr10));
    expect(await a.get('w:n')).toBe('40');
  });

  it('reconnects after CLIENT KILL and keeps its db', async () => {
    const r = client({ db: 3, retryStrategy: () => 50 });
    const killer = client();
    await r.set('rc:key', 'in-db-3');
    const id = (await r.client('ID')) as number;
    let reconnecting = 0;
    r.on('reconnecting', () => reconnecting++);
    const ready = new Promise<void>((resolve) => r.once('ready', () => resolve()));
    expect(await killer.client('KILL', 'ID', String(id))).toBe(1);
    await ready;
    expect(reconnecting).toBeGreaterThan(0);
    expect(await r.get('rc:key')).toBe('in-db-3');
    const id2 = (await r.client('ID')) as number;
    expect(id2).not.toBe(id);
    expect(await killer.get('rc:key')).toBeNull(); // killer is on db 0
    // commands issued while the connection is down are queued and replayed
    await killer.client('KILL', 'ID', String(id2));
    expect(await r.incr('rc:n')).toBe(1);
    expect(await r.incr('rc:n')).toBe(2);
  });

  it('the db option selects the database', async () => {
    const d5 = client({ db: 5 });
    const d0 = client();
    await d5.set('sel:x', 'five');
    expect(await d5.get('sel:x')).toBe('five');
    expect(await d0.get('sel:x')).toBeNull();
    const list = (await d5.client('LIST')) as string;
    const myId = (await d5.client('ID')) as number;
    const me = list.split('\n').find((l) => l.startsWith(`id=${myId} `));
    expect(me).toContain(' db=5 ');
    await expect(d0.select(99)).rejects.toThrow('ERR DB index is out of range');
    expect(await d0.get('sel:x')).toBeNull();
  });

  it('auth with a password (and failures)', async () => {
    const ok = client({ password: 's3cret' }, authSrv);
    expect(await ok.set('a:k', 'v')).toBe('OK');
    expect(await ok.get('a:k')).toBe('v');
    const withUser = client({ username: 'default', password: 's3cret', db: 2 }, authSrv);
    expect(await withUser.get('a:k')).toBeNull();
    expect(await withUser.set('a:k', 'two')).toBe('OK');
    const errors: string[] = [];
    const wrong = new Redis({ port: authSrv.port, host: '127.0.0.1', password: 'nope', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    clients.push(wrong);
    wrong.on('error', (e: Error) => errors.push(e.message));
    await wrong.connect().catch((e: Error) => errors.push(e.message));
    expect(errors.join('\n')).toContain('WRONGPASS invalid username-password pair or user is disabled.');
    const none = new Redis({ port: authSrv.port, host: '127.0.0.1', enableReadyCheck: false, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    clients.push(none);
    none.on('error', () => {});
    await expect(none.get('a:k')).rejects.toThrow('NOAUTH Authentication required.');
    expect(await none.auth('s3cret')).toBe('OK');
    expect(await none.get('a:k')).toBe('v');
  });
});
