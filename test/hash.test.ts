// Why: the hash type against the reference redis-server 7.0.15 in RESP2 and RESP3: every command,
// option and error, listpack/hashtable transitions (OBJECT ENCODING), keyspace notifications,
// HSCAN, and seeded random command sequences. Listpack replies keep insertion order and are
// compared exactly; hashtable replies unordered; HRANDFIELD gets structural checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Differential, Rng, seeds, type DiffPair } from './support/diff.js';
import {
  both,
  checkScanGuarantee,
  compareKeyspaceEvents,
  compareScan,
  eddyHas,
  encodingOf,
  mismatch,
  parseReply,
  runSteps,
  toPairs,
} from './support/collections.js';
import type { RawClient } from './support/raw-client.js';
import type { RVal } from './support/resp-values.js';
import { propagationRunner } from './support/in-process.js';

let d: Differential;
let p2: DiffPair;
let p3: DiffPair;
let hasEncoding = false;

beforeAll(async () => {
  d = await Differential.start();
  p2 = await d.connect(2);
  p3 = await d.connect(3);
  hasEncoding = await eddyHas(p2, ['OBJECT', 'ENCODING', 'nokey']);
}, 30000);
afterAll(async () => {
  await d?.stop();
});

/** A hash's contents on one server (empty for a missing key, null for another type). */
async function hashOn(c: RawClient, key: string): Promise<Map<string, string> | null> {
  const v = parseReply(await c.call('HGETALL', key));
  return Array.isArray(v) ? toPairs(v as string[]) : null;
}

/** HKEYS/HVALS/HGETALL: exact for a listpack (insertion order), unordered for a hashtable. */
async function hashReply(p: DiffPair, argv: string[]): Promise<void> {
  const enc = await encodingOf(p.redis, argv[1]);
  const ordered = enc !== 'hashtable';
  await p.run(argv, ordered ? {} : argv[0] === 'HGETALL' ? { pairs: true } : { unordered: true });
}

/** HRANDFIELD: exact when Redis's answer is deterministic, structural otherwise. */
async function hrandChecked(p: DiffPair, argv: string[]): Promise<void> {
  const key = argv[1];
  const content = await hashOn(p.redis, key);
  const enc = await encodingOf(p.redis, key);
  const [e, r] = await both(p, argv);
  const exact = (): void => {
    if (e !== r) throw mismatch(p, `reply mismatch for ${JSON.stringify(argv)}`, e, r);
  };
  if (content === null || content.size === 0 || e[0] === '-' || r[0] === '-') return exact();
  if (argv.length === 2) {
    const ev = parseReply(e);
    const rv = parseReply(r);
    if (typeof ev !== 'string' || typeof rv !== 'string' || !content.has(ev) || !content.has(rv)) {
      throw mismatch(p, `bad HRANDFIELD reply for ${JSON.stringify(argv)}`, e, r);
    }
    return;
  }
  const l = Number(argv[2]);
  const withValues = argv.length === 4;
  if (l === 0 || (l >= content.size && enc === 'listpack')) return exact();
  const n = l < 0 ? -l : Math.min(l, content.size);
  const nested = withValues && p === p3;
  for (const [who, rep] of [
    ['eddy', e],
    ['redis', r],
  ] as const) {
    const v = parseReply(rep) as RVal[];
    const pairs: [string, string | undefined][] = [];
    if (nested) for (const x of v) pairs.push([(x as string[])[0], (x as string[])[1]]);
    else if (withValues) for (let i = 0; i < v.length; i += 2) pairs.push([v[i] as string, v[i + 1] as string]);
    else for (const x of v) pairs.push([x as string, undefined]);
    const ok =
      pairs.length === n &&
      pairs.every(([f, val]) => content.has(f) && (!withValues || content.get(f) === val)) &&
      (l < 0 || new Set(pairs.map(([f]) => f)).size === n) &&
      (!nested || v.every((x) => Array.isArray(x) && x.length === 2));
    if (!ok) throw mismatch(p, `bad ${who} HRANDFIELD sample for ${JSON.stringify(argv)}`, e, r);
  }
  if (e[0] !== r[0]) throw mismatch(p, `reply types differ for ${JSON.stringify(argv)}`, e, r);
}

