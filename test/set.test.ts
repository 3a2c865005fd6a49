// Why: the set type against the reference redis-server 7.0.15 in RESP2 and RESP3: every command,
// option and error, intset/hashtable transitions (OBJECT ENCODING), keyspace notifications, SSCAN's
// guarantee under mutation, and seeded random command sequences. Random members (SPOP,
// SRANDMEMBER) get structural checks, and SPOP's random outcome is re-synchronised from redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Differential, Rng, seeds, type DiffPair } from './support/diff.js';
import {
  both,
  checkScanGuarantee,
  compareKeyspaceEvents,
  compareScan,
  runSteps,
  eddyHas,
  encodingOf,
  mismatch,
  parseReply,
  sorted,
  strings,
} from './support/collections.js';
import { isInt64, cmpInt } from '../src/datatypes/intset.js';
import { DenseMap, DenseSet } from '../src/datatypes/dense.js';
import { propagationRunner } from './support/in-process.js';

let d: Differential;
let p2: DiffPair;
let p3: DiffPair;
let hasEncoding = false;
/** set-max-intset-entries as currently configured on both servers */
let maxIntset = 512;

beforeAll(async () => {
  d = await Differential.start();
  p2 = await d.connect(2);
  p3 = await d.connect(3);
  hasEncoding = await eddyHas(p2, ['OBJECT', 'ENCODING', 'nokey']);
}, 30000);
afterAll(async () => {
  await d?.stop();
});

async function setMaxIntset(p: DiffPair, n: number): Promise<void> {
  await p.run(['CONFIG', 'SET', 'set-max-intset-entries', String(n)]);
  maxIntset = n;
}

/** Members of a set on one server ([] for a missing key, null for another type). */
async function membersOn(c: DiffPair['redis'], key: string): Promise<string[] | null> {
  const v = parseReply(await c.call('SMEMBERS', key));
  return Array.isArray(v) ? (v as string[]) : null;
}

/** Exact when every key is an intset (or missing) on redis — then the reply is sorted — else unordered. */
async function setReply(p: DiffPair, argv: string[], keys: string[]): Promise<void> {
  let exact = true;
  for (const k of keys) {
    const e = await encodingOf(p.redis, k);
    if (e !== null && e !== 'intset') exact = false;
  }
  await p.run(argv, { unordered: !exact });
}

/**
 * SUNION/SDIFF build an intset-first temporary set: the reply is sorted exactly when the result is
 * all integers within set-max-intset-entries (and, for SDIFF, the first set never overflowed it).
 */
async function unionDiffReply(p: DiffPair, argv: string[]): Promise<void> {
  const firstCard = parseReply(await p.redis.call('SCARD', argv[1]));
  const [e, r] = await both(p, argv);
  const firstFits = argv[0] === 'SUNION' || (typeof firstCard === 'number' && firstCard <= maxIntset);
  compareMembers(p, argv, e, r, firstFits);
}

/** Exact when the result would be an intset (sorted), else as unordered members. */
function compareMembers(p: DiffPair, argv: string[], e: string, r: string, mayBeIntset: boolean): void {
  const rv = parseReply(r);
  let same: boolean;
  if (!Array.isArray(rv)) same = e === r;
  else {
    const ms = rv as string[];
    const exact = mayBeIntset && ms.every(isInt64) && ms.length <= maxIntset;
    same = exact ? e === r : e[0] === r[0] && sorted(strings(e)).join() === sorted(ms).join();
  }
  if (!same) throw mismatch(p, `reply mismatch for ${JSON.stringify(argv)}`, e, r);
}

/** Rebuild eddy's key from redis's contents and encoding (after a random SPOP). */
async function resync(p: DiffPair, key: string): Promise<void> {
  const ms = await membersOn(p.redis, key);
  if (ms === null) return;
  const enc = await encodingOf(p.redis, key);
  await p.eddy.call('DEL', key);
  if (ms.length === 0) return;
  if (enc === 'intset') await p.eddy.call('SADD', key, ...ms);
  else {
    await p.eddy.call('SADD', key, '\u0000resync', ...ms);
    await p.eddy.call('SREM', key, '\u0000resync');
  }
}

function checkSample(p: DiffPair, argv: string[], e: string, r: string, pool: string[], unique: boolean, n: number): void {
  for (const [who, rep] of [
    ['eddy', e],
    ['redis', r],
  ] as const) {
    const v = parseReply(rep);
    const ok =
      Array.isArray(v) &&
      v.length === n &&
      v.every((x) => typeof x === 'string' && pool.includes(x)) &&
      (!unique || new Set(v).size === v.length);
    if (!ok) throw mismatch(p, `bad ${who} sample for ${JSON.stringify(argv)} (pool ${JSON.stringify(pool)})`, e, r);
  }
  if (e[0] !== r[0]) throw mismatch(p, `reply types differ for ${JSON.stringify(argv)}`, e, r);
}

