// Why: the stream type against the reference redis-server 7.0.15 in RESP2 and RESP3: every command,
// option and error; the emulated macro nodes (approximate trimming over many entries of varying
// sizes must leave the same XLEN and XINFO STREAM radix-tree-keys/-nodes); seeded random command
// sequences including consumer groups; blocking XREAD/XREADGROUP across connections; keyspace
// events; and the propagated forms (in-process).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Differential, Rng, seeds, type DiffPair } from './support/diff.js';
import { both, compareKeyspaceEvents, mismatch } from './support/collections.js';
import { parseReply, type RVal } from './support/resp-values.js';
import { propagationRunner } from './support/in-process.js';

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

const MAX = '18446744073709551615';

/** Steps: plain argv = exact; ['AUTO', ...argv] = both must reply a <ms>-<seq> ID (or both the same). */
async function runScript(p: DiffPair, steps: string[][]): Promise<void> {
  for (const step of steps) {
    if (step[0] === 'AUTO') {
      const [e, r] = await both(p, step.slice(1));
      const ok = (x: string) => /^\$\d+\r\n\d+-\d+\r\n$/.test(x);
      if (!(ok(e) && ok(r)) && e !== r) throw mismatch(p, `auto-id reply for ${JSON.stringify(step)}`, e, r);
    } else {
      await p.run(step);
    }
  }
}

const basics: string[][] = [
  ['DEL', 's', 's2', 'str'],
  ['SET', 'str', 'x'],
  ['XADD', 's', '1-1', 'a', '1', 'b', '2'],
  ['XADD', 's', '1-1', 'a', '1'],
  ['XADD', 's', '1-0', 'a', '1'],
  ['XADD', 's', '1', 'a', '1'],
  ['XADD', 's', '1-*', 'a', '2'],
  ['XADD', 's', '2-*', 'c', '3'],
  ['XADD', 's', '2', 'c', '3'],
  ['XADD', 's', '3-5', 'x', 'y', 'z', 'w'],
  ['XADD', 's', '0-0', 'a', '1'],
  ['XADD', 's', '0-*', 'a', '1'],
  ['XADD', 'new0', '0-*', 'a', '1'],
  ['XADD', 's', 'abc', 'a', '1'],
  ['XADD', 's', '1-x', 'a', '1'],
  ['XADD', 's', '-', 'a', '1'],
  ['XADD', 's', '+', 'a', '1'],
  ['XADD', 's', '4-*-1', 'a', '1'],
  ['XADD', 's', '4-0', 'a'],
  ['XADD', 's', '4-0', 'a', '1', 'b'],
  ['XADD', 's', '4-0'],
  ['XADD', 's', 'NOMKSTREAM', '4-0', 'a', '1'],
  ['XADD', 'nokey', 'NOMKSTREAM', '4-0', 'a', '1'],
  ['EXISTS', 'nokey'],
  ['XADD', 'str', '5-0', 'a', '1'],
  ['XADD', 's', 'MAXLEN', 'x', '6-0', 'a', '1'],
  ['XADD', 's', 'MAXLEN', '-1', '6-0', 'a', '1'],
  ['XADD', 's', 'MAXLEN', '1', 'MINID', '0', '6-0', 'a', '1'],
  ['XADD', 's', 'LIMIT', '10', '6-0', 'a', '1'],
  ['XADD', 's', 'MAXLEN', '5', 'LIMIT', '10', '6-0', 'a', '1'],
  ['XADD', 's', 'MAXLEN', '~', '5', 'LIMIT', '-1', '6-0', 'a', '1'],
  ['XADD', 's', 'MAXLEN', '~', '5', 'LIMIT', 'x', '6-0', 'a', '1'],
  ['XADD', 's', 'MINID', 'x', '6-0', 'a', '1'],
  ['XADD', 's', 'MINID', '-', '6-0', 'a', '1'],
  ['XADD', 's', ' 7-3', 'a', '1'],
  ['XADD', 's', '+8', 'a', '1'],
  ['XADD', 's', '009-1', 'a', '1'],
  ['XADD', 's', '-010', 'a', '1'],
  ['XADD', 's', `10-${MAX}`, 'a', '1'],
  ['XADD', 's', '10-*', 'a', '1'],
  ['XADD', 's', '18446744073709551616-0', 'a', '1'],
  ['XADD', 's', `${MAX}-5`, 'big', 'id'],
  ['XADD', 's', `${MAX}-*`, 'big', 'id2'],
  ['XADD', 's', `${MAX}-${MAX}`, 'big', 'id3'],
  ['XADD', 's', '*', 'big', 'id4'],
  ['XADD', 's', `${MAX}-*`, 'big', 'id5'],
  ['XLEN', 's'],
  ['XRANGE', 's', '-', '+'],
  ['XREVRANGE', 's', '+', '-'],
  ['XRANGE', 's', `${MAX}`, '+'],
  ['XRANGE', 's', `(${MAX}-5`, '+'],
  ['XRANGE', 's', `(${MAX}-${MAX}`, '+'],
  ['XRANGE', 's', '-', '(0-0'],
  ['XRANGE', 's', '(1-0', '(2-0'],
  ['XRANGE', 's', '(1', '(3'],
  ['XRANGE', 's', '1', '1'],
  ['XRANGE', 's', '000000000001', '0003-00000000000001'],
  ['XRANGE', 's', '(0001-0', '000000000000003', 'COUNT', '2'],
  ['XRANGE', 's', '00000000000000000000000001', '+'],
  ['XRANGE', 's', '-', '+', 'COUNT', '2'],
  ['XRANGE', 's', '-', '+', 'COUNT', '0'],
  ['XRANGE', 's', '-', '+', 'COUNT', '-3'],
  ['XRANGE', 's', '-', '+', 'COUNT'],
  ['XRANGE', 's', '-', '+', 'LIMIT', '2'],
  ['XRANGE', 's', '-', '+', 'COUNT', 'x'],
  ['XRANGE', 's', '(-', '+'],
  ['XRANGE', 's', '(', '+'],
  ['XRANGE', 's', 'x', '+'],
  ['XRANGE', 'nokey', '-', '+'],
  ['XRANGE', 'nokey', '-', '+', 'COUNT', '0'],
  ['XRANGE', 'str', '-', '+'],
  ['XREVRANGE', 's', '+', '-', 'COUNT', '3'],
  ['XREVRANGE', 's', '(3-5', '(1-1'],
  ['XREVRANGE', 's', '2', '1'],
  ['XREVRANGE', 's', '-', '+'],
  ['XLEN', 'nokey'],
  ['XLEN', 'str'],
  ['XDEL', 's', '1-1', '1-1', '99-0'],
  ['XDEL', 's', 'x'],
  ['XDEL', 's', '-'],
  ['XDEL', 'nokey', '1-0'],
  ['XDEL', 'str', '1-0'],
  ['XRANGE', 's', '-', '+'],
  ['XINFO', 'STREAM', 's'],
  ['XTRIM', 's'],
  ['XTRIM', 's', 'MAXLEN'],
  ['XTRIM', 's', 'FOO', '1'],
  ['XTRIM', 's', 'LIMIT', '1'],
  ['XTRIM', 's', 'MAXLEN', '~', '1', 'LIMIT', '1'],
  ['XTRIM', 's', 'MAXLEN', '1', 'LIMIT', '1'],
  ['XTRIM', 'nokey', 'MAXLEN', '1'],
  ['XTRIM', 'str', 'MAXLEN', '1'],
  ['XTRIM', 's', 'NOMKSTREAM', 'MAXLEN', '1'],
  ['XTRIM', 's', 'MAXLEN', '=', '6'],
  ['XTRIM', 's', 'MINID', '=', '3'],
  ['XRANGE', 's', '-', '+'],
  ['XINFO', 'STREAM', 's'],
  ['XTRIM', 's', 'MINID', '~', MAX],
  ['XTRIM', 's', 'MAXLEN', '0'],
  ['XLEN', 's'],
  ['EXISTS', 's'],
  ['XINFO', 'STREAM', 's'],
  ['XINFO', 'STREAM', 's', 'FULL'],
  ['XADD', 's', '*', 'a', '1'],
  ['XSETID', 's', '5-0'],
  ['XSETID', 'nokey', '5-0'],
  ['XSETID', 'str', '5-0'],
  ['DEL', 's'],
  ['XADD', 's', '5-0', 'a', '1'],
  ['XADD', 's', '6-0', 'a', '1'],
  ['XSETID', 's', '5-0'],
  ['XSETID', 's', '6-0'],
  ['XSETID', 's', '7-0', 'ENTRIESADDED', '1'],
  ['XSETID', 's', '7-0', 'ENTRIESADDED', '-1'],
  ['XSETID', 's', '7-0', 'ENTRIESADDED', 'x'],
  ['XSETID', 's', '7-0', 'MAXDELETEDID', '8-0'],
  ['XSETID', 's', '7-0', 'MAXDELETEDID', '+'],
  ['XSETID', 's', '7-0', 'FOO'],
  ['XSETID', 's', '7-0', 'ENTRIESADDED'],
  ['XSETID', 's', '+'],
  ['XSETID', 's', '7-0', 'ENTRIESADDED', '9223372036854775807', 'MAXDELETEDID', '6-5'],
  ['XINFO', 'STREAM', 's'],
  ['XADD', 's', '7-0', 'a', '1'],
  ['XADD', 's', '7-1', 'a', '1'],
  ['XINFO', 'STREAM', 's'],
  ['XSETID', 's', `${MAX}-${MAX}`],
  ['XADD', 's', '*', 'a', '1'],
  ['XADD', 's', `${MAX}-*`, 'a', '1'],
  ['XINFO', 'STREAM', 's'],
  ['TYPE', 's'],
  ['OBJECT', 'ENCODING', 's'],
  ['DEL', 's'],
  ['XINFO', 'STREAM', 'nokey'],
  ['XINFO', 'STREAM', 'str'],
  ['XINFO', 'HELP'],
  ['XINFO', 'HELP', 'x'],
  ['XINFO', 'FOO', 's'],
  ['XINFO'],
  ['XADD', 's', '1-0', 'f', 'v'],
  ['XINFO', 'STREAM', 's', 'FULL', 'COUNT'],
  ['XINFO', 'STREAM', 's', 'FOO'],
  ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', 'x'],
  ['XINFO', 'STREAM', 's', 'FULL', 'FOO', '1'],
  ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '-1'],
  ['XINFO', 'GROUPS', 's'],
  ['XINFO', 'GROUPS', 'nokey'],
  ['XINFO', 'CONSUMERS', 's', 'g'],
  ['XGROUP', 'CREATE', 's', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
  ['COPY', 's', 'scopy'],
  ['XADD', 'scopy', '2-0', 'f', 'v'],
  ['XACK', 'scopy', 'g', '1-0'],
  ['XGROUP', 'CREATECONSUMER', 'scopy', 'g', 'other'],
  ['XPENDING', 's', 'g'],
  ['XPENDING', 'scopy', 'g'],
  ['XINFO', 'STREAM', 's'],
  ['XINFO', 'STREAM', 'scopy'],
  ['XINFO', 'GROUPS', 's'],
  ['XINFO', 'GROUPS', 'scopy'],
  ['XREADGROUP', 'GROUP', 'g\r\nx', 'c', 'STREAMS', 'k\u0000ey\r\n', '>'],
  ['XPENDING', 'k\u0000ey', 'g\nx'],
  ['XCLAIM', 's', 'g', 'c', '0', '1-0', 'BAD\r\nOPT\u0000x'],
  ['XGROUP', 'SETID', 'scopy', 'no\u0000g', '0'],
  ['XINFO', 'CONSUMERS', 'scopy', 'no\rg'],
  ['XADD', 's', '5\u0000junk', 'f', 'v'],
  ['XRANGE', 's', '-', '5\u0000'],
  ['XADD', 's', 'x'.repeat(130), 'f', 'v'],
  ['RENAME', 'scopy', 'srenamed'],
  ['XRANGE', 'srenamed', '-', '+'],
  ['DEL', 's', 'srenamed'],
];

