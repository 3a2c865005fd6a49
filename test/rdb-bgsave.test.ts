// Why: the fork-less BGSAVE is a point-in-time snapshot: while one client keeps writing (counters,
// deletions, new keys, collections, MOVE/COPY/RENAME/SWAPDB/FLUSHDB), the file must hold exactly
// the dataset as of the BGSAVE, and other clients keep being served. Also the commands around
// saving, against the real redis-server: SAVE/BGSAVE replies, LASTSAVE, INFO persistence, DEBUG
// RELOAD, MISCONF after a failed BGSAVE, save points, FLUSHALL, and saving at shutdown.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { DiffPair, Rng } from './support/diff.js';
import { RawClient } from './support/raw-client.js';
import { parseReply, RespError, type RVal } from './support/resp-values.js';
import { tmpDir } from './support/servers.js';
import { Fleet, call, describeDataset, diffDescriptions, info, ok, pipeline, run } from './support/rdb-support.js';
import { Server } from '../src/server/server.js';
import { Config } from '../src/server/config.js';
import { processCommand } from '../src/server/dispatch.js';
import { RdbEncoder, dumpPayload } from '../src/persistence/rdb-writer.js';
import { Snapshot } from '../src/persistence/snapshot.js';
import { parseRdb } from '../src/persistence/rdb-reader.js';

const fleet = new Fleet();
const { eddy, redis, connect } = fleet;
afterAll(() => fleet.stopAll());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function persistenceField(c: RawClient, field: string): Promise<string> {
  return info(await ok(c, 'INFO', 'persistence'), field);
}

/** Wait until a server answers something other than -LOADING. */
async function loaded(c: RawClient): Promise<RawClient> {
  for (;;) {
    const v = await call(c, 'PING');
    if (!(v instanceof RespError && v.message.startsWith('LOADING'))) return c;
    await sleep(20);
  }
}

async function waitBgsaveDone(c: RawClient, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await persistenceField(c, 'rdb_bgsave_in_progress')) !== '0') {
    if (Date.now() > deadline) throw new Error('BGSAVE did not finish');
    await sleep(20);
  }
}

/** The initial dataset of the consistency test: counters, collections, several DBs. */
function seedCommands(): string[][] {
  const cmds: string[][] = [];
  const mset: string[] = [];
  for (let i = 0; i < 3000; i++) mset.push(`c:${i}`, '0');
  cmds.push(['MSET', ...mset]);
  for (let i = 0; i < 150; i++) cmds.push(['HSET', `h:${i}`, 'a', '1', 'b', String(i)]);
  for (let i = 0; i < 100; i++) cmds.push(['RPUSH', `l:${i}`, 'x', 'y', String(i)]);
  for (let i = 0; i < 50; i++) cmds.push(['ZADD', `z:${i}`, '1', 'a', String(i), 'b']);
  for (let i = 0; i < 20; i++) cmds.push(['XADD', `x:${i}`, '1-1', 'f', 'v']);
  cmds.push(['PEXPIREAT', 'c:7', String(Date.now() + 500_000_000)]);
  for (const db of [1, 2, 3, 4]) {
    cmds.push(['SELECT', String(db)]);
    for (let i = 0; i < 300; i++) cmds.push(['SET', `d${db}:${i}`, `${db}-${i}`]);
  }
  cmds.push(['SELECT', '0']);
  return cmds;
}

