// Why: the sorted set commands against the reference redis-server 7.0.15, byte for byte in RESP2 and
// RESP3: a targeted script per command/option/error, skiplist-encoded sets, blocking pops, and
// seeded random sequences (inf/-inf, -0, exponents, equal scores with lexicographic ties).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Differential, Rng, seeds, splitAggregate, type DiffPair } from './support/diff.js';
import type { Reply } from './support/raw-client.js';
import { Server } from '../src/server/server.js';
import { Config } from '../src/server/config.js';
import { Client } from '../src/server/client.js';
import { processCommand } from '../src/server/dispatch.js';

let d: Differential;

beforeAll(async () => {
  d = await Differential.start();
});
afterAll(async () => {
  await d?.stop();
});

async function runAll(p: DiffPair, script: string[][]): Promise<void> {
  for (const argv of script) await p.run(argv);
}

/** Send a setup command to eddy only; it must be implemented (fails the test otherwise). */
async function eddyHas(p: DiffPair, argv: string[]): Promise<boolean> {
  p.eddy.send(...argv);
  const r = await p.eddy.read();
  if (r.startsWith('-ERR unknown')) throw new Error(`eddy lacks ${argv.join(' ')}: ${r}`);
  return true;
}

/** Elements of an array reply (flattening RESP3 nested pairs). */
function items(r: Reply): string[] {
  const s = splitAggregate(r);
  if (!s) return [];
  const out: string[] = [];
  for (const it of s[1]) {
    if (it[0] === '*') out.push(...items(it));
    else out.push(it);
  }
  return out;
}

/** The value of a bulk or double reply. */
function value(r: Reply): string {
  return r[0] === ',' ? r.slice(1, -2) : r.split('\r\n')[1];
}

