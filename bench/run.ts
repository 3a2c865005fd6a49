// Why: `npm run bench` — eddy-server against the reference redis-server in the same run, side by
// side (redis-benchmark with the same parameters, servers alternated per round, medians), because
// these machines are shared and only the ratio means something. Suites: strings (SET/GET/INCR/MSET),
// types (list/set/hash/zset/stream commands, ranges over a prepared 1M-member zset and 1M-entry
// stream) and memory (1M strings, 1M hashes of 5 fields, a 1M-member zset, on fresh servers).
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startEddy, startRedis, type ServerHandle } from '../test/support/servers.js';
import {
  benchOnce,
  call,
  fmtMB,
  fmtMs,
  fmtRatio,
  fmtRps,
  load,
  median,
  payload,
  ratioOf,
  rssOf,
  sleep,
  table,
  usedMemory,
  type BenchSpec,
  type LoadResult,
} from './support.js';

const SUITES = ['strings', 'types', 'memory'] as const;
type Suite = (typeof SUITES)[number];
type Name = 'eddy' | 'redis';

interface Options {
  quick: boolean;
  json: string | null;
  rounds: number;
  suites: Suite[];
  tests: string[];
  types: string[];
  clients: number;
  populate: number;
  big: number;
  /** aim for runs of about this long on the slower server (request counts are capped by the nominal ones) */
  seconds: number;
}

/** A data-type throughput test: what redis-benchmark runs and how each run's key is prepared. */
interface TypeTest {
  id: string;
  name: string;
  spec: BenchSpec;
  /** deleted before every run so all runs (and both servers) start from the same state */
  key?: string;
  /** RPOP: the list is filled with as many elements as the run pops */
  fill?: boolean;
  /** replies of ~100 elements: a lower cap on requests */
  range?: boolean;
}

function typeTests(big: number): TypeTest[] {
  const mid = Math.floor(big / 2);
  return [
    { id: 'lpush', name: 'LPUSH', spec: { t: 'lpush', r: 100_000 }, key: 'mylist' },
    { id: 'rpop', name: 'RPOP', spec: { t: 'rpop', r: 100_000 }, key: 'mylist', fill: true },
    { id: 'sadd', name: 'SADD', spec: { t: 'sadd', r: 100_000 }, key: 'myset' },
    { id: 'hset', name: 'HSET', spec: { t: 'hset', r: 100_000 }, key: 'myhash' },
    { id: 'zadd', name: 'ZADD', spec: { t: 'zadd', r: 100_000 }, key: 'myzset' },
    // redis-benchmark 7.0 has no xadd test; this is the command 7.2's xadd test sends (-d 3).
    { id: 'xadd', name: 'XADD', spec: { cmd: ['XADD', 'mystream', '*', 'myfield', 'xxx'], r: 100_000 }, key: 'mystream' },
    { id: 'lrange_100', name: 'LRANGE_100', spec: { t: 'lrange_100', r: 100_000 }, key: 'mylist', range: true },
    { id: 'zrange_100', name: `ZRANGE_100 (rank ${mid}..)`, spec: { cmd: ['ZRANGE', 'bigzset', String(mid), String(mid + 99)], r: 100_000 }, range: true },
    {
      id: 'zrange_100_byscore',
      name: 'ZRANGE_100 BYSCORE rand',
      spec: { cmd: ['ZRANGE', 'bigzset', '__rand_int__', '+inf', 'BYSCORE', 'LIMIT', '0', '100'], r: big - 100 },
      range: true,
    },
    { id: 'xrange_100', name: 'XRANGE_100 rand', spec: { cmd: ['XRANGE', 'bigstream', '__rand_int__', '+', 'COUNT', '100'], r: big - 100 }, range: true },
  ];
}
const TYPE_IDS = typeTests(1_000_000).map((t) => t.id);

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      rounds: { type: 'string' },
      suite: { type: 'string', default: SUITES.join(',') },
      tests: { type: 'string', default: 'set,get,incr,mset' },
      types: { type: 'string', default: TYPE_IDS.join(',') },
      clients: { type: 'string', default: '50' },
      populate: { type: 'string', default: '1000000' },
      big: { type: 'string', default: '1000000' },
      seconds: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const suites = values.suite.split(',').filter(Boolean);
  for (const s of suites) if (!(SUITES as readonly string[]).includes(s)) throw new Error(`unknown suite ${s} (have ${SUITES.join(', ')})`);
  const types = values.types.split(',').filter(Boolean);
  for (const t of types) if (!TYPE_IDS.includes(t)) throw new Error(`unknown type test ${t} (have ${TYPE_IDS.join(', ')})`);
  return {
    quick,
    json: values.json ?? null,
    rounds: Number(values.rounds ?? (quick ? 1 : 3)),
    suites: suites as Suite[],
    tests: values.tests.split(',').filter(Boolean),
    types,
    clients: Number(values.clients),
    populate: Number(values.populate),
    big: Number(values.big),
    seconds: Number(values.seconds ?? (quick ? 1 : 3)),
  };
}