const readScript: string[][] = [
  ['DEL', 's1', 's2', 'str'],
  ['SET', 'str', 'x'],
  ['XADD', 's1', '1-0', 'a', '1'],
  ['XADD', 's1', '2-0', 'b', '2'],
  ['XADD', 's2', '3-0', 'c', '3'],
  ['XREAD', 'STREAMS', 's1', 's2', '0', '0'],
  ['XREAD', 'COUNT', '1', 'STREAMS', 's1', 's2', '0', '0'],
  ['XREAD', 'COUNT', '-1', 'STREAMS', 's1', '0'],
  ['XREAD', 'STREAMS', 's1', 's2', '$', '$'],
  ['XREAD', 'STREAMS', 's1', 's2', '1-0', '3'],
  ['XREAD', 'STREAMS', 's1', 'nokey', '0', '0'],
  ['XREAD', 'STREAMS', 's1', 'str', '0', '0'],
  ['XREAD', 'STREAMS', 's1', 's2', '0'],
  ['XREAD', 'STREAMS', 's1', '>'],
  ['XREAD', 'STREAMS', 's1', '-'],
  ['XREAD', 'STREAMS', 's1', 'x'],
  ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 's1', '0'],
  ['XREAD', 'NOACK', 'STREAMS', 's1', '0'],
  ['XREAD', 'FOO', 'STREAMS', 's1', '0'],
  ['XREAD', 'COUNT', 'x', 'STREAMS', 's1', '0'],
  ['XREAD', 'BLOCK', 'x', 'STREAMS', 's1', '0'],
  ['XREAD', 'BLOCK', '-1', 'STREAMS', 's1', '0'],
  ['XREAD', 'BLOCK', '1.5', 'STREAMS', 's1', '0'],
  ['XREAD', 'BLOCK', '10', 'STREAMS', 's1', '0'],
  ['XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's1', '0'],
  ['XREAD', 'COUNT', '1', 's1'],
  ['XREAD', 'STREAMS'],
  ['MULTI'],
  ['XREAD', 'BLOCK', '0', 'STREAMS', 's1', '$'],
  ['XREAD', 'BLOCK', '0', 'STREAMS', 's1', '0'],
  ['EXEC'],
  ['XREADGROUP', 'STREAMS', 's1', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's1', '>'],
  ['XGROUP', 'CREATE', 's1', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's1', 's2', '>', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's1', '$'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's1', 'x'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'str', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's1', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's1', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's1', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '10', 'STREAMS', 's1', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's1', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's1', '1-0'],
  ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's1', '0'],
  ['XDEL', 's1', '1-0'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's1', '0'],
  ['XPENDING', 's1', 'g'],
  ['XINFO', 'GROUPS', 's1'],
  ['XADD', 's1', '5-0', 'e', '5'],
  ['XADD', 's1', '6-0', 'f', '6'],
  ['XREADGROUP', 'GROUP', 'g', 'c2', 'NOACK', 'STREAMS', 's1', '>'],
  ['XPENDING', 's1', 'g'],
  ['XINFO', 'GROUPS', 's1'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'NOACK', 'COUNT', '0', 'STREAMS', 's1', '0'],
  ['XACK', 's1', 'g', '1-0', '2-0', '2-0', '9-0'],
  ['XACK', 's1', 'g', 'x'],
  ['XACK', 's1', 'nog', '1-0'],
  ['XACK', 'nokey', 'g', 'x'],
  ['XACK', 'str', 'g', '1-0'],
  ['XPENDING', 's1', 'g'],
  ['XINFO', 'GROUPS', 's1'],
];

