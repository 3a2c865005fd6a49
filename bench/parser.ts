// Why: `npm run bench:parser` — eddy parses requests with its own parser (src/resp/request-parser.ts)
// instead of the redis-parser package. This measures both on the same pipelined request bytes, fed
// in 64 KB socket-sized chunks, so that choice stays justified by numbers rather than by taste.
import RedisParser from 'redis-parser';
import { RequestParser } from '../src/resp/request-parser.js';
import { encodeCommand } from '../test/support/raw-client.js';

interface Case {
  name: string;
  chunks: Buffer[];
  bytes: number;
  commands: number;
}

function makeCase(name: string, commands: number, make: (i: number) => string[]): Case {
  const parts: string[] = [];
  for (let i = 0; i < commands; i++) parts.push(encodeCommand(make(i)));
  const all = Buffer.from(parts.join(''), 'latin1');
  const chunks: Buffer[] = [];
  for (let p = 0; p < all.length; p += 65536) chunks.push(all.subarray(p, Math.min(all.length, p + 65536)));
  return { name, chunks, bytes: all.length, commands };
}

type Runner = (c: Case) => number; // returns the number of commands parsed

const eddyParser: Runner = (c) => {
  const p = new RequestParser({ maxBulkLen: 512 * 1024 * 1024, queryBufferLimit: 1024 * 1024 * 1024 }, () => false);
  const out: string[][] = [];
  let n = 0;
  for (const ch of c.chunks) {
    p.feed(ch, out);
    n += out.length;
    out.length = 0; // the server consumes its queue after every read
  }
  return n;
};

/** redis-parser in returnBuffers mode: argv as Buffers (views into the socket chunk when possible). */
const redisParserBuffers: Runner = (c) => {
  let n = 0;
  const p = new RedisParser({
    returnBuffers: true,
    returnReply: () => n++,
    returnError: (e) => {
      throw e;
    },
  });
  for (const ch of c.chunks) p.execute(ch);
  return n;
};

/** The same, plus turning each argument into the latin1 string the keyspace stores. */
const redisParserLatin1: Runner = (c) => {
  let n = 0;
  let sink = 0;
  const p = new RedisParser({
    returnBuffers: true,
    returnReply: (r) => {
      const argv = (r as Buffer[]).map((b) => b.latin1Slice(0, b.length));
      sink += argv.length;
      n++;
    },
    returnError: (e) => {
      throw e;
    },
  });
  for (const ch of c.chunks) p.execute(ch);
  return sink >= 0 ? n : -1;
};

/** Commands per second of one timed slice (after checking the runner parses everything). */
function rate(run: Runner, c: Case, ms: number): number {
  let iters = 0;
  const t0 = performance.now();
  let el = 0;
  do {
    if (run(c) !== c.commands) throw new Error(`parsed the wrong number of commands in ${c.name}`);
    iters++;
    el = performance.now() - t0;
  } while (el < ms);
  return (c.commands * iters) / (el / 1000);
}

/**
 * The machine is shared, so runners take turns in short slices over several rounds and each
 * reports its best slice: interference only ever makes a slice slower.
 */
function measure(runners: Runner[], c: Case, rounds: number, sliceMs: number): { mbps: number; cps: number }[] {
  for (const run of runners) rate(run, c, sliceMs); // warm-up
  const best = runners.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    runners.forEach((run, i) => {
      best[i] = Math.max(best[i], rate(run, c, sliceMs));
    });
  }
  return best.map((cps) => ({ cps, mbps: (cps * c.bytes) / c.commands / 1024 / 1024 }));
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const rounds = quick ? 3 : 7;
  const sliceMs = quick ? 100 : 250;
  const cases = [
    makeCase('SET small (key:NNNNNN, 3 B)', 100_000, (i) => ['SET', `key:${String(i).padStart(6, '0')}`, 'xxx']),
    makeCase('GET small', 100_000, (i) => ['GET', `key:${String(i).padStart(6, '0')}`]),
    makeCase('SET 1 KB values', 20_000, (i) => ['SET', `key:${i}`, 'v'.repeat(1024)]),
    makeCase('SET 100 KB values', 200, (i) => ['SET', `key:${i}`, 'v'.repeat(100 * 1024)]),
  ];
  const runners: [string, Runner][] = [
    ['eddy RequestParser (latin1 argv)', eddyParser],
    ['redis-parser returnBuffers', redisParserBuffers],
    ['redis-parser returnBuffers + latin1', redisParserLatin1],
  ];
  const rows: string[][] = [];
  for (const c of cases) {
    const res = measure(
      runners.map(([, run]) => run),
      c,
      rounds,
      sliceMs,
    );
    runners.forEach(([name], i) => rows.push([c.name, name, res[i].mbps.toFixed(0), Math.round(res[i].cps).toLocaleString('en-US')]));
  }
  console.log(`best of ${rounds} interleaved ${sliceMs} ms slices per parser; input fed in 64 KB chunks`);
  const head = ['request stream', 'parser', 'MB/s', 'commands/s'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => (i < 2 ? x.padEnd(w[i]) : x.padStart(w[i]))).join('  ');
  console.log([line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n'));
}

main();