/** SPOP: structural check, then eddy is re-synchronised from redis. */
async function popChecked(p: DiffPair, argv: string[]): Promise<void> {
  const key = argv[1];
  const before = await membersOn(p.redis, key);
  const [e, r] = await both(p, argv);
  const counted = argv.length === 3;
  const count = counted ? Number(argv[2]) : 1;
  const deterministic =
    before === null || before.length === 0 || e[0] === '-' || r[0] === '-' || count === 0 || (!counted && before.length === 1);
  if (deterministic) {
    if (e !== r) throw mismatch(p, `reply mismatch for ${JSON.stringify(argv)}`, e, r);
    return;
  }
  if (!counted) {
    const ev = parseReply(e);
    const rv = parseReply(r);
    if (typeof ev !== 'string' || typeof rv !== 'string' || !before!.includes(ev) || !before!.includes(rv)) {
      throw mismatch(p, `bad SPOP reply for ${JSON.stringify(argv)}`, e, r);
    }
  } else if (count >= before!.length) {
    compareMembers(p, argv, e, r, true);
  } else {
    checkSample(p, argv, e, r, before!, true, count);
  }
  await p.run(['SCARD', key]);
  await resync(p, key);
}

/** SRANDMEMBER: exact when Redis's answer is deterministic, structural otherwise. */
async function randChecked(p: DiffPair, argv: string[]): Promise<void> {
  const key = argv[1];
  const before = await membersOn(p.redis, key);
  const enc = await encodingOf(p.redis, key);
  const [e, r] = await both(p, argv);
  if (before === null || before.length === 0 || e[0] === '-' || r[0] === '-') {
    if (e !== r) throw mismatch(p, `reply mismatch for ${JSON.stringify(argv)}`, e, r);
    return;
  }
  if (argv.length === 2) {
    const ev = parseReply(e);
    const rv = parseReply(r);
    if (typeof ev !== 'string' || typeof rv !== 'string' || !before.includes(ev) || !before.includes(rv)) {
      throw mismatch(p, `bad SRANDMEMBER reply for ${JSON.stringify(argv)}`, e, r);
    }
    return;
  }
  const l = Number(argv[2]);
  const n = l < 0 ? -l : Math.min(l, before.length);
  if (l >= 0 && l >= before.length && enc === 'intset') {
    if (e !== r) throw mismatch(p, `reply mismatch for ${JSON.stringify(argv)}`, e, r);
    return;
  }
  checkSample(p, argv, e, r, before, l >= 0, n);
}

type Step = string[];

async function runScript(p: DiffPair, script: Step[]): Promise<void> {
  await runSteps(p, script, hasEncoding, {
    POP: (argv) => popChecked(p, argv),
    RAND: (argv) => randChecked(p, argv),
    CONFIG: async (argv) => {
      if (argv[1] === 'set-max-intset-entries') await setMaxIntset(p, Number(argv[2]));
      else await p.run(['CONFIG', ...argv]);
    },
  });
}

const range = (a: number, b: number): string[] => Array.from({ length: b - a + 1 }, (_, i) => String(a + i));

function basics(): Step[] {
  return [
    ['FLUSHDB'],
    ['SET', 'str', 'v'],
    ['SADD', 's', '3', '1', '2'],
    ['SADD', 's', '1'],
    ['SMEMBERS', 's'],
    ['ENC', 's'],
    ['SCARD', 's'],
    ['SADD', 'str', 'x'],
    ['SADD', 's'],
    ['SADD', 'big', '9223372036854775807', '-9223372036854775808', '0', '-1', '-10', '9', '10'],
    ['SMEMBERS', 'big'],
    ['ENC', 'big'],
    ['SADD', 'big', '9223372036854775808'],
    ['ENC', 'big'],
    ['~', 'SMEMBERS', 'big'],
    ['SADD', 'neg0', '-0'],
    ['ENC', 'neg0'],
    ['SADD', 'plus', '+1'],
    ['ENC', 'plus'],
    ['SADD', 'lead', '01'],
    ['ENC', 'lead'],
    ['SADD', 'sp', ' 1'],
    ['ENC', 'sp'],
    ['SADD', 'empty', ''],
    ['ENC', 'empty'],
    ['SMEMBERS', 'empty'],
    ['SADD', 'mixed', '10', 'a'],
    ['ENC', 'mixed'],
    ['SREM', 'mixed', 'a'],
    ['ENC', 'mixed'],
    ['SMEMBERS', 'mixed'],
    ['SADD', 'bin', 'a\u0000b', '\u00ff\r\n'],
    ['~', 'SMEMBERS', 'bin'],
    ['SISMEMBER', 'bin', 'a\u0000b'],
    ['SISMEMBER', 's', '1'],
    ['SISMEMBER', 's', '01'],
    ['SISMEMBER', 's', 'x'],
    ['SISMEMBER', 'nokey', '1'],
    ['SISMEMBER', 'str', '1'],
    ['SISMEMBER', 's'],
    ['SMISMEMBER', 's', '1', 'x', '3', '1'],
    ['SMISMEMBER', 'nokey', 'a', 'b'],
    ['SMISMEMBER', 'str', 'a'],
    ['SMISMEMBER', 's'],
    ['SCARD', 'nokey'],
    ['SCARD', 'str'],
    ['SMEMBERS', 'nokey'],
    ['SMEMBERS', 'str'],
    ['SMEMBERS', 's', 'x'],
    ['SREM', 's', '1', '1', 'x'],
    ['SREM', 'nokey', 'a'],
    ['SREM', 'str', 'a'],
    ['SREM', 's'],
    ['SREM', 's', '2', '3', '99'],
    ['EXISTS', 's'],
    ['TYPE', 'big'],
    // COPY duplicates the object with its encoding; the copy is independent.
    ['COPY', 'big', 'big2'],
    ['ENC', 'big2'],
    ['SREM', 'big', '0'],
    ['~', 'SMEMBERS', 'big2'],
    ['COPY', 'mixed', 'm2'],
    ['ENC', 'm2'],
    ['SADD', 'mixed', '99'],
    ['SMEMBERS', 'm2'],
  ];
}

