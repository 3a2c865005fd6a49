// Why: the server/admin commands against the reference: COMMAND INFO/DOCS byte for byte for every
// implemented command, CONFIG GET/SET (values and error texts), INFO's sections and field names,
// DEBUG / SLOWLOG / LATENCY / MEMORY / FUNCTION / LOLWUT replies, MONITOR lines, CONFIG REWRITE on a
// real config file and SHUTDOWN ending the process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Differential, splitAggregate, type DiffPair } from './support/diff.js';
import { RawClient, type Reply } from './support/raw-client.js';
import { EDDY_BIN, freePort, startEddy, tmpDir } from './support/servers.js';

let d: Differential;
let p2: DiffPair;
let p3: DiffPair;

beforeAll(async () => {
  d = await Differential.start([], ['--enable-debug-command', 'yes']);
  p2 = await d.connect(2);
  p3 = await d.connect(3);
});
afterAll(async () => {
  await d?.stop();
});

/** Bulk / verbatim / simple reply text. */
function text(r: Reply): string {
  const nl = r.indexOf('\r\n');
  if (r[0] === '+' || r[0] === '-' || r[0] === ':') return r.slice(1, nl);
  const body = r.slice(nl + 2, r.length - 2);
  return r[0] === '=' ? body.slice(4) : body;
}

/** Flat list of the bulk strings of an array reply. */
function bulks(r: Reply): string[] {
  const s = splitAggregate(r);
  if (!s) throw new Error('not an aggregate: ' + r.slice(0, 80));
  return s[1].map(text);
}

/** INFO text -> section title -> field names. */
function infoFields(t: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] = [];
  for (const line of t.split('\r\n')) {
    if (line.startsWith('# ')) out.set(line.slice(2), (cur = []));
    else if (line.includes(':')) cur.push(line.slice(0, line.indexOf(':')));
  }
  return out;
}

function infoValues(t: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of t.split('\r\n')) if (line.includes(':') && !line.startsWith('#')) m.set(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1));
  return m;
}

/** Sort the elements of every aggregate, recursively (for replies in hash-table order). */
function deepSort(r: Reply): Reply {
  const s = splitAggregate(r);
  if (!s) return r;
  return s[0] + s[1].map(deepSort).sort().join('');
}

async function both(pair: DiffPair, argv: string[]): Promise<[Reply, Reply]> {
  pair.eddy.send(...argv);
  pair.redis.send(...argv);
  return Promise.all([pair.eddy.read(), pair.redis.read()]);
}

