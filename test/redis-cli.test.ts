// Why: the real `redis-cli` binary is the client most users meet first. Every mode it has (piped
// interactive input, -r, --pipe, --scan, --bigkeys, -n, -a) must print exactly what it prints
// against the reference redis-server, so each case runs the same invocation against both servers.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Differential } from './support/diff.js';
import { encodeCommand } from './support/raw-client.js';

interface CliResult {
  out: string;
  err: string;
  code: number | null;
}

/** Run redis-cli against a port, feeding `input` on stdin. */
function cli(port: number, args: string[], input: string | Buffer = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.once('error', reject);
    p.once('close', (code) => resolve({ out: Buffer.concat(out).toString('latin1'), err: Buffer.concat(err).toString('latin1'), code }));
    p.stdin.on('error', () => {});
    p.stdin.end(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
  });
}

let d: Differential;
let auth: Differential;

/** Same invocation against both servers; returns both results (after an optional normaliser). */
async function both(args: string[], input: string | Buffer = '', norm: (s: string) => string = (s) => s): Promise<[CliResult, CliResult]> {
  const [e, r] = await Promise.all([cli(d.eddyServer.port, args, input), cli(d.redisServer.port, args, input)]);
  return [
    { ...e, out: norm(e.out), err: norm(e.err) },
    { ...r, out: norm(r.out), err: norm(r.err) },
  ];
}

async function same(args: string[], input: string | Buffer = '', norm?: (s: string) => string): Promise<CliResult> {
  const [e, r] = await both(args, input, norm);
  expect(e.out, `stdout of redis-cli ${args.join(' ')}`).toBe(r.out);
  expect(e.err, `stderr of redis-cli ${args.join(' ')}`).toBe(r.err);
  expect(e.code).toBe(r.code);
  return e;
}

/** Connection ids differ between the servers; nothing else may. */
const hideIds = (s: string) =>
  s
    .replace(/("id" => \(integer\) )\d+/g, '$1N') // formatted RESP3 map
    .replace(/(\) "id"\n\s*\d+\) \(integer\) )\d+/g, '$1N') // formatted RESP2 array
    .replace(/^id( |\n)\d+$/gm, 'id$1N'); // raw

beforeAll(async () => {
  [d, auth] = await Promise.all([Differential.start(), Differential.start(['--requirepass', 'secret'], ['--requirepass', 'secret'])]);
});
afterAll(async () => {
  await Promise.all([d?.stop(), auth?.stop()]);
});

const SESSION = [
  'SET s1 hello',
  'GET s1',
  'GET nosuch',
  'INCR n',
  'INCR n',
  'INCRBY n 10',
  'DECR n',
  'INCR s1',
  'MGET s1 n nosuch',
  'MSET a 1 b 2',
  'MGET a b',
  'APPEND s1 " world"',
  'GET s1',
  'STRLEN s1',
  'SETRANGE s1 0 J',
  'GETRANGE s1 0 4',
  'SET bin "a\\x00b\\r\\nc\\xff"',
  'GET bin',
  'STRLEN bin',
  "SET \"spaced key\" 'single quoted'",
  'GET "spaced key"',
  'INCRBYFLOAT f 1.5',
  'EXISTS s1 nosuch a',
  'DEL a b nosuch',
  'TYPE s1',
  'TYPE nosuch',
  'SET k v NX',
  'SET k v2 XX GET',
  'GETDEL k',
  'NOSUCHCMD x',
  'GET',
  'SET x "unbalanced',
  'MULTI',
  'SET m 1',
  'INCR s1',
  'INCR m',
  'EXEC',
  'ECHO ""',
  'HELLO 3',
  'GET nosuch',
  'MGET s1 nosuch',
  'INCRBYFLOAT f 0.25',
  'CONFIG GET maxclients',
  'EXISTS nosuch',
  'GET',
  'HELLO 2',
  'CONFIG GET maxclients',
  'PING',
].join('\n');