interface Server {
  name: Name;
  handle: ServerHandle;
}

interface Row {
  suite: Suite;
  test: string;
  pipeline: number;
  requests: number;
  eddy: number | null;
  redis: number | null;
  eddyRuns: number[];
  redisRuns: number[];
  errors: string[];
}

type Prepare = (s: Server, requests: number) => Promise<void>;

/**
 * How many requests each run gets: a probe run per server (also the warm-up: JIT for eddy, page
 * faults for both) at this pipeline depth, then enough requests for about `o.seconds` on the
 * slower server, at most the nominal count. Both servers get the same count.
 */
async function sizeRequests(servers: Server[], o: Options, spec: BenchSpec, nominal: number, pipeline: number, prepare?: Prepare): Promise<number> {
  // at least 10 round trips per client and 5000 requests, so a run is more than its ramp-up
  const floor = Math.max(5_000, o.clients * pipeline * 10);
  const probe = Math.max(floor, Math.round(nominal / 50));
  let slowest = Infinity;
  for (const s of servers) {
    await prepare?.(s, probe);
    const r = await benchOnce(s.handle.port, spec, probe, pipeline, o.clients);
    if (r.rps !== null) slowest = Math.min(slowest, r.rps);
  }
  if (!Number.isFinite(slowest)) return probe;
  return Math.max(floor, Math.min(nominal, Math.round((slowest * o.seconds) / 1_000) * 1_000));
}

/** Median of `rounds` alternating runs per server of one test. */
async function measure(
  servers: Server[],
  o: Options,
  suite: Suite,
  test: string,
  spec: BenchSpec,
  nominal: number,
  pipeline: number,
  flip: number,
  prepare?: Prepare,
): Promise<Row> {
  const requests = await sizeRequests(servers, o, spec, nominal, pipeline, prepare);
  const row: Row = { suite, test, pipeline, requests, eddy: null, redis: null, eddyRuns: [], redisRuns: [], errors: [] };
  for (let r = 0; r < o.rounds; r++) {
    // Alternate which server goes first so neither always gets the warmer (or noisier) slot.
    const order = (flip + r) % 2 === 0 ? servers : [...servers].reverse();
    for (const s of order) {
      await prepare?.(s, requests);
      const res = await benchOnce(s.handle.port, spec, requests, pipeline, o.clients);
      if (res.rps !== null) (s.name === 'eddy' ? row.eddyRuns : row.redisRuns).push(res.rps);
      else row.errors.push(`${s.name}: ${res.error}`);
    }
  }
  row.eddy = median(row.eddyRuns);
  row.redis = median(row.redisRuns);
  process.stderr.write(`  ${row.test} -P ${pipeline} (${requests}): eddy ${fmtRps(row.eddy)}  redis ${fmtRps(row.redis)}${row.errors.length ? '  ' + row.errors.join('; ') : ''}\n`);
  return row;
}

