// Why: a server on a network gets garbage, binary, huge and abandoned input. Each protocol error
// must close only the offending connection with Redis's exact error, binary data must round-trip,
// and floods (10k connections, killed pipelines, 100 MB values, query-buffer overflows) must leave
// the server up and answering — compared against the reference server wherever behaviour is visible.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Differential, type DiffPair } from './support/diff.js';
import { RawClient, encodeCommand } from './support/raw-client.js';
import type { ServerHandle } from './support/servers.js';

let d: Differential;
/** servers with requirepass and a 1 MB query buffer limit */
let lim: Differential;
let p: DiffPair;

beforeAll(async () => {
  [d, lim] = await Promise.all([
    Differential.start(),
    Differential.start(['--requirepass', 'pw', '--client-query-buffer-limit', '1mb'], ['--requirepass', 'pw', '--client-query-buffer-limit', '1mb']),
  ]);
  p = await d.connect();
});
afterAll(async () => {
  await Promise.all([d?.stop(), lim?.stop()]);
});

interface Outcome {
  closed: boolean;
  got: string;
}

interface OutcomeOpts {
  /** AUTH with this password first */
  auth?: string;
  /** how long to wait for the server to close the connection */
  waitMs?: number;
  /** first wait (up to 10 s) until this many reply bytes have arrived, so a slow machine is not a failure */
  expectBytes?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Write raw bytes on a fresh connection; report what came back and whether the server closed it. */
async function rawOutcome(port: number, payload: string | Buffer, opts: OutcomeOpts = {}): Promise<Outcome> {
  const c = await RawClient.connect(port);
  if (opts.auth) expect(await c.call('AUTH', opts.auth)).toBe('+OK\r\n');
  c.writeRaw(payload);
  const deadline = Date.now() + 10_000;
  while (opts.expectBytes && !c.closed && c.pending().length < opts.expectBytes && Date.now() < deadline) await sleep(10);
  const closed = await c.waitClose(opts.waitMs ?? 1500);
  const got = c.pending();
  c.close();
  return { closed, got };
}

async function sameOutcome(srv: Differential, payload: string | Buffer, opts: OutcomeOpts = {}): Promise<Outcome> {
  const [e, r] = await Promise.all([rawOutcome(srv.eddyServer.port, payload, opts), rawOutcome(srv.redisServer.port, payload, opts)]);
  const what = JSON.stringify((typeof payload === 'string' ? payload : payload.toString('latin1')).slice(0, 80));
  expect(e, `outcome of ${what}`).toEqual(r);
  return e;
}

const perr = (msg: string) => `-ERR Protocol error: ${msg}\r\n`;

describe('malformed RESP', () => {
  const closing: [string, string][] = [
    ['*abc\r\n', perr('invalid multibulk length')],
    ['*3000000000\r\n', perr('invalid multibulk length')],
    ['*1\r\n$abc\r\n', perr('invalid bulk length')],
    ['*1\r\n$-5\r\n', perr('invalid bulk length')],
    ['*1\r\n$-1\r\n', perr('invalid bulk length')],
    ['*1\r\n$+4\r\nPING\r\n', perr('invalid bulk length')],
    ['*1\r\n$536870913\r\n', perr('invalid bulk length')],
    ['*1\r\n$99999999999999999999999\r\n', perr('invalid bulk length')],
    ['*2\r\n$3\r\nGET\r\nfoo\r\n', perr("expected '$', got 'f'")],
    ['*1\r\n:1\r\n', perr("expected '$', got ':'")],
    ['SET a "b\r\n', perr('unbalanced quotes in request')],
    ["SET a 'b'c\r\n", perr('unbalanced quotes in request')],
    ['SET a "b"c\r\n', perr('unbalanced quotes in request')],
    ['a'.repeat(70_000), perr('too big inline request')],
    ['*' + '1'.repeat(70_000), perr('too big mbulk count string')],
    ['*1\r\n$' + '1'.repeat(70_000), perr('too big bulk count string')],
    // requests before the bad one in the same packet still run
    ['PING\r\n*1\r\nx\r\n', '+PONG\r\n' + perr("expected '$', got 'x'")],
    ['*1\r\n$4\r\nPING\r\n*x\r\n', '+PONG\r\n' + perr('invalid multibulk length')],
    ['ECHO "a b"\r\nSET x "y\r\nPING\r\n', '$3\r\na b\r\n' + perr('unbalanced quotes in request')],
    // a NUL hides the newline from Redis's strchr(): the line never ends, until it is too big
    ['PING\r\n\x00' + 'PING\r\n'.repeat(12_000), '+PONG\r\n' + perr('too big inline request')],
  ];
  for (const [input, expected] of closing) {
    it(`closes with the exact error: ${JSON.stringify(input.slice(0, 40))}`, async () => {
      const o = await sameOutcome(d, input);
      expect(o).toEqual({ closed: true, got: expected });
      await p.run(['PING']); // everyone else is fine
    });
  }

  it('odd but valid input keeps the connection open', async () => {
    for (const [input, expected] of [
      ['*-1\r\nPING\r\n', '+PONG\r\n'],
      ['*0\r\n*1\r\n$4\r\nPING\r\n', '+PONG\r\n'],
      // the two bytes after a bulk are skipped, not checked
      ['*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n', '+PONG\r\n+PONG\r\n'],
      ['\r\n\n   \r\nPING\n', '+PONG\r\n'],
      ['ECHO "\\x00\\xff\\r\\n"\r\n', '$4\r\n\x00\xff\r\n\r\n'],
      ['*1\r\n$536870912\r\n', ''], // exactly proto-max-bulk-len: accepted, waits for the data
      ['*1\r\n$4\r\nPI', ''],
      ['\x01\x02 x\r\n', "-ERR unknown command '\x01\x02', with args beginning with: 'x' \r\n"],
      // Redis looks for an inline request's newline with strchr(): after a raw NUL it waits
      ['ECHO a\r\n\x00\x01\x02 x\r\nECHO b\r\n', '$1\r\na\r\n'],
      ['ECHO "a\x00b"\r\nPING\r\n', ''],
    ] as [string, string][]) {
      const o = await sameOutcome(d, input, { waitMs: 300, expectBytes: expected.length });
      expect(o).toEqual({ closed: false, got: expected });
    }
  });

  it('unauthenticated clients get tighter limits', async () => {
    expect(await sameOutcome(lim, '*11\r\n')).toEqual({ closed: true, got: perr('unauthenticated multibulk length') });
    expect(await sameOutcome(lim, '*1\r\n$16385\r\n')).toEqual({ closed: true, got: perr('unauthenticated bulk length') });
    expect(await sameOutcome(lim, '*2\r\n$4\r\nECHO\r\n$16384\r\n' + 'x'.repeat(16384) + '\r\n', { waitMs: 300, expectBytes: 34 })).toEqual({
      closed: false,
      got: '-NOAUTH Authentication required.\r\n',
    });
    expect(await sameOutcome(lim, '*11\r\n', { auth: 'pw', waitMs: 300 })).toEqual({ closed: false, got: '' });
  });
});

describe('binary safety', () => {
  it('keys and values with \\0, \\r\\n and every byte round-trip', async () => {
    let all = '';
    for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
    const keys = ['\x00', '\r\n', 'a\x00b', '*1\r\n$4\r\nPING\r\n', all, '\xff\xfe', ' ', '"\'', '\r', '\n'];
    for (const resp of [2, 3] as const) {
      const q = await d.connect(resp);
      for (const [i, k] of keys.entries()) {
        const v = k + all + String(i);
        await q.run(['SET', k, v]);
        expect(await q.run(['GET', k])).toBe(`$${v.length}\r\n${v}\r\n`);
        await q.run(['STRLEN', k]);
        await q.run(['APPEND', k, '\x00\r\n']);
        await q.run(['GETRANGE', k, '-3', '-1']);
        await q.run(['EXISTS', k]);
        await q.run(['TYPE', k]);
      }
      await q.run(['MGET', ...keys, 'missing\x00']);
      await q.run(['DEL', ...keys]);
      await q.run(['MGET', ...keys]);
    }
  });
});

/** Open `n` connections in batches, each proven accepted by a PING. */
async function openMany(port: number, n: number, batch = 500): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    const opened = await Promise.all(
      Array.from(
        { length: k },
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const s = net.connect(port, '127.0.0.1');
            s.once('error', reject);
            s.once('connect', () => s.write('PING\r\n'));
            s.once('data', (b) => (b.toString() === '+PONG\r\n' ? resolve(s) : reject(new Error(`unexpected ${JSON.stringify(b.toString())}`))));
          }),
      ),
    );
    socks.push(...opened);
  }
  return socks;
}

