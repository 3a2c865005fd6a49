// Why: the string type's commands (Redis's t_string.c): SET and its variants, GET family, MSET,
// APPEND/SETRANGE/GETRANGE, the INCR family, INCRBYFLOAT (long double emulation), LCS, plus the
// OBJECT ENCODING rule for strings. Bit commands live in bitops.ts and are registered from here.
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import { WRONGTYPE } from './db.js';
import { ERR_OVERFLOW, ERR_SYNTAX, fail } from '../server/errors.js';
import { LLONG_MAX, LLONG_MIN } from '../server/args.js';
import { incrByFloat, LongDoubleError } from './longdouble.js';
import { commands as bitCommands } from './bitops.js';
import {
  checkStringLength,
  cstrLower,
  getLLExact,
  llGreater,
  llNum,
  lookupStringRead,
  lookupStringWrite,
  markFloat,
  markRaw,
} from './string-util.js';

export { stringEncoding, copyStringEncoding } from './string-util.js';

// ---------------------------------------------------------------------------------------------
// SET family

const F_NX = 1;
const F_XX = 2;
const F_EX = 4;
const F_PX = 8;
const F_KEEPTTL = 16;
const F_GET = 32;
const F_EXAT = 64;
const F_PXAT = 128;
const F_PERSIST = 256;

// parseExtendedStringArgumentsOrReply() results (module scratch: no allocation per call)
let pFlags = 0;
let pExpire: string | undefined;

/** SET (isSet) / GETEX options, with Redis's exact acceptance order. */
function parseExtended(a: string[], start: number, isSet: boolean): void {
  let flags = 0;
  let expire: string | undefined;
  const n = a.length;
  for (let j = start; j < n; j++) {
    const opt = cstrLower(a[j]);
    const hasNext = j !== n - 1;
    if (opt === 'nx' && !(flags & F_XX) && isSet) {
      flags |= F_NX;
    } else if (opt === 'xx' && !(flags & F_NX) && isSet) {
      flags |= F_XX;
    } else if (opt === 'get' && isSet) {
      flags |= F_GET;
    } else if (opt === 'keepttl' && !(flags & (F_PERSIST | F_EX | F_EXAT | F_PX | F_PXAT)) && isSet) {
      flags |= F_KEEPTTL;
    } else if (opt === 'persist' && !isSet && !(flags & (F_EX | F_EXAT | F_PX | F_PXAT | F_KEEPTTL))) {
      flags |= F_PERSIST;
    } else if (opt === 'ex' && !(flags & (F_KEEPTTL | F_PERSIST | F_EXAT | F_PX | F_PXAT)) && hasNext) {
      flags |= F_EX;
      expire = a[++j];
    } else if (opt === 'px' && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PXAT)) && hasNext) {
      flags |= F_PX;
      expire = a[++j];
    } else if (opt === 'exat' && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_PX | F_PXAT)) && hasNext) {
      flags |= F_EXAT;
      expire = a[++j];
    } else if (opt === 'pxat' && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PX)) && hasNext) {
      flags |= F_PXAT;
      expire = a[++j];
    } else {
      fail(ERR_SYNTAX);
    }
  }
  pFlags = flags;
  pExpire = expire;
}

function expireError(c: Client): never {
  fail(`ERR invalid expire time in '${c.cmd?.fullName ?? c.argv[0].toLowerCase()}' command`);
}

/** getExpireMillisecondsOrReply(): the absolute expire time in ms (exact). */
function expireMillis(c: Client, arg: string, flags: number): number | bigint {
  const v = getLLExact(arg);
  const seconds = !(flags & (F_PX | F_PXAT));
  const relative = (flags & (F_EX | F_PX)) !== 0;
  if (typeof v === 'number') {
    if (v <= 0) expireError(c);
    let ms = seconds ? v * 1000 : v;
    if (relative) ms += c.server.now();
    if (Number.isSafeInteger(ms)) return ms;
  }
  let b = BigInt(v);
  if (b <= 0n || (seconds && b > LLONG_MAX / 1000n)) expireError(c);
  if (seconds) b *= 1000n;
  if (relative) b += BigInt(c.server.now());
  if (b > LLONG_MAX) expireError(c); // C wraps to a negative value here
  return b;
}