/** One round of writes that must not reach a snapshot taken before it. */
function roundCommands(rng: Rng, round: number): string[][] {
  const cmds: string[][] = [];
  for (let i = 0; i < 150; i++) {
    const r = rng.int(0, 13);
    const c = `c:${rng.int(0, 2999)}`;
    if (r <= 4) cmds.push(['INCR', c]);
    else if (r === 5) cmds.push(['SET', `new:${round}:${i}`, 'fresh']);
    else if (r === 6) cmds.push(['DEL', c]);
    else if (r === 7) cmds.push(['HSET', `h:${rng.int(0, 149)}`, 'a', String(round), 'n', 'new']);
    else if (r === 8) cmds.push(['RPUSH', `l:${rng.int(0, 99)}`, 'pushed'], ['LPOP', `l:${rng.int(0, 99)}`]);
    else if (r === 9) cmds.push(['ZINCRBY', `z:${rng.int(0, 49)}`, '5', 'a']);
    else if (r === 10) cmds.push(['XADD', `x:${rng.int(0, 19)}`, '*', 'g', 'w']);
    else if (r === 11) cmds.push(['RENAME', `h:${rng.int(0, 149)}`, `renamed:${round}:${i}`]);
    else if (r === 12) cmds.push(['MOVE', `l:${rng.int(0, 99)}`, '5'], ['COPY', `z:${rng.int(0, 49)}`, `copied:${round}:${i}`, 'DB', '6']);
    else cmds.push(['EXPIRE', c, '100000']);
  }
  if (round === 1) cmds.push(['SELECT', '2'], ['FLUSHDB'], ['SELECT', '0']);
  if (round === 2) cmds.push(['SWAPDB', '3', '4']);
  if (round === 3) cmds.push(['SELECT', '1'], ['DEL', 'd1:0', 'd1:1'], ['SET', 'd1:new', 'x'], ['SELECT', '0']);
  return cmds;
}

describe('BGSAVE is a point-in-time snapshot', () => {
  it('the file holds exactly the dataset as of BGSAVE while a client keeps writing', async () => {
    const dir = tmpDir('eddy-bgsave-');
    // 100 us per key written: the snapshot spans many event-loop turns (~0.5 s).
    const e = await eddy(['--rdb-key-save-delay', '100'], dir);
    const w = await connect(e);
    const probe = await connect(e);
    await run(w, seedCommands());
    const rng = new Rng(42);
    // Writes before the BGSAVE belong to the snapshot.
    await run(w, roundCommands(rng, 0).filter((a) => !['RENAME', 'MOVE', 'COPY'].includes(a[0])));
    const before = await describeDataset(w);
    // BGSAVE goes in the same ordered stream as the writes that follow it.
    w.send('BGSAVE');
    const bgsaveReply = w.read();
    let rounds = 0;
    let roundsWhileSaving = 0;
    let maxPing = 0;
    const pending: Promise<RVal[]>[] = [];
    for (let round = 1; round < 200; round++) {
      pending.push(pipeline(w, roundCommands(rng, round)));
      rounds++;
      const t0 = performance.now();
      const inProgress = await persistenceField(probe, 'rdb_bgsave_in_progress');
      maxPing = Math.max(maxPing, performance.now() - t0);
      if (inProgress === '0') break;
      roundsWhileSaving++;
    }
    expect(parseReply(await bgsaveReply)).toBe('Background saving started');
    await Promise.all(pending);
    await waitBgsaveDone(probe);
    expect(await persistenceField(probe, 'rdb_last_bgsave_status')).toBe('ok');
    // Clients were served while the snapshot ran, without long pauses.
    expect(roundsWhileSaving).toBeGreaterThanOrEqual(3);
    expect(maxPing).toBeLessThan(500);
    // The dataset moved on...
    const after = await describeDataset(w);
    expect(diffDescriptions(before, after, ['before', 'after']).length).toBeGreaterThan(5);
    // ...but the file is the dataset as of BGSAVE: loaded by the real redis-server, and by eddy.
    const r = await redis(['--dir', dir, '--dbfilename', 'dump.rdb']);
    const rc = await connect(r);
    expect(diffDescriptions(before, await describeDataset(rc), ['at BGSAVE', 'redis loaded'])).toEqual([]);
    const e2 = await eddy([], dir);
    const c2 = await connect(e2);
    expect(diffDescriptions(before, await describeDataset(c2), ['at BGSAVE', 'eddy loaded'])).toEqual([]);
  }, 60000);

  it('a big keyspace is saved in slices: PING keeps answering during BGSAVE', async () => {
    const dir = tmpDir('eddy-bgsave-');
    const e = await eddy([], dir);
    const c = await connect(e);
    const probe = await connect(e);
    await ok(c, 'DEBUG', 'POPULATE', '300000', 'key', '20');
    expect(await ok(c, 'BGSAVE')).toBe('Background saving started');
    const pings: number[] = [];
    while ((await persistenceField(probe, 'rdb_bgsave_in_progress')) === '1') {
      const t0 = performance.now();
      expect(await ok(probe, 'PING')).toBe('PONG');
      pings.push(performance.now() - t0);
    }
    expect(pings.length).toBeGreaterThan(5);
    // Most PINGs are answered within a slice or two; on a busy machine a few wait for the CPU or a
    // GC, so the bound on the slowest is loose (a walk in one go would block for about a second).
    pings.sort((a, b) => a - b);
    expect(pings[Math.floor(pings.length * 0.9)]).toBeLessThan(100);
    expect(pings[pings.length - 1]).toBeLessThan(1000);
    const r = await redis(['--dir', dir, '--dbfilename', 'dump.rdb']);
    expect(await ok(await loaded(await connect(r)), 'DBSIZE')).toBe(300000);
  }, 60000);
});

