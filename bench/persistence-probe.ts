// Why: the measuring instruments of `npm run bench:persistence`: a start-up timer (spawn until the
// server answers +PONG, not -LOADING), a 1 ms GET latency probe, a peak-memory sampler that also
// counts a forked BGSAVE child's private pages (Redis's copy-on-write cost), INFO field reads and
// redis-benchmark CSV rows with their percentiles.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { EDDY_BIN, freePort, track } from '../test/support/servers.js';
import { RawClient, encodeCommand, replyEnd } from '../test/support/raw-client.js';
import { payload, rssOf, run, sleep } from './support.js';

export type Kind = 'eddy' | 'redis';

export interface Proc {
  kind: Kind;
  port: number;
  pid: number;
  dir: string;
  output: () => string;
  stop: () => Promise<void>;
}

function pingOnce(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString('latin1'));
    });
    s.once('error', () => resolve(''));
  });
}

let eddyV8Flags: string | null = null;

/** EDDY_V8_FLAGS for every eddy-server started from now on (null: inherit the environment). */
export function setEddyV8Flags(flags: string | null): void {
  eddyV8Flags = flags;
}

/**
 * Spawn a server on `dir` (loading whatever it holds) and resolve once it answers +PONG; `ms` is
 * the time from spawn to that answer. Both run with persistence triggers off unless `args` say so.
 */
export async function startTimed(kind: Kind, dir: string, args: string[] = [], timeoutMs = 300_000): Promise<{ proc: Proc; ms: number }> {
  const env = kind === 'eddy' && eddyV8Flags !== null ? { ...process.env, EDDY_V8_FLAGS: eddyV8Flags } : process.env;
  const port = await freePort();
  const common = ['--port', String(port), '--dir', dir, '--save', '', ...args];
  const t0 = performance.now();
  const child =
    kind === 'eddy'
      ? spawn(process.execPath, [EDDY_BIN, ...common], { stdio: ['ignore', 'pipe', 'pipe'], env })
      : spawn('redis-server', ['--bind', '127.0.0.1', '--appendonly', 'no', ...common], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = track(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const proc: Proc = {
    kind,
    port,
    pid: child.pid!,
    dir,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGKILL');
        await exited;
      }
    },
  };
  const deadline = t0 + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${kind} exited with ${child.exitCode}:\n${output().slice(-2000)}`);
    const r = await pingOnce(port);
    if (r.startsWith('+PONG')) return { proc, ms: performance.now() - t0 };
    if (performance.now() > deadline) {
      await proc.stop();
      throw new Error(`${kind} on ${port} did not answer PING within ${timeoutMs} ms:\n${output().slice(-2000)}`);
    }
    await sleep(5);
  }
}

/** "DB loaded from disk: 1.234 seconds" (both servers log it), in ms. */
export function loggedLoadMs(output: string): number | null {
  const m = /DB loaded from disk: ([\d.]+) seconds/.exec(output);
  return m ? Number(m[1]) * 1000 : null;
}

/** Numeric fields of one INFO section. */
export async function info(c: RawClient, section: string): Promise<Map<string, string>> {
  c.send('INFO', section);
  const text = payload(await c.read(60_000));
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** Private memory of a process (pages it does not share: a forked child's copy-on-write cost). */
function privateOf(pid: number): number {
  try {
    const t = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const clean = /Private_Clean:\s+(\d+) kB/.exec(t);
    const dirty = /Private_Dirty:\s+(\d+) kB/.exec(t);
    return ((clean ? Number(clean[1]) : 0) + (dirty ? Number(dirty[1]) : 0)) * 1024;
  } catch {
    return 0; // gone meanwhile
  }
}

function childrenOf(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** The server's memory: its RSS plus the private pages of its children (a forking BGSAVE). */
export function memoryOf(pid: number): { rss: number; children: number } {
  let children = 0;
  for (const c of childrenOf(pid)) children += privateOf(c);
  return { rss: rssOf(pid), children };
}

/** Samples memoryOf(pid) every `everyMs` and keeps the peak of rss + children. */
export class MemorySampler {
  peak = 0;
  peakChildren = 0;
  private timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 20,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    const m = memoryOf(this.pid);
    if (m.rss + m.children > this.peak) this.peak = m.rss + m.children;
    if (m.children > this.peakChildren) this.peakChildren = m.children;
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}

/**
 * One GET of an existing key per millisecond on its own connection; while `recording`, each
 * round trip is kept. A request still unanswered at the next tick is not doubled: its round trip,
 * however long the stall, is the sample (so a stall counts once — the p99 is a lower bound there).
 */
export class LatencyProbe {
  samples: number[] = [];
  recording = false;
  private sentAt = -1;
  private buf = '';
  private timer: NodeJS.Timeout | null = null;
  private readonly cmd: string;

  private constructor(
    private readonly sock: net.Socket,
    key: string,
  ) {
    this.cmd = encodeCommand(['GET', key]);
    sock.on('data', (d) => {
      this.buf += d.toString('latin1');
      const end = replyEnd(this.buf, 0);
      if (end < 0) return;
      this.buf = this.buf.slice(end);
      if (this.recording && this.sentAt >= 0) this.samples.push(performance.now() - this.sentAt);
      this.sentAt = -1;
    });
    sock.on('error', () => {});
  }

  static open(port: number, key: string): Promise<LatencyProbe> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.setNoDelay(true);
      s.once('connect', () => {
        const p = new LatencyProbe(s, key);
        p.timer = setInterval(() => p.tick(), 1);
        resolve(p);
      });
      s.once('error', reject);
    });
  }

  private tick(): void {
    if (this.sentAt >= 0) return;
    this.sentAt = performance.now();
    this.sock.write(this.cmd, 'latin1');
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.sock.destroy();
  }
}

export function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

export interface CsvRow {
  test: string;
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

/** redis-benchmark --csv rows: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms". */
export async function redisBenchmark(port: number, args: string[]): Promise<CsvRow[]> {
  const { out, err, code } = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '--csv', ...args]);
  const rows: CsvRow[] = [];
  for (const line of out.split('\n')) {
    const cells = line.trim().split('","').map((c) => c.replace(/^"|"$/g, ''));
    if (cells.length < 8 || cells[0] === 'test') continue;
    rows.push({ test: cells[0], rps: Number(cells[1]), p50: Number(cells[4]), p99: Number(cells[6]), max: Number(cells[7]) });
  }
  if (rows.length === 0) throw new Error(`redis-benchmark ${args.join(' ')} on ${port} exited ${code}: ${(err || out).trim().slice(-300)}`);
  return rows;
}
