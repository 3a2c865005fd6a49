// Why: start and stop real server processes for tests — eddy-server (the compiled dist/ build, as
// users run it) and the reference redis-server 7.0.15 — on ephemeral ports, stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whether this runs from test/support/ (vitest) or dist/test/support/ (bench). */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
export const ROOT = findRoot();
export const EDDY_BIN = path.join(ROOT, 'bin/eddy-server');

export interface ServerHandle {
  port: number;
  pid: number;
  dir: string;
  proc: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number, proc: ChildProcess, output: () => string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.write('PING\r\n');
      });
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG') || d.toString().startsWith('-NOAUTH') || d.toString().startsWith('-LOADING'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`server on ${port} did not answer PING:\n${output()}`);
}

/** Every server this test process started; killed by pid if the test process exits first. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) {
    try {
      if (p.exitCode === null && p.signalCode === null) process.kill(p.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/** Kill `proc` by pid if this process exits first; returns its collected stdout+stderr. */
export function track(proc: ChildProcess): () => string {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  return () => out;
}

function stopper(proc: ChildProcess) {
  return (signal: NodeJS.Signals = 'SIGKILL') =>
    new Promise<number | null>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
      proc.once('exit', (code) => resolve(code));
      try {
        process.kill(proc.pid!, signal);
      } catch {
        resolve(null);
      }
    });
}

export function tmpDir(prefix = 'eddy-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Start eddy-server from dist/ with redis-server style arguments. */
export async function startEddy(args: string[] = [], opts: { dir?: string } = {}): Promise<ServerHandle> {
  const port = await freePort();
  const dir = opts.dir ?? tmpDir();
  const proc = spawn(process.execPath, [EDDY_BIN, '--port', String(port), '--dir', dir, '--save', '', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = track(proc);
  try {
    await waitForPing(port, proc, output);
  } catch (e) {
    await stopper(proc)();
    throw e;
  }
  return { port, pid: proc.pid!, dir, proc, output, stop: stopper(proc) };
}

/** Start the reference redis-server (Debian's 7.0.15) with persistence off. */
export async function startRedis(args: string[] = []): Promise<ServerHandle> {
  const port = await freePort();
  const dir = tmpDir('redis-ref-');
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = track(proc);
  try {
    await waitForPing(port, proc, output);
  } catch (e) {
    await stopper(proc)();
    throw e;
  }
  return { port, pid: proc.pid!, dir, proc, output, stop: stopper(proc) };
}