describe('snapshot internals (in-process)', () => {
  it('keys deleted by expiry (active and lazy), writes, deletions and new keys during the walk', async () => {
    const server = new Server(new Config());
    const c = server.createClient(null);
    const exec = (...argv: string[]) => processCommand(server, c, argv);
    for (let i = 0; i < 2000; i++) exec('SET', `k${i}`, `v${i}`);
    for (let i = 0; i < 100; i++) exec('PEXPIRE', `k${i}`, '1');
    exec('RPUSH', 'list', 'a', 'b');
    const chunks: Buffer[] = [];
    const snap = new Snapshot(server, new RdbEncoder({ write: (b) => chunks.push(b) }, { checksum: true, compress: true, listFill: -2 }), { keyDelayUs: 200 });
    snap.start();
    expect(server.snapshot).toBe(snap);
    await sleep(5);
    server.activeExpireCycle(); // deletes expired keys the walk has not reached
    exec('GET', 'k99'); // lazy expiry
    exec('SET', 'new', 'x');
    exec('DEL', 'k1500');
    exec('APPEND', 'k1999', 'zz');
    exec('RPUSH', 'list', 'c');
    exec('RENAME', 'k1998', 'renamed');
    await snap.finished;
    expect(server.snapshot).toBeNull();
    expect(server.dbs[0].dict.has('k50')).toBe(false);
    const res = parseRdb(Buffer.concat(chunks), {
      numDbs: 16,
      limits: { hashEntries: 512, hashValue: 64, setIntset: 512, zsetEntries: 128, zsetValue: 64 },
      expireBefore: null,
      checksum: true,
    });
    const d = res.dbs[0];
    expect(d.dict.size).toBe(2001);
    for (let i = 0; i < 100; i++) expect(d.expires.has(`k${i}`)).toBe(true);
    expect(d.dict.get('k50')).toBe('v50');
    expect(d.dict.has('new')).toBe(false);
    expect(d.dict.has('renamed')).toBe(false);
    expect(d.dict.get('k1500')).toBe('v1500');
    expect(d.dict.get('k1998')).toBe('v1998');
    expect(d.dict.get('k1999')).toBe('v1999');
    expect((d.dict.get('list') as unknown as { toArray(): string[] }).toArray()).toEqual(['a', 'b']);
  });
  it('big values are written over several slices; keys preserved meanwhile follow them', async () => {
    const server = new Server(new Config());
    const c = server.createClient(null);
    const exec = (...argv: string[]) => processCommand(server, c, argv);
    const many = (n: number, f: (i: number) => string[]) => Array.from({ length: n }, (_, i) => f(i)).flat();
    // Big values first (the walk meets them first), then small keys it reaches later.
    exec('HSET', 'bigh', ...many(3000, (i) => [`f${i}`, `value ${i} lorem ipsum dolor sit amet`]));
    exec('SADD', 'bigs', ...many(3000, (i) => [`member:${i}`]));
    exec('ZADD', 'bigz', ...many(3000, (i) => [String((i * 7919) % 1000), `m${i}`]));
    exec('RPUSH', 'bigl', ...many(3000, (i) => [`element ${i} lorem ipsum dolor sit amet`]));
    for (let i = 0; i < 1000; i++) exec('XADD', 'bigx', `${i + 1}-0`, 'f', String(i));
    for (let i = 0; i < 300; i++) exec('SET', `s${i}`, `v${i}`);
    exec('PEXPIREAT', 's7', String(Date.now() + 1e9));
    exec('SELECT', '1');
    exec('SET', 'other', 'db1');
    exec('SELECT', '0');
    const opts = { compress: true, listFill: -2 };
    const expected = new Map<string, string>();
    for (const [k, v] of server.dbs[0].dict) expected.set(k, dumpPayload(v, opts).toString('hex'));
    const chunks: Buffer[] = [];
    const snap = new Snapshot(server, new RdbEncoder({ write: (b) => chunks.push(b) }, { checksum: true, ...opts }), { keyDelayUs: 300 });
    const pendingKey = () => (snap as unknown as { pending: { key: string } | null }).pending?.key ?? null;
    const waitPending = async (key: string) => {
      while (pendingKey() !== key) await sleep(1);
    };
    snap.start();
    await waitPending('bigh');
    exec('SET', 's1', 'changed'); // preserved while bigh is half written: into the side buffer
    exec('DEL', 's2');
    exec('SADD', 'bigs', 'new member'); // a big value not reached yet, preserved whole
    exec('HSET', 'bigh', 'f0', 'changed'); // the value being written: finished first
    expect(pendingKey()).toBeNull();
    await waitPending('bigz');
    exec('SET', 's3', 'changed');
    exec('SELECT', '1');
    exec('FLUSHDB'); // finishes the pending value, then writes DB 1
    exec('SELECT', '0');
    await waitPending('bigl');
    exec('APPEND', 's4', 'x');
    exec('DEL', 'bigl');
    await waitPending('bigx');
    exec('SET', 's5', 'changed');
    exec('XADD', 'bigx', '2000-0', 'f', 'new');
    await snap.finished;
    const res = parseRdb(Buffer.concat(chunks), {
      numDbs: 16,
      limits: { hashEntries: 128, hashValue: 64, setIntset: 512, zsetEntries: 128, zsetValue: 64 },
      expireBefore: null,
      checksum: true,
    });
    const d = res.dbs[0];
    expect(d.dict.size).toBe(expected.size);
    for (const [k, hex] of expected) expect(dumpPayload(d.dict.get(k)!, opts).toString('hex'), k).toBe(hex);
    expect([...d.expires.keys()]).toEqual(['s7']);
    expect(res.dbs[1].dict.get('other')).toBe('db1');
  }, 30000);
});

