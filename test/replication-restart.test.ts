// Why: a restarted server continues replication from its RDB instead of a full resync, as Redis
// does with the repl-id / repl-offset / repl-stream-db AUX fields: an eddy replica shut down with a
// save (SHUTDOWN SAVE, or SIGTERM with save points) PSYNCs on restart, with an eddy master and with
// a real redis-server master (their INFO sync_partial_ok counts it), and continues in the DB the
// stream was in; an eddy master restarted from its RDB keeps its history as replid2 (PSYNC2).
// Also: CLIENT PAUSE WRITE on a replica holds the master's stream until the pause ends.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Rng } from './support/diff.js';
import { workload } from './support/dataset.js';
import type { RawClient } from './support/raw-client.js';
import type { ServerHandle } from './support/servers.js';
import { ReplFleet, applyChunked, expectSameData, info, infoNum, replicaOf, until, waitSynced } from './support/repl-support.js';

const fleet = new ReplFleet(['--repl-diskless-sync-delay', '0']);
const { eddy, redis, connect } = fleet;
afterAll(() => fleet.stopAll());

/** The AUX fields of an RDB file (the header part, before the first SELECTDB). */
function rdbAux(file: string): Map<string, string> {
  const b = fs.readFileSync(file);
  const aux = new Map<string, string>();
  let p = 9;
  // Strings in the header are short plain strings (6-bit length) or small integers (0xC0..0xC2).
  const str = (): string => {
    const t = b[p++];
    if (t >> 6 === 0) {
      const s = b.latin1Slice(p, p + t);
      p += t;
      return s;
    }
    if (t === 0xc0) return String(b.readInt8(p++));
    if (t === 0xc1) return String(b.readInt16LE((p += 2) - 2));
    if (t === 0xc2) return String(b.readInt32LE((p += 4) - 4));
    if (t >> 6 === 1) {
      const n = ((t & 0x3f) << 8) | b[p++];
      const s = b.latin1Slice(p, p + n);
      p += n;
      return s;
    }
    throw new Error(`unexpected string encoding 0x${t.toString(16)} in the RDB header`);
  };
  while (b[p] === 0xfa) {
    p++;
    const k = str();
    aux.set(k, str());
  }
  return aux;
}

/** The stream's current DB becomes `db`, then `n` more writes of every kind follow. */
async function writeThenStayIn(mc: RawClient, rng: Rng, n: number, db: number): Promise<void> {
  await applyChunked(mc, workload(rng, n, { streams: true }));
  expect(await mc.call('SELECT', String(db))).toBe('+OK\r\n');
  expect(await mc.call('SET', `last:${db}`, String(n))).toBe('+OK\r\n');
  expect(await mc.call('SELECT', '0')).toBe('+OK\r\n');
}

/**
 * Shut the eddy replica down with a save (SHUTDOWN SAVE or SIGTERM), write more on the master in
 * the stream's current DB (no SELECT follows), restart the replica from its RDB: a partial resync.
 */
async function restartReplica(
  master: RawClient,
  replica: ServerHandle,
  rc: RawClient,
  how: 'shutdown' | 'sigterm',
  args: string[],
  streamDb: number,
): Promise<{ r: ServerHandle; rc: RawClient }> {
  const before = await info(master, 'stats');
  const mi = await info(master);
  if (how === 'shutdown') {
    rc.send('SHUTDOWN', 'SAVE');
    await rc.waitClose(10000);
  } else {
    await replica.stop('SIGTERM');
  }
  await until('replica gone', async () => replica.proc.exitCode !== null || replica.proc.signalCode !== null, 10000);
  const aux = rdbAux(path.join(replica.dir, 'dump.rdb'));
  expect(aux.get('repl-id')).toBe(mi.get('master_replid'));
  expect(aux.get('repl-stream-db')).toBe(String(streamDb));
  expect(Number(aux.get('repl-offset'))).toBeGreaterThan(0);
  expect(Number(aux.get('repl-offset'))).toBeLessThanOrEqual(Number(mi.get('master_repl_offset')));
  expect([...aux.keys()]).toEqual(['redis-ver', 'redis-bits', 'ctime', 'used-mem', 'repl-stream-db', 'repl-id', 'repl-offset', 'aof-base']);
  // Written while the replica is down: in the stream's DB first (no SELECT), then anywhere.
  expect(await master.call('SELECT', String(streamDb))).toBe('+OK\r\n');
  expect(await master.call('SET', 'while-down', how)).toBe('+OK\r\n');
  expect(await master.call('SELECT', '0')).toBe('+OK\r\n');
  await applyChunked(master, workload(new Rng(streamDb + 77), 2000, { streams: true }));

  const r2 = await eddy(args, { dir: replica.dir });
  const rc2 = await connect(r2);
  await waitSynced(master, rc2);
  const after = await info(master, 'stats');
  expect(Number(after.get('sync_partial_ok'))).toBe(Number(before.get('sync_partial_ok')) + 1);
  expect(after.get('sync_full')).toBe(before.get('sync_full'));
  expect(r2.output()).toContain('Successful partial resynchronization with master.');
  expect((await info(rc2)).get('master_replid')).toBe((await info(master)).get('master_replid'));
  expect(await rc2.call('SELECT', String(streamDb))).toBe('+OK\r\n');
  expect(await rc2.call('GET', 'while-down')).toBe(`$${how.length}\r\n${how}\r\n`);
  await expectSameData(master, rc2);
  return { r: r2, rc: rc2 };
}