/** What the server says to one more connection. */
function extraConnection(port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    let closed = false;
    s.on('data', (b) => (got += b.toString('latin1')));
    s.on('error', () => {});
    s.once('close', () => {
      closed = true;
      resolve({ closed, got });
    });
    s.once('connect', () => s.write('PING\r\n'));
    setTimeout(() => {
      s.destroy();
      resolve({ closed, got });
    }, 2000);
  });
}

async function clientCount(c: RawClient): Promise<number> {
  const r = await c.call('CLIENT', 'LIST');
  return r.split('\n').filter((l) => l.includes('id=')).length;
}

describe('connection floods', () => {
  it('10k concurrent connections, then the 10001st is refused like redis (maxclients 10000)', async () => {
    const outcomes: Outcome[] = [];
    // One server at a time: the test process holds ~10k sockets per server.
    for (const srv of [d.eddyServer, d.redisServer] as ServerHandle[]) {
      const ctl = await RawClient.connect(srv.port);
      const base = await clientCount(ctl); // the differential pair + ctl
      const socks = await openMany(srv.port, 10_000 - base);
      expect(await clientCount(ctl)).toBe(10_000);
      outcomes.push(await extraConnection(srv.port));
      // every held connection still works
      const sample = socks.filter((_, i) => i % 997 === 0);
      await Promise.all(
        sample.map(
          (s) =>
            new Promise<void>((resolve, reject) => {
              s.once('data', (b) => (b.toString() === '$2\r\nhi\r\n' ? resolve() : reject(new Error(b.toString()))));
              s.write('ECHO hi\r\n');
            }),
        ),
      );
      for (const s of socks) s.destroy();
      // the server notices every close and is usable again
      const deadline = Date.now() + 10_000;
      while ((await clientCount(ctl)) > base && Date.now() < deadline) await sleep(50);
      expect(await clientCount(ctl)).toBe(base);
      expect(await ctl.call('PING')).toBe('+PONG\r\n');
      const again = await openMany(srv.port, 100);
      for (const s of again) s.destroy();
      ctl.close();
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]).toEqual({ closed: true, got: '-ERR max number of clients reached\r\n' });
    await p.run(['PING']);
  });

  it('a client killed mid-pipeline does not disturb others', async () => {
    const port = d.eddyServer.port;
    const N = 40_000;
    const all = Buffer.from(Array.from({ length: N }, (_, i) => encodeCommand(['SET', `kill:${i}`, 'v'.repeat(100)])).join(''), 'latin1');
    const other = await RawClient.connect(port);
    const victims: Promise<void>[] = [];
    for (let round = 0; round < 5; round++) {
      victims.push(
        new Promise<void>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          s.on('error', () => {});
          s.once('connect', () => {
            // half the pipeline, cut in the middle of a command, then gone
            s.write(all.subarray(0, Math.floor(all.length / 2) + 17 * round + 3), () => {
              s.destroy();
              resolve();
            });
          });
        }),
      );
      // meanwhile another client works normally
      for (let i = 0; i < 50; i++) other.send('INCR', 'kill:counter');
      for (let i = 0; i < 50; i++) expect(await other.read()).toBe(`:${round * 50 + i + 1}\r\n`);
    }
    await Promise.all(victims);
    // a client that disconnects while a big reply is being written to it
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.once('connect', () => {
        s.write(encodeCommand(['SET', 'kill:big', 'x'.repeat(1 << 20)]) + encodeCommand(['GET', 'kill:big']).repeat(200));
        s.once('data', () => {
          s.destroy();
          resolve();
        });
      });
    });
    expect(await other.call('PING')).toBe('+PONG\r\n');
    // what ran of the killed pipelines is a prefix of it (commands run in order, none half-applied)
    const probe = Array.from({ length: N }, (_, i) => encodeCommand(['EXISTS', `kill:${i}`])).join('');
    other.writeRaw(probe);
    let seenMissing = false;
    let present = 0;
    for (let i = 0; i < N; i++) {
      const r = await other.read();
      if (r === ':1\r\n') {
        expect(seenMissing, `kill:${i} exists after a missing key`).toBe(false);
        present++;
      } else seenMissing = true;
    }
    expect(present).toBeLessThan(N / 2 + 1);
    expect(await other.call('STRLEN', 'kill:big')).toBe(':1048576\r\n');
    other.close();
    await p.run(['PING']);
  });
});