const groupScript: string[][] = [
  ['DEL', 'gs', 'str', 'gk'],
  ['SET', 'str', 'x'],
  ['XGROUP', 'CREATE', 'gs', 'g', '$'],
  ['XGROUP', 'CREATE', 'gs', 'g', '$', 'MKSTREAM'],
  ['XGROUP', 'CREATE', 'gs', 'g', '$', 'MKSTREAM'],
  ['XGROUP', 'CREATE', 'gs', 'g2', 'x'],
  ['XGROUP', 'CREATE', 'gs', 'g2', '-'],
  ['XGROUP', 'CREATE', 'gs', 'g2', '0', 'FOO'],
  ['XGROUP', 'CREATE', 'gs', 'g2', '0', 'ENTRIESREAD'],
  ['XGROUP', 'CREATE', 'gs', 'g2', '0', 'ENTRIESREAD', '-2'],
  ['XGROUP', 'CREATE', 'gs', 'g2', '0', 'ENTRIESREAD', 'x'],
  ['XGROUP', 'CREATE', 'gs', 'g2', '0', 'ENTRIESREAD', '3', 'MKSTREAM'],
  ['XGROUP', 'CREATE', 'gs', 'g3', '0', 'MKSTREAM', 'ENTRIESREAD', '3', 'MKSTREAM'],
  ['XGROUP', 'CREATE', 'str', 'g', '0'],
  ['XGROUP', 'CREATE', 'nokey', 'g', '0'],
  ['XGROUP', 'CREATE', 'gs'],
  ['XGROUP', 'SETID', 'gs', 'nog', '0'],
  ['XGROUP', 'SETID', 'gs', 'g', '+'],
  ['XGROUP', 'SETID', 'gs', 'g', '-', 'ENTRIESREAD', '5'],
  ['XGROUP', 'SETID', 'gs', 'g', '$', 'ENTRIESREAD'],
  ['XGROUP', 'SETID', 'gs', 'g', '0', 'MKSTREAM'],
  ['XGROUP', 'SETID', 'nokey', 'g', '0'],
  ['XGROUP', 'CREATECONSUMER', 'gs', 'g', 'c1'],
  ['XGROUP', 'CREATECONSUMER', 'gs', 'g', 'c1'],
  ['XGROUP', 'CREATECONSUMER', 'gs', 'nog', 'c1'],
  ['XGROUP', 'CREATECONSUMER', 'gs', 'g'],
  ['XGROUP', 'DELCONSUMER', 'gs', 'g', 'c1'],
  ['XGROUP', 'DELCONSUMER', 'gs', 'g', 'c1'],
  ['XGROUP', 'DELCONSUMER', 'gs', 'nog', 'c1'],
  ['XGROUP', 'DESTROY', 'gs', 'g3'],
  ['XGROUP', 'DESTROY', 'gs', 'g3'],
  ['XGROUP', 'DESTROY', 'nokey', 'g3'],
  ['XGROUP', 'DESTROY', 'gs', 'g3', 'x'],
  ['XGROUP', 'HELP'],
  ['XGROUP', 'HELP', 'x'],
  ['XGROUP', 'FOO'],
  ['XGROUP'],
  ['XINFO', 'GROUPS', 'gs'],
  ['XGROUP', 'DESTROY', 'gs', 'g'],
  ['XGROUP', 'DESTROY', 'gs', 'g2'],
  ['XADD', 'gs', '1-0', 'a', '1'],
  ['XADD', 'gs', '2-0', 'b', '2'],
  ['XADD', 'gs', '3-0', 'c', '3'],
  ['XADD', 'gs', '4-0', 'd', '4'],
  ['XGROUP', 'CREATE', 'gs', 'g', '0'],
  ['XINFO', 'GROUPS', 'gs'],
  ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 'gs', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '1', 'STREAMS', 'gs', '>'],
  ['XINFO', 'GROUPS', 'gs'],
  ['XPENDING', 'gs', 'g'],
  ['XPENDING', 'gs', 'nog'],
  ['XPENDING', 'nokey', 'g'],
  ['XPENDING', 'str', 'g'],
  ['XPENDING', 'gs', 'g', '-'],
  ['XPENDING', 'gs', 'g', '-', '+'],
  ['XPENDING', 'gs', 'g', '-', '+', 'x'],
  ['XPENDING', 'gs', 'g', 'x', '+', '10'],
  ['XPENDING', 'gs', 'g', 'IDLE', 'x', '-', '+', '10'],
  ['XPENDING', 'gs', 'g', 'IDLE', '10', '-', '+'],
  ['XPENDING', 'gs', 'g', '-', '+', '10', 'nobody'],
  ['XPENDING', 'gs', 'g', '-', '+', '0'],
  ['XPENDING', 'gs', 'g', '(1-0', `(${MAX}-${MAX}`, '10', 'nobody'],
  ['XPENDING', 'gs', 'g', `(${MAX}-${MAX}`, '+', '10'],
  ['XPENDING', 'gs', 'g', '-', '(0-0', '10'],
  ['XPENDING', 'gs', 'g', '-', '+', '10', 'a', 'b', 'c'],
  ['XCLAIM', 'gs', 'g', 'carol', '0', '1-0', 'JUSTID'],
  ['XCLAIM', 'gs', 'g', 'carol', '0', '1-0', '2-0', 'TIME', '1000', 'RETRYCOUNT', '7'],
  ['XCLAIM', 'gs', 'g', 'carol', '0', '4-0', 'TIME', '1000'],
  ['XCLAIM', 'gs', 'g', 'carol', '0', '4-0', 'TIME', '1000', 'FORCE'],
  ['XCLAIM', 'gs', 'g', 'carol', '0', '9-0', 'FORCE'],
  ['XCLAIM', 'gs', 'g', 'carol', '0', '2-0', 'FOO'],
  ['XCLAIM', 'gs', 'g', 'carol', 'x', '2-0'],
  ['XCLAIM', 'gs', 'g', 'carol', '0', '2-0', 'IDLE', 'x'],
  ['XCLAIM', 'gs', 'g', 'carol', '0', '2-0', 'TIME', 'x'],
  ['XCLAIM', 'gs', 'g', 'carol', '0', '2-0', 'RETRYCOUNT', 'x'],
  ['XCLAIM', 'gs', 'g', 'carol', '0', '2-0', 'LASTID', 'x'],
  ['XCLAIM', 'gs', 'g', 'carol', '0', '2-0', 'LASTID', '10-0', 'JUSTID', 'TIME', '1000'],
  ['XINFO', 'GROUPS', 'gs'],
  ['XCLAIM', 'gs', 'nog', 'carol', '0', '2-0'],
  ['XCLAIM', 'nokey', 'g', 'carol', '0', '2-0'],
  ['XCLAIM', 'str', 'g', 'carol', '0', '2-0'],
  ['XCLAIM', 'gs', 'g', 'dave', '100000000', '1-0', '2-0', '3-0', 'TIME', '1000'],
  ['XCLAIM', 'gs', 'g', 'erin', '100000000', '1-0', '2-0', '3-0', '4-0', 'JUSTID'],
  ['XPENDING', 'gs', 'g'],
  ['XDEL', 'gs', '2-0'],
  ['XCLAIM', 'gs', 'g', 'frank', '0', '2-0', '3-0', 'TIME', '1000'],
  ['XPENDING', 'gs', 'g'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', '0', '0', 'COUNT', '1', 'JUSTID'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', '0', '0', 'COUNT', '0'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', '0', '0', 'COUNT', 'x'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', '0', '0', 'COUNT', '576460752303423488'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', '0', '0', 'COUNT', '576460752303423487'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', '0', '0', 'FOO'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', 'x', '0'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', '0', 'x'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', '0', `(${MAX}-${MAX}`],
  ['XAUTOCLAIM', 'gs', 'nog', 'zed', '0', '0'],
  ['XAUTOCLAIM', 'nokey', 'nog', 'zed', '0', '0'],
  ['XAUTOCLAIM', 'str', 'nog', 'zed', '0', '0'],
  ['XADD', 'gs', '5-0', 'e', '5'],
  ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'gs', '>'],
  ['XDEL', 'gs', '3-0'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', '0', '0', 'COUNT', '2'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', '0', '0'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', '100000000', '0'],
  ['XAUTOCLAIM', 'gs', 'g', 'zed', '0', '(4-0', 'JUSTID'],
  ['XPENDING', 'gs', 'g'],
  ['XINFO', 'GROUPS', 'gs'],
  ['XGROUP', 'SETID', 'gs', 'g', '0'],
  ['XINFO', 'GROUPS', 'gs'],
  ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 'gs', '>'],
  ['XPENDING', 'gs', 'g'],
  ['XINFO', 'GROUPS', 'gs'],
  ['XGROUP', 'DELCONSUMER', 'gs', 'g', 'bob'],
  ['XPENDING', 'gs', 'g'],
  ['XGROUP', 'CREATE', 'gs', 'late', '0', 'ENTRIESREAD', '1'],
  ['XINFO', 'GROUPS', 'gs'],
  ['XADD', 'gk', '1-0', 'a', '1'],
  ['XGROUP', 'CREATE', 'gk', 'g', '$'],
  ['XINFO', 'GROUPS', 'gk'],
  ['XADD', 'gk', '2-0', 'a', '1'],
  ['XINFO', 'GROUPS', 'gk'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'gk', '>'],
  ['XINFO', 'GROUPS', 'gk'],
  ['XGROUP', 'SETID', 'gk', 'g', '0'],
  ['XINFO', 'GROUPS', 'gk'],
  ['XGROUP', 'SETID', 'gk', 'g', '1-0', 'ENTRIESREAD', '1'],
  ['XINFO', 'GROUPS', 'gk'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'gk', '>'],
  ['XINFO', 'GROUPS', 'gk'],
];

