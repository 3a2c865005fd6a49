// Why: `node dist/bench/replication.js` — what replication costs, side by side with redis-server:
// master write throughput (redis-benchmark -P 16 SET) alone and with one replica attached, the
// replica's lag (bytes behind the master) sampled during that load, and the full-sync time of a 1M
// key dataset (eddy -> eddy vs redis -> redis). Rounds alternate so neither server gets the quiet slot.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startEddy, startRedis, type ServerHandle } from '../test/support/servers.js';
import { RawClient } from '../test/support/raw-client.js';
import { info, sleep, until } from '../test/support/repl-support.js';

type Kind = 'eddy' | 'redis';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '500000' },
    keys: { type: 'string', default: '1000000' },
  },
});
const ROUNDS = Number(values.rounds);
const REQUESTS = Number(values.requests);
const KEYS = Number(values.keys);

function start(kind: Kind, args: string[]): Promise<ServerHandle> {
  return kind === 'eddy' ? startEddy(['--repl-diskless-sync-delay', '0', ...args]) : startRedis(['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes', ...args]);
}

function benchmark(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['-h', '127.0.0.1', '-p', String(port), '-t', 'set', '-n', String(REQUESTS), '-c', '50', '-r', '100000', '-P', '16', '--csv'];
    const p = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.once('error', reject);
    p.once('close', () => {
      const row = out.split('\n').find((l) => l.startsWith('"SET"'));
      resolve(row ? Number(row.split('","')[1]) : NaN);
    });
  });
}

/** CPU time (user + system) a process used so far, in ms (the machine is shared: rps alone misleads). */
function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

/** Run the benchmark while sampling how far the replica is behind (bytes). */
async function benchWithLag(master: RawClient, replica: RawClient | null, port: number): Promise<{ rps: number; maxLag: number; catchUpMs: number }> {
  let running = true;
  let maxLag = 0;
  const sampler = (async () => {
    while (running && replica) {
      try {
        const [m, r] = await Promise.all([info(master), info(replica)]);
        maxLag = Math.max(maxLag, Number(m.get('master_repl_offset')) - Number(r.get('slave_repl_offset')));
      } catch {
        /* a busy server: sample again */
      }
      await sleep(100);
    }
  })();
  const rps = await benchmark(port);
  running = false;
  await sampler;
  const t0 = Date.now();
  if (replica) {
    await until('replica caught up', async () => (await info(replica)).get('slave_repl_offset') === (await info(master)).get('master_repl_offset'), 60000, 10);
  }
  return { rps, maxLag, catchUpMs: Date.now() - t0 };
}

interface Result {
  alone: number[];
  withReplica: number[];
  /** master CPU µs per request, alone / with a replica; the replica's CPU µs per request */
  cpuAlone: number[];
  cpuWith: number[];
  cpuReplica: number[];
  maxLag: number[];
  catchUpMs: number[];
  fullSyncMs: number[];
}

