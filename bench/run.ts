// Why: `npm run bench` — eddy-server against the reference redis-server in the same run, side by
// side (redis-benchmark with the same parameters, servers alternated), because these machines are
// shared and only the ratio means something. Also compares memory after DEBUG POPULATE 1000000.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startEddy, startRedis, type ServerHandle } from '../test/support/servers.js';
import { RawClient } from '../test/support/raw-client.js';

interface Options {
  quick: boolean;
  json: string | null;
  rounds: number;
  tests: string[];
  clients: number;
  populate: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      rounds: { type: 'string' },
      tests: { type: 'string' },
      clients: { type: 'string', default: '50' },
      populate: { type: 'string', default: '1000000' },
    },
  });
  const quick = values.quick ?? false;
  return {
    quick,
    json: values.json ?? null,
    rounds: Number(values.rounds ?? (quick ? 1 : 3)),
    tests: (values.tests ?? 'set,get,incr,mset').split(','),
    clients: Number(values.clients),
    populate: Number(values.populate),
  };
}

interface Server {
  name: 'eddy' | 'redis';
  handle: ServerHandle;
}

interface Row {
  test: string;
  pipeline: number;
  requests: number;
  eddy: number | null;
  redis: number | null;
  eddyRuns: number[];
  redisRuns: number[];
}

function run(cmd: string, args: string[]): Promise<{ out: string; err: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.once('error', reject);
    p.once('close', (code) => resolve({ out, err, code }));
  });
}

/** One redis-benchmark run of one test; returns requests per second (null if it did not run). */
async function benchOnce(port: number, test: string, requests: number, pipeline: number, clients: number): Promise<number | null> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', test, '-n', String(requests), '-c', String(clients), '-r', '100000', '-P', String(pipeline), '--csv'];
  const { out } = await run('redis-benchmark', args);
  // "test","rps",... then one row per test: "SET","123456.79",...
  for (const line of out.split('\n')) {
    const cells = line.split('","').map((c) => c.replace(/^"|"$/g, ''));
    if (cells.length > 1 && cells[0] !== 'test') {
      const rps = Number(cells[1]);
      return Number.isFinite(rps) && rps > 0 ? rps : null;
    }
  }
  return null;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function throughput(servers: Server[], o: Options): Promise<Row[]> {
  const rows: Row[] = [];
  let flip = 0;
  for (const pipeline of [1, 16]) {
    const requests = pipeline === 1 ? (o.quick ? 20_000 : 100_000) : o.quick ? 200_000 : 1_000_000;
    for (const test of o.tests) {
      const row: Row = { test: test.toUpperCase(), pipeline, requests, eddy: null, redis: null, eddyRuns: [], redisRuns: [] };
      for (let r = 0; r < o.rounds; r++) {
        // Alternate which server goes first so neither always gets the warmer (or noisier) slot.
        const order = flip++ % 2 === 0 ? servers : [...servers].reverse();
        for (const s of order) {
          const rps = await benchOnce(s.handle.port, test, requests, pipeline, o.clients);
          if (rps !== null) (s.name === 'eddy' ? row.eddyRuns : row.redisRuns).push(rps);
        }
      }
      row.eddy = median(row.eddyRuns);
      row.redis = median(row.redisRuns);
      rows.push(row);
      process.stderr.write(`  ${row.test} -P ${pipeline}: eddy ${fmtRps(row.eddy)}  redis ${fmtRps(row.redis)}\n`);
    }
  }
  return rows;
}

