// Why: pub/sub against the reference redis-server with several connections at once — every message
// each subscriber receives and its order (RESP2 and RESP3, binary channels, glob patterns), the
// subscribed-context rules, PUBSUB introspection, keyspace notifications for several
// notify-keyspace-events settings, and ioredis's subscriber mode against eddy.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Differential, Rng, seeds, show, splitAggregate, type DiffPair } from './support/diff.js';
import type { RawClient, Reply } from './support/raw-client.js';
import { Config, findParam, formatValue, parseValue } from '../src/server/config.js';
import { PubSub } from '../src/server/pubsub.js';
import type { Server } from '../src/server/server.js';
import type { Client } from '../src/server/client.js';

const bulk = (s: string) => '$' + s.length + '\r\n' + s + '\r\n';

function bulkText(item: string | undefined): string | null {
  if (item === undefined || item[0] !== '$') return null;
  const nl = item.indexOf('\r\n');
  const n = Number(item.slice(1, nl));
  return n < 0 ? null : item.slice(nl + 2, nl + 2 + n);
}

/** 'message', 'pmessage', 'subscribe'... for a pub/sub push; '' for anything else. */
function kindOf(r: Reply): string {
  if (r[0] !== '*' && r[0] !== '>') return '';
  const s = splitAggregate(r);
  return s ? (bulkText(s[1][0]) ?? '') : '';
}

/**
 * Redis leaves two orders to its hash tables: pmessages of one PUBLISH (server pattern dict) and
 * UNSUBSCRIBE/SUNSUBSCRIBE without arguments (the client's channel dict). Runs of those are
 * compared as sorted pmessages / sorted channels + the count sequence; everything else exactly.
 */
function normalise(list: Reply[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; ) {
    const k = kindOf(list[i]);
    if (k !== 'pmessage' && k !== 'unsubscribe' && k !== 'sunsubscribe') {
      out.push(list[i++]);
      continue;
    }
    let j = i;
    while (j < list.length && kindOf(list[j]) === k) j++;
    const run = list.slice(i, j);
    if (k === 'pmessage') out.push(...[...run].sort());
    else {
      const items = run.map((r) => splitAggregate(r)![1]);
      out.push(`${run[0][0]} ${k} ${JSON.stringify(items.map((x) => x[1]).sort())} counts ${items.map((x) => x[2]).join('')}`);
    }
    i = j;
  }
  return out;
}

let token = 0;
/** Everything a connection received up to the reply of a PING barrier. */
async function collect(rc: RawClient, tok: string): Promise<Reply[]> {
  rc.send('PING', tok);
  const out: Reply[] = [];
  for (;;) {
    const r = await rc.read();
    if (r === bulk(tok) || r === '*2\r\n$4\r\npong\r\n' + bulk(tok)) return out;
    out.push(r);
  }
}

/** Drain both sides of a pair up to a barrier and compare what they received. */
async function sync(p: DiffPair, what: string): Promise<Reply[]> {
  const tok = 'barrier-' + ++token;
  const [e, r] = await Promise.all([collect(p.eddy, tok), collect(p.redis, tok)]);
  if (e.join('') !== r.join('')) {
    const ne = normalise(e);
    const nr = normalise(r);
    if (ne.join('\n') !== nr.join('\n')) {
      throw new Error(`messages differ after ${what}\n  eddy : ${e.map(show).join(' ')}\n  redis: ${r.map(show).join(' ')}`);
    }
  }
  return e;
}

/** Send argv on one pair without reading, then drain it and every other pair, in that order. */
async function step(on: DiffPair, argv: string[], all: DiffPair[]): Promise<Map<DiffPair, Reply[]>> {
  on.eddy.send(...argv);
  on.redis.send(...argv);
  const what = JSON.stringify(argv);
  const got = new Map<DiffPair, Reply[]>();
  got.set(on, await sync(on, what));
  // Only now: the command has run on both servers, so its messages precede the other barriers.
  const rest = all.filter((p) => p !== on);
  const rs = await Promise.all(rest.map((p) => sync(p, what)));
  rest.forEach((p, i) => got.set(p, rs[i]));
  return got;
}

