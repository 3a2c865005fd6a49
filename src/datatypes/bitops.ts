// Why: the bit commands on strings (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
// BITFIELD and BITFIELD_RO, with Redis 7.0's argument order, error texts and int64/uint64
// overflow semantics (BigInt where 64 bits matter).
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import { WRONGTYPE } from './db.js';
import { ERR_NOT_INT, ERR_SYNTAX, fail } from '../server/errors.js';
import { parseBigLL } from '../server/args.js';
import { parseLL } from '../resp/request-parser.js';
import { cstrLower, getLLExact, llGreater, llNum, lookupStringRead, lookupStringWrite, markRaw } from './string-util.js';

const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
const ERR_BIT_VALUE = 'ERR bit is not an integer or out of range';
const ERR_BF_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/**
 * getBitOffsetFromArgument(): a bit offset, optionally "#N" (times `bits`) for BITFIELD, refused
 * when negative or beyond proto-max-bulk-len bytes.
 */
function getBitOffset(c: Client, s: string, hash: boolean, bits: number): number {
  const usehash = hash && bits > 0 && s.charCodeAt(0) === 35;
  const body = usehash ? s.slice(1) : s;
  let off: number;
  const v = parseLL(body);
  if (v !== null && Number.isSafeInteger(v) && Number.isSafeInteger(usehash ? v * bits : v)) {
    off = usehash ? v * bits : v;
  } else {
    const b = parseBigLL(body);
    if (b === null) fail(ERR_BIT_OFFSET);
    off = Number(usehash ? BigInt.asIntN(64, b * BigInt(bits)) : b); // C multiplies with wrap-around
  }
  if (off < 0 || Math.floor(off / 8) >= c.server.config.num('proto-max-bulk-len')) fail(ERR_BIT_OFFSET);
  return off;
}

/**
 * lookupStringForBitCommand(): the string at key as a Buffer padded with zeros so that `maxbit`
 * is addressable (created if missing). Redis turns the value into a raw string either way.
 */
function bitBuffer(c: Client, key: string, maxbit: number): { buf: Buffer; grew: number } {
  const o = lookupStringWrite(c.db, key);
  const need = Math.floor(maxbit / 8) + 1;
  const old = o ?? '';
  const len = Math.max(need, old.length);
  const buf = Buffer.alloc(len);
  if (old.length) buf.latin1Write(old, 0, old.length);
  return { buf, grew: len - old.length };
}

/** Store a bit command's result: signal + notify only when Redis counts a change. */
function storeBits(c: Client, key: string, value: string, changes: number, existed: boolean): void {
  const db = c.db;
  if (changes > 0) {
    if (existed) db.update(key, value);
    else db.add(key, value);
    c.server.dirty += changes - 1;
    c.server.notify('$', 'setbit', key, db.id);
  } else {
    // Redis created/grew/unshared the value without counting it as a change (dbAdd still
    // announces a new key).
    db.dict.set(key, value);
    if (!existed) c.server.notify('n', 'new', key, db.id);
  }
  markRaw(db, key);
}

function setbitCommand(c: Client, a: string[]): void {
  const off = getBitOffset(c, a[2], false, 0);
  const on = getLLExact(a[3], ERR_BIT_VALUE);
  if (on !== 0 && on !== 1) fail(ERR_BIT_VALUE);
  const db = c.db;
  const key = a[1];
  const o = lookupStringWrite(db, key);
  const byte = Math.floor(off / 8);
  const bit = 7 - (off % 8);
  let v = o ?? '';
  const grew = byte + 1 > v.length;
  if (grew) v = v + '\0'.repeat(byte + 1 - v.length);
  const byteval = v.charCodeAt(byte);
  const bitval = (byteval >> bit) & 1;
  if (grew || bitval !== on) {
    const nb = (byteval & ~(1 << bit)) | (on << bit);
    v = v.slice(0, byte) + String.fromCharCode(nb) + v.slice(byte + 1);
    storeBits(c, key, v, 1, o !== undefined);
  } else {
    markRaw(db, key);
  }
  c.int(bitval);
}