function writeRequests(o: Options, pipeline: number): number {
  return pipeline === 1 ? (o.quick ? 20_000 : 100_000) : o.quick ? 200_000 : 1_000_000;
}
function rangeRequests(o: Options, pipeline: number): number {
  return pipeline === 1 ? (o.quick ? 20_000 : 100_000) : o.quick ? 40_000 : 200_000;
}

async function stringsSuite(servers: Server[], o: Options): Promise<Row[]> {
  const rows: Row[] = [];
  let flip = 0;
  for (const pipeline of [1, 16])
    for (const t of o.tests) rows.push(await measure(servers, o, 'strings', t.toUpperCase(), { t, r: 100_000 }, writeRequests(o, pipeline), pipeline, flip++));
  return rows;
}

interface LoadRow {
  what: string;
  eddy: LoadResult | null;
  redis: LoadResult | null;
}

const ZSET_PER_CMD = 1000;
/** The 1M-member zset: member m:<i> with score i, ZADD of 1000 members per command. */
function loadZset(port: number, n: number, key = 'bigzset'): Promise<LoadResult> {
  return load(
    port,
    Math.ceil(n / ZSET_PER_CMD),
    (k) => {
      const argv = ['ZADD', key];
      for (let i = k * ZSET_PER_CMD; i < Math.min(n, (k + 1) * ZSET_PER_CMD); i++) argv.push(String(i), 'm:' + i);
      return argv;
    },
    8,
    64,
  );
}
/** The 1M-entry stream: IDs <i+1>-0 (so a number is a valid XRANGE start), one small field each. */
function loadStream(port: number, n: number): Promise<LoadResult> {
  return load(port, n, (i) => ['XADD', 'bigstream', `${i + 1}-0`, 'myfield', 'xxx']);
}
/** n hashes h:<i> of 5 small fields. */
function loadHashes(port: number, n: number): Promise<LoadResult> {
  return load(port, n, (i) => ['HSET', 'h:' + i, 'f1', 'v' + i, 'f2', 'value2', 'f3', String(i % 1000), 'f4', 'val4', 'f5', 'v5']);
}

function loadNote(name: string, r: LoadResult | null): string {
  if (!r) return '';
  const slow = r.ms > 60_000 ? ' (pathologically slow)' : '';
  const err = r.errors ? `, ${r.errors} error replies, first: ${r.firstError}` : '';
  return `  ${name}: ${r.commands} commands in ${fmtMs(r.ms)}${slow}${err}\n`;
}