function targeted(k: string): string[][] {
  const z = `${k}:z`;
  const z2 = `${k}:z2`;
  const z3 = `${k}:z3`;
  const s = `${k}:str`;
  const d1 = `${k}:dst`;
  return [
    ['SET', s, 'x'],
    // ZADD: flags, combinations, errors
    ['ZADD', z, '1', 'a', '2', 'b', '3', 'c'],
    ['ZADD', z, '1', 'a'],
    ['ZADD', z, 'CH', '5', 'a', '2', 'b', '9', 'new'],
    ['ZADD', z, 'NX', '100', 'a', '4', 'd'],
    ['ZADD', z, 'XX', '100', 'a', '4', 'e'],
    ['ZADD', z, 'XX', 'CH', '101', 'a', '4', 'e'],
    ['ZADD', z, 'GT', 'CH', '50', 'a', '200', 'b', '7', 'f'],
    ['ZADD', z, 'LT', 'CH', '50', 'a', '300', 'b', '6', 'g'],
    ['ZADD', z, 'GT', 'XX', 'CH', '1000', 'a', '1', 'b'],
    ['ZADD', z, 'LT', 'XX', '-1000', 'a', '1000', 'c'],
    ['ZADD', z, 'INCR', '2.5', 'a'],
    ['ZADD', z, 'INCR', 'NX', '2.5', 'a'],
    ['ZADD', z, 'INCR', 'NX', '2.5', 'zz'],
    ['ZADD', z, 'INCR', 'XX', '2.5', 'nosuch'],
    ['ZADD', z, 'INCR', 'GT', '-1', 'a'],
    ['ZADD', z, 'INCR', 'LT', '-1', 'a'],
    ['ZADD', z, 'INCR', 'GT', 'CH', '1', 'a'],
    ['ZADD', z, 'incr', 'xx', 'gt', '0', 'a'],
    ['ZADD', z, 'XX', 'NX', '1', 'a'],
    ['ZADD', z, 'GT', 'LT', '1', 'a'],
    ['ZADD', z, 'GT', 'NX', '1', 'a'],
    ['ZADD', z, 'LT', 'NX', '1', 'a'],
    ['ZADD', z, 'INCR', '1', 'a', '2', 'b'],
    ['ZADD', z, '1', 'a', '2'],
    ['ZADD', z, 'NX', 'XX'],
    ['ZADD', z, 'CH'],
    ['ZADD', z, 'nan', 'a'],
    ['ZADD', z, 'abc', 'a'],
    ['ZADD', z, '', 'a'],
    ['ZADD', z, ' 1', 'a'],
    ['ZADD', z, '1 ', 'a'],
    ['ZADD', z, '1e400', 'a'],
    ['ZADD', z, '1e-400', 'a'],
    ['ZADD', z, '1e-310', 'tiny'],
    ['ZADD', z, '0x10', 'hex', '0x1p-3', 'hex2', '-0x.8', 'hex3'],
    ['ZADD', z, '1', 'a', 'x', 'b'],
    ['ZADD', z, 'inf', 'pinf', '-inf', 'ninf', '+inf', 'pinf2', '-0', 'nzero', '1.5e3', 'e3', '-2.5E-2', 'em2'],
    ['ZADD', z, 'infinity', 'pinf3', '-Infinity', 'ninf3', 'INF', 'pinf4'],
    ['ZADD', z, 'INCR', '-inf', 'pinf'],
    ['ZINCRBY', z, '-inf', 'pinf'],
    ['ZINCRBY', z, 'inf', 'ninf'],
    ['ZINCRBY', z, '1', 'pinf'],
    ['ZINCRBY', z, '0.1', 'a'],
    ['ZINCRBY', z, '0.2', 'a'],
    ['ZINCRBY', z, '1', 'newmember'],
    ['ZINCRBY', z, 'x', 'a'],
    ['ZINCRBY', z, 'nx', 'a'],
    ['ZINCRBY', s, '1', 'a'],
    ['ZINCRBY', `${k}:fresh`, '3', 'm'],
    ['ZADD', s, '1', 'a'],
    ['ZADD', `${k}:xx`, 'XX', '1', 'a'],
    ['ZADD', `${k}:xx`, 'XX', 'INCR', '1', 'a'],
    ['ZCARD', `${k}:xx`],
    ['ZADD', z],
    ['ZADD', z, '1'],
    ['ZRANGE', z, '0', '-1', 'WITHSCORES'],
    ['ZCARD', z],
    ['ZCARD', s],
    ['ZCARD', 'nosuch'],
    // Point queries
    ['ZSCORE', z, 'a'],
    ['ZSCORE', z, 'nzero'],
    ['ZSCORE', z, 'tiny'],
    ['ZSCORE', z, 'pinf'],
    ['ZSCORE', z, 'nosuch'],
    ['ZSCORE', 'nosuch', 'a'],
    ['ZSCORE', s, 'a'],
    ['ZMSCORE', z, 'a', 'nosuch', 'pinf', 'ninf', 'hex2'],
    ['ZMSCORE', 'nosuch', 'a', 'b'],
    ['ZMSCORE', s, 'a'],
    ['ZRANK', z, 'a'],
    ['ZRANK', z, 'ninf'],
    ['ZRANK', z, 'nosuch'],
    ['ZRANK', 'nosuch', 'a'],
    ['ZRANK', s, 'a'],
    ['ZREVRANK', z, 'a'],
    ['ZREVRANK', z, 'pinf2'],
    ['ZREVRANK', z, 'nosuch'],
    ['ZRANK', z, 'a', 'WITHSCORE'],
    // ZRANGE by rank
    ['ZRANGE', z, '0', '-1'],
    ['ZRANGE', z, '0', '-1', 'withscores'],
    ['ZRANGE', z, '2', '5', 'WITHSCORES'],
    ['ZRANGE', z, '-3', '-1'],
    ['ZRANGE', z, '-100', '100'],
    ['ZRANGE', z, '5', '2'],
    ['ZRANGE', z, '100', '200'],
    ['ZRANGE', z, '0', '-1', 'REV', 'WITHSCORES'],
    ['ZRANGE', z, '1', '3', 'REV'],
    ['ZRANGE', z, 'a', '1'],
    ['ZRANGE', z, '0', 'b'],
    ['ZRANGE', z, '0', '-1', 'LIMIT', '0', '1'],
    ['ZRANGE', z, '0', '-1', 'LIMIT', '0', '-1'],
    ['ZRANGE', z, '0', '-1', 'LIMIT', '0'],
    ['ZRANGE', z, '0', '-1', 'foo'],
    ['ZRANGE', z, '0', '-1', 'REV', 'REV'],
    ['ZRANGE', z, '0', '-1', 'BYSCORE', 'BYLEX'],
    ['ZRANGE', 'nosuch', '0', '-1'],
    ['ZRANGE', s, '0', '-1'],
    ['ZREVRANGE', z, '0', '3', 'WITHSCORES'],
    ['ZREVRANGE', z, '0', '3', 'REV'],
    ['ZREVRANGE', z, '0', '3', 'BYSCORE'],
    ['ZREVRANGE', z, '0', '3', 'LIMIT', '0', '1'],
    // ZRANGE by score
    ['ZRANGE', z, '-inf', '+inf', 'BYSCORE'],
    ['ZRANGE', z, '-inf', '+inf', 'BYSCORE', 'WITHSCORES'],
    ['ZRANGE', z, '(1', '(100', 'BYSCORE', 'WITHSCORES'],
    ['ZRANGE', z, '1', '100', 'BYSCORE', 'LIMIT', '1', '3'],
    ['ZRANGE', z, '1', '100', 'BYSCORE', 'LIMIT', '1', '-1'],
    ['ZRANGE', z, '1', '100', 'BYSCORE', 'LIMIT', '-1', '3'],
    ['ZRANGE', z, '1', '100', 'BYSCORE', 'LIMIT', '0', '0'],
    ['ZRANGE', z, '1', '100', 'BYSCORE', 'LIMIT', '1000', '3'],
    ['ZRANGE', z, '100', '1', 'BYSCORE', 'REV', 'WITHSCORES'],
    ['ZRANGE', z, '(100', '(1', 'BYSCORE', 'REV', 'LIMIT', '1', '2'],
    ['ZRANGE', z, '1', '100', 'BYSCORE', 'REV'],
    ['ZRANGE', z, 'inf', 'inf', 'BYSCORE', 'WITHSCORES'],
    ['ZRANGE', z, '(inf', 'inf', 'BYSCORE'],
    ['ZRANGE', z, '-inf', '(-inf', 'BYSCORE'],
    ['ZRANGE', z, '0', '0', 'BYSCORE', 'WITHSCORES'],
    ['ZRANGE', z, '-0', '0', 'BYSCORE', 'WITHSCORES'],
    ['ZRANGE', z, '', '', 'BYSCORE', 'WITHSCORES'],
    ['ZRANGE', z, '(', '1', 'BYSCORE', 'WITHSCORES'],
    ['ZRANGE', z, ' 1', ' 100', 'BYSCORE'],
    ['ZRANGE', z, '1 ', '100', 'BYSCORE'],
    ['ZRANGE', z, '0x1', '0x10', 'BYSCORE'],
    ['ZRANGE', z, '1e400', '1e500', 'BYSCORE'],
    ['ZRANGE', z, '-1e400', '1e-400', 'BYSCORE'],
    ['ZRANGE', z, 'nan', '1', 'BYSCORE'],
    ['ZRANGE', z, '1', '(nan', 'BYSCORE'],
    ['ZRANGE', z, 'a', '1', 'BYSCORE'],
    ['ZRANGE', z, '((1', '2', 'BYSCORE'],
    ['ZRANGE', z, '[1', '2', 'BYSCORE'],
    ['ZRANGEBYSCORE', z, '-inf', 'inf'],
    ['ZRANGEBYSCORE', z, '-inf', 'inf', 'WITHSCORES', 'LIMIT', '2', '4'],
    ['ZRANGEBYSCORE', z, '-inf', 'inf', 'LIMIT', '2'],
    ['ZRANGEBYSCORE', z, '-inf', 'inf', 'LIMIT', 'x', '1'],
    ['ZRANGEBYSCORE', z, '-inf', 'inf', 'REV'],
    ['ZRANGEBYSCORE', z, '-inf', 'inf', 'BYLEX'],
    ['ZRANGEBYSCORE', z, '-inf', 'inf', 'BYSCORE'],
    ['ZRANGEBYSCORE', z, '5', '1'],
    ['ZREVRANGEBYSCORE', z, 'inf', '-inf', 'WITHSCORES'],
    ['ZREVRANGEBYSCORE', z, '100', '(1', 'LIMIT', '0', '2'],
    ['ZREVRANGEBYSCORE', z, '-inf', 'inf'],
    ['ZREVRANGEBYSCORE', 'nosuch', 'inf', '-inf'],
    ['ZREVRANGEBYSCORE', s, 'inf', '-inf'],
    ['ZCOUNT', z, '-inf', '+inf'],
    ['ZCOUNT', z, '(1', '100'],
    ['ZCOUNT', z, '1', '(1'],
    ['ZCOUNT', z, '5', '1'],
    ['ZCOUNT', z, 'x', '1'],
    ['ZCOUNT', 'nosuch', '0', '1'],
    ['ZCOUNT', 'nosuch', 'x', '1'],
    ['ZCOUNT', s, '0', '1'],
    // lex
    ['ZADD', z2, '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'aa', '0', 'ab', '0', '', '0', 'B', '0', '\xff', '0', '\x00'],
    ['ZRANGE', z2, '0', '-1'],
    ['ZRANGE', z2, '-', '+', 'BYLEX'],
    ['ZRANGE', z2, '+', '-', 'BYLEX', 'REV'],
    ['ZRANGE', z2, '[a', '(c', 'BYLEX'],
    ['ZRANGE', z2, '(a', '[c', 'BYLEX', 'LIMIT', '1', '2'],
    ['ZRANGE', z2, '[c', '[a', 'BYLEX', 'REV'],
    ['ZRANGE', z2, '[c', '(a', 'BYLEX', 'REV', 'LIMIT', '0', '1'],
    ['ZRANGE', z2, '[', '[a', 'BYLEX'],
    ['ZRANGE', z2, '(', '+', 'BYLEX'],
    ['ZRANGE', z2, '-', '-', 'BYLEX'],
    ['ZRANGE', z2, '+', '+', 'BYLEX'],
    ['ZRANGE', z2, '+', '-', 'BYLEX'],
    ['ZRANGE', z2, '[b', '[b', 'BYLEX'],
    ['ZRANGE', z2, '(b', '[b', 'BYLEX'],
    ['ZRANGE', z2, 'a', '+', 'BYLEX'],
    ['ZRANGE', z2, '-', 'c', 'BYLEX'],
    ['ZRANGE', z2, '', '+', 'BYLEX'],
    ['ZRANGE', z2, '++', '-', 'BYLEX'],
    ['ZRANGE', z2, '-', '+', 'BYLEX', 'WITHSCORES'],
    ['ZRANGEBYLEX', z2, '-', '+'],
    ['ZRANGEBYLEX', z2, '-', '+', 'LIMIT', '2', '3'],
    ['ZRANGEBYLEX', z2, '-', '+', 'LIMIT', '-1', '3'],
    ['ZRANGEBYLEX', z2, '[aa', '(b'],
    ['ZRANGEBYLEX', z2, '-', '+', 'WITHSCORES'],
    ['ZREVRANGEBYLEX', z2, '+', '-'],
    ['ZREVRANGEBYLEX', z2, '[d', '(a', 'LIMIT', '1', '10'],
    ['ZREVRANGEBYLEX', z2, '-', '+'],
    ['ZREVRANGEBYLEX', z2, 'x', '+'],
    ['ZLEXCOUNT', z2, '-', '+'],
    ['ZLEXCOUNT', z2, '[a', '[b'],
    ['ZLEXCOUNT', z2, '(a', '(b'],
    ['ZLEXCOUNT', z2, '[b', '[a'],
    ['ZLEXCOUNT', z2, 'a', '[b'],
    ['ZLEXCOUNT', 'nosuch', '-', '+'],
    ['ZLEXCOUNT', 'nosuch', 'x', '+'],
    ['ZLEXCOUNT', s, '-', '+'],
    // ZRANGESTORE
    ['ZRANGESTORE', d1, z, '0', '3'],
    ['ZRANGE', d1, '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', d1, z, '(1', '100', 'BYSCORE', 'LIMIT', '1', '2'],
    ['ZRANGE', d1, '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', d1, z2, '[b', '[a', 'BYLEX', 'REV'],
    ['ZRANGE', d1, '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', d1, z, '0', '-1', 'REV'],
    ['ZRANGE', d1, '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', d1, z, '5', '1'],
    ['ZCARD', d1],
    ['ZRANGESTORE', d1, z, '0', '0'],
    ['ZRANGESTORE', d1, 'nosuch', '0', '-1'],
    ['ZCARD', d1],
    ['ZRANGESTORE', d1, z, '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', d1, s, '0', '-1'],
    ['ZRANGESTORE', s, z, '0', '1'],
    ['ZRANGE', s, '0', '-1', 'WITHSCORES'],
    ['SET', s, 'x'],
    ['ZRANGESTORE', d1, z, '0', '-1', 'LIMIT', '0', '1'],
    ['ZRANGESTORE', d1, z, '0', '1', 'BYLEX'],
    ['ZRANGESTORE', z, z, '0', '2'],
    ['ZRANGE', z, '0', '-1', 'WITHSCORES'],
    ['ZADD', z, '1', 'a', '2', 'b', '3', 'c', '3', 'ca', '3', 'cb', '4', 'd', '-0', 'nzero', 'inf', 'pinf', '-inf', 'ninf'],
    // ZREM / ZREMRANGEBY*
    ['ZREM', z, 'a', 'nosuch', 'b'],
    ['ZREM', z, 'nosuch'],
    ['ZREM', 'nosuch', 'a'],
    ['ZREM', s, 'a'],
    ['ZADD', z3, '1', 'x', '2', 'y'],
    ['ZREM', z3, 'x', 'y', 'z'],
    ['ZCARD', z3],
    ['ZADD', z3, '1', 'x', '2', 'y', '3', 'z', '4', 'w', '5', 'v'],
    ['ZREMRANGEBYRANK', z3, '1', '2'],
    ['ZRANGE', z3, '0', '-1', 'WITHSCORES'],
    ['ZREMRANGEBYRANK', z3, '5', '1'],
    ['ZREMRANGEBYRANK', z3, '-1', '-1'],
    ['ZREMRANGEBYRANK', z3, '10', '20'],
    ['ZREMRANGEBYRANK', z3, 'x', '1'],
    ['ZREMRANGEBYRANK', 'nosuch', '0', '1'],
    ['ZREMRANGEBYRANK', s, '0', '1'],
    ['ZREMRANGEBYRANK', z3, '-100', '100'],
    ['ZCARD', z3],
    ['ZADD', z3, '1', 'x', '2', 'y', '3', 'z', '4', 'w', '5', 'v'],
    ['ZREMRANGEBYSCORE', z3, '(1', '3'],
    ['ZREMRANGEBYSCORE', z3, '3', '1'],
    ['ZREMRANGEBYSCORE', z3, 'x', '1'],
    ['ZREMRANGEBYSCORE', 'nosuch', 'x', '1'],
    ['ZREMRANGEBYSCORE', 'nosuch', '0', '1'],
    ['ZREMRANGEBYSCORE', s, '0', '1'],
    ['ZRANGE', z3, '0', '-1', 'WITHSCORES'],
    ['ZREMRANGEBYSCORE', z3, '-inf', 'inf'],
    ['ZCARD', z3],
    ['ZADD', z3, '0', 'a', '0', 'b', '0', 'c', '0', 'd'],
    ['ZREMRANGEBYLEX', z3, '(a', '[c'],
    ['ZREMRANGEBYLEX', z3, 'a', '[c'],
    ['ZREMRANGEBYLEX', 'nosuch', 'a', '[c'],
    ['ZREMRANGEBYLEX', 'nosuch', '-', '+'],
    ['ZREMRANGEBYLEX', s, '-', '+'],
    ['ZRANGE', z3, '0', '-1'],
    ['ZREMRANGEBYLEX', z3, '-', '+'],
    ['ZCARD', z3],
    // ZPOPMIN / ZPOPMAX / ZMPOP
    ['ZADD', z3, '1', 'a', '2', 'b', '3', 'c', '3', 'c2', '4', 'd', '5', 'e'],
    ['ZPOPMIN', z3],
    ['ZPOPMAX', z3],
    ['ZPOPMIN', z3, '2'],
    ['ZPOPMAX', z3, '1'],
    ['ZPOPMIN', z3, '0'],
    ['ZPOPMIN', z3, '-1'],
    ['ZPOPMIN', z3, 'x'],
    ['ZPOPMIN', z3, '1', '2'],
    ['ZPOPMIN', z3, '100'],
    ['ZCARD', z3],
    ['ZPOPMIN', z3],
    ['ZPOPMIN', z3, '0'],
    ['ZPOPMAX', z3, '3'],
    ['ZPOPMIN', s],
    ['ZPOPMAX', s, '2'],
    ['ZADD', z3, '1', 'a', '2', 'b', '3', 'c'],
    ['ZMPOP', '2', 'nosuch', z3, 'MIN'],
    ['ZMPOP', '2', 'nosuch', z3, 'max', 'COUNT', '10'],
    ['ZMPOP', '1', z3, 'MIN'],
    ['ZMPOP', '2', 'nosuch', 'nosuch2', 'MIN'],
    ['ZMPOP', '2', s, z3, 'MIN'],
    ['ZMPOP', '0', z3, 'MIN'],
    ['ZMPOP', 'x', z3, 'MIN'],
    ['ZMPOP', '-1', z3, 'MIN'],
    ['ZMPOP', '3', z3, 'MIN'],
    ['ZMPOP', '1', z3, 'MID'],
    ['ZMPOP', '1', z3, 'MIN', 'COUNT'],
    ['ZMPOP', '1', z3, 'MIN', 'COUNT', '0'],
    ['ZMPOP', '1', z3, 'MIN', 'COUNT', 'x'],
    ['ZMPOP', '1', z3, 'MIN', 'COUNT', '1', 'COUNT', '1'],
    ['ZMPOP', '1', z3, 'MIN', 'foo'],
    // BZPOP* on data (no blocking) and argument errors
    ['ZADD', z3, '1', 'a', '2', 'b', '3', 'c'],
    ['BZPOPMIN', 'nosuch', z3, '0'],
    ['BZPOPMAX', z3, '0.5'],
    ['BZPOPMIN', z3, '-1'],
    ['BZPOPMIN', z3, 'x'],
    ['BZPOPMIN', s, '0'],
    ['BZMPOP', '0', '2', 'nosuch', z3, 'MAX', 'COUNT', '5'],
    ['BZMPOP', '0', '0', z3, 'MIN'],
    ['BZMPOP', 'x', '1', z3, 'MIN'],
    ['BZMPOP', '-1', '1', z3, 'MIN'],
    ['BZMPOP', '0', '1', z3, 'MIN', 'COUNT', '0'],
    ['BZMPOP', '0', '1', s, 'MIN'],
    // ZUNION / ZINTER / ZDIFF / ZINTERCARD / *STORE
    ['ZADD', `${k}:u1`, '1', 'a', '2', 'b', '3', 'c', 'inf', 'i', '-inf', 'n'],
    ['ZADD', `${k}:u2`, '10', 'b', '20', 'c', '30', 'd', '-inf', 'i', 'inf', 'n'],
    ['ZADD', `${k}:u3`, '5', 'c', '6', 'd', '7', 'e'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'WITHSCORES'],
    ['ZUNION', '3', `${k}:u1`, `${k}:u2`, `${k}:u3`, 'WEIGHTS', '1', '2', '3', 'WITHSCORES'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'WEIGHTS', '0', '1', 'WITHSCORES'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'WEIGHTS', 'inf', '-1', 'WITHSCORES'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'AGGREGATE', 'MIN', 'WITHSCORES'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'AGGREGATE', 'max', 'WITHSCORES'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'AGGREGATE', 'sum', 'WEIGHTS', '2', '0.5', 'WITHSCORES'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'AGGREGATE', 'avg'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'AGGREGATE'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'WEIGHTS', '1'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'WEIGHTS', '1', 'x'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'WEIGHTS', '1', 'nan'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'WITHSCORES', 'WITHSCORES'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'LIMIT', '1'],
    ['ZUNION', '2', `${k}:u1`, `${k}:u2`, 'foo'],
    ['ZUNION', '0', `${k}:u1`],
    ['ZUNION', '-1', `${k}:u1`],
    ['ZUNION', 'x', `${k}:u1`],
    ['ZUNION', '3', `${k}:u1`, `${k}:u2`],
    ['ZUNION', '2', `${k}:u1`, s],
    ['ZUNION', '2', s, 'nosuch', 'WEIGHTS', 'x'],
    ['ZUNION', '2', 'nosuch', 'nosuch2', 'WITHSCORES'],
    ['ZINTER', '2', `${k}:u1`, `${k}:u2`, 'WITHSCORES'],
    ['ZINTER', '3', `${k}:u1`, `${k}:u2`, `${k}:u3`, 'WITHSCORES'],
    ['ZINTER', '2', `${k}:u1`, `${k}:u2`, 'WEIGHTS', '2', '3', 'AGGREGATE', 'MAX', 'WITHSCORES'],
    ['ZINTER', '2', `${k}:u1`, `${k}:u1`, 'WEIGHTS', '2', '3', 'WITHSCORES'],
    ['ZINTER', '2', `${k}:u1`, 'nosuch', 'WITHSCORES'],
    ['ZINTER', '1', `${k}:u1`],
    ['ZINTER', '0', `${k}:u1`],
    ['ZINTERCARD', '2', `${k}:u1`, `${k}:u2`],
    ['ZINTERCARD', '2', `${k}:u1`, `${k}:u2`, 'LIMIT', '2'],
    ['ZINTERCARD', '2', `${k}:u1`, `${k}:u2`, 'LIMIT', '0'],
    ['ZINTERCARD', '2', `${k}:u1`, `${k}:u2`, 'LIMIT', '-1'],
    ['ZINTERCARD', '2', `${k}:u1`, `${k}:u2`, 'LIMIT', 'x'],
    ['ZINTERCARD', '2', `${k}:u1`, `${k}:u2`, 'WITHSCORES'],
    ['ZINTERCARD', '2', `${k}:u1`, `${k}:u2`, 'WEIGHTS', '1', '2'],
    ['ZINTERCARD', '0', `${k}:u1`],
    ['ZINTERCARD', '1', 'nosuch'],
    ['ZINTERCARD', '1', s],
    ['ZDIFF', '2', `${k}:u1`, `${k}:u2`, 'WITHSCORES'],
    ['ZDIFF', '3', `${k}:u2`, `${k}:u1`, `${k}:u3`, 'WITHSCORES'],
    ['ZDIFF', '2', `${k}:u1`, `${k}:u1`],
    ['ZDIFF', '1', `${k}:u1`],
    ['ZDIFF', '2', 'nosuch', `${k}:u1`],
    ['ZDIFF', '2', `${k}:u1`, 'nosuch'],
    ['ZDIFF', '2', `${k}:u1`, `${k}:u2`, 'WEIGHTS', '1', '2'],
    ['ZDIFF', '2', `${k}:u1`, `${k}:u2`, 'AGGREGATE', 'MIN'],
    ['ZUNIONSTORE', d1, '2', `${k}:u1`, `${k}:u2`],
    ['ZRANGE', d1, '0', '-1', 'WITHSCORES'],
    ['ZUNIONSTORE', d1, '2', `${k}:u1`, `${k}:u2`, 'WEIGHTS', '-1', '1', 'AGGREGATE', 'MIN'],
    ['ZRANGE', d1, '0', '-1', 'WITHSCORES'],
    ['ZUNIONSTORE', d1, '2', `${k}:u1`, `${k}:u2`, 'WITHSCORES'],
    ['ZINTERSTORE', d1, '2', `${k}:u1`, `${k}:u2`],
    ['ZRANGE', d1, '0', '-1', 'WITHSCORES'],
    ['ZINTERSTORE', d1, '2', `${k}:u1`, 'nosuch'],
    ['ZCARD', d1],
    ['ZDIFFSTORE', d1, '2', `${k}:u1`, `${k}:u3`],
    ['ZRANGE', d1, '0', '-1', 'WITHSCORES'],
    ['ZDIFFSTORE', d1, '1', 'nosuch'],
    ['ZCARD', d1],
    ['ZDIFFSTORE', d1, '0', 'nosuch'],
    ['ZDIFFSTORE', d1, '2', `${k}:u1`],
    ['ZUNIONSTORE', `${k}:u1`, '2', `${k}:u1`, `${k}:u2`],
    ['ZRANGE', `${k}:u1`, '0', '-1', 'WITHSCORES'],
    ['ZINTERSTORE', s, '1', `${k}:u3`],
    ['ZRANGE', s, '0', '-1', 'WITHSCORES'],
    ['SET', s, 'x'],
    ['ZUNIONSTORE', d1, '1', s],
    // ZRANDMEMBER: only the deterministic forms here
    ['ZRANDMEMBER', 'nosuch'],
    ['ZRANDMEMBER', 'nosuch', '5'],
    ['ZRANDMEMBER', 'nosuch', '-5', 'WITHSCORES'],
    ['ZRANDMEMBER', s],
    ['ZRANDMEMBER', s, '1'],
    ['ZRANDMEMBER', `${k}:u3`, '0'],
    ['ZRANDMEMBER', `${k}:u3`, '3'],
    ['ZRANDMEMBER', `${k}:u3`, '10', 'WITHSCORES'],
    ['ZRANDMEMBER', `${k}:u3`, 'x'],
    ['ZRANDMEMBER', `${k}:u3`, '1', 'WITHSCORE'],
    ['ZRANDMEMBER', `${k}:u3`, '1', 'WITHSCORES', 'x'],
    ['ZRANDMEMBER', `${k}:u3`, '9223372036854775807', 'WITHSCORES'],
    ['ZRANDMEMBER', `${k}:u3`, '-9223372036854775808', 'WITHSCORES'],
    ['ZRANDMEMBER', `${k}:u3`, '4611686018427387904', 'WITHSCORES'],
    ['ZRANDMEMBER', `${k}:u3`, '-4611686018427387905', 'WITHSCORES'],
    // ZSCAN (listpack: everything at once, in order)
    ['ZSCAN', z, '0'],
    ['ZSCAN', z, '0', 'MATCH', '*n*'],
    ['ZSCAN', z, '0', 'COUNT', '1'],
    ['ZSCAN', z, '0', 'MATCH', '*', 'COUNT', '100'],
    ['ZSCAN', z, '0', 'COUNT', '0'],
    ['ZSCAN', z, '0', 'COUNT', 'x'],
    ['ZSCAN', z, '0', 'MATCH'],
    ['ZSCAN', z, '0', 'TYPE', 'zset'],
    ['ZSCAN', z, 'x'],
    ['ZSCAN', z, '-1'],
    ['ZSCAN', z, ''],
    ['ZSCAN', z, ' 1'],
    ['ZSCAN', z, '18446744073709551615'],
    ['ZSCAN', z, '18446744073709551616'],
    ['ZSCAN', 'nosuch', '0'],
    ['ZSCAN', 'nosuch', '0', 'COUNT', '0'],
    ['ZSCAN', 'nosuch', 'x'],
    ['ZSCAN', s, '0'],
    // arity
    ['ZCARD'],
    ['ZSCORE', z],
    ['ZRANGE', z, '0'],
    ['ZUNIONSTORE', d1, '1'],
    ['ZINCRBY', z, '1'],
  ];
}

const SCORES = ['0', '1', '2', '3', '-1', '1.5', '-2.25', '10', '100', '1e3', '2.5e-3', '-1e2', 'inf', '-inf', '+inf', '-0', '0.1', '0.30000000000000004', '1e17', '123456789012345678', '3'];
const MEMBERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'aa', 'ab', 'A', 'B', '', '1', '10', '2', '-1', 'x y', '\xe9', '\x00z', 'zz', 'longmember9'];
const RANGE_SCORES = ['-inf', '+inf', 'inf', '0', '1', '(1', '2', '(2', '-1', '(-1', '1.5', '(10', '100', '-0', '(0', 'x', '(inf', '(-inf'];
const LEX = ['-', '+', '[a', '(a', '[b', '(b', '[aa', '(c', '[zz', '[', '(', '[1', 'x', '[\xe9'];