describe('targeted scripts', () => {
  for (const resp of [2, 3] as const) {
    it(`basics RESP${resp}`, async () => {
      await runScript(resp === 2 ? p2 : p3, basics);
    });
    it(`reads and groups RESP${resp}`, async () => {
      const p = resp === 2 ? p2 : p3;
      await runScript(p, readScript);
      await runScript(p, groupScript);
    });
  }

  it('cached entry replies stay right after deletes, trims, copies and appends', async () => {
    // Entries cache their RESP form on first read (stream-reply.ts): every later read must still
    // honour XDEL tombstones, trimming, COPY copies and later appends.
    const binary = 'b\x00\xff\r\n';
    const steps: string[][] = [['DEL', 'cs', 'cs2']];
    for (let i = 1; i <= 30; i++) steps.push(['XADD', 'cs', `${i}-1`, 'f', `v${i}`, binary, `${i}`.repeat(i % 7)]);
    const reads: string[][] = [
      ['XRANGE', 'cs', '-', '+'],
      ['XREVRANGE', 'cs', '+', '-', 'COUNT', '7'],
      ['XRANGE', 'cs', '5', '12'],
      ['XREAD', 'COUNT', '4', 'STREAMS', 'cs', '3-0'],
    ];
    steps.push(...reads, ['XDEL', 'cs', '2-1', '6-1', '7-1'], ...reads, ['XTRIM', 'cs', 'MAXLEN', '20'], ...reads);
    steps.push(['COPY', 'cs', 'cs2'], ['XDEL', 'cs2', '15-1'], ['XRANGE', 'cs2', '-', '+'], ['XRANGE', 'cs', '14', '16']);
    steps.push(['XADD', 'cs', '40-1', 'x', 'y'], ...reads, ['XRANGE', 'cs2', '-', '+']);
    for (const p of [p2, p3]) await runScript(p, steps);
  });

  it('sealed nodes: ranges over tombstones, reloads, a sealed node that becomes the tail again', async () => {
    // Nodes before the tail keep their entries as one string (stream-struct.ts): forward ranges
    // are substrings split at tombstones, end IDs and counts; appends to such a node re-split it.
    const reads: string[][] = [
      ['XRANGE', 'sn', '-', '+'],
      ['XREVRANGE', 'sn', '+', '-', 'COUNT', '9'],
      ['XREAD', 'COUNT', '7', 'STREAMS', 'sn', '4-0'],
      ['XINFO', 'STREAM', 'sn'],
      ['XINFO', 'STREAM', 'sn', 'FULL', 'COUNT', '50'],
    ];
    for (const start of ['-', '1', '3-1', '5', '(5-1', '6', '9-1', '12', '17', '23-1', '31'])
      for (const end of ['+', '5-1', '8', '(12-1', '16', '30-0']) for (const count of [null, '1', '2', '4', '6', '13']) reads.push(['XRANGE', 'sn', start, end, ...(count ? ['COUNT', count] : [])]);
    const steps: string[][] = [['DEL', 'sn'], ['CONFIG', 'SET', 'stream-node-max-entries', '5']];
    for (let i = 1; i <= 32; i++) steps.push(['XADD', 'sn', `${i}-1`, ...(i % 4 === 0 ? ['other', `o${i}`] : ['f', `v${i}`, 'g', 'x\r\n'.repeat(i % 3)])]);
    steps.push(...reads);
    steps.push(['XDEL', 'sn', '6-1', '10-1', '12-1', '13-1', '16-1', '17-1', '18-1', '19-1', '20-1', '23-1'], ...reads);
    steps.push(['DEBUG', 'RELOAD'], ...reads);
    // The last node (31-1, 32-1) goes: the sealed 26..30 node is the tail again and, with room, gets appends.
    steps.push(['XDEL', 'sn', '31-1', '32-1'], ['CONFIG', 'SET', 'stream-node-max-entries', '8'], ['XADD', 'sn', '40-1', 'f', 'new', 'g', '']);
    steps.push(['XADD', 'sn', '41-1', 'z', 'zz'], ...reads, ['DEBUG', 'RELOAD'], ['XADD', 'sn', '42-1', 'f', 'a', 'g', 'b'], ...reads);
    try {
      for (const p of [p2, p3]) {
        for (const step of steps) {
          if (step[0] !== 'DEBUG') {
            await p.run(step);
            continue;
          }
          // The reference server runs without enable-debug-command: eddy reloads alone (RDB round trip).
          p.eddy.send(...step);
          expect(await p.eddy.read()).toBe('+OK\r\n');
        }
      }
    } finally {
      await p2.run(['CONFIG', 'SET', 'stream-node-max-entries', '100']);
    }
  }, 30000);

  it('auto IDs and trimming rewrites', async () => {
    await runScript(p2, [
      ['DEL', 'a'],
      ['AUTO', 'XADD', 'a', '*', 'f', 'v'],
      ['AUTO', 'XADD', 'a', 'MAXLEN', '~', '1', '*', 'f', 'v'],
      ['AUTO', 'XADD', 'a', 'NOMKSTREAM', 'MINID', '~', '0', 'LIMIT', '5', '*', 'f', 'v'],
      ['XLEN', 'a'],
      ['AUTO', 'XADD', 'a', 'MAXLEN', '1', '*', 'f', 'v'],
      ['XLEN', 'a'],
    ]);
  });

  it('WATCH: entry writes invalidate, group-only changes do not (as 7.0)', async () => {
    const steps: string[][] = [];
    for (const cmd of [
      ['XADD', 'w', '9-0', 'a', '1'],
      ['XGROUP', 'CREATE', 'w', 'g2', '0'],
      ['XGROUP', 'CREATECONSUMER', 'w', 'g', 'c'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'w', '>'],
      ['XACK', 'w', 'g', '1-0'],
      ['XSETID', 'w', '20-0'],
      ['XDEL', 'w', '1-0'],
      ['XTRIM', 'w', 'MAXLEN', '0'],
    ]) {
      steps.push(['DEL', 'w'], ['XADD', 'w', '1-0', 'a', '1'], ['XGROUP', 'CREATE', 'w', 'g', '0'], ['WATCH', 'w']);
      steps.push(cmd, ['MULTI'], ['PING'], ['EXEC']);
    }
    await runScript(p2, steps);
  });
});

