// Why: the type-agnostic keyspace commands (Redis db.c / object.c): DEL,
// UNLINK, EXISTS, TYPE, KEYS, SCAN, RANDOMKEY, RENAME[NX], MOVE, COPY, TOUCH, DBSIZE, FLUSHDB,
// FLUSHALL and OBJECT (WAIT lives in src/replication/), with Redis 7.0's argument rules, error texts, keyspace events and
// propagation. SCAN's cursor scheme over the JS Map is documented at ScanRegistry below.
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Db, Value } from './db.js';
import { typeName } from './db.js';
import { compileGlob } from './glob.js';
import { copyStringEncoding, stringEncoding } from './string.js';
import { ERR_DB_INDEX, ERR_NO_SUCH_KEY, ERR_SYNTAX, fail } from '../server/errors.js';
import { getInt } from '../server/args.js';
import { parseLL } from '../resp/request-parser.js';
import { signalKeyAsReady } from '../server/blocking.js';
import { parseScanCursor, parseScanOptions, replyScan } from './scan-cursor.js';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const ERR_SAME_OBJECT = 'ERR source and destination objects are the same';

/** getIntFromObjectOrReply(c, o, &v, NULL): a long in the C int range. */
function getCInt(s: string): number {
  const v = getInt(s);
  if (v < INT_MIN || v > INT_MAX) fail(`ERR value is out of range, value must between ${INT_MIN} and ${INT_MAX}`);
  return v;
}

/** The DB with that index, or "DB index is out of range" (selectDb failure). */
function dbByIndex(c: Client, id: number): Db {
  if (id < 0 || id >= c.server.dbs.length) fail(ERR_DB_INDEX);
  return c.server.dbs[id];
}

/** Is a (still present) key logically expired? Redis's keyIsExpired: now > when, never while loading. */
function keyIsExpired(db: Db, key: string, now: number): boolean {
  if (db.expires.size === 0 || db.server.loading) return false;
  const when = db.expires.get(key);
  return when !== undefined && now > when;
}

// ---------------------------------------------------------------------------------------------
// Moving a key's per-key side state.

/**
 * RENAME / MOVE / COPY keep the value object in Redis, so its string encoding travels with it
 * (eddy keeps it in per-key side state: db.rawKeys and the strings module's float marks).
 */
function carryEncoding(srcDb: Db, src: string, dstDb: Db, dst: string, v: Value): void {
  if (typeof v === 'string') copyStringEncoding(srcDb, src, dstDb, dst);
}

/** dbAdd: a new key with its "new" event, WATCH signal and blocked-client wake-up. */
function dbAdd(db: Db, key: string, v: Value): void {
  db.add(key, v);
  if (typeof v !== 'string') signalKeyAsReady(db, key);
}

// ---------------------------------------------------------------------------------------------
// DEL / UNLINK / EXISTS / TYPE / TOUCH / DBSIZE / RANDOMKEY

function del(c: Client, argv: string[]): void {
  const db = c.db;
  let n = 0;
  for (let j = 1; j < argv.length; j++) {
    if (db.delete(argv[j])) {
      c.server.notify('g', 'del', argv[j], db.id);
      n++;
    }
  }
  c.int(n);
}

/** EXISTS counts every argument, so a key given twice counts twice. */
function exists(c: Client, argv: string[]): void {
  let n = 0;
  for (let j = 1; j < argv.length; j++) if (c.db.lookupRead(argv[j]) !== undefined) n++;
  c.int(n);
}

function type(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]);
  c.simple(v === undefined ? 'none' : typeName(v));
}

function touch(c: Client, argv: string[]): void {
  exists(c, argv);
}

function dbsize(c: Client): void {
  c.int(c.db.size);
}

function randomkey(c: Client): void {
  c.bulkOrNull(c.db.randomKey());
}

// ---------------------------------------------------------------------------------------------
// KEYS and SCAN

function keys(c: Client, argv: string[]): void {
  const db = c.db;
  const pattern = argv[1];
  const all = pattern === '*';
  const match = all ? null : compileGlob(pattern);
  const now = c.server.now();
  let n = 0;
  let body = '';
  for (const k of db.dict.keys()) {
    if (match !== null && !match(k)) continue;
    if (keyIsExpired(db, k, now)) continue;
    body += '$' + k.length + '\r\n' + k + '\r\n';
    n++;
  }
  c.add('*' + n + '\r\n' + body);
}