interface Memory {
  rssBefore: number;
  rssAfter: number;
  usedBefore: number | null;
  usedAfter: number | null;
  keys: number | null;
  populateMs: number;
  /** DEBUG POPULATE's reply when it was not +OK (the "after" numbers are then meaningless) */
  error: string | null;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Decode a RESP bulk/integer reply's payload (enough for INFO, DBSIZE). */
function payload(r: string): string {
  if (r[0] === '$') return r.slice(r.indexOf('\r\n') + 2, -2);
  return r.slice(1, -2);
}

async function usedMemory(c: RawClient): Promise<number | null> {
  const info = payload(await c.call('INFO', 'memory'));
  const m = /^used_memory:(\d+)/m.exec(info);
  return m ? Number(m[1]) : null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function memory(s: Server, n: number): Promise<Memory> {
  const c = await RawClient.connect(s.handle.port);
  await c.call('FLUSHALL');
  await sleep(1000);
  const rssBefore = rssOf(s.handle.pid);
  const usedBefore = await usedMemory(c);
  const t0 = performance.now();
  const r = await c.call('DEBUG', 'POPULATE', String(n));
  const populateMs = performance.now() - t0;
  if (r !== '+OK\r\n') process.stderr.write(`  ${s.name}: DEBUG POPULATE replied ${JSON.stringify(r.slice(0, 120))}\n`);
  await sleep(2000); // let the allocator / GC settle
  const dbsize = await c.call('DBSIZE');
  const m: Memory = {
    rssBefore,
    rssAfter: rssOf(s.handle.pid),
    usedBefore,
    usedAfter: await usedMemory(c),
    keys: dbsize[0] === ':' ? Number(payload(dbsize)) : null,
    populateMs,
    error: r === '+OK\r\n' ? null : r.trim(),
  };
  if (m.error) {
    m.rssAfter = NaN;
    m.usedAfter = null;
  }
  await c.call('FLUSHALL');
  c.close();
  return m;
}

function fmtRps(x: number | null): string {
  return x === null ? 'n/a' : Math.round(x).toLocaleString('en-US');
}
function fmtMB(x: number | null): string {
  return x === null || Number.isNaN(x) ? 'n/a' : (x / 1024 / 1024).toFixed(1) + ' MB';
}
function ratio(a: number | null, b: number | null): string {
  return a === null || b === null || !b || Number.isNaN(a) || Number.isNaN(b) ? 'n/a' : (a / b).toFixed(2);
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const o = options();
  const debug = ['--enable-debug-command', 'yes']; // Redis 7 refuses DEBUG by default
  const [eddy, redis] = await Promise.all([startEddy(debug), startRedis(debug)]);
  const servers: Server[] = [
    { name: 'eddy', handle: eddy },
    { name: 'redis', handle: redis },
  ];
  try {
    process.stderr.write(`eddy pid ${eddy.pid} port ${eddy.port}, redis pid ${redis.pid} port ${redis.port}; ${o.rounds} round(s), -c ${o.clients}\n`);
    // Warm-up (JIT for eddy, page faults for both); not measured.
    for (const s of servers) await benchOnce(s.handle.port, o.tests.join(','), o.quick ? 10_000 : 50_000, 1, o.clients);
    const rows = await throughput(servers, o);
    const mem: Record<string, Memory> = {};
    for (const s of servers) mem[s.name] = await memory(s, o.populate);

    const out: string[] = [];
    out.push(`redis-benchmark -c ${o.clients} -r 100000, median of ${o.rounds} alternating round(s)${o.quick ? ' (--quick)' : ''}`);
    out.push(
      table(
        ['test', 'requests', 'eddy rps', 'redis rps', 'eddy/redis'],
        rows.map((r) => [`${r.test}${r.pipeline > 1 ? ` -P ${r.pipeline}` : ''}`, String(r.requests), fmtRps(r.eddy), fmtRps(r.redis), ratio(r.eddy, r.redis)]),
      ),
    );
    out.push('');
    const e = mem.eddy;
    const r = mem.redis;
    for (const [name, m] of Object.entries(mem)) if (m.error) out.push(`${name}: DEBUG POPULATE failed: ${m.error.slice(0, 100)}`);
    out.push(`memory after DEBUG POPULATE ${o.populate} (keys: eddy ${e.keys ?? 'n/a'}, redis ${r.keys ?? 'n/a'}; populate took eddy ${e.populateMs.toFixed(0)} ms, redis ${r.populateMs.toFixed(0)} ms)`);
    out.push(
      table(
        ['', 'eddy', 'redis', 'eddy/redis'],
        [
          ['RSS (VmRSS)', fmtMB(e.rssAfter), fmtMB(r.rssAfter), ratio(e.rssAfter, r.rssAfter)],
          ['RSS growth', fmtMB(e.rssAfter - e.rssBefore), fmtMB(r.rssAfter - r.rssBefore), ratio(e.rssAfter - e.rssBefore, r.rssAfter - r.rssBefore)],
          ['INFO used_memory', fmtMB(e.usedAfter), fmtMB(r.usedAfter), ratio(e.usedAfter, r.usedAfter)],
          [
            'used_memory growth',
            fmtMB(e.usedAfter === null || e.usedBefore === null ? null : e.usedAfter - e.usedBefore),
            fmtMB(r.usedAfter === null || r.usedBefore === null ? null : r.usedAfter - r.usedBefore),
            ratio(
              e.usedAfter === null || e.usedBefore === null ? null : e.usedAfter - e.usedBefore,
              r.usedAfter === null || r.usedBefore === null ? null : r.usedAfter - r.usedBefore,
            ),
          ],
        ],
      ),
    );
    console.log(out.join('\n'));
    if (o.json) {
      fs.writeFileSync(o.json, JSON.stringify({ date: new Date().toISOString(), options: o, throughput: rows, memory: mem }, null, 2) + '\n');
      process.stderr.write(`wrote ${o.json}\n`);
    }
  } finally {
    await Promise.all([eddy.stop(), redis.stop()]);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