function smoves(): Step[] {
  return [
    ['FLUSHDB'],
    ['SET', 'str', 'v'],
    ['SADD', 'src', '1', '2', 'a'],
    ['SADD', 'dst', '5'],
    ['SMOVE', 'nokey', 'str', 'x'],
    ['SMOVE', 'str', 'dst', 'x'],
    ['SMOVE', 'src', 'str', 'a'],
    ['SMOVE', 'src', 'str', 'zz'],
    ['SMOVE', 'src', 'src', 'a'],
    ['SMOVE', 'src', 'src', 'zz'],
    ['SMOVE', 'src', 'dst', 'zz'],
    ['SMOVE', 'src', 'dst', '1'],
    ['SMEMBERS', 'dst'],
    ['ENC', 'dst'],
    ['SMOVE', 'src', 'dst', 'a'],
    ['ENC', 'dst'],
    ['~', 'SMEMBERS', 'dst'],
    ['SMOVE', 'src', 'new', '2'],
    ['EXISTS', 'src'],
    ['SMEMBERS', 'new'],
    ['ENC', 'new'],
    ['SADD', 'src2', 'x'],
    ['SMOVE', 'src2', 'new2', 'x'],
    ['ENC', 'new2'],
    ['SADD', 'src3', '5', '6'],
    ['SADD', 'dst3', '5'],
    ['SMOVE', 'src3', 'dst3', '5'],
    ['SMEMBERS', 'src3'],
    ['SMEMBERS', 'dst3'],
    ['SMOVE', 'src3', 'dst3'],
  ];
}