describe('COMMAND', () => {
  it('COMMAND INFO and COMMAND DOCS are byte-identical for every command eddy implements', async () => {
    const eddyNames = bulks(await p2.eddy.call('COMMAND', 'LIST'));
    const redisNames = new Set(bulks(await p2.redis.call('COMMAND', 'LIST')));
    expect(eddyNames.length).toBeGreaterThan(50);
    const subs = (names: Iterable<string>, parent: string) => [...names].filter((n) => n.startsWith(parent + '|')).length;
    let compared = 0;
    for (const name of eddyNames) {
      if (!redisNames.has(name)) continue; // an eddy extension
      // A container is identical only when eddy implements all of its subcommands.
      if (!name.includes('|') && subs(eddyNames, name) !== subs(redisNames, name)) continue;
      const container = !name.includes('|') && subs(redisNames, name) > 0;
      for (const p of [p2, p3]) {
        if (container) {
          // Redis lists subcommands in its dict order, which changes from run to run.
          for (const what of ['INFO', 'DOCS']) {
            const [e, r] = await both(p, ['COMMAND', what, name]);
            expect(deepSort(e), `COMMAND ${what} ${name}`).toBe(deepSort(r));
          }
          continue;
        }
        await p.run(['COMMAND', 'INFO', name]);
        await p.run(['COMMAND', 'DOCS', name]);
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
    // Several names, unknown names, case.
    for (const p of [p2, p3]) {
      await p.run(['COMMAND', 'INFO', 'get', 'nosuch', 'GET', 'config|get', 'get|x', 'a|b|c']);
      await p.run(['COMMAND', 'DOCS', 'nosuch', 'get', 'config|get']);
    }
  });

  it('COMMAND, COUNT and LIST agree with each other', async () => {
    const count = Number(text(await p2.eddy.call('COMMAND', 'COUNT')));
    const all = await p2.eddy.call('COMMAND');
    expect(splitAggregate(all)![1].length).toBe(count);
    const list = bulks(await p2.eddy.call('COMMAND', 'LIST'));
    expect(list.filter((n) => !n.includes('|')).length).toBe(count);
    expect(list).toContain('config|get');
    const pat = bulks(await p2.eddy.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config|*')).sort();
    expect(pat).toEqual(['config|get', 'config|help', 'config|resetstat', 'config|rewrite', 'config|set']);
    const admin = bulks(await p2.eddy.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'admin'));
    expect(admin).toContain('debug');
    expect(admin).not.toContain('get');
    for (const argv of [
      ['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x'],
      ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuchcat'],
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'zzz*'],
      ['COMMAND', 'LIST', 'FILTERBY'],
      ['COMMAND', 'LIST', 'FILTERBY', 'foo', 'bar'],
      ['COMMAND', 'LIST', 'x'],
      ['COMMAND', 'COUNT', 'x'],
      ['COMMAND', 'HELP'],
      ['COMMAND', 'NOSUCH'],
    ]) {
      await p2.run(argv);
    }
  });

  it('GETKEYS / GETKEYSANDFLAGS like Redis, errors included', async () => {
    for (const p of [p2, p3]) {
      for (const argv of [
        ['COMMAND', 'GETKEYS', 'get', 'a'],
        ['COMMAND', 'GETKEYS', 'set', 'a', 'b'],
        ['COMMAND', 'GETKEYS', 'mset', 'a', 'b', 'c', 'd'],
        ['COMMAND', 'GETKEYS', 'del', 'a', 'b', 'c'],
        ['COMMAND', 'GETKEYS', 'GET', 'a'],
        ['COMMAND', 'GETKEYS', 'get', 'a', 'b'],
        ['COMMAND', 'GETKEYS', 'ping', 'x'],
        ['COMMAND', 'GETKEYS', 'nosuch', 'x'],
        ['COMMAND', 'GETKEYS', 'config', 'get', 'x'],
        ['COMMAND', 'GETKEYS', 'config', 'nosuch'],
        ['COMMAND', 'GETKEYS', 'config|get', 'x'],
        ['COMMAND', 'GETKEYS', 'get'],
        ['COMMAND', 'GETKEYSANDFLAGS', 'mset', 'a', 'b', 'c', 'd'],
        ['COMMAND', 'GETKEYSANDFLAGS', 'get', 'k'],
        ['COMMAND', 'GETKEYSANDFLAGS', 'del', 'a', 'b'],
        ['COMMAND', 'GETKEYSANDFLAGS', 'rename', 'a', 'b'],
      ]) {
        await p.run(argv);
      }
    }
  });
});

/** Parameters whose value legitimately differs between the two test servers. */
const SERVER_SPECIFIC = new Set(['port', 'dir', 'pidfile', 'logfile', 'bind', 'save', 'daemonize', 'enable-debug-command']);

describe('CONFIG', () => {
  it('CONFIG GET of every supported parameter and of patterns', async () => {
    const names = bulks(await p2.eddy.call('CONFIG', 'GET', '*')).filter((_, i) => i % 2 === 0);
    expect(names.length).toBeGreaterThan(60);
    for (const n of names) {
      if (SERVER_SPECIFIC.has(n)) continue;
      await p2.run(['CONFIG', 'GET', n]);
      await p3.run(['CONFIG', 'GET', n.toUpperCase()]);
    }
    for (const p of [p2, p3]) {
      for (const pat of ['hash-max-*', '*-ziplist-*', 'lazyfree-*', 'slowlog-*', 'zset-max-*', 'nosuch*', 'h?']) {
        await p.run(['CONFIG', 'GET', pat], { pairs: true });
      }
      await p.run(['CONFIG', 'GET', 'hz', 'slowlog-*', 'hz', 'slave-read-only', 'replica-read-only'], { pairs: true });
      await p.run(['CONFIG', 'GET', 'nosuch']);
      await p.run(['CONFIG', 'GET']);
    }
  });

  it('CONFIG SET: values, normalisation, Redis error texts, all-or-nothing', async () => {
    const script: string[][] = [
      ['CONFIG', 'SET', 'hz', 'abc'],
      ['CONFIG', 'SET', 'hz', '99999999999999999999'],
      ['CONFIG', 'SET', 'hz', '-1'],
      ['CONFIG', 'SET', 'hz', '0'],
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'SET', 'hz', '600'],
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'SET', 'HZ', '15'],
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'SET', 'foo', 'bar'],
      ['CONFIG', 'SET', 'hz'],
      ['CONFIG', 'SET', 'hz', '10', 'maxmemory'],
      ['CONFIG', 'SET', 'daemonize', 'yes'],
      ['CONFIG', 'SET', 'databases', '4'],
      ['CONFIG', 'SET', 'dir', '/tmp'],
      ['CONFIG', 'SET', 'dbfilename', 'x.rdb'],
      ['CONFIG', 'SET', 'enable-debug-command', 'yes'],
      ['CONFIG', 'SET', 'hz', '10', 'hz', '11'],
      ['CONFIG', 'SET', 'hz', '20', 'foo', '1'],
      ['CONFIG', 'SET', 'hz', '20', 'maxmemory', 'x'],
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'SET', 'maxmemory', '1gb', 'maxmemory-policy', 'ALLKEYS-LRU'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['CONFIG', 'GET', 'maxmemory-policy'],
      ['CONFIG', 'SET', 'maxmemory', '-1'],
      ['CONFIG', 'SET', 'maxmemory', '10k'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'foo'],
      ['CONFIG', 'SET', 'appendfsync', 'sometimes'],
      ['CONFIG', 'SET', 'loglevel', 'nothing'],
      ['CONFIG', 'SET', 'protected-mode', 'maybe'],
      ['CONFIG', 'SET', 'maxclients', '0'],
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '-1'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '1'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'],
      ['CONFIG', 'GET', 'notify-keyspace-events'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'Q'],
      ['CONFIG', 'SET', 'notify-keyspace-events', ''],
      ['CONFIG', 'SET', 'save', '100 10 200 20'],
      ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'SET', 'save', '1 2 3'],
      ['CONFIG', 'SET', 'save', '0 1'],
      ['CONFIG', 'SET', 'save', ''],
      ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99.90000 1e1'],
      ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '101'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', 'x'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9'],
      ['CONFIG', 'SET', 'shutdown-on-sigterm', 'nosave now'],
      ['CONFIG', 'GET', 'shutdown-on-sigterm'],
      ['CONFIG', 'SET', 'shutdown-on-sigterm', 'default'],
      ['CONFIG', 'SET', 'slowlog-max-len', '-1'],
      ['CONFIG', 'SET', 'slave-read-only', 'no'],
      ['CONFIG', 'GET', 'replica-read-only'],
      ['CONFIG', 'SET', 'replica-read-only', 'yes'],
      ['CONFIG', 'HELP'],
      ['CONFIG', 'NOSUCH'],
    ];
    for (const argv of script) await p2.run(argv);
    await p3.run(['CONFIG', 'SET', 'hz', 'x']);
    await p2.run(['CONFIG', 'SET', 'hz', '10']);
  });

  it('CONFIG SET applies side effects: requirepass, hz, notify-keyspace-events', async () => {
    const c = await RawClient.connect(d.eddyServer.port);
    expect(await c.call('CONFIG', 'SET', 'requirepass', 'pw')).toBe('+OK\r\n');
    const other = await RawClient.connect(d.eddyServer.port);
    expect(await other.call('GET', 'x')).toMatch(/^-NOAUTH/);
    expect(await c.call('CONFIG', 'SET', 'requirepass', '')).toBe('+OK\r\n');
    expect(await other.call('GET', 'x')).toBe('$-1\r\n');
    // The password never reaches the slowlog.
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('CONFIG', 'SET', 'requirepass', 'secret', 'hz', '10');
    await c.call('CONFIG', 'SET', 'requirepass', '');
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    const log = await c.call('SLOWLOG', 'GET', '5');
    expect(log).not.toContain('secret');
    expect(log).toContain('(redacted)');
    await c.call('SLOWLOG', 'RESET');
    // Keyspace notifications follow the config.
    const sub = await RawClient.connect(d.eddyServer.port);
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KA');
    expect(await sub.call('SUBSCRIBE', '__keyspace@0__:nk')).toContain('subscribe');
    await c.call('SET', 'nk', 'v');
    expect(await sub.read()).toContain('$3\r\nset\r\n');
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    await c.call('DEL', 'nk');
    c.close();
    other.close();
    sub.close();
  });

  it('CONFIG REWRITE without a config file, and RESETSTAT', async () => {
    await p2.run(['CONFIG', 'REWRITE']);
    await p2.run(['CONFIG', 'RESETSTAT']);
    const [e, r] = await both(p2, ['INFO', 'commandstats']);
    expect([...infoValues(text(e)).keys()]).toEqual([...infoValues(text(r)).keys()]);
    expect(infoValues(text(e)).get('cmdstat_config|resetstat')).toMatch(/^calls=1,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=0$/);
    const [se, sr] = await both(p2, ['INFO', 'stats']);
    expect(infoValues(text(se)).get('total_commands_processed')).toBe(infoValues(text(sr)).get('total_commands_processed'));
  });
});