async function typesSuite(servers: Server[], o: Options, loads: LoadRow[], notes: string[]): Promise<Row[]> {
  const tests = typeTests(o.big).filter((t) => o.types.includes(t.id));
  const needZset = tests.some((t) => t.spec.cmd?.[1] === 'bigzset');
  const needStream = tests.some((t) => t.spec.cmd?.[1] === 'bigstream');
  // Prepare the big keys on both servers, one server at a time (the machine has few cores).
  for (const [what, need, fn] of [
    [`ZADD ${o.big} members (${ZSET_PER_CMD}/command), pipelined`, needZset, (p: number) => loadZset(p, o.big)],
    [`XADD ${o.big} entries, pipelined`, needStream, (p: number) => loadStream(p, o.big)],
  ] as const) {
    if (!need) continue;
    const row: LoadRow = { what, eddy: null, redis: null };
    for (const s of servers) {
      row[s.name] = await fn(s.handle.port);
      process.stderr.write(loadNote(`${s.name} ${what}`, row[s.name]));
    }
    loads.push(row);
  }
  // The range commands must get the same (non-error) reply from both servers, else we would time an error path.
  for (const t of tests) {
    if (!t.spec.cmd || t.key) continue;
    const argv = t.spec.cmd.map((a) => (a === '__rand_int__' ? '000000123456' : a));
    const [e, r] = await Promise.all(servers.map((s) => call(s.handle.port, ...argv)));
    if (e !== r || r[0] !== '*') notes.push(`${t.name}: replies differ or are not arrays for ${argv.join(' ')}: eddy ${JSON.stringify(e.slice(0, 80))}, redis ${JSON.stringify(r.slice(0, 80))}`);
  }
  const prepare =
    (t: TypeTest): Prepare =>
    async (s, requests) => {
      if (t.key) await call(s.handle.port, 'DEL', t.key);
      if (t.fill) {
        const per = 1000;
        await load(s.handle.port, Math.ceil(requests / per), (k) => ['RPUSH', t.key!, ...new Array<string>(Math.min(per, requests - k * per)).fill('xxx')], 8, 64);
      }
    };
  const rows: Row[] = [];
  let flip = 0;
  for (const pipeline of [1, 16])
    for (const t of tests) {
      const requests = t.range ? rangeRequests(o, pipeline) : writeRequests(o, pipeline);
      rows.push(await measure(servers, o, 'types', t.name, t.spec, requests, pipeline, flip++, prepare(t)));
    }
  for (const t of tests) if (t.key) await Promise.all(servers.map((s) => call(s.handle.port, 'DEL', t.key!)));
  return rows;
}

interface MemSample {
  rssBefore: number;
  rssAfter: number;
  usedBefore: number | null;
  /** used_memory right after loading and a 1 s pause (eddy: includes garbage not yet collected) */
  usedNoGc: number | null;
  /** used_memory after MEMORY PURGE (eddy: a full GC; redis: jemalloc purge) */
  usedAfter: number | null;
  keys: number | null;
  loadMs: number;
  error: string | null;
}

interface MemScenario {
  id: string;
  what: string;
  /** the issue's target for used_memory (or RSS for strings), eddy/redis */
  target: number;
  targetOn: 'used' | 'rss';
  fill: (port: number) => Promise<{ ms: number; error: string | null }>;
}

function memScenarios(o: Options): MemScenario[] {
  const fromLoad = async (p: Promise<LoadResult>) => {
    const r = await p;
    return { ms: r.ms, error: r.errors ? `${r.errors} error replies, first: ${r.firstError}` : null };
  };
  return [
    {
      id: 'strings',
      what: `${o.populate} strings (DEBUG POPULATE)`,
      target: 2,
      targetOn: 'rss',
      fill: async (port) => {
        const t0 = performance.now();
        const r = await call(port, 'DEBUG', 'POPULATE', String(o.populate));
        return { ms: performance.now() - t0, error: r === '+OK\r\n' ? null : r.trim() };
      },
    },
    { id: 'hashes', what: `${o.big} hashes of 5 fields`, target: 2.5, targetOn: 'used', fill: (port) => fromLoad(loadHashes(port, o.big)) },
    { id: 'zset', what: `one ${o.big}-member zset`, target: 2.5, targetOn: 'used', fill: (port) => fromLoad(loadZset(port, o.big)) },
  ];
}

