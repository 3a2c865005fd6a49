// Why: the pieces `npm run bench` (bench/run.ts) is built from: running redis-benchmark and reading
// its CSV, a pipelined bulk loader over a raw socket (1M commands in seconds, not one round trip
// each), memory probes (INFO used_memory, VmRSS) and table formatting.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { RawClient, encodeCommand, replyEnd } from '../test/support/raw-client.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function run(cmd: string, args: string[]): Promise<{ out: string; err: string; code: number | null }> {
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

export interface BenchSpec {
  /** a redis-benchmark -t test name (lpush, lrange_100, ...) */
  t?: string;
  /** or a custom command line (each __rand_int__ is replaced by its own random number in [0, r)) */
  cmd?: string[];
  /** -r (keyspace / random range) */
  r: number;
}

export interface BenchResult {
  rps: number | null;
  /** what redis-benchmark reported instead of a number (an error reply from the server, a crash) */
  error: string | null;
}

/** One redis-benchmark run; returns requests per second of the wanted CSV row. */
export async function benchOnce(port: number, spec: BenchSpec, requests: number, pipeline: number, clients: number): Promise<BenchResult> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-n', String(requests), '-c', String(clients), '-r', String(spec.r), '-P', String(pipeline), '--csv'];
  if (spec.t) args.push('-t', spec.t);
  if (spec.cmd) args.push(...spec.cmd);
  const { out, err, code } = await run('redis-benchmark', args);
  // "test","rps",... then one row per test: "SET","123456.79",... A -t test may be preceded by the
  // rows of what it needs first ("LPUSH (needed to benchmark LRANGE)" before "LRANGE_100 (...)").
  const want = spec.t?.toUpperCase();
  for (const line of out.split('\n')) {
    const cells = line.split('","').map((c) => c.replace(/^"|"$/g, ''));
    if (cells.length < 2 || cells[0] === 'test') continue;
    if (want && cells[0] !== want && !cells[0].startsWith(want + ' ')) continue;
    const rps = Number(cells[1]);
    if (Number.isFinite(rps) && rps > 0) return { rps, error: null };
  }
  const msg = /Error from server: ([^\r\n]*)/.exec(out + err)?.[1] ?? `redis-benchmark exited ${code}: ${(err || out).trim().slice(-200)}`;
  return { rps: null, error: msg };
}

export interface LoadResult {
  ms: number;
  commands: number;
  errors: number;
  firstError: string | null;
}

/**
 * Send `total` commands (command i is `make(i)`) over one connection, pipelined: chunks of `chunk`
 * commands, at most `window` commands without a reply. Counts the replies and the error replies.
 */
export function load(port: number, total: number, make: (i: number) => string[], chunk = 500, window = 8_000): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    let sent = 0;
    let got = 0;
    let errors = 0;
    let firstError: string | null = null;
    let buf = '';
    const t0 = performance.now();
    const pump = () => {
      while (sent < total && sent - got < window) {
        const end = Math.min(total, sent + chunk);
        let s = '';
        for (let i = sent; i < end; i++) s += encodeCommand(make(i));
        sent = end;
        if (!sock.write(s, 'latin1')) {
          sock.once('drain', pump);
          return;
        }
      }
    };
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let pos = 0;
      for (;;) {
        if (pos >= buf.length) break;
        const end = replyEnd(buf, pos);
        if (end < 0) break;
        if (buf[pos] === '-') {
          errors++;
          firstError ??= buf.slice(pos + 1, end - 2);
        }
        got++;
        pos = end;
      }
      buf = buf.slice(pos);
      if (got === total) {
        sock.destroy();
        resolve({ ms: performance.now() - t0, commands: total, errors, firstError });
      } else pump();
    });
    sock.once('error', reject);
    sock.once('close', () => {
      if (got < total) reject(new Error(`connection closed after ${got}/${total} replies`));
    });
    sock.once('connect', pump);
  });
}

/** Run one command on a fresh connection and return its raw reply. */
export async function call(port: number, ...argv: string[]): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    return await c.call(...argv);
  } finally {
    c.close();
  }
}

/** Decode a RESP bulk/integer reply's payload (enough for INFO, DBSIZE). */
export function payload(r: string): string {
  if (r[0] === '$') return r.slice(r.indexOf('\r\n') + 2, -2);
  return r.slice(1, -2);
}

export async function usedMemory(port: number): Promise<number | null> {
  const m = /^used_memory:(\d+)/m.exec(payload(await call(port, 'INFO', 'memory')));
  return m ? Number(m[1]) : null;
}

export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmtRps(x: number | null): string {
  return x === null ? 'n/a' : Math.round(x).toLocaleString('en-US');
}
export function fmtMB(x: number | null): string {
  return x === null || Number.isNaN(x) ? 'n/a' : (x / 1024 / 1024).toFixed(1) + ' MB';
}
export function fmtMs(x: number | null): string {
  return x === null || Number.isNaN(x) ? 'n/a' : x >= 10_000 ? (x / 1000).toFixed(1) + ' s' : Math.round(x) + ' ms';
}
export function ratioOf(a: number | null, b: number | null): number | null {
  return a === null || b === null || !b || Number.isNaN(a) || Number.isNaN(b) ? null : a / b;
}
export function fmtRatio(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(2);
}

/** A plain-text table; a row of one cell is a section heading spanning the table. */
export function table(head: string[], rows: string[][]): string {
  const cols = rows.filter((r) => r.length === head.length);
  const w = head.map((h, i) => Math.max(h.length, ...cols.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  const rule = w.map((n) => '-'.repeat(n)).join('  ');
  return [line(head), rule, ...rows.map((r) => (r.length === head.length ? line(r) : r[0]))].join('\n');
}