/** getGenericCommand(): reply with the value (or null); WRONGTYPE throws before any reply. */
function getGeneric(c: Client, key: string): string | undefined {
  const v = lookupStringRead(c.db, key);
  if (v === undefined) c.nullBulk();
  else c.bulk(v);
  return v;
}

const enum Reply {
  Ok,
  Null,
  One,
  Zero,
}

function reply(c: Client, r: Reply): void {
  if (r === Reply.Ok) c.ok();
  else if (r === Reply.Null) c.nullBulk();
  else c.int(r === Reply.One ? 1 : 0);
}

/** setGenericCommand(): SET, SETNX, SETEX, PSETEX. */
function setGeneric(c: Client, flags: number, key: string, val: string, expire: string | undefined, ok: Reply, abort: Reply): void {
  const db = c.db;
  let ms: number | bigint = 0;
  if (expire !== undefined) ms = expireMillis(c, expire, flags);
  if (flags & F_GET) getGeneric(c, key);
  const found = db.lookupWrite(key) !== undefined;
  if ((flags & F_NX && found) || (flags & F_XX && !found)) {
    if (!(flags & F_GET)) reply(c, abort);
    return;
  }
  db.setKey(key, val, (flags & F_KEEPTTL) !== 0);
  c.server.notify('$', 'set', key, db.id);
  if (expire !== undefined) {
    db.setExpire(key, Number(ms));
    // Propagate as SET key value PXAT <absolute ms>.
    c.argv = ['SET', key, val, 'PXAT', String(ms)];
    c.server.notify('g', 'expire', key, db.id);
  }
  if (!(flags & F_GET)) {
    reply(c, ok);
  } else if (expire === undefined) {
    // Propagate without the GET argument(s).
    const a = c.argv;
    const out: string[] = [];
    for (let j = 0; j < a.length; j++) if (j < 3 || cstrLower(a[j]) !== 'get') out.push(a[j]);
    c.argv = out;
  }
}

function setCommand(c: Client, a: string[]): void {
  if (a.length === 3) {
    // The benchmark hot path: no options.
    const db = c.db;
    db.setKey(a[1], a[2]);
    c.server.notify('$', 'set', a[1], db.id);
    c.ok();
    return;
  }
  parseExtended(a, 3, true);
  setGeneric(c, pFlags, a[1], a[2], pExpire, Reply.Ok, Reply.Null);
}

function getCommand(c: Client, a: string[]): void {
  const v = c.db.lookupRead(a[1]);
  if (v === undefined) c.nullBulk();
  else if (typeof v !== 'string') fail(WRONGTYPE);
  else c.bulk(v);
}

function getexCommand(c: Client, a: string[]): void {
  parseExtended(a, 2, false);
  const flags = pFlags;
  const expire = pExpire;
  const db = c.db;
  const key = a[1];
  const v = lookupStringRead(db, key);
  if (v === undefined) {
    c.nullBulk();
    return;
  }
  let ms: number | bigint = 0;
  if (expire !== undefined) ms = expireMillis(c, expire, flags);
  c.bulk(v);
  const server = c.server;
  if (flags & (F_PXAT | F_EXAT) && ms <= server.now() && !server.loading && !server.isReplica()) {
    // An absolute time already in the past: the key goes away now.
    db.removeKey(key);
    c.argv = [server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key];
    db.signalModified(key);
    server.notify('g', 'del', key, db.id);
  } else if (expire !== undefined) {
    db.setExpire(key, Number(ms));
    c.argv = ['PEXPIREAT', key, String(ms)];
    db.signalModified(key);
    server.notify('g', 'expire', key, db.id);
  } else if (flags & F_PERSIST) {
    if (db.persist(key)) {
      db.signalModified(key);
      c.argv = ['PERSIST', key];
      server.notify('g', 'persist', key, db.id);
    }
  }
}

