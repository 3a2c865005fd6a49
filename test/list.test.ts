// Why: the list type against the reference redis-server 7.0.15 in RESP2 and RESP3: every command,
// option and error, keyspace notifications, seeded random command sequences, and the blocking
// family across several connections (who gets what, in which order, timeouts, MULTI, kills,
// CLIENT UNBLOCK); plus the deque against an array model and the propagated forms in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Differential, Rng, seeds, type DiffPair } from './support/diff.js';
import { compareKeyspaceEvents, eddyHas, parseReply } from './support/collections.js';
import type { RawClient, Reply } from './support/raw-client.js';
import { Deque } from '../src/datatypes/deque.js';
import { shareValue } from '../src/datatypes/collection.js';
import { Server } from '../src/server/server.js';
import { Config } from '../src/server/config.js';
import { processCommand } from '../src/server/dispatch.js';
import { parseTimeout } from '../src/server/blocking.js';

let d: Differential;
let p2: DiffPair;
let p3: DiffPair;

beforeAll(async () => {
  d = await Differential.start();
  p2 = await d.connect(2);
  p3 = await d.connect(3);
}, 30000);
afterAll(async () => {
  await d?.stop();
});

const LONG = 'L'.repeat(100);
const BIN = '\x00\xff\r\n\x7f';

// ---------------------------------------------------------------------------------------------
// Targeted scripts