describe('redis-cli against eddy-server', () => {
  it('piped interactive session prints the same as against redis (raw and formatted, RESP2 and -3)', async () => {
    let db = 1;
    for (const mode of [[], ['--no-raw'], ['-3'], ['-3', '--no-raw']]) {
      // Each run in its own DB so every run starts from the same state.
      const r = await same(['-n', String(db++), ...mode], SESSION + '\n', hideIds);
      expect(r.out).toContain('hello');
    }
    // A spot check that the session really ran (not only "same errors").
    const r = await same(['-n', '1', '--no-raw', 'MGET', 's1', 'n', 'bin']);
    expect(r.out).toBe('1) "Jello world"\n2) "11"\n3) "a\\x00b\\r\\nc\\xff"\n');
  });

  it('-r 5 INCR x', async () => {
    const r = await same(['-n', '5', '-r', '5', 'INCR', 'x']);
    expect(r.out).toBe('1\n2\n3\n4\n5\n');
    const r2 = await same(['-n', '5', '--no-raw', '-r', '3', 'INCR', 'x']);
    expect(r2.out).toBe('(integer) 6\n(integer) 7\n(integer) 8\n');
  });

  it('--pipe mass insert of 100k SETs', async () => {
    const parts: string[] = [];
    for (let i = 0; i < 100_000; i++) parts.push(encodeCommand(['SET', `key:${i}`, `value:${i}`]));
    const input = Buffer.from(parts.join(''), 'latin1');
    const r = await same(['-n', '6', '--pipe'], input);
    expect(r.out).toBe('All data transferred. Waiting for the last reply...\nLast reply received from server.\nerrors: 0, replies: 100000\n');
    expect(r.code).toBe(0);
    expect((await same(['-n', '6', 'DBSIZE'])).out).toBe('100000\n');
    expect((await same(['-n', '6', 'MGET', 'key:0', 'key:99999', 'key:100000'])).out).toBe('value:0\nvalue:99999\n\n');
    // Errors are counted (and the exit code says so).
    const bad = await same(['-n', '6', '--pipe'], encodeCommand(['SET', 'a']) + encodeCommand(['INCR', 'key:1']) + encodeCommand(['SET', 'ok', '1']));
    expect(bad.out).toContain('errors: 2, replies: 3');
    expect(bad.code).toBe(1);
  });

  it('--scan and --scan --pattern', async () => {
    const cmds: string[] = [];
    for (let i = 0; i < 300; i++) cmds.push(encodeCommand(['SET', `user:${i}`, 'x']));
    for (let i = 0; i < 200; i++) cmds.push(encodeCommand(['SET', `order:${i}`, 'y']));
    cmds.push(encodeCommand(['SET', 'odd key\n\x01', 'z']));
    await same(['-n', '7', '--pipe'], cmds.join(''));
    const sorted = (s: string) => s.split('\n').filter(Boolean).sort().join('\n');
    const [e, r] = await both(['-n', '7', '--scan'], '', sorted);
    expect(e.out).toBe(r.out);
    expect(e.out.split('\n').length).toBe(502); // 501 keys, one with a newline in it
    const [pe, pr] = await both(['-n', '7', '--scan', '--pattern', 'user:1*'], '', sorted);
    expect(pe.out).toBe(pr.out);
    expect(pe.out.split('\n').length).toBe(111); // user:1, user:10-19, user:100-199
    const [qe, qr] = await both(['-n', '7', '--scan', '--quoted-pattern', '"odd*\\x01"'], '', sorted);
    expect(qe.out).toBe(qr.out);
    expect(qe.out).toContain('odd key');
    const [ne, nr] = await both(['-n', '7', '--no-raw', '--scan', '--pattern', 'order:19?'], '', sorted);
    expect(ne.out).toBe(nr.out);
    expect(ne.out.split('\n').length).toBe(10);
  });

  it('--bigkeys reports the biggest string key', async () => {
    const cmds: string[] = [];
    for (let i = 0; i < 50; i++) cmds.push(encodeCommand(['SET', `small:${i}`, 'v'.repeat(i)]));
    cmds.push(encodeCommand(['SET', 'big:key', 'B'.repeat(5000)]));
    await same(['-n', '8', '--pipe'], cmds.join(''));
    const [e, r] = await both(['-n', '8', '--bigkeys']);
    expect(e.code).toBe(0);
    expect(e.err).toBe('');
    const summary = (s: string) => s.slice(s.indexOf('-------- summary -------'));
    expect(summary(e.out)).toBe(summary(r.out));
    expect(e.out).toContain(`Biggest string found '"big:key"' has 5000 bytes`);
    expect(e.out).toContain('Sampled 51 keys in the keyspace!');
  });

  it('-n <db> selects the database', async () => {
    expect((await same(['-n', '9', 'SET', 'only9', 'x'])).out).toBe('OK\n');
    expect((await same(['-n', '9', 'GET', 'only9'])).out).toBe('x\n');
    expect((await same(['-n', '0', 'GET', 'only9'])).out).toBe('\n');
    expect((await same(['-n', '0', '--no-raw', 'GET', 'only9'])).out).toBe('(nil)\n');
    await same(['-n', '99', 'PING']);
  });

  it('-a / --no-auth-warning / --user / -u with requirepass', async () => {
    const run = async (args: string[], input = ''): Promise<CliResult> => {
      const [e, r] = await Promise.all([cli(auth.eddyServer.port, args, input), cli(auth.redisServer.port, args, input)]);
      expect(e, `redis-cli ${args.join(' ')}`).toEqual(r);
      return e;
    };
    const warn = "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n";
    let r = await run(['-a', 'secret', 'PING']);
    expect(r.out).toBe('PONG\n');
    expect(r.err).toBe(warn);
    r = await run(['--no-auth-warning', '-a', 'secret', 'PING']);
    expect(r).toEqual({ out: 'PONG\n', err: '', code: 0 });
    r = await run(['--no-auth-warning', '--user', 'default', '--pass', 'secret', 'SET', 'k', 'v']);
    expect(r.out).toBe('OK\n');
    r = await run(['--no-auth-warning', '-a', 'wrong', 'GET', 'k']);
    expect(r.err).toContain('AUTH failed: WRONGPASS');
    r = await run(['GET', 'k']);
    expect(r.out).toContain('NOAUTH Authentication required.');
    r = await run([], 'GET k\nAUTH nope\nAUTH secret\nGET k\nAUTH default secret\n');
    expect(r.out).toContain('OK\nv\nOK\n');
    r = await run(['--no-auth-warning', '-u', 'redis://default:secret@127.0.0.1/3', 'SET', 'in3', '1']);
    expect(r.out).toBe('OK\n');
    r = await run(['--no-auth-warning', '-a', 'secret', '-n', '3', '--no-raw', 'GET', 'in3']);
    expect(r.out).toBe('"1"\n');
  });
});