/**
 * SCAN cursors over a JS Map.
 *
 * Redis's guarantee — every key present for the whole iteration is returned at least once, even
 * with keys added/deleted between calls — comes from the Map's *live iterators*: ECMAScript
 * specifies that an iterator visits every entry that is not deleted before it is reached exactly
 * once, in insertion order, including entries added during the iteration, however the Map is
 * mutated (and rehashed) meanwhile. So a cursor is a handle to a suspended Map iterator:
 *
 *  - SCAN 0 starts `db.dict.keys()`; each call advances it by COUNT entries (COUNT is work, as
 *    in Redis: MATCH/TYPE/expired filtering happens after), then parks it under a fresh cursor
 *    id (ids increase; 0 means "done"). A cursor is consumed when used: the next call gets a new
 *    one, so a duplicated/replayed request cannot skip entries.
 *  - Parked iterators live in a per-DB registry (insertion order = least recently used first),
 *    bounded to MAX_PARKED and to PARK_TTL_MS of idleness, so abandoned scans cost nothing
 *    after a while.
 *  - An unknown cursor (abandoned, evicted, from before a restart, made up, or whose iterator
 *    belongs to a Map that FLUSHDB/SWAPDB replaced) restarts the iteration from the beginning.
 *    That keeps the guarantee (the client goes on until cursor 0 and sees every key; some twice,
 *    which SCAN allows) at the price of duplicates in those rare cases.
 *
 * Cost: nothing on writes; O(COUNT) per call; no per-key bookkeeping. Unlike Redis, cursors
 * are not portable across servers (a failover restarts the scan, with the same guarantee).
 */
interface ParkedScan {
  map: Map<string, Value>;
  it: Iterator<string>;
  at: number;
}

class ScanRegistry {
  parked = new Map<number, ParkedScan>();
  /** random start: a cursor kept across a restart is unknown (restart), not someone else's */
  nextId = 1 + Math.floor(Math.random() * 2 ** 40);
}

const MAX_PARKED = 1024;
const PARK_TTL_MS = 10 * 60 * 1000;
const registries = new WeakMap<Db, ScanRegistry>();

function scanRegistry(db: Db): ScanRegistry {
  let r = registries.get(db);
  if (!r) registries.set(db, (r = new ScanRegistry()));
  return r;
}

function scan(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[1]);
  const { count, match, type } = parseScanOptions(argv, 2, true);
  const typeFilter = type === null ? null : type.toLowerCase();
  const db = c.db;
  const reg = scanRegistry(db);
  const now = Date.now();
  // Resume the parked iterator, or start over (cursor 0 or unknown).
  let parked = cursor !== 0 ? reg.parked.get(cursor) : undefined;
  if (parked !== undefined) reg.parked.delete(cursor);
  if (parked === undefined || parked.map !== db.dict) parked = { map: db.dict, it: db.dict.keys(), at: now };
  const batch: string[] = [];
  let done = false;
  for (let n = 0; n < count; n++) {
    const r = parked.it.next();
    if (r.done) {
      done = true;
      break;
    }
    batch.push(r.value);
  }
  // Filter (Redis's order: pattern, then type lookup, then expiry).
  const out: string[] = [];
  for (const k of batch) {
    if (match !== null && !match(k)) continue;
    if (typeFilter !== null) {
      const v = db.lookupRead(k);
      if ((v === undefined ? 'none' : typeName(v)) !== typeFilter) continue;
    }
    if (db.expires.size !== 0 && db.expireIfNeeded(k)) continue;
    out.push(k);
  }
  let next = 0;
  if (!done) {
    // Evict idle and excess parked scans (oldest first), then park this one.
    for (const [id, p] of reg.parked) {
      if (reg.parked.size < MAX_PARKED && now - p.at < PARK_TTL_MS) break;
      reg.parked.delete(id);
    }
    const id = reg.nextId++;
    parked.at = now;
    reg.parked.set(id, parked);
    next = id;
  }
  replyScan(c, next, out);
}

// ---------------------------------------------------------------------------------------------
// RENAME / RENAMENX / MOVE / COPY