function getbitCommand(c: Client, a: string[]): void {
  const off = getBitOffset(c, a[2], false, 0);
  const v = lookupStringRead(c.db, a[1]);
  if (v === undefined) {
    c.int(0);
    return;
  }
  const byte = Math.floor(off / 8);
  const bit = 7 - (off % 8);
  c.int(byte < v.length ? (v.charCodeAt(byte) >> bit) & 1 : 0);
}

/** The optional BIT | BYTE unit of BITCOUNT / BITPOS (true for BIT); anything else is a syntax error. */
function isBitUnit(arg: string): boolean {
  const m = cstrLower(arg);
  if (m === 'bit') return true;
  if (m !== 'byte') fail(ERR_SYNTAX);
  return false;
}

/**
 * BITCOUNT / BITPOS range: negative indexes from the end, clamped to the string; in BIT units
 * the range becomes bytes plus masks of the bits outside it in the first and last byte.
 */
function clampRange(start: number, end: number, strlen: number, isbit: boolean): { start: number; end: number; firstMask: number; lastMask: number } {
  const totlen = isbit ? strlen * 8 : strlen;
  if (start < 0) start = totlen + start;
  if (end < 0) end = totlen + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= totlen) end = totlen - 1;
  let firstMask = 0;
  let lastMask = 0;
  if (isbit && start <= end) {
    firstMask = ~((1 << (8 - (start % 8))) - 1) & 0xff;
    lastMask = (1 << (7 - (end % 8))) - 1;
    start = Math.floor(start / 8);
    end = Math.floor(end / 8);
  }
  return { start, end, firstMask, lastMask };
}

function popcount(s: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i <= end; i++) n += POPCOUNT[s.charCodeAt(i)];
  return n;
}

function bitcountCommand(c: Client, a: string[]): void {
  const v = lookupStringRead(c.db, a[1]);
  if (v === undefined) {
    c.int(0);
    return;
  }
  const strlen = v.length;
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (a.length === 4 || a.length === 5) {
    const bs = getLLExact(a[2]);
    const be = getLLExact(a[3]);
    start = llNum(bs);
    end = llNum(be);
    if (start < 0 && end < 0 && llGreater(bs, be)) {
      c.int(0);
      return;
    }
    const isbit = a.length === 5 && isBitUnit(a[4]);
    ({ start, end, firstMask, lastMask } = clampRange(start, end, strlen, isbit));
  } else if (a.length === 2) {
    start = 0;
    end = strlen - 1;
  } else {
    fail(ERR_SYNTAX);
  }
  if (start > end) {
    c.int(0);
    return;
  }
  let count = popcount(v, start, end);
  if (firstMask) count -= POPCOUNT[v.charCodeAt(start) & firstMask];
  if (lastMask) count -= POPCOUNT[v.charCodeAt(end) & lastMask];
  c.int(count);
}

/** redisBitpos() over single byte values: first `bit` in the bytes, zero-padded on the right. */
function bitposBytes(get: (i: number) => number, from: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  for (let i = 0; i < count; i++) {
    const b = get(from + i);
    if (b !== skip) {
      for (let k = 7; k >= 0; k--) if (((b >> k) & 1) === bit) return i * 8 + (7 - k);
    }
  }
  return bit ? -1 : count * 8;
}