type Step = string[];

/** Steps: ['ALL', ...argv] picks exact/unordered by encoding; ['RAND', ...argv] checks HRANDFIELD. */
async function runScript(p: DiffPair, script: Step[]): Promise<void> {
  await runSteps(p, script, hasEncoding, {
    ALL: (argv) => hashReply(p, argv),
    RAND: (argv) => hrandChecked(p, argv),
    HSCANALL: (argv) => compareScan(p, 'HSCAN', argv[0], argv.slice(1), true),
  });
}

const LONG = 'v'.repeat(65);

function basics(): Step[] {
  return [
    ['FLUSHDB'],
    ['SET', 'str', 'v'],
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
    ['HSET', 'h', 'a', '10', 'd', '4'],
    ['HGETALL', 'h'],
    ['ENC', 'h'],
    ['HSET', 'h'],
    ['HSET', 'h', 'a'],
    ['HSET', 'h', 'a', '1', 'b'],
    ['HMSET', 'h', 'a', '1', 'b'],
    ['HMSET', 'h', 'x', '1', 'y', '2'],
    ['HSET', 'str', 'a', '1'],
    ['HMSET', 'str', 'a', '1'],
    ['HGET', 'h', 'a'],
    ['HGET', 'h', 'zz'],
    ['HGET', 'nokey', 'a'],
    ['HGET', 'str', 'a'],
    ['HGET', 'h'],
    ['HMGET', 'h', 'a', 'zz', 'b'],
    ['HMGET', 'nokey', 'a', 'b'],
    ['HMGET', 'str', 'a'],
    ['HMGET', 'h'],
    ['HLEN', 'h'],
    ['HLEN', 'nokey'],
    ['HLEN', 'str'],
    ['HSTRLEN', 'h', 'a'],
    ['HSTRLEN', 'h', 'zz'],
    ['HSTRLEN', 'nokey', 'a'],
    ['HSTRLEN', 'str', 'a'],
    ['HEXISTS', 'h', 'a'],
    ['HEXISTS', 'h', 'zz'],
    ['HEXISTS', 'nokey', 'a'],
    ['HEXISTS', 'str', 'a'],
    ['HKEYS', 'h'],
    ['HVALS', 'h'],
    ['HKEYS', 'nokey'],
    ['HVALS', 'nokey'],
    ['HGETALL', 'nokey'],
    ['HGETALL', 'str'],
    ['HKEYS', 'str'],
    ['HVALS', 'str'],
    ['HGETALL', 'h', 'x'],
    ['HDEL', 'h', 'a', 'zz', 'a'],
    ['HDEL', 'nokey', 'a'],
    ['HDEL', 'str', 'a'],
    ['HDEL', 'h'],
    ['HGETALL', 'h'],
    ['HDEL', 'h', 'b', 'c', 'd', 'x', 'y'],
    ['EXISTS', 'h'],
    ['HSETNX', 'h2', 'f', 'v'],
    ['HSETNX', 'h2', 'f', 'w'],
    ['HGET', 'h2', 'f'],
    ['HSETNX', 'str', 'f', 'v'],
    ['HSETNX', 'h2', 'f2'],
    ['HSET', 'h3', '', ''],
    ['HGETALL', 'h3'],
    ['HSTRLEN', 'h3', ''],
    ['HSET', 'hb', 'a\u0000b', '\u00ff\r\n', '\u0000', ''],
    ['HGETALL', 'hb'],
    ['HGET', 'hb', 'a\u0000b'],
    // listpack order: appends at the end, updates in place, deletes close the gap.
    ['HSET', 'o', 'z', '1', 'a', '2', 'm', '3'],
    ['HDEL', 'o', 'a'],
    ['HSET', 'o', 'a', '4'],
    ['HSET', 'o', 'z', '5'],
    ['HGETALL', 'o'],
    ['HKEYS', 'o'],
    ['HVALS', 'o'],
    ['TYPE', 'o'],
    // a hashtable
    ['HSET', 'big', 'a', '1', 'b', LONG, 'c', '3'],
    ['ENC', 'big'],
    ['ALL', 'HGETALL', 'big'],
    ['ALL', 'HKEYS', 'big'],
    ['ALL', 'HVALS', 'big'],
    ['HMGET', 'big', 'c', 'b', 'zz'],
    ['HDEL', 'big', 'b'],
    ['ENC', 'big'],
    ['HLEN', 'big'],
    // COPY duplicates the object with its encoding; the copy is independent.
    ['COPY', 'o', 'o2'],
    ['HGETALL', 'o2'],
    ['ENC', 'o2'],
    ['HSET', 'o', 'new', '1'],
    ['HDEL', 'o', 'z'],
    ['HGETALL', 'o2'],
    ['COPY', 'big', 'big2'],
    ['ENC', 'big2'],
    ['HSET', 'big', 'x', '1'],
    ['ALL', 'HGETALL', 'big2'],
  ];
}