const SCRIPTS: Record<string, string[][]> = {
  push: [
    ['LPUSH', 'l', 'a', 'b', 'c'],
    ['RPUSH', 'l', 'd', '', BIN, LONG],
    ['LRANGE', 'l', '0', '-1'],
    ['LPUSHX', 'nokey', 'a'],
    ['RPUSHX', 'nokey', 'a', 'b'],
    ['EXISTS', 'nokey'],
    ['LPUSHX', 'l', 'x', 'y'],
    ['RPUSHX', 'l', 'z'],
    ['LRANGE', 'l', '0', '-1'],
    ['LPUSH', 'l'],
    ['RPUSHX', 'l'],
    ['SET', 's', 'v'],
    ['LPUSH', 's', 'a'],
    ['RPUSH', 's', 'a'],
    ['LPUSHX', 's', 'a'],
    ['RPUSHX', 's', 'a'],
    ['LLEN', 'l'],
    ['LLEN', 'nokey'],
    ['LLEN', 's'],
    ['TYPE', 'l'],
    ['OBJECT', 'ENCODING', 'l'],
  ],
  pop: [
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
    ['LPOP', 'l'],
    ['RPOP', 'l'],
    ['LPOP', 'l', '2'],
    ['RPOP', 'l', '1'],
    ['LPOP', 'l', '0'],
    ['RPOP', 'l', '0'],
    ['LPOP', 'l', '-1'],
    ['LPOP', 'l', 'x'],
    ['LPOP', 'l', '1', '2'],
    ['RPOP', 'l', '9223372036854775807'],
    ['EXISTS', 'l'],
    ['LPOP', 'l'],
    ['LPOP', 'l', '0'],
    ['LPOP', 'l', '3'],
    ['RPOP', 'l', '3'],
    ['RPOP', 'l', '-3'],
    ['SET', 's', 'v'],
    ['LPOP', 's'],
    ['RPOP', 's', '2'],
    ['RPOP', 's', 'x'],
    ['RPUSH', 'm', 'only'],
    ['RPOP', 'm', '5'],
    ['EXISTS', 'm'],
  ],
  range: [
    ['RPUSH', 'l', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    ['LRANGE', 'l', '0', '-1'],
    ['LRANGE', 'l', '2', '4'],
    ['LRANGE', 'l', '-3', '-1'],
    ['LRANGE', 'l', '-100', '100'],
    ['LRANGE', 'l', '5', '2'],
    ['LRANGE', 'l', '10', '20'],
    ['LRANGE', 'l', '-1', '-5'],
    ['LRANGE', 'l', '9223372036854775807', '-9223372036854775808'],
    ['LRANGE', 'l', '-9223372036854775808', '9223372036854775807'],
    ['LRANGE', 'l', 'x', '1'],
    ['LRANGE', 'l', '0', '9223372036854775808'],
    ['LRANGE', 'nokey', '0', '-1'],
    ['LRANGE', 'nokey', 'x', '-1'],
    ['SET', 's', 'v'],
    ['LRANGE', 's', '0', '-1'],
    ['LRANGE', 's', 'x', '-1'],
    ['LINDEX', 'l', '0'],
    ['LINDEX', 'l', '-1'],
    ['LINDEX', 'l', '-10'],
    ['LINDEX', 'l', '-11'],
    ['LINDEX', 'l', '10'],
    ['LINDEX', 'l', 'x'],
    ['LINDEX', 'nokey', 'x'],
    ['LINDEX', 'nokey', '0'],
    ['LINDEX', 's', '0'],
    ['LINDEX', 'l', '9223372036854775807'],
  ],
  lset: [
    ['RPUSH', 'l', 'a', 'b', 'c'],
    ['LSET', 'l', '0', 'A'],
    ['LSET', 'l', '-1', 'C'],
    ['LSET', 'l', '3', 'x'],
    ['LSET', 'l', '-4', 'x'],
    ['LSET', 'l', 'x', 'x'],
    ['LSET', 'nokey', '0', 'x'],
    ['LSET', 'nokey', 'x', 'x'],
    ['SET', 's', 'v'],
    ['LSET', 's', '0', 'x'],
    ['LSET', 'l', '1', LONG],
    ['LRANGE', 'l', '0', '-1'],
  ],
  ltrim: [
    ['RPUSH', 'l', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    ['LTRIM', 'l', '1', '-2'],
    ['LRANGE', 'l', '0', '-1'],
    ['LTRIM', 'l', '0', '-1'],
    ['LTRIM', 'l', '-3', '100'],
    ['LRANGE', 'l', '0', '-1'],
    ['LTRIM', 'l', 'x', '1'],
    ['LTRIM', 'l', '1', 'y'],
    ['LTRIM', 'nokey', '0', '1'],
    ['LTRIM', 'nokey', 'x', '1'],
    ['SET', 's', 'v'],
    ['LTRIM', 's', '0', '1'],
    ['LTRIM', 'l', '2', '1'],
    ['EXISTS', 'l'],
    ['RPUSH', 'l', 'a', 'b'],
    ['LTRIM', 'l', '5', '10'],
    ['EXISTS', 'l'],
  ],
  linsert: [
    ['RPUSH', 'l', 'a', 'b', 'c', 'b'],
    ['LINSERT', 'l', 'BEFORE', 'b', 'x'],
    ['LINSERT', 'l', 'after', 'b', 'y'],
    ['LINSERT', 'l', 'AFTER', 'c', 'z'],
    ['LINSERT', 'l', 'before', 'a', 'first'],
    ['LINSERT', 'l', 'after', 'b', 'last?'],
    ['LRANGE', 'l', '0', '-1'],
    ['LINSERT', 'l', 'before', 'nope', 'x'],
    ['LINSERT', 'l', 'middle', 'a', 'x'],
    ['LINSERT', 'nokey', 'before', 'a', 'x'],
    ['LINSERT', 'nokey', 'middle', 'a', 'x'],
    ['SET', 's', 'v'],
    ['LINSERT', 's', 'before', 'a', 'x'],
    ['LINSERT', 's', 'middle', 'a', 'x'],
    ['LINSERT', 'l', 'before'],
  ],
  lrem: [
    ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'b', 'a'],
    ['LREM', 'l', '1', 'a'],
    ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '-1', 'a'],
    ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '0', 'b'],
    ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '5', 'zz'],
    ['LREM', 'l', 'x', 'a'],
    ['LREM', 'nokey', '0', 'a'],
    ['LREM', 'nokey', 'x', 'a'],
    ['SET', 's', 'v'],
    ['LREM', 's', '0', 'a'],
    ['RPUSH', 'm', 'q', 'w', 'q', 'q'],
    ['LREM', 'm', '-9223372036854775808', 'q'],
    ['LRANGE', 'm', '0', '-1'],
    ['LREM', 'l', '0', 'a'],
    ['LREM', 'l', '0', 'c'],
    ['EXISTS', 'l'],
  ],
  lpos: [
    ['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'c', 'a', '1', '1'],
    ['LPOS', 'l', 'a'],
    ['LPOS', 'l', 'c'],
    ['LPOS', 'l', 'zz'],
    ['LPOS', 'l', 'a', 'RANK', '2'],
    ['LPOS', 'l', 'a', 'RANK', '-1'],
    ['LPOS', 'l', 'a', 'RANK', '-2'],
    ['LPOS', 'l', 'a', 'RANK', '4'],
    ['LPOS', 'l', 'a', 'RANK', '0'],
    ['LPOS', 'l', 'a', 'RANK', 'x'],
    ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808'],
    ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808', 'COUNT', '2'],
    ['LPOS', 'l', 'a', 'RANK', '9223372036854775807'],
    ['LPOS', 'l', 'a', 'COUNT', '0'],
    ['LPOS', 'l', 'a', 'COUNT', '2'],
    ['LPOS', 'l', 'a', 'COUNT', '2', 'RANK', '2'],
    ['LPOS', 'l', 'a', 'COUNT', '0', 'RANK', '-1'],
    ['LPOS', 'l', 'a', 'COUNT', '-1'],
    ['LPOS', 'l', 'a', 'COUNT', 'x'],
    ['LPOS', 'l', 'zz', 'COUNT', '3'],
    ['LPOS', 'l', 'a', 'MAXLEN', '3'],
    ['LPOS', 'l', 'c', 'MAXLEN', '2'],
    ['LPOS', 'l', 'a', 'MAXLEN', '1', 'RANK', '-1'],
    ['LPOS', 'l', 'a', 'COUNT', '0', 'MAXLEN', '4'],
    ['LPOS', 'l', 'a', 'MAXLEN', '-1'],
    ['LPOS', 'l', 'a', 'MAXLEN', 'x'],
    ['LPOS', 'l', 'a', 'RANK'],
    ['LPOS', 'l', 'a', 'COUNT'],
    ['LPOS', 'l', 'a', 'FOO', '1'],
    ['LPOS', 'l', '1', 'COUNT', '0'],
    ['LPOS', 'nokey', 'a'],
    ['LPOS', 'nokey', 'a', 'COUNT', '1'],
    ['LPOS', 'nokey', 'a', 'RANK', '0'],
    ['SET', 's', 'v'],
    ['LPOS', 's', 'a'],
    ['LPOS', 's', 'a', 'RANK', '0'],
  ],
  lmove: [
    ['RPUSH', 'a', '1', '2', '3'],
    ['LMOVE', 'a', 'b', 'LEFT', 'RIGHT'],
    ['LMOVE', 'a', 'b', 'right', 'left'],
    ['LMOVE', 'a', 'b', 'Left', 'Left'],
    ['LRANGE', 'b', '0', '-1'],
    ['EXISTS', 'a'],
    ['LMOVE', 'a', 'b', 'LEFT', 'RIGHT'],
    ['LMOVE', 'b', 'b', 'LEFT', 'RIGHT'],
    ['LRANGE', 'b', '0', '-1'],
    ['RPOPLPUSH', 'b', 'b'],
    ['LRANGE', 'b', '0', '-1'],
    ['RPOPLPUSH', 'b', 'c'],
    ['RPOPLPUSH', 'nokey', 'c'],
    ['LMOVE', 'b', 'c', 'UP', 'LEFT'],
    ['LMOVE', 'b', 'c', 'LEFT', 'DOWN'],
    ['LMOVE', 'nokey', 'c', 'UP', 'LEFT'],
    ['SET', 's', 'v'],
    ['LMOVE', 's', 'c', 'LEFT', 'LEFT'],
    ['LMOVE', 'b', 's', 'LEFT', 'LEFT'],
    ['RPOPLPUSH', 'b', 's'],
    ['RPOPLPUSH', 's', 'b'],
    ['LMOVE', 'nokey', 's', 'LEFT', 'LEFT'],
    ['LRANGE', 'b', '0', '-1'],
    ['RPUSH', 'one', 'x'],
    ['LMOVE', 'one', 'one', 'LEFT', 'LEFT'],
    ['LRANGE', 'one', '0', '-1'],
  ],
  lmpop: [
    ['RPUSH', 'a', '1', '2', '3', '4'],
    ['RPUSH', 'b', 'x', 'y'],
    ['LMPOP', '1', 'a', 'LEFT'],
    ['LMPOP', '1', 'a', 'RIGHT', 'COUNT', '2'],
    ['LMPOP', '2', 'nokey', 'b', 'left', 'count', '10'],
    ['LMPOP', '3', 'nokey', 'b', 'a', 'RIGHT'],
    ['EXISTS', 'a', 'b'],
    ['LMPOP', '2', 'a', 'b', 'LEFT'],
    ['LMPOP', '0', 'a', 'LEFT'],
    ['LMPOP', '-1', 'a', 'LEFT'],
    ['LMPOP', 'x', 'a', 'LEFT'],
    ['LMPOP', '2', 'a', 'LEFT'],
    ['LMPOP', '1', 'a', 'MIDDLE'],
    ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '0'],
    ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '-1'],
    ['LMPOP', '1', 'a', 'LEFT', 'COUNT', 'x'],
    ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
    ['LMPOP', '1', 'a', 'LEFT', 'COUNT'],
    ['LMPOP', '1', 'a', 'LEFT', 'FOO'],
    ['LMPOP', '9223372036854775807', 'a', 'LEFT'],
    ['LMPOP', '1'],
    ['SET', 's', 'v'],
    ['LMPOP', '2', 'nokey', 's', 'LEFT'],
    ['RPUSH', 'c', 'z'],
    ['LMPOP', '2', 'c', 's', 'LEFT'],
  ],
  blockingImmediate: [
    ['RPUSH', 'a', '1', '2', '3'],
    ['BLPOP', 'nokey', 'a', '0'],
    ['BRPOP', 'a', 'nokey', '0'],
    ['BLPOP', 'a', '1.5'],
    ['EXISTS', 'a'],
    ['RPUSH', 'a', '1', '2', '3', '4'],
    ['BLMPOP', '0', '2', 'nokey', 'a', 'RIGHT', 'COUNT', '2'],
    ['BLMPOP', '0', '1', 'a', 'LEFT'],
    ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0'],
    ['RPUSH', 'a', '5', '6'],
    ['BRPOPLPUSH', 'a', 'b', '0'],
    ['BLMOVE', 'a', 'b', 'right', 'left', '0'],
    ['LRANGE', 'b', '0', '-1'],
    ['SET', 's', 'v'],
    ['BLPOP', 's', '0'],
    ['BLPOP', 'nokey', 's', '0'],
    ['BRPOP', 'b', 's', '0'],
    ['BLMOVE', 's', 'b', 'LEFT', 'LEFT', '0'],
    ['BLMOVE', 'b', 's', 'LEFT', 'LEFT', '0'],
    ['BRPOPLPUSH', 'b', 's', '0'],
    ['BLMPOP', '0', '1', 's', 'LEFT'],
    // argument errors (checked before anything blocks)
    ['BLPOP', 'b', 'x'],
    ['BLPOP', 'b', '-1'],
    ['BLPOP', 'b', '-0.0001'],
    ['BLPOP', 'b', 'inf'],
    ['BLPOP', 'b', '1e20'],
    ['BLPOP', 'b', 'nan'],
    ['BLPOP', 'b', ' 1'],
    ['BLPOP', 'b', '1e5000'],
    ['BLPOP', 'b', '0x10'],
    ['BLPOP', 'b', '.5'],
    ['BRPOP', 'b', ''],
    ['BLMOVE', 'b', 'c', 'UP', 'LEFT', '0'],
    ['BLMOVE', 'b', 'c', 'LEFT', 'LEFT', 'x'],
    ['BLMOVE', 'nokey', 'c', 'LEFT', 'LEFT', '-1'],
    ['BRPOPLPUSH', 'b', 'c', 'x'],
    ['BLMPOP', 'x', '1', 'b', 'LEFT'],
    ['BLMPOP', '0', '0', 'b', 'LEFT'],
    ['BLMPOP', '0', '2', 'b', 'LEFT'],
    ['BLMPOP', '0', '1', 'b', 'UP'],
    ['BLMPOP', '0', '1', 'b', 'LEFT', 'COUNT', '0'],
    ['BLMPOP', '-1', '1', 'b', 'LEFT'],
    ['BLMPOP', 'x', '1', 'b', 'UP'],
    ['BLPOP', 'b'],
    ['BLMOVE', 'b', 'c', 'LEFT', 'LEFT'],
  ],
  multi: [
    ['MULTI'],
    ['BLPOP', 'nokey', '0'],
    ['BRPOP', 'nokey', 'other', '0'],
    ['BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0'],
    ['BRPOPLPUSH', 'nokey', 'd', '0'],
    ['BLMPOP', '0', '1', 'nokey', 'LEFT'],
    ['RPUSH', 'k', 'a', 'b'],
    ['BLPOP', 'k', '0'],
    ['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'],
    ['BLPOP', 'k', '0'],
    ['EXEC'],
    ['MULTI'],
    ['BLPOP', 'k', 'x'],
    ['EXEC'],
  ],
};