/** XINFO STREAM must match exactly: length, radix-tree-keys and -nodes, IDs, first/last entry. */
async function sameInfo(p: DiffPair, key: string): Promise<void> {
  await p.run(['XINFO', 'STREAM', key]);
}

function fieldValue(rng: Rng): string {
  switch (rng.int(0, 6)) {
    case 0:
      return String(rng.int(0, 200));
    case 1:
      return String(rng.int(-100000, 100000000));
    case 2:
      return 'x'.repeat(rng.int(0, 70));
    case 3:
      return 'y'.repeat(rng.int(60, 300));
    case 4:
      return rng.bool(0.1) ? 'z'.repeat(rng.int(4000, 5000)) : 'w'.repeat(rng.int(1, 20));
    case 5:
      return '-' + rng.int(0, 99999999999);
    default:
      return String(rng.int(0, 9999999999999)) + (rng.bool() ? '' : 'q');
  }
}

describe('macro nodes: approximate trimming', () => {
  const configs: [string, string][] = [
    ['100', '4096'],
    ['10', '4096'],
    ['100', '300'],
    ['0', '1000'],
    ['7', '0'],
    ['9223372036854775807', '2000'],
  ];
  for (const [entries, bytes] of configs) {
    it(`node-max-entries ${entries}, node-max-bytes ${bytes}`, async () => {
      const p = p2;
      await p.run(['CONFIG', 'SET', 'stream-node-max-entries', entries, 'stream-node-max-bytes', bytes]);
      try {
        const rng = new Rng((Number(entries) % 100000) * 7919 + Number(bytes));
        await p.run(['DEL', 'ns']);
        let ms = 1;
        for (let i = 0; i < 1500; i++) {
          ms += rng.int(0, 3);
          const nf = rng.int(1, 4);
          const sameFields = rng.bool(0.6);
          const argv = ['XADD', 'ns', `${ms}-${i}`];
          for (let f = 0; f < nf; f++) argv.push(sameFields ? `f${f}` : fieldValue(rng), fieldValue(rng));
          if (rng.bool(0.05)) argv.splice(2, 0, 'MAXLEN', '~', String(rng.int(100, 1400)));
          await p.run(argv);
          if (rng.bool(0.03)) await p.run(['XDEL', 'ns', `${ms}-${rng.int(Math.max(0, i - 50), i)}`]);
          if (i % 100 === 99) await sameInfo(p, 'ns');
        }
        await sameInfo(p, 'ns');
        for (let k = 0; k < 40; k++) {
          const r = rng.int(0, 5);
          if (r === 0) await p.run(['XTRIM', 'ns', 'MAXLEN', '~', String(rng.int(0, 1500))]);
          else if (r === 1) await p.run(['XTRIM', 'ns', 'MINID', '~', `${rng.int(0, 4000)}-0`]);
          else if (r === 2) await p.run(['XTRIM', 'ns', 'MAXLEN', '~', String(rng.int(0, 1500)), 'LIMIT', String(rng.int(0, 300))]);
          else if (r === 3) await p.run(['XTRIM', 'ns', 'MINID', String(rng.int(0, 4000))]);
          else if (r === 4) await p.run(['XTRIM', 'ns', 'MAXLEN', String(rng.int(0, 1500))]);
          else await p.run(['XADD', 'ns', 'MINID', '~', `${rng.int(0, 4000)}`, 'LIMIT', '50', `${ms + k + 1}-0`, 'f0', fieldValue(rng)]);
          await p.run(['XLEN', 'ns']);
          await sameInfo(p, 'ns');
          await p.run(['XRANGE', 'ns', '-', '+', 'COUNT', '3']);
          await p.run(['XREVRANGE', 'ns', '+', '-', 'COUNT', '3']);
        }
      } finally {
        await p.run(['CONFIG', 'SET', 'stream-node-max-entries', '100', 'stream-node-max-bytes', '4096']);
      }
    }, 60000);
  }
});

/** Wall-clock values masked: numbers that are timestamps, and the values after 'idle'. */
function maskTimes(v: RVal): RVal {
  if (!Array.isArray(v)) return typeof v === 'number' && v > 1e12 ? 'T' : v;
  return v.map((x, i) => (i > 0 && v[i - 1] === 'idle' ? 'I' : maskTimes(x)));
}

describe('macro nodes: radix tree shape', () => {
  it('radix-tree-keys/-nodes after adds across ID magnitudes and deletions of whole nodes', async () => {
    const p = p3;
    await p.run(['CONFIG', 'SET', 'stream-node-max-entries', '3']);
    try {
      for (const seed of [1, 2, 3]) {
        const rng = new Rng(seed);
        await p.run(['DEL', 'rt']);
        let ms = 0n;
        const ids: string[] = [];
        for (let i = 0; i < 300; i++) {
          const jump = rng.pick([0n, 1n, 255n, 256n, 65536n, 16777216n, 4294967296n, 1099511627776n, 281474976710656n, 72057594037927936n]);
          ms += jump + BigInt(rng.int(0, 3));
          if (ms > 18446744073709551000n) break;
          const id = `${ms}-${rng.pick([0, 1, 255, 256, 65535, 16777216])}`;
          const r = await p.run(['XADD', 'rt', id, 'f', String(i)]);
          if (r[0] !== '-') ids.push(id);
          if (rng.bool(0.3) && ids.length) await p.run(['XDEL', 'rt', rng.pick(ids)]);
          if (i % 10 === 0) await p.run(['XINFO', 'STREAM', 'rt']);
        }
        await p.run(['XINFO', 'STREAM', 'rt']);
        for (let k = 0; k < 40 && ids.length; k++) {
          await p.run(['XDEL', 'rt', ...ids.splice(rng.int(0, ids.length - 1), 3)]);
          await p.run(['XINFO', 'STREAM', 'rt']);
        }
      }
    } finally {
      await p.run(['CONFIG', 'SET', 'stream-node-max-entries', '100']);
    }
  }, 30000);
});

/** XPENDING's extended form with the elapsed-time column masked (times are not deterministic). */
function maskPending(v: RVal): string {
  if (!Array.isArray(v)) return JSON.stringify(v);
  return JSON.stringify(v.map((e) => (Array.isArray(e) && e.length === 4 && typeof e[2] === 'number' ? [e[0], e[1], 0, e[3]] : e)));
}