function getdelCommand(c: Client, a: string[]): void {
  const key = a[1];
  if (getGeneric(c, key) === undefined) return;
  const db = c.db;
  db.removeKey(key);
  c.argv = [c.server.config.bool('lazyfree-lazy-user-del') ? 'UNLINK' : 'DEL', key];
  db.signalModified(key);
  c.server.notify('g', 'del', key, db.id);
}

function getsetCommand(c: Client, a: string[]): void {
  getGeneric(c, a[1]);
  c.db.setKey(a[1], a[2]);
  c.server.notify('$', 'set', a[1], c.db.id);
  c.argv = ['SET', a[1], a[2]];
}

function msetGeneric(c: Client, a: string[], nx: boolean): void {
  if (a.length % 2 === 0) fail(`ERR wrong number of arguments for '${c.cmd?.fullName ?? a[0].toLowerCase()}' command`);
  const db = c.db;
  if (nx) {
    for (let j = 1; j < a.length; j += 2) {
      if (db.lookupWrite(a[j]) !== undefined) {
        c.int(0);
        return;
      }
    }
  }
  for (let j = 1; j < a.length; j += 2) {
    db.setKey(a[j], a[j + 1]);
    c.server.notify('$', 'set', a[j], db.id);
  }
  if (nx) c.int(1);
  else c.ok();
}

function mgetCommand(c: Client, a: string[]): void {
  const db = c.db;
  const out: (string | undefined)[] = new Array(a.length - 1);
  for (let j = 1; j < a.length; j++) {
    const v = db.lookupRead(a[j]);
    out[j - 1] = typeof v === 'string' ? v : undefined;
  }
  c.bulksOrNull(out);
}

// ---------------------------------------------------------------------------------------------
// APPEND, STRLEN, GETRANGE, SETRANGE

function appendCommand(c: Client, a: string[]): void {
  const db = c.db;
  const key = a[1];
  const o = lookupStringWrite(db, key);
  let total: number;
  if (o === undefined) {
    db.add(key, a[2]);
    total = a[2].length;
  } else {
    total = o.length + a[2].length;
    checkStringLength(c, total);
    db.update(key, o + a[2]);
    markRaw(db, key);
  }
  c.server.notify('$', 'append', key, db.id);
  c.int(total);
}

function strlenCommand(c: Client, a: string[]): void {
  const v = lookupStringRead(c.db, a[1]);
  c.int(v === undefined ? 0 : v.length);
}

function getrangeCommand(c: Client, a: string[]): void {
  const bs = getLLExact(a[2]);
  const be = getLLExact(a[3]);
  const v = lookupStringRead(c.db, a[1]);
  if (v === undefined) {
    c.bulk('');
    return;
  }
  let start = llNum(bs);
  let end = llNum(be);
  const len = v.length;
  if (start < 0 && end < 0 && llGreater(bs, be)) {
    c.bulk('');
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) c.bulk('');
  else c.bulk(v.slice(start, end + 1));
}

function setrangeCommand(c: Client, a: string[]): void {
  const offv = getLLExact(a[2]);
  const value = a[3];
  if (offv < 0) fail('ERR offset is out of range');
  const offset = llNum(offv);
  const db = c.db;
  const key = a[1];
  const o = lookupStringWrite(db, key);
  if (o === undefined) {
    if (value.length === 0) {
      c.int(0);
      return;
    }
    checkStringLength(c, offset + value.length);
    const nv = '\0'.repeat(offset) + value;
    db.add(key, nv);
    markRaw(db, key);
    c.server.notify('$', 'setrange', key, db.id);
    c.int(nv.length);
    return;
  }
  if (value.length === 0) {
    c.int(o.length);
    return;
  }
  checkStringLength(c, offset + value.length);
  let nv: string;
  if (offset >= o.length) nv = o + '\0'.repeat(offset - o.length) + value;
  else nv = o.slice(0, offset) + value + (offset + value.length < o.length ? o.slice(offset + value.length) : '');
  db.update(key, nv);
  markRaw(db, key);
  c.server.notify('$', 'setrange', key, db.id);
  c.int(nv.length);
}