function algebra(): Step[] {
  return [
    ['FLUSHDB'],
    ['SET', 'str', 'v'],
    ['SADD', 'i1', '1', '2', '3', '4', '5'],
    ['SADD', 'i2', '2', '3', '4', '9'],
    ['SADD', 'i3', '3', '4', 'x', '2'],
    ['SADD', 'i4', '4', '3'],
    ['SINTER', 'i1', 'i2'],
    ['SINTER', 'i1', 'i2', 'i4'],
    ['~', 'SINTER', 'i3', 'i1'],
    ['SINTER', 'i1', 'nokey'],
    ['SINTER', 'nokey', 'str'],
    ['SINTER', 'i1', 'str'],
    ['SINTER', 'i1'],
    ['SINTER', 'i1', 'i1'],
    ['SINTER'],
    ['SINTERCARD', '2', 'i1', 'i2'],
    ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT', '2'],
    ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT', '0'],
    ['SINTERCARD', '2', 'i1', 'i2', 'limit', '100'],
    ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT', '1', 'LIMIT', '3'],
    ['SINTERCARD', '1', 'nokey'],
    ['SINTERCARD', '2', 'nokey', 'str'],
    ['SINTERCARD', '0', 'i1'],
    ['SINTERCARD', '-1', 'i1'],
    ['SINTERCARD', 'x', 'i1'],
    ['SINTERCARD', '3', 'i1', 'i2'],
    ['SINTERCARD', '9223372036854775807', 'i1'],
    ['SINTERCARD', '1', 'i1', 'LIMIT'],
    ['SINTERCARD', '1', 'i1', 'LIMIT', '-1'],
    ['SINTERCARD', '1', 'i1', 'LIMIT', 'x'],
    ['SINTERCARD', '1', 'i1', 'FOO', '1'],
    ['SINTERCARD', '1'],
    ['SINTERSTORE', 'd1', 'i1', 'i2'],
    ['SMEMBERS', 'd1'],
    ['ENC', 'd1'],
    ['SINTERSTORE', 'd1', 'i1', 'i3'],
    ['SMEMBERS', 'd1'],
    ['ENC', 'd1'],
    ['SET', 'str2', 'v'],
    ['SINTERSTORE', 'str2', 'i1', 'nokey'],
    ['EXISTS', 'str2'],
    ['SINTERSTORE', 'd1', 'i1', 'str'],
    ['SET', 'str3', 'v'],
    ['SINTERSTORE', 'str3', 'i1', 'i2'],
    ['TYPE', 'str3'],
    ['EXPIRE', 'd1', '100'],
    ['SINTERSTORE', 'd1', 'i2', 'i4'],
    ['TTL', 'd1'],
    ['SINTERSTORE', 'd9', 'i2', 'x9'],
    ['EXISTS', 'd9'],
    ['SINTERSTORE', 'i1', 'i1', 'i2'],
    ['SMEMBERS', 'i1'],
    ['SADD', 'u1', '1', '2', '3'],
    ['SADD', 'u2', '3', '4'],
    ['SADD', 'u3', 'a', '1'],
    ['SUNION', 'u1', 'u2'],
    ['~', 'SUNION', 'u1', 'u3'],
    ['SUNION', 'nokey'],
    ['SUNION', 'u1', 'nokey'],
    ['SUNION', 'u1', 'str'],
    ['SUNION', 'nokey', 'str'],
    ['SDIFF', 'u1', 'u2'],
    ['SDIFF', 'u1', 'u3'],
    ['SDIFF', 'u3', 'u1'],
    ['SDIFF', 'nokey', 'u1'],
    ['SDIFF', 'u1', 'u1'],
    ['SDIFF', 'u1', 'nokey', 'u2'],
    ['SDIFF', 'u1'],
    ['SDIFF', 'str', 'u1'],
    ['SDIFF', 'u1', 'str'],
    ['SUNIONSTORE', 'd2', 'u1', 'u2'],
    ['SMEMBERS', 'd2'],
    ['ENC', 'd2'],
    ['SUNIONSTORE', 'd2', 'u1', 'u3'],
    ['ENC', 'd2'],
    ['SUNIONSTORE', 'd2', 'nokey'],
    ['EXISTS', 'd2'],
    ['SUNIONSTORE', 'd2', 'str'],
    ['SDIFFSTORE', 'd3', 'u1', 'u2'],
    ['SMEMBERS', 'd3'],
    ['SDIFFSTORE', 'd3', 'u1', 'u1'],
    ['EXISTS', 'd3'],
    ['SDIFFSTORE', 'd3', 'u3', 'u1'],
    ['ENC', 'd3'],
    ['SMEMBERS', 'd3'],
    ['SDIFFSTORE', 'u1', 'u1', 'u2'],
    ['SMEMBERS', 'u1'],
    // SDIFF with the all-int hashtable first set: the temporary set is an intset again.
    ['SADD', 'h1', 'x', ...range(1, 8)],
    ['SREM', 'h1', 'x'],
    ['ENC', 'h1'],
    ['SDIFF', 'h1', 'u2'],
    ['SUNION', 'h1'],
    ['SDIFFSTORE', 'hd', 'h1', 'u2'],
    ['ENC', 'hd'],
  ];
}