describe('seeded random sequences', () => {
  for (const seed of seeds([11, 22, 33])) {
    it(`seed ${seed}`, async () => {
      const rng = new Rng(seed);
      const p = seed % 2 ? p2 : p3;
      const keys = ['r1', 'r2'];
      const groups = ['ga', 'gb'];
      const consumers = ['c1', 'c2', 'c3'];
      await p.run(['DEL', ...keys]);
      const next: Record<string, number> = { r1: 1, r2: 1 };
      const id = (k: string): string => `${rng.int(0, next[k] + 2)}-${rng.int(0, 3)}`;
      for (let step = 0; step < 2200; step++) {
        const k = rng.pick(keys);
        const g = rng.pick(groups);
        const c = rng.pick(consumers);
        const r = rng.int(0, 99);
        let argv: string[];
        if (r < 25) {
          next[k] += rng.int(0, 2);
          argv = ['XADD', k, rng.bool(0.8) ? `${next[k]}-${rng.int(0, 2)}` : `${next[k]}-*`, 'f', String(step)];
          if (rng.bool(0.1)) argv.splice(2, 0, 'MAXLEN', rng.pick(['~', '=']), String(rng.int(0, 30)));
        } else if (r < 30) argv = ['XDEL', k, id(k), id(k)];
        else if (r < 33) argv = ['XTRIM', k, rng.pick(['MAXLEN', 'MINID']), rng.pick(['~', '=']), rng.bool() ? String(rng.int(0, 30)) : id(k)];
        else if (r < 40) argv = ['XRANGE', k, rng.bool() ? '-' : id(k), rng.bool() ? '+' : id(k), 'COUNT', String(rng.int(0, 5))];
        else if (r < 44) argv = ['XREVRANGE', k, rng.bool() ? '+' : id(k), rng.bool() ? '-' : '(' + id(k)];
        else if (r < 46) argv = ['XLEN', k];
        else if (r < 50) argv = ['XGROUP', 'CREATE', k, g, rng.bool() ? '$' : id(k), ...(rng.bool(0.3) ? ['MKSTREAM'] : [])];
        else if (r < 52) argv = ['XGROUP', 'SETID', k, g, rng.bool() ? '$' : id(k), ...(rng.bool(0.3) ? ['ENTRIESREAD', String(rng.int(-1, 20))] : [])];
        else if (r < 53) argv = ['XGROUP', rng.pick(['DESTROY', 'DESTROY']), k, g];
        else if (r < 55) argv = ['XGROUP', rng.pick(['CREATECONSUMER', 'DELCONSUMER']), k, g, c];
        else if (r < 68) {
          argv = ['XREADGROUP', 'GROUP', g, c, 'COUNT', String(rng.int(0, 4))];
          if (rng.bool(0.15)) argv.push('NOACK');
          argv.push('STREAMS', k, rng.bool(0.8) ? '>' : id(k));
        } else if (r < 76) argv = ['XACK', k, g, id(k), id(k)];
        else if (r < 82) argv = ['XPENDING', k, g, ...(rng.bool() ? ['-', '+', String(rng.int(0, 10)), ...(rng.bool() ? [c] : [])] : [])];
        else if (r < 88) {
          argv = ['XCLAIM', k, g, c, rng.pick(['0', '100000000']), id(k), id(k), 'TIME', '1000'];
          if (rng.bool(0.3)) argv.push('JUSTID');
          if (rng.bool(0.2)) argv.push('FORCE');
          if (rng.bool(0.2)) argv.push('RETRYCOUNT', String(rng.int(0, 5)));
        } else if (r < 92) argv = ['XINFO', 'GROUPS', k];
        else if (r < 95) argv = ['XAUTOCLAIM', k, g, c, rng.pick(['0', '100000000']), id(k), 'COUNT', String(rng.int(1, 5)), ...(rng.bool() ? ['JUSTID'] : [])];
        else if (r < 96) argv = ['XINFO', 'STREAM', k];
        else if (r < 97) argv = rng.bool() ? ['XINFO', 'STREAM', k, 'FULL', 'COUNT', String(rng.int(0, 3))] : ['XINFO', 'CONSUMERS', k, g];
        else if (r < 98) argv = ['XREAD', 'COUNT', String(rng.int(1, 3)), 'STREAMS', k, id(k)];
        else {
          next[k] += rng.int(0, 3);
          argv = ['XSETID', k, `${next[k]}-${rng.int(0, 3)}`];
          if (rng.bool(0.4)) argv.push('ENTRIESADDED', String(rng.int(0, 400)));
          if (rng.bool(0.4)) argv.push('MAXDELETEDID', id(k));
        }
        if (argv[0] === 'XINFO' && (argv.length > 3 || argv[1] === 'CONSUMERS')) {
          const [e, rr] = await both(p, argv);
          if (JSON.stringify(maskTimes(parseReply(e))) !== JSON.stringify(maskTimes(parseReply(rr)))) throw mismatch(p, `${JSON.stringify(argv)}`, e, rr);
        } else if (argv[0] === 'XPENDING' && argv.length > 3) {
          const [e, rr] = await both(p, argv);
          if (maskPending(parseReply(e)) !== maskPending(parseReply(rr))) throw mismatch(p, `XPENDING ${JSON.stringify(argv)}`, e, rr);
        } else {
          await p.run(argv);
        }
      }
    }, 60000);
  }
});

