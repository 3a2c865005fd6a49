// Why: the AOF must be interchangeable with Redis 7.0.15's: real redis-server loads the directory
// eddy writes and eddy loads the one redis-server writes (with and without the RDB preamble, before
// and after BGREWRITEAOF), a legacy single appendonly.aof migrates, a torn tail is cut at every byte
// offset (or refused with aof-load-truncated no), corruption refuses to start, and the AOF can be
// switched on at runtime. Datasets are compared key by key through commands.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { startEddy, startRedis, tmpDir, EDDY_BIN, freePort, type ServerHandle } from './support/servers.js';
import { RawClient } from './support/raw-client.js';
import { Rng } from './support/diff.js';
import { applyWorkload, cmd, diffDatasets, dumpDataset, pipeline, workload } from './support/dataset.js';
import { parseReply, RespError } from './support/resp-values.js';
import { spawn } from 'node:child_process';
import { Server } from '../src/server/server.js';
import { Config } from '../src/server/config.js';
import { aofRestartAfterSync, aofStartup, aofStopForSync } from '../src/persistence/aof-commands.js';
import { aofOf, rdbBaseAvailable } from '../src/persistence/aof.js';
import { processCommand } from '../src/server/dispatch.js';
import { AofManifest } from '../src/persistence/aof-manifest.js';


const handles: ServerHandle[] = [];
const clients: RawClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(handles.map((h) => h.stop()));
});

async function eddy(dir: string, args: string[] = []): Promise<ServerHandle> {
  const h = await startEddy(['--appendonly', 'yes', '--appendfsync', 'always', ...args], { dir });
  handles.push(h);
  return h;
}
async function redis(dir: string, args: string[] = []): Promise<ServerHandle> {
  const h = await startRedis(['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', ...args]);
  handles.push(h);
  return h;
}
async function connect(h: ServerHandle): Promise<RawClient> {
  const c = await RawClient.connect(h.port);
  clients.push(c);
  return c;
}
async function info(c: RawClient, section = 'persistence'): Promise<Map<string, string>> {
  const text = (await cmd(c, 'INFO', section)) as string;
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}
async function waitRewrite(c: RawClient): Promise<Map<string, string>> {
  for (let i = 0; i < 200; i++) {
    const m = await info(c);
    if (m.get('aof_rewrite_in_progress') === '0' && m.get('aof_rewrite_scheduled') === '0') return m;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('AOF rewrite did not finish');
}
function manifest(dir: string): AofManifest {
  return AofManifest.parse(fs.readFileSync(path.join(dir, 'appendonlydir/appendonly.aof.manifest'), 'latin1'));
}
function expectSame(a: Map<string, string>, b: Map<string, string>, names: string[]): void {
  const d = diffDatasets(a, b, names);
  expect(d, d).toBe('');
  expect(a.size).toBe(b.size);
}

/** Start a server on `dir`, dump its dataset, stop it. */
async function loadDump(kind: 'eddy' | 'redis', dir: string, args: string[] = []): Promise<Map<string, string>> {
  const h = kind === 'eddy' ? await eddy(dir, args) : await redis(dir, args);
  const c = await connect(h);
  // redis-server answers -LOADING until its load is done
  for (let i = 0; i < 200 && (await c.call('PING')).startsWith('-LOADING'); i++) await new Promise((r) => setTimeout(r, 20));
  const got = await dumpDataset(c, 16, { encodings: true });
  c.close();
  await h.stop('SIGTERM');
  return got;
}

/**
 * Redis 7.0 does not carry a group's entries-read through an AOF in command form (XREADGROUP is
 * propagated as XCLAIM + XGROUP SETID without it): replayed groups report entries-read nil, and the
 * lag follows. Originals are compared with these two masked; eddy and redis loading the same
 * files are compared exactly.
 */
function maskGroupCounters(d: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of d) out.set(k, v.replace(/"entries-read",(null|-?\d+),"lag",(null|-?\d+)/g, '"entries-read","?","lag","?"'));
  return out;
}

/** Loaded datasets carry OBJECT ENCODING (eddy and redis must agree); originals do not. */
function withoutEncodings(d: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of d) {
    const a = JSON.parse(v) as unknown[];
    (a[3] as unknown[]).pop();
    out.set(k, JSON.stringify(a));
  }
  return out;
}

