// Why: `eddy stream run` without --redis: the job's store is a local eddy-server (this package's
// dist/ build) with AOF on and its data in ./data, started for the job and stopped after it. It
// runs in its own process group (a Ctrl-C must not kill the store while the job drains), and a
// server left behind by a killed job is adopted through its pid file.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface LocalServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const SERVER_BIN = fileURLToPath(new URL('../../../../bin/eddy-server', import.meta.url));

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(/^(\+PONG|-LOADING|-NOAUTH)/.test(d.toString()));
    });
    s.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function stopper(pid: number, isDone: () => boolean, pidFile: string, log: (line: string) => void): () => Promise<void> {
  return async () => {
    if (!isDone()) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      const deadline = Date.now() + 10_000;
      while (!isDone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (!isDone()) process.kill(pid, 'SIGKILL');
    }
    rmSync(pidFile, { force: true });
    log('Stopped eddy-server');
  };
}

export async function startLocalServer(port: number, dataDir: string, log: (line: string) => void): Promise<LocalServer> {
  mkdirSync(dataDir, { recursive: true });
  const pidFile = join(dataDir, 'eddy-stream-server.pid');
  if (await ping(port)) {
    let pid = NaN;
    try {
      pid = Number(readFileSync(pidFile, 'utf8').split(' ')[0]);
    } catch {
      /* no pid file */
    }
    if (Number.isInteger(pid) && alive(pid) && readFileSync(pidFile, 'utf8').trim().endsWith(` ${port}`)) {
      log(`Using the eddy-server left running by a previous run (pid ${pid}) on port ${port}`);
      return { url: `redis://127.0.0.1:${port}/0`, pid, stop: stopper(pid, () => !alive(pid), pidFile, log) };
    }
    throw new Error(`Port ${port} is already in use: pass --redis redis://127.0.0.1:${port} to use that server, or --store-port to start eddy-server elsewhere`);
  }
  const logFile = join(dataDir, 'eddy-server.log');
  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [SERVER_BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--appendonly', 'yes', '--appendfsync', 'everysec'], {
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  const stderrTail = (): string => readFileSync(logFile, 'utf8').split('\n').slice(-5).join('\n').trim();
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`eddy-server exited with code ${child.exitCode}: ${stderrTail()}`);
    if (await ping(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`eddy-server did not start on port ${port}: ${stderrTail()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.unref();
  writeFileSync(pidFile, `${child.pid} ${port}\n`);
  log(`Started eddy-server (pid ${child.pid}) on port ${port}, AOF on, data in ${dataDir} (log: ${logFile})`);
  const done = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return { url: `redis://127.0.0.1:${port}/0`, pid: child.pid!, stop: stopper(child.pid!, done, pidFile, log) };
}