function incrs(): Step[] {
  return [
    ['FLUSHDB'],
    ['SET', 'str', 'v'],
    ['HINCRBY', 'h', 'n', '5'],
    ['HINCRBY', 'h', 'n', '-10'],
    ['HINCRBY', 'h', 'n', 'x'],
    ['HINCRBY', 'h', 'n', '1.5'],
    ['HINCRBY', 'h', 'n', ''],
    ['HINCRBY', 'h', 'n', '9223372036854775808'],
    ['HSET', 'h', 's', 'abc', 'sp', ' 1', 'f', '1.5', 'z', '007'],
    ['HINCRBY', 'h', 's', '1'],
    ['HINCRBY', 'h', 'sp', '1'],
    ['HINCRBY', 'h', 'f', '1'],
    ['HINCRBY', 'h', 'z', '1'],
    ['HSET', 'h', 'big', '9223372036854775807', 'small', '-9223372036854775808'],
    ['HINCRBY', 'h', 'big', '1'],
    ['HINCRBY', 'h', 'big', '-1'],
    ['HINCRBY', 'h', 'small', '-1'],
    ['HINCRBY', 'h', 'small', '0'],
    ['HINCRBY', 'h', 'small', '9223372036854775807'],
    ['HINCRBY', 'h', 'b2', '9007199254740993'],
    ['HINCRBY', 'h', 'b2', '9007199254740993'],
    ['HINCRBY', 'h', 'b3', '-9223372036854775808'],
    ['HINCRBY', 'h', 'b3', '-1'],
    ['HINCRBY', 'nokey2', 'f', '3'],
    ['HINCRBY', 'nokey3', 'f', 'x'],
    ['EXISTS', 'nokey3'],
    ['HINCRBY', 'str', 'f', '1'],
    ['HINCRBY', 'h', 'n'],
    ['HINCRBYFLOAT', 'h', 'fl', '1.5'],
    ['HINCRBYFLOAT', 'h', 'fl', '0.1'],
    ['HINCRBYFLOAT', 'h', 'n', '10.5'],
    ['HINCRBYFLOAT', 'h', 'fl', 'inf'],
    ['HINCRBYFLOAT', 'h', 'fl', '-inf'],
    ['HINCRBYFLOAT', 'h', 'fl', 'nan'],
    ['HINCRBYFLOAT', 'h', 'fl', 'abc'],
    ['HINCRBYFLOAT', 'h', 'fl', ''],
    ['HINCRBYFLOAT', 'h', 'fl', ' 1'],
    ['HINCRBYFLOAT', 'h', 'sp', '1'],
    ['HINCRBYFLOAT', 'h', 's', '1'],
    ['HINCRBYFLOAT', 'h', 'z', '1'],
    ['HSET', 'h', 'huge', '1e308', 'inff', 'inf'],
    ['HINCRBYFLOAT', 'h', 'huge', '1e308'],
    ['HINCRBYFLOAT', 'h', 'inff', '1'],
    ['HINCRBYFLOAT', 'h', 'fl', '5.0e3'],
    ['HINCRBYFLOAT', 'h', 'fl', '-5E3'],
    ['HINCRBYFLOAT', 'h', 'fl', '0x10'],
    ['HINCRBYFLOAT', 'h', 'fl', '-1.6'],
    ['HINCRBYFLOAT', 'h', 'fl2', '-0.0'],
    ['HINCRBYFLOAT', 'nokey4', 'f', '2.5'],
    ['HINCRBYFLOAT', 'nokey5', 'f', 'x'],
    ['EXISTS', 'nokey5'],
    ['HINCRBYFLOAT', 'str', 'f', '1'],
    ['ENC', 'h'],
    ['ALL', 'HGETALL', 'h'],
  ];
}

