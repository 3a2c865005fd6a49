// Why: RDB deserialization (rdbLoadObject / rdbLoadRio of Redis 7.0, versions 1-10 plus the two 7.2
// types): every encoding a real Redis writes, with Redis's load-time encoding choices, and strict
// checks so that a corrupted or truncated input is refused with the offset where it went wrong.
// Parsing fills fresh maps; the caller installs them only when the whole file was read.
import type { Value } from '../datatypes/db.js';
import { HashObject } from '../datatypes/hash.js';
import { SetObject } from '../datatypes/set.js';
import { ZSet } from '../datatypes/zset.js';
import { ListObject } from '../datatypes/list.js';
import { Crc64, leHex } from './crc64.js';
import { lzfDecompress, lzfDecompressInto } from './lzf.js';
import { BlobError, lpDecode } from './listpack.js';
import { zlDecode } from './ziplist.js';
import { intsetDecode } from './intset-codec.js';
import { zipmapDecode } from './zipmap.js';
import { readStream } from './stream-codec.js';
import * as T from './rdb-types.js';
import { latin1 } from '../resp/request-parser.js';
import type { PendingCrc } from './crc64-parallel.js';

/** key-load-delay blocks like Redis's debugDelay (this module stays free of server imports). */
const delayCell = new Int32Array(new SharedArrayBuffer(4));

/** Where LZF strings are decompressed before they become JS strings. */
let lzfScratch = Buffer.allocUnsafe(4096);
/** Where LZF blobs (listpacks, intsets...) are decompressed for their decoders. */
let blobScratch = Buffer.allocUnsafe(4096);