function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const db = c.db;
  const src = argv[1];
  const dst = argv[2];
  const o = db.lookupWrite(src);
  if (o === undefined) fail(ERR_NO_SUCH_KEY);
  if (src === dst) {
    if (nx) c.int(0);
    else c.ok();
    return;
  }
  const expire = db.getExpire(src);
  if (db.lookupWrite(dst) !== undefined) {
    if (nx) {
      c.int(0);
      return;
    }
    db.removeKey(dst); // overwritten: no "del" event, as in Redis
  }
  dbAdd(db, dst, o);
  if (expire !== undefined) db.setExpire(dst, expire);
  carryEncoding(db, src, db, dst, o);
  db.removeKey(src);
  db.touchWatched(src); // one change for the whole rename (dbAdd counted it)
  c.server.notify('g', 'rename_from', src, db.id);
  c.server.notify('g', 'rename_to', dst, db.id);
  if (nx) c.int(1);
  else c.ok();
}

function move(c: Client, argv: string[]): void {
  if (c.server.config.bool('cluster-enabled')) fail('ERR MOVE is not allowed in cluster mode');
  const src = c.db;
  const dst = dbByIndex(c, getCInt(argv[2]));
  if (src === dst) fail(ERR_SAME_OBJECT);
  const key = argv[1];
  const o = src.lookupWrite(key);
  if (o === undefined) {
    c.int(0);
    return;
  }
  const expire = src.getExpire(key);
  if (dst.lookupWrite(key) !== undefined) {
    c.int(0);
    return;
  }
  dbAdd(dst, key, o);
  if (expire !== undefined) dst.setExpire(key, expire);
  carryEncoding(src, key, dst, key, o);
  src.removeKey(key);
  src.touchWatched(key);
  c.server.notify('g', 'move_from', key, src.id);
  c.server.notify('g', 'move_to', key, dst.id);
  c.int(1);
}

function copy(c: Client, argv: string[]): void {
  const src = c.db;
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'db' && argv.length - j - 1 >= 1) {
      dst = dbByIndex(c, getCInt(argv[j + 1]));
      j++;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  if (c.server.config.bool('cluster-enabled') && (src.id !== 0 || dst.id !== 0)) {
    fail('ERR Copying to another database is not allowed in cluster mode');
  }
  const key = argv[1];
  const newkey = argv[2];
  if (src === dst && key === newkey) fail(ERR_SAME_OBJECT);
  const o = src.lookupRead(key);
  if (o === undefined) {
    c.int(0);
    return;
  }
  const expire = src.getExpire(key);
  let existing = false;
  if (dst.lookupWrite(newkey) !== undefined) {
    if (!replace) {
      c.int(0);
      return;
    }
    existing = true;
  }
  const dup = typeof o === 'string' ? o : o.clone();
  if (existing) dst.removeKey(newkey);
  dbAdd(dst, newkey, dup);
  if (expire !== undefined) dst.setExpire(newkey, expire);
  carryEncoding(src, key, dst, newkey, o);
  c.server.notify('g', 'copy_to', newkey, dst.id);
  c.int(1);
}

// ---------------------------------------------------------------------------------------------
// FLUSHDB / FLUSHALL

/**
 * Called after FLUSHALL empties the data set, when `save` points are configured: Redis then
 * writes a fresh RDB synchronously (rdbSave resets the dirty counter and LASTSAVE). The
 * persistence module registers its synchronous save here; it must return true on success.
 */
export const flushallSaveHooks: ((server: Server) => boolean)[] = [];

/** getFlushCommandFlags: [SYNC|ASYNC] (none = lazyfree-lazy-user-flush). Returns async. */
function flushFlags(c: Client, argv: string[]): boolean {
  if (argv.length === 1) return c.server.config.bool('lazyfree-lazy-user-flush');
  const o = argv.length === 2 ? argv[1].toLowerCase() : '';
  if (o === 'sync') return false;
  if (o === 'async') return true;
  fail(ERR_SYNTAX);
}

/** emptyDbStructure for one DB: WATCHers of existing keys are invalidated first. */
function emptyDb(db: Db): number {
  const n = db.clear();
  db.avgTtl = 0;
  return n;
}

/** FLUSHDB/FLUSHALL propagate even when nothing was removed (forceCommandPropagation). */
function forcePropagation(c: Client): void {
  c.server.propagateInternal(c.db.id, c.argv);
  c.suppressPropagation = true;
}