let d: Differential;
let open: DiffPair[] = [];

/** A connection pair closed after the test, so no subscriber outlives its test. */
async function conn(resp: 2 | 3 = 2): Promise<DiffPair> {
  const p = await d.connect(resp);
  open.push(p);
  return p;
}

beforeAll(async () => {
  d = await Differential.start();
});
afterEach(async () => {
  for (const p of open) p.close();
  open = [];
  await new Promise((r) => setTimeout(r, 30));
});
afterAll(async () => {
  await d?.stop();
});

const CHANNELS = ['a', 'ab', 'news.sport', 'news.tech', 'hello', 'hallo', 'h*llo', 'h?llo', '[x]', 'x\x00y', '\xff\xfe', 'a\r\nb', '', '\\', 'news.[a-z]', 'Hello'];
const PATTERNS = ['*', 'a*', 'news.*', 'h?llo', 'h[ae]llo', 'h[^e]llo', 'h\\*llo', '[a-c]*', 'x\x00*', '\xff*', '*\n*', '[', '\\', 'news.[a-s]*', '[^a]*', '?', 'h[a-e]llo', 'news.\\[a-z]', '[x]', '*[', 'H*'];
const MESSAGES = ['hi', '', 'bin\x00\xff\r\n', 'x'.repeat(300)];