/** One random command over a few keys of prefix k; `skiplist`: no command whose reply depends on
 * the encoding in Redis (ZSCAN order, lex ranges over unequal scores). */
function randomCommand(rng: Rng, k: string, skiplist = false): string[] {
  const keys = [`${k}:q1`, `${k}:q2`, `${k}:q3`, `${k}:q4`];
  const key = () => (rng.bool(0.04) ? `${k}:str` : rng.pick(keys));
  const score = () => rng.pick(SCORES);
  const member = () => rng.pick(MEMBERS);
  const rs = () => rng.pick(RANGE_SCORES);
  const lx = () => rng.pick(LEX);
  const idx = () => String(rng.int(-8, 8));
  const limit = (argv: string[]) => {
    if (rng.bool(0.3)) argv.push('LIMIT', String(rng.int(-1, 4)), String(rng.int(-1, 5)));
    return argv;
  };
  const ws = (argv: string[]) => {
    if (rng.bool(0.5)) argv.push('WITHSCORES');
    return argv;
  };
  const numkeysArgs = () => {
    const n = rng.int(1, 3);
    const argv = [String(n)];
    for (let i = 0; i < n; i++) argv.push(key());
    return argv;
  };
  const zadd = (): string[] => {
    const argv = ['ZADD', key()];
    for (const f of ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR']) if (rng.bool(0.1)) argv.push(f);
    const n = argv.includes('INCR') && rng.bool(0.8) ? 1 : rng.int(1, 6);
    for (let i = 0; i < n; i++) argv.push(score(), member());
    return argv;
  };
  // Store commands write to their own keys half of the time, so the sources are not emptied too often.
  const dst = () => (rng.bool() ? `${k}:qd` : key());
  // A set whose scores are all equal, where lex ranges are meaningful.
  const lexKey = `${k}:lex`;
  const lk = () => (skiplist || rng.bool() ? lexKey : key());
  const sel = rng.int(0, 39);
  if (sel >= 38) return ['ZADD', lexKey, '0', member(), '0', member(), '0', member()];
  if (sel >= 30) return zadd();
  switch (sel) {
    case 0:
    case 1:
    case 2:
      return zadd();
    case 3:
      return ['ZINCRBY', key(), score(), member()];
    case 4:
      return ['ZREM', key(), member(), ...(rng.bool() ? [member()] : [])];
    case 5:
      return ['ZCARD', key()];
    case 6:
      return ['ZSCORE', key(), member()];
    case 7:
      return ['ZMSCORE', key(), member(), member()];
    case 8:
      return [rng.pick(['ZRANK', 'ZREVRANK']), key(), member()];
    case 9:
      return ws(['ZRANGE', key(), idx(), idx(), ...(rng.bool(0.3) ? ['REV'] : [])]);
    case 10:
      return limit(ws(['ZRANGE', key(), rs(), rs(), 'BYSCORE', ...(rng.bool(0.4) ? ['REV'] : [])]));
    case 11:
      return limit(['ZRANGE', lk(), lx(), lx(), 'BYLEX', ...(rng.bool(0.4) ? ['REV'] : [])]);
    case 12:
      return limit(ws([rng.pick(['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']), key(), rs(), rs()]));
    case 13:
      return limit([rng.pick(['ZRANGEBYLEX', 'ZREVRANGEBYLEX']), lk(), lx(), lx()]);
    case 14:
      return ws(['ZREVRANGE', key(), idx(), idx()]);
    case 15:
      return ['ZCOUNT', key(), rs(), rs()];
    case 16:
      return ['ZLEXCOUNT', lk(), lx(), lx()];
    case 17:
      return rng.bool(0.2) ? ['ZREMRANGEBYRANK', key(), idx(), idx()] : ['ZREMRANGEBYSCORE', key(), rs(), rs()];
    case 18:
      return ['ZREMRANGEBYLEX', lk(), lx(), lx()];
    case 19:
      return [rng.pick(['ZPOPMIN', 'ZPOPMAX']), key(), ...(rng.bool() ? [String(rng.int(-1, 4))] : [])];
    case 20: {
      const argv = ['ZMPOP', ...numkeysArgs(), rng.pick(['MIN', 'MAX'])];
      if (rng.bool()) argv.push('COUNT', String(rng.int(0, 4)));
      return argv;
    }
    case 21:
    case 22: {
      const op = rng.pick(['ZUNION', 'ZINTER', 'ZDIFF', 'ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']);
      const store = op.endsWith('STORE');
      const nk = numkeysArgs();
      const argv = store ? [op, dst(), ...nk] : [op, ...nk];
      const n = Number(nk[0]);
      if (!op.startsWith('ZDIFF')) {
        if (rng.bool(0.4)) {
          argv.push('WEIGHTS');
          for (let i = 0; i < n; i++) argv.push(rng.pick(['1', '2', '0', '-1', '0.5', 'inf', '-inf', '1e3']));
        }
        if (rng.bool(0.4)) argv.push('AGGREGATE', rng.pick(['SUM', 'MIN', 'MAX']));
      }
      if (!store && rng.bool(0.5)) argv.push('WITHSCORES');
      return argv;
    }
    case 23: {
      const argv = ['ZINTERCARD', ...numkeysArgs()];
      if (rng.bool()) argv.push('LIMIT', String(rng.int(0, 3)));
      return argv;
    }
    case 24: {
      const t = rng.int(0, 2);
      if (t === 0) return ['ZRANGESTORE', dst(), key(), idx(), idx()];
      if (t === 1) return limit(['ZRANGESTORE', dst(), key(), rs(), rs(), 'BYSCORE', ...(rng.bool(0.4) ? ['REV'] : [])]);
      return limit(['ZRANGESTORE', dst(), lk(), lx(), lx(), 'BYLEX']);
    }
    case 25:
      if (skiplist) return ['ZCARD', key()];
      return ['ZSCAN', key(), '0', ...(rng.bool() ? ['MATCH', rng.pick(['*', 'a*', '?', '[a-c]*', '*b'])] : [])];
    case 26:
      // count >= size: the whole set from the tail, deterministic
      return ['ZRANDMEMBER', key(), String(MEMBERS.length + rng.int(0, 9)), ...(rng.bool() ? ['WITHSCORES'] : [])];
    case 27:
      return ['ZINCRBY', key(), rng.pick(['inf', '-inf', '1e308', '-1e308', '0.1']), member()];
    default:
      return ws(['ZRANGE', key(), '0', '-1']);
  }
}

describe.each([2, 3] as const)('zset (RESP%i)', (resp) => {
  let p: DiffPair;
  const k = `r${resp}`;
  beforeAll(async () => {
    p = await d.connect(resp);
  });

  it('targeted commands, options and errors', async () => {
    await runAll(p, targeted(k));
  });

  it('big (skiplist-encoded) sets and conversions', async () => {
    const big = `${k}:big`;
    const args: string[] = [];
    for (let i = 0; i < 300; i++) args.push(String((i * 37) % 101) + (i % 3 ? '.5' : ''), 'm' + ((i * 7919) % 300));
    const script: string[][] = [
      ['ZADD', big, ...args],
      ['ZCARD', big],
      ['ZRANGE', big, '0', '-1', 'WITHSCORES'],
      ['ZRANGE', big, '100', '120', 'REV', 'WITHSCORES'],
      ['ZRANGE', big, '-50', '-40'],
      ['ZRANGEBYSCORE', big, '(10', '20.5', 'WITHSCORES', 'LIMIT', '3', '7'],
      ['ZREVRANGEBYSCORE', big, '50', '-inf', 'LIMIT', '5', '20'],
      ['ZCOUNT', big, '10', '(60'],
      ['ZCOUNT', big, '-inf', 'inf'],
      ['ZCOUNT', big, '200', 'inf'],
      ['ZRANK', big, 'm17'],
      ['ZREVRANK', big, 'm17'],
      ['ZSCORE', big, 'm299'],
      ['ZINCRBY', big, '1000', 'm5'],
      ['ZRANK', big, 'm5'],
      ['ZADD', big, 'GT', 'CH', '0', 'm6', '1000', 'm7'],
      ['ZREMRANGEBYRANK', big, '10', '19'],
      ['ZREMRANGEBYSCORE', big, '(30', '40'],
      ['ZRANGE', big, '0', '-1', 'WITHSCORES'],
      ['ZPOPMIN', big, '5'],
      ['ZPOPMAX', big, '5'],
      ['ZMPOP', '1', big, 'MAX', 'COUNT', '3'],
      ['ZINTERSTORE', `${k}:bigi`, '2', big, big, 'WEIGHTS', '1', '-1'],
      ['ZRANGE', `${k}:bigi`, '0', '10', 'WITHSCORES'],
      ['ZUNIONSTORE', `${k}:bigu`, '1', big, 'WEIGHTS', '2'],
      ['ZRANGE', `${k}:bigu`, '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', `${k}:bigr`, big, '0', '9'],
      ['ZRANGE', `${k}:bigr`, '0', '-1', 'WITHSCORES'],
      ['ZRANDMEMBER', big, '1000', 'WITHSCORES'],
      ['ZREMRANGEBYRANK', big, '0', '-1'],
      ['ZCARD', big],
      // One long member converts to skiplist; equal scores order by member bytes
      ['ZADD', `${k}:long`, '1', 'x'.repeat(65), '1', 'y', '1', 'a'.repeat(64)],
      ['ZRANGE', `${k}:long`, '0', '-1', 'WITHSCORES'],
      ['ZRANGE', `${k}:long`, '-', '+', 'BYLEX'],
      ['ZLEXCOUNT', `${k}:long`, '[a', '[y'],
    ];
    await runAll(p, script);
    if (await eddyHas(p, ['OBJECT', 'ENCODING', 'nosuch'])) {
      for (const argv of [
        ['ZADD', `${k}:enc`, '1', 'a'],
        ['OBJECT', 'ENCODING', `${k}:enc`],
        ['ZADD', `${k}:enc`, '1', 'b'.repeat(65)],
        ['OBJECT', 'ENCODING', `${k}:enc`],
        ['ZREM', `${k}:enc`, 'b'.repeat(65)],
        ['OBJECT', 'ENCODING', `${k}:enc`],
        ['ZUNIONSTORE', `${k}:enc2`, '1', `${k}:enc`],
        ['OBJECT', 'ENCODING', `${k}:enc2`],
        ['ZADD', `${k}:enc3`, '1', 'b'.repeat(65)],
        ['OBJECT', 'ENCODING', `${k}:enc3`],
        ['ZRANGESTORE', `${k}:enc4`, `${k}:bigu`, '0', '127'],
        ['OBJECT', 'ENCODING', `${k}:enc4`],
        ['ZRANGESTORE', `${k}:enc4`, `${k}:bigu`, '0', '128'],
        ['OBJECT', 'ENCODING', `${k}:enc4`],
        ['ZRANGESTORE', `${k}:enc4`, `${k}:bigu`, '-inf', 'inf', 'BYSCORE', 'LIMIT', '0', '128'],
        ['OBJECT', 'ENCODING', `${k}:enc4`],
      ]) {
        await p.run(argv);
      }
    }
  });

  it('range queries across many tree leaves, interleaved with changes (seeded)', async () => {
    // ~3000 members span dozens of 64-entry leaves and two inner levels: walks, LIMIT offsets and
    // reverse runs cross leaf boundaries, and cached leaf encodings must follow every change.
    const rng = new Rng(4242);
    const key = `${k}:walk`;
    const lexKey = `${k}:walklex`;
    const score = () => (rng.bool(0.8) ? String(rng.int(0, 400)) : rng.int(0, 400) + '.5');
    const bound = () => {
      const x = rng.int(0, 10);
      if (x === 0) return '-inf';
      if (x === 1) return '+inf';
      return (rng.bool(0.3) ? '(' : '') + score();
    };
    const lexBound = () => {
      const x = rng.int(0, 10);
      if (x === 0) return '-';
      if (x === 1) return '+';
      return (rng.bool(0.5) ? '(' : '[') + 'm' + rng.int(0, 3500);
    };
    for (let chunk = 0; chunk < 3; chunk++) {
      const args: string[] = [];
      const lex: string[] = [];
      for (let i = 0; i < 1000; i++) {
        args.push(score(), 'm' + (chunk * 1000 + i));
        lex.push('0', 'm' + (chunk * 1000 + i));
      }
      await p.run(['ZADD', key, ...args]);
      await p.run(['ZADD', lexKey, ...lex]);
    }
    for (let step = 0; step < 250; step++) {
      const t = rng.int(0, 13);
      const ws = rng.bool(0.3) ? ['WITHSCORES'] : [];
      const limit = rng.bool(0.6) ? ['LIMIT', String(rng.int(-1, 400)), String(rng.int(-2, 300))] : [];
      let argv: string[];
      if (t === 0) argv = ['ZRANGE', key, String(rng.int(-3100, 3100)), String(rng.int(-3100, 3100)), ...(rng.bool() ? ['REV'] : []), ...ws];
      else if (t <= 3) argv = ['ZRANGE', key, bound(), bound(), 'BYSCORE', ...limit, ...ws];
      else if (t === 4) argv = ['ZRANGE', key, bound(), bound(), 'BYSCORE', 'REV', ...limit, ...ws];
      else if (t === 5) argv = ['ZRANGE', lexKey, lexBound(), lexBound(), 'BYLEX', ...(rng.bool() ? ['REV'] : []), ...limit];
      else if (t === 6) argv = ['ZCOUNT', key, bound(), bound()];
      else if (t === 7) argv = ['ZLEXCOUNT', lexKey, lexBound(), lexBound()];
      else if (t === 8) argv = ['ZADD', key, score(), 'm' + rng.int(0, 3500), score(), 'm' + rng.int(0, 3500)];
      else if (t === 9) argv = ['ZREM', key, 'm' + rng.int(0, 3500), 'm' + rng.int(0, 3500)];
      else if (t === 10) argv = ['ZINCRBY', key, String(rng.int(-50, 50)), 'm' + rng.int(0, 3500)];
      else if (t === 11) argv = rng.bool() ? ['ZREMRANGEBYSCORE', key, bound(), bound()] : ['ZREMRANGEBYLEX', lexKey, lexBound(), lexBound()];
      else if (t === 12) argv = ['ZRANGESTORE', `${k}:walkdst`, key, bound(), bound(), 'BYSCORE', ...limit];
      else argv = ['ZRANK', key, 'm' + rng.int(0, 3500)];
      await p.run(argv);
      if (t === 12) await p.run(['ZRANGE', `${k}:walkdst`, '0', '-1', 'WITHSCORES']);
    }
    await p.run(['ZRANGE', key, '0', '-1', 'WITHSCORES']);
    await p.run(['ZRANGE', lexKey, '-', '+', 'BYLEX']);
  });

  it('ZSCAN over a skiplist-encoded set returns every member present throughout', async () => {
    const key = `${k}:scan`;
    const args: string[] = [];
    for (let i = 0; i < 500; i++) args.push(String(i % 17), 'mem' + i);
    await p.run(['ZADD', key, ...args]);
    for (const match of [null, 'mem1*']) {
      const seen = new Map<string, string>();
      let cursor = '0';
      let calls = 0;
      do {
        const argv = ['ZSCAN', key, cursor, 'COUNT', '37'];
        if (match) argv.push('MATCH', match);
        p.eddy.send(...argv);
        const r = await p.eddy.read();
        const [, parts] = splitAggregate(r)!;
        cursor = parts[0].split('\r\n')[1];
        const els = items(parts[1]);
        for (let i = 0; i < els.length; i += 2) {
          const m = els[i].split('\r\n')[1];
          // SCAN may return an element twice (never with another score here)
          const sc = els[i + 1].split('\r\n')[1];
          if (seen.has(m)) expect(seen.get(m)).toBe(sc);
          seen.set(m, sc);
        }
        if (calls++ === 3) await p.run(['ZREM', key, 'mem499', 'mem498', 'mem0']);
      } while (cursor !== '0' && calls < 1000);
      // Everything present for the whole iteration was returned, with its score.
      for (let i = 1; i < 498; i++) {
        const m = 'mem' + i;
        if (match && !m.startsWith('mem1')) continue;
        expect(seen.get(m)).toBe(String(i % 17));
      }
      for (const m of seen.keys()) if (match) expect(m.startsWith('mem1')).toBe(true);
      await p.run(['ZADD', key, '0', 'mem0', '10', 'mem498', '6', 'mem499']);
    }
  });

  it('ZRANDMEMBER replies are well formed', async () => {
    const key = `${k}:rand`;
    for (const size of [5, 200]) {
      const args: string[] = [];
      for (let i = 0; i < size; i++) args.push(String(i / 2), 'r' + i);
      await p.run(['ZADD', key, ...args]);
      const scores = new Map<string, string>();
      for (let i = 0; i < size; i++) scores.set('r' + i, String(i / 2));
      for (const count of [1, 3, size - 1, size, size + 5, -1, -3, -(size * 2)]) {
        for (const ws of [false, true]) {
          const argv = ['ZRANDMEMBER', key, String(count)];
          if (ws) argv.push('WITHSCORES');
          p.eddy.send(...argv);
          const r = await p.eddy.read();
          const els = items(r).map(value);
          const n = count > 0 ? Math.min(count, size) : -count;
          expect(els.length).toBe(ws ? n * 2 : n);
          const members = ws ? els.filter((_, i) => i % 2 === 0) : els;
          for (const m of members) expect(scores.has(m)).toBe(true);
          if (ws) for (let i = 0; i < els.length; i += 2) expect(els[i + 1]).toBe(scores.get(els[i]));
          if (count > 0) expect(new Set(members).size).toBe(members.length);
          if (ws && resp === 3) expect(r.split('\r\n')[1]).toBe('*2');
        }
      }
      p.eddy.send('ZRANDMEMBER', key);
      const one = (await p.eddy.read()).split('\r\n')[1];
      expect(scores.has(one)).toBe(true);
      await p.run(['ZREMRANGEBYRANK', key, '0', '-1']);
    }
  });

  it('blocking pops: served immediately, after a push, or timed out', async () => {
    const q = await d.connect(resp);
    const key = `${k}:blk`;
    const key2 = `${k}:blk2`;
    // timeouts
    await p.run(['BZPOPMIN', key, key2, '0.05']);
    await p.run(['BZMPOP', '0.05', '2', key, key2, 'MIN']);
    // served by a later ZADD
    const str = `${k}:blkstr`;
    for (const [cmd, adds, pre] of [
      [['BZPOPMIN', key, key2, '0'], [['ZADD', key2, '1', 'a', '2', 'b']]],
      [['BZPOPMAX', key, key2, '0'], [['ZADD', key, '1', 'a', '2', 'b']]],
      [['BZMPOP', '0', '2', key, key2, 'MAX', 'COUNT', '5'], [['ZADD', key2, '1', 'x', '2', 'y', '3', 'z']]],
      [['BZMPOP', '0', '1', key, 'MIN'], [['ZUNIONSTORE', key, '1', key2]], ['ZADD', key2, '5', 'u', '6', 'v']],
      [['BZPOPMIN', key, '0'], [['ZRANGESTORE', key, key2, '0', '0']], ['ZADD', key2, '7', 'w']],
      // several keys become ready in one transaction: served from the first one signalled
      [['BZPOPMIN', key, key2, '0'], [['MULTI'], ['ZADD', key2, '1', 'k2'], ['ZADD', key, '1', 'k1'], ['EXEC']]],
      [['BZMPOP', '0', '2', key, key2, 'MIN', 'COUNT', '2'], [['MULTI'], ['ZADD', key2, '1', 'k2', '2', 'k2b'], ['ZADD', key, '1', 'k1'], ['EXEC']]],
      // the key turns into a string first: still blocked until it holds a sorted set
      [['BZPOPMIN', str, '0'], [['SET', str, 'x'], ['PING'], ['DEL', str], ['ZADD', str, '3', 'z']]],
    ] as [string[], string[][], string[]?][]) {
      await p.run(['ZREMRANGEBYRANK', key, '0', '-1']);
      await p.run(['ZREMRANGEBYRANK', key2, '0', '-1']);
      if (pre) await p.run(pre);
      const pending = p.run(cmd);
      await new Promise((r) => setTimeout(r, 50));
      for (const add of adds) await q.run(add);
      await pending;
      await q.run(['ZRANGE', key, '0', '-1', 'WITHSCORES']);
      await q.run(['ZRANGE', key2, '0', '-1', 'WITHSCORES']);
    }
    // inside MULTI a blocking pop does not block
    await runAll(p, [['MULTI'], ['BZPOPMIN', `${k}:none`, '0'], ['BZMPOP', '0', '1', `${k}:none`, 'MIN'], ['EXEC']]);
  });

  it('MULTI/EXEC with sorted set writes', async () => {
    const key = `${k}:tx`;
    await runAll(p, [
      ['MULTI'],
      ['ZADD', key, '1', 'a', '2', 'b'],
      ['ZINCRBY', key, '5', 'a'],
      ['ZADD', key, 'x', 'c'],
      ['ZPOPMIN', key],
      ['ZRANGE', key, '0', '-1', 'WITHSCORES'],
      ['EXEC'],
    ]);
  });

  it.each(seeds([11, 22, 33]))('random command sequences (seed %i)', async (seed) => {
    const rng = new Rng(seed + resp * 1000);
    await p.run(['SET', `${k}:str`, 'v']);
    for (let i = 0; i < 2200; i++) {
      try {
        await p.run(randomCommand(rng, k));
      } catch (e) {
        throw new Error(`seed ${seed} step ${i}: ${(e as Error).message}`);
      }
    }
    for (const key of [`${k}:q1`, `${k}:q2`, `${k}:q3`, `${k}:q4`, `${k}:qd`, `${k}:lex`]) {
      await p.run(['ZRANGE', key, '0', '-1', 'WITHSCORES']);
      await p.run(['ZREMRANGEBYRANK', key, '0', '-1']);
    }
  });
});

describe('key positions and notifications', () => {
  it('COMMAND GETKEYS for the numkeys commands', async () => {
    const p = await d.connect();
    await eddyHas(p, ['COMMAND', 'GETKEYS', 'ZCARD', 'k']);
    for (const argv of [
      ['ZUNIONSTORE', 'd', '2', 'a', 'b'],
      ['ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
      ['ZUNIONSTORE', 'd', '5', 'a', 'b'],
      ['ZUNIONSTORE', 'd', '0', 'a', 'b'],
      ['ZUNIONSTORE', 'd', 'x', 'a', 'b'],
      ['ZUNIONSTORE', 'd', '2a', 'a', 'b'],
      ['ZINTERSTORE', 'd', '1', 'a'],
      ['ZDIFFSTORE', 'd', '2', 'a', 'b'],
      ['ZUNION', '2', 'a', 'b', 'WITHSCORES'],
      ['ZINTER', '1', 'a'],
      ['ZDIFF', '3', 'a', 'b'],
      ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
      ['ZMPOP', '2', 'a', 'b', 'MIN'],
      ['ZMPOP', '5', 'a', 'MIN'],
      ['BZMPOP', '0', '2', 'a', 'b', 'MIN'],
      ['BZMPOP', '0', 'x', 'a', 'MIN'],
      ['BZPOPMIN', 'a', 'b', '0'],
      ['ZRANGESTORE', 'd', 's', '0', '1'],
    ]) {
      await p.run(['COMMAND', 'GETKEYS', ...argv]);
    }
  });

  it('keyspace notifications', async () => {
    const p = await d.connect();
    await eddyHas(p, ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    await p.run(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'], { ignore: true });
    const sub = await d.connect();
    await eddyHas(sub, ['PSUBSCRIBE', '__keyevent@0__:*']);
    await sub.redis.send('PSUBSCRIBE', '__keyevent@0__:*');
    await sub.redis.read();
    const script: string[][] = [
      ['ZADD', 'n:z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZADD', 'n:z', '1', 'a'],
      ['ZADD', 'n:z', 'INCR', '1', 'a'],
      ['ZINCRBY', 'n:z', '1', 'a'],
      ['ZREM', 'n:z', 'nosuch'],
      ['ZREM', 'n:z', 'a'],
      ['ZREMRANGEBYSCORE', 'n:z', '2', '2'],
      ['ZADD', 'n:z', '0', 'x', '0', 'y', '5', 'q'],
      ['ZREMRANGEBYLEX', 'n:z', '[x', '[x'],
      ['ZREMRANGEBYRANK', 'n:z', '0', '0'],
      ['ZPOPMIN', 'n:z'],
      ['ZPOPMAX', 'n:z', '5'],
      ['ZADD', 'n:z', '1', 'a', '2', 'b'],
      ['ZMPOP', '1', 'n:z', 'MAX'],
      ['ZUNIONSTORE', 'n:d', '1', 'n:z'],
      ['ZINTERSTORE', 'n:d', '1', 'n:z'],
      ['ZDIFFSTORE', 'n:d', '1', 'n:z'],
      ['ZRANGESTORE', 'n:d', 'n:z', '0', '-1'],
      ['ZUNIONSTORE', 'n:d', '1', 'nosuch'],
      ['ZREM', 'n:z', 'a'],
    ];
    for (const argv of script) {
      await p.run(argv);
      await p.run(['PING']);
    }
    await p.run(['ZADD', 'n:end', '1', 'x']);
    // Every event the reference sent must arrive at eddy's subscriber in the same order.
    const expected: string[] = [];
    const got: string[] = [];
    for (;;) {
      const r = await sub.redis.read();
      expected.push(r);
      if (r.includes('n:end')) break;
    }
    for (let i = 0; i < expected.length; i++) got.push(await sub.eddy.read());
    expect(got).toEqual(expected);
    await p.run(['CONFIG', 'SET', 'notify-keyspace-events', ''], { ignore: true });
  });
});

describe('propagation (in-process server)', () => {
  it('pops propagate as Redis 7.0 does: ZPOP* verbatim, ZMPOP/BZ* rewritten to ZPOPMIN/ZPOPMAX', () => {
    const server = new Server(new Config());
    const log: string[] = [];
    server.propagators.push((db, argv) => log.push(`${db} ${argv.join(' ')}`));
    const c = new Client(server, null, 1);
    const other = new Client(server, null, 2);
    const run = (cl: Client, ...argv: string[]) => processCommand(server, cl, argv);
    run(c, 'ZADD', 'k', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    run(c, 'ZADD', 'k', '1', 'a'); // no change: not propagated
    run(c, 'ZPOPMIN', 'k');
    run(c, 'ZPOPMAX', 'k', '1');
    run(c, 'ZPOPMIN', 'nosuch', '3'); // nothing popped
    run(c, 'ZMPOP', '2', 'nosuch', 'k', 'MAX', 'COUNT', '10');
    run(c, 'ZADD', 'k', '1', 'a', '2', 'b');
    run(c, 'BZPOPMIN', 'nosuch', 'k', '0');
    run(c, 'BZMPOP', '0', '1', 'k', 'MAX', 'COUNT', '7');
    run(c, 'ZREM', 'k', 'nosuch');
    run(c, 'ZREMRANGEBYSCORE', 'k', '100', '200');
    // blocked, then served by another client's ZADD: the pop is propagated after the ZADD
    run(c, 'BZPOPMAX', 'b1', 'b2', '0');
    expect(c.blocked).not.toBe(null);
    run(other, 'ZADD', 'b2', '1', 'x', '2', 'y');
    expect(c.blocked).toBe(null);
    run(c, 'BZMPOP', '0', '1', 'b3', 'MIN', 'COUNT', '5');
    run(other, 'ZADD', 'b3', '1', 'p', '2', 'q');
    run(other, 'ZUNIONSTORE', 'u', '1', 'nosuch'); // empty result, no destination to delete
    run(other, 'ZINCRBY', 'u', '1', 'm');
    expect(log).toEqual([
      '0 ZADD k 1 a 2 b 3 c 4 d 5 e',
      '0 ZPOPMIN k',
      '0 ZPOPMAX k 1',
      '0 ZPOPMAX k 3',
      '0 ZADD k 1 a 2 b',
      '0 ZPOPMIN k',
      '0 ZPOPMAX k 1',
      '0 ZADD b2 1 x 2 y',
      '0 ZPOPMAX b2',
      '0 ZADD b3 1 p 2 q',
      '0 ZPOPMIN b3 2',
      '0 ZINCRBY u 1 m',
    ]);
  });
});

describe('small listpack limits: skiplist encodings and conversions', () => {
  let d2: Differential;
  beforeAll(async () => {
    const conf = ['--zset-max-listpack-entries', '4', '--zset-max-listpack-value', '8'];
    d2 = await Differential.start(conf, conf);
  });
  afterAll(async () => {
    await d2?.stop();
  });
  it.each(seeds([5, 6]))('random command sequences (seed %i)', async (seed) => {
    for (const resp of [2, 3] as const) {
      const p = await d2.connect(resp);
      const k = `s${resp}`;
      const rng = new Rng(seed * 7 + resp);
      await p.run(['SET', `${k}:str`, 'v']);
      for (let i = 0; i < 2000; i++) {
        try {
          await p.run(randomCommand(rng, k, true));
        } catch (e) {
          throw new Error(`seed ${seed} step ${i}: ${(e as Error).message}`);
        }
      }
      for (const key of ['q1', 'q2', 'q3', 'q4', 'qd', 'lex']) {
        await p.run(['ZRANGE', `${k}:${key}`, '0', '-1', 'WITHSCORES']);
        if (await eddyHas(p, ['OBJECT', 'ENCODING', `${k}:${key}`])) await p.run(['OBJECT', 'ENCODING', `${k}:${key}`]);
      }
    }
  });
});
