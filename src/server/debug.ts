// Why: DEBUG — the subcommands test suites and tools rely on (SLEEP, POPULATE, OBJECT,
// SET-ACTIVE-EXPIRE, PROTOCOL, DIGEST, ERROR, LOG...) with Redis's reply formats, guarded by
// enable-debug-command; other subsystems register their own (RELOAD, LOADAOF) here.
import { createHash } from 'node:crypto';
import type { Client } from './client.js';
import type { CommandDef } from './command-table.js';
import type { Server } from './server.js';
import type { Db, Value } from '../datatypes/db.js';
import { replyHelp, subcommandSyntaxError } from './help.js';
import { parseBigLL } from './args.js';
import { fail } from './errors.js';
import { allowProtected } from './config-cmd.js';
import { stringEncoding } from '../datatypes/string-util.js';
import { lruClock } from './info.js';
import { sdsAlloc } from './memory-cmd.js';
import { fmtG17 } from '../resp/reply.js';

export type DebugHandler = (c: Client, argv: string[]) => void;

/** Subcommands contributed by other modules, keyed by lower-case name (RELOAD, LOADAOF...). */
const extra = new Map<string, DebugHandler>();

export function registerDebugSubcommand(name: string, fn: DebugHandler): void {
  extra.set(name.toLowerCase(), fn);
}

