// Why: the hard parts of replication, with real processes: chained replicas (eddy and Redis
// sub-replicas of an eddy replica), promotion with REPLICAOF NO ONE where every follower and the
// demoted master continue with a partial resync (PSYNC2 replid2), writes acknowledged by WAIT
// surviving a SIGKILL of the master, links cut or stalled past repl-timeout under load, and (with a
// scripted master) the replication offset of a transaction cut mid-way.
import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { RawClient, replyEnd } from './support/raw-client.js';
import { parseReply } from './support/resp-values.js';
import { Rng } from './support/diff.js';
import { workload } from './support/dataset.js';
import { ReplFleet, applyChunked, expectSameData, info, infoNum, signal, sleep, until, waitSynced, replicaOf } from './support/repl-support.js';

const fleet = new ReplFleet(['--repl-diskless-sync-delay', '0']);
const { eddy, redis, connect } = fleet;
afterAll(() => fleet.stopAll());

const of = replicaOf;

describe('chains and promotion', () => {
  it('sub-replicas of an eddy replica, then REPLICAOF NO ONE: followers and the old master continue with PSYNC', async () => {
    const a = await eddy();
    const ac = await connect(a);
    const rng = new Rng(601);
    await applyChunked(ac, workload(rng, 5000, { streams: true }));
    const b = await eddy(of(a));
    const bc = await connect(b);
    await waitSynced(ac, bc);
    // The stream is left in DB 7: sub-replicas synced now must continue there (repl-stream-db).
    const x = await connect(a);
    await x.call('SELECT', '7');
    expect(await x.call('SET', 'chain:db', '7')).toBe('+OK\r\n');
    await waitSynced(ac, bc);
    // Chained: an eddy and a Redis replica of the eddy replica.
    const c = await eddy(of(b));
    const d = await redis(of(b));
    const cc = await connect(c);
    const dc = await connect(d);
    await waitSynced(bc, cc);
    await waitSynced(bc, dc);
    expect(await x.call('SET', 'chain:after', 'in7')).toBe('+OK\r\n');
    await waitSynced(ac, bc);
    await waitSynced(bc, cc);
    await waitSynced(bc, dc);
    for (const sub of [cc, dc]) {
      await sub.call('SELECT', '7');
      expect(await sub.call('GET', 'chain:after')).toBe('$3\r\nin7\r\n');
      await sub.call('SELECT', '0');
    }
    await applyChunked(ac, workload(rng, 20000, { streams: true }));
    await waitSynced(ac, bc);
    await waitSynced(bc, cc);
    await waitSynced(bc, dc);
    await expectSameData(ac, cc);
    await expectSameData(ac, dc);
    // The chain shares one history: same replication ID and offset everywhere.
    const ids = await Promise.all([ac, bc, cc, dc].map(async (x) => (await info(x)).get('master_replid')));
    expect(new Set(ids).size).toBe(1);
    expect(await infoNum(bc, 'sync_full', 'stats')).toBe(2);

    // Promote B: the old ID stays valid as ID2, the sub-replicas reconnect and continue.
    expect(await bc.call('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    const bi = await info(bc);
    expect(bi.get('role')).toBe('master');
    expect(bi.get('master_replid2')).toBe(ids[0]);
    expect(Number(bi.get('second_repl_offset'))).toBe(Number(bi.get('master_repl_offset')) + 1);
    expect(await bc.call('SET', 'after:promotion', 'yes')).toBe('+OK\r\n');
    await applyChunked(bc, workload(rng, 3000, { streams: true }));
    await waitSynced(bc, cc);
    await waitSynced(bc, dc);
    expect(await infoNum(bc, 'sync_partial_ok', 'stats')).toBe(2);
    expect(await infoNum(bc, 'sync_full', 'stats')).toBe(2);
    await expectSameData(bc, cc);
    await expectSameData(bc, dc);

    // The old master (no writes since) follows its former replica with a partial resync too.
    expect(await ac.call('REPLICAOF', '127.0.0.1', String(b.port))).toBe('+OK\r\n');
    await waitSynced(bc, ac);
    expect(await infoNum(bc, 'sync_partial_ok', 'stats')).toBe(3);
    expect(await infoNum(bc, 'sync_full', 'stats')).toBe(2);
    expect(await ac.call('GET', 'after:promotion')).toBe('$3\r\nyes\r\n');
    await expectSameData(bc, ac);
    expect(await ac.call('SET', 'x', '1')).toBe("-READONLY You can't write against a read only replica.\r\n");
  }, 60000);

  it('writes acknowledged by WAIT survive a SIGKILL of the master and the promotion of its replica', async () => {
    const a = await eddy();
    const b = await eddy(of(a));
    const ac = await connect(a);
    const bc = await connect(b);
    await waitSynced(ac, bc);
    const acked: number[] = [];
    let unacked = 0;
    const writer = (async () => {
      for (let i = 0; ; i++) {
        try {
          ac.send('SET', `ack:${i}`, String(i));
          ac.send('RPUSH', 'log', String(i));
          ac.send('WAIT', '1', '2000');
          await ac.read();
          await ac.read();
          const w = await ac.read();
          if (w === ':1\r\n') acked.push(i);
          else unacked++;
        } catch {
          return; // the master is gone
        }
      }
    })();
    await until('some acknowledged writes', async () => acked.length >= 200, 20000, 20);
    signal(a.pid, 'SIGKILL');
    await writer;
    expect(await bc.call('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    const missing: number[] = [];
    for (const i of acked) if ((await bc.call('GET', `ack:${i}`)) !== `$${String(i).length}\r\n${i}\r\n`) missing.push(i);
    expect(missing).toEqual([]);
    const log = await bc.call('LLEN', 'log');
    expect(Number(log.slice(1))).toBeGreaterThanOrEqual(acked.length);
    expect(unacked).toBe(0);
  }, 40000);
});

describe('persistence on a replica', () => {
  it('an eddy replica with appendonly yes rewrites its AOF after the full sync and logs the stream', async () => {
    const a = await eddy();
    const ac = await connect(a);
    const rng = new Rng(604);
    await applyChunked(ac, workload(rng, 3000, { streams: true }));
    const b = await eddy([...of(a), '--appendonly', 'yes']);
    const bc = await connect(b);
    await waitSynced(ac, bc);
    await applyChunked(ac, workload(rng, 3000, { streams: true }));
    await waitSynced(ac, bc);
    await until('the AOF rewrite after the sync', async () => (await info(bc, 'persistence')).get('aof_rewrite_in_progress') === '0');
    bc.send('SHUTDOWN', 'NOSAVE');
    await bc.waitClose(15000);
    // Restarted from its AOF alone (no master): the same dataset.
    const b2 = await eddy(['--dir', b.dir, '--appendonly', 'yes']);
    await expectSameData(ac, await connect(b2));
  }, 40000);
});

describe('shutdown', () => {
  it('SHUTDOWN waits for a lagging replica to acknowledge everything before the master exits', async () => {
    const a = await eddy();
    const ac = await connect(a);
    const r = await redis(of(a));
    const rc = await connect(r);
    await waitSynced(ac, rc);
    signal(r.pid, 'SIGSTOP');
    try {
      // More than the socket buffers hold: without the wait the tail would die with the master.
      const big = 'x'.repeat(100_000);
      for (let i = 0; i < 300; i++) ac.send('SET', `big:${i}`, big + i);
      for (let i = 0; i < 300; i++) expect(await ac.read()).toBe('+OK\r\n');
      ac.send('SHUTDOWN', 'NOSAVE');
      await sleep(500);
    } finally {
      signal(r.pid, 'SIGCONT');
    }
    expect(await ac.waitClose(15000)).toBe(true);
    expect(a.output()).toContain('1 of 1 replicas are in sync when shutting down.');
    await until('the replica applied everything', async () => (await rc.call('DBSIZE')) === ':300\r\n', 10000);
    expect(await rc.call('STRLEN', 'big:299')).toBe(':100003\r\n');
  }, 40000);
});

describe('faults under load', () => {
  it('links killed from both sides and replicas stopped past repl-timeout: datasets converge', async () => {
    const fast = ['--repl-timeout', '2', '--repl-ping-replica-period', '1'];
    const a = await eddy([...fast, '--repl-backlog-size', '64mb']);
    const ac = await connect(a);
    const rng = new Rng(602);
    await applyChunked(ac, workload(rng, 5000, { streams: true }));
    const r = await redis([...fast, ...of(a)]);
    const e = await eddy([...fast, ...of(a)]);
    const rc = await connect(r);
    const ec = await connect(e);
    await waitSynced(ac, rc);
    await waitSynced(ac, ec);

    let stop = false;
    const loadClient = await connect(a);
    const load = (async () => {
      while (!stop) await applyChunked(loadClient, workload(rng, 1000, { streams: true }));
    })();
    const killed = async (c: RawClient, type: string) => expect(Number((await c.call('CLIENT', 'KILL', 'TYPE', type)).slice(1))).toBeGreaterThan(0);
    await sleep(500);
    await killed(ac, 'replica');
    await sleep(700);
    await killed(ec, 'master');
    await killed(rc, 'master');
    await sleep(700);
    for (const s of [e, r]) {
      // Stalled longer than repl-timeout: the master drops it, it reconnects after SIGCONT.
      signal(s.pid, 'SIGSTOP');
      await sleep(3500);
      signal(s.pid, 'SIGCONT');
      await sleep(500);
    }
    await sleep(1000);
    stop = true;
    await load;
    await waitSynced(ac, rc);
    await waitSynced(ac, ec);
    await expectSameData(ac, rc);
    await expectSameData(ac, ec);
    expect(a.output()).toContain('Disconnecting timedout replica (streaming sync)');
    expect(await infoNum(ac, 'sync_partial_ok', 'stats')).toBeGreaterThanOrEqual(4);
  }, 60000);

  it('an eddy replica detects a stalled master (repl-timeout) and resyncs after it resumes', async () => {
    const m = await redis(['--repl-diskless-sync-delay', '0', '--repl-ping-replica-period', '1']);
    const mc = await connect(m);
    const rng = new Rng(603);
    await applyChunked(mc, workload(rng, 3000, { streams: true }));
    const e = await eddy(['--repl-timeout', '2', ...of(m)]);
    const ec = await connect(e);
    await waitSynced(mc, ec);
    signal(m.pid, 'SIGSTOP');
    try {
      await until('the replica gives up on the stalled master', async () => (await info(ec)).get('master_link_status') === 'down', 10000, 100);
    } finally {
      signal(m.pid, 'SIGCONT');
    }
    await applyChunked(mc, workload(rng, 3000, { streams: true }));
    await waitSynced(mc, ec);
    await expectSameData(mc, ec);
    expect(e.output()).toContain('MASTER timeout: no data nor PING received...');
  }, 40000);
});

describe('offsets against a scripted master', () => {
  it('a transaction cut mid-way is not applied and is asked for again (PSYNC offset excludes it)', async () => {
    const id = 'f'.repeat(40);
    const mark = 'm'.repeat(40);
    const rdb = Buffer.concat([Buffer.from('REDIS0010', 'latin1'), Buffer.from([0xff]), Buffer.alloc(8)]);
    const enc = (...a: string[]) => `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join('');
    const head = enc('SELECT', '0') + enc('SET', 'a', '1');
    const txn = enc('MULTI') + enc('SET', 'b', '1') + enc('EXEC');
    const stream = head + txn + enc('SET', 'c', '1');
    const cut = head.length + enc('MULTI').length + enc('SET', 'b', '1').length;
    const psyncs: string[][] = [];
    let conns = 0;
    const srv = net.createServer((sock) => {
      const n = ++conns;
      let buf = '';
      let sentStream = false;
      sock.on('error', () => {});
      sock.on('data', (d) => {
        buf += d.toString('latin1');
        for (;;) {
          const end = buf.length ? replyEnd(buf, 0) : -1;
          if (end < 0) return;
          const argv = parseReply(buf.slice(0, end)) as string[];
          buf = buf.slice(end);
          const cmd = argv[0].toUpperCase();
          if (cmd === 'PING') sock.write('+PONG\r\n');
          else if (cmd === 'REPLCONF' && argv[1].toUpperCase() === 'ACK') {
            if (n === 1 && !sentStream) {
              // First ACK after the RDB: the stream, cut in the middle of the transaction.
              sentStream = true;
              sock.write(stream.slice(0, cut), 'latin1');
              setTimeout(() => sock.destroy(), 300);
            }
          } else if (cmd === 'REPLCONF') sock.write('+OK\r\n');
          else if (cmd === 'PSYNC') {
            psyncs.push(argv);
            if (n === 1) {
              sock.write(`+FULLRESYNC ${id} 0\r\n$EOF:${mark}\r\n`);
              sock.write(Buffer.concat([rdb, Buffer.from(mark, 'latin1')]));
            } else {
              const from = Number(argv[2]);
              setTimeout(() => sock.write(`+CONTINUE ${id}\r\n` + stream.slice(from - 1), 'latin1'), 500);
            }
          }
        }
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (srv.address() as net.AddressInfo).port;
      const e = await eddy(['--replicaof', '127.0.0.1', String(port)]);
      const ec = await connect(e);
      await until('the cut', async () => psyncs.length === 2, 10000, 20);
      // Disconnected mid-transaction: nothing of it applied, and it is asked for again.
      expect(await ec.call('GET', 'a')).toBe('$1\r\n1\r\n');
      expect(await ec.call('EXISTS', 'b')).toBe(':0\r\n');
      expect(psyncs[1]).toEqual(['PSYNC', id, String(head.length + 1)]);
      await until('the rest applied', async () => (await ec.call('GET', 'c')) === '$1\r\n1\r\n', 10000, 20);
      expect(await ec.call('GET', 'b')).toBe('$1\r\n1\r\n');
      expect(await infoNum(ec, 'slave_repl_offset')).toBe(stream.length);
      expect(await infoNum(ec, 'master_repl_offset')).toBe(stream.length);
    } finally {
      srv.close();
    }
  }, 30000);
});