// ---------------------------------------------------------------------------------------------
// INCR family

function incrDecr(c: Client, key: string, incr: number | bigint): void {
  const db = c.db;
  const o = lookupStringWrite(db, key);
  let cur: number | bigint = 0;
  if (o !== undefined) cur = getLLExact(o);
  let res: number | bigint = typeof cur === 'number' && typeof incr === 'number' ? cur + incr : NaN;
  if (!Number.isSafeInteger(res)) {
    res = BigInt(cur) + BigInt(incr);
    if (res > LLONG_MAX || res < LLONG_MIN) fail(ERR_OVERFLOW);
  }
  db.setKey(key, String(res), true);
  c.server.notify('$', 'incrby', key, db.id);
  c.int(res);
}

function incrbyfloatCommand(c: Client, a: string[]): void {
  const db = c.db;
  const key = a[1];
  const o = lookupStringWrite(db, key);
  let nv: string;
  try {
    nv = incrByFloat(o, a[2]);
  } catch (e) {
    if (!(e instanceof LongDoubleError)) throw e;
    if (e.message === 'nan') fail('ERR increment would produce NaN or Infinity');
    fail('ERR value is not a valid float');
  }
  db.setKey(key, nv, true);
  markFloat(db, key, nv);
  c.server.notify('$', 'incrbyfloat', key, db.id);
  c.bulk(nv);
  // Always propagated as SET with the final value, keeping the TTL.
  c.argv = ['SET', key, nv, 'KEEPTTL'];
}

// ---------------------------------------------------------------------------------------------
// LCS