function hrandfields(): Step[] {
  return [
    ['FLUSHDB'],
    ['SET', 'str', 'v'],
    ['HRANDFIELD', 'nokey'],
    ['HRANDFIELD', 'nokey', '3'],
    ['HRANDFIELD', 'nokey', '-3', 'WITHVALUES'],
    ['HRANDFIELD', 'nokey', '0'],
    ['HRANDFIELD', 'nokey', 'x'],
    ['HRANDFIELD', 'str'],
    ['HRANDFIELD', 'str', '1'],
    ['HSET', 'r', 'a', '1', 'b', '2', 'c', '3'],
    ['HRANDFIELD', 'r', 'x'],
    ['HRANDFIELD', 'r', '1', 'foo'],
    ['HRANDFIELD', 'r', '1', 'withvalues', 'extra'],
    ['HRANDFIELD', 'r', '-9223372036854775808'],
    ['HRANDFIELD', 'r', '4611686018427387904', 'WITHVALUES'],
    ['HRANDFIELD', 'r', '-4611686018427387904', 'withvalues'],
    ['HRANDFIELD', 'r', '4611686018427387903', 'withvalues'],
    ['HRANDFIELD', 'r', '0'],
    ['HRANDFIELD', 'r', '0', 'WITHVALUES'],
    ['HRANDFIELD', 'r', '3'],
    ['HRANDFIELD', 'r', '5', 'WITHVALUES'],
    ['RAND', 'HRANDFIELD', 'r'],
    ['RAND', 'HRANDFIELD', 'r', '2'],
    ['RAND', 'HRANDFIELD', 'r', '2', 'WITHVALUES'],
    ['RAND', 'HRANDFIELD', 'r', '1', 'WITHVALUES'],
    ['RAND', 'HRANDFIELD', 'r', '-5'],
    ['RAND', 'HRANDFIELD', 'r', '-5', 'WITHVALUES'],
    ['HSET', 'single', 'f', 'v'],
    ['HRANDFIELD', 'single'],
    ['HRANDFIELD', 'single', '-3', 'WITHVALUES'],
    ['HRANDFIELD', 'single', '1', 'WITHVALUES'],
    ['HSET', 'ht', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5', 'f', LONG],
    ['ENC', 'ht'],
    ['RAND', 'HRANDFIELD', 'ht'],
    ['RAND', 'HRANDFIELD', 'ht', '1'],
    ['RAND', 'HRANDFIELD', 'ht', '2', 'WITHVALUES'],
    ['RAND', 'HRANDFIELD', 'ht', '5', 'WITHVALUES'],
    ['RAND', 'HRANDFIELD', 'ht', '6'],
    ['RAND', 'HRANDFIELD', 'ht', '60', 'WITHVALUES'],
    ['RAND', 'HRANDFIELD', 'ht', '-10', 'WITHVALUES'],
  ];
}

function scans(): Step[] {
  return [
    ['FLUSHDB'],
    ['SET', 'str', 'v'],
    ['HSET', 'h', 'a1', '1', 'a2', '2', 'b1', '3', '', 'e'],
    ['HSCAN', 'nokey', '0'],
    ['HSCAN', 'nokey', 'x'],
    ['HSCAN', 'nokey', '0', 'bad'],
    ['HSCAN', 'str', '0'],
    ['HSCAN', 'h'],
    ['HSCAN', 'h', '0'],
    ['HSCAN', 'h', '0', 'MATCH', '*'],
    ['HSCAN', 'h', '0', 'MATCH', 'a*'],
    ['HSCAN', 'h', '0', 'MATCH', '?'],
    ['HSCAN', 'h', '0', 'COUNT', '1'],
    ['HSCAN', 'h', '0', 'COUNT', '0'],
    ['HSCAN', 'h', '0', 'COUNT', 'x'],
    ['HSCAN', 'h', '0', 'TYPE', 'hash'],
    ['HSCAN', 'h', '0', 'MATCH'],
    ['HSCAN', 'h', '7'],
    ['HSCAN', 'h', ''],
    ['HSCAN', 'h', '-1'],
    ['HSCAN', 'h', '18446744073709551616'],
    ['HSCAN', 'h', ' 0'],
    ['HSET', 'ht', LONG, 'x', ...Array.from({ length: 40 }, (_, i) => [`f${i}`, `v${i}`]).flat()],
    ['HSCANALL', 'ht'],
    ['HSCANALL', 'ht', 'COUNT', '3'],
    ['HSCANALL', 'ht', 'MATCH', 'f1*'],
    ['HSCANALL', 'ht', 'MATCH', 'f1*', 'COUNT', '100'],
  ];
}

function transitions(): Step[] {
  return [
    ['FLUSHDB'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '4'],
    ['CONFIG', 'SET', 'hash-max-listpack-value', '8'],
    ['HSET', 't1', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
    ['ENC', 't1'],
    ['HSET', 't1', 'e', '5'],
    ['ENC', 't1'],
    ['HDEL', 't1', 'e', 'd', 'c'],
    ['ENC', 't1'],
    ['HSET', 't2', 'a', '12345678'],
    ['ENC', 't2'],
    ['HSET', 't2', 'b', '123456789'],
    ['ENC', 't2'],
    ['HSET', 't3', 'abcdefghi', '1'],
    ['ENC', 't3'],
    ['HSETNX', 't4', 'a', '1'],
    ['HSETNX', 't4', 'a', '123456789'],
    ['ENC', 't4'],
    ['HSETNX', 't4', 'b', '123456789'],
    ['ENC', 't4'],
    ['HINCRBY', 't5', 'abcdefghij', '1'],
    ['ENC', 't5'],
    ['HINCRBYFLOAT', 't6', 'abcdefghij', '1'],
    ['ENC', 't6'],
    ['HSET', 't7', 'a', '1'],
    ['HINCRBY', 't7', 'a', '123456789'],
    ['ENC', 't7'],
    ['HINCRBYFLOAT', 't8', 'a', '0.123456789'],
    ['ENC', 't8'],
    ['HSET', 't9', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
    ['ENC', 't9'],
    ['HMSET', 't10', 'a', '1', 'b', '123456789'],
    ['ENC', 't10'],
    ['HSET', 't10b', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
    ['HSET', 't10b', 'a', '5'],
    ['ENC', 't10b'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '0'],
    ['HSET', 't11', 'a', '1'],
    ['ENC', 't11'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'],
    ['CONFIG', 'SET', 'hash-max-listpack-value', '0'],
    ['HSET', 't12', '', ''],
    ['ENC', 't12'],
    ['HSET', 't12', 'a', ''],
    ['ENC', 't12'],
    ['CONFIG', 'SET', 'hash-max-listpack-value', '64'],
    ['HSET', 't13', 'x'.repeat(64), 'y'.repeat(64)],
    ['ENC', 't13'],
    ['HGETALL', 't13'],
  ];
}

/** HGETALL/HKEYS/HVALS replies larger than the reply writer's buffer, with big and binary fields and values. */
function bigReplies(): Step[] {
  const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  const fvs: string[] = [];
  for (let i = 0; i < 900; i++) fvs.push(i % 50 === 0 ? all + i : 'f' + i, i % 9 === 0 ? 'v'.repeat(1020 + (i % 6)) : i % 31 === 0 ? all : String(i));
  return [
    ['HSET', 'bh', ...fvs],
    ['ENC', 'bh'],
    ['ALL', 'HGETALL', 'bh'],
    ['ALL', 'HKEYS', 'bh'],
    ['ALL', 'HVALS', 'bh'],
    ['RAND', 'HRANDFIELD', 'bh', '-3000', 'WITHVALUES'],
    ['RAND', 'HRANDFIELD', 'bh', '500', 'WITHVALUES'],
    ['RAND', 'HRANDFIELD', 'bh', '5000'],
    ['HSET', 'bl', 'a', all.slice(0, 60), all.slice(196), 'b', 'c', 'v'.repeat(60)],
    ['ENC', 'bl'],
    ['ALL', 'HGETALL', 'bl'],
  ];
}

const SCRIPTS: [string, () => Step[]][] = [
  ['basics', basics],
  ['big replies', bigReplies],
  ['hincrby/hincrbyfloat', incrs],
  ['hrandfield', hrandfields],
  ['hscan', scans],
  ['encoding transitions', transitions],
];

describe('hashes: targeted scripts', () => {
  for (const resp of [2, 3] as const) {
    for (const [name, script] of SCRIPTS) {
      it(`${name} (RESP${resp})`, async () => {
        await runScript(resp === 2 ? p2 : p3, script());
      });
    }
  }
});


describe('hashes: keyspace notifications', () => {
  it('publishes the same events as redis', async () => {
    await p2.run(['FLUSHDB']);
    const script: Step[] = [
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HSET', 'h', 'a', '3'],
      ['HMSET', 'h', 'c', '3'],
      ['HSETNX', 'h', 'a', '1'],
      ['HSETNX', 'h', 'z', '1'],
      ['HSETNX', 'h2', 'z', '1'],
      ['HDEL', 'h', 'a', 'x'],
      ['HDEL', 'h', 'x'],
      ['HDEL', 'nokey', 'x'],
      ['HINCRBY', 'h', 'n', '2'],
      ['HINCRBY', 'h', 'n', 'x'],
      ['HINCRBY', 'h3', 'n', '2'],
      ['HINCRBYFLOAT', 'h', 'f', '2.5'],
      ['HINCRBYFLOAT', 'h', 'f', 'x'],
      ['HINCRBYFLOAT', 'h4', 'f', '2.5'],
      ['HGET', 'nokey', 'a'],
      ['HMGET', 'nokey', 'a'],
      ['HGETALL', 'nokey'],
      ['HLEN', 'nokey'],
      ['HRANDFIELD', 'nokey'],
      ['HSCAN', 'nokey', '0'],
      ['HDEL', 'h', 'b', 'c', 'z', 'n', 'f'],
      ['SET', 'str', 'v'],
      ['HSET', 'str', 'a', '1'],
    ];
    await compareKeyspaceEvents(d, p2, script);
  });
});

describe('hashes: HSCAN guarantee', () => {
  it('returns every field present for the whole iteration while the hash changes', async () => {
    for (const c of [p2.eddy, p2.redis]) {
      await checkScanGuarantee(c, 'HSCAN', 'big', {
        add: (fs) => ['HSET', 'big', ...fs.flatMap((f) => [f, f + '!'])],
        del: (fs) => ['HDEL', 'big', ...fs],
        pairs: true,
      });
    }
  });
});

const FIELDS = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', '', '1', '-2', 'field-' + 'x'.repeat(70)];
const VALUES = ['0', '1', '-1', '17', '1.5', '-0.25', 'abc', '', ' 3', '9223372036854775807', '1e3', 'v'.repeat(70)];
const KEYS = ['h0', 'h1', 'h2', 'h3'];

describe('hashes: seeded random sequences', () => {
  const configs: [number, number][] = [
    [512, 64],
    [4, 8],
    [16, 16],
  ];
  for (const resp of [2, 3] as const) {
    for (const seed of seeds([11, 22, 33])) {
      it(`seed ${seed} RESP${resp}`, async () => {
        const p = resp === 2 ? p2 : p3;
        const rng = new Rng(seed * 10 + resp);
        const [entries, value] = configs[seed % configs.length];
        await p.run(['FLUSHDB']);
        await p.run(['SET', 'str', 'v']);
        await p.run(['CONFIG', 'SET', 'hash-max-listpack-entries', String(entries)]);
        await p.run(['CONFIG', 'SET', 'hash-max-listpack-value', String(value)]);
        const field = (): string => (rng.bool(0.95) ? rng.pick(FIELDS.slice(0, 11)) : rng.pick(FIELDS));
        const val = (): string => (rng.bool(0.95) ? rng.pick(VALUES.slice(0, 11)) : rng.pick(VALUES));
        const key = (): string => (rng.bool(0.03) ? 'str' : rng.pick(KEYS));
        const fields = (lo: number, hi: number): string[] => Array.from({ length: rng.int(lo, hi) }, field);
        const pairs = (lo: number, hi: number): string[] => Array.from({ length: rng.int(lo, hi) }, () => [field(), val()]).flat();
        for (let i = 0; i < 2200; i++) {
          const x = rng.next();
          if (x < 0.2) await p.run(['HSET', key(), ...pairs(1, 3)]);
          else if (x < 0.23) await p.run(['HMSET', key(), ...pairs(1, 2)]);
          else if (x < 0.27) await p.run(['HSETNX', key(), field(), val()]);
          else if (x < 0.37) await p.run(['HDEL', key(), ...fields(1, 3)]);
          else if (x < 0.45) await p.run(['HGET', key(), field()]);
          else if (x < 0.49) await p.run(['HMGET', key(), ...fields(1, 4)]);
          else if (x < 0.55) {
            const y = rng.int(0, 2);
            if (y === 0) await p.run(['HLEN', key()]);
            else if (y === 1) await p.run(['HSTRLEN', key(), field()]);
            else await p.run(['HEXISTS', key(), field()]);
          } else if (x < 0.63) await hashReply(p, [rng.pick(['HKEYS', 'HVALS', 'HGETALL']), key()]);
          else if (x < 0.7) await p.run(['HINCRBY', key(), field(), rng.pick(['1', '-3', '100', '0', 'x', '9223372036854775807'])]);
          else if (x < 0.76) await p.run(['HINCRBYFLOAT', key(), field(), rng.pick(['1.5', '-0.1', '3', '1e2', 'inf', 'x', '0.3333'])]);
          else if (x < 0.83) {
            const k = key();
            if (rng.bool(0.3)) await hrandChecked(p, ['HRANDFIELD', k]);
            else {
              const wv = rng.bool() ? ['WITHVALUES'] : [];
              await hrandChecked(p, ['HRANDFIELD', k, String(rng.int(-6, 14)), ...wv]);
            }
          } else if (x < 0.87) {
            const opts = rng.bool() ? ['COUNT', String(rng.int(1, 5))] : [];
            if (rng.bool(0.4)) opts.push('MATCH', rng.pick(['*', 'f*', 'f[1-3]', '?', '']));
            await compareScan(p, 'HSCAN', key(), opts, true);
          } else if (x < 0.92) {
            if (hasEncoding) await p.run(['OBJECT', 'ENCODING', key()]);
          } else if (x < 0.95) await p.run(['DEL', key()]);
          else if (x < 0.97) await p.run(['TYPE', key()]);
          else await p.run(['EXISTS', key()]);
        }
        for (const k of KEYS) {
          await hashReply(p, ['HGETALL', k]);
          if (hasEncoding) await p.run(['OBJECT', 'ENCODING', k]);
        }
        await p.run(['CONFIG', 'SET', 'hash-max-listpack-entries', '512']);
        await p.run(['CONFIG', 'SET', 'hash-max-listpack-value', '64']);
      }, 60000);
    }
  }
});

describe('hashes: propagated form (in-process)', () => {
  const run = propagationRunner();

  it('HINCRBYFLOAT becomes HSET with the final value; no-ops propagate nothing', () => {
    expect(run('HSET', 'h', 'f', '10.5')).toEqual([['HSET', 'h', 'f', '10.5']]);
    expect(run('HINCRBYFLOAT', 'h', 'f', '0.1')).toEqual([['HSET', 'h', 'f', '10.6']]);
    expect(run('HINCRBYFLOAT', 'h', 'f', 'x')).toEqual([]);
    expect(run('HINCRBY', 'h', 'n', '2')).toEqual([['HINCRBY', 'h', 'n', '2']]);
    expect(run('HINCRBY', 'h', 'f', '2')).toEqual([]);
    expect(run('HSETNX', 'h', 'f', 'x')).toEqual([]);
    expect(run('HDEL', 'h', 'zz')).toEqual([]);
    expect(run('HDEL', 'h', 'f', 'n')).toEqual([['HDEL', 'h', 'f', 'n']]);
    expect(run('HGET', 'h', 'f')).toEqual([]);
  });
});