describe('pub/sub differential', () => {
  for (const seed of seeds([1, 2, 3])) {
    it(`random subscribe/publish sequences (seed ${seed})`, async () => {
      const rng = new Rng(seed);
      const subs: DiffPair[] = [];
      for (const resp of [2, 3, 2, 3] as const) subs.push(await conn(resp));
      const pub = await conn(2);
      const all = [...subs, pub];
      const seen = new Map<string, number>();
      const count = (got: Map<DiffPair, Reply[]>) => {
        for (const list of got.values()) for (const r of list) seen.set(kindOf(r), (seen.get(kindOf(r)) ?? 0) + 1);
      };
      const some = (xs: readonly string[], max: number) => Array.from({ length: rng.int(1, max) }, () => rng.pick(xs));
      for (let i = 0; i < 500; i++) {
        const x = rng.next();
        const s = rng.pick(subs);
        if (x < 0.14) count(await step(s, ['SUBSCRIBE', ...some(CHANNELS, 3)], all));
        else if (x < 0.2) count(await step(s, ['UNSUBSCRIBE', ...(rng.bool(0.3) ? [] : some(CHANNELS, 2))], all));
        else if (x < 0.32) count(await step(s, ['PSUBSCRIBE', ...some(PATTERNS, 2)], all));
        else if (x < 0.38) count(await step(s, ['PUNSUBSCRIBE', ...(rng.bool(0.3) ? [] : some(PATTERNS, 2))], all));
        else if (x < 0.43) count(await step(s, ['SSUBSCRIBE', ...some(CHANNELS, 2)], all));
        else if (x < 0.46) count(await step(s, ['SUNSUBSCRIBE', ...(rng.bool(0.3) ? [] : some(CHANNELS, 2))], all));
        else if (x < 0.7) {
          const argv = ['PUBLISH', rng.pick(CHANNELS), rng.pick(MESSAGES)];
          await pub.run(argv);
          count(await step(pub, ['ECHO', 'after-publish'], all));
        } else if (x < 0.76) {
          await pub.run(['SPUBLISH', rng.pick(CHANNELS), rng.pick(MESSAGES)]);
          count(await step(pub, ['ECHO', 'after-spublish'], all));
        } else if (x < 0.82) {
          // A subscriber publishing: allowed in RESP3 (its own message precedes the reply), an error in RESP2.
          count(await step(s, [rng.pick(['PUBLISH', 'SPUBLISH']), rng.pick(CHANNELS), rng.pick(MESSAGES)], all));
        } else if (x < 0.85) {
          count(await step(s, rng.pick([['GET', 'k'], ['PUBSUB', 'NUMPAT'], ['PING'], ['ECHO', 'e']]), all));
        } else {
          const intro = rng.pick([
            ['PUBSUB', 'CHANNELS'],
            ['PUBSUB', 'CHANNELS', rng.pick(PATTERNS)],
            ['PUBSUB', 'SHARDCHANNELS'],
            ['PUBSUB', 'SHARDCHANNELS', rng.pick(PATTERNS)],
            ['PUBSUB', 'NUMSUB', ...some(CHANNELS, 4)],
            ['PUBSUB', 'SHARDNUMSUB', ...some(CHANNELS, 4)],
            ['PUBSUB', 'NUMSUB'],
            ['PUBSUB', 'NUMPAT'],
          ]);
          await pub.run(intro, { unordered: intro[1].endsWith('CHANNELS') });
        }
      }
      // The sequence really exercised the fan-out.
      for (const k of ['message', 'pmessage', 'smessage', 'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe']) {
        expect(seen.get(k) ?? 0, k).toBeGreaterThan(3);
      }
    });
  }

  it('several matching patterns, channel messages first, empty channel never matches *', async () => {
    const s2 = await conn(2);
    const s3 = await conn(3);
    const pub = await conn(2);
    const all = [s2, s3, pub];
    await step(s2, ['PSUBSCRIBE', '*', 'h*', 'h?llo', 'h[ae]llo', 'x'], all);
    await step(s2, ['SUBSCRIBE', 'hello', 'hello'], all);
    await step(s3, ['PSUBSCRIBE', 'h*', '*'], all);
    await step(s3, ['SUBSCRIBE', 'hello'], all);
    expect(await pub.run(['PUBLISH', 'hello', 'm'])).toBe(':8\r\n');
    const got = await step(pub, ['ECHO', 'x'], all);
    expect(got.get(s2)!.map(kindOf)).toEqual(['message', 'pmessage', 'pmessage', 'pmessage', 'pmessage']);
    expect(got.get(s3)!.map((r) => r.slice(0, 2))).toEqual(['>3', '>4', '>4']);
    expect(await pub.run(['PUBLISH', '', 'm'])).toBe(':0\r\n');
    expect(await pub.run(['PUBSUB', 'NUMPAT'])).toBe(':5\r\n');
    await pub.run(['PUBSUB', 'NUMSUB', 'hello', 'h*', 'nope']);
    // PUNSUBSCRIBE without arguments goes in subscription order (compared exactly).
    const un = await step(s2, ['PUNSUBSCRIBE'], all);
    expect(un.get(s2)!.length).toBe(5);
    await step(s2, ['PUNSUBSCRIBE'], all);
    await step(s2, ['UNSUBSCRIBE', 'nope', 'hello', 'hello'], all);
    await step(s2, ['GET', 'k'], all);
  });

  it('RESP2 subscribed context: only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET', async () => {
    const s = await conn(2);
    const pub = await conn(2);
    const all = [s, pub];
    await step(s, ['SSUBSCRIBE', 'shard'], all);
    for (const argv of [
      ['GET', 'k'],
      ['SET', 'k', 'v'],
      ['PUBLISH', 'a', 'b'],
      ['PUBSUB', 'NUMPAT'],
      ['CLIENT', 'ID'],
      ['HELLO', '3'],
      ['MULTI'],
      ['SELECT', '0'],
      ['ECHO', 'x'],
      ['nosuchcommand', 'x'],
      ['GET'],
      ['PING'],
      ['PING', 'x\x00y'],
      ['PING', 'a', 'b'],
      ['SUBSCRIBE', 'a'],
      ['UNSUBSCRIBE', 'a'],
      ['GET', 'k'],
      ['SUNSUBSCRIBE'],
      ['GET', 'k'],
      ['PING'],
      ['PSUBSCRIBE', 'p*'],
      ['UNSUBSCRIBE'],
      ['GET', 'k'],
      ['PUNSUBSCRIBE', 'p*'],
      ['GET', 'k'],
      ['UNSUBSCRIBE'],
      ['PUNSUBSCRIBE'],
      ['SUNSUBSCRIBE'],
    ]) {
      await step(s, argv, all);
    }
    // RESET leaves subscribed mode silently and drops every subscription.
    await step(s, ['SUBSCRIBE', 'a', 'b'], all);
    await step(s, ['PSUBSCRIBE', 'a*'], all);
    await step(s, ['SSUBSCRIBE', 'a'], all);
    const r = await step(s, ['RESET'], all);
    expect(r.get(s)).toEqual(['+RESET\r\n']);
    await step(s, ['GET', 'k'], all);
    expect(await pub.run(['PUBLISH', 'a', 'x'])).toBe(':0\r\n');
    expect(await pub.run(['SPUBLISH', 'a', 'x'])).toBe(':0\r\n');
    expect(await pub.run(['PUBSUB', 'NUMPAT'])).toBe(':0\r\n');
    await step(pub, ['ECHO', 'x'], all);
    // QUIT while subscribed: +OK, the connection closes and the subscriptions go with it.
    await step(s, ['SUBSCRIBE', 'q'], all);
    expect(await pub.run(['PUBSUB', 'NUMSUB', 'q'])).toBe('*2\r\n$1\r\nq\r\n:1\r\n');
    s.eddy.send('QUIT');
    s.redis.send('QUIT');
    expect(await s.readBoth('QUIT')).toBe('+OK\r\n');
    expect(await Promise.all([s.eddy.waitClose(), s.redis.waitClose()])).toEqual([true, true]);
    expect(await pub.run(['PUBSUB', 'NUMSUB', 'q'])).toBe('*2\r\n$1\r\nq\r\n:0\r\n');
    pub.close();
  });

  it('RESP3: pushes interleave with ordinary replies, no context restriction', async () => {
    const s = await conn(3);
    const s2 = await conn(2);
    const all = [s, s2];
    await step(s, ['SUBSCRIBE', 'c1', 'c2'], all);
    await step(s2, ['SUBSCRIBE', 'c1'], all);
    await step(s, ['GET', 'k'], all);
    await step(s, ['PING'], all);
    const r = await step(s, ['PUBLISH', 'c1', 'm'], all);
    expect(r.get(s)).toEqual(['>3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$1\r\nm\r\n', ':2\r\n']);
    await step(s, ['UNSUBSCRIBE', 'c2'], all);
    await step(s, ['UNSUBSCRIBE'], all);
    await step(s, ['UNSUBSCRIBE'], all); // nothing left: a null channel
    await step(s, ['PUNSUBSCRIBE'], all);
    await step(s, ['SSUBSCRIBE', 's1'], all);
    await step(s, ['SPUBLISH', 's1', 'm'], all);
    // RESET also returns to RESP2
    await step(s, ['RESET'], all);
    await step(s, ['GET', 'k'], all);
  });

  it('inside MULTI, CLIENT REPLY OFF/SKIP', async () => {
    for (const resp of [2, 3] as const) {
      const s = await conn(resp);
      const pub = await conn(2);
      const all = [s, pub];
      // (A PING barrier would be queued: the whole transaction goes first.)
      for (const argv of [['MULTI'], ['SUBSCRIBE', 'a', 'b'], ['PUBLISH', 'a', 'x'], ['PSUBSCRIBE', '*'], ['PUBLISH', 'a', 'y'], ['SSUBSCRIBE', 's']]) {
        s.eddy.send(...argv);
        s.redis.send(...argv);
      }
      const ex = await step(s, ['EXEC'], all);
      // +OK, 5 x +QUEUED, then EXEC's array (its count is per command, SUBSCRIBE a b adds two pushes)
      expect(ex.get(s)!.slice(0, 6)).toEqual(['+OK\r\n', ...Array(5).fill('+QUEUED\r\n')]);
      expect(ex.get(s)![6].startsWith('*5\r\n' + (resp === 3 ? '>' : '*') + '3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n')).toBe(true);
      await pub.run(['PUBLISH', 'a', 'z']);
      await step(pub, ['ECHO', 'x'], all);
      await step(s, ['RESET'], all);
      if (resp === 3) await s.run(['HELLO', '3'], { ignore: true });
      // Pushes ignore CLIENT REPLY OFF / SKIP; ordinary replies do not. (In RESP2 the CLIENT REPLY ON
      // is refused in subscribed mode, so replies stay off: a published message is the barrier.)
      for (const argv of [['CLIENT', 'REPLY', 'OFF'], ['SUBSCRIBE', 'a'], ['PUBLISH', 'a', 'm1'], ['CLIENT', 'REPLY', 'ON'], ['GET', 'k']]) {
        s.eddy.send(...argv);
        s.redis.send(...argv);
      }
      await new Promise((r) => setTimeout(r, 50));
      await pub.run(['PUBLISH', 'a', 'm2']);
      const untilM2 = async (rc: RawClient) => {
        const out: Reply[] = [];
        do out.push(await rc.read());
        while (!out[out.length - 1].endsWith(bulk('m2')));
        return out;
      };
      const [e, r] = await Promise.all([untilM2(s.eddy), untilM2(s.redis)]);
      expect(e).toEqual(r);
      expect(e.length).toBe(resp === 3 ? 5 : 2);
      if (resp === 3) {
        // SKIP swallows the next command's reply (the PUBLISH), not its push
        for (const argv of [['CLIENT', 'REPLY', 'SKIP'], ['PUBLISH', 'a', 'm3']]) {
          s.eddy.send(...argv);
          s.redis.send(...argv);
        }
        const got = await sync(s, 'REPLY SKIP');
        expect(got).toEqual(['>3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nm3\r\n']);
      }
      s.close();
      pub.close();
    }
  });

  it('argument errors and PUBSUB HELP', async () => {
    const p = await conn(2);
    for (const argv of [
      ['PUBSUB'],
      ['PUBSUB', 'FOO'],
      ['PUBSUB', 'HELP'],
      ['PUBSUB', 'help', 'x'],
      ['PUBSUB', 'CHANNELS', 'a', 'b'],
      ['PUBSUB', 'channels', 'a', 'b', 'c'],
      ['PUBSUB', 'SHARDCHANNELS', 'a', 'b'],
      ['PUBSUB', 'NUMPAT', 'x'],
      ['PUBSUB', 'NUMSUB'],
      ['PUBSUB', 'SHARDNUMSUB'],
      ['PUBLISH', 'a'],
      ['PUBLISH', 'a', 'b', 'c'],
      ['SPUBLISH', 'a'],
      ['SUBSCRIBE'],
      ['PSUBSCRIBE'],
      ['SSUBSCRIBE'],
    ]) {
      await p.run(argv);
    }
    p.close();
  });
});