function bitposCommand(c: Client, a: string[]): void {
  const bv = getLLExact(a[2]);
  if (bv !== 0 && bv !== 1) fail('ERR The bit argument must be 1 or 0.');
  const bit = bv as number;
  const v = lookupStringRead(c.db, a[1]);
  if (v === undefined) {
    c.int(bit ? -1 : 0);
    return;
  }
  const strlen = v.length;
  let start: number;
  let end: number;
  let endGiven = false;
  let firstMask = 0;
  let lastMask = 0;
  if (a.length >= 4 && a.length <= 6) {
    start = llNum(getLLExact(a[3]));
    const isbit = a.length === 6 && isBitUnit(a[5]);
    if (a.length >= 5) {
      end = llNum(getLLExact(a[4]));
      endGiven = true;
    } else {
      end = isbit ? strlen * 8 + 7 : strlen - 1;
    }
    ({ start, end, firstMask, lastMask } = clampRange(start, end, strlen, isbit));
  } else if (a.length === 3) {
    start = 0;
    end = strlen - 1;
  } else {
    fail(ERR_SYNTAX);
  }
  if (start > end) {
    c.int(-1);
    return;
  }
  const at = (i: number) => v.charCodeAt(i);
  let bytes = end - start + 1;
  let pos = -1;
  let tmp = 0;
  const one = () => tmp;
  found: {
    if (firstMask) {
      tmp = bit ? v.charCodeAt(start) & ~firstMask & 0xff : v.charCodeAt(start) | firstMask;
      if (lastMask && bytes === 1) tmp = bit ? tmp & ~lastMask & 0xff : tmp | lastMask;
      pos = bitposBytes(one, 0, 1, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break found;
      start++;
      bytes--;
    }
    const curbytes = bytes - (lastMask ? 1 : 0);
    if (curbytes > 0) {
      pos = bitposBytes(at, start, curbytes, bit);
      if (bytes === curbytes || (pos !== -1 && pos !== curbytes * 8)) break found;
      start += curbytes;
      bytes -= curbytes;
    }
    tmp = bit ? v.charCodeAt(end) & ~lastMask & 0xff : v.charCodeAt(end) | lastMask;
    pos = bitposBytes(one, 0, 1, bit);
  }
  if (endGiven && bit === 0 && pos === bytes * 8) {
    c.int(-1);
    return;
  }
  if (pos !== -1) pos += start * 8;
  c.int(pos);
}

function bitopCommand(c: Client, a: string[]): void {
  const opname = cstrLower(a[1]);
  const op = opname === 'and' ? 0 : opname === 'or' ? 1 : opname === 'xor' ? 2 : opname === 'not' ? 3 : -1;
  if (op < 0) fail(ERR_SYNTAX);
  if (op === 3 && a.length !== 4) fail('ERR BITOP NOT must be called with a single source key.');
  const db = c.db;
  const dest = a[2];
  const n = a.length - 3;
  const srcs: string[] = new Array(n);
  let maxlen = 0;
  for (let j = 0; j < n; j++) {
    const o = db.lookupRead(a[j + 3]);
    if (o !== undefined && typeof o !== 'string') fail(WRONGTYPE);
    const s = o ?? '';
    srcs[j] = s;
    if (s.length > maxlen) maxlen = s.length;
  }
  if (maxlen > 0) {
    const bufs = srcs.map((s) => Buffer.from(s, 'latin1'));
    const res = Buffer.allocUnsafe(maxlen);
    const b0 = bufs[0];
    for (let j = 0; j < maxlen; j++) {
      let out = j < b0.length ? b0[j] : 0;
      if (op === 3) out = ~out & 0xff;
      for (let i = 1; i < n; i++) {
        const bi = bufs[i];
        const byte = j < bi.length ? bi[j] : 0;
        if (op === 0) out &= byte;
        else if (op === 1) out |= byte;
        else out ^= byte;
      }
      res[j] = out;
    }
    db.setKey(dest, res.latin1Slice(0, maxlen));
    markRaw(db, dest);
    c.server.notify('$', 'set', dest, db.id);
  } else if (db.dict.has(dest)) {
    // dbDelete(): no expiry check, the key simply goes.
    db.removeKey(dest);
    db.signalModified(dest);
    c.server.notify('g', 'del', dest, db.id);
  }
  c.int(maxlen);
}

// ---------------------------------------------------------------------------------------------
// BITFIELD

const enum Op {
  Get,
  Set,
  Incrby,
}
const enum Ow {
  Wrap,
  Sat,
  Fail,
}

interface BfOp {
  offset: number;
  value: bigint;
  op: Op;
  ow: Ow;
  bits: number;
  sign: boolean;
}

const U64 = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

function getUnsigned(p: Uint8Array, offset: number, bits: number): bigint {
  if (bits <= 52) {
    let v = 0;
    for (let j = 0; j < bits; j++, offset++) v = v * 2 + ((p[Math.floor(offset / 8)] >> (7 - (offset % 8))) & 1);
    return BigInt(v);
  }
  let v = 0n;
  for (let j = 0; j < bits; j++, offset++) v = (v << 1n) | BigInt((p[Math.floor(offset / 8)] >> (7 - (offset % 8))) & 1);
  return v;
}

function getSigned(p: Uint8Array, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, getUnsigned(p, offset, bits));
}