describe('saving commands against redis-server', () => {
  it('SAVE / BGSAVE replies, LASTSAVE and INFO persistence', async () => {
    // 5 ms per key: the 300-key BGSAVE runs ~1.5 s on both servers, long enough to probe it while busy.
    const args = ['--rdb-key-save-delay', '5000'];
    const [e, r] = await Promise.all([eddy(args), redis(args)]);
    const p = new DiffPair(await connect(e), await connect(r));
    const cmds: string[][] = [];
    for (let i = 0; i < 300; i++) cmds.push(['SET', `k${i}`, String(i)]);
    for (const a of cmds) await p.run(a);
    const last0 = (await call(p.eddy, 'LASTSAVE')) as number;
    expect(Number(await persistenceField(p.eddy, 'rdb_changes_since_last_save'))).toBe(300);
    await p.run(['BGSAVE', 'FOO']);
    await p.run(['BGSAVE']);
    await p.run(['BGSAVE']);
    await p.run(['BGSAVE', 'SCHEDULE']);
    await p.run(['SAVE']);
    await p.run(['MULTI']);
    await p.run(['BGSAVE']);
    await p.run(['EXEC']);
    for (const c of [p.eddy, p.redis]) {
      expect(await persistenceField(c, 'rdb_bgsave_in_progress')).toBe('1');
      expect(Number(await persistenceField(c, 'current_save_keys_total'))).toBe(300);
    }
    await Promise.all([waitBgsaveDone(p.eddy), waitBgsaveDone(p.redis)]);
    for (const c of [p.eddy, p.redis]) {
      expect(await persistenceField(c, 'rdb_last_bgsave_status')).toBe('ok');
      expect(await persistenceField(c, 'rdb_changes_since_last_save')).toBe('0');
      expect(Number(await persistenceField(c, 'rdb_last_bgsave_time_sec'))).toBeGreaterThanOrEqual(0);
    }
    const last1 = (await call(p.eddy, 'LASTSAVE')) as number;
    expect(last1).toBeGreaterThanOrEqual(last0);
    expect(await persistenceField(p.eddy, 'rdb_last_save_time')).toBe(String(last1));
    await p.run(['CONFIG', 'SET', 'rdb-key-save-delay', '0']);
    await p.run(['MULTI']);
    await p.run(['BGSAVE']);
    await p.run(['EXEC']);
    await p.run(['SET', 'after', '1']);
    await p.run(['SAVE']);
    expect(await persistenceField(p.eddy, 'rdb_changes_since_last_save')).toBe('0');
    expect(Number(await persistenceField(p.eddy, 'rdb_saves'))).toBeGreaterThanOrEqual(2);
    expect(fs.existsSync(path.join(e.dir, 'dump.rdb'))).toBe(true);
  }, 60000);

  it('DEBUG RELOAD keeps the dataset; NOSAVE reloads the last file', async () => {
    const [e, r] = await Promise.all([eddy(), redis(['--enable-debug-command', 'yes'])]);
    const p = new DiffPair(await connect(e), await connect(r));
    await p.run(['SET', 'a', '1']);
    await p.run(['RPUSH', 'l', 'x', 'y']);
    await p.run(['HSET', 'h', 'f', 'v']);
    await p.run(['PEXPIREAT', 'a', String(Date.now() + 1e8)]);
    const before = await describeDataset(p.eddy);
    await p.run(['DEBUG', 'RELOAD']);
    expect(diffDescriptions(before, await describeDataset(p.eddy), ['before', 'after'])).toEqual([]);
    await p.run(['SET', 'a', '2']);
    await p.run(['SET', 'b', 'new']);
    await p.run(['DEBUG', 'RELOAD', 'NOSAVE']);
    await p.run(['MGET', 'a', 'b']);
    await p.run(['DEBUG', 'RELOAD', 'BOGUS']);
    await p.run(['SET', 'c', '3']);
    await p.run(['DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE']);
    await p.run(['MGET', 'a', 'b', 'c']);
    await p.run(['DBSIZE']);
  }, 30000);

  it('MISCONF: writes (and PING) are refused after a failed BGSAVE, as Redis does', async () => {
    const args = ['--save', '3600 1'];
    const [e, r] = await Promise.all([eddy(args), redis(args)]);
    // A directory where the RDB file should go makes the final rename fail.
    for (const s of [e, r]) fs.mkdirSync(path.join(s.dir, 'dump.rdb'));
    const p = new DiffPair(await connect(e), await connect(r));
    await p.run(['SET', 'k', 'v']);
    await p.run(['BGSAVE']);
    await Promise.all([waitBgsaveDone(p.eddy), waitBgsaveDone(p.redis)]);
    for (const c of [p.eddy, p.redis]) expect(await persistenceField(c, 'rdb_last_bgsave_status')).toBe('err');
    await p.run(['SET', 'k', 'v2']);
    await p.run(['PING']);
    await p.run(['GET', 'k']);
    await p.run(['INCR', 'n']);
    await p.run(['MULTI']);
    await p.run(['SET', 'k', 'v3']);
    await p.run(['GET', 'k']);
    await p.run(['EXEC']);
    await p.run(['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no']);
    await p.run(['SET', 'k', 'v4']);
    await p.run(['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes']);
    await p.run(['DEL', 'k']);
    await p.run(['SAVE']);
    for (const s of [e, r]) fs.rmdirSync(path.join(s.dir, 'dump.rdb'));
    await p.run(['SAVE']);
    await p.run(['SET', 'k', 'v5']);
    await p.run(['PING']);
  }, 30000);
});