describe('an eddy replica restarted from its RDB continues with PSYNC', () => {
  it('with an eddy master: SHUTDOWN SAVE, then SIGTERM with save points', async () => {
    const m = await eddy();
    const mc = await connect(m);
    const rng = new Rng(601);
    await applyChunked(mc, workload(rng, 5000, { streams: true }));
    const args = [...replicaOf(m), '--save', '3600 1'];
    const r = await eddy(args);
    const rc = await connect(r);
    await waitSynced(mc, rc);
    await writeThenStayIn(mc, rng, 5000, 2);
    await waitSynced(mc, rc);
    const first = await restartReplica(mc, r, rc, 'shutdown', args, 2);
    await writeThenStayIn(mc, rng, 3000, 3);
    await waitSynced(mc, first.rc);
    await restartReplica(mc, first.r, first.rc, 'sigterm', args, 3);
    expect(await infoNum(mc, 'sync_full', 'stats')).toBe(1);
  }, 60000);

  it('with a redis-server 7.0.15 master (diskless sync)', async () => {
    const m = await redis(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
    const mc = await connect(m);
    const rng = new Rng(602);
    await applyChunked(mc, workload(rng, 5000, { streams: true }));
    const args = replicaOf(m);
    const r = await eddy(args);
    const rc = await connect(r);
    await waitSynced(mc, rc);
    await writeThenStayIn(mc, rng, 5000, 1);
    await waitSynced(mc, rc);
    await restartReplica(mc, r, rc, 'shutdown', args, 1);
    expect(await infoNum(mc, 'sync_full', 'stats')).toBe(1);
  }, 60000);
});

describe('an eddy master restarted from its RDB', () => {
  it('keeps its history as replid2: its replica continues with PSYNC (as Redis 7.0)', async () => {
    const m = await eddy();
    const mc = await connect(m);
    const r = await eddy(replicaOf(m));
    const rc = await connect(r);
    await waitSynced(mc, rc);
    await writeThenStayIn(mc, new Rng(603), 3000, 1);
    await waitSynced(mc, rc);
    const old = await info(mc);
    // SHUTDOWN SAVE waits for the replica's ACK first, so the RDB holds the final offset.
    mc.send('SHUTDOWN', 'SAVE');
    await mc.waitClose(15000);
    await until('master gone', async () => m.proc.exitCode !== null || m.proc.signalCode !== null, 10000);
    const off = Number((await info(rc)).get('slave_repl_offset'));
    const aux = rdbAux(path.join(m.dir, 'dump.rdb'));
    expect(aux.get('repl-id')).toBe(old.get('master_replid'));
    expect(Number(aux.get('repl-offset'))).toBe(off);
    expect(aux.get('repl-stream-db')).toBe('1');

    const m2 = await eddy([], { dir: m.dir });
    const mc2 = await connect(m2);
    const mi = await info(mc2);
    expect(mi.get('master_replid2')).toBe(old.get('master_replid'));
    expect(mi.get('second_repl_offset')).toBe(String(off + 1));
    expect(mi.get('master_repl_offset')).toBe(String(off));
    expect(mi.get('repl_backlog_active')).toBe('1');
    expect(mi.get('repl_backlog_first_byte_offset')).toBe(String(off + 1));
    expect(mi.get('master_replid')).not.toBe(old.get('master_replid'));
    // The replica (its link down, its master cached) follows the restarted master and continues.
    expect(await rc.call('REPLICAOF', '127.0.0.1', String(m2.port))).toBe('+OK\r\n');
    await waitSynced(mc2, rc);
    expect(await infoNum(mc2, 'sync_partial_ok', 'stats')).toBe(1);
    expect(await infoNum(mc2, 'sync_full', 'stats')).toBe(0);
    expect((await info(rc)).get('master_replid')).toBe(mi.get('master_replid'));
    await applyChunked(mc2, workload(new Rng(604), 2000, { streams: true }));
    await waitSynced(mc2, rc);
    await expectSameData(mc2, rc);
  }, 60000);
});

describe('CLIENT PAUSE WRITE on a replica holds its master stream (as Redis)', () => {
  it('nothing is applied during the pause, everything right after, for eddy and redis-server alike', async () => {
    for (const kind of ['eddy', 'redis'] as const) {
      const start = kind === 'eddy' ? eddy : redis;
      const m = await start(kind === 'redis' ? ['--repl-diskless-sync-delay', '0'] : []);
      const mc = await connect(m);
      const r = await start(replicaOf(m));
      const rc = await connect(r);
      await waitSynced(mc, rc);
      expect(await rc.call('CLIENT', 'PAUSE', '1500', 'WRITE'), kind).toBe('+OK\r\n');
      const t0 = Date.now();
      expect(await mc.call('SET', 'held', kind)).toBe('+OK\r\n');
      expect(await mc.call('INCR', 'n')).toBe(':1\r\n');
      await new Promise((res) => setTimeout(res, 400));
      expect(await rc.call('GET', 'held'), kind).toBe('$-1\r\n');
      expect(await rc.call('GET', 'n'), kind).toBe('$-1\r\n');
      await waitSynced(mc, rc);
      expect(Date.now() - t0, kind).toBeGreaterThanOrEqual(1400);
      expect(await rc.call('GET', 'held'), kind).toBe(`$${kind.length}\r\n${kind}\r\n`);
      expect(await rc.call('GET', 'n'), kind).toBe('$1\r\n1\r\n');
    }
  }, 30000);
});
