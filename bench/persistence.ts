// Why: `npm run bench:persistence` — what persistence costs in eddy-server, side by side with the
// reference redis-server in the same run (these machines are shared: only ratios mean something):
// SAVE time and RDB size for 1M mixed keys, load time at start-up, write throughput with
// appendfsync everysec/always, and p99 latency plus memory growth during a BGSAVE — against the
// targets of issue 4. `--quick` uses 100k keys; `--json out.json` writes every number, `--report
// out.json` prints its table again; `--eddy-v8-flags ...` sets EDDY_V8_FLAGS for the eddy-servers;
// `--only load,bgsave` runs only those parts (save, load, bgsave, aof; load and bgsave need the RDB
// files: built and saved first unless `--data DIR` holds them from an earlier run, which keeps them).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tmpDir } from '../test/support/servers.js';
import { RawClient } from '../test/support/raw-client.js';
import { fmtMB, fmtMs, fmtRatio, fmtRps, load, median, ratioOf, rssOf, sleep, table } from './support.js';
import { dataset, type Dataset } from './persistence-data.js';
import { LatencyProbe, MemorySampler, info, loggedLoadMs, memoryOf, percentile, redisBenchmark, setEddyV8Flags, startTimed, type CsvRow, type Kind, type Proc } from './persistence-probe.js';

const KINDS: Kind[] = ['eddy', 'redis'];
const log = (s: string) => process.stderr.write(s + '\n');

interface Options {
  quick: boolean;
  json: string | null;
  rounds: number;
  clients: number;
  /** EDDY_V8_FLAGS for the eddy-servers (--eddy-v8-flags; default: bin/eddy-server's own) */
  v8Flags: string | null;
  /** --report file.json: print the table of an earlier --json run instead of running */
  report: string | null;
  /** --only: the parts to run */
  only: Set<Part>;
  /** --data DIR: keep the RDB files in DIR/eddy, DIR/redis (reused when present) */
  data: string | null;
}

const PARTS = ['save', 'load', 'bgsave', 'aof'] as const;
type Part = (typeof PARTS)[number];

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      rounds: { type: 'string' },
      clients: { type: 'string', default: '50' },
      'eddy-v8-flags': { type: 'string' },
      report: { type: 'string' },
      only: { type: 'string' },
      data: { type: 'string' },
    },
  });
  const only = new Set((values.only ?? PARTS.join(',')).split(',').filter(Boolean) as Part[]);
  for (const p of only) if (!PARTS.includes(p)) throw new Error(`--only: unknown part ${p} (${PARTS.join(', ')})`);
  const quick = values.quick ?? false;
  const v8Flags = values['eddy-v8-flags'] ?? null;
  const rounds = Number(values.rounds ?? (quick ? 1 : 3));
  return { quick, json: values.json ?? null, rounds, clients: Number(values.clients), v8Flags, report: values.report ?? null, only, data: values.data ?? null };
}

type PerKind<T> = Record<Kind, T>;
const perKind = <T>(f: (k: Kind) => T): PerKind<T> => ({ eddy: f('eddy'), redis: f('redis') });
/** Round r's order: alternate which server goes first so neither always gets the quieter slot. */
const order = <T>(r: number, xs: T[]): T[] => (r % 2 === 0 ? xs : [...xs].reverse());

async function call(c: RawClient, timeoutMs: number, ...argv: string[]): Promise<string> {
  c.send(...argv);
  return c.read(timeoutMs);
}

async function dbsize(port: number): Promise<number> {
  const c = await RawClient.connect(port);
  const r = await call(c, 60_000, 'DBSIZE');
  c.close();
  return Number(r.slice(1, -2));
}

// ---------------------------------------------------------------------------------------------
// 1. build the dataset, SAVE

async function build(procs: PerKind<Proc>, data: Dataset): Promise<PerKind<number>> {
  const res = await Promise.all(KINDS.map((k) => load(procs[k].port, data.commands, data.make)));
  const ms = perKind((k) => res[KINDS.indexOf(k)].ms);
  for (const [i, k] of KINDS.entries()) {
    if (res[i].errors) throw new Error(`${k}: ${res[i].errors} error replies loading the dataset, first: ${res[i].firstError}`);
    const n = await dbsize(procs[k].port);
    if (n !== data.keys) throw new Error(`${k}: DBSIZE ${n} after loading, expected ${data.keys}`);
  }
  return ms;
}