function randoms(): Step[] {
  return [
    ['FLUSHDB'],
    ['SET', 'str', 'v'],
    ['SADD', 'u1', '3', '1', '2'],
    ['SADD', 'u2', '4', '3'],
    ['SPOP', 'nokey'],
    ['SPOP', 'nokey', '3'],
    ['SPOP', 'nokey', '0'],
    ['SPOP', 'str'],
    ['SPOP', 'str', '1'],
    ['SPOP', 'u1', '-1'],
    ['SPOP', 'u1', 'x'],
    ['SPOP', 'u1', '9223372036854775808'],
    ['SPOP', 'u1', '1', '2'],
    ['SPOP', 'u1', '0'],
    ['SPOP', 'u1', '3'],
    ['EXISTS', 'u1'],
    ['SPOP', 'u2', '100'],
    ['EXISTS', 'u2'],
    ['SADD', 'one', 'x'],
    ['SPOP', 'one'],
    ['EXISTS', 'one'],
    ['SADD', 'one', '5'],
    ['SPOP', 'one', '1'],
    ['EXISTS', 'one'],
    ['SADD', 'i2', '2', '3', '4', '9'],
    ['SRANDMEMBER', 'nokey'],
    ['SRANDMEMBER', 'nokey', '5'],
    ['SRANDMEMBER', 'nokey', '-5'],
    ['SRANDMEMBER', 'nokey', '0'],
    ['SRANDMEMBER', 'str'],
    ['SRANDMEMBER', 'str', '1'],
    ['SRANDMEMBER', 'i2', 'x'],
    ['SRANDMEMBER', 'i2', '1', '2'],
    ['SRANDMEMBER', 'i2', '-9223372036854775808'],
    ['SRANDMEMBER', 'i2', '-9223372036854775809'],
    ['SRANDMEMBER', 'i2', '0'],
    ['SRANDMEMBER', 'i2', '100'],
    ['SRANDMEMBER', 'i2', '4'],
    ['SADD', 'single', '7'],
    ['SRANDMEMBER', 'single'],
    ['SRANDMEMBER', 'single', '-3'],
    ['SRANDMEMBER', 'single', '1'],
    ['RAND', 'SRANDMEMBER', 'i2'],
    ['RAND', 'SRANDMEMBER', 'i2', '2'],
    ['RAND', 'SRANDMEMBER', 'i2', '3'],
    ['RAND', 'SRANDMEMBER', 'i2', '-10'],
    ['SADD', 'h', 'a', 'b', 'c', 'd', 'e', 'f', 'g'],
    ['RAND', 'SRANDMEMBER', 'h', '1'],
    ['RAND', 'SRANDMEMBER', 'h', '2'],
    ['RAND', 'SRANDMEMBER', 'h', '6'],
    ['RAND', 'SRANDMEMBER', 'h', '7'],
    ['RAND', 'SRANDMEMBER', 'h', '-20'],
    ['POP', 'SPOP', 'h'],
    ['POP', 'SPOP', 'h', '1'],
    ['POP', 'SPOP', 'h', '4'],
    ['POP', 'SPOP', 'h', '2'],
    ['EXISTS', 'h'],
    // SPOP's "new set" strategy re-encodes what remains: all integers -> intset again.
    ['SADD', 'p1', 'x', ...range(1, 10)],
    ['SREM', 'p1', 'x'],
    ['ENC', 'p1'],
    ['POP', 'SPOP', 'p1', '9'],
    ['ENC', 'p1'],
    ['SADD', 'p2', 'x', ...range(1, 10)],
    ['SREM', 'p2', 'x'],
    ['POP', 'SPOP', 'p2', '2'],
    ['ENC', 'p2'],
    ['SADD', 'p3', ...range(1, 30)],
    ['POP', 'SPOP', 'p3', '3'],
    ['POP', 'SPOP', 'p3', '20'],
    ['ENC', 'p3'],
    ['SMEMBERS', 'p3'],
  ];
}

function scans(): Step[] {
  return [
    ['FLUSHDB'],
    ['SET', 'str', 'v'],
    ['SADD', 'i2', '2', '3', '4', '9', '22'],
    ['SSCAN', 'nokey', '0'],
    ['SSCAN', 'nokey', 'x'],
    ['SSCAN', 'nokey', '0', 'bad'],
    ['SSCAN', 'str', '0'],
    ['SSCAN', 'i2'],
    ['SSCAN', 'i2', '0'],
    ['SSCAN', 'i2', '0', 'MATCH', '*'],
    ['SSCAN', 'i2', '0', 'MATCH', '2*'],
    ['SSCAN', 'i2', '0', 'match', '[23]'],
    ['SSCAN', 'i2', '0', 'COUNT', '1'],
    ['SSCAN', 'i2', '0', 'COUNT', '0'],
    ['SSCAN', 'i2', '0', 'COUNT', '-1'],
    ['SSCAN', 'i2', '0', 'COUNT', 'x'],
    ['SSCAN', 'i2', '0', 'TYPE', 'set'],
    ['SSCAN', 'i2', '0', 'MATCH'],
    ['SSCAN', 'i2', '0', 'MATCH', '*', 'COUNT', '5', 'MATCH', '9'],
    ['SSCAN', 'i2', ''],
    ['SSCAN', 'i2', '-1'],
    ['SSCAN', 'i2', '+7'],
    ['SSCAN', 'i2', '18446744073709551615'],
    ['SSCAN', 'i2', '18446744073709551616'],
    ['SSCAN', 'i2', ' 1'],
    ['SSCAN', 'i2', '+'],
    ['SSCAN', 'i2', '12abc'],
    ['SADD', 'e1', ''],
    ['SSCAN', 'e1', '0'],
    ['SSCAN', 'e1', '0', 'MATCH', '*'],
    ['SSCAN', 'e1', '0', 'MATCH', '?'],
  ];
}