/** setUnsignedBitfield(): the low `bits` bits of value, most significant first. */
function setBits(p: Uint8Array, offset: number, bits: number, value: bigint): void {
  const s = BigInt.asUintN(bits, value).toString(2).padStart(bits, '0');
  for (let j = 0; j < bits; j++, offset++) {
    const byte = Math.floor(offset / 8);
    const bit = 7 - (offset % 8);
    if (s.charCodeAt(j) === 49) p[byte] |= 1 << bit;
    else p[byte] &= ~(1 << bit);
  }
}

/** checkUnsignedBitfieldOverflow(): [overflow (0, 1, -1), limit]. Values are uint64 / int64. */
function checkUnsigned(value: bigint, incr: bigint, bits: number, ow: Ow): [number, bigint] {
  const max = bits === 64 ? U64 : (1n << BigInt(bits)) - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, -value);
  const wrap = (): bigint => BigInt.asUintN(64, value + incr) & ~BigInt.asUintN(64, U64 << BigInt(bits));
  if (value > max || (incr > 0n && incr > maxincr)) {
    return [1, ow === Ow.Wrap ? wrap() : max];
  } else if (incr < 0n && incr < minincr) {
    return [-1, ow === Ow.Wrap ? wrap() : 0n];
  }
  return [0, 0n];
}

/** checkSignedBitfieldOverflow() */
function checkSigned(value: bigint, incr: bigint, bits: number, ow: Ow): [number, bigint] {
  const max = bits === 64 ? I64_MAX : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, min - value);
  const wrap = (): bigint => {
    let r = BigInt.asUintN(64, value + incr);
    if (bits < 64) {
      const mask = BigInt.asUintN(64, U64 << BigInt(bits));
      if (r & (1n << BigInt(bits - 1))) r |= mask;
      else r &= ~mask;
    }
    return BigInt.asIntN(64, r);
  };
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return [1, ow === Ow.Wrap ? wrap() : max];
  } else if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return [-1, ow === Ow.Wrap ? wrap() : min];
  }
  return [0, 0n];
}

function bitfieldType(s: string): { sign: boolean; bits: number } {
  const c0 = s.charCodeAt(0);
  if (c0 !== 105 && c0 !== 117) fail(ERR_BF_TYPE); // 'i' / 'u'
  const sign = c0 === 105;
  let rest = s.slice(1);
  const z = rest.indexOf('\0');
  if (z >= 0) rest = rest.slice(0, z); // string2ll(p+1, strlen(p+1))
  const bits = parseLL(rest);
  if (bits === null || bits < 1 || (sign && bits > 64) || (!sign && bits > 63)) fail(ERR_BF_TYPE);
  return { sign, bits };
}