describe('failing background saves', () => {
  it('a BGSAVE whose temp file cannot be created replies started, then reports err', async () => {
    const e = await eddy();
    const c = await connect(e);
    fs.mkdirSync(path.join(e.dir, `temp-${e.pid}-bg.rdb`));
    expect(await ok(c, 'BGSAVE')).toBe('Background saving started');
    await waitBgsaveDone(c);
    expect(await persistenceField(c, 'rdb_last_bgsave_status')).toBe('err');
    expect(e.output()).toMatch(/Background saving error/);
    fs.rmdirSync(path.join(e.dir, `temp-${e.pid}-bg.rdb`));
    expect(await ok(c, 'BGSAVE')).toBe('Background saving started');
    await waitBgsaveDone(c);
    expect(await persistenceField(c, 'rdb_last_bgsave_status')).toBe('ok');
  }, 30000);
});

describe('automatic saves', () => {
  it('a save point triggers a background save from the cron', async () => {
    const e = await eddy(['--save', '1 2']);
    const c = await connect(e);
    await ok(c, 'SET', 'a', '1');
    await sleep(1300);
    expect(fs.existsSync(path.join(e.dir, 'dump.rdb'))).toBe(false); // 1 change < 2
    await ok(c, 'SET', 'b', '2');
    const deadline = Date.now() + 5000;
    while (!fs.existsSync(path.join(e.dir, 'dump.rdb')) && Date.now() < deadline) await sleep(50);
    await waitBgsaveDone(c);
    expect(e.output()).toMatch(/2 changes in 1 seconds\. Saving\.\.\./);
    expect(await persistenceField(c, 'rdb_changes_since_last_save')).toBe('0');
  }, 30000);

  it('FLUSHALL with save points writes the empty dataset', async () => {
    const e = await eddy(['--save', '3600 100']);
    const c = await connect(e);
    await ok(c, 'SET', 'a', '1');
    await ok(c, 'FLUSHALL');
    const file = path.join(e.dir, 'dump.rdb');
    expect(fs.existsSync(file)).toBe(true);
    const r = await redis(['--dir', e.dir, '--dbfilename', 'dump.rdb']);
    expect(await ok(await connect(r), 'DBSIZE')).toBe(0);
  }, 30000);

  it('SIGTERM with save points saves; the next start loads it; SHUTDOWN NOSAVE does not', async () => {
    const dir = tmpDir('eddy-shutdown-');
    const e = await eddy(['--save', '3600 1'], dir);
    const c = await connect(e);
    await ok(c, 'SET', 'survives', 'yes');
    await ok(c, 'RPUSH', 'list', 'a', 'b');
    expect(await e.stop('SIGTERM')).toBe(0);
    expect(e.output()).toMatch(/Saving the final RDB snapshot before exiting/);
    const e2 = await eddy([], dir);
    const c2 = await connect(e2);
    expect(await ok(c2, 'GET', 'survives')).toBe('yes');
    expect(await ok(c2, 'LRANGE', 'list', '0', '-1')).toEqual(['a', 'b']);
    expect(e2.output()).toMatch(/DB loaded from disk/);
    await ok(c2, 'SET', 'survives', 'no');
    c2.send('SHUTDOWN', 'NOSAVE');
    await c2.waitClose();
    const e3 = await eddy([], dir);
    expect(await ok(await connect(e3), 'GET', 'survives')).toBe('yes');
    const c3 = await connect(e3);
    await ok(c3, 'SET', 'survives', 'saved');
    c3.send('SHUTDOWN', 'SAVE');
    await c3.waitClose();
    const e4 = await eddy([], dir);
    expect(await ok(await connect(e4), 'GET', 'survives')).toBe('saved');
  }, 30000);
});