function transitions(): Step[] {
  return [
    ['FLUSHDB'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '4'],
    ['SADD', 'c1', '1', '2', '3', '4'],
    ['ENC', 'c1'],
    ['SADD', 'c1', '5'],
    ['ENC', 'c1'],
    ['SREM', 'c1', '5', '4'],
    ['ENC', 'c1'],
    ['SADD', 'c2', '1', '2', '3', '4', '5'],
    ['ENC', 'c2'],
    ['SINTERSTORE', 'c3', 'c2', 'c2'],
    ['ENC', 'c3'],
    ['SUNIONSTORE', 'c4', 'c1', 'c1'],
    ['ENC', 'c4'],
    ['SMEMBERS', 'c4'],
    ['SMOVE', 'c2', 'c4', '5'],
    ['ENC', 'c4'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '0'],
    ['SADD', 'c5', '1'],
    ['ENC', 'c5'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '8'],
    ['SADD', 'g0', ...range(1, 12)],
    ['ENC', 'g0'],
    ['SADD', 'g1', '1', '2'],
    ['SADD', 'g2', '3', '4'],
    ['SADD', 'g3', '5', '6'],
    ['SADD', 'g4', '1', '2', '3', '4'],
    // Algorithm 2 (estimated cheaper here) overflows the temporary intset: hashtable result.
    ['SDIFFSTORE', 'gd', 'g0', 'g1', 'g2', 'g3'],
    ['ENC', 'gd'],
    ['~', 'SDIFF', 'g0', 'g1', 'g2', 'g3'],
    ['SDIFFSTORE', 'gd4', 'g0', 'g1', 'g2'],
    ['ENC', 'gd4'],
    // Algorithm 1 only ever adds result members: intset.
    ['SDIFFSTORE', 'gd3', 'g0', 'g4'],
    ['ENC', 'gd3'],
    ['SMEMBERS', 'gd3'],
    ['SDIFF', 'g0', 'g4'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
  ];
}

/** SMEMBERS/SINTER/SUNION replies larger than the reply writer's buffer, with big and binary members. */
function bigReplies(): Step[] {
  const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  const ms = Array.from({ length: 1500 }, (_, i) => (i % 97 === 0 ? all + i : i % 10 === 0 ? 'm'.repeat(1020 + (i % 7)) + i : 'm' + i));
  const ints = Array.from({ length: 500 }, (_, i) => String(i * 7919 - 1000000));
  return [
    ['SADD', 'bs', ...ms],
    ['~', 'SMEMBERS', 'bs'],
    ['SADD', 'bs2', ...ms.slice(700)],
    ['~', 'SINTER', 'bs', 'bs2'],
    ['~', 'SUNION', 'bs', 'bs2'],
    ['RAND', 'SRANDMEMBER', 'bs', '-3000'],
    ['RAND', 'SRANDMEMBER', 'bs', '700'],
    ['RAND', 'SRANDMEMBER', 'bs', '3000'],
    ['POP', 'SPOP', 'bs2', '300'],
    ['POP', 'SPOP', 'bs2', '600'],
    ['SADD', 'bi', ...ints],
    ['SMEMBERS', 'bi'],
    ['ENC', 'bi'],
  ];
}

const SCRIPTS: [string, () => Step[]][] = [
  ['basics', basics],
  ['big replies', bigReplies],
  ['smove', smoves],
  ['sinter/sunion/sdiff', algebra],
  ['spop/srandmember', randoms],
  ['sscan', scans],
  ['encoding transitions', transitions],
];

describe('sets: targeted scripts', () => {
  for (const resp of [2, 3] as const) {
    for (const [name, script] of SCRIPTS) {
      it(`${name} (RESP${resp})`, async () => {
        await runScript(resp === 2 ? p2 : p3, script());
      });
    }
  }
});

describe('sets: keyspace notifications', () => {
  it('publishes the same events as redis', async () => {
    await p2.run(['FLUSHDB']);
    const script: Step[] = [
      ['SADD', 's', '1', '2', '3'],
      ['SADD', 's', '1'],
      ['SREM', 's', '1', 'x'],
      ['SREM', 's', 'x'],
      ['SADD', 't', 'a', '2'],
      ['SMOVE', 's', 't', '2'],
      ['SMOVE', 's', 'u', '3'],
      ['SMOVE', 'u', 't', '3'],
      ['SINTERSTORE', 'd', 't', 't'],
      ['SINTERSTORE', 'd', 't', 'nokey'],
      ['SINTERSTORE', 'd', 't', 'nokey'],
      ['SUNIONSTORE', 'd', 't'],
      ['SUNIONSTORE', 'd', 't'],
      ['SUNIONSTORE', 'f', 'nokey'],
      ['SDIFFSTORE', 'f', 'nokey', 't'],
      ['SMOVE', 'nokey', 't', 'a'],
      ['SPOP', 'nokey'],
      ['SREM', 'nokey', 'a'],
      ['SINTERCARD', '2', 't', 'nokey'],
      ['SRANDMEMBER', 'nokey', '2'],
      ['SDIFFSTORE', 'd', 't', 'd'],
      ['SDIFFSTORE', 'e', 't'],
      ['SISMEMBER', 'nokey', 'x'],
      ['SMEMBERS', 'nokey'],
      ['SPOP', 'e', '0'],
      ['SPOP', 'e', '2'],
      ['SADD', 'o', 'x'],
      ['SPOP', 'o'],
      ['SADD', 'o', 'x', 'y', 'z'],
      ['SPOP', 'o', '1'],
      ['SPOP', 'o', '5'],
      ['SRANDMEMBER', 'nokey'],
      ['SSCAN', 'nokey', '0'],
      ['SET', 'str', 'v'],
      ['SADD', 'str', 'x'],
    ];
    // SPOP has a random outcome: compare its events only (members differ, counts do not).
    const exec = (argv: string[]): Promise<unknown> => (argv[0] === 'SPOP' ? both(p2, argv) : p2.run(argv, { unordered: true }));
    await compareKeyspaceEvents(d, p2, script, exec);
  });
});

describe('sets: SSCAN guarantee', () => {
  it('returns every member present for the whole iteration while the set changes', async () => {
    for (const c of [p2.eddy, p2.redis]) {
      await checkScanGuarantee(c, 'SSCAN', 'big', {
        add: (ms) => ['SADD', 'big', ...ms],
        del: (ms) => ['SREM', 'big', ...ms],
        pairs: false,
      });
    }
  });
});

const INTS = ['0', '1', '2', '3', '-1', '5', '10', '42', '100', '-100', '7', '8', '9223372036854775807', '-9223372036854775808'];
const STRS = ['a', 'b', 'c', 'x', '', '007', '-0', '9223372036854775808', ' 1', 'long-member-' + 'y'.repeat(40)];
const KEYS = ['s0', 's1', 's2', 's3'];

describe('sets: seeded random sequences', () => {
  const configs = [512, 4, 16];
  for (const resp of [2, 3] as const) {
    for (const seed of seeds([101, 202, 303])) {
      it(`seed ${seed} RESP${resp}`, async () => {
        const p = resp === 2 ? p2 : p3;
        const rng = new Rng(seed * 10 + resp);
        await p.run(['FLUSHDB']);
        await p.run(['SET', 'str', 'v']);
        await setMaxIntset(p, configs[seed % configs.length]);
        const member = (): string => (rng.bool(0.75) ? rng.pick(INTS) : rng.pick(STRS));
        const members = (lo: number, hi: number): string[] => Array.from({ length: rng.int(lo, hi) }, member);
        const key = (): string => (rng.bool(0.03) ? 'str' : rng.pick(KEYS));
        const keys = (lo: number, hi: number): string[] => Array.from({ length: rng.int(lo, hi) }, key);
        for (let i = 0; i < 2200; i++) {
          const x = rng.next();
          if (x < 0.25) await p.run(['SADD', key(), ...members(1, 4)]);
          else if (x < 0.36) await p.run(['SREM', key(), ...members(1, 3)]);
          else if (x < 0.42) {
            const k = key();
            await setReply(p, ['SMEMBERS', k], [k]);
          } else if (x < 0.5) {
            const y = rng.int(0, 2);
            if (y === 0) await p.run(['SISMEMBER', key(), member()]);
            else if (y === 1) await p.run(['SMISMEMBER', key(), ...members(1, 4)]);
            else await p.run(['SCARD', key()]);
          } else if (x < 0.56) {
            const ks = keys(1, 3);
            await setReply(p, ['SINTER', ...ks], ks);
          } else if (x < 0.62) await unionDiffReply(p, [rng.bool() ? 'SUNION' : 'SDIFF', ...keys(1, 3)]);
          else if (x < 0.69) {
            const dst = key();
            await p.run([rng.pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), dst, ...keys(1, 3)]);
            if (hasEncoding) await p.run(['OBJECT', 'ENCODING', dst]);
          } else if (x < 0.72) {
            const ks = keys(1, 3);
            const lim = rng.bool() ? ['LIMIT', String(rng.int(0, 4))] : [];
            await p.run(['SINTERCARD', String(ks.length), ...ks, ...lim]);
          } else if (x < 0.78) await p.run(['SMOVE', key(), key(), member()]);
          else if (x < 0.83) {
            const k = key();
            await popChecked(p, rng.bool(0.4) ? ['SPOP', k] : ['SPOP', k, String(rng.int(0, 7))]);
          } else if (x < 0.88) {
            const k = key();
            await randChecked(p, rng.bool(0.3) ? ['SRANDMEMBER', k] : ['SRANDMEMBER', k, String(rng.int(-6, 8))]);
          } else if (x < 0.91) {
            const opts = rng.bool() ? ['COUNT', String(rng.int(1, 5))] : [];
            if (rng.bool(0.4)) opts.push('MATCH', rng.pick(['*', '1*', '[a-c]', '-*', '?']));
            await compareScan(p, 'SSCAN', key(), opts, false);
          } else if (x < 0.94) {
            if (hasEncoding) await p.run(['OBJECT', 'ENCODING', key()]);
          } else if (x < 0.96) await p.run(['DEL', key()]);
          else if (x < 0.97) await p.run(['TYPE', key()]);
          else if (x < 0.975) await setMaxIntset(p, rng.pick([2, 4, 8, 16, 512]));
          else await p.run(['EXISTS', key()]);
        }
        // Final state: every key has the same members and encoding.
        for (const k of KEYS) {
          await setReply(p, ['SMEMBERS', k], [k]);
          if (hasEncoding) await p.run(['OBJECT', 'ENCODING', k]);
        }
        await setMaxIntset(p, 512);
      }, 60000);
    }
  }
});