describe('notify-keyspace-events', () => {
  it('CONFIG GET shows the flags exactly as Redis normalises them', async () => {
    const ref = await conn(2);
    const redis = ref.redis;
    const param = findParam('notify-keyspace-events')!;
    const rng = new Rng(7);
    const combos = ['', 'A', 'An', 'AK', 'KEA', 'Ag', 'g$lshzxetd', 'g$lshzxetdn', 'g$lshzxet', 'nK', 'mK', 'EKmnA', 'de', 'Ex', 'lg', 'zyx', ' ', 'a', 'KK', 'AAm'];
    for (let i = 0; i < 150; i++) {
      let s = '';
      for (let j = rng.int(0, 8); j > 0; j--) s += rng.pick([...'Ag$lshzxeKEtmdn']);
      combos.push(s);
    }
    for (const f of combos) {
      const set = await redis.call('CONFIG', 'SET', 'notify-keyspace-events', f);
      const get = await redis.call('CONFIG', 'GET', 'notify-keyspace-events');
      let mine: string;
      try {
        mine = bulk(formatValue(param, parseValue(param, [f])));
        expect(set, f).toBe('+OK\r\n');
      } catch (e) {
        expect(set, f).toBe(`-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - ${(e as Error).message}\r\n`);
        continue;
      }
      expect('*2\r\n' + bulk('notify-keyspace-events') + mine, f).toBe(get);
    }
    // Through eddy's own CONFIG SET / GET, when the admin module provides it.
    const probe = await ref.eddy.call('CONFIG', 'GET', 'notify-keyspace-events');
    if (!probe.startsWith('-ERR unknown')) {
      for (const f of combos.slice(0, 60)) {
        await ref.run(['CONFIG', 'SET', 'notify-keyspace-events', f]);
        await ref.run(['CONFIG', 'GET', 'notify-keyspace-events']);
      }
      await ref.run(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    }
    await redis.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    ref.close();
  });

  it("class filtering is Redis's: 'A' excludes m and n, K and E pick the channels", () => {
    const cases: [string, string, string[]][] = [
      // flags, event class, channels published
      ['AKE', 'g', ['ke', 'ks']],
      ['AKE', 'x', ['ke', 'ks']],
      ['AKE', 'd', ['ke', 'ks']],
      ['AKE', 'm', []],
      ['AKE', 'n', []],
      ['A', 'g', []],
      ['KEm', 'm', ['ke', 'ks']],
      ['KEm', '$', []],
      ['nK', 'n', ['ks']],
      ['AnE', 'n', ['ke']],
      ['Ex', 'x', ['ke']],
      ['Ex', 'g', []],
      ['K$', '$', ['ks']],
      ['K$', 'e', []],
      ['Ke', 'e', ['ks']],
      ['KEt', 't', ['ke', 'ks']],
    ];
    for (const [flags, type, want] of cases) {
      const config = new Config();
      config.values.set('notify-keyspace-events', flags);
      const server = { config } as unknown as Server;
      const ps = new PubSub(server);
      const got: string[] = [];
      const fake = (tag: string) =>
        ({ resp: 2, subscriptions: new Set(), patterns: new Set(), shardChannels: new Set(), push: () => got.push(tag), pushLen: () => '' }) as unknown as Client;
      ps.subscribe(ps.pattern, fake('x'), '*'); // the subscribe confirmation
      got.length = 0;
      ps.subscribe(ps.pattern, fake('ks'), '__keyspace@*');
      ps.subscribe(ps.pattern, fake('ke'), '__keyevent@*');
      got.length = 0;
      ps.notify(type, 'ev', 'key', 0);
      expect(got.filter((t) => t !== 'x').sort(), `${flags} ${type}`).toEqual(want);
    }
  });

  // Every command the notification scripts use must exist in eddy (a missing one fails the test).
  async function available(p: DiffPair, names: string[]): Promise<Set<string>> {
    const ok = new Set<string>();
    for (const n of names) {
      const r = await p.eddy.call(n);
      if (r.startsWith('-ERR unknown command')) throw new Error(`eddy lacks ${n}`);
      ok.add(n);
    }
    return ok;
  }

  for (const flags of ['KEA', 'K$', 'Eg', 'KEx', 'AKEn', 'KEm', 'E$xn', 'Kgx', 'g$lshzxetdKE', 'A']) {
    it(`events for SET/DEL/EXPIRE/expired with '${flags}'`, async () => {
      const nd = await Differential.start(['--notify-keyspace-events', flags], ['--notify-keyspace-events', flags]);
      try {
        const w = await nd.connect(2);
        const s2 = await nd.connect(2);
        const s3 = await nd.connect(3);
        const all = [w, s2, s3];
        const has = await available(w, ['DEL', 'EXPIRE', 'PEXPIRE', 'SELECT', 'DBSIZE']);
        await step(s2, ['PSUBSCRIBE', '__key*__:*'], all);
        await step(s3, ['PSUBSCRIBE', '__keyevent@*__:*'], all);
        await step(s3, ['SUBSCRIBE', '__keyspace@0__:k1'], all);
        let received = 0;
        const drain = async () => {
          const [a, b] = await Promise.all([sync(s2, 'events'), sync(s3, 'events')]);
          received += a.length + b.length;
        };
        /** The writer runs argv; then (unless a timed sequence continues) the subscribers are compared. */
        const run = async (argv: string[], thenDrain = true) => {
          if (!has.has(argv[0]) && argv[0] !== 'SET' && argv[0] !== 'GET') return;
          await w.run(argv);
          if (thenDrain) await drain();
        };
        const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
        await run(['SET', 'k1', 'v']);
        await run(['SET', 'k1', 'v2']);
        await run(['GET', 'k1']);
        await run(['GET', 'missing']);
        await run(['SET', 'k\x00\xff', 'bin']);
        await run(['SELECT', '3']);
        await run(['SET', 'k1', 'db3']);
        await run(['SELECT', '0']);
        await run(['DEL', 'k1', 'missing', 'k\x00\xff']);
        await run(['SET', 't1', 'v']);
        await run(['EXPIRE', 't1', '100']);
        await run(['SET', 't2', 'v']);
        await run(['EXPIRE', 't2', '0']);
        if (has.has('PEXPIRE')) {
          // Active expiry: wait until each server reclaimed t1 (DBSIZE still counts an expired key
          // until then), and only then compare, so the timing of the cycles does not matter.
          const before = await w.redis.call('DBSIZE');
          await run(['PEXPIRE', 't1', '30'], false);
          if (has.has('DBSIZE')) {
            const want = ':' + (Number(before.slice(1)) - 1) + '\r\n';
            for (const rc of [w.eddy, w.redis]) {
              const deadline = Date.now() + 5000;
              while ((await rc.call('DBSIZE')) !== want && Date.now() < deadline) await sleep(20);
              expect(await rc.call('DBSIZE')).toBe(want);
            }
          } else await sleep(400);
          await drain();
          await run(['GET', 't1']);
          // Expired lazily by GET or actively just before: the same messages in one batch.
          await run(['SET', 't3', 'v']);
          await run(['PEXPIRE', 't3', '5'], false);
          await sleep(20);
          await run(['GET', 't3']);
        }
        // Classes the commands run here can produce (the others' modules may not be there yet).
        const produced = '$mnA' + (has.has('DEL') || has.has('EXPIRE') ? 'g' : '') + (has.has('PEXPIRE') ? 'x' : '');
        if (/[KE]/.test(flags) && [...flags].some((f) => produced.includes(f))) expect(received).toBeGreaterThan(0);
        else expect(received).toBe(0);
      } finally {
        await nd.stop();
      }
    });
  }
});

describe('ioredis subscriber against eddy', () => {
  it('subscribe / psubscribe / on(message) / unsubscribe', async () => {
    const sub = new Redis({ port: d.eddyServer.port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false });
    const pub = new Redis({ port: d.eddyServer.port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false });
    try {
      await Promise.all([sub.connect(), pub.connect()]);
      const messages: [string, string][] = [];
      const pmessages: [string, string, string][] = [];
      const buffers: Buffer[] = [];
      sub.on('message', (ch: string, m: string) => messages.push([ch, m]));
      sub.on('pmessage', (p: string, ch: string, m: string) => pmessages.push([p, ch, m]));
      sub.on('messageBuffer', (_ch: Buffer, m: Buffer) => buffers.push(m));
      expect(await sub.subscribe('news', 'sport')).toBe(2);
      expect(await sub.psubscribe('n*')).toBe(3);
      expect(await pub.publish('news', 'hello')).toBe(2);
      expect(await pub.publish('sport', Buffer.from([0, 255, 13, 10]))).toBe(1);
      expect(await pub.publish('other', 'x')).toBe(0);
      expect(await pub.pubsub('NUMSUB', 'news', 'x')).toEqual(['news', 1, 'x', 0]);
      expect(await pub.pubsub('NUMPAT')).toBe(1);
      await new Promise((r) => setTimeout(r, 50));
      expect(messages).toEqual([
        ['news', 'hello'],
        ['sport', Buffer.from([0, 255, 13, 10]).toString()],
      ]);
      expect(pmessages).toEqual([['n*', 'news', 'hello']]);
      expect(buffers[1]).toEqual(Buffer.from([0, 255, 13, 10]));
      expect(await sub.unsubscribe('news', 'sport')).toBe(1); // (ioredis's argument-less form never resolves, against Redis too)
      expect(await sub.punsubscribe('n*')).toBe(0);
      expect(await sub.set('after', 'sub')).toBe('OK'); // back to normal mode
      expect(await sub.get('after')).toBe('sub');
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });
});