function lcsCommand(c: Client, a: string[]): void {
  const db = c.db;
  const oa = db.lookupRead(a[1]);
  const ob = db.lookupRead(a[2]);
  if ((oa !== undefined && typeof oa !== 'string') || (ob !== undefined && typeof ob !== 'string')) {
    fail('ERR The specified keys must contain string values');
  }
  const sa = (oa as string | undefined) ?? '';
  const sb = (ob as string | undefined) ?? '';
  let getlen = false;
  let getidx = false;
  let withmatchlen = false;
  let minmatchlen = 0;
  for (let j = 3; j < a.length; j++) {
    const opt = cstrLower(a[j]);
    const moreargs = a.length - 1 - j;
    if (opt === 'idx') getidx = true;
    else if (opt === 'len') getlen = true;
    else if (opt === 'withmatchlen') withmatchlen = true;
    else if (opt === 'minmatchlen' && moreargs) {
      const v = getLLExact(a[j + 1]);
      minmatchlen = v < 0 ? 0 : llNum(v);
      j++;
    } else fail(ERR_SYNTAX);
  }
  if (getlen && getidx) fail('ERR If you want both the length and indexes, please just use IDX.');
  const alen = sa.length;
  const blen = sb.length;
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > c.server.config.num('proto-max-bulk-len')) {
    fail('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  let lcs: Uint32Array;
  try {
    lcs = new Uint32Array(cells);
  } catch {
    fail('ERR Insufficient memory, failed allocating transient memory for LCS');
  }
  const A = Buffer.from(sa, 'latin1');
  const B = Buffer.from(sb, 'latin1');
  const w = blen + 1;
  for (let i = 1; i <= alen; i++) {
    const ai = A[i - 1];
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ai === B[j - 1]) {
        lcs[row + j] = lcs[prev + j - 1] + 1;
      } else {
        const l1 = lcs[prev + j];
        const l2 = lcs[row + j - 1];
        lcs[row + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = lcs[alen * w + blen];
  if (getlen && !getidx) {
    c.int(total);
    return;
  }
  let idx = total;
  const result = getidx ? null : Buffer.allocUnsafe(total);
  const matches: number[][] = [];
  let arangeStart = alen;
  let arangeEnd = 0;
  let brangeStart = 0;
  let brangeEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (A[i - 1] === B[j - 1]) {
      if (result) result[idx - 1] = A[i - 1];
      if (arangeStart === alen) {
        arangeStart = i - 1;
        arangeEnd = i - 1;
        brangeStart = j - 1;
        brangeEnd = j - 1;
      } else if (arangeStart === i && brangeStart === j) {
        arangeStart--;
        brangeStart--;
      } else {
        emit = true;
      }
      if (arangeStart === 0 || brangeStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const l1 = lcs[(i - 1) * w + j];
      const l2 = lcs[i * w + j - 1];
      if (l1 > l2) i--;
      else j--;
      if (arangeStart !== alen) emit = true;
    }
    const matchLen = arangeEnd - arangeStart + 1;
    if (emit) {
      if (getidx && (minmatchlen === 0 || matchLen >= minmatchlen)) {
        matches.push([arangeStart, arangeEnd, brangeStart, brangeEnd, matchLen]);
      }
      arangeStart = alen;
    }
  }
  if (result) {
    c.bulk(result.latin1Slice(0, result.length));
    return;
  }
  c.mapLen(2);
  c.bulk('matches');
  let s = '*' + matches.length + '\r\n';
  for (const m of matches) {
    s += withmatchlen ? '*3\r\n' : '*2\r\n';
    s += '*2\r\n:' + m[0] + '\r\n:' + m[1] + '\r\n*2\r\n:' + m[2] + '\r\n:' + m[3] + '\r\n';
    if (withmatchlen) s += ':' + m[4] + '\r\n';
  }
  c.add(s);
  c.bulk('len');
  c.int(total);
}

// ---------------------------------------------------------------------------------------------

export const commands: CommandDef[] = [
  { name: 'get', handler: getCommand },
  { name: 'set', handler: setCommand },
  { name: 'setnx', handler: (c, a) => setGeneric(c, F_NX, a[1], a[2], undefined, Reply.One, Reply.Zero) },
  { name: 'setex', handler: (c, a) => setGeneric(c, F_EX, a[1], a[3], a[2], Reply.Ok, Reply.Null) },
  { name: 'psetex', handler: (c, a) => setGeneric(c, F_PX, a[1], a[3], a[2], Reply.Ok, Reply.Null) },
  { name: 'getex', handler: getexCommand },
  { name: 'getdel', handler: getdelCommand },
  { name: 'getset', handler: getsetCommand },
  { name: 'mset', handler: (c, a) => msetGeneric(c, a, false) },
  { name: 'msetnx', handler: (c, a) => msetGeneric(c, a, true) },
  { name: 'mget', handler: mgetCommand },
  { name: 'append', handler: appendCommand },
  { name: 'strlen', handler: strlenCommand },
  { name: 'getrange', handler: getrangeCommand },
  { name: 'substr', handler: getrangeCommand },
  { name: 'setrange', handler: setrangeCommand },
  { name: 'incr', handler: (c, a) => incrDecr(c, a[1], 1) },
  { name: 'decr', handler: (c, a) => incrDecr(c, a[1], -1) },
  { name: 'incrby', handler: (c, a) => incrDecr(c, a[1], getLLExact(a[2])) },
  {
    name: 'decrby',
    handler: (c, a) => {
      const v = getLLExact(a[2]);
      if (v === LLONG_MIN) fail('ERR decrement would overflow');
      incrDecr(c, a[1], -v);
    },
  },
  { name: 'incrbyfloat', handler: incrbyfloatCommand },
  { name: 'lcs', handler: lcsCommand },
  ...bitCommands,
];