/**
 * Elements around the reply writer's limits (1023/1024-byte elements, all 256 byte values, replies
 * far over its 16 KB buffer), for every reply that writes many bulks.
 */
function bigElements(n: number): string[] {
  const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  const sizes = [0, 1, 9, 10, 99, 100, 1023, 1024, 5000];
  return Array.from({ length: n }, (_, i) => (i % 13 === 0 ? all : `${i}:`.padEnd(sizes[i % sizes.length], 'xyz\r\n'.charAt(i % 5))));
}
SCRIPTS.bigReplies = [
  ['RPUSH', 'big', ...bigElements(1200)],
  ['LRANGE', 'big', '0', '-1'],
  ['LRANGE', 'big', '7', '1100'],
  ['LRANGE', 'big', '-3', '-1'],
  ['LPOP', 'big', '300'],
  ['RPOP', 'big', '250'],
  ['LMPOP', '1', 'big', 'RIGHT', 'COUNT', '200'],
  ['BLMPOP', '0', '1', 'big', 'LEFT', 'COUNT', '3'],
  ['BLPOP', 'big', '0'],
  ['BRPOP', 'big', '0'],
  ['LRANGE', 'big', '0', '-1'],
  ['LPOP', 'big', '10000'],
  ['EXISTS', 'big'],
];

async function runScript(p: DiffPair, script: string[][]): Promise<void> {
  await p.run(['FLUSHALL']);
  for (const argv of script) await p.run(argv);
}

describe('lists: targeted scripts', () => {
  for (const resp of [2, 3] as const) {
    for (const [name, script] of Object.entries(SCRIPTS)) {
      it(`${name} (RESP${resp})`, async () => {
        await runScript(resp === 2 ? p2 : p3, script);
      });
    }
  }
});