/** Send GET for a huge value and check the reply bytes without building giant strings. */
function getHuge(port: number, key: string, expectLen: number, fill: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let total = 0;
    const header = Buffer.from(`$${expectLen}\r\n`);
    const want = header.length + expectLen + 2;
    s.on('error', reject);
    s.on('data', (b: Buffer) => {
      chunks.push(b);
      total += b.length;
      if (total < want) return;
      s.destroy();
      const all = Buffer.concat(chunks, total);
      try {
        expect(total).toBe(want);
        expect(all.subarray(0, header.length).equals(header)).toBe(true);
        expect(all.subarray(all.length - 2).toString()).toBe('\r\n');
        const body = all.subarray(header.length, all.length - 2);
        // every byte is the fill byte except a marker at both ends
        expect(body[0]).toBe(0x41);
        expect(body[body.length - 1]).toBe(0x5a);
        expect(body.indexOf(0x41, 1)).toBe(-1);
        expect(body.lastIndexOf(0x5a, body.length - 2)).toBe(-1);
        let odd = -1;
        for (let i = 1; i < body.length - 1; i++) {
          if (body[i] !== fill) {
            odd = i;
            break;
          }
        }
        expect(odd).toBe(-1);
        resolve();
      } catch (e) {
        reject(e);
      }
    });
    s.once('connect', () => s.write(encodeCommand(['GET', key])));
  });
}