describe('INFO', () => {
  it('has the same sections and field names as Redis 7.0.15', async () => {
    // Same history on both so that conditional lines (keyspace, errorstats, commandstats) match.
    for (const argv of [['SET', 'ik', 'v'], ['EXPIRE', 'ik', '1000'], ['GET', 'ik'], ['GET', 'nosuch'], ['INCR', 'ik'], ['nosuchcmd']]) {
      await p2.run(argv);
    }
    const [e, r] = await both(p2, ['INFO', 'everything']);
    const fe = infoFields(text(e));
    const fr = infoFields(text(r));
    expect([...fe.keys()]).toEqual([...fr.keys()]);
    for (const [sec, names] of fr) {
      if (sec === 'Commandstats' || sec === 'Latencystats') continue; // INFO's own calls differ
      const extra = sec === 'Server' ? ['eddy_version'] : [];
      expect(fe.get(sec)!.filter((x) => !extra.includes(x)), sec).toEqual(names);
    }
    const ve = infoValues(text(e));
    const vr = infoValues(text(r));
    for (const k of ['redis_version', 'redis_mode', 'arch_bits', 'role', 'connected_slaves', 'cluster_enabled', 'maxmemory_policy', 'aof_enabled', 'loading', 'errorstat_ERR', 'keyspace_hits', 'keyspace_misses', 'expired_keys']) {
      expect(ve.get(k), k).toBe(vr.get(k));
    }
    expect(ve.get('db0')!.replace(/avg_ttl=\d+/, '')).toBe(vr.get('db0')!.replace(/avg_ttl=\d+/, ''));
    expect(ve.get('run_id')).toMatch(/^[0-9a-f]{40}$/);
    expect(ve.get('tcp_port')).toBe(String(d.eddyServer.port));
    expect(ve.get('process_id')).toBe(String(d.eddyServer.pid));
    expect(ve.get('eddy_version')).toMatch(/^\d+\.\d+\.\d+/);
    expect(Number(ve.get('used_memory'))).toBeGreaterThan(0);
    expect(ve.get('used_cpu_user')).toMatch(/^\d+\.\d{6}$/);
    expect(ve.get('cmdstat_get')).toMatch(/^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/);
    expect(ve.get('latency_percentiles_usec_get')).toMatch(/^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
    await p2.run(['DEL', 'ik']);
  });

  it('selects sections as Redis does (default, all, everything, several, unknown)', async () => {
    for (const args of [[], ['default'], ['all'], ['everything'], ['default', 'commandstats'], ['cpu', 'memory'], ['CPU'], ['foo'], ['server', 'foo', 'keyspace'], ['modules']]) {
      const [e, r] = await both(p2, ['INFO', ...args]);
      expect([...infoFields(text(e)).keys()], args.join(' ')).toEqual([...infoFields(text(r)).keys()]);
    }
    const [e, r] = await both(p2, ['INFO', 'foo']);
    expect(e).toBe(r);
    // RESP3: a verbatim string.
    const v = await p3.eddy.call('INFO', 'cpu');
    expect(v).toMatch(/^=\d+\r\ntxt:# CPU\r\n/);
    expect((await p2.eddy.call('INFO', 'cpu'))[0]).toBe('$');
  });

  it('commandstats and errorstats count calls, failures and rejections', async () => {
    const c = await RawClient.connect(d.eddyServer.port);
    await c.call('CONFIG', 'RESETSTAT');
    for (let i = 0; i < 5; i++) await c.call('GET', 'cs');
    await c.call('SET', 'cs', 'x');
    await c.call('INCR', 'cs'); // failed
    await c.call('GET'); // rejected (arity)
    const v = infoValues(text(await c.call('INFO', 'commandstats', 'errorstats', 'stats')));
    expect(v.get('cmdstat_get')).toMatch(/^calls=5,usec=\d+,usec_per_call=[\d.]+,rejected_calls=1,failed_calls=0$/);
    expect(v.get('cmdstat_incr')).toMatch(/^calls=1,.*,rejected_calls=0,failed_calls=1$/);
    expect(v.get('errorstat_ERR')).toBe('count=2');
    expect(v.get('total_error_replies')).toBe('2');
    expect(v.get('total_commands_processed')).toBe('8');
    await c.call('DEL', 'cs');
    c.close();
  });
});

describe('DEBUG', () => {
  it('POPULATE names keys and values as Redis, with size padding', async () => {
    await p2.run(['FLUSHALL']);
    for (const argv of [
      ['DEBUG', 'POPULATE', '5'],
      ['KEYS', '*'],
      ['GET', 'key:3'],
      ['DEBUG', 'POPULATE', '3', 'pfx', '12'],
      ['GET', 'pfx:2'],
      ['DEBUG', 'POPULATE', '3', 'short', '2'],
      ['GET', 'short:1'],
      ['SET', 'key:0', 'mine'],
      ['DEBUG', 'POPULATE', '6'],
      ['GET', 'key:0'],
      ['GET', 'key:5'],
      ['DBSIZE'],
      ['DEBUG', 'POPULATE', '-1'],
      ['DEBUG', 'POPULATE', 'abc'],
      ['DEBUG', 'POPULATE', '1', 'p', '-3'],
      ['DEBUG', 'DIGEST'],
      ['DEBUG', 'DIGEST-VALUE', 'key:1', 'pfx:0', 'nosuch'],
      ['EXPIRE', 'key:1', '1000'],
      ['DEBUG', 'DIGEST'],
      ['DEBUG', 'OBJECT', 'nosuch'],
      ['DEBUG', 'OBJECT'],
      ['DEBUG', 'NOSUCH'],
      ['DEBUG', 'SLEEP', '0'],
      ['DEBUG', 'SLEEP', 'abc'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
      ['DEBUG', 'RELOAD', 'x'],
      ['DEBUG', 'ERROR', 'SOME thing'],
      ['DEBUG', 'LOG', 'hello'],
      ['RPUSH', 'dl', 'a', 'b', 'c'],
      ['SADD', 'ds', 'x', 'y', '1'],
      ['SADD', 'dsi', '1', '2', '3'],
      ['HSET', 'dh', 'f1', 'v1', 'f2', 'v2'],
      ['ZADD', 'dz', '1.5', 'a', '2', 'b', '0.1', 'c'],
      ['DEBUG', 'DIGEST-VALUE', 'dl', 'ds', 'dsi', 'dh', 'dz'],
      ['DEBUG', 'DIGEST'],
    ]) {
      await p2.run(argv, { unordered: argv[0] === 'KEYS' });
    }
    for (const p of [p2, p3]) {
      for (const t of ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'x']) {
        await p.run(['DEBUG', 'PROTOCOL', t]);
        if (t === 'push' && p === p3) await p.readBoth('reply after the push');
      }
    }
    await p2.run(['FLUSHALL']);
  });

  it('OBJECT line format and SET-ACTIVE-EXPIRE', async () => {
    const c = await RawClient.connect(d.eddyServer.port);
    await c.call('SELECT', '9');
    await c.call('SET', 'o1', '123');
    await c.call('SET', 'o2', 'hello');
    await c.call('SET', 'o3', 'x'.repeat(60));
    expect(text(await c.call('DEBUG', 'OBJECT', 'o1'))).toMatch(/^Value at:0x[0-9a-f]+ refcount:2147483647 encoding:int serializedlength:2 lru:\d+ lru_seconds_idle:\d+$/);
    expect(text(await c.call('DEBUG', 'OBJECT', 'o2'))).toMatch(/^Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:6 lru:\d+ lru_seconds_idle:\d+$/);
    expect(text(await c.call('DEBUG', 'OBJECT', 'o3'))).toMatch(/encoding:raw serializedlength:61 /);
    await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await c.call('SET', 'ae', 'v', 'PX', '30');
    await new Promise((r) => setTimeout(r, 250));
    expect(infoValues(text(await c.call('INFO', 'keyspace'))).get('db9')).toMatch(/^keys=4,/);
    await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    await new Promise((r) => setTimeout(r, 250));
    expect(infoValues(text(await c.call('INFO', 'keyspace'))).get('db9')).toMatch(/^keys=3,/);
    await c.call('DEL', 'o1', 'o2', 'o3');
    c.close();
  });
});

describe('SLOWLOG and LATENCY', () => {
  it('SLOWLOG records a DEBUG SLEEP with Redis entry layout', async () => {
    const c = await RawClient.connect(d.eddyServer.port);
    await c.call('CLIENT', 'SETNAME', 'sleeper');
    await c.call('SLOWLOG', 'RESET');
    await c.call('DEBUG', 'SLEEP', '0.03');
    const r = await c.call('SLOWLOG', 'GET');
    const entries = splitAggregate(r)![1];
    expect(entries.length).toBeGreaterThanOrEqual(1);
    const e = splitAggregate(entries[entries.length - 1])![1];
    expect(e.length).toBe(6);
    expect(e[0]).toMatch(/^:\d+\r\n$/);
    expect(Math.abs(Number(text(e[1])) - Date.now() / 1000)).toBeLessThan(5);
    expect(Number(text(e[2]))).toBeGreaterThanOrEqual(30000);
    expect(bulks(e[3])).toEqual(['DEBUG', 'SLEEP', '0.03']);
    expect(text(e[4])).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(text(e[5])).toBe('sleeper');
    expect(Number(text(await c.call('SLOWLOG', 'LEN')))).toBe(entries.length + 0);
    c.close();
    for (const argv of [['SLOWLOG', 'RESET'], ['SLOWLOG', 'LEN'], ['SLOWLOG', 'GET'], ['SLOWLOG', 'GET', 'x'], ['SLOWLOG', 'GET', '-2'], ['SLOWLOG', 'GET', '1', '2'], ['SLOWLOG', 'HELP'], ['SLOWLOG', 'NOSUCH']]) {
      await p2.run(argv);
    }
  });

  it('LATENCY monitor events, histograms and texts', async () => {
    for (const argv of [['LATENCY', 'DOCTOR'], ['LATENCY', 'LATEST'], ['LATENCY', 'HISTORY', 'command'], ['LATENCY', 'GRAPH', 'command'], ['LATENCY', 'RESET'], ['LATENCY', 'HELP']]) {
      await p2.run(argv);
    }
    await p2.run(['CONFIG', 'SET', 'latency-monitor-threshold', '10']);
    await p2.run(['LATENCY', 'DOCTOR']);
    const c = await RawClient.connect(d.eddyServer.port);
    await c.call('DEBUG', 'SLEEP', '0.03');
    const latest = splitAggregate(await c.call('LATENCY', 'LATEST'))![1];
    expect(latest.length).toBe(1);
    const ev = splitAggregate(latest[0])![1].map(text);
    expect(ev[0]).toBe('command');
    expect(Number(ev[2])).toBeGreaterThanOrEqual(30);
    expect(Number(ev[3])).toBeGreaterThanOrEqual(30);
    expect(splitAggregate(await c.call('LATENCY', 'HISTORY', 'command'))![1].length).toBe(1);
    const g = text(await c.call('LATENCY', 'GRAPH', 'command'));
    expect(g).toMatch(/^command - high \d+ ms, low \d+ ms \(all time high \d+ ms\)\n-{80}\n/);
    expect(text(await c.call('LATENCY', 'DOCTOR'))).toContain('1. command: 1 latency spikes');
    expect(await c.call('LATENCY', 'RESET', 'command', 'nosuch')).toBe(':1\r\n');
    await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
    // Per-command histograms.
    const h = await c.call('LATENCY', 'HISTOGRAM', 'debug', 'nosuch');
    expect(h).toMatch(/^\*2\r\n\$5\r\ndebug\r\n\*4\r\n\$5\r\ncalls\r\n:\d+\r\n\$14\r\nhistogram_usec\r\n\*[1-9]\d*\r\n(:\d+\r\n)+$/);
    c.close();
  });
});

describe('MEMORY, TIME, LASTSAVE, FUNCTION, LOLWUT', () => {
  it('MEMORY USAGE of strings as Redis, STATS field names, DOCTOR, errors', async () => {
    for (const argv of [
      ['SET', 'm1', '12'],
      ['SET', 'm2', '20000'],
      ['SET', 'm3', 'x'.repeat(30)],
      ['SET', 'm4', 'y'.repeat(60)],
      ['SET', 'a-much-longer-key-name-than-usual-for-sure', 'v'],
      ['APPEND', 'm5', 'x'],
      ['MEMORY', 'USAGE', 'm1'],
      ['MEMORY', 'USAGE', 'm2'],
      ['MEMORY', 'USAGE', 'm3'],
      ['MEMORY', 'USAGE', 'm4'],
      ['MEMORY', 'USAGE', 'm5'],
      ['MEMORY', 'USAGE', 'a-much-longer-key-name-than-usual-for-sure'],
      ['MEMORY', 'USAGE', 'm1', 'SAMPLES', '0'],
      ['MEMORY', 'USAGE', 'nosuch'],
      ['MEMORY', 'USAGE', 'm1', 'SAMPLES', '-1'],
      ['MEMORY', 'USAGE', 'm1', 'SAMPLES', 'x'],
      ['MEMORY', 'USAGE', 'm1', 'FOO'],
      ['MEMORY', 'USAGE', 'm1', 'SAMPLES'],
      ['MEMORY', 'HELP'],
      ['MEMORY', 'PURGE'],
      ['DEL', 'm1', 'm2', 'm3', 'm4', 'm5', 'a-much-longer-key-name-than-usual-for-sure'],
    ]) {
      await p2.run(argv);
    }
    await p3.run(['MEMORY', 'USAGE', 'nosuch']);
    await p2.run(['SET', 'ms', 'v']);
    for (const p of [p2, p3]) {
      const [e, r] = await both(p, ['MEMORY', 'STATS']);
      const keys = (x: Reply) => splitAggregate(x)![1].filter((_, i) => i % 2 === 0).map(text);
      expect(keys(e)).toEqual(keys(r));
      expect(e[0]).toBe(r[0]);
    }
    await p2.run(['DEL', 'ms']);
    expect(text(await p3.eddy.call('MEMORY', 'MALLOC-STATS'))).toBe('Stats not supported for the current allocator');
    expect(text(await p3.eddy.call('MEMORY', 'DOCTOR'))).toMatch(/^(Hi Sam, this instance is empty|Hi Sam, I can't find any memory issue|Sam, I detected a few issues)/);
  });

  it('TIME and LASTSAVE shapes', async () => {
    const [e, r] = await both(p2, ['TIME']);
    const te = bulks(e);
    const tr = bulks(r);
    expect(te.length).toBe(2);
    expect(te[0]).toMatch(/^\d{10}$/);
    expect(te[1]).toMatch(/^\d{1,6}$/);
    expect(Math.abs(Number(te[0]) - Number(tr[0]))).toBeLessThanOrEqual(2);
    const ls = await p2.eddy.call('LASTSAVE');
    expect(ls).toMatch(/^:\d{10}\r\n$/);
    await p2.run(['TIME', 'x']);
    await p2.run(['LASTSAVE', 'x']);
  });

  it('FUNCTION answers as Redis with no libraries loaded', async () => {
    for (const p of [p2, p3]) {
      for (const argv of [
        ['FUNCTION', 'LIST'],
        ['FUNCTION', 'LIST', 'WITHCODE'],
        ['FUNCTION', 'LIST', 'LIBRARYNAME', 'x', 'WITHCODE'],
        ['FUNCTION', 'LIST', 'LIBRARYNAME'],
        ['FUNCTION', 'LIST', 'foo'],
        ['FUNCTION', 'FLUSH'],
        ['FUNCTION', 'FLUSH', 'ASYNC'],
        ['FUNCTION', 'FLUSH', 'sync'],
        ['FUNCTION', 'FLUSH', 'x'],
        ['FUNCTION', 'FLUSH', 'a', 'b'],
        ['FUNCTION', 'STATS'],
        ['FUNCTION', 'DUMP'],
        ['FUNCTION', 'RESTORE', 'x'],
        ['FUNCTION', 'RESTORE', 'x', 'FOO'],
        ['FUNCTION', 'DELETE', 'x'],
        ['FUNCTION', 'KILL'],
        ['FUNCTION', 'LOAD', 'x'],
        ['FUNCTION', 'LOAD', '#!lua'],
        ['FUNCTION', 'LOAD', '#!lua foo=bar\nreturn 1'],
        ['FUNCTION', 'LOAD', '#!lua\nreturn 1'],
        ['FUNCTION', 'LOAD', 'BOGUS', 'x'],
        ['FUNCTION', 'HELP'],
      ]) {
        await p.run(argv);
      }
      const dump = await p.eddy.call('FUNCTION', 'DUMP');
      await p.run(['FUNCTION', 'RESTORE', text(dump)]);
    }
  });

  it('LOLWUT', async () => {
    for (const p of [p2, p3]) {
      for (const argv of [['LOLWUT'], ['LOLWUT', 'VERSION', 'x'], ['LOLWUT', 'foo'], ['LOLWUT', 'VERSION', '7'], ['LOLWUT', 'VERSION', '5', 'x'], ['LOLWUT', 'VERSION', '5', '1', '201']]) {
        await p.run(argv);
      }
    }
    const art = text(await p2.eddy.call('LOLWUT', 'VERSION', '5', '20', '3', '4'));
    expect(art.endsWith('\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15\n')).toBe(true);
    expect(art.split('\n').length).toBeGreaterThan(3);
  });
});

describe('MONITOR', () => {
  it('streams command lines in Redis format, its own included', async () => {
    for (const srv of [d.eddyServer, d.redisServer]) {
      const mon = await RawClient.connect(srv.port);
      const cli = await RawClient.connect(srv.port);
      expect(await mon.call('MONITOR')).toBe('+OK\r\n');
      await cli.call('SELECT', '2');
      await cli.call('SET', 'mk', 'a b"\n');
      await cli.call('CONFIG', 'GET', 'hz'); // admin: not shown
      await cli.call('DEL', 'mk');
      const l1 = await mon.read();
      const l2 = await mon.read();
      const l3 = await mon.read();
      expect(l1).toMatch(/^\+\d{10}\.\d{6} \[2 127\.0\.0\.1:\d+\] "SELECT" "2"\r\n$/);
      expect(l2).toMatch(/^\+\d{10}\.\d{6} \[2 127\.0\.0\.1:\d+\] "SET" "mk" "a b\\"\\n"\r\n$/);
      expect(l3).toMatch(/^\+\d{10}\.\d{6} \[2 127\.0\.0\.1:\d+\] "DEL" "mk"\r\n$/);
      mon.send('PING');
      expect(await mon.read()).toBe('+PONG\r\n');
      expect(await mon.read()).toMatch(/"PING"\r\n$/);
      mon.close();
      cli.close();
    }
  });
});

/** Start eddy from a config file (the file must be the first argument, as with redis-server). */
async function startWithConfig(conf: string): Promise<{ proc: ChildProcess; out: () => string }> {
  const proc = spawn(process.execPath, [EDDY_BIN, conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b) => (out += b));
  proc.stderr!.on('data', (b) => (out += b));
  return { proc, out: () => out };
}

async function connectRetry(port: number): Promise<RawClient> {
  for (let i = 0; i < 200; i++) {
    try {
      return await RawClient.connect(port);
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error('server did not start');
}

function exitCode(proc: ChildProcess, ms = 5000): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    const t = setTimeout(() => resolve(null), ms);
    proc.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

describe('CONFIG REWRITE and SHUTDOWN', () => {
  it('rewrites the config file Redis-style and the result loads back', async () => {
    const dir = tmpDir();
    const conf = path.join(dir, 'eddy.conf');
    const port = await freePort();
    fs.writeFileSync(
      conf,
      [
        '# top comment',
        `port ${port}`,
        '   # indented comment',
        'hz 20',
        'slave-read-only yes',
        '',
        'maxmemory 100mb',
        'maxmemory 200mb',
        '',
        '',
        'loglevel notice',
        `dir ${dir}`,
        "save ''",
        '# Generated by CONFIG REWRITE',
        'timeout 5',
        '',
      ].join('\n'),
    );
    const { proc, out } = await startWithConfig(conf);
    try {
      const c = await connectRetry(port);
      expect(text(await c.call('INFO', 'server'))).toContain(`config_file:${conf}`);
      for (const [k, v] of [['hz', '30'], ['maxmemory', '1gb'], ['tcp-keepalive', '100'], ['notify-keyspace-events', 'Kx'], ['slave-read-only', 'no'], ['requirepass', 'a "b"']]) {
        expect(await c.call('CONFIG', 'SET', k, v)).toBe('+OK\r\n');
      }
      expect(await c.call('CONFIG', 'REWRITE')).toBe('+OK\r\n');
      const lines = fs.readFileSync(conf, 'latin1').split('\n');
      expect(lines.slice(0, 13)).toEqual([
        '# top comment',
        `port ${port}`,
        '# indented comment',
        'hz 30',
        'replica-read-only no',
        '',
        'maxmemory 1gb',
        '',
        'loglevel notice',
        `dir "${dir}"`,
        'save ""',
        '# Generated by CONFIG REWRITE',
        'timeout 5',
      ]);
      const tail = lines.slice(13).filter(Boolean);
      expect(tail).toEqual(expect.arrayContaining(['tcp-keepalive 100', 'notify-keyspace-events "xK"', 'requirepass "a \\"b\\""', 'latency-tracking-info-percentiles 50 99 99.9']));
      expect(lines.filter((l) => l.startsWith('maxmemory ')).length).toBe(1);
      // Rewriting again changes nothing but the trailing blank line (as Redis: the old file's last
      // newline reads as one empty line), and then nothing at all.
      await c.call('CONFIG', 'REWRITE');
      const second = fs.readFileSync(conf, 'latin1');
      expect(second.split('\n').filter(Boolean)).toEqual(lines.filter(Boolean));
      await c.call('CONFIG', 'REWRITE');
      expect(fs.readFileSync(conf, 'latin1')).toBe(second);
      c.close();
      expect(proc.kill('SIGKILL')).toBe(true);
      await exitCode(proc);
    } catch (e) {
      proc.kill('SIGKILL');
      throw new Error(`${(e as Error).message}\n${out()}`);
    }
    // The rewritten file loads and keeps the values.
    const again = await startWithConfig(conf);
    try {
      const c = await connectRetry(port);
      expect(await c.call('AUTH', 'a "b"')).toBe('+OK\r\n');
      for (const [k, v] of [['hz', '30'], ['maxmemory', '1073741824'], ['tcp-keepalive', '100'], ['notify-keyspace-events', 'xK'], ['replica-read-only', 'no'], ['timeout', '5']]) {
        expect(bulks(await c.call('CONFIG', 'GET', k))[1], k).toBe(v);
      }
      c.close();
    } finally {
      again.proc.kill('SIGKILL');
      await exitCode(again.proc);
    }
  });

  it('SHUTDOWN stops the process with exit code 0; errors as Redis', async () => {
    for (const argv of [['SHUTDOWN', 'foo'], ['SHUTDOWN', 'SAVE', 'NOSAVE'], ['SHUTDOWN', 'ABORT', 'NOW'], ['SHUTDOWN', 'ABORT']]) {
      await p2.run(argv);
    }
    for (const args of [['NOSAVE'], ['NOW', 'FORCE'], []]) {
      const srv = await startEddy();
      const c = await RawClient.connect(srv.port);
      c.send('SHUTDOWN', ...args);
      expect(await c.waitClose()).toBe(true);
      expect(c.pending()).toBe('');
      expect(await exitCode(srv.proc)).toBe(0);
      await srv.stop();
    }
  });
});