/** A refused input: what was wrong and the byte offset where it was found. */
export class RdbError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at offset ${offset}`);
  }
}

/** Load-time encoding limits (the server's *-max-* configs). */
export interface LoadLimits {
  hashEntries: number;
  hashValue: number;
  setIntset: number;
  zsetEntries: number;
  zsetValue: number;
}

const TYPE_NAMES: Record<number, string> = {
  [T.T_MODULE]: 'module data type (MODULE)',
  [T.T_MODULE_2]: 'module data type (MODULE_2)',
};

/** A cursor over an RDB byte range. Offsets in errors are absolute within `buf`. */
export class RdbReader {
  pos: number;
  /** set by lenOrEnc(): the length prefix was a special encoding */
  isEnc = false;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  fail(reason: string, at = this.pos): never {
    throw new RdbError(reason, at);
  }

  need(n: number): void {
    if (this.pos + n > this.end) this.fail('Unexpected EOF reading RDB file');
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('Unexpected EOF reading RDB file');
    return this.buf[this.pos++];
  }

  /** rdbLoadLenByRef: a length, or (isEnc) a special string encoding number. */
  lenOrEnc(): number {
    const at = this.pos;
    const b0 = this.u8();
    const kind = b0 >> 6;
    this.isEnc = false;
    if (kind === T.LEN_ENCVAL) {
      this.isEnc = true;
      return b0 & 0x3f;
    }
    if (kind === T.LEN_6BIT) return b0 & 0x3f;
    if (kind === T.LEN_14BIT) return ((b0 & 0x3f) << 8) | this.u8();
    if (b0 === T.LEN_32BIT) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (b0 === T.LEN_64BIT) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`Length ${v} too large`, at);
      return Number(v);
    }
    return this.fail(`Unknown length encoding ${kind} in rdbLoadLen()`, at);
  }

  len(): number {
    const at = this.pos;
    const v = this.lenOrEnc();
    if (this.isEnc) this.fail('Unexpected encoded value where a length was expected', at);
    return v;
  }

  /** A uint64 length-encoded value (stream IDs) as a bigint. */
  lenBig(): bigint {
    const at = this.pos;
    const b0 = this.buf[this.pos];
    if (b0 === T.LEN_64BIT) {
      this.pos++;
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      return v;
    }
    const v = this.lenOrEnc();
    if (this.isEnc) this.fail('Unexpected encoded value where a length was expected', at);
    return BigInt(v);
  }

  private intEnc(enc: number, at: number): number {
    if (enc === T.ENC_INT8) {
      this.need(1);
      return this.buf.readInt8(this.pos++);
    }
    if (enc === T.ENC_INT16) {
      this.need(2);
      const v = this.buf.readInt16LE(this.pos);
      this.pos += 2;
      return v;
    }
    if (enc === T.ENC_INT32) {
      this.need(4);
      const v = this.buf.readInt32LE(this.pos);
      this.pos += 4;
      return v;
    }
    return this.fail(`Unknown RDB string encoding type ${enc}`, at);
  }

  private lzf(at: number): Buffer {
    const clen = this.len();
    const len = this.len();
    this.need(clen);
    const out = lzfDecompress(this.buf, this.pos, this.pos + clen, len);
    if (out === null) this.fail('Invalid LZF compressed string', at);
    this.pos += clen;
    return out;
  }

  /** An LZF-compressed string, decompressed into a scratch buffer (no Buffer per string). */
  private lzfString(at: number): string {
    lzfScratch = this.lzfInto(at, lzfScratch);
    return latin1(lzfScratch, 0, this.lzfLen);
  }

  /** Length of the payload the last lzfInto() decompressed. */
  private lzfLen = 0;

  /**
   * Decompress the LZF payload at pos (after its ENC_LZF byte) into scratch, grown if too small;
   * returns the buffer holding it (lzfLen bytes).
   */
  private lzfInto<B extends Buffer>(at: number, scratch: B): B {
    const clen = this.len();
    const len = this.len();
    this.need(clen);
    if (scratch.length < len) scratch = Buffer.allocUnsafe(Math.max(len, scratch.length * 2)) as B;
    if (!lzfDecompressInto(this.buf, this.pos, this.pos + clen, scratch, len)) this.fail('Invalid LZF compressed string', at);
    this.pos += clen;
    this.lzfLen = len;
    return scratch;
  }

  /** rdbGenericLoadStringObject as a latin1 JS string. */
  string(): string {
    const at = this.pos;
    const n = this.lenOrEnc();
    if (this.isEnc) {
      if (n === T.ENC_LZF) return this.lzfString(at);
      return String(this.intEnc(n, at));
    }
    this.need(n);
    const s = latin1(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** A string's raw bytes (encoded blobs). Integer-encoded strings come back as their digits. */
  blob(): Buffer {
    const at = this.pos;
    const n = this.lenOrEnc();
    if (this.isEnc) {
      if (n === T.ENC_LZF) return this.lzf(at);
      return Buffer.from(String(this.intEnc(n, at)), 'latin1');
    }
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** rdbLoadBinaryDoubleValue */
  binDouble(): number {
    this.need(8);
    const d = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return d;
  }

  /** rdbLoadDoubleValue (the string form of RDB_TYPE_ZSET) */
  strDouble(): number {
    const at = this.pos;
    const l = this.u8();
    if (l === 255) return -Infinity;
    if (l === 254) return Infinity;
    if (l === 253) return NaN;
    this.need(l);
    const s = this.buf.latin1Slice(this.pos, this.pos + l);
    this.pos += l;
    const d = parseCDouble(s);
    if (d === null) this.fail(`Invalid double value '${s}'`, at);
    return d;
  }

  /** rdbLoadMillisecondTime */
  ms(): number {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return Number(v);
  }

  /** rdbLoadTime (RDB_OPCODE_EXPIRETIME: int32 seconds) */
  time32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /**
   * Run a blob decoder on the blob's bytes in place (an LZF one decompressed into a scratch buffer:
   * no Buffer per blob), turning its complaint into an RdbError at the blob's offset. The decoder
   * must not keep the buffer.
   */
  decodeBlob<R>(what: string, fn: (b: Buffer, start: number, end: number) => R): R {
    const at = this.pos;
    const n = this.lenOrEnc();
    let b = this.buf;
    let start = this.pos;
    let end: number;
    if (this.isEnc) {
      if (n !== T.ENC_LZF) {
        this.pos = at;
        b = this.blob();
        start = 0;
        end = b.length;
      } else {
        blobScratch = this.lzfInto(at, blobScratch);
        b = blobScratch;
        start = 0;
        end = this.lzfLen;
      }
    } else {
      this.need(n);
      this.pos += n;
      end = start + n;
    }
    try {
      return fn(b, start, end);
    } catch (e) {
      if (e instanceof BlobError) this.fail(`${what} integrity check failed: ${e.message}`, at);
      throw e;
    }
  }
}

/** sscanf("%lg") for the numbers Redis writes (%.17g, inf, nan). */
function parseCDouble(s: string): number | null {
  const t = s.trim().toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan' || t === '-nan') return NaN;
  const m = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/.exec(t);
  return m ? Number(m[0]) : null;
}

/**
 * A plain decimal ("-12", "1.5"): Number() rounds it exactly as strtod does; null for anything
 * else (exponents, inf, nan, spaces...), which goes through parseCDouble.
 */
function plainDecimal(s: string): number | null {
  const n = s.length;
  let i = n > 0 && s.charCodeAt(0) === 45 ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return null;
  }
  return digits > 0 ? Number(s) : null;
}

/** A score stored as a listpack element (zzlGetScore: strtod of the string, or the integer). */
function lpScore(s: string, r: RdbReader, at: number): number {
  const d = plainDecimal(s) ?? parseCDouble(s);
  if (d === null) r.fail(`Invalid sorted set score '${s}'`, at);
  return d;
}

/** Does a field repeat in flat [f, v, ...] pairs? (Small hashes: compared pairwise, no Set.) */
function hasDuplicateField(flat: string[]): boolean {
  if (flat.length > 32) return new Set(flat.filter((_, i) => i % 2 === 0)).size !== flat.length / 2;
  for (let i = 2; i < flat.length; i += 2) {
    const f = flat[i];
    for (let j = 0; j < i; j += 2) if (flat[j] === f) return true;
  }
  return false;
}

function buildHashFromPairs(flat: string[], lim: LoadLimits, r: RdbReader, at: number, checkValues: boolean): HashObject | null {
  if (flat.length % 2 !== 0) r.fail('Hash listpack with an odd number of elements', at);
  if (flat.length === 0) return null;
  const n = flat.length / 2;
  if (hasDuplicateField(flat)) r.fail('Hash with dup elements', at);
  let maxLen = 0;
  for (let i = 0; i < flat.length; i += 2) {
    const f = flat[i];
    const v = flat[i + 1];
    if (f.length > maxLen) maxLen = f.length;
    if (v.length > maxLen) maxLen = v.length;
  }
  const h = HashObject.fromPairs(flat);
  if (n > lim.hashEntries || (checkValues && maxLen > lim.hashValue)) h.convert();
  return h;
}

function buildZsetFromPairs(flat: string[], lim: LoadLimits, r: RdbReader, at: number): ZSet | null {
  if (flat.length % 2 !== 0) r.fail('Zset listpack with an odd number of elements', at);
  if (flat.length === 0) return null;
  const z = new ZSet();
  for (let i = 0; i < flat.length; i += 2) {
    const m = flat[i];
    if (z.dict.has(m)) r.fail('Duplicate zset fields detected', at);
    const score = lpScore(flat[i + 1], r, at);
    if (Number.isNaN(score)) r.fail('Zset with NAN score detected', at);
    z.insert(m, score);
  }
  z.listpack = z.size <= lim.zsetEntries;
  return z;
}

function buildSet(members: string[], lim: LoadLimits, r: RdbReader, at: number): SetObject | null {
  if (members.length === 0) return null;
  const s = SetObject.fromMembers(members, lim.setIntset);
  if (s.size !== members.length) r.fail('Duplicate set members detected', at);
  return s;
}

/**
 * rdbLoadObject: the value of RDB type `type` at the reader's position. Returns null for an empty
 * collection (Redis skips such keys when loading a file; RESTORE refuses them).
 */
export function loadObject(r: RdbReader, type: number, lim: LoadLimits): Value | null {
  const at = r.pos;
  switch (type) {
    case T.T_STRING:
      return r.string();
    case T.T_LIST: {
      const n = r.len();
      if (n === 0) return null;
      const items: string[] = new Array(n);
      for (let i = 0; i < n; i++) items[i] = r.string();
      return ListObject.from(items);
    }
    case T.T_SET:
    case T.T_SET_LISTPACK: {
      let members: string[];
      if (type === T.T_SET_LISTPACK) members = r.decodeBlob('Set listpack', lpDecode);
      else {
        const n = r.len();
        members = new Array(n);
        for (let i = 0; i < n; i++) members[i] = r.string();
      }
      return buildSet(members, lim, r, at);
    }
    case T.T_ZSET:
    case T.T_ZSET_2: {
      const n = r.len();
      if (n === 0) return null;
      const z = new ZSet();
      let maxLen = 0;
      for (let i = 0; i < n; i++) {
        const m = r.string();
        const score = type === T.T_ZSET_2 ? r.binDouble() : r.strDouble();
        if (Number.isNaN(score)) r.fail('Zset with NAN score detected', at);
        if (z.dict.has(m)) r.fail('Duplicate zset fields detected', at);
        if (m.length > maxLen) maxLen = m.length;
        z.insert(m, score);
      }
      z.listpack = z.size <= lim.zsetEntries && maxLen <= lim.zsetValue;
      return z;
    }
    case T.T_HASH: {
      const n = r.len();
      if (n === 0) return null;
      const h = new HashObject();
      if (n > lim.hashEntries) h.convert();
      const inf = { entries: lim.hashEntries, value: lim.hashValue };
      for (let i = 0; i < n; i++) {
        const f = r.string();
        const v = r.string();
        if (h.has(f)) r.fail('Duplicate hash fields detected', at);
        h.set(f, v, inf);
      }
      return h;
    }
    case T.T_LIST_QUICKLIST:
    case T.T_LIST_QUICKLIST_2: {
      const nodes = r.len();
      if (nodes === 0) return null;
      const items: string[] = [];
      for (let i = 0; i < nodes; i++) {
        let container = T.QL_PACKED;
        if (type === T.T_LIST_QUICKLIST_2) {
          container = r.len();
          if (container !== T.QL_PACKED && container !== T.QL_PLAIN) r.fail('Quicklist integrity check failed.', at);
        }
        const nodeAt = r.pos;
        if (container === T.QL_PLAIN) {
          const b = r.blob();
          if (b.length === 0) r.fail('Empty quicklist plain node', nodeAt);
          items.push(b.latin1Slice(0, b.length));
          continue;
        }
        const els =
          type === T.T_LIST_QUICKLIST_2 ? r.decodeBlob('Listpack', lpDecode) : r.decodeBlob('Ziplist', zlDecode);
        for (const e of els) items.push(e);
      }
      if (items.length === 0) return null;
      return ListObject.from(items);
    }
    case T.T_LIST_ZIPLIST: {
      const items = r.decodeBlob('List ziplist', zlDecode);
      return items.length === 0 ? null : ListObject.from(items);
    }
    case T.T_SET_INTSET: {
      const ints = r.decodeBlob('Intset', intsetDecode);
      if (ints.length === 0) return null;
      if (ints.length > lim.setIntset) return SetObject.fromMembers(ints, lim.setIntset);
      const s = new SetObject(true);
      s.ints = ints;
      return s;
    }
    case T.T_ZSET_ZIPLIST:
      return buildZsetFromPairs(r.decodeBlob('Zset ziplist', zlDecode), lim, r, at);
    case T.T_ZSET_LISTPACK:
      return buildZsetFromPairs(r.decodeBlob('Zset listpack', lpDecode), lim, r, at);
    case T.T_HASH_ZIPMAP:
      return buildHashFromPairs(r.decodeBlob('Zipmap', zipmapDecode), lim, r, at, true);
    case T.T_HASH_ZIPLIST:
      return buildHashFromPairs(r.decodeBlob('Hash ziplist', zlDecode), lim, r, at, false);
    case T.T_HASH_LISTPACK:
      return buildHashFromPairs(r.decodeBlob('Hash listpack', lpDecode), lim, r, at, false);
    case T.T_STREAM_LISTPACKS:
    case T.T_STREAM_LISTPACKS_2:
    case T.T_STREAM_LISTPACKS_3:
      return readStream(r, type);
    default: {
      const name = TYPE_NAMES[type];
      if (name) r.fail(`Unsupported RDB feature: ${name}`, at);
      return r.fail(`Unknown RDB encoding type ${type}`, at);
    }
  }
}

export function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 21);
}

export interface LoadedDb {
  dict: Map<string, Value>;
  expires: Map<string, number>;
}

export interface LoadResult {
  dbs: LoadedDb[];
  version: number;
  keysLoaded: number;
  keysExpired: number;
  emptyKeysSkipped: number;
  aux: Map<string, string>;
  /** the file's checksum was 0 (saved with rdbchecksum no) */
  checksumDisabled: boolean;
  /** where the RDB data ended (after the checksum) */
  end: number;
}

export interface ParseOptions {
  numDbs: number;
  limits: LoadLimits;
  /** keys whose expire time is before this are dropped (a master loading its file); null keeps all */
  expireBefore: number | null;
  /** verify the CRC-64 at the end (rdbchecksum) */
  checksum: boolean;
  log?: (level: 'notice' | 'warning', msg: string) => void;
  /** called every 256 keys with the bytes consumed so far */
  progress?: (pos: number, keys: number) => void;
  /** key-load-delay: microseconds to wait after each key (tests) */
  keyDelayUs?: number;
  /** stop after the checksum and accept what follows (an AOF with an RDB preamble) */
  allowTrailing?: boolean;
  /** the checksum of a prefix of buf, computed elsewhere meanwhile (used if it ends where the data does) */
  crc?: PendingCrc | null;
}

/**
 * Parse a whole RDB file. Throws RdbError (with the offset) for anything malformed, truncated, or
 * using a feature eddy does not have; on success nothing of the server has been touched yet.
 */
export function parseRdb(buf: Buffer, opts: ParseOptions): LoadResult {
  const r = new RdbReader(buf);
  const log = opts.log ?? (() => {});
  if (buf.length < 9) r.fail('Unexpected EOF reading RDB file', buf.length);
  const magic = buf.latin1Slice(0, 9);
  if (!magic.startsWith('REDIS')) r.fail('Wrong signature trying to load DB from file', 0);
  const version = Number(magic.slice(5));
  if (!/^\d{4}$/.test(magic.slice(5)) || version < 1 || version > T.RDB_MAX_READ_VERSION) r.fail(`Can't handle RDB format version ${magic.slice(5)}`, 5);
  r.pos = 9;
  const dbs: LoadedDb[] = [];
  for (let i = 0; i < opts.numDbs; i++) dbs.push({ dict: new Map(), expires: new Map() });
  let db = dbs[0];
  let dbid = 0;
  let expiretime = -1;
  let keysLoaded = 0;
  let keysExpired = 0;
  let empty = 0;
  const aux = new Map<string, string>();
  for (;;) {
    const opAt = r.pos;
    const type = r.u8();
    if (type === T.OP_EXPIRETIME) {
      expiretime = r.time32() * 1000;
      continue;
    }
    if (type === T.OP_EXPIRETIME_MS) {
      expiretime = r.ms();
      continue;
    }
    if (type === T.OP_FREQ) {
      r.u8();
      continue;
    }
    if (type === T.OP_IDLE) {
      r.len();
      continue;
    }
    if (type === T.OP_EOF) break;
    if (type === T.OP_SELECTDB) {
      dbid = r.len();
      if (dbid >= opts.numDbs) {
        r.fail(`Data file was created with a Redis server configured to handle more than ${opts.numDbs} databases (SELECTDB ${dbid})`, opAt);
      }
      db = dbs[dbid];
      continue;
    }
    if (type === T.OP_RESIZEDB) {
      r.len();
      r.len();
      continue;
    }
    if (type === T.OP_AUX) {
      const k = r.string();
      const v = r.string();
      aux.set(k, v);
      if (k.startsWith('%')) log('notice', `RDB '${k}': ${v}`);
      else if (k === 'redis-ver') log('notice', `Loading RDB produced by version ${v}`);
      else if (k === 'ctime') log('notice', `RDB age ${Math.max(0, Math.floor(Date.now() / 1000) - (parseInt(v, 10) || 0))} seconds`);
      else if (k === 'used-mem') log('notice', `RDB memory usage when created ${((parseInt(v, 10) || 0) / (1024 * 1024)).toFixed(2)} Mb`);
      continue;
    }
    if (type === T.OP_MODULE_AUX) r.fail('Unsupported RDB feature: module AUX data (MODULE_AUX opcode)', opAt);
    if (type === T.OP_FUNCTION || type === T.OP_FUNCTION2) {
      r.fail(`Unsupported RDB feature: function libraries (${type === T.OP_FUNCTION2 ? 'FUNCTION2' : 'FUNCTION'} opcode)`, opAt);
    }
    if (!isObjectType(type)) r.fail(`Unknown RDB opcode or type ${type}`, opAt);
    if (TYPE_NAMES[type]) r.fail(`Unsupported RDB feature: ${TYPE_NAMES[type]}`, opAt);
    const key = r.string();
    const val = loadObject(r, type, opts.limits);
    if (val === null) {
      if (empty++ < 10) log('warning', `rdbLoadObject skipping empty key: ${key}`);
    } else if (opts.expireBefore !== null && expiretime !== -1 && expiretime < opts.expireBefore) {
      keysExpired++;
    } else {
      const n = db.dict.size;
      db.dict.set(key, val);
      if (db.dict.size === n) r.fail(`RDB has duplicated key '${key}' in DB ${dbid}`, opAt);
      if (expiretime !== -1) db.expires.set(key, expiretime);
      keysLoaded++;
    }
    expiretime = -1;
    if (opts.keyDelayUs) Atomics.wait(delayCell, 0, 0, opts.keyDelayUs / 1000);
    if (opts.progress && ((keysLoaded + keysExpired) & 255) === 0) opts.progress(r.pos, keysLoaded + keysExpired);
  }
  let checksumDisabled = false;
  if (version >= 5) {
    const at = r.pos;
    r.need(8);
    if (opts.checksum) {
      let zero = true;
      for (let i = 0; i < 8; i++) if (buf[at + i] !== 0) zero = false;
      if (zero) {
        checksumDisabled = true;
        log('warning', 'RDB file was saved with checksum disabled: no check performed.');
      } else {
        const crc = (opts.crc?.end === at ? opts.crc.wait() : null) ?? new Crc64().update(buf, 0, at);
        if (!crc.matchesLE(buf, at)) r.fail(`Wrong RDB checksum expected: (${crc.hex()}) but got (${leHex(buf, at)})`, at);
      }
    }
    r.pos += 8;
  }
  if (!opts.allowTrailing && r.pos !== buf.length) r.fail(`${buf.length - r.pos} unexpected bytes after the end of the RDB data`, r.pos);
  if (empty) {
    log('warning', `Done loading RDB, keys loaded: ${keysLoaded}, keys expired: ${keysExpired}, empty keys skipped: ${empty}.`);
  } else {
    log('notice', `Done loading RDB, keys loaded: ${keysLoaded}, keys expired: ${keysExpired}.`);
  }
  return { dbs, version, keysLoaded, keysExpired, emptyKeysSkipped: empty, aux, checksumDisabled, end: r.pos };
}

/** Verify a DUMP payload's footer (verifyDumpPayload of Redis 7.0): version <= 10 and CRC-64. */
export function verifyDumpPayload(p: Buffer): boolean {
  if (p.length < 10) return false;
  const footer = p.length - 10;
  const ver = p[footer] | (p[footer + 1] << 8);
  if (ver > T.RDB_VERSION) return false;
  return new Crc64().update(p, 0, p.length - 8).matchesLE(p, p.length - 8);
}

/** The value inside a verified DUMP payload; throws RdbError when it does not parse. */
export function loadDumpPayload(p: Buffer, lim: LoadLimits): Value | null {
  const r = new RdbReader(p, 0, p.length - 10);
  const type = r.u8();
  if (!isObjectType(type)) r.fail(`Unknown RDB type ${type}`, 0);
  return loadObject(r, type, lim);
}