describe('blocking XREAD / XREADGROUP across connections', () => {
  it('XREAD BLOCK with $ is served by a later XADD, FIFO, single key, default count', async () => {
    const a = await d.connect(2);
    const b = await d.connect(3);
    const w = p2;
    await w.run(['DEL', 'bs', 'bs2']);
    await w.run(['XADD', 'bs', '1-0', 'old', '1']);
    a.eddy.send('XREAD', 'BLOCK', '0', 'STREAMS', 'bs', 'bs2', '$', '$');
    a.redis.send('XREAD', 'BLOCK', '0', 'STREAMS', 'bs', 'bs2', '$', '$');
    await new Promise((r) => setTimeout(r, 50));
    b.eddy.send('XREAD', 'BLOCK', '0', 'COUNT', '1', 'STREAMS', 'bs2', 'bs', '0', '1-0');
    b.redis.send('XREAD', 'BLOCK', '0', 'COUNT', '1', 'STREAMS', 'bs2', 'bs', '0', '1-0');
    await new Promise((r) => setTimeout(r, 50));
    await w.run(['MULTI']);
    await w.run(['XADD', 'bs2', '5-0', 'x', '1']);
    await w.run(['XADD', 'bs', '5-0', 'y', '1']);
    await w.run(['XADD', 'bs', '6-0', 'y', '2']);
    await w.run(['EXEC']);
    await a.readBoth('first blocked client');
    await b.readBoth('second blocked client');
    a.close();
    b.close();
  });

  it('XREAD BLOCK times out with a null reply; BLOCK inside MULTI does not block', async () => {
    const a = await d.connect(3);
    await a.run(['XREAD', 'BLOCK', '30', 'STREAMS', 'nokey-t', '$']);
    await a.run(['MULTI']);
    await a.run(['XREAD', 'BLOCK', '0', 'STREAMS', 'nokey-t', '$']);
    await a.run(['EXEC']);
    a.close();
  });

  it('XREADGROUP BLOCK: consumers served in order, each gets new entries once; DESTROY unblocks with NOGROUP', async () => {
    const c1 = await d.connect(2);
    const c2 = await d.connect(2);
    const c3 = await d.connect(3);
    const w = p2;
    await w.run(['DEL', 'gb']);
    await w.run(['XGROUP', 'CREATE', 'gb', 'g', '$', 'MKSTREAM']);
    for (const [p, name] of [
      [c1, 'one'],
      [c2, 'two'],
    ] as const) {
      p.eddy.send('XREADGROUP', 'GROUP', 'g', name, 'BLOCK', '0', 'STREAMS', 'gb', '>');
      p.redis.send('XREADGROUP', 'GROUP', 'g', name, 'BLOCK', '0', 'STREAMS', 'gb', '>');
      await new Promise((r) => setTimeout(r, 30));
    }
    c3.eddy.send('XREADGROUP', 'GROUP', 'g', 'three', 'NOACK', 'BLOCK', '0', 'STREAMS', 'gb', '>');
    c3.redis.send('XREADGROUP', 'GROUP', 'g', 'three', 'NOACK', 'BLOCK', '0', 'STREAMS', 'gb', '>');
    await new Promise((r) => setTimeout(r, 30));
    await w.run(['XADD', 'gb', '1-0', 'a', '1']);
    await c1.readBoth('first consumer');
    await w.run(['XADD', 'gb', '2-0', 'a', '2']);
    await c2.readBoth('second consumer');
    await w.run(['XPENDING', 'gb', 'g']);
    await w.run(['XINFO', 'GROUPS', 'gb']);
    // Two entries in one transaction: the longest waiter (three, NOACK) takes both, the others
    // keep waiting in FIFO order.
    for (const [p, name] of [
      [c1, 'one'],
      [c2, 'two'],
    ] as const) {
      p.eddy.send('XREADGROUP', 'GROUP', 'g', name, 'BLOCK', '0', 'STREAMS', 'gb', '>');
      p.redis.send('XREADGROUP', 'GROUP', 'g', name, 'BLOCK', '0', 'STREAMS', 'gb', '>');
      await new Promise((r) => setTimeout(r, 30));
    }
    await w.run(['MULTI']);
    await w.run(['XADD', 'gb', '3-0', 'a', '3']);
    await w.run(['XADD', 'gb', '4-0', 'a', '4']);
    await w.run(['EXEC']);
    await c3.readBoth('the longest waiter takes both');
    await w.run(['XADD', 'gb', '5-0', 'a', '5']);
    await c1.readBoth('the next waiter gets the next entry');
    await w.run(['XPENDING', 'gb', 'g']);
    await w.run(['XINFO', 'GROUPS', 'gb']);
    await w.run(['XGROUP', 'DESTROY', 'gb', 'g']);
    await c2.readBoth('NOGROUP after destroy');
    c1.close();
    c2.close();
    c3.close();
  });
});

describe('blocked XREADGROUP when the stream goes away', () => {
  for (const [what, kill] of [
    ['DEL', [['DEL', 'gone']]],
    ['SET over it', [['SET', 'gone', 'x']]],
    ['RENAME away', [['RENAME', 'gone', 'elsewhere']]],
    ['FLUSHDB', [['FLUSHDB']]],
    ['MULTI DEL + XADD', [['MULTI'], ['DEL', 'gone'], ['XADD', 'gone', '1-0', 'f', 'v'], ['EXEC']]],
  ] as [string, string[][]][]) {
    it(`${what}: XREADGROUP waiters get -UNBLOCKED, XREAD waiters keep waiting`, async () => {
      const g = await d.connect(2);
      const x = await d.connect(3);
      const w = p2;
      await w.run(['DEL', 'gone', 'elsewhere']);
      await w.run(['XGROUP', 'CREATE', 'gone', 'g', '$', 'MKSTREAM']);
      for (const p of [g, x]) {
        const argv =
          p === g ? ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'gone', '>'] : ['XREAD', 'BLOCK', '300', 'STREAMS', 'gone', '$'];
        p.eddy.send(...argv);
        p.redis.send(...argv);
      }
      await new Promise((r) => setTimeout(r, 50));
      for (const argv of kill) await w.run(argv);
      await g.readBoth('XREADGROUP waiter');
      await x.readBoth('XREAD waiter (served or timed out)');
      g.close();
      x.close();
    });
  }
});

describe('keyspace events', () => {
  it('stream commands notify like Redis', async () => {
    await compareKeyspaceEvents(d, p2, [
      ['DEL', 'ev'],
      ['XADD', 'ev', '1-0', 'a', '1'],
      ['XADD', 'ev', 'MAXLEN', '1', '2-0', 'a', '1'],
      ['XADD', 'ev', 'MAXLEN', '~', '1', '3-0', 'a', '1'],
      ['XDEL', 'ev', '3-0', '9-0'],
      ['XDEL', 'ev', '9-0'],
      ['XTRIM', 'ev', 'MAXLEN', '0'],
      ['XTRIM', 'ev', 'MAXLEN', '0'],
      ['XGROUP', 'CREATE', 'ev', 'g', '0'],
      ['XGROUP', 'CREATE', 'ev2', 'g', '0', 'MKSTREAM'],
      ['XGROUP', 'CREATECONSUMER', 'ev', 'g', 'c'],
      ['XGROUP', 'SETID', 'ev', 'g', '0'],
      ['XADD', 'ev', '5-0', 'a', '1'],
      ['XREADGROUP', 'GROUP', 'g', 'newc', 'STREAMS', 'ev', '>'],
      ['XCLAIM', 'ev', 'g', 'other', '0', '5-0'],
      ['XAUTOCLAIM', 'ev', 'g', 'third', '0', '0'],
      ['XACK', 'ev', 'g', '5-0'],
      ['XGROUP', 'DELCONSUMER', 'ev', 'g', 'c'],
      ['XGROUP', 'DESTROY', 'ev', 'g'],
      ['XSETID', 'ev', '10-0'],
      ['DEL', 'ev', 'ev2'],
    ]);
  });
});

