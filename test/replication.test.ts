// Why: replication interoperates with the real redis-server 7.0.15 in both roles: a Redis replica
// of an eddy master and an eddy replica of a Redis master (diskless sync on Redis's side) end with
// identical datasets, key by key, after a full sync and 100k mixed writes of every type; restarts
// and cut links continue with a partial resync; WAIT counts only acknowledged replicas; a replica's
// refusals (READONLY, WAIT) and ROLE are byte-identical to Redis's.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { RawClient } from './support/raw-client.js';
import { DiffPair, Rng } from './support/diff.js';
import { workload } from './support/dataset.js';
import { ReplFleet, applyChunked, expectSameData, info, infoNum, signal, sleep, until, waitSynced, replicaOf } from './support/repl-support.js';

const fleet = new ReplFleet();
const { eddy, redis, connect } = fleet;
afterAll(() => fleet.stopAll());

/** A tool's stdout + stderr; it is stopped (by pid) after timeoutMs if still running. */
function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('close', () => {
      clearTimeout(t);
      resolve(out);
    });
  });
}

describe('eddy master, redis-server replica', () => {
  it('full sync, 100k mixed writes, WAIT, restart with a partial resync', async () => {
    const m = await eddy(['--repl-diskless-sync-delay', '0']);
    const mc = await connect(m);
    const rng = new Rng(501);
    await applyChunked(mc, workload(rng, 20000, { streams: true }));
    const r = await redis(['--replicaof', '127.0.0.1', String(m.port)]);
    const rc = await connect(r);
    await waitSynced(mc, rc);
    await expectSameData(mc, rc);
    expect(await infoNum(mc, 'sync_full', 'stats')).toBe(1);

    await applyChunked(mc, workload(rng, 100000, { streams: true }));
    await waitSynced(mc, rc);
    await expectSameData(mc, rc);
    const mi = await info(mc);
    expect(mi.get('connected_slaves')).toBe('1');
    expect(mi.get('slave0')).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${r.port},state=online,offset=\\d+,lag=\\d+$`));

    // WAIT counts a replica only once it acknowledged: a stopped replica cannot.
    expect(await mc.call('SET', 'wait:key', '1')).toBe('+OK\r\n');
    expect(await mc.call('WAIT', '1', '5000')).toBe(':1\r\n');
    signal(r.pid, 'SIGSTOP');
    try {
      expect(await mc.call('SET', 'wait:key', '2')).toBe('+OK\r\n');
      const t0 = Date.now();
      expect(await mc.call('WAIT', '1', '300')).toBe(':0\r\n');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    } finally {
      signal(r.pid, 'SIGCONT');
    }
    expect(await mc.call('WAIT', '1', '5000')).toBe(':1\r\n');
    expect(await rc.call('GET', 'wait:key')).toBe('$1\r\n2\r\n');

    // Restart: the replica saves its data with its replication position and continues.
    const partial = await infoNum(mc, 'sync_partial_ok', 'stats');
    rc.send('SHUTDOWN', 'SAVE');
    await rc.waitClose(10000);
    await applyChunked(mc, workload(rng, 3000, { streams: true }));
    const r2 = await redis(['--dir', r.dir, '--replicaof', '127.0.0.1', String(m.port)]);
    const rc2 = await connect(r2);
    await waitSynced(mc, rc2);
    expect(await infoNum(mc, 'sync_partial_ok', 'stats')).toBe(partial + 1);
    expect(await infoNum(mc, 'sync_full', 'stats')).toBe(1);
    await expectSameData(mc, rc2);
  }, 60000);

  it('disk-based full sync ($<len> form), redis-cli --rdb / --replica, PUBLISH reaching the replica', async () => {
    const m = await eddy(['--repl-diskless-sync', 'no']);
    const mc = await connect(m);
    await applyChunked(mc, workload(new Rng(502), 5000, { streams: true }));
    const r = await redis(['--replicaof', '127.0.0.1', String(m.port)]);
    const rc = await connect(r);
    await waitSynced(mc, rc);
    await expectSameData(mc, rc);
    // redis-cli's own replica modes: --rdb (rdb-only) and --replica (rdb-filter-only "").
    const rdbFile = path.join(m.dir, 'cli.rdb');
    const dumped = await run('redis-cli', ['-p', String(m.port), '--rdb', rdbFile], 10000);
    expect(dumped).toContain('Transfer finished with success');
    let keys = 0;
    for (const v of (await info(mc, 'keyspace')).values()) keys += Number(/keys=(\d+)/.exec(v)![1]);
    const check = await run('redis-check-rdb', [rdbFile], 10000);
    expect(check).toContain('RDB looks OK!');
    expect(check).toContain(`[info] ${keys} keys read`);
    const cliReplica = run('redis-cli', ['-p', String(m.port), '--replica'], 2500);
    await sleep(800);
    expect(await mc.call('SET', 'via', 'cli')).toBe('+OK\r\n');
    const out = await cliReplica;
    expect(out).toMatch(/SYNC done after \d+ bytes/);
    expect(out).toContain('"SET","via","cli"');
    const sub = await connect(r);
    expect(await sub.call('SUBSCRIBE', 'news')).toBe('*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n');
    expect(await mc.call('PUBLISH', 'news', 'hello')).toBe(':0\r\n');
    expect(await sub.read()).toBe('*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n');
  }, 30000);
});

describe('redis-server master (diskless), eddy replica', () => {
  it('full sync, 100k mixed writes, cut links continue with PSYNC, replica refusals match Redis', async () => {
    const m = await redis(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '1']);
    const mc = await connect(m);
    const rng = new Rng(503);
    await applyChunked(mc, workload(rng, 20000, { streams: true }));
    const e = await eddy(['--replicaof', '127.0.0.1', String(m.port)]);
    const ec = await connect(e);
    await waitSynced(mc, ec);
    await expectSameData(mc, ec);

    await applyChunked(mc, workload(rng, 100000, { streams: true }));
    await waitSynced(mc, ec);
    await expectSameData(mc, ec);
    expect(await infoNum(mc, 'sync_full', 'stats')).toBe(1);

    // The link is cut from either side: the replica reconnects and continues from the backlog.
    expect(await ec.call('CLIENT', 'KILL', 'TYPE', 'master')).toBe(':1\r\n');
    await applyChunked(mc, workload(rng, 2000, { streams: true }));
    await waitSynced(mc, ec);
    expect(await mc.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(':1\r\n');
    await applyChunked(mc, workload(rng, 2000, { streams: true }));
    await waitSynced(mc, ec);
    expect(await infoNum(mc, 'sync_partial_ok', 'stats')).toBe(2);
    expect(await infoNum(mc, 'sync_full', 'stats')).toBe(1);
    await expectSameData(mc, ec);

    // A Redis replica of the same master: refusals and ROLE are byte-identical.
    const r = await redis(['--replicaof', '127.0.0.1', String(m.port)]);
    const rc = await connect(r);
    await waitSynced(mc, rc);
    await waitSynced(mc, ec);
    const p = new DiffPair(ec, rc);
    await p.run(['SET', 'k', 'v']);
    await p.run(['INCR', 'n:1']);
    await p.run(['MULTI']);
    await p.run(['SET', 'k', 'v']);
    await p.run(['GET', 'k']);
    await p.run(['EXEC']);
    await p.run(['WAIT', '0', '0']);
    await p.run(['ROLE']);
    await p.run(['REPLICAOF', '127.0.0.1', String(m.port)]);
    await p.run(['REPLICAOF', '127.0.0.1', 'x']);
    await p.run(['REPLICAOF', '127.0.0.1', '65536']);
    await p.run(['REPLCONF', 'bogus', '1']);
    await p.run(['REPLCONF', 'listening-port']);
    await p.run(['CONFIG', 'GET', 'replicaof']);
    const ei = await info(ec);
    const ri = await info(rc);
    for (const f of ['role', 'master_host', 'master_port', 'master_link_status', 'master_sync_in_progress', 'slave_read_only', 'master_replid', 'master_replid2']) {
      expect(`${f}:${ei.get(f)}`).toBe(`${f}:${ri.get(f)}`);
    }
    expect([...ei.keys()].join(',')).toBe([...ri.keys()].join(','));
  }, 60000);

  it('a disk-based full sync from Redis ($<len> form) into an eddy replica', async () => {
    const m = await redis(['--repl-diskless-sync', 'no']);
    const mc = await connect(m);
    await applyChunked(mc, workload(new Rng(505), 5000, { streams: true }));
    const e = await eddy(of(m));
    const ec = await connect(e);
    await waitSynced(mc, ec);
    await applyChunked(mc, workload(new Rng(506), 5000, { streams: true }));
    await waitSynced(mc, ec);
    await expectSameData(mc, ec);
    expect(e.output()).toMatch(/receiving \d+ bytes from master/);
  }, 30000);

  it('replica-serve-stale-data no answers MASTERDOWN while the link is down', async () => {
    const e = await eddy(['--replicaof', '127.0.0.1', '1']);
    const r = await redis(['--replicaof', '127.0.0.1', '1']);
    const p = new DiffPair(await connect(e), await connect(r));
    await p.run(['CONFIG', 'SET', 'replica-serve-stale-data', 'no']);
    await p.run(['GET', 'k']);
    await p.run(['PING']);
    await p.run(['INFO', 'nosuchsection']);
    await p.run(['MULTI']);
    await p.run(['GET', 'k']);
    await p.run(['EXEC']);
    await until('eddy reports a down link', async () => (await info(p.eddy)).get('master_link_status') === 'down');
  }, 20000);
});

const of = replicaOf;

describe('expiry and authentication', () => {
  it('replicas hide expired keys until the master DELs them; DELs of an eddy master reach replicas', async () => {
    const m = await redis(['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes']);
    const mc = await connect(m);
    const e = await eddy(of(m));
    const r = await redis(of(m));
    const p = new DiffPair(await connect(e), await connect(r));
    await waitSynced(mc, p.eddy);
    await waitSynced(mc, p.redis);
    expect(await mc.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')).toBe('+OK\r\n');
    await mc.call('SET', 'soon', 'v', 'PX', '150');
    await mc.call('HSET', 'soon:h', 'f', 'v');
    await mc.call('PEXPIRE', 'soon:h', '150');
    await mc.call('SET', 'later', 'v', 'EX', '1000');
    await waitSynced(mc, p.eddy);
    await waitSynced(mc, p.redis);
    await sleep(400);
    for (const argv of [['GET', 'soon'], ['EXISTS', 'soon', 'later'], ['TTL', 'soon'], ['HGETALL', 'soon:h'], ['TYPE', 'soon'], ['DBSIZE'], ['KEYS', '*']]) await p.run(argv);
    // The master expires them lazily: its DELs remove them from the replicas.
    expect(await mc.call('GET', 'soon')).toBe('$-1\r\n');
    expect(await mc.call('EXISTS', 'soon:h')).toBe(':0\r\n');
    await waitSynced(mc, p.eddy);
    await waitSynced(mc, p.redis);
    expect(await p.run(['DBSIZE'])).toBe(':1\r\n');

    // An eddy master's active expiry reaches a Redis replica as DEL.
    const em = await eddy(['--repl-diskless-sync-delay', '0']);
    const emc = await connect(em);
    const er = await redis(of(em));
    const erc = await connect(er);
    await waitSynced(emc, erc);
    await emc.call('SET', 'soon', 'v', 'PX', '100');
    await emc.call('SET', 'stays', 'v');
    await waitSynced(emc, erc);
    await until('the replica lost the expired key', async () => (await erc.call('DBSIZE')) === ':1\r\n', 10000);
    expect(await erc.call('EXISTS', 'stays')).toBe(':1\r\n');
  }, 40000);

  it('masterauth / masteruser: replicas of a password-protected eddy master', async () => {
    const m = await eddy(['--requirepass', 'sekret', '--repl-diskless-sync-delay', '0']);
    const mc = await connect(m);
    expect(await mc.call('AUTH', 'sekret')).toBe('+OK\r\n');
    await applyChunked(mc, workload(new Rng(504), 2000));
    const r = await redis([...of(m), '--masterauth', 'sekret']);
    const e = await eddy([...of(m), '--masterauth', 'sekret', '--masteruser', 'default']);
    const bad = await eddy([...of(m), '--masterauth', 'wrong']);
    const rc = await connect(r);
    const ec = await connect(e);
    await waitSynced(mc, rc);
    await waitSynced(mc, ec);
    await expectSameData(mc, ec);
    await expectSameData(mc, rc);
    const bc = await connect(bad);
    await sleep(300);
    expect((await info(bc)).get('master_link_status')).toBe('down');
    expect(bad.output()).toContain('Unable to AUTH to MASTER: -WRONGPASS');
  }, 30000);
});

describe('master-side refusals', () => {
  it('min-replicas-to-write (NOREPLICAS) and clients blocked when the server becomes a replica, as Redis', async () => {
    const e = await eddy(['--min-replicas-to-write', '1', '--repl-diskless-sync-delay', '0']);
    const r = await redis(['--min-replicas-to-write', '1']);
    const p = new DiffPair(await connect(e), await connect(r));
    for (const argv of [['SET', 'k', 'v'], ['GET', 'k'], ['MULTI'], ['SET', 'k', 'v'], ['EXEC'], ['WAIT', '1', '10']]) await p.run(argv);
    await p.run(['MULTI']);
    await p.run(['GET', 'k']);
    await p.run(['CONFIG', 'SET', 'min-replicas-to-write', '0']);
    await p.run(['EXEC']);
    // With a replica attached the writes are accepted again.
    await p.run(['CONFIG', 'SET', 'min-replicas-to-write', '1']);
    const er = await redis(of(e));
    const erc = await connect(er);
    await waitSynced(p.eddy, erc);
    await until('a good replica counted', async () => (await info(p.eddy)).get('min_slaves_good_slaves') === '1', 5000);
    expect(await p.eddy.call('SET', 'k', 'v')).toBe('+OK\r\n');

    // A client blocked on the master is released with UNBLOCKED when it turns into a replica.
    await p.run(['CONFIG', 'SET', 'min-replicas-to-write', '0']);
    const blocked = new DiffPair(await connect(e), await connect(r));
    blocked.eddy.send('BLPOP', 'list', '0');
    blocked.redis.send('BLPOP', 'list', '0');
    await sleep(100);
    await p.run(['REPLICAOF', '127.0.0.1', '1']);
    await blocked.readBoth('BLPOP released');
    expect(await blocked.eddy.waitClose(2000)).toBe(true);
    expect(await blocked.redis.waitClose(2000)).toBe(true);
    await p.run(['REPLICAOF', 'NO', 'ONE']);
  }, 30000);
});
