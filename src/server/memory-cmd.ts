// Why: MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP. Sizes follow Redis's own
// accounting (jemalloc size classes of the key sds, the robj and the dict entry) for strings, and
// the type modules' memoryUsage() estimates for the other types.
import type { Client } from './client.js';
import type { CommandDef } from './command-table.js';
import type { Server } from './server.js';
import type { Db, Value } from '../datatypes/db.js';
import { replyHelp } from './help.js';
import { getInt } from './args.js';
import { ERR_SYNTAX, fail } from './errors.js';
import { adminState, sampleMemory } from './admin-state.js';
import { stringEncoding } from '../datatypes/string-util.js';

const DICT_ENTRY = 24;
const ROBJ = 16;

/** jemalloc's size class for an allocation of n bytes (16-byte quantum, 4 classes per doubling). */
export function jeSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const step = 2 ** Math.floor(Math.log2(n - 1)) / 4;
  return Math.ceil(n / step) * step;
}

/** sdsnewlen's allocation for a string of len bytes (header type chosen by length). */
export function sdsAlloc(len: number, minType8 = false): number {
  let hdr: number;
  if (len < 32 && !minType8) hdr = 1;
  else if (len < 256) hdr = 3;
  else if (len < 65536) hdr = 5;
  else if (len < 2 ** 32) hdr = 9;
  else hdr = 17;
  return jeSize(hdr + len + 1);
}

/** objectComputeSize for a string value (int / embstr / raw). */
export function stringValueSize(db: Db, key: string, v: string): number {
  const enc = stringEncoding(db, key, v);
  if (enc === 'int') return ROBJ;
  if (enc === 'embstr') return jeSize(ROBJ + 3 + v.length + 1);
  return ROBJ + sdsAlloc(v.length, true);
}

export function valueSize(db: Db, key: string, v: Value): number {
  if (typeof v === 'string') return stringValueSize(db, key, v);
  return v.memoryUsage?.() ?? ROBJ + 48;
}

/** MEMORY USAGE: value + key sds + dict entry, as Redis adds them up. */
export function keyMemoryUsage(db: Db, key: string, v: Value): number {
  return valueSize(db, key, v) + sdsAlloc(key.length) + DICT_ENTRY;
}

function memoryUsage(c: Client, argv: string[]): void {
  for (let j = 3; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
      if (getInt(argv[j + 1]) < 0) fail(ERR_SYNTAX);
      j++;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  // dbFind: no lazy expiry, no keyspace statistics.
  const v = c.db.dict.get(argv[2]);
  if (v === undefined) c.nullBulk();
  else c.int(keyMemoryUsage(c.db, argv[2], v));
}

function dictOverhead(size: number): number {
  if (size === 0) return 0;
  let buckets = 4;
  while (buckets < size) buckets *= 2;
  return buckets * 8 + size * DICT_ENTRY;
}

interface MemStats {
  used: number;
  peak: number;
  startup: number;
  clients: number;
  dbs: [number, number, number][];
  overhead: number;
  keys: number;
  dataset: number;
}

function memStats(s: Server): MemStats {
  const { used, peak } = sampleMemory(s);
  const startup = adminState(s).startupMemory;
  let clients = 0;
  for (const c of s.clients.values()) clients += c.out.length + 1024;
  let overhead = startup + clients;
  const dbs: [number, number, number][] = [];
  let keys = 0;
  for (const db of s.dbs) {
    if (db.dict.size === 0) continue;
    const main = dictOverhead(db.dict.size);
    const exp = dictOverhead(db.expires.size);
    dbs.push([db.id, main, exp]);
    overhead += main + exp;
    keys += db.dict.size;
  }
  overhead = Math.min(overhead, used);
  return { used, peak, startup, clients, dbs, overhead, keys, dataset: used - overhead };
}

function memoryStats(c: Client): void {
  const m = memStats(c.server);
  const mu = process.memoryUsage();
  const net = m.used - m.startup;
  c.mapLen(27 + m.dbs.length);
  const bulk = (k: string) => c.bulk(k);
  const i = (k: string, v: number) => {
    bulk(k);
    c.int(Math.round(v));
  };
  const d = (k: string, v: number) => {
    bulk(k);
    c.double(Math.fround(v));
  };
  i('peak.allocated', m.peak);
  i('total.allocated', m.used);
  i('startup.allocated', m.startup);
  i('replication.backlog', 0);
  i('clients.slaves', 0);
  i('clients.normal', m.clients);
  i('cluster.links', 0);
  i('aof.buffer', 0);
  i('lua.caches', 0);
  i('functions.caches', 0);
  for (const [id, main, exp] of m.dbs) {
    bulk('db.' + id);
    c.mapLen(3);
    i('overhead.hashtable.main', main);
    i('overhead.hashtable.expires', exp);
    i('overhead.hashtable.slot-to-keys', 0);
  }
  i('overhead.total', m.overhead);
  i('keys.count', m.keys);
  i('keys.bytes-per-key', m.keys ? net / m.keys : 0);
  i('dataset.bytes', m.dataset);
  d('dataset.percentage', net > 0 ? (m.dataset * 100) / net : 0);
  d('peak.percentage', (m.used * 100) / m.peak);
  i('allocator.allocated', mu.heapUsed);
  i('allocator.active', mu.heapTotal);
  i('allocator.resident', mu.rss);
  d('allocator-fragmentation.ratio', mu.heapTotal / Math.max(1, mu.heapUsed));
  i('allocator-fragmentation.bytes', mu.heapTotal - mu.heapUsed);
  d('allocator-rss.ratio', mu.rss / Math.max(1, mu.heapTotal));
  i('allocator-rss.bytes', mu.rss - mu.heapTotal);
  d('rss-overhead.ratio', 1);
  i('rss-overhead.bytes', 0);
  d('fragmentation', mu.rss / Math.max(1, m.used));
  i('fragmentation.bytes', mu.rss - m.used);
}

const EMPTY_DOCTOR =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";

/** MEMORY DOCTOR: the empty-instance text, a clean bill of health, or the issues Redis checks. */
function memoryDoctor(c: Client): void {
  const m = memStats(c.server);
  const mu = process.memoryUsage();
  if (m.used - m.startup < 5 * 1024 * 1024) {
    c.verbatim(EMPTY_DOCTOR);
    return;
  }
  const issues: string[] = [];
  if (m.peak / m.used > 1.5) {
    issues.push(
      ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n',
    );
  }
  if (mu.rss / m.used > 1.4 && mu.rss - m.used > 10 * 1024 * 1024) {
    issues.push(
      ` * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc.\n\n`,
    );
  }
  if (issues.length === 0) {
    c.verbatim("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n");
    return;
  }
  c.verbatim(
    "Sam, I detected a few issues in this Redis instance memory implants:\n\n" +
      issues.join('') +
      "I'm here to keep you safe, Sam. I want to help you.\n",
  );
}

const HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

export const commands: CommandDef[] = [
  { name: 'memory|usage', handler: memoryUsage },
  { name: 'memory|stats', handler: memoryStats },
  { name: 'memory|doctor', handler: memoryDoctor },
  { name: 'memory|malloc-stats', handler: (c) => c.verbatim('Stats not supported for the current allocator') },
  {
    name: 'memory|purge',
    handler: (c) => {
      (globalThis as { gc?: () => void }).gc?.();
      c.ok();
    },
  },
  { name: 'memory|help', handler: (c) => replyHelp(c, 'MEMORY', HELP) },
];