async function round(kind: Kind, res: Result): Promise<void> {
  const m = await start(kind, []);
  const mc = await RawClient.connect(m.port);
  try {
    let c0 = cpuMs(m.pid);
    res.alone.push((await benchWithLag(mc, null, m.port)).rps);
    res.cpuAlone.push(((cpuMs(m.pid) - c0) * 1000) / REQUESTS);
    const r = await start(kind, ['--replicaof', '127.0.0.1', String(m.port)]);
    const rc = await RawClient.connect(r.port);
    try {
      await until('replica online', async () => (await info(rc)).get('master_link_status') === 'up', 30000);
      c0 = cpuMs(m.pid);
      const r0 = cpuMs(r.pid);
      const w = await benchWithLag(mc, rc, m.port);
      res.cpuWith.push(((cpuMs(m.pid) - c0) * 1000) / REQUESTS);
      res.cpuReplica.push(((cpuMs(r.pid) - r0) * 1000) / REQUESTS);
      res.withReplica.push(w.rps);
      res.maxLag.push(w.maxLag);
      res.catchUpMs.push(w.catchUpMs);
    } finally {
      rc.close();
      await r.stop();
    }
    // Full sync of KEYS keys into a fresh replica.
    await mc.call('FLUSHALL');
    // 1M keys take several seconds on a busy machine: more than call()'s default wait.
    mc.send('DEBUG', 'POPULATE', String(KEYS));
    const populated = await mc.read(120000);
    if (populated !== '+OK\r\n') throw new Error(`DEBUG POPULATE: ${populated}`);
    const t0 = Date.now();
    const r2 = await start(kind, ['--replicaof', '127.0.0.1', String(m.port)]);
    // Loading 1M keys keeps the replica busy for seconds: each poll waits for its own reply on a
    // fresh connection (a late reply to a timed-out call would answer the next one).
    const linkUp = async (): Promise<boolean> => {
      const c = await RawClient.connect(r2.port);
      try {
        c.send('INFO', 'replication');
        return (await c.read(120000)).includes('master_link_status:up');
      } finally {
        c.close();
      }
    };
    const rc2 = await RawClient.connect(r2.port);
    try {
      await until('full sync done', linkUp, 120000, 20);
      res.fullSyncMs.push(Date.now() - t0);
      const n = await rc2.call('DBSIZE');
      if (n !== `:${KEYS}\r\n`) throw new Error(`${kind} replica has ${n.trim()} keys after the full sync`);
    } finally {
      rc2.close();
      await r2.stop();
    }
  } finally {
    mc.close();
    await m.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main(): Promise<void> {
  const results: Record<Kind, Result> = {
    eddy: { alone: [], withReplica: [], cpuAlone: [], cpuWith: [], cpuReplica: [], maxLag: [], catchUpMs: [], fullSyncMs: [] },
    redis: { alone: [], withReplica: [], cpuAlone: [], cpuWith: [], cpuReplica: [], maxLag: [], catchUpMs: [], fullSyncMs: [] },
  };
  for (let i = 0; i < ROUNDS; i++) {
    for (const kind of (i % 2 === 0 ? ['eddy', 'redis'] : ['redis', 'eddy']) as Kind[]) {
      await round(kind, results[kind]);
      process.stderr.write(`round ${i + 1} ${kind}: ${JSON.stringify(results[kind])}\n`);
    }
  }
  const e = results.eddy;
  const r = results.redis;
  const k = (n: number) => `${Math.round(n / 1000)}k`;
  const lines = [
    `| (median of ${ROUNDS}) | eddy | redis-server 7.0.15 | eddy / redis |`,
    '|---|---|---|---|',
    `| SET -P 16 rps, no replica | ${k(median(e.alone))} | ${k(median(r.alone))} | ${(median(e.alone) / median(r.alone)).toFixed(2)} |`,
    `| SET -P 16 rps, one replica | ${k(median(e.withReplica))} | ${k(median(r.withReplica))} | ${(median(e.withReplica) / median(r.withReplica)).toFixed(2)} |`,
    `| with replica / without | ${(median(e.withReplica) / median(e.alone)).toFixed(2)} | ${(median(r.withReplica) / median(r.alone)).toFixed(2)} | |`,
    `| master CPU µs/request, no replica | ${median(e.cpuAlone).toFixed(2)} | ${median(r.cpuAlone).toFixed(2)} | |`,
    `| master CPU µs/request, one replica | ${median(e.cpuWith).toFixed(2)} | ${median(r.cpuWith).toFixed(2)} | |`,
    `| replica CPU µs/request | ${median(e.cpuReplica).toFixed(2)} | ${median(r.cpuReplica).toFixed(2)} | |`,
    `| max replica lag during load (bytes) | ${median(e.maxLag)} | ${median(r.maxLag)} | |`,
    `| replica catch-up after load (ms) | ${median(e.catchUpMs)} | ${median(r.catchUpMs)} | |`,
    `| full sync of ${k(KEYS)} keys (ms) | ${median(e.fullSyncMs)} | ${median(r.fullSyncMs)} | ${(median(e.fullSyncMs) / median(r.fullSyncMs)).toFixed(2)} |`,
  ];
  console.log(lines.join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