describe('lists: keyspace notifications', () => {
  it('publishes the same events as redis', async () => {
    await p2.run(['FLUSHALL']);
    const script: string[][] = [
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
      ['LPUSH', 'l', 'z'],
      ['LPUSHX', 'nokey', 'z'],
      ['RPUSHX', 'l', 'y'],
      ['LPOP', 'l'],
      ['RPOP', 'l', '2'],
      ['LPOP', 'l', '0'],
      ['LPOP', 'nokey'],
      ['LINSERT', 'l', 'BEFORE', 'b', 'x'],
      ['LINSERT', 'l', 'BEFORE', 'nope', 'x'],
      ['LSET', 'l', '0', 'q'],
      ['LREM', 'l', '0', 'x'],
      ['LREM', 'l', '0', 'nope'],
      ['LTRIM', 'l', '0', '-1'],
      ['LTRIM', 'l', '1', '-1'],
      ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'],
      ['RPOPLPUSH', 'l', 'm'],
      ['RPOPLPUSH', 'l', 'l'],
      ['LMPOP', '2', 'nokey', 'l', 'LEFT', 'COUNT', '10'],
      ['RPUSH', 'l', '1'],
      ['BLPOP', 'l', '0'],
      ['RPUSH', 'l', '1', '2'],
      ['BLMOVE', 'l', 'm', 'RIGHT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'l', 'n', '0'],
      ['BLMPOP', '0', '1', 'm', 'RIGHT', 'COUNT', '1'],
      ['LTRIM', 'm', '5', '6'],
      ['RPUSH', 'r', 'a', 'a'],
      ['LREM', 'r', '0', 'a'],
      ['RPUSH', 'r', 'a'],
      ['LPOP', 'r', '5'],
      ['RPUSH', 'r', 'a'],
      ['RPOP', 'r'],
    ];
    await compareKeyspaceEvents(d, p2, script);
  });
});

// ---------------------------------------------------------------------------------------------
// Seeded random sequences

const VALUES = ['a', 'b', 'c', 'a', 'b', '1', '2', '10', '-1', '', 'x y', LONG, BIN, '007', '9223372036854775808'];
const LKEYS = ['l1', 'l2', 'l3'];

function randomIndex(rng: Rng): string {
  const x = rng.next();
  if (x < 0.85) return String(rng.int(-12, 12));
  if (x < 0.9) return rng.pick(['9223372036854775807', '-9223372036854775808', '100000']);
  if (x < 0.95) return rng.pick(['x', '1.5', '', '9223372036854775808']);
  return String(rng.int(-100, 100));
}

function randomCommand(rng: Rng): string[] {
  const key = (): string => (rng.bool(0.04) ? 's' : rng.bool(0.03) ? 'nokey' : rng.pick(LKEYS));
  const val = (): string => rng.pick(VALUES);
  const vals = (lo: number, hi: number): string[] => Array.from({ length: rng.int(lo, hi) }, val);
  const side = (): string => (rng.bool(0.03) ? 'MIDDLE' : rng.pick(['LEFT', 'RIGHT', 'left', 'Right']));
  const count = (): string => (rng.bool(0.9) ? String(rng.int(0, 6)) : rng.pick(['-1', 'x', '9223372036854775807']));
  const x = rng.next();
  if (x < 0.14) return [rng.pick(['LPUSH', 'RPUSH']), key(), ...vals(rng.bool(0.02) ? 0 : 1, rng.bool(0.05) ? 40 : 4)];
  if (x < 0.18) return [rng.pick(['LPUSHX', 'RPUSHX']), key(), ...vals(1, 3)];
  if (x < 0.27) {
    const c = rng.next();
    return [rng.pick(['LPOP', 'RPOP']), key(), ...(c < 0.5 ? [] : c < 0.97 ? [count()] : [count(), '1'])];
  }
  if (x < 0.35) return ['LRANGE', key(), randomIndex(rng), randomIndex(rng)];
  if (x < 0.38) return ['LLEN', key()];
  if (x < 0.43) return ['LINDEX', key(), randomIndex(rng)];
  if (x < 0.47) return ['LSET', key(), randomIndex(rng), val()];
  if (x < 0.52) return ['LREM', key(), String(rng.int(-3, 3)), val()];
  if (x < 0.55) return ['LTRIM', key(), randomIndex(rng), rng.bool(0.7) ? String(rng.int(5, 40)) : randomIndex(rng)];
  if (x < 0.6) return ['LINSERT', key(), rng.bool(0.05) ? 'MIDDLE' : rng.pick(['BEFORE', 'AFTER', 'before']), val(), val()];
  if (x < 0.68) {
    const opts: string[] = [];
    for (let i = rng.int(0, 3); i > 0; i--) {
      const o = rng.pick(['RANK', 'COUNT', 'MAXLEN', 'rank', 'BAD']);
      if (o.toUpperCase() === 'RANK') opts.push(o, rng.bool(0.9) ? String(rng.pick([1, 2, 3, -1, -2, -3])) : rng.pick(['0', 'x']));
      else if (o === 'COUNT') opts.push(o, rng.bool(0.9) ? String(rng.int(0, 3)) : rng.pick(['-1', 'x']));
      else if (o === 'MAXLEN') opts.push(o, rng.bool(0.9) ? String(rng.int(0, 6)) : rng.pick(['-1', 'x']));
      else opts.push(o);
    }
    if (rng.bool(0.03)) opts.push('RANK');
    return ['LPOS', key(), val(), ...opts];
  }
  if (x < 0.75) return rng.bool(0.3) ? ['RPOPLPUSH', key(), key()] : ['LMOVE', key(), key(), side(), side()];
  if (x < 0.8) {
    const ks = Array.from({ length: rng.int(1, 3) }, key);
    const n = rng.bool(0.95) ? String(ks.length) : rng.pick(['0', '-1', 'x', String(ks.length + 1)]);
    const opt = rng.bool(0.5) ? [] : rng.bool(0.9) ? ['COUNT', count()] : ['COUNT'];
    return ['LMPOP', n, ...ks, side(), ...opt];
  }
  if (x < 0.86) {
    // Blocking forms on data that exists (or not, with an error-only argument) never block here:
    // they are only sent when the first key is known non-empty by the caller (see below).
    return ['BLOCKING'];
  }
  if (x < 0.88) return ['DEL', key()];
  if (x < 0.89) return ['SET', 's', val()];
  if (x < 0.9) return ['TYPE', key()];
  return ['LRANGE', key(), '0', '-1'];
}

/** A blocking command that cannot block: its source key is non-empty or it errors on arguments. */
async function randomBlocking(p: DiffPair, rng: Rng): Promise<string[]> {
  const nonEmpty: string[] = [];
  for (const k of LKEYS) if (parseReply(await p.redis.call('LLEN', k)) !== 0) nonEmpty.push(k);
  const t = rng.pick(['0', '0.5', '10']);
  if (nonEmpty.length === 0) {
    // Only argument errors or wrong types (which are replied before blocking).
    return rng.pick([
      ['BLPOP', 'l1', 'x'],
      ['BLPOP', 's', '0'],
      ['BLMOVE', 'l1', 'l2', 'UP', 'LEFT', '0'],
      ['BLMPOP', '0', '0', 'l1', 'LEFT'],
      ['BRPOPLPUSH', 'l1', 'l2', '-1'],
    ]);
  }
  const k = rng.pick(nonEmpty);
  const other = rng.pick(LKEYS);
  const y = rng.int(0, 4);
  if (y === 0) return ['BLPOP', other === k ? 'nokey' : other, k, t].filter((a, i, xs) => i === 0 || a !== 'nokey' || xs[1] === 'nokey');
  if (y === 1) return ['BRPOP', k, other, t];
  if (y === 2) return ['BLMOVE', k, other, rng.pick(['LEFT', 'RIGHT']), rng.pick(['LEFT', 'RIGHT']), t];
  if (y === 3) return ['BRPOPLPUSH', k, other, t];
  return ['BLMPOP', t, '2', k, other, rng.pick(['LEFT', 'RIGHT']), 'COUNT', String(rng.int(1, 4))];
}

describe('lists: seeded random sequences', () => {
  for (const resp of [2, 3] as const) {
    for (const seed of seeds([11, 22, 33])) {
      it(`seed ${seed} RESP${resp}`, async () => {
        const p = resp === 2 ? p2 : p3;
        const rng = new Rng(seed * 10 + resp);
        await p.run(['FLUSHALL']);
        await p.run(['SET', 's', 'v']);
        let n = 0;
        while (n < 2200) {
          let argv = randomCommand(rng);
          if (argv[0] === 'BLOCKING') argv = await randomBlocking(p, rng);
          if (rng.bool(0.03)) {
            // A transaction of a few commands, blocking ones included (they never block in EXEC).
            const cmds = [randomCommand(rng), randomCommand(rng), ['BLPOP', rng.pick(LKEYS), '0'], randomCommand(rng)];
            await p.run(['MULTI']);
            for (const c of cmds) await p.run(c[0] === 'BLOCKING' ? ['BRPOP', 'l2', 'l3', '0'] : c);
            await p.run(['EXEC']);
            n += cmds.length + 2;
            continue;
          }
          await p.run(argv);
          n++;
        }
        for (const k of LKEYS) {
          await p.run(['LRANGE', k, '0', '-1']);
          await p.run(['TYPE', k]);
        }
        expect(n).toBeGreaterThanOrEqual(2000);
      }, 60000);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Blocking scenarios across connections

/** Send without reading (the command may block). */
function send(p: DiffPair, ...argv: string[]): void {
  p.eddy.send(...argv);
  p.redis.send(...argv);
  p.log.push(argv.map((a) => JSON.stringify(a)).join(' ') + '   (sent)');
}

/** Number of blocked clients on one server (CLIENT LIST flags contain 'b'). */
async function blockedOn(c: RawClient): Promise<number> {
  const v = parseReply(await c.call('CLIENT', 'LIST'));
  if (typeof v !== 'string') throw new Error('CLIENT LIST: ' + JSON.stringify(v));
  return (v.match(/ flags=[A-Za-z]*b/g) ?? []).length;
}

/** Wait until both servers have exactly n blocked clients. */
async function waitBlocked(ctl: DiffPair, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const [e, r] = await Promise.all([blockedOn(ctl.eddy), blockedOn(ctl.redis)]);
    if (e === n && r === n) return;
    if (Date.now() > deadline) throw new Error(`blocked clients: eddy ${e}, redis ${r}, want ${n}`);
    await new Promise((res) => setTimeout(res, 5));
  }
}

/** Both sides of p must have received nothing (yet). */
async function nothingYet(p: DiffPair): Promise<void> {
  await new Promise((res) => setTimeout(res, 30));
  expect([p.eddy.pending(), p.redis.pending()]).toEqual(['', '']);
}

async function readBoth(p: DiffPair, what: string): Promise<Reply> {
  return p.readBoth(what);
}

/** New connections (RESP2 or RESP3) for one scenario; closed at the end. */
async function clients(n: number, resp: 2 | 3): Promise<DiffPair[]> {
  const out: DiffPair[] = [];
  for (let i = 0; i < n; i++) out.push(await d.connect(resp));
  return out;
}

function bulk(s: string): string {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

describe('lists: blocking scenarios', () => {
  for (const resp of [2, 3] as const) {
    const nullArr = resp === 2 ? '*-1\r\n' : '_\r\n';

    it(`three clients BLPOP one key: FIFO service by pushes of 1, 2, 3 (RESP${resp})`, async () => {
      const [c1, c2, c3, ctl] = await clients(4, resp);
      await ctl.run(['FLUSHALL']);
      const blockAll = async () => {
        for (const [i, c] of [c1, c2, c3].entries()) {
          send(c, 'BLPOP', 'q', '0');
          await waitBlocked(ctl, i + 1);
        }
      };
      await blockAll();
      await ctl.run(['RPUSH', 'q', 'a']);
      expect(await readBoth(c1, 'c1')).toBe('*2\r\n' + bulk('q') + bulk('a'));
      await waitBlocked(ctl, 2);
      await nothingYet(c2);
      await ctl.run(['RPUSH', 'q', 'b', 'c']);
      expect(await readBoth(c2, 'c2')).toBe('*2\r\n' + bulk('q') + bulk('b'));
      expect(await readBoth(c3, 'c3')).toBe('*2\r\n' + bulk('q') + bulk('c'));
      await ctl.run(['EXISTS', 'q']);
      await blockAll();
      await ctl.run(['RPUSH', 'q', '1', '2', '3']);
      for (const [i, c] of [c1, c2, c3].entries()) expect(await readBoth(c, 'c' + i)).toBe('*2\r\n' + bulk('q') + bulk(String(i + 1)));
      await blockAll();
      // LPUSH 1 2 3 4 5 leaves [5 4 3 2 1]: the three clients pop 5, 4, 3 in blocking order.
      await ctl.run(['LPUSH', 'q', '1', '2', '3', '4', '5']);
      for (const [i, c] of [c1, c2, c3].entries()) expect(await readBoth(c, 'c' + i)).toBe('*2\r\n' + bulk('q') + bulk(String(5 - i)));
      await ctl.run(['LRANGE', 'q', '0', '-1']);
      await waitBlocked(ctl, 0);
      for (const c of [c1, c2, c3, ctl]) c.close();
    });

    it(`multi-key, BRPOP, BLMPOP COUNT and duplicate keys (RESP${resp})`, async () => {
      const [c1, c2, c3, ctl] = await clients(4, resp);
      await ctl.run(['FLUSHALL']);
      send(c1, 'BLPOP', 'k1', 'k2', 'k3', '0');
      await waitBlocked(ctl, 1);
      send(c2, 'BLMPOP', '0', '2', 'k3', 'k2', 'RIGHT', 'COUNT', '2');
      await waitBlocked(ctl, 2);
      send(c3, 'BRPOP', 'k3', 'k3', '0');
      await waitBlocked(ctl, 3);
      await ctl.run(['RPUSH', 'k2', 'a', 'b', 'c', 'd']);
      await readBoth(c1, 'c1');
      await readBoth(c2, 'c2');
      await nothingYet(c3);
      await ctl.run(['LRANGE', 'k2', '0', '-1']);
      await ctl.run(['RPUSH', 'k3', 'x', 'y']);
      await readBoth(c3, 'c3');
      await ctl.run(['LRANGE', 'k3', '0', '-1']);
      await waitBlocked(ctl, 0);
      for (const c of [c1, c2, c3, ctl]) c.close();
    });

    it(`BLMOVE chains serve the whole chain in one go (RESP${resp})`, async () => {
      const [c1, c2, c3, c4, ctl] = await clients(5, resp);
      await ctl.run(['FLUSHALL']);
      send(c1, 'BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0');
      await waitBlocked(ctl, 1);
      send(c2, 'BRPOPLPUSH', 'b', 'c', '0');
      await waitBlocked(ctl, 2);
      send(c3, 'BLMOVE', 'c', 'd', 'RIGHT', 'LEFT', '0');
      await waitBlocked(ctl, 3);
      send(c4, 'BLPOP', 'd', '0');
      await waitBlocked(ctl, 4);
      await ctl.run(['RPUSH', 'a', 'm1', 'm2']);
      expect(await readBoth(c1, 'c1')).toBe(bulk('m1'));
      expect(await readBoth(c2, 'c2')).toBe(bulk('m1'));
      expect(await readBoth(c3, 'c3')).toBe(bulk('m1'));
      expect(await readBoth(c4, 'c4')).toBe('*2\r\n' + bulk('d') + bulk('m1'));
      await ctl.run(['EXISTS', 'a', 'b', 'c', 'd']);
      await ctl.run(['LRANGE', 'a', '0', '-1']);
      // A circular BLMOVE onto its own source is served and leaves the list intact.
      send(c1, 'BLMOVE', 'e', 'e', 'LEFT', 'RIGHT', '0');
      await waitBlocked(ctl, 1);
      await ctl.run(['RPUSH', 'e', '1', '2']);
      await readBoth(c1, 'c1 circular');
      await ctl.run(['LRANGE', 'e', '0', '-1']);
      for (const c of [c1, c2, c3, c4, ctl]) c.close();
    });

    it(`timeouts with sub-second precision (RESP${resp})`, async () => {
      const [c1, c2, c3, ctl] = await clients(4, resp);
      await ctl.run(['FLUSHALL']);
      const t0 = Date.now();
      send(c1, 'BLPOP', 'nokey', '0.1');
      send(c2, 'BLMOVE', 'nokey', 'dst', 'LEFT', 'LEFT', '0.15');
      send(c3, 'BLMPOP', '0.2', '1', 'nokey', 'LEFT', 'COUNT', '3');
      expect(await readBoth(c1, 'c1 timeout')).toBe(nullArr);
      const t1 = Date.now() - t0;
      expect(await readBoth(c2, 'c2 timeout')).toBe(nullArr);
      expect(await readBoth(c3, 'c3 timeout')).toBe(nullArr);
      expect(t1).toBeGreaterThanOrEqual(90);
      expect(t1).toBeLessThan(1500);
      // Timed eddy alone: 0.05 s must not be rounded to a whole second.
      const e0 = Date.now();
      expect(await c1.eddy.call('BRPOP', 'nokey', '0.05')).toBe(nullArr);
      const el = Date.now() - e0;
      expect(el).toBeGreaterThanOrEqual(45);
      expect(el).toBeLessThan(600);
      await c1.redis.call('BRPOP', 'nokey', '0.05');
      // A timeout that does not expire: served first.
      send(c1, 'BRPOPLPUSH', 'src', 'dst', '5');
      await waitBlocked(ctl, 1);
      await ctl.run(['RPUSH', 'src', 'v']);
      expect(await readBoth(c1, 'served before timeout')).toBe(bulk('v'));
      await ctl.run(['LRANGE', 'dst', '0', '-1']);
      for (const c of [c1, c2, c3, ctl]) c.close();
    });

    it(`pushes inside another client's MULTI wake blocked clients after EXEC (RESP${resp})`, async () => {
      const [c1, c2, ctl] = await clients(3, resp);
      await ctl.run(['FLUSHALL']);
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(ctl, 1);
      await ctl.run(['MULTI']);
      await ctl.run(['RPUSH', 'k', 'a']);
      await ctl.run(['LPUSH', 'k', 'b']);
      await nothingYet(c1);
      await ctl.run(['EXEC']);
      expect(await readBoth(c1, 'after exec')).toBe('*2\r\n' + bulk('k') + bulk('b'));
      await ctl.run(['LRANGE', 'k', '0', '-1']);
      // Redis 7.0 serves from the key that became ready first, not the first key of the command.
      await ctl.run(['DEL', 'k']);
      send(c1, 'BLPOP', 'k1', 'k2', '0');
      await waitBlocked(ctl, 1);
      await ctl.run(['MULTI']);
      await ctl.run(['RPUSH', 'k2', 'x']);
      await ctl.run(['RPUSH', 'k1', 'y']);
      await ctl.run(['EXEC']);
      await readBoth(c1, 'ready key order');
      await ctl.run(['LRANGE', 'k1', '0', '-1']);
      await ctl.run(['LRANGE', 'k2', '0', '-1']);
      // Push then pop in the same transaction: nothing left, the client stays blocked.
      send(c2, 'BLPOP', 'j', '0');
      await waitBlocked(ctl, 1);
      await ctl.run(['MULTI']);
      await ctl.run(['RPUSH', 'j', 'x']);
      await ctl.run(['LPOP', 'j']);
      await ctl.run(['EXEC']);
      await nothingYet(c2);
      await waitBlocked(ctl, 1);
      await ctl.run(['RPUSH', 'j', 'z']);
      await readBoth(c2, 'served later');
      for (const c of [c1, c2, ctl]) c.close();
    });

    it(`a key that changes type keeps BLPOP blocked; BLMOVE to a wrong-type destination errors (RESP${resp})`, async () => {
      const [c1, c2, ctl] = await clients(3, resp);
      await ctl.run(['FLUSHALL']);
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(ctl, 1);
      await ctl.run(['MULTI']);
      await ctl.run(['RPUSH', 'k', 'a']);
      await ctl.run(['DEL', 'k']);
      await ctl.run(['SET', 'k', 'str']);
      await ctl.run(['EXEC']);
      await nothingYet(c1);
      await waitBlocked(ctl, 1);
      await ctl.run(['DEL', 'k']);
      await ctl.run(['RPUSH', 'k', 'b']);
      expect(await readBoth(c1, 'served after retype')).toBe('*2\r\n' + bulk('k') + bulk('b'));
      send(c2, 'BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0');
      await waitBlocked(ctl, 1);
      await ctl.run(['SET', 'dst', 'str']);
      await ctl.run(['RPUSH', 'src', 'v']);
      await readBoth(c2, 'wrongtype dst');
      await ctl.run(['LRANGE', 'src', '0', '-1']);
      await waitBlocked(ctl, 0);
      // A list arriving by RENAME wakes the client too.
      send(c1, 'BRPOP', 'r', '0');
      await waitBlocked(ctl, 1);
      await ctl.run(['RPUSH', 'tmp', 'x', 'y']);
      await ctl.run(['RENAME', 'tmp', 'r']);
      expect(await readBoth(c1, 'rename')).toBe('*2\r\n' + bulk('r') + bulk('y'));
      for (const c of [c1, c2, ctl]) c.close();
    });

    it(`killed, disconnected and CLIENT UNBLOCKed clients leave the queue (RESP${resp})`, async () => {
      const [c1, c2, c3, c4, ctl] = await clients(5, resp);
      await ctl.run(['FLUSHALL']);
      const ids = async (p: DiffPair): Promise<[string, string]> => [
        String(parseReply(await p.eddy.call('CLIENT', 'ID'))),
        String(parseReply(await p.redis.call('CLIENT', 'ID'))),
      ];
      const id1 = await ids(c1);
      const id3 = await ids(c3);
      send(c1, 'BLPOP', 'k', '0');
      await waitBlocked(ctl, 1);
      send(c2, 'BLPOP', 'k', '0');
      await waitBlocked(ctl, 2);
      send(c3, 'BLPOP', 'k', '0');
      await waitBlocked(ctl, 3);
      send(c4, 'BLPOP', 'k', '0');
      await waitBlocked(ctl, 4);
      // Kill c1 (each server has its own ids).
      const [ke, kr] = await Promise.all([
        ctl.eddy.call('CLIENT', 'KILL', 'ID', id1[0]),
        ctl.redis.call('CLIENT', 'KILL', 'ID', id1[1]),
      ]);
      expect([ke, kr]).toEqual([':1\r\n', ':1\r\n']);
      await Promise.all([c1.eddy.waitClose(), c1.redis.waitClose()]);
      // c2 disconnects by itself.
      c2.close();
      await waitBlocked(ctl, 2);
      // c3 is unblocked with an error, c4 will be unblocked as a timeout.
      const [ue, ur] = await Promise.all([
        ctl.eddy.call('CLIENT', 'UNBLOCK', id3[0], 'ERROR'),
        ctl.redis.call('CLIENT', 'UNBLOCK', id3[1], 'ERROR'),
      ]);
      expect([ue, ur]).toEqual([':1\r\n', ':1\r\n']);
      expect(await readBoth(c3, 'unblock error')).toMatch(/^-UNBLOCKED/);
      await waitBlocked(ctl, 1);
      await ctl.run(['RPUSH', 'k', 'a', 'b']);
      expect(await readBoth(c4, 'c4 served')).toBe('*2\r\n' + bulk('k') + bulk('a'));
      await ctl.run(['LRANGE', 'k', '0', '-1']);
      const id4 = await ids(c4);
      send(c4, 'BLMOVE', 'nokey', 'x', 'LEFT', 'LEFT', '0');
      await waitBlocked(ctl, 1);
      const [te, tr] = await Promise.all([ctl.eddy.call('CLIENT', 'UNBLOCK', id4[0]), ctl.redis.call('CLIENT', 'UNBLOCK', id4[1])]);
      expect([te, tr]).toEqual([':1\r\n', ':1\r\n']);
      expect(await readBoth(c4, 'unblock timeout')).toBe(nullArr);
      for (const c of [c3, c4, ctl]) c.close();
    });

    it(`a served client goes on with its pipeline; other databases are separate (RESP${resp})`, async () => {
      const [c1, ctl] = await clients(2, resp);
      await ctl.run(['FLUSHALL']);
      await c1.run(['SELECT', '1']);
      c1.eddy.writeRaw('*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nk\r\n');
      c1.redis.writeRaw('*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nk\r\n');
      await waitBlocked(ctl, 1);
      await ctl.run(['RPUSH', 'k', 'db0']);
      await nothingYet(c1);
      await ctl.run(['SELECT', '1']);
      await ctl.run(['RPUSH', 'k', 'db1', 'more']);
      expect(await readBoth(c1, 'served')).toBe('*2\r\n' + bulk('k') + bulk('db1'));
      await readBoth(c1, 'ping');
      expect(await readBoth(c1, 'llen')).toBe(':1\r\n');
      await ctl.run(['SELECT', '0']);
      await ctl.run(['LRANGE', 'k', '0', '-1']);
      for (const c of [c1, ctl]) c.close();
    });
  }
});

describe('lists: keyspace notifications of served blocked clients', () => {
  it('publishes the pops, pushes and dels of served clients as redis does', async () => {
    const [blocker, ctl] = await clients(2, 2);
    await ctl.run(['FLUSHALL']);
    // Each step: the blocker blocks with argv[1..], then ctl runs the push in argv[0].
    const steps: string[][][] = [
      [['RPUSH', 'k', 'a'], ['BLPOP', 'k', '0']],
      [['RPUSH', 'k', 'a', 'b'], ['BRPOP', 'nokey', 'k', '0']],
      [['RPUSH', 'src', 'a'], ['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0']],
      [['RPUSH', 'src2', 'a', 'b'], ['BRPOPLPUSH', 'src2', 'dst', '0']],
      [['RPUSH', 'm', '1', '2', '3'], ['BLMPOP', '0', '1', 'm', 'LEFT', 'COUNT', '2']],
      [['RPUSH', 'm2', '1'], ['BLMPOP', '0', '1', 'm2', 'RIGHT', 'COUNT', '5']],
    ];
    const script = steps.map((s) => ['STEP', String(steps.indexOf(s))]);
    await compareKeyspaceEvents(d, ctl, script, async (argv) => {
      const [push, block] = steps[Number(argv[1])];
      await ctl.run(['DEL', block[block[0] === 'BLMPOP' ? 3 : 1]]);
      send(blocker, ...block);
      await waitBlocked(ctl, 1);
      await ctl.run(push);
      await readBoth(blocker, block[0]);
    });
    for (const c of [blocker, ctl]) c.close();
  });
});

describe('lists: blocking statistics', () => {
  /** calls / failed_calls of the blocking commands, and total_commands_processed, on one server. */
  async function stats(c: RawClient): Promise<string> {
    const cs = String(parseReply(await c.call('INFO', 'commandstats')));
    const st = String(parseReply(await c.call('INFO', 'stats')));
    const lines = cs.split('\r\n').filter((l) => /^cmdstat_(bl|br)/.test(l)).map((l) => l.replace(/usec=[^,]*,usec_per_call=[^,]*,/, ''));
    return [...lines.sort(), ...st.split('\r\n').filter((l) => /^total_(commands_processed|error_replies)/.test(l))].join(' ');
  }

  /** rdb_changes_since_last_save (server.dirty) on one server. */
  async function dirty(c: RawClient): Promise<number> {
    return Number(/rdb_changes_since_last_save:(\d+)/.exec(String(parseReply(await c.call('INFO', 'persistence'))))![1]);
  }

  it('counts a blocking command once (served, timed out, unblocked, failed), as Redis 7.0', async () => {
    const [c1, ctl] = await clients(2, 2);
    await ctl.run(['FLUSHALL']);
    const id = [String(parseReply(await c1.eddy.call('CLIENT', 'ID'))), String(parseReply(await c1.redis.call('CLIENT', 'ID')))];
    await ctl.run(['CONFIG', 'RESETSTAT']);
    const dirty0 = await Promise.all([dirty(ctl.eddy), dirty(ctl.redis)]);
    send(c1, 'BRPOP', 'k', '0');
    await waitBlocked(ctl, 1);
    await Promise.all([ctl.eddy.call('CLIENT', 'UNBLOCK', id[0]), ctl.redis.call('CLIENT', 'UNBLOCK', id[1])]);
    await readBoth(c1, 'unblocked');
    send(c1, 'BLPOP', 'k', '0');
    await waitBlocked(ctl, 1);
    await Promise.all([ctl.eddy.call('CLIENT', 'UNBLOCK', id[0], 'ERROR'), ctl.redis.call('CLIENT', 'UNBLOCK', id[1], 'ERROR')]);
    await readBoth(c1, 'unblocked with error');
    send(c1, 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0');
    await waitBlocked(ctl, 1);
    await ctl.run(['SET', 'd', 'str']);
    await ctl.run(['RPUSH', 'k', 'v']);
    await readBoth(c1, 'wrongtype');
    send(c1, 'BLPOP', 'j', '0');
    await waitBlocked(ctl, 1);
    await ctl.run(['MULTI']);
    await ctl.run(['RPUSH', 'j', 'x']);
    await ctl.run(['LPOP', 'j']);
    await ctl.run(['EXEC']);
    await ctl.run(['RPUSH', 'j', 'y']);
    await readBoth(c1, 'served after a retry');
    await c1.run(['BLMPOP', '0.01', '1', 'nokey', 'LEFT']);
    // Served pops: BLPOP/BLMOVE do not count in dirty when served after blocking, BLMPOP does.
    for (const argv of [
      ['BRPOP', 'k', '0'],
      ['BLMOVE', 'k', 'd2', 'LEFT', 'RIGHT', '0'],
      ['BRPOPLPUSH', 'k', 'd2', '0'],
      ['BLMPOP', '0', '1', 'k', 'RIGHT', 'COUNT', '2'],
    ]) {
      await ctl.run(['DEL', 'k']);
      send(c1, ...argv);
      await waitBlocked(ctl, 1);
      await ctl.run(['RPUSH', 'k', 'a', 'b', 'c']);
      await readBoth(c1, argv[0]);
    }
    const dirty1 = await Promise.all([dirty(ctl.eddy), dirty(ctl.redis)]);
    expect(dirty1[0] - dirty0[0]).toBe(dirty1[1] - dirty0[1]);
    const [e, r] = await Promise.all([stats(ctl.eddy), stats(ctl.redis)]);
    expect(e).toBe(r);
    for (const c of [c1, ctl]) c.close();
  });
});

// ---------------------------------------------------------------------------------------------
// Encoding and memory

describe('lists: encoding and MEMORY USAGE', () => {
  it('reports quicklist (Redis 7.0) and the same small-list sizes', async () => {
    await p2.run(['FLUSHALL']);
    await p2.run(['RPUSH', 'a', 'x']);
    await p2.run(['RPUSH', 'b', ...Array.from({ length: 100 }, () => 'a')]);
    await p2.run(['RPUSH', 'c', '12345', LONG, '-1', '100000', '9223372036854775807']);
    await p2.run(['RPUSH', 'big', ...Array.from({ length: 3000 }, (_, i) => 'element-' + i)]);
    for (const k of ['a', 'b', 'c', 'big']) await p2.run(['OBJECT', 'ENCODING', k]);
    if (!(await eddyHas(p2, ['MEMORY', 'USAGE', 'a']))) return;
    for (const k of ['a', 'b', 'c']) await p2.run(['MEMORY', 'USAGE', k]);
    const e = Number(parseReply(await p2.eddy.call('MEMORY', 'USAGE', 'big')));
    const r = Number(parseReply(await p2.redis.call('MEMORY', 'USAGE', 'big')));
    expect(Math.abs(e - r) / r).toBeLessThan(0.02);
  });
});

// ---------------------------------------------------------------------------------------------
// In-process: the deque, propagation, timeout parsing

describe('shared short values', () => {
  it('shareValue always returns an equal string, whatever collides', () => {
    const rng = new Rng(7);
    const pool = Array.from({ length: 20000 }, (_, i) => (i % 3 === 0 ? String(rng.int(0, 100)) : 'v' + rng.int(0, 50000) + '\xff'.repeat(i % 17)));
    for (const s of pool) expect(shareValue(s)).toBe(s);
    for (const s of pool) expect(shareValue(s.slice(0))).toBe(s);
    expect(shareValue('')).toBe('');
  });
});

describe('deque', () => {
  it('matches an array model under random operations', () => {
    const rng = new Rng(7);
    const dq = new Deque();
    const model: string[] = [];
    for (let i = 0; i < 60000; i++) {
      const x = rng.next();
      const v = String(rng.int(0, 9));
      if (x < 0.22) {
        dq.pushBack(v);
        model.push(v);
      } else if (x < 0.44) {
        dq.pushFront(v);
        model.unshift(v);
      } else if (x < 0.58) expect(dq.popFront()).toBe(model.shift());
      else if (x < 0.72) expect(dq.popBack()).toBe(model.pop());
      else if (x < 0.78) {
        const at = rng.int(0, model.length);
        dq.insert(at, v);
        model.splice(at, 0, v);
      } else if (x < 0.81) {
        const limit = rng.int(0, 3);
        const tail = rng.bool();
        let removed = 0;
        if (!tail) {
          for (let j = 0; j < model.length; j++) {
            if (model[j] === v && (limit === 0 || removed < limit)) {
              model.splice(j--, 1);
              removed++;
            }
          }
        } else {
          for (let j = model.length - 1; j >= 0; j--) {
            if (model[j] === v && (limit === 0 || removed < limit)) {
              model.splice(j, 1);
              removed++;
            }
          }
        }
        expect(dq.removeValue(v, limit, tail)).toBe(removed);
      } else if (x < 0.83) {
        const n = rng.int(0, Math.min(5, model.length));
        if (rng.bool()) {
          dq.removeFront(n);
          model.splice(0, n);
        } else {
          dq.removeBack(n);
          model.splice(model.length - n, n);
        }
      } else if (x < 0.85 && model.length) {
        const at = rng.int(0, model.length - 1);
        dq.set(at, v);
        model[at] = v;
      } else if (x < 0.86) {
        // Occasionally grow big and shrink back (resizes both ways).
        for (let j = 0; j < 500; j++) {
          dq.pushBack('g');
          model.push('g');
        }
      } else if (x < 0.87) {
        const n = Math.min(model.length, 480);
        dq.removeFront(n);
        model.splice(0, n);
      }
      expect(dq.length).toBe(model.length);
      if (i % 97 === 0) {
        expect(dq.toArray()).toEqual(model);
        expect(dq.clone().toArray()).toEqual(model);
        expect([...dq]).toEqual(model);
      }
    }
    expect(dq.toArray()).toEqual(model);
  });

  it('pushes and pops a million elements at both ends in linear time', () => {
    const dq = new Deque();
    const t0 = Date.now();
    for (let i = 0; i < 1_000_000; i++) dq.pushFront('v' + (i & 1023));
    for (let i = 0; i < 1_000_000; i++) dq.popBack();
    for (let i = 0; i < 1_000_000; i++) dq.pushBack('w');
    for (let i = 0; i < 1_000_000; i++) dq.popFront();
    expect(dq.length).toBe(0);
    expect(dq.capacity).toBeLessThanOrEqual(64);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('lists: timeout parsing', () => {
  it('follows getTimeoutFromObjectOrReply', () => {
    expect(parseTimeout('0')).toBe(0);
    expect(parseTimeout('1')).toBe(1000);
    expect(parseTimeout('0.0001')).toBe(1);
    expect(parseTimeout('-0.0001')).toBe(0);
    expect(parseTimeout('.5')).toBe(500);
    expect(parseTimeout('0x10')).toBe(16000);
    expect(parseTimeout('1e-400')).toBe(1);
    expect(() => parseTimeout('-1')).toThrow('timeout is negative');
    expect(() => parseTimeout('inf')).toThrow('timeout is negative');
    expect(() => parseTimeout('1e400')).toThrow('timeout is negative');
    expect(() => parseTimeout('1e5000')).toThrow('not a float');
    expect(() => parseTimeout('nan')).toThrow('not a float');
    expect(() => parseTimeout('1 ')).toThrow('not a float');
  });
});

describe('lists: propagated form (in-process)', () => {
  it('blocking pops propagate as the plain pops Redis 7.0 writes', () => {
    const server = new Server(new Config());
    server.inHandler = true; // keep replies in c.out (no socket to flush them to)
    const log: string[][] = [];
    server.propagators.push((_db, argv) => log.push(argv));
    const a = server.createClient(null);
    const b = server.createClient(null);
    const run = (c: typeof a, ...argv: string[]): string[][] => {
      log.length = 0;
      processCommand(server, c, argv);
      return log.slice();
    };
    expect(run(a, 'RPUSH', 'k', '1', '2', '3')).toEqual([['RPUSH', 'k', '1', '2', '3']]);
    expect(run(a, 'BLPOP', 'nokey', 'k', '0')).toEqual([['LPOP', 'k']]);
    expect(run(a, 'BLMPOP', '0', '1', 'k', 'RIGHT', 'COUNT', '5')).toEqual([['RPOP', 'k', '2']]);
    expect(run(a, 'LMPOP', '1', 'k', 'LEFT')).toEqual([]);
    expect(run(a, 'LPOP', 'nokey')).toEqual([]);
    expect(run(a, 'LTRIM', 'nokey', '0', '1')).toEqual([]);
    run(a, 'RPUSH', 'k', 'x', 'y');
    expect(run(a, 'LMPOP', '1', 'k', 'LEFT', 'COUNT', '1')).toEqual([['LPOP', 'k', '1']]);
    expect(run(a, 'LTRIM', 'k', '0', '-1')).toEqual([]);
    expect(run(a, 'BLMOVE', 'k', 'd', 'LEFT', 'Right', '0')).toEqual([['LMOVE', 'k', 'd', 'LEFT', 'Right']]);
    expect(run(a, 'BRPOPLPUSH', 'd', 'k', '0')).toEqual([['RPOPLPUSH', 'd', 'k']]);
    // Blocked, then served by another client's push: the push, then the served pop.
    expect(run(a, 'BLPOP', 'q', '0')).toEqual([]);
    expect(run(b, 'RPUSH', 'q', 'v')).toEqual([['RPUSH', 'q', 'v'], ['LPOP', 'q']]);
    expect(run(a, 'BLMOVE', 'q', 'd2', 'LEFT', 'RIGHT', '0')).toEqual([]);
    expect(run(b, 'RPUSH', 'q', 'v')).toEqual([['RPUSH', 'q', 'v'], ['LMOVE', 'q', 'd2', 'left', 'right']]);
    expect(run(a, 'BRPOPLPUSH', 'q', 'd2', '0')).toEqual([]);
    expect(run(b, 'RPUSH', 'q', 'v')).toEqual([['RPUSH', 'q', 'v'], ['RPOPLPUSH', 'q', 'd2']]);
    expect(run(a, 'BLMPOP', '0', '1', 'q', 'LEFT', 'COUNT', '3')).toEqual([]);
    expect(run(b, 'RPUSH', 'q', 'v', 'w')).toEqual([['RPUSH', 'q', 'v', 'w'], ['LPOP', 'q', '2']]);
    expect(a.out).toContain('*2\r\n$1\r\nq\r\n*2\r\n$1\r\nv\r\n$1\r\nw\r\n');
    for (const c of [a, b]) server.closeClient(c);
  });
});