function bitfieldGeneric(c: Client, a: string[], ro: boolean): void {
  const ops: BfOp[] = [];
  let ow = Ow.Wrap;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < a.length; j++) {
    const remargs = a.length - j - 1;
    const sub = cstrLower(a[j]);
    let op: Op;
    if (sub === 'get' && remargs >= 2) op = Op.Get;
    else if (sub === 'set' && remargs >= 3) op = Op.Set;
    else if (sub === 'incrby' && remargs >= 3) op = Op.Incrby;
    else if (sub === 'overflow' && remargs >= 1) {
      const t = cstrLower(a[++j]);
      if (t === 'wrap') ow = Ow.Wrap;
      else if (t === 'sat') ow = Ow.Sat;
      else if (t === 'fail') ow = Ow.Fail;
      else fail('ERR Invalid OVERFLOW type specified');
      continue;
    } else {
      fail(ERR_SYNTAX);
    }
    const { sign, bits } = bitfieldType(a[j + 1]);
    const offset = getBitOffset(c, a[j + 2], true, bits);
    let value = 0n;
    if (op !== Op.Get) {
      readonly = false;
      if (highest < offset + bits - 1) highest = offset + bits - 1;
      value = BigInt(getLLExact(a[j + 3], ERR_NOT_INT));
    }
    ops.push({ offset, value, op, ow, bits, sign });
    j += op === Op.Get ? 2 : 3;
  }

  const db = c.db;
  const key = a[1];
  let src: string | undefined;
  let buf: Buffer | null = null;
  let grew = 0;
  let existed = false;
  if (readonly) {
    src = lookupStringRead(db, key);
  } else {
    if (ro) fail('ERR BITFIELD_RO only supports the GET subcommand');
    existed = db.lookupWrite(key) !== undefined;
    ({ buf, grew } = bitBuffer(c, key, highest));
  }

  let out = '*' + ops.length + '\r\n';
  const nul = c.resp === 3 ? '_\r\n' : '$-1\r\n';
  let changes = 0;
  const nine = new Uint8Array(9);
  for (const op of ops) {
    if (op.op === Op.Get) {
      const byte = Math.floor(op.offset / 8);
      nine.fill(0);
      if (buf) {
        for (let i = 0; i < 9 && byte + i < buf.length; i++) nine[i] = buf[byte + i];
      } else if (src !== undefined) {
        for (let i = 0; i < 9 && byte + i < src.length; i++) nine[i] = src.charCodeAt(byte + i);
      }
      const rel = op.offset - byte * 8;
      out += ':' + (op.sign ? getSigned(nine, rel, op.bits) : getUnsigned(nine, rel, op.bits)) + '\r\n';
      continue;
    }
    const p = buf!;
    let oldval: bigint;
    let newval: bigint;
    let retval: bigint;
    let overflow: number;
    let limit: bigint;
    if (op.sign) {
      oldval = getSigned(p, op.offset, op.bits);
      if (op.op === Op.Incrby) {
        [overflow, limit] = checkSigned(oldval, op.value, op.bits, op.ow);
        newval = overflow ? limit : oldval + op.value;
        retval = newval;
      } else {
        newval = op.value;
        [overflow, limit] = checkSigned(newval, 0n, op.bits, op.ow);
        if (overflow) newval = limit;
        retval = oldval;
      }
    } else {
      oldval = getUnsigned(p, op.offset, op.bits);
      if (op.op === Op.Incrby) {
        newval = BigInt.asUintN(64, oldval + op.value);
        [overflow, limit] = checkUnsigned(oldval, op.value, op.bits, op.ow);
        if (overflow) newval = limit;
        retval = newval;
      } else {
        newval = BigInt.asUintN(64, op.value);
        [overflow, limit] = checkUnsigned(newval, 0n, op.bits, op.ow);
        if (overflow) newval = limit;
        retval = oldval;
      }
      retval = BigInt.asIntN(64, retval); // addReplyLongLong
    }
    if (overflow && op.ow === Ow.Fail) {
      out += nul;
    } else {
      out += ':' + retval + '\r\n';
      setBits(p, op.offset, op.bits, newval);
      if (grew || oldval !== newval) changes++;
    }
  }
  c.add(out);
  if (buf) storeBits(c, key, buf.latin1Slice(0, buf.length), changes, existed);
}

export const commands: CommandDef[] = [
  { name: 'setbit', handler: setbitCommand },
  { name: 'getbit', handler: getbitCommand },
  { name: 'bitcount', handler: bitcountCommand },
  { name: 'bitpos', handler: bitposCommand },
  { name: 'bitop', handler: bitopCommand },
  { name: 'bitfield', handler: (c, a) => bitfieldGeneric(c, a, false) },
  { name: 'bitfield_ro', handler: (c, a) => bitfieldGeneric(c, a, true) },
];