describe('big values', () => {
  it('100 MB bulk value: SET / GET / STRLEN / GETRANGE', async () => {
    const size = 100 * 1024 * 1024;
    const value = Buffer.alloc(size, 0x00);
    value[0] = 0x41;
    value[size - 1] = 0x5a;
    const payload = Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$7\r\nhuge:v1\r\n$${size}\r\n`), value, Buffer.from('\r\n')]);
    for (const srv of [d.eddyServer, d.redisServer]) {
      const c = await RawClient.connect(srv.port);
      c.writeRaw(payload);
      expect(await c.read(30_000)).toBe('+OK\r\n');
      expect(await c.call('STRLEN', 'huge:v1')).toBe(`:${size}\r\n`);
      expect(await c.call('GETRANGE', 'huge:v1', '-3', '-1')).toBe('$3\r\n\x00\x00Z\r\n');
      expect(await c.call('GETRANGE', 'huge:v1', '0', '1')).toBe('$2\r\nA\x00\r\n');
      await getHuge(srv.port, 'huge:v1', size, 0x00);
      expect(await c.call('DEL', 'huge:v1')).toBe(':1\r\n');
      c.close();
    }
    await p.run(['PING']);
  });

  it('query buffer limit: an argument bigger than client-query-buffer-limit closes the client silently', async () => {
    const big = (n: number) => 'y'.repeat(n);
    const set = (n: number) => encodeCommand(['SET', 'qb', big(n)]);
    const auth = { auth: 'pw' };
    // complete 2 MB argument: closed without a reply, even with a valid command after it
    expect(await sameOutcome(lim, set(2 << 20) + encodeCommand(['PING']), auth)).toEqual({ closed: true, got: '' });
    // just under the limit: fine
    expect(await sameOutcome(lim, set(900 * 1024) + encodeCommand(['PING']), { ...auth, waitMs: 500, expectBytes: 12 })).toEqual({
      closed: false,
      got: '+OK\r\n+PONG\r\n',
    });
    // only part of a declared 2 MB argument: closed once more than the limit has arrived
    expect(await sameOutcome(lim, `*3\r\n$3\r\nSET\r\n$2\r\nqb\r\n$${2 << 20}\r\n` + big(1100 * 1024), auth)).toEqual({ closed: true, got: '' });
    expect(await sameOutcome(lim, `*3\r\n$3\r\nSET\r\n$2\r\nqb\r\n$${2 << 20}\r\n` + big(900 * 1024), { ...auth, waitMs: 500 })).toEqual({
      closed: false,
      got: '',
    });
    // a long pipeline is consumed as it arrives, so it never hits the limit
    const pipeline = Array.from({ length: 60_000 }, (_, i) => encodeCommand(['SET', `qp:${i}`, 'v'.repeat(40)])).join('');
    expect(pipeline.length).toBeGreaterThan(4 << 20);
    const [e, r] = await Promise.all([
      rawOutcome(lim.eddyServer.port, pipeline, { ...auth, waitMs: 300, expectBytes: 5 * 60_000 }),
      rawOutcome(lim.redisServer.port, pipeline, { ...auth, waitMs: 300, expectBytes: 5 * 60_000 }),
    ]);
    expect(e).toEqual(r);
    expect(e).toEqual({ closed: false, got: '+OK\r\n'.repeat(60_000) });
    // and so is one command with many arguments whose total exceeds the limit
    const keys = Array.from({ length: 150_000 }, (_, i) => `qk:${i}`);
    expect(await sameOutcome(lim, encodeCommand(['DEL', ...keys]), { ...auth, waitMs: 300, expectBytes: 4 })).toEqual({ closed: false, got: ':0\r\n' });
    // both servers are still up
    const [ce, cr] = await Promise.all([RawClient.connect(lim.eddyServer.port), RawClient.connect(lim.redisServer.port)]);
    expect(await ce.call('PING')).toBe(await cr.call('PING'));
    ce.close();
    cr.close();
  });
});