interface SaveResult {
  ms: PerKind<number[]>;
  size: PerKind<number>;
}

async function saves(procs: PerKind<Proc>, rounds: number): Promise<SaveResult> {
  const out: SaveResult = { ms: perKind(() => []), size: perKind(() => 0) };
  for (let r = 0; r < rounds; r++) {
    for (const k of order(r, KINDS)) {
      const c = await RawClient.connect(procs[k].port);
      const t0 = performance.now();
      const rep = await call(c, 600_000, 'SAVE');
      const ms = performance.now() - t0;
      c.close();
      if (rep !== '+OK\r\n') throw new Error(`${k}: SAVE replied ${rep.trim()}`);
      out.ms[k].push(ms);
      out.size[k] = fs.statSync(path.join(procs[k].dir, 'dump.rdb')).size;
      log(`  SAVE ${k}: ${fmtMs(ms)}, ${fmtMB(out.size[k])}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 2. load at start-up

interface LoadTimes {
  ms: PerKind<number[]>;
  logged: PerKind<number[]>;
  emptyMs: PerKind<number[]>;
  rss: PerKind<number>;
}

/** Restart each server on its own file `rounds` times; returns the times and the last servers. */
async function loads(dirs: PerKind<string>, rounds: number, keys: number): Promise<{ t: LoadTimes; procs: PerKind<Proc> }> {
  const t: LoadTimes = { ms: perKind(() => []), logged: perKind(() => []), emptyMs: perKind(() => []), rss: perKind(() => 0) };
  const kept: Partial<PerKind<Proc>> = {};
  for (let r = 0; r < rounds; r++) {
    for (const k of order(r, KINDS)) {
      // The bare start-up cost (a Node process vs a C binary), for reading the load numbers.
      const empty = tmpDir(`${k}-bench-empty-`);
      const e = await startTimed(k, empty);
      await e.proc.stop();
      fs.rmSync(empty, { recursive: true, force: true });
      t.emptyMs[k].push(e.ms);

      const { proc, ms } = await startTimed(k, dirs[k]);
      t.ms[k].push(ms);
      const logged = loggedLoadMs(proc.output());
      if (logged !== null) t.logged[k].push(logged);
      const n = await dbsize(proc.port);
      if (n !== keys) throw new Error(`${k}: DBSIZE ${n} after loading the RDB, expected ${keys}`);
      log(`  load ${k}: spawn -> PONG ${fmtMs(ms)}, logged ${fmtMs(logged)}, empty start ${fmtMs(e.ms)}`);
      if (r === rounds - 1) kept[k] = proc;
      else await proc.stop();
    }
  }
  await sleep(1000);
  for (const k of KINDS) t.rss[k] = rssOf(kept[k]!.pid);
  return { t, procs: kept as PerKind<Proc> };
}

// ---------------------------------------------------------------------------------------------
// 4. BGSAVE: memory growth, and latency under redis-benchmark load

interface BgsaveRun {
  ms: number;
  memBefore: number;
  memPeak: number;
  /** peak private memory of a forked child (Redis) */
  childPeak: number;
  /** probe round trips during the BGSAVE */
  probeP99: number | null;
  probeMax: number | null;
  probeSamples: number;
  bench: CsvRow[];
}

/** Run one BGSAVE (optionally under a redis-benchmark load) and watch it. */
async function bgsave(p: Proc, bench: string[] | null): Promise<BgsaveRun> {
  const c = await RawClient.connect(p.port);
  const probe = await LatencyProbe.open(p.port, 'key:000000000001');
  await sleep(200);
  const memBefore = ((m) => m.rss + m.children)(memoryOf(p.pid));
  const sampler = new MemorySampler(p.pid, 50);
  probe.recording = true;
  const t0 = performance.now();
  const rep = await call(c, 60_000, 'BGSAVE');
  if (!rep.startsWith('+Background saving started')) throw new Error(`${p.kind}: BGSAVE replied ${rep.trim()}`);
  const benchRun = bench ? redisBenchmark(p.port, bench) : Promise.resolve([]);
  let ms = 0;
  for (;;) {
    const f = await info(c, 'persistence');
    if (f.get('rdb_bgsave_in_progress') === '0') {
      ms = performance.now() - t0;
      if (f.get('rdb_last_bgsave_status') !== 'ok') throw new Error(`${p.kind}: BGSAVE failed`);
      break;
    }
    await sleep(25);
  }
  probe.recording = false;
  sampler.stop();
  const rows = await benchRun;
  probe.close();
  c.close();
  return {
    ms,
    memBefore,
    memPeak: sampler.peak,
    childPeak: sampler.peakChildren,
    probeP99: percentile(probe.samples, 99),
    probeMax: percentile(probe.samples, 100),
    probeSamples: probe.samples.length,
    bench: rows,
  };
}

/** The same probe and load without a BGSAVE, for comparison. */
async function baseline(p: Proc, bench: string[]): Promise<{ probeP99: number | null; bench: CsvRow[] }> {
  const probe = await LatencyProbe.open(p.port, 'key:000000000001');
  await sleep(200);
  probe.recording = true;
  const rows = await redisBenchmark(p.port, bench);
  probe.close();
  return { probeP99: percentile(probe.samples, 99), bench: rows };
}

interface BgsaveResult {
  idle: PerKind<BgsaveRun[]>;
  loaded: PerKind<BgsaveRun[]>;
  base: PerKind<{ probeP99: number | null; bench: CsvRow[] }[]>;
}

async function bgsaves(procs: PerKind<Proc>, rounds: number, strings: number, o: Options): Promise<BgsaveResult> {
  const res: BgsaveResult = { idle: perKind(() => []), loaded: perKind(() => []), base: perKind(() => []) };
  const benchArgs = (n: number) => ['-t', 'set,get', '-c', String(o.clients), '-r', String(strings), '-n', String(n)];
  for (let r = 0; r < rounds; r++) {
    for (const k of order(r, KINDS)) {
      const p = procs[k];
      const idle = await bgsave(p, null);
      res.idle[k].push(idle);
      const base = await baseline(p, benchArgs(o.quick ? 20_000 : 50_000));
      res.base[k].push(base);
      // Size the load to last about as long as an idle BGSAVE (a BGSAVE under load takes longer).
      const rps = Math.min(...base.bench.map((b) => b.rps));
      const n = Math.max(5_000, Math.round((rps * idle.ms) / 1000 / 2));
      const loaded = await bgsave(p, benchArgs(n));
      res.loaded[k].push(loaded);
      const b = (rows: CsvRow[]) => rows.map((x) => `${x.test} p99 ${x.p99} ms`).join(', ');
      log(
        `  BGSAVE ${k}: idle ${fmtMs(idle.ms)} +${fmtMB(idle.memPeak - idle.memBefore)}; ` +
          `no BGSAVE: probe p99 ${base.probeP99?.toFixed(2)} ms, ${b(base.bench)}; ` +
          `under load (${n} req/test): ${fmtMs(loaded.ms)} +${fmtMB(loaded.memPeak - loaded.memBefore)}, probe p99 ${loaded.probeP99?.toFixed(2)} ms (${loaded.probeSamples} samples), ${b(loaded.bench)}`,
      );
    }
  }
  return res;
}

// ---------------------------------------------------------------------------------------------
// 3. write throughput with AOF

const AOF_MODES = ['no AOF', 'everysec', 'always'] as const;
type AofMode = (typeof AOF_MODES)[number];
const aofArgs = (m: AofMode) => (m === 'no AOF' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', m]);

interface TputRow {
  test: string;
  pipeline: number;
  /** per server ("eddy everysec"...), one rps per round; index r is round r for every server */
  rps: Record<string, number[]>;
}

const tputKey = (k: Kind, m: AofMode) => `${k} ${m}`;

async function throughput(o: Options, rounds: number): Promise<TputRow[]> {
  const servers = new Map<string, { proc: Proc; dir: string }>();
  try {
    for (const k of KINDS) {
      for (const m of AOF_MODES) {
        const dir = tmpDir(`${k}-bench-aof-`);
        servers.set(tputKey(k, m), { proc: (await startTimed(k, dir, aofArgs(m))).proc, dir });
      }
    }
    const args = (test: string, n: number, pipeline: number) => ['-t', test, '-n', String(n), '-c', String(o.clients), '-r', '100000', '-P', String(pipeline)];
    for (const s of servers.values()) await redisBenchmark(s.proc.port, args('set,incr', o.quick ? 10_000 : 50_000, 1)); // warm-up
    const rows: TputRow[] = [];
    for (const pipeline of [1, 16]) {
      const n = pipeline === 1 ? (o.quick ? 20_000 : 50_000) : o.quick ? 200_000 : 500_000;
      for (const test of ['set', 'incr']) {
        const row: TputRow = { test: test.toUpperCase(), pipeline, rps: {} };
        for (let r = 0; r < rounds; r++) {
          // One server's three AOF modes run back to back (their ratio is taken per round, so a
          // noisy neighbour shifts both sides alike); which server and which mode go first rotate.
          const modes = [...AOF_MODES.slice(r % 3), ...AOF_MODES.slice(0, r % 3)];
          for (const k of order(r, KINDS)) {
            for (const m of modes) {
              const [res] = await redisBenchmark(servers.get(tputKey(k, m))!.proc.port, args(test, n, pipeline));
              (row.rps[tputKey(k, m)] ??= []).push(res.rps);
            }
          }
        }
        rows.push(row);
        log(`  ${row.test} -P ${pipeline}: ` + [...servers.keys()].map((key) => `${key} ${fmtRps(median(row.rps[key]))}`).join(', '));
      }
    }
    return rows;
  } finally {
    for (const s of servers.values()) {
      await s.proc.stop();
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
  }
}

/** Median over rounds of a/b taken within each round. */
function pairedRatio(a: number[] | undefined, b: number[] | undefined): number | null {
  if (!a || !b || a.length !== b.length) return null;
  return median(a.map((x, i) => x / b[i]));
}

// ---------------------------------------------------------------------------------------------
// The report

interface Verdict {
  target: string;
  met: boolean | null;
}

function verdict(target: string, ok: boolean | null): Verdict {
  return { target, met: ok };
}
const yes = (v: Verdict | null) => (v === null ? ['', ''] : [v.target, v.met === null ? 'n/a' : v.met ? 'yes' : 'NO']);
const fmtP = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2) + ' ms');
const pct = (extra: number, base: number) => `${fmtMB(extra)} (${((extra * 100) / base).toFixed(1)}%)`;
/** Median over rounds of one number per round (null entries skipped). */
const medOf = <T>(runs: T[], f: (x: T) => number | null) => median(runs.map(f).filter((x): x is number => x !== null && !Number.isNaN(x)));

/** Everything one run measured (also what --json writes and --report reads back). */
interface Results {
  keys: number;
  buildMs: PerKind<number>;
  save: SaveResult;
  load: LoadTimes;
  bgsave: BgsaveResult;
  throughput: TputRow[];
}

function report(o: Options, res: Results): { text: string; targets: Record<string, Verdict> } {
  const { save, load: lt, bgsave: bg, throughput: tput, buildMs } = res;
  const rows: string[][] = [];
  const targets: Record<string, Verdict> = {};
  const add = (name: string, e: string, r: string, ratio: string, v: Verdict | null = null) => {
    rows.push([name, e, r, ratio, ...yes(v)]);
    if (v) targets[name] = v;
  };
  const rounds = save.ms.eddy.length;
  const n = rounds > 1 ? `median of ${rounds} alternating rounds` : '1 run';
  rows.push([`RDB (${res.keys.toLocaleString('en-US')} keys; ${n})`]);
  add('dataset load, pipelined', fmtMs(buildMs.eddy), fmtMs(buildMs.redis), fmtRatio(ratioOf(buildMs.eddy, buildMs.redis)));
  const med = perKind((k) => median(save.ms[k]));
  const saveRatio = ratioOf(med.eddy, med.redis);
  add('SAVE time', fmtMs(med.eddy), fmtMs(med.redis), fmtRatio(saveRatio), verdict('<= 3x redis', saveRatio === null ? null : saveRatio <= 3));
  add('RDB file size', fmtMB(save.size.eddy), fmtMB(save.size.redis), fmtRatio(ratioOf(save.size.eddy, save.size.redis)));
  const lm = perKind((k) => median(lt.ms[k]));
  const loadRatio = ratioOf(lm.eddy, lm.redis);
  add('start-up load (spawn -> PONG)', fmtMs(lm.eddy), fmtMs(lm.redis), fmtRatio(loadRatio), verdict('<= 3x redis', loadRatio === null ? null : loadRatio <= 3));
  const ll = perKind((k) => median(lt.logged[k]));
  add('  "DB loaded from disk" (log)', fmtMs(ll.eddy), fmtMs(ll.redis), fmtRatio(ratioOf(ll.eddy, ll.redis)));
  const le = perKind((k) => median(lt.emptyMs[k]));
  add('  empty start (spawn -> PONG)', fmtMs(le.eddy), fmtMs(le.redis), fmtRatio(ratioOf(le.eddy, le.redis)));
  add('RSS after load', fmtMB(lt.rss.eddy), fmtMB(lt.rss.redis), fmtRatio(ratioOf(lt.rss.eddy, lt.rss.redis)));

  rows.push([`BGSAVE (${n}; redis memory = parent RSS + forked child's private pages; load: redis-benchmark -t set,get -c ${o.clients})`]);
  const bgIdle = perKind((k) => medOf(bg.idle[k], (x) => x.ms));
  add('BGSAVE time, no other load', fmtMs(bgIdle.eddy), fmtMs(bgIdle.redis), fmtRatio(ratioOf(bgIdle.eddy, bgIdle.redis)));
  const bgLoaded = perKind((k) => medOf(bg.loaded[k], (x) => x.ms));
  add('BGSAVE time, under load', fmtMs(bgLoaded.eddy), fmtMs(bgLoaded.redis), fmtRatio(ratioOf(bgLoaded.eddy, bgLoaded.redis)));
  for (const [label, runs] of [
    ['no other load', bg.idle],
    ['under load', bg.loaded],
  ] as const) {
    const extra = perKind((k) => medOf(runs[k], (x) => x.memPeak - x.memBefore));
    const frac = perKind((k) => medOf(runs[k], (x) => (x.memPeak - x.memBefore) / x.memBefore));
    const cell = (k: Kind) => (extra[k] === null || frac[k] === null ? 'n/a' : `${fmtMB(extra[k])} (${(frac[k]! * 100).toFixed(1)}%)`);
    add(`BGSAVE extra memory, ${label}`, cell('eddy'), cell('redis'), fmtRatio(ratioOf(extra.eddy, extra.redis)), verdict('eddy < 10%', frac.eddy === null ? null : frac.eddy < 0.1));
  }
  const p99Row = (name: string, x: PerKind<number | null>, target: boolean) =>
    add(name, fmtP(x.eddy), fmtP(x.redis), fmtRatio(ratioOf(x.eddy, x.redis)), target ? verdict('eddy < 5 ms', x.eddy === null ? null : x.eddy < 5) : null);
  p99Row('GET probe p99 during BGSAVE, no other load', perKind((k) => medOf(bg.idle[k], (x) => x.probeP99)), false);
  p99Row('GET probe p99 under load, no BGSAVE', perKind((k) => medOf(bg.base[k], (x) => x.probeP99)), false);
  p99Row('GET probe p99 under load during BGSAVE', perKind((k) => medOf(bg.loaded[k], (x) => x.probeP99)), true);
  p99Row('  GET probe max under load during BGSAVE', perKind((k) => medOf(bg.loaded[k], (x) => x.probeMax)), false);
  for (const test of ['SET', 'GET']) {
    const pick = (rows: CsvRow[]) => rows.find((x) => x.test === test)?.p99 ?? null;
    p99Row(`redis-benchmark ${test} p99, no BGSAVE`, perKind((k) => medOf(bg.base[k], (x) => pick(x.bench))), false);
    p99Row(`redis-benchmark ${test} p99 during BGSAVE`, perKind((k) => medOf(bg.loaded[k], (x) => pick(x.bench))), true);
  }

  const tputRounds = tput[0]?.rps[tputKey('eddy', 'no AOF')]?.length ?? 0;
  rows.push([`write throughput (redis-benchmark -c ${o.clients} -r 100000; median rps of ${tputRounds} rounds; ratios: median of per-round ratios)`]);
  for (const row of tput) {
    const runs = (k: Kind, m: AofMode) => row.rps[tputKey(k, m)];
    const name = `${row.test}${row.pipeline > 1 ? ` -P ${row.pipeline}` : ''}`;
    for (const m of AOF_MODES) {
      const e = median(runs('eddy', m) ?? []);
      const r = median(runs('redis', m) ?? []);
      let v: Verdict | null = null;
      if (m !== 'no AOF') {
        const rel = pairedRatio(runs('eddy', m), runs('eddy', 'no AOF'));
        const relRedis = pairedRatio(runs('redis', m), runs('redis', 'no AOF'));
        const vs = `vs no-AOF: eddy ${fmtRatio(rel)}, redis ${fmtRatio(relRedis)}`;
        v = m === 'everysec' ? verdict(`>= 0.8 (${vs})`, rel === null ? null : rel >= 0.8) : verdict(`(${vs})`, null);
      }
      rows.push([`${name}, ${m}`, fmtRps(e), fmtRps(r), fmtRatio(pairedRatio(runs('eddy', m), runs('redis', m))), ...(v ? yes(v) : ['', ''])]);
      if (v && v.met !== null) targets[`${name}, ${m}`] = v;
    }
  }
  const head = ['', 'eddy', 'redis', 'eddy/redis', 'target', 'met'];
  const met = Object.values(targets).filter((v) => v.met === true).length;
  const text = `${table(head, rows)}\n\ntargets met: ${met}/${Object.keys(targets).length}${res.keys < 1_000_000 ? ` (${res.keys} keys: the targets are for 1M)` : ''}`;
  return { text, targets };
}

async function main(): Promise<void> {
  const o = options();
  if (o.report) {
    // Re-render the table of an earlier run's --json output.
    const saved = JSON.parse(fs.readFileSync(o.report, 'utf8')) as Results & { options: Options };
    console.log(report({ ...saved.options, report: o.report }, saved).text);
    return;
  }
  setEddyV8Flags(o.v8Flags);
  const data = dataset(o.quick ? 0.1 : 1, Date.now() + 10 * 3600_000);
  const dirs = perKind((k) => (o.data ? path.join(o.data, k) : tmpDir(`${k}-bench-rdb-`)));
  // --data keeps a pristine copy of each saved file (BGSAVE under redis-benchmark rewrites dump.rdb).
  const seed = (k: Kind) => path.join(dirs[k], 'seed.rdb');
  const reuse = o.data !== null && KINDS.every((k) => fs.existsSync(seed(k)));
  let procs: PerKind<Proc> | null = null;
  const none = <T>(f: () => T): PerKind<T> => perKind(f);
  try {
    log(`dataset: ${data.keys} keys in ${data.commands} commands; ${o.rounds} round(s)${o.v8Flags !== null ? `; EDDY_V8_FLAGS=${JSON.stringify(o.v8Flags)}` : ''}`);
    let buildMs = none(() => NaN);
    let save: SaveResult = { ms: none(() => []), size: none(() => 0) };
    const needFiles = o.only.has('load') || o.only.has('bgsave');
    if (o.only.has('save') || (needFiles && !reuse)) {
      for (const k of KINDS) fs.mkdirSync(dirs[k], { recursive: true });
      const started = await Promise.all(KINDS.map((k) => startTimed(k, dirs[k])));
      procs = perKind((k) => started[KINDS.indexOf(k)].proc);
      buildMs = await build(procs, data);
      log(`  loaded: eddy ${fmtMs(buildMs.eddy)}, redis ${fmtMs(buildMs.redis)}`);
      save = await saves(procs, o.only.has('save') ? o.rounds : 1);
      if (!o.only.has('save')) save = { ms: none(() => []), size: save.size };
      if (o.data !== null) for (const k of KINDS) fs.copyFileSync(path.join(dirs[k], 'dump.rdb'), seed(k));
      for (const k of KINDS) await procs[k].stop();
      procs = null;
    } else if (reuse) {
      log(`  reusing the RDB files in ${o.data}`);
      for (const k of KINDS) fs.copyFileSync(seed(k), path.join(dirs[k], 'dump.rdb'));
    }
    let load: LoadTimes = { ms: none(() => []), logged: none(() => []), emptyMs: none(() => []), rss: none(() => NaN) };
    let bgsave: BgsaveResult = { idle: none(() => []), loaded: none(() => []), base: none(() => []) };
    if (needFiles) {
      const r = await loads(dirs, o.only.has('load') ? o.rounds : 1, data.keys);
      if (o.only.has('load')) load = r.t;
      procs = r.procs;
      if (o.only.has('bgsave')) bgsave = await bgsaves(procs, o.rounds, data.strings, o);
      for (const k of KINDS) await procs[k].stop();
      procs = null;
    }
    const throughputRows = o.only.has('aof') ? await throughput(o, o.rounds + 2) : [];
    const res: Results = { keys: data.keys, buildMs, save, load, bgsave, throughput: throughputRows };
    const { text, targets } = report(o, res);
    console.log(text);
    if (o.json) {
      fs.writeFileSync(o.json, JSON.stringify({ date: new Date().toISOString(), options: o, ...res, targets }, null, 2) + '\n');
      log(`wrote ${o.json}`);
    }
  } finally {
    if (procs) for (const k of KINDS) await procs[k].stop();
    if (o.data === null) for (const k of KINDS) fs.rmSync(dirs[k], { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