function flushdb(c: Client, argv: string[]): void {
  flushFlags(c, argv);
  c.server.dirty += emptyDb(c.db);
  forcePropagation(c);
  c.ok();
}

function flushall(c: Client, argv: string[]): void {
  flushFlags(c, argv);
  const s = c.server;
  let removed = 0;
  for (const db of s.dbs) removed += emptyDb(db);
  s.dirty += removed;
  if (s.config.str('save') !== '') for (const h of flushallSaveHooks) h(s);
  forcePropagation(c);
  c.ok();
}

// ---------------------------------------------------------------------------------------------
// OBJECT

/** OBJECT HELP, precomputed (addReplyHelp's header and footer around Redis 7.0's lines). */
const OBJECT_HELP_LINES = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];
const OBJECT_HELP =
  `*${OBJECT_HELP_LINES.length + 3}\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n` +
  OBJECT_HELP_LINES.map((l) => `+${l}\r\n`).join('') +
  '+HELP\r\n+    Prints this help.\r\n';

/** objectCommandLookupOrReply: NOTOUCH|NONOTIFY lookup (hits/misses count, no "keymiss"). */
function objectLookup(c: Client, key: string): Value | undefined {
  const db = c.db;
  const v = db.expires.size !== 0 && db.expireIfNeeded(key) ? undefined : db.dict.get(key);
  if (v === undefined) {
    c.server.stats.keyspaceMisses++;
    c.nullBulk();
  } else c.server.stats.keyspaceHits++;
  return v;
}

function lfuPolicy(s: Server): boolean {
  return s.config.str('maxmemory-policy').endsWith('-lfu');
}

/** Shared integers 0..9999 (refcount INT_MAX) unless maxmemory with an LRU/LFU policy forbids them. */
function sharedIntegersAllowed(s: Server): boolean {
  const p = s.config.str('maxmemory-policy');
  return s.config.num('maxmemory') === 0 || !(p.endsWith('-lru') || p.endsWith('-lfu'));
}

function objectEncoding(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return;
  c.bulk(typeof v === 'string' ? stringEncoding(c.db, argv[2], v) : v.encoding(c.server));
}

function objectRefcount(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return;
  if (typeof v === 'string' && stringEncoding(c.db, argv[2], v) === 'int' && sharedIntegersAllowed(c.server)) {
    const n = parseLL(v);
    if (n !== null && n >= 0 && n < 10000) {
      c.int(INT_MAX);
      return;
    }
  }
  c.int(1);
}

/**
 * eddy does not track per-key access times (that would cost a write on every read): IDLETIME
 * answers what Redis answers for a key accessed within the current second, 0.
 */
function objectIdletime(c: Client, argv: string[]): void {
  if (objectLookup(c, argv[2]) === undefined) return;
  if (lfuPolicy(c.server)) {
    fail(
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  c.int(0);
}

/** Likewise FREQ (LFU policies only) answers LFU_INIT_VAL, a new key's counter. */
function objectFreq(c: Client, argv: string[]): void {
  if (objectLookup(c, argv[2]) === undefined) return;
  if (!lfuPolicy(c.server)) {
    fail(
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  c.int(5);
}

export const commands: CommandDef[] = [
  { name: 'del', handler: del },
  { name: 'unlink', handler: del },
  { name: 'exists', handler: exists },
  { name: 'type', handler: type },
  { name: 'touch', handler: touch },
  { name: 'dbsize', handler: dbsize },
  { name: 'randomkey', handler: randomkey },
  { name: 'keys', handler: keys },
  { name: 'scan', handler: scan },
  { name: 'rename', handler: (c, a) => renameGeneric(c, a, false) },
  { name: 'renamenx', handler: (c, a) => renameGeneric(c, a, true) },
  { name: 'move', handler: move },
  { name: 'copy', handler: copy },
  { name: 'flushdb', handler: flushdb },
  { name: 'flushall', handler: flushall },
  { name: 'object|encoding', handler: objectEncoding },
  { name: 'object|refcount', handler: objectRefcount },
  { name: 'object|idletime', handler: objectIdletime },
  { name: 'object|freq', handler: objectFreq },
  { name: 'object|help', handler: (c) => c.add(OBJECT_HELP) },
];