describe('dense set/map (hashtable encoding storage)', () => {
  it('matches a Map model under random adds, sets and deletes (probe runs, growth and shrinking)', () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      const m = new DenseMap();
      const model = new Map<string, string>();
      // A small key space keeps probe runs long and the table growing and shrinking.
      const space = [4, 40, 3000][seed - 1];
      for (let step = 0; step < 60000; step++) {
        const k = 'k' + rng.int(0, space) + (step % 7 === 0 ? '\xff\x00' : '');
        const x = rng.next();
        if (x < 0.45) {
          const v = 'v' + step;
          expect(m.set(k, v)).toBe(!model.has(k));
          model.set(k, v);
        } else if (x < 0.9) {
          const slot = m.delete(k);
          expect(slot >= 0).toBe(model.delete(k));
        } else {
          expect(m.get(k)).toBe(model.get(k));
          expect(m.has(k)).toBe(model.has(k));
        }
        if (step % 5000 === 0 || step === 59999) {
          expect(m.size).toBe(model.size);
          expect(new Set(m.keys)).toEqual(new Set(model.keys()));
          for (let i = 0; i < m.size; i++) expect(m.get(m.keys[i])).toBe(m.vals[i]);
          for (const [mk, mv] of model) expect(m.get(mk)).toBe(mv);
          const c = m.clone();
          expect(c.delete(m.keys[0] ?? 'none')).toBe(m.size ? 0 : -1);
          expect(m.size).toBe(model.size);
        }
      }
    }
    const s = new DenseSet();
    for (let i = 0; i < 1000; i++) expect(s.add(String(i))).toBe(true);
    for (let i = 0; i < 1000; i++) expect(s.add(String(i))).toBe(false);
    for (let i = 0; i < 1000; i += 2) expect(s.delete(String(i))).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 1000; i++) expect(s.has(String(i))).toBe(i % 2 === 1);
    expect(s.size).toBe(500);
  });
});