/** Block the whole event loop like Redis's nanosleep in DEBUG SLEEP. */
export function sleepSync(ms: number): void {
  if (!(ms > 0)) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** strtod's leading-number semantics: "0.5abc" -> 0.5, "abc" -> 0. */
function strtod(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/** atoi. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/** getPositiveLongFromObjectOrReply with Redis's message for both bad forms. */
function positive(s: string): number {
  const v = parseBigLL(s);
  if (v === null || v < 0n) fail('ERR value is out of range, must be positive');
  return Number(v);
}

function populate(c: Client, argv: string[]): void {
  const keys = positive(argv[2]);
  const prefix = argv.length >= 4 ? argv[3] : 'key';
  const valsize = argv.length === 5 ? positive(argv[4]) : 0;
  const db = c.db;
  for (let j = 0; j < keys; j++) {
    const key = `${prefix}:${j}`;
    if (db.lookupWrite(key) !== undefined) continue;
    const base = `value:${j}`;
    let val = base;
    if (valsize !== 0) val = valsize <= base.length ? base.slice(0, valsize) : base + '\0'.repeat(valsize - base.length);
    db.add(key, val);
  }
  c.ok();
}

/** A stable fake object address for DEBUG OBJECT's "Value at:". */
function fakeAddress(key: string): string {
  const h = createHash('sha1').update(key, 'latin1').digest();
  return '0x7f' + h.subarray(0, 5).toString('hex');
}

/** rdbSavedObjectLen for strings (int encodings, or length prefix + bytes, no LZF). */
function rdbStringLen(v: string): number {
  if (v.length <= 11 && /^(0|-?[1-9][0-9]*)$/.test(v)) {
    const n = Number(v);
    if (n >= -128 && n <= 127) return 2;
    if (n >= -32768 && n <= 32767) return 3;
    if (n >= -2147483648 && n <= 2147483647) return 5;
  }
  const len = v.length;
  const prefix = len < 64 ? 1 : len < 16384 ? 2 : len <= 0xffffffff ? 5 : 9;
  return prefix + len;
}

function objectLine(c: Client, db: Db, key: string, v: Value): string {
  const s = c.server;
  let enc: string;
  let refcount = 1;
  let serlen: number;
  let extraInfo = '';
  if (typeof v === 'string') {
    enc = stringEncoding(db, key, v);
    serlen = rdbStringLen(v);
    const shared = s.config.num('maxmemory') === 0 || !/lru|lfu/.test(s.config.str('maxmemory-policy'));
    if (enc === 'int' && shared) {
      const n = Number(v);
      if (n >= 0 && n < 10000) refcount = 2147483647;
    }
  } else {
    enc = v.encoding(s);
    const size = v.memoryUsage?.() ?? 64;
    serlen = Math.max(1, size - 16);
    if (enc === 'quicklist') {
      const lpMax = s.config.num('list-max-listpack-size');
      const nodeBytes = lpMax < 0 ? 4096 * 2 ** (-lpMax - 1) : lpMax * 16;
      const nodes = Math.max(1, Math.ceil(size / nodeBytes));
      const len = (v as unknown as { length?: number; size?: number }).length ?? (v as unknown as { size?: number }).size ?? 0;
      extraInfo =
        ` ql_nodes:${nodes} ql_avg_node:${(len / nodes).toFixed(2)} ql_listpack_max:${lpMax}` +
        ` ql_compressed:${s.config.num('list-compress-depth') !== 0 ? 1 : 0} ql_uncompressed_size:${Math.max(0, size - 16 - 32 * nodes)}`;
    }
  }
  return `Value at:${fakeAddress(key)} refcount:${refcount} encoding:${enc} serializedlength:${serlen} lru:${lruClock()} lru_seconds_idle:0${extraInfo}`;
}

function debugObject(c: Client, argv: string[]): void {
  const v = c.db.lookupWrite(argv[2]);
  if (v === undefined) fail('ERR no such key');
  c.simple(objectLine(c, c.db, argv[2], v));
}

function debugSdslen(c: Client, argv: string[]): void {
  const key = argv[2];
  const v = c.db.lookupWrite(key);
  if (v === undefined) fail('ERR no such key');
  if (typeof v !== 'string' || stringEncoding(c.db, key, v) === 'int') fail('ERR Not an sds encoded string.');
  const keyAlloc = sdsAlloc(key.length);
  const valAlloc = sdsAlloc(v.length, true);
  c.simple(
    `key_sds_len:${key.length}, key_sds_avail:0, key_zmalloc: ${keyAlloc}, ` +
      `val_sds_len:${v.length}, val_sds_avail:${Math.max(0, valAlloc - v.length - 4)}, val_zmalloc: ${valAlloc}`,
  );
}

const PROTOCOL_ERR =
  'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false';

function debugProtocol(c: Client, name: string): void {
  const r3 = c.resp === 3;
  switch (name.toLowerCase()) {
    case 'string':
      return c.bulk('Hello World');
    case 'integer':
      return c.int(12345);
    case 'double':
      return c.double(3.141);
    case 'bignum':
      return c.add(r3 ? '(1234567999999999999999999999999999999\r\n' : '$37\r\n1234567999999999999999999999999999999\r\n');
    case 'null':
      return c.nullBulk();
    case 'array':
      return c.ints([0, 1, 2]);
    case 'set':
      c.setLen(3);
      return c.add(':0\r\n:1\r\n:2\r\n');
    case 'map':
      c.mapLen(3);
      for (let j = 0; j < 3; j++) {
        c.int(j);
        c.bool(j === 1);
      }
      return;
    case 'attrib':
      if (r3) c.add('|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n');
      return c.bulk('Some real reply following the attribute');
    case 'push':
      if (!r3) fail('ERR RESP2 is not supported by this command');
      c.add('>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n');
      return c.bulk('Some real reply following the push reply');
    case 'true':
      return c.bool(true);
    case 'false':
      return c.bool(false);
    case 'verbatim':
      return c.verbatim('This is a verbatim\nstring');
    default:
      fail(PROTOCOL_ERR);
  }
}

// ---- DEBUG DIGEST: Redis's SHA1 mixing, exact for strings; other types digest what they expose.

function sha1(buf: Buffer): Buffer {
  return createHash('sha1').update(buf).digest();
}

/** xorDigest: digest ^= SHA1(data). */
function xorDigest(digest: Buffer, data: Buffer): void {
  const h = sha1(data);
  for (let j = 0; j < 20; j++) digest[j] ^= h[j];
}

/** mixDigest: digest = SHA1(digest ^ SHA1(data)). */
function mixDigest(digest: Buffer, data: Buffer): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

const TYPE_CODES: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

/** Types that can enumerate their contents for DEBUG DIGEST register a walker here. */
export type DigestWalker = (v: Value, mix: (digest: Buffer, s: string) => void, xor: (digest: Buffer, s: string) => void, digest: Buffer) => void;
const digestWalkers = new Map<string, DigestWalker>();
export function registerDigestWalker(type: string, fn: DigestWalker): void {
  digestWalkers.set(type, fn);
}

// Default walkers over the type modules' read APIs, in the order xorObjectDigest uses: lists are
// order-sensitive (mix), sets/hashes/zsets order-free (xor of per-element digests).
interface Walkable {
  toArray?(): string[];
  members?(): readonly string[];
  arrays?(): [string[], string[]];
  entries?(): Iterable<[string, number]>;
}
registerDigestWalker('list', (v, mix, _xor, digest) => {
  for (const e of (v as Walkable).toArray?.() ?? []) mix(digest, e);
});
registerDigestWalker('set', (v, _mix, xor, digest) => {
  for (const m of (v as Walkable).members?.() ?? []) xor(digest, m);
});
// Per-element digests are folded in with xorDigest, which hashes them once more.
registerDigestWalker('hash', (v, mix, xor, digest) => {
  const arrs = (v as Walkable).arrays?.();
  if (!arrs) return;
  for (let i = 0; i < arrs[0].length; i++) {
    const e = Buffer.alloc(20);
    mix(e, arrs[0][i]);
    mix(e, arrs[1][i]);
    xor(digest, e.toString('latin1'));
  }
});
registerDigestWalker('zset', (v, mix, xor, digest) => {
  for (const [m, score] of (v as Walkable).entries?.() ?? []) {
    const e = Buffer.alloc(20);
    mix(e, m);
    mix(e, fmtG17(score));
    xor(digest, e.toString('latin1'));
  }
});

function valueDigest(db: Db, key: string, v: Value, digest: Buffer): void {
  const type = typeof v === 'string' ? 'string' : v.type;
  const aux = Buffer.alloc(4);
  aux.writeUInt32BE(TYPE_CODES[type] ?? 0);
  mixDigest(digest, aux);
  if (typeof v === 'string') {
    mixDigest(digest, Buffer.from(v, 'latin1'));
  } else {
    const walker = digestWalkers.get(type);
    if (walker) {
      walker(
        v,
        (d, s) => mixDigest(d, Buffer.from(s, 'latin1')),
        (d, s) => xorDigest(d, Buffer.from(s, 'latin1')),
        digest,
      );
    }
  }
  if (db.getExpire(key) !== undefined) xorDigest(digest, Buffer.from('!!expire!!'));
}

export function datasetDigest(server: Server): string {
  const final = Buffer.alloc(20);
  for (const db of server.dbs) {
    if (db.dict.size === 0) continue;
    const aux = Buffer.alloc(4);
    aux.writeUInt32BE(db.id);
    mixDigest(final, aux);
    for (const [key, v] of db.dict) {
      const d = Buffer.alloc(20);
      mixDigest(d, Buffer.from(key, 'latin1'));
      valueDigest(db, key, v, d);
      xorDigest(final, d);
    }
  }
  return final.toString('hex');
}

function digestValue(c: Client, argv: string[]): void {
  let out = '*' + (argv.length - 2) + '\r\n';
  for (let i = 2; i < argv.length; i++) {
    const v = c.db.dict.get(argv[i]);
    const d = Buffer.alloc(20);
    if (v !== undefined) valueDigest(c.db, argv[i], v, d);
    out += '+' + d.toString('hex') + '\r\n';
  }
  c.add(out);
}

const HELP = [
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  '    it is used instead of the \'key\' prefix. These are not propagated to',
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  'SDSLEN <key>',
  '    Show low level SDS string info representing `key` and value.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
];

const DEBUG_DENIED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

function debugCommand(c: Client, argv: string[]): void {
  if (!allowProtected(c.server, c, 'enable-debug-command')) fail(DEBUG_DENIED);
  const sub = argv[1].toLowerCase();
  const n = argv.length;
  if (sub === 'help' && n === 2) return replyHelp(c, 'DEBUG', HELP);
  if (sub === 'sleep' && n === 3) {
    sleepSync(strtod(argv[2]) * 1000);
    return c.ok();
  }
  if (sub === 'populate' && n >= 3 && n <= 5) return populate(c, argv);
  if (sub === 'object' && n === 3) return debugObject(c, argv);
  if (sub === 'sdslen' && n === 3) return debugSdslen(c, argv);
  if (sub === 'set-active-expire' && n === 3) {
    c.server.activeExpireEnabled = atoi(argv[2]) !== 0;
    return c.ok();
  }
  if (sub === 'protocol' && n === 3) return debugProtocol(c, argv[2]);
  if (sub === 'error' && n === 3) {
    c.err(argv[2].replace(/[\r\n]/g, ' '));
    return;
  }
  if (sub === 'log' && n === 3) {
    c.server.log.warning(`DEBUG LOG: ${argv[2]}`);
    return c.ok();
  }
  if (sub === 'digest' && n === 2) return c.simple(datasetDigest(c.server));
  if (sub === 'digest-value' && n >= 2) return digestValue(c, argv);
  if (sub === 'reload') {
    for (let i = 2; i < n; i++) {
      const o = argv[i].toLowerCase();
      if (o !== 'merge' && o !== 'noflush' && o !== 'nosave') fail('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
    }
  }
  const fn = extra.get(sub);
  if (fn) return fn(c, argv);
  if (sub === 'reload') fail('ERR DEBUG RELOAD is not supported yet: eddy has no RDB persistence in this build');
  if (
    (sub === 'change-repl-id' && n === 2) ||
    (sub === 'set-skip-checksum-validation' && n === 3) ||
    (sub === 'quicklist-packed-threshold' && n === 3) ||
    (sub === 'pause-cron' && n === 3) ||
    (sub === 'replybuffer' && n === 4)
  ) {
    return c.ok();
  }
  if (sub === 'stringmatch-test' && n === 2) return c.simple('Apparently Redis did not crash: test passed');
  subcommandSyntaxError(argv);
}

export const commands: CommandDef[] = [{ name: 'debug', handler: debugCommand }];