/** Start eddy with gc() exposed, so MEMORY PURGE can collect before used_memory is read. */
async function startEddyWithGc(args: string[]): Promise<ServerHandle> {
  const saved = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${saved ?? ''} --expose-gc`.trim();
  try {
    return await startEddy(args);
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
}

async function memorySample(s: Server, sc: MemScenario): Promise<MemSample> {
  const port = s.handle.port;
  await sleep(500);
  const rssBefore = rssOf(s.handle.pid);
  const usedBefore = await usedMemory(port);
  const { ms, error } = await sc.fill(port);
  if (error) process.stderr.write(`  ${s.name}: ${sc.what}: ${error.slice(0, 200)}\n`);
  await sleep(1000);
  const usedNoGc = await usedMemory(port);
  await call(port, 'MEMORY', 'PURGE');
  await sleep(1000); // let the allocator / GC settle
  const dbsize = await call(port, 'DBSIZE');
  return {
    rssBefore,
    rssAfter: error ? NaN : rssOf(s.handle.pid),
    usedBefore,
    usedNoGc: error ? null : usedNoGc,
    usedAfter: error ? null : await usedMemory(port),
    keys: dbsize[0] === ':' ? Number(payload(dbsize)) : null,
    loadMs: ms,
    error,
  };
}

/** Each scenario on a fresh pair of servers, so RSS is not inflated by earlier work. */
async function memorySuite(o: Options, starts: Map<number, ServerHandle>): Promise<Record<string, Record<Name, MemSample>>> {
  const out: Record<string, Record<Name, MemSample>> = {};
  let flip = 0;
  for (const sc of memScenarios(o)) {
    const debug = ['--enable-debug-command', 'yes'];
    const eddy = await startEddyWithGc(debug);
    starts.set(eddy.pid, eddy);
    const redis = await startRedis(debug);
    starts.set(redis.pid, redis);
    try {
      const servers: Server[] = [
        { name: 'eddy', handle: eddy },
        { name: 'redis', handle: redis },
      ];
      const res = {} as Record<Name, MemSample>;
      for (const s of flip++ % 2 === 0 ? servers : [...servers].reverse()) res[s.name] = await memorySample(s, sc);
      out[sc.id] = res;
      process.stderr.write(`  memory ${sc.what}: used_memory eddy ${fmtMB(res.eddy.usedAfter)} redis ${fmtMB(res.redis.usedAfter)}; load eddy ${fmtMs(res.eddy.loadMs)} redis ${fmtMs(res.redis.loadMs)}\n`);
    } finally {
      for (const h of [eddy, redis]) {
        await h.stop();
        starts.delete(h.pid);
      }
    }
  }
  return out;
}

/** "ok" / "below" against the issue's targets (higher is better for rps, lower for memory). */
function verdict(r: number | null, target: number, higherIsBetter: boolean): string {
  if (r === null) return '';
  const ok = higherIsBetter ? r >= target : r <= target;
  return `${higherIsBetter ? '≥' : '≤'}${target} ${ok ? 'ok' : 'MISS'}`;
}

function report(o: Options, rows: Row[], loads: LoadRow[], mem: Record<string, Record<Name, MemSample>> | null, notes: string[]): string {
  const body: string[][] = [];
  const targets: Record<string, [number, number]> = { strings: [0.9, 0.4], types: [0.85, 0.35] };
  for (const suite of ['strings', 'types'] as const) {
    const rs = rows.filter((r) => r.suite === suite);
    if (!rs.length) continue;
    body.push([`${suite}: redis-benchmark -c ${o.clients}, requests per second, median of ${o.rounds} alternating round(s), n sized for ~${o.seconds} s on the slower server`]);
    for (const r of rs) {
      const ratio = ratioOf(r.eddy, r.redis);
      const target = targets[suite][r.pipeline === 1 ? 0 : 1];
      body.push([`${r.test}${r.pipeline > 1 ? ` -P ${r.pipeline}` : ''}`, r.requests.toLocaleString('en-US'), fmtRps(r.eddy), fmtRps(r.redis), fmtRatio(ratio), verdict(ratio, target, true)]);
    }
  }
  if (loads.length || mem) {
    body.push(['load time (one connection, pipelined); lower is better']);
    for (const l of loads) body.push([l.what, '', fmtMs(l.eddy?.ms ?? null), fmtMs(l.redis?.ms ?? null), fmtRatio(ratioOf(l.eddy?.ms ?? null, l.redis?.ms ?? null)), '']);
    if (mem)
      for (const sc of memScenarios(o)) {
        const m = mem[sc.id];
        if (m) body.push([sc.what, '', fmtMs(m.eddy.loadMs), fmtMs(m.redis.loadMs), fmtRatio(ratioOf(m.eddy.loadMs, m.redis.loadMs)), '']);
      }
  }
  if (mem) {
    body.push(['memory on fresh servers: used_memory after MEMORY PURGE (eddy: full GC), RSS = VmRSS, growth = after - before']);
    const growth = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
    for (const sc of memScenarios(o)) {
      const m = mem[sc.id];
      if (!m) continue;
      const { eddy: e, redis: r } = m;
      const keys = `keys ${e.keys ?? 'n/a'}/${r.keys ?? 'n/a'}`;
      const line = (label: string, a: number | null, b: number | null, on: 'used' | 'rss' | null) => {
        const ratio = ratioOf(a, b);
        return [`${sc.what}: ${label}`, label.startsWith('used_memory ') ? keys : '', fmtMB(a), fmtMB(b), fmtRatio(ratio), on === sc.targetOn ? verdict(ratio, sc.target, false) : ''];
      };
      body.push(line('used_memory', e.usedAfter, r.usedAfter, null));
      body.push(line('used_memory growth', growth(e.usedAfter, e.usedBefore), growth(r.usedAfter, r.usedBefore), 'used'));
      body.push(line('RSS', e.rssAfter, r.rssAfter, null));
      body.push(line('RSS growth', growth(e.rssAfter, e.rssBefore), growth(r.rssAfter, r.rssBefore), 'rss'));
      for (const [n, s] of [['eddy', e] as const, ['redis', r] as const]) if (s.error) notes.push(`${n}: ${sc.what} failed: ${s.error.slice(0, 200)}`);
    }
  }
  const out = [table(['test', 'n', 'eddy', 'redis', 'eddy/redis', 'target'], body)];
  for (const r of rows) for (const e of r.errors) notes.push(`${r.test} -P ${r.pipeline}: ${e}`);
  for (const l of loads) for (const [n, res] of [['eddy', l.eddy] as const, ['redis', l.redis] as const]) if (res?.errors) notes.push(`${n}: ${l.what}: ${res.errors} error replies, first: ${res.firstError}`);
  if (notes.length) out.push('', 'notes:', ...notes.map((n) => '  ' + n));
  return out.join('\n');
}

async function main(): Promise<void> {
  const o = options();
  const started = new Map<number, ServerHandle>();
  const rows: Row[] = [];
  const loads: LoadRow[] = [];
  const notes: string[] = [];
  let mem: Record<string, Record<Name, MemSample>> | null = null;
  try {
    if (o.suites.includes('strings') || o.suites.includes('types')) {
      const [eddy, redis] = await Promise.all([startEddy(), startRedis()]);
      started.set(eddy.pid, eddy);
      started.set(redis.pid, redis);
      const servers: Server[] = [
        { name: 'eddy', handle: eddy },
        { name: 'redis', handle: redis },
      ];
      process.stderr.write(`eddy pid ${eddy.pid} port ${eddy.port}, redis pid ${redis.pid} port ${redis.port}; ${o.rounds} round(s), -c ${o.clients}\n`);
      if (o.suites.includes('strings')) rows.push(...(await stringsSuite(servers, o)));
      if (o.suites.includes('types')) rows.push(...(await typesSuite(servers, o, loads, notes)));
      for (const h of [eddy, redis]) {
        await h.stop();
        started.delete(h.pid);
      }
    }
    if (o.suites.includes('memory')) mem = await memorySuite(o, started);
    console.log(`eddy vs redis-server ${o.quick ? '(--quick) ' : ''}on ${new Date().toISOString()}`);
    console.log(report(o, rows, loads, mem, notes));
    if (o.json) {
      fs.writeFileSync(o.json, JSON.stringify({ date: new Date().toISOString(), options: o, throughput: rows, loads, memory: mem, notes }, null, 2) + '\n');
      process.stderr.write(`wrote ${o.json}\n`);
    }
  } finally {
    await Promise.all([...started.values()].map((h) => h.stop()));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
