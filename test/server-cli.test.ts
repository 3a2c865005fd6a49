// Why: the eddy-server executable as users start it: config file + `--directive` overrides, stdin
// config, Redis's fatal config errors with line numbers, --version/--help, daemonize + pidfile,
// requirepass, and a clean exit on SIGTERM.
import { describe, expect, it } from 'vitest';
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EDDY_BIN, freePort, startEddy, tmpDir } from './support/servers.js';
import { RawClient } from './support/raw-client.js';

function run(args: string[], input?: string) {
  return spawnSync(process.execPath, [EDDY_BIN, ...args], { input, encoding: 'latin1', timeout: 10000 });
}

async function waitFor(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe('eddy-server command line', () => {
  it('--version and --help', () => {
    const v = run(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^eddy-server v=\S+ redis_version=7\.0\.15/);
    const h = run(['--help']);
    expect(h.status).toBe(0);
    expect(h.stderr).toContain('Usage: eddy-server [/path/to/redis.conf] [options] [-]');
  });

  it('refuses an unknown directive with the line number, as redis-server does', () => {
    const dir = tmpDir();
    const conf = path.join(dir, 'bad.conf');
    fs.writeFileSync(conf, 'port 7000\nfoo bar\n');
    const r = run([conf]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments",
    );
    const o = run(['--port', 'abc']);
    expect(o.status).toBe(1);
    expect(o.stderr).toContain(">>> 'port \"abc\"'\nargument couldn't be parsed into an integer");
  });

  it('config file, overrides and stdin config all apply', async () => {
    const dir = tmpDir();
    const conf = path.join(dir, 'eddy.conf');
    fs.writeFileSync(conf, '# comment\ndatabases 4\nrequirepass "s3cret"\nhz 20\n');
    const port = await freePort();
    const p = spawn(process.execPath, [EDDY_BIN, conf, '--port', String(port), '--dir', dir, '--hz', '30', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    p.stdin.end('maxclients 77\n');
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    try {
      expect(await waitFor(() => out.includes('Ready to accept connections'))).toBe(true);
      const c = await RawClient.connect(port);
      expect(await c.call('GET', 'x')).toBe('-NOAUTH Authentication required.\r\n');
      expect(await c.call('AUTH', 'wrong')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
      expect(await c.call('AUTH', 's3cret')).toBe('+OK\r\n');
      expect(await c.call('SELECT', '3')).toBe('+OK\r\n');
      expect(await c.call('SELECT', '4')).toBe('-ERR DB index is out of range\r\n');
      c.close();
    } finally {
      p.kill('SIGKILL');
    }
  });

  it('daemonizes, writes its pidfile and exits cleanly on SIGTERM', async () => {
    const dir = tmpDir();
    const port = await freePort();
    const pidfile = path.join(dir, 'eddy.pid');
    const r = run(['--port', String(port), '--daemonize', 'yes', '--pidfile', pidfile, '--dir', dir, '--logfile', path.join(dir, 'eddy.log')]);
    expect(r.status).toBe(0);
    expect(await waitFor(() => fs.existsSync(pidfile))).toBe(true);
    const pid = Number(fs.readFileSync(pidfile, 'utf8').trim());
    expect(pid).toBeGreaterThan(0);
    try {
      const c = await RawClient.connect(port);
      expect(await c.call('PING')).toBe('+PONG\r\n');
      c.close();
      process.kill(pid, 'SIGTERM');
      expect(await waitFor(() => !fs.existsSync(pidfile))).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'eddy.log'), 'utf8')).toContain('Received SIGTERM scheduling shutdown');
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already exited */
      }
    }
  });

  it('a server started by the test harness exits 0 on SIGTERM', async () => {
    const s = await startEddy();
    expect(await s.stop('SIGTERM')).toBe(0);
  });
});