describe('propagation (in-process)', () => {
  it('XADD, XTRIM, XREADGROUP, XCLAIM, XAUTOCLAIM propagate what Redis propagates', () => {
    const run = propagationRunner();
    const auto = run('XADD', 's', '*', 'f', 'v');
    expect(auto.length).toBe(1);
    expect(auto[0][0]).toBe('XADD');
    expect(auto[0][2]).toMatch(/^\d+-0$/);
    expect(run('XADD', 's', '99999999999999-*', 'f', 'v')).toEqual([['XADD', 's', '99999999999999-0', 'f', 'v']]);
    expect(run('XADD', 's', '99999999999999-*', 'f', 'v')).toEqual([['XADD', 's', '99999999999999-1', 'f', 'v']]);
    expect(run('XADD', 's', '99999999999999', 'f', 'v')).toEqual([]);
    expect(run('XADD', 's', '100000000000000', 'f', 'v')).toEqual([['XADD', 's', '100000000000000', 'f', 'v']]);
    expect(run('XADD', 's', 'MAXLEN', '~', '1', '100000000000001-0', 'f', 'v')).toEqual([['XADD', 's', 'MAXLEN', '=', '5', '100000000000001-0', 'f', 'v']]);
    expect(run('XTRIM', 's', 'MINID', '~', '100000000000001')).toEqual([]);
    expect(run('XTRIM', 's', 'MINID', '100000000000001')).toEqual([['XTRIM', 's', 'MINID', '100000000000001']]);
    for (let i = 0; i < 250; i++) run('XADD', 't', `${i + 1}-0`, 'f', 'v');
    expect(run('XTRIM', 't', 'MAXLEN', '~', '120')).toEqual([['XTRIM', 't', 'MAXLEN', '=', '150']]);
    expect(run('XTRIM', 't', 'MINID', '~', '180', 'LIMIT', '1000')).toEqual([]);
    expect(run('XTRIM', 't', 'MINID', '~', '201', 'LIMIT', '1000')).toEqual([['XTRIM', 't', 'MINID', '=', '201-0', 'LIMIT', '1000']]);
    run('XGROUP', 'CREATE', 't', 'g', '0');
    const rg = run('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', 't', '>');
    expect(rg.map((a) => a.filter((_, i) => i !== 7))).toEqual([
      ['MULTI'],
      ['XCLAIM', 't', 'g', 'c', '0', '201-0', 'TIME', 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '201-0'],
      ['XCLAIM', 't', 'g', 'c', '0', '202-0', 'TIME', 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '202-0'],
      ['EXEC'],
    ]);
    expect(run('XREADGROUP', 'GROUP', 'g', 'n', 'NOACK', 'COUNT', '2', 'STREAMS', 't', '>')).toEqual([
      ['MULTI'],
      ['XGROUP', 'CREATECONSUMER', 't', 'g', 'n'],
      ['XGROUP', 'SETID', 't', 'g', '204-0', 'ENTRIESREAD', '204'],
      ['EXEC'],
    ]);
    expect(run('XCLAIM', 't', 'g', 'd', '0', '201', 'TIME', '1000')).toEqual([
      ['XCLAIM', 't', 'g', 'd', '0', '201', 'TIME', '1000', 'RETRYCOUNT', '2', 'FORCE', 'JUSTID', 'LASTID', '204-0'],
    ]);
    expect(run('XCLAIM', 't', 'g', 'd', '0', '999-0', 'LASTID', '300-0')).toEqual([['XGROUP', 'SETID', 't', 'g', '300-0', 'ENTRIESREAD', '204']]);
    expect(run('XACK', 't', 'g', '202-0')).toEqual([['XACK', 't', 'g', '202-0']]);
    run('XDEL', 't', '201-0');
    expect(run('XAUTOCLAIM', 't', 'g', 'e', '0', '0')).toEqual([
      ['XCLAIM', 't', 'g', 'd', '0', '201-0', 'TIME', '1000', 'RETRYCOUNT', '2', 'FORCE', 'JUSTID', 'LASTID', '300-0'],
    ]);
    expect(run('XREAD', 'STREAMS', 't', '0')).toEqual([]);
  });
});

describe('blocked XREADGROUP served later (in-process)', () => {
  it('propagates the XCLAIMs of the served entries after the XADD, and XGROUP DESTROY fails the waiter with NOGROUP', async () => {
    const { Server } = await import('../src/server/server.js');
    const { Config } = await import('../src/server/config.js');
    const { processCommand } = await import('../src/server/dispatch.js');
    const server = new Server(new Config());
    const log: string[][] = [];
    server.propagators.push((_db, argv) => log.push(argv));
    const a = server.createClient(null);
    const b = server.createClient(null);
    const w = server.createClient(null);
    // Served replies are flushed (and cleared) right away: record what each client is sent.
    const sent = new Map<unknown, string>();
    for (const cl of [a, b]) {
      const add = cl.add.bind(cl);
      sent.set(cl, '');
      cl.add = (x: string) => {
        sent.set(cl, sent.get(cl) + x);
        add(x);
      };
    }
    processCommand(server, w, ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    processCommand(server, a, ['XREADGROUP', 'GROUP', 'g', 'ca', 'BLOCK', '0', 'STREAMS', 's', '>']);
    processCommand(server, b, ['XREADGROUP', 'GROUP', 'g', 'cb', 'NOACK', 'BLOCK', '0', 'STREAMS', 's', '>']);
    expect(sent.get(a)).toBe('');
    log.length = 0;
    processCommand(server, w, ['XADD', 's', '1-0', 'f', 'v']);
    expect(sent.get(a)).toBe('*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
    expect(sent.get(b)).toBe('');
    expect(log.map((x) => (x[0] === 'XCLAIM' ? x.filter((_, i) => i !== 7) : x))).toEqual([
      ['XADD', 's', '1-0', 'f', 'v'],
      ['XCLAIM', 's', 'g', 'ca', '0', '1-0', 'TIME', 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '1-0'],
    ]);
    log.length = 0;
    processCommand(server, w, ['XADD', 's', '2-0', 'f', 'w']);
    expect(sent.get(b)).toContain('2-0');
    expect(log).toEqual([
      ['XADD', 's', '2-0', 'f', 'w'],
      ['MULTI'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'cb'],
      ['XGROUP', 'SETID', 's', 'g', '2-0', 'ENTRIESREAD', '2'],
      ['EXEC'],
    ]);
    sent.set(a, '');
    processCommand(server, a, ['XREADGROUP', 'GROUP', 'g', 'ca', 'BLOCK', '0', 'STREAMS', 's', '>']);
    expect(sent.get(a)).toBe('');
    processCommand(server, w, ['XGROUP', 'DESTROY', 's', 'g']);
    expect(sent.get(a)).toBe('-NOGROUP the consumer group this client was blocked on no longer exists\r\n');
  });
});

describe('dirty counter (rdb_changes_since_last_save)', () => {
  it('each stream command changes server.dirty by what Redis counts', async () => {
    const p = p2;
    const dirty = async (c: typeof p.eddy): Promise<number> =>
      Number(/rdb_changes_since_last_save:(\d+)/.exec(String(parseReply(await c.call('INFO', 'persistence'))))![1]);
    await p.run(['DEL', 'dz']);
    for (const argv of [
      ['XADD', 'dz', '1-0', 'a', '1'],
      ['XADD', 'dz', '2-0', 'a', '1'],
      ['XADD', 'dz', 'MAXLEN', '1', '3-0', 'a', '1'],
      ['XADD', 'dz', '4-0', 'a', '1'],
      ['XADD', 'dz', '5-0', 'a', '1'],
      ['XDEL', 'dz', '4-0', '5-0', '9-0'],
      ['XADD', 'dz', '6-0', 'a', '1'],
      ['XADD', 'dz', '7-0', 'a', '1'],
      ['XTRIM', 'dz', 'MAXLEN', '1'],
      ['XGROUP', 'CREATE', 'dz', 'g', '0'],
      ['XGROUP', 'CREATE', 'dz2', 'g', '0', 'MKSTREAM'],
      ['XGROUP', 'SETID', 'dz', 'g', '0'],
      ['XGROUP', 'CREATECONSUMER', 'dz', 'g', 'c'],
      ['XGROUP', 'CREATECONSUMER', 'dz', 'g', 'c'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'dz', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'new', 'STREAMS', 'dz', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'dz', '>'],
      ['XCLAIM', 'dz', 'g', 'd', '0', '7-0', '8-0'],
      ['XAUTOCLAIM', 'dz', 'g', 'e', '0', '0'],
      ['XACK', 'dz', 'g', '7-0', '7-0'],
      ['XGROUP', 'DELCONSUMER', 'dz', 'g', 'c'],
      ['XGROUP', 'DESTROY', 'dz', 'g'],
      ['XSETID', 'dz', '10-0'],
      ['XLEN', 'dz'],
      ['DEL', 'dz', 'dz2'],
    ]) {
      const before = await Promise.all([dirty(p.eddy), dirty(p.redis)]);
      await p.run(argv);
      const after = await Promise.all([dirty(p.eddy), dirty(p.redis)]);
      expect(`${argv.join(' ')}: ${after[0] - before[0]}`).toBe(`${argv.join(' ')}: ${after[1] - before[1]}`);
    }
  });
});
