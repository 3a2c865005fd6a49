// Why: the mixed-type dataset of `npm run bench:persistence` as one deterministic command list, so
// eddy-server and redis-server receive byte-identical data through the pipelined loader: mostly
// strings (named as redis-benchmark's keys, so its SET/GET hit them), small hashes, sets (intset and
// listpack), zsets and lists, a few big collections and a stream, some keys with TTLs.

export interface Dataset {
  /** keys the dataset creates */
  keys: number;
  /** string keys are key:000000000000 .. key:<strings-1>, redis-benchmark's names with -r strings */
  strings: number;
  /** commands to send */
  commands: number;
  /** command i */
  make(i: number): string[];
}

interface Segment {
  count: number;
  make(i: number): string[];
}

const pad12 = (i: number) => String(i).padStart(12, '0');
const LOREM = 'lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor ';

/** A cheap deterministic hash of i (values that LZF cannot shrink much). */
function mix(i: number): number {
  let x = (i + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function stringValue(i: number): string {
  const k = i % 10;
  if (k < 2) return String(i * 7919); // integer encoding
  if (k < 7) return `value:${i}:` + LOREM.slice(0, 20 + (i % 60)); // compressible text
  let s = '';
  const len = 20 + (mix(i) % 80);
  for (let j = 0; s.length < len; j++) s += mix(i * 31 + j).toString(36);
  return s.slice(0, len);
}

/**
 * The dataset for `scale` (1 = 1M keys: 700k strings, 100k hashes of 5 fields, 66,665 each of
 * sets/zsets/lists of 5 members, 100k-element hash/set/zset/list and a 20k-entry stream). 10% of
 * the strings and 5% of the hashes expire `ttlAt` (absolute ms, far enough to outlive the run).
 */
export function dataset(scale: number, ttlAt: number): Dataset {
  const strings = Math.round(700_000 * scale);
  const hashes = Math.round(100_000 * scale);
  const small = Math.round(66_665 * scale);
  const big = Math.round(100_000 * scale);
  const batch = 100;
  const bigCmds = Math.ceil(big / batch);
  const streamEntries = Math.round(20_000 * scale);
  const members = (i: number, prefix: string) => [0, 1, 2, 3, 4].map((j) => `${prefix}${i * 5 + j}`);
  const range = (c: number, b: number) => {
    const out: number[] = [];
    for (let j = c * batch; j < Math.min(b, (c + 1) * batch); j++) out.push(j);
    return out;
  };
  const segments: Segment[] = [
    {
      count: strings,
      make: (i) => (i % 10 === 3 ? ['SET', 'key:' + pad12(i), stringValue(i), 'PXAT', String(ttlAt + i)] : ['SET', 'key:' + pad12(i), stringValue(i)]),
    },
    { count: hashes, make: (i) => ['HSET', `hash:${i}`, ...[0, 1, 2, 3, 4].flatMap((j) => [`field${j}`, `v${i}_${j}`])] },
    { count: Math.ceil(hashes / 20), make: (i) => ['PEXPIREAT', `hash:${i * 20}`, String(ttlAt + i)] },
    { count: small, make: (i) => ['SADD', `set:${i}`, ...(i % 2 === 0 ? members(i, '') : members(i, 'm'))] },
    { count: small, make: (i) => ['ZADD', `zset:${i}`, ...members(i, 'z').flatMap((m, j) => [String(j * 1.5 + (i % 7)), m])] },
    { count: small, make: (i) => ['RPUSH', `list:${i}`, ...members(i, 'e')] },
    { count: bigCmds, make: (c) => ['HSET', 'big:hash', ...range(c, big).flatMap((j) => [`f${j}`, stringValue(j)])] },
    { count: bigCmds, make: (c) => ['SADD', 'big:set', ...range(c, big).map((j) => `member:${j}`)] },
    { count: bigCmds, make: (c) => ['ZADD', 'big:zset', ...range(c, big).flatMap((j) => [String(mix(j) % 1_000_000), `member:${j}`])] },
    { count: bigCmds, make: (c) => ['RPUSH', 'big:list', ...range(c, big).map((j) => stringValue(j))] },
    { count: streamEntries, make: (i) => ['XADD', 'big:stream', `${i + 1}-0`, 'sensor', String(i % 97), 'reading', String(mix(i) % 10_000)] },
  ];
  const starts: number[] = [];
  let commands = 0;
  for (const s of segments) {
    starts.push(commands);
    commands += s.count;
  }
  return {
    keys: strings + hashes + 3 * small + 5,
    strings,
    commands,
    make(i: number): string[] {
      let k = segments.length - 1;
      while (starts[k] > i) k--;
      return segments[k].make(i - starts[k]);
    },
  };
}