describe('intset helpers', () => {
  it('orders canonical int64 strings numerically', () => {
    const xs = ['0', '-1', '10', '9', '-10', '-9', '9223372036854775807', '-9223372036854775808', '100', '-100', '1'];
    const ref = [...xs].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
    expect([...xs].sort(cmpInt)).toEqual(ref);
    expect(['0', '-1', '9223372036854775807', '-9223372036854775808'].every(isInt64)).toBe(true);
    expect(['', '-', '-0', '+1', '01', ' 1', '9223372036854775808', '-9223372036854775809', '1e3', '1.0'].some(isInt64)).toBe(false);
  });
});

describe('sets: propagated form (in-process)', () => {
  const run = propagationRunner();

  it('SPOP becomes SREMs (MULTI-wrapped when several) or DEL; no-ops propagate nothing', () => {
    expect(run('SADD', 's', ...range(1, 10))).toEqual([['SADD', 's', ...range(1, 10)]]);
    expect(run('SADD', 's', '1')).toEqual([]);
    expect(run('SREM', 's', 'x')).toEqual([]);
    let p = run('SPOP', 's');
    expect(p.length).toBe(1);
    expect(p[0].slice(0, 2)).toEqual(['SREM', 's']);
    p = run('SPOP', 's', '1');
    expect(p.length).toBe(1);
    expect(p[0].slice(0, 2)).toEqual(['SREM', 's']);
    // 8 left: CASE 2 (remaining * 5 > count)
    p = run('SPOP', 's', '2');
    expect(p.map((x) => x[0])).toEqual(['MULTI', 'SREM', 'SREM', 'EXEC']);
    // 6 left: CASE 3 (new set strategy), SREMs in the old set's (ascending intset) order
    p = run('SPOP', 's', '5');
    expect(p.map((x) => x[0])).toEqual(['MULTI', 'SREM', 'SREM', 'SREM', 'SREM', 'SREM', 'EXEC']);
    const popped = p.slice(1, 6).map((x) => x[2]);
    expect(popped).toEqual([...popped].sort((a, b) => Number(a) - Number(b)));
    expect(run('SPOP', 's', '0')).toEqual([]);
    expect(run('SPOP', 's', '7')).toEqual([['DEL', 's']]);
    expect(run('SPOP', 's')).toEqual([]);
    expect(run('SPOP', 's', '3')).toEqual([]);
    run('SADD', 'a', 'x');
    expect(run('SMOVE', 'a', 'b', 'x')).toEqual([['SMOVE', 'a', 'b', 'x']]);
    expect(run('SMOVE', 'b', 'b', 'x')).toEqual([]);
    expect(run('SINTERSTORE', 'd', 'b', 'nokey')).toEqual([]);
    expect(run('SUNIONSTORE', 'd', 'b')).toEqual([['SUNIONSTORE', 'd', 'b']]);
    expect(run('SINTERSTORE', 'd', 'b', 'nokey')).toEqual([['SINTERSTORE', 'd', 'b', 'nokey']]);
    expect(run('SRANDMEMBER', 'b', '3')).toEqual([]);
  });
});