/** Both servers load `dir`: the same dataset, equal to `expected` (group counters masked). */
async function checkBothLoad(dir: string, expected: Map<string, string>, order: ('eddy' | 'redis')[] = ['redis', 'eddy']): Promise<void> {
  const got: Record<string, Map<string, string>> = {};
  for (const kind of order) got[kind] = await loadDump(kind, dir);
  expectSame(got.redis, got.eddy, ['redis', 'eddy']);
  expectSame(maskGroupCounters(expected), maskGroupCounters(withoutEncodings(got.eddy)), ['expected', 'eddy']);
}

describe('eddy writes, redis-server reads', () => {
  for (const preamble of ['no', 'yes']) {
    it(`aof-use-rdb-preamble ${preamble}: base, BGREWRITEAOF, incr`, async () => {
      // the RDB side provides the base writer and the preamble reader
      expect(rdbBaseAvailable()).toBe(true);
      const dir = tmpDir('eddy-aof-');
      const e = await eddy(dir, ['--aof-use-rdb-preamble', preamble]);
      const c = await connect(e);
      await applyWorkload(c, workload(new Rng(11), 600, { streams: true }));
      expect(await c.call('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
      await waitRewrite(c);
      await applyWorkload(c, workload(new Rng(12), 600, { streams: true }));
      const before = await dumpDataset(c);
      expect(before.size).toBeGreaterThan(40);
      const m = manifest(dir);
      expect(m.base!.name).toBe(`appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'}`);
      expect(m.incr.map((x) => x.name)).toEqual(['appendonly.aof.2.incr.aof']);
      expect(fs.readdirSync(path.join(dir, 'appendonlydir')).sort()).toEqual([
        `appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'}`,
        'appendonly.aof.2.incr.aof',
        'appendonly.aof.manifest',
      ]);
      c.close();
      await e.stop('SIGKILL'); // appendfsync always: everything acknowledged is on disk
      await checkBothLoad(dir, before);
    });
  }
});

describe('redis-server writes, eddy reads', () => {
  for (const preamble of ['no', 'yes']) {
    for (const rewrite of [false, true]) {
      it(`aof-use-rdb-preamble ${preamble}, ${rewrite ? 'after' : 'before'} BGREWRITEAOF`, async () => {
        const dir = tmpDir('redis-aof-');
        const r = await redis(dir, ['--aof-use-rdb-preamble', preamble]);
        const c = await connect(r);
        await applyWorkload(c, workload(new Rng(21 + Number(rewrite)), 600, { streams: true }));
        if (rewrite) {
          await cmd(c, 'BGREWRITEAOF');
          await waitRewrite(c);
          await applyWorkload(c, workload(new Rng(31), 300, { streams: true }));
        }
        const before = await dumpDataset(c);
        c.close();
        await r.stop('SIGKILL');
        // eddy loads it first (and reopens redis's incr file), then redis loads it again.
        await checkBothLoad(dir, before, ['eddy', 'redis']);
      });
    }
  }
});

describe('start-up precedence', () => {
  it('with appendonly yes the AOF is loaded and dump.rdb ignored, as Redis does', async () => {
    const dir = tmpDir('eddy-aof-');
    // a dump.rdb with one key, an AOF with another
    const r = await startRedis(['--dir', dir]);
    handles.push(r);
    const rc = await connect(r);
    await cmd(rc, 'SET', 'from-rdb', '1');
    await cmd(rc, 'SAVE');
    rc.close();
    await r.stop('SIGKILL');
    writeAofDir(dir, resp(['SET', 'from-aof', '1']));
    const e = await eddy(dir);
    const c = await connect(e);
    expect(await pipeline(c, [['EXISTS', 'from-aof'], ['EXISTS', 'from-rdb'], ['EXISTS', 'base']])).toEqual([1, 0, 1]);
    c.close();
    await e.stop('SIGTERM');
    // with appendonly no, the RDB
    const e2 = await startEddy(['--appendonly', 'no'], { dir });
    handles.push(e2);
    const c2 = await connect(e2);
    expect(await pipeline(c2, [['EXISTS', 'from-aof'], ['EXISTS', 'from-rdb']])).toEqual([0, 1]);
    c2.close();
  });
});

describe('legacy single-file AOF', () => {
  it('appendonly.aof without a manifest is loaded and migrated into the directory', async () => {
    const src = tmpDir('eddy-aof-');
    const r = await redis(src, ['--aof-use-rdb-preamble', 'no']);
    const c = await connect(r);
    await applyWorkload(c, workload(new Rng(41), 500, { streams: true }));
    const before = await dumpDataset(c);
    c.close();
    await r.stop('SIGKILL');
    const m = manifest(src);
    const parts = [m.base!, ...m.incr].map((f) => fs.readFileSync(path.join(src, 'appendonlydir', f.name)));
    const dir = tmpDir('eddy-legacy-');
    fs.writeFileSync(path.join(dir, 'appendonly.aof'), Buffer.concat(parts));
    const loaded = await loadDump('eddy', dir);
    expectSame(maskGroupCounters(before), maskGroupCounters(withoutEncodings(loaded)), ['redis', 'eddy']);
    expect(fs.existsSync(path.join(dir, 'appendonly.aof'))).toBe(false);
    const mm = manifest(dir);
    expect(mm.format()).toBe('file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    expectSame(await loadDump('redis', dir), loaded, ['redis', 'eddy']);
  });

  it('a legacy file with an RDB preamble loads its RDB part and its command tail', async () => {
    const src = tmpDir('eddy-aof-');
    const r = await redis(src, ['--aof-use-rdb-preamble', 'yes']);
    const c = await connect(r);
    await applyWorkload(c, workload(new Rng(42), 400, { streams: true }));
    await cmd(c, 'BGREWRITEAOF');
    await waitRewrite(c);
    await applyWorkload(c, workload(new Rng(43), 300, { streams: true }));
    const before = await dumpDataset(c);
    c.close();
    await r.stop('SIGKILL');
    const m = manifest(src);
    expect(m.base!.name.endsWith('.rdb')).toBe(true);
    const parts = [m.base!, ...m.incr].map((f) => fs.readFileSync(path.join(src, 'appendonlydir', f.name)));
    const dir = tmpDir('eddy-legacy-');
    fs.writeFileSync(path.join(dir, 'appendonly.aof'), Buffer.concat(parts));
    expect(fs.readFileSync(path.join(dir, 'appendonly.aof')).subarray(0, 5).toString()).toBe('REDIS');
    const legacy = tmpDir('eddy-legacy-');
    fs.writeFileSync(path.join(legacy, 'appendonly.aof'), Buffer.concat(parts));
    const e = await loadDump('eddy', dir);
    expectSame(await loadDump('redis', legacy), e, ['redis', 'eddy']);
    expectSame(maskGroupCounters(before), maskGroupCounters(withoutEncodings(e)), ['redis', 'eddy']);
  });
});

// ------------------------------------------------------------------------------------------------
// Truncation and corruption, in-process (a Server per offset is much faster than a process)

function resp(argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

function writeAofDir(dir: string, incr: string): string {
  const d = path.join(dir, 'appendonlydir');
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, 'appendonly.aof.1.base.aof'), resp(['SELECT', '0']) + resp(['SET', 'base', 'b']));
  fs.writeFileSync(path.join(d, 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  const f = path.join(d, 'appendonly.aof.1.incr.aof');
  fs.writeFileSync(f, Buffer.from(incr, 'latin1'));
  return f;
}

function loadInProcess(dir: string, truncated: 'yes' | 'no'): { status: string; server: Server; log: string } {
  const config = new Config();
  const logfile = path.join(dir, 'log');
  config.load(`dir "${dir}"\nappendonly yes\naof-load-truncated ${truncated}\nlogfile "${logfile}"\naof-use-rdb-preamble no\n`);
  const server = new Server(config);
  const status = aofStartup(server);
  aofOf(server).stop();
  const log = fs.existsSync(logfile) ? fs.readFileSync(logfile, 'latin1') : '';
  return { status, server, log };
}

const HEAD = [
  ['SELECT', '0'],
  ['SET', 'a', '1'],
  ['SELECT', '2'],
  ['RPUSH', 'l', 'x', 'y\r\nz'],
  ['MULTI'],
  ['SET', 'c', '3'],
  ['INCR', 'n'],
  ['EXEC'],
]
  .map(resp)
  .join('');

describe('aof-load-truncated', () => {
  const tails: [string, string[][]][] = [
    ['a command', [['SET', 'last', 'value-of-the-last-command']]],
    ['a MULTI/EXEC block', [['MULTI'], ['SET', 'last', 'v'], ['HSET', 'h', 'f', 'v'], ['EXEC']]],
  ];
  for (const [what, tail] of tails) {
    it(`every byte offset inside ${what} loads the rest (yes) or refuses to start (no)`, () => {
      const tailText = tail.map(resp).join('');
      const full = HEAD + tailText;
      let yes = 0;
      for (let cut = HEAD.length + 1; cut < full.length; cut++) {
        const dir = tmpDir('eddy-trunc-');
        const file = writeAofDir(dir, full.slice(0, cut));
        const r = loadInProcess(dir, 'yes');
        expect(r.status, `cut at ${cut}: ${r.log}`).toBe('loaded');
        expect(r.log).toContain('!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!');
        expect(r.log).toContain(`!!! Truncating the AOF appendonly.aof.1.incr.aof at offset ${HEAD.length} !!!`);
        expect(fs.statSync(file).size).toBe(HEAD.length);
        const [db0, db2] = [r.server.dbs[0], r.server.dbs[2]];
        expect(db0.dict.get('base')).toBe('b');
        expect(db0.dict.get('a')).toBe('1');
        expect(db2.dict.get('c')).toBe('3');
        expect(db2.dict.get('n')).toBe('1');
        expect(db2.dict.has('l')).toBe(true);
        expect(db2.dict.has('last')).toBe(false);
        expect(db2.dict.has('h')).toBe(false);
        yes++;
        const dir2 = tmpDir('eddy-trunc-');
        const file2 = writeAofDir(dir2, full.slice(0, cut));
        const r2 = loadInProcess(dir2, 'no');
        expect(r2.status).toBe('failed');
        expect(r2.log).toContain('Unexpected end of file reading the append only file appendonly.aof.1.incr.aof');
        expect(fs.statSync(file2).size).toBe(cut); // untouched
        fs.rmSync(dir, { recursive: true });
        fs.rmSync(dir2, { recursive: true });
      }
      expect(yes).toBe(tailText.length - 1);
      // The complete file loads everything.
      const dir = tmpDir('eddy-trunc-');
      writeAofDir(dir, full);
      const r = loadInProcess(dir, 'no');
      expect(r.status).toBe('loaded');
      expect(r.server.dbs[2].dict.get('last')).toBe(what === 'a command' ? 'value-of-the-last-command' : 'v');
    });
  }

  it('a corrupted command in the middle refuses to start, with its offset', () => {
    for (const truncated of ['yes', 'no'] as const) {
      const dir = tmpDir('eddy-corrupt-');
      const bad = resp(['SET', 'a', '1']).replace('$1\r\na', '#1\r\na');
      const off = resp(['SELECT', '0']).length;
      writeAofDir(dir, resp(['SELECT', '0']) + bad + resp(['SET', 'b', '2']));
      const r = loadInProcess(dir, truncated);
      expect(r.status).toBe('failed');
      expect(r.log).toContain('Bad file format reading the append only file appendonly.aof.1.incr.aof');
      expect(r.log).toContain(`Corrupted command at offset ${off} of appendonly.aof.1.incr.aof`);
    }
    const dir = tmpDir('eddy-corrupt-');
    writeAofDir(dir, resp(['SELECT', '0']) + resp(['NOSUCHCMD', 'x']) + resp(['SET', 'b', '2']));
    const r = loadInProcess(dir, 'yes');
    expect(r.status).toBe('failed');
    expect(r.log).toContain("Unknown command 'NOSUCHCMD' reading the append only file appendonly.aof.1.incr.aof");
  });

  it('the eddy-server process: a torn tail loads (yes), is refused with exit code 1 (no)', async () => {
    const full = HEAD + resp(['SET', 'last', 'x']);
    const dir = tmpDir('eddy-trunc-');
    writeAofDir(dir, full.slice(0, full.length - 3));
    const e = await eddy(dir);
    const c = await connect(e);
    expect(await pipeline(c, [['SELECT', '2'], ['GET', 'c'], ['EXISTS', 'last']])).toEqual(['OK', '3', 0]);
    c.close();
    await e.stop('SIGTERM');
    expect(e.output()).toContain('!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!');

    const dir2 = tmpDir('eddy-trunc-');
    writeAofDir(dir2, full.slice(0, full.length - 3));
    const port = await freePort();
    const proc = spawn(process.execPath, [EDDY_BIN, '--port', String(port), '--dir', dir2, '--appendonly', 'yes', '--aof-load-truncated', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    expect(code).toBe(1);
    expect(out).toContain("Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.");
    // Real redis refuses it the same way.
    const rp = spawn('redis-server', ['--port', String(port), '--dir', dir2, '--appendonly', 'yes', '--aof-load-truncated', 'no', '--save', ''], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let rout = '';
    rp.stdout.on('data', (d) => (rout += d));
    expect(await new Promise<number | null>((resolve) => rp.once('exit', resolve))).toBe(1);
    expect(rout).toContain('Unexpected end of file reading the append only file appendonly.aof.1.incr.aof');
  });
});

describe('write errors', () => {
  it('a failed AOF write refuses writes with MISCONF until a write succeeds again', () => {
    const dir = tmpDir('eddy-aof-');
    const config = new Config();
    config.load(`dir "${dir}"\nappendonly yes\nappendfsync everysec\nlogfile "${path.join(dir, 'log')}"\n`);
    const server = new Server(config);
    expect(aofStartup(server)).toBe('loaded');
    const aof = aofOf(server);
    const c = server.createClient(null);
    const c2 = server.createClient(null);
    const run = (...argv: string[]) => runOn(c, argv);
    const runOn = (cl: typeof c, argv: string[]) => {
      cl.out = '';
      processCommand(server, cl, argv);
      const out = cl.out;
      server.flushAll(); // the AOF writes before replies would leave
      return out;
    };
    expect(run('SET', 'a', '1')).toBe('+OK\r\n');
    runOn(c2, ['MULTI']);
    expect(runOn(c2, ['SET', 'queued', '1'])).toBe('+QUEUED\r\n');
    const realFd = aof.fd;
    aof.fd = 1 << 30; // writes now fail (EBADF)
    expect(run('SET', 'b', '2')).toBe('+OK\r\n');
    expect(aof.lastWriteStatus).toBe('err');
    expect(run('SET', 'c', '3')).toBe('-MISCONF Errors writing to the AOF file: Bad file descriptor\r\n');
    expect(run('PING')).toBe('-MISCONF Errors writing to the AOF file: Bad file descriptor\r\n');
    expect(run('GET', 'a')).toBe('$1\r\n1\r\n');
    expect(run('MULTI')).toBe('+OK\r\n');
    expect(run('SET', 'd', '4')).toMatch(/^-MISCONF/);
    expect(run('EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    expect(runOn(c2, ['EXEC'])).toBe('-EXECABORT Transaction discarded because of: MISCONF Errors writing to the AOF file: Bad file descriptor\r\n');
    aof.fd = realFd;
    server.flushAll(); // the cron/next batch retries the buffered write
    expect(aof.lastWriteStatus).toBe('ok');
    expect(run('SET', 'c', '3')).toBe('+OK\r\n');
    aof.stop();
    const incr = fs.readFileSync(path.join(dir, 'appendonlydir', manifest(dir).incr[0].name), 'latin1');
    expect(incr).toBe(resp(['SELECT', '0']) + resp(['SET', 'a', '1']) + resp(['SET', 'b', '2']) + resp(['SET', 'c', '3']));
    expect(fs.readFileSync(path.join(dir, 'log'), 'latin1')).toContain('Error writing to the AOF file: Bad file descriptor');
  });
});

describe('replica full sync', () => {
  it('aofStopForSync / aofRestartAfterSync give the replaced dataset a new base', async () => {
    const dir = tmpDir('eddy-aof-');
    const config = new Config();
    config.load(`dir "${dir}"\nappendonly yes\naof-use-rdb-preamble no\nlogfile "${path.join(dir, 'log')}"\n`);
    const server = new Server(config);
    expect(aofStartup(server)).toBe('loaded');
    const c = server.createClient(null);
    processCommand(server, c, ['SET', 'old', '1']);
    server.flushAll();
    const wasOn = aofStopForSync(server);
    expect(wasOn).toBe(true);
    // the master's RDB replaces the dataset
    server.dbs[0].clear();
    server.dbs[3].dict.set('from-master', 'x');
    expect(aofRestartAfterSync(server, wasOn)).toBe(true);
    const aof = aofOf(server);
    for (let i = 0; i < 100 && (aof.rewriteInProgress || aof.state !== 1); i++) await new Promise((r) => setTimeout(r, 10));
    processCommand(server, c, ['SET', 'after', '2']);
    server.flushAll();
    aof.stop();
    const m = manifest(dir);
    expect(m.base!.seq).toBe(2);
    const files = [m.base!, ...m.incr].map((f) => fs.readFileSync(path.join(dir, 'appendonlydir', f.name), 'latin1')).join('');
    expect(files).toBe(resp(['SELECT', '3']) + resp(['SET', 'from-master', 'x']) + resp(['SELECT', '0']) + resp(['SET', 'after', '2']));
  });
});

describe('runtime switches and rewrites', () => {
  it('CONFIG SET appendonly yes creates base + incr through a rewrite; no stops writing', async () => {
    const dir = tmpDir('eddy-aof-');
    const e = await eddy(dir, ['--appendonly', 'no']);
    const c = await connect(e);
    await applyWorkload(c, workload(new Rng(51), 400, { streams: true }));
    expect((await info(c)).get('aof_enabled')).toBe('0');
    expect(fs.existsSync(path.join(dir, 'appendonlydir'))).toBe(false);
    // a slow walk, so that writes arrive while the first rewrite runs (they go to a temp incr file)
    await cmd(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '4000');
    expect(await c.call('CONFIG', 'SET', 'appendonly', 'yes')).toBe('+OK\r\n');
    // (on a loaded machine the walk may already be over)
    if ((await info(c)).get('aof_rewrite_in_progress') === '1') {
      expect(fs.readdirSync(path.join(dir, 'appendonlydir'))).toContain('temp-appendonly.aof.incr');
    }
    await applyWorkload(c, workload(new Rng(53), 300, { streams: true }));
    const m = await waitRewrite(c);
    await cmd(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
    expect(m.get('aof_enabled')).toBe('1');
    expect(m.get('aof_rewrites')).toBe('1');
    expect(m.get('aof_last_bgrewrite_status')).toBe('ok');
    expect(Number(m.get('aof_base_size'))).toBeGreaterThan(0);
    expect(manifest(dir).format()).toMatch(/^file appendonly\.aof\.1\.base\.(rdb|aof) seq 1 type b\nfile appendonly\.aof\.1\.incr\.aof seq 1 type i\n$/);
    await applyWorkload(c, workload(new Rng(52), 400, { streams: true }));
    const before = await dumpDataset(c);
    expect(await c.call('CONFIG', 'SET', 'appendonly', 'no')).toBe('+OK\r\n');
    expect((await info(c)).get('aof_enabled')).toBe('0');
    await cmd(c, 'SET', 'not-in-the-aof', '1');
    c.close();
    await e.stop('SIGKILL');
    await checkBothLoad(dir, before, ['eddy', 'redis']);
  });

  it('a rewrite is point-in-time while writes go on (sliced walk, old values first, new incr file)', async () => {
    for (const preamble of ['no', 'yes']) {
      const dir = tmpDir('eddy-aof-');
      const e = await eddy(dir, ['--aof-use-rdb-preamble', preamble, '--rdb-key-save-delay', '1500']);
      const c = await connect(e);
      await applyWorkload(c, workload(new Rng(61), 800, { streams: true }));
      expect(await c.call('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
      // The same keys change, disappear and appear while the walk runs.
      await applyWorkload(c, workload(new Rng(62), 400, { streams: true }));
      await cmd(c, 'FLUSHDB');
      await applyWorkload(c, workload(new Rng(63), 200, { streams: true }));
      const during = await info(c);
      if (preamble === 'no') expect(during.get('aof_rewrite_in_progress')).toBe('1');
      await waitRewrite(c);
      expect(manifest(dir).base!.seq).toBe(2);
      const before = await dumpDataset(c);
      c.close();
      await e.stop('SIGKILL');
      await checkBothLoad(dir, before, ['eddy', 'redis']);
    }
  });

  it('DEBUG LOADAOF reloads the same dataset from base + incr', async () => {
    const dir = tmpDir('eddy-aof-');
    const e = await eddy(dir);
    const c = await connect(e);
    await applyWorkload(c, workload(new Rng(71), 400, { streams: true }));
    await cmd(c, 'BGREWRITEAOF');
    await waitRewrite(c);
    await applyWorkload(c, workload(new Rng(72), 400, { streams: true }));
    const before = await dumpDataset(c);
    expect(await cmd(c, 'DEBUG', 'LOADAOF')).toBe('OK');
    expectSame(maskGroupCounters(before), maskGroupCounters(await dumpDataset(c)), ['before', 'after DEBUG LOADAOF']);
    expect((await info(c)).get('rdb_changes_since_last_save')).toBe('0');
    c.close();
  });

  it('BGREWRITEAOF replies as Redis (started / already in progress / scheduled in MULTI)', async () => {
    const dir = tmpDir('eddy-aof-');
    const e = await eddy(dir, ['--aof-use-rdb-preamble', 'no']);
    const c = await connect(e);
    await cmd(c, 'SET', 'k', 'v');
    const [a, b] = await pipeline(c, [['BGREWRITEAOF'], ['BGREWRITEAOF']]);
    expect(a).toBe('Background append only file rewriting started');
    expect((b as RespError).message).toBe('ERR Background append only file rewriting already in progress');
    await waitRewrite(c);
    const replies = await pipeline(c, [['MULTI'], ['BGREWRITEAOF'], ['EXEC']]);
    expect(replies[2]).toEqual(['Background append only file rewriting scheduled']);
    const m = await waitRewrite(c);
    expect(m.get('aof_rewrites')).toBe('2');
    // While a BGSAVE walks the keyspace, a rewrite is scheduled and starts when it ends.
    await cmd(c, 'DEBUG', 'POPULATE', '200');
    await cmd(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '1500');
    expect(await cmd(c, 'BGSAVE')).toBe('Background saving started');
    expect(await cmd(c, 'BGREWRITEAOF')).toBe('Background append only file rewriting scheduled');
    expect((await info(c)).get('aof_rewrite_scheduled')).toBe('1');
    expect((await waitRewrite(c)).get('aof_rewrites')).toBe('3');
    await cmd(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
    const inf = await info(c);
    for (const f of ['aof_current_size', 'aof_base_size', 'aof_pending_rewrite', 'aof_buffer_length', 'aof_pending_bio_fsync', 'aof_delayed_fsync']) {
      expect(inf.has(f), f).toBe(true);
    }
    expect(parseReply(await c.call('CONFIG', 'GET', 'aof-use-rdb-preamble'))).toEqual(['aof-use-rdb-preamble', 'no']);
    c.close();
  });

  it('auto-aof-rewrite-percentage / min-size start a rewrite from the cron', async () => {
    const dir = tmpDir('eddy-aof-');
    const e = await eddy(dir, ['--aof-use-rdb-preamble', 'no', '--auto-aof-rewrite-min-size', '4kb', '--auto-aof-rewrite-percentage', '100']);
    const c = await connect(e);
    await cmd(c, 'SET', 'seed', 'x'.repeat(3000));
    const start = Number((await info(c)).get('aof_rewrites'));
    // Rewriting the same key over and over grows the incr file well past twice the base.
    for (let i = 0; i < 20; i++) await cmd(c, 'SET', 'seed', String(i).repeat(400));
    let done = false;
    for (let i = 0; i < 100 && !done; i++) {
      const m = await info(c);
      done = Number(m.get('aof_rewrites')) > start && m.get('aof_rewrite_in_progress') === '0';
      if (!done) await new Promise((r) => setTimeout(r, 50));
    }
    expect(done).toBe(true);
    // The new base holds the one key once: far smaller than the ~11 KB of writes that triggered it.
    const base = manifest(dir).base!;
    expect(base.seq).toBeGreaterThanOrEqual(2);
    expect(fs.statSync(path.join(dir, 'appendonlydir', base.name)).size).toBeLessThan(4096);
    expect(e.output()).toMatch(/Starting automatic rewriting of AOF on \d+% growth/);
    c.close();
  });
});
