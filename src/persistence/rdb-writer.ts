// Why: RDB serialization as Redis 7.0 writes it (rdbSaveRawString's integer/LZF string forms,
// rdbSaveObject's per-encoding layouts, AUX fields, SELECTDB/RESIZEDB, EOF + CRC64). Output goes to
// a sink chunk by chunk, so the same encoder feeds a file (SAVE/BGSAVE), a DUMP payload, and later
// AOF rewrite and replica full sync.
import type { Value } from '../datatypes/db.js';
import { HashObject } from '../datatypes/hash.js';
import { SetObject } from '../datatypes/set.js';
import { ZSet } from '../datatypes/zset.js';
import { ZCursor } from '../datatypes/zset-tree.js';
import { ListObject } from '../datatypes/list.js';
import { StreamObject } from '../datatypes/stream-struct.js';
import { STREAM_RDB_TYPE, streamSteps } from './stream-codec.js';
import { isInt64 } from '../datatypes/intset.js';
import { fmtG17 } from '../resp/reply.js';
import { Crc64 } from './crc64.js';
import { lzfCompress, lzfCompressInto } from './lzf.js';
import { ListpackWriter } from './listpack.js';
import { intsetEncode } from './intset-codec.js';
import * as T from './rdb-types.js';

/**
 * Where encoded bytes go. Chunks are handed over and never touched again by the encoder, unless
 * the sink is `synchronous`: then it is done with a chunk when write() returns (a file written
 * with writeSync) and the encoder refills the same buffer (no 64 KB allocation per chunk, which
 * piled up as external memory until the next GC: ~+10 MB of RSS during a 1M-key BGSAVE).
 */
export interface RdbSink {
  write(chunk: Buffer): void;
  readonly synchronous?: boolean;
}

export interface EncodeOptions {
  /** compute the CRC-64 of everything written (rdbchecksum) */
  checksum: boolean;
  /** try LZF on strings longer than 20 bytes (rdbcompression) */
  compress: boolean;
  /** list-max-listpack-size: how values are split into quicklist nodes */
  listFill: number;
  /**
   * rdbPopulateSaveInfo: the replication position an RDB file carries (repl-stream-db, repl-id,
   * repl-offset AUX fields), asked for when the header is written; null or absent: none.
   */
  saveInfo?: () => SaveInfo | null;
}

/** What a restarted replica needs to continue with PSYNC (Redis's rdbSaveInfo). */
export interface SaveInfo {
  streamDb: number;
  replid: string;
  offset: number;
}

const CHUNK = 64 * 1024;
/** Collections with more elements than this can be written in steps (bigValue). */
const BIG_VALUE = 512;
/** A step of a big value writes about this many elements. */
const STEP_ELEMENTS = 64;

/** The listpack of a small value being written (finished and copied out before the next one). */
const lpScratch = new ListpackWriter(1024);
/** Scratch buffers for compressing strings without allocating per string. */
let scratchIn = Buffer.allocUnsafe(4096);
let scratchOut = Buffer.allocUnsafe(4096);
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** quicklist's optimization_level for negative list-max-listpack-size values. */
const QL_LEVELS = [4096, 8192, 16384, 32768, 65536];
const QL_SIZE_SAFETY_LIMIT = 8192;
const QL_SIZE_ESTIMATE_OVERHEAD = 8;

/** rdbTryIntegerEncoding's test: a canonical integer within the int32 range. */
function int32Value(s: string): number | null {
  if (s.length === 0 || s.length > 11 || !isInt64(s)) return null;
  const v = Number(s);
  return v >= INT32_MIN && v <= INT32_MAX ? v : null;
}

/** Redis's d2string, the form a sorted-set score takes inside a listpack. */
export function d2string(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (d > -4503599627370495 && d < 4503599627370496 && Number.isInteger(d)) return String(d);
  return fmtG17(d);
}

export class RdbEncoder {
  private buf: Buffer;
  private pos = 0;
  private readonly crc: Crc64 | null;
  /** bytes handed to the sink so far (plus what is buffered: see `size`) */
  private flushed = 0;
  private readonly parts: Buffer[] = [];

  /** sink null: keep everything in memory (DUMP payloads); take it with `take()`. */
  constructor(
    private readonly sink: RdbSink | null,
    readonly opts: EncodeOptions,
  ) {
    this.buf = Buffer.allocUnsafe(sink ? CHUNK : 256);
    this.crc = opts.checksum ? new Crc64() : null;
  }

  get size(): number {
    return this.flushed + this.pos;
  }

  private hand(chunk: Buffer): void {
    if (this.crc) this.crc.update(chunk);
    this.flushed += chunk.length;
    if (this.sink) this.sink.write(chunk);
    else this.parts.push(chunk);
  }

  /** Hand the buffered bytes to the sink. */
  flush(): void {
    if (this.pos === 0) return;
    const full = this.buf;
    const chunk = full.subarray(0, this.pos);
    this.pos = 0;
    if (this.sink?.synchronous) {
      this.hand(chunk);
      if (full.length !== CHUNK) this.buf = Buffer.allocUnsafe(CHUNK);
      return;
    }
    this.buf = Buffer.allocUnsafe(this.sink ? CHUNK : Math.max(256, this.buf.length * 2));
    this.hand(chunk);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  /** Everything written so far, as one buffer (in-memory encoders). */
  take(): Buffer {
    this.flush();
    return this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
  }

  /** Finish an RDB stream: the CRC-64 (0 when checksums are off), then flush. */
  finishWithChecksum(): void {
    this.flush();
    const b = this.crc ? this.crc.bytesLE() : Buffer.alloc(8);
    this.ensure(8);
    b.copy(this.buf, this.pos);
    this.pos += 8;
    // The checksum bytes are not part of the checksum: hand them over without updating it.
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.sink ? CHUNK : 256);
    this.pos = 0;
    this.flushed += chunk.length;
    if (this.sink) this.sink.write(chunk);
    else this.parts.push(chunk);
  }

  /** Current CRC-64 of the bytes written (DUMP footers). */
  crcBytes(): Buffer {
    this.flush();
    return this.crc ? this.crc.bytesLE() : Buffer.alloc(8);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  raw(b: Uint8Array): void {
    if (b.length > CHUNK && this.sink) {
      this.flush();
      this.hand(Buffer.from(b.buffer, b.byteOffset, b.length));
      return;
    }
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /**
   * src[0, n), always copied into the encoder's own buffer (src is scratch space, never handed to
   * the sink); small ones by a loop (Buffer#copy of a range allocates a view per call).
   */
  private rawFrom(src: Buffer, n: number): void {
    this.ensure(n);
    if (n > 1024) {
      src.copy(this.buf, this.pos, 0, n);
      this.pos += n;
      return;
    }
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = src[i];
    this.pos = p;
  }

  private rawLatin1(s: string): void {
    const n = s.length;
    if (n > CHUNK && this.sink) {
      this.flush();
      this.hand(Buffer.from(s, 'latin1'));
      return;
    }
    this.ensure(n);
    this.pos += this.buf.latin1Write(s, this.pos, n);
  }

  /** rdbSaveLen */
  len(n: number): void {
    this.ensure(9);
    const b = this.buf;
    if (n < 1 << 6) {
      b[this.pos++] = n;
    } else if (n < 1 << 14) {
      b[this.pos++] = (n >>> 8) | 0x40;
      b[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      b[this.pos++] = T.LEN_32BIT;
      b.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      b[this.pos++] = T.LEN_64BIT;
      b.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** rdbSaveLen for a uint64 beyond 2^53 (stream IDs). */
  lenBig(n: bigint): void {
    if (n <= 0xffffffffn) return this.len(Number(n));
    this.ensure(9);
    this.buf[this.pos++] = T.LEN_64BIT;
    this.buf.writeBigUInt64BE(n, this.pos);
    this.pos += 8;
  }

  /** rdbEncodeInteger */
  private encInt(v: number): void {
    this.ensure(5);
    const b = this.buf;
    if (v >= -128 && v <= 127) {
      b[this.pos++] = 0xc0 | T.ENC_INT8;
      b.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      b[this.pos++] = 0xc0 | T.ENC_INT16;
      b.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else {
      b[this.pos++] = 0xc0 | T.ENC_INT32;
      b.writeInt32LE(v, this.pos);
      this.pos += 4;
    }
  }

  private lzfBlob(compressed: Buffer, origLen: number): void {
    this.u8(0xc0 | T.ENC_LZF);
    this.len(compressed.length);
    this.len(origLen);
    this.raw(compressed);
  }

  /** rdbSaveRawString for a latin1 JS string: integer form, LZF, or verbatim. */
  string(s: string): void {
    const n = s.length;
    if (n <= 11) {
      const v = int32Value(s);
      if (v !== null) return this.encInt(v);
    }
    if (this.opts.compress && n > 20) {
      if (n > CHUNK) {
        const src = Buffer.from(s, 'latin1');
        const c = lzfCompress(src, n - 4);
        if (c !== null) return this.lzfBlob(c, n);
        this.len(n);
        this.raw(src);
        return;
      }
      if (scratchIn.length < n) {
        scratchIn = Buffer.allocUnsafe(Math.max(n, scratchIn.length * 2));
        scratchOut = Buffer.allocUnsafe(scratchIn.length + 1);
      }
      scratchIn.latin1Write(s, 0, n);
      this.lzfOrRaw(scratchIn, n);
      return;
    }
    this.len(n);
    this.rawLatin1(s);
  }

  /** rdbSaveRawString for binary data (encoded blobs: listpacks, intsets...). */
  blob(b: Buffer): void {
    this.blobFrom(b, b.length);
  }

  /** blob(b[0, n)), compressed through the scratch buffer (no allocation per blob). */
  private blobFrom(b: Buffer, n: number): void {
    if (n <= 11) {
      const v = int32Value(b.latin1Slice(0, n));
      if (v !== null) return this.encInt(v);
    }
    if (this.opts.compress && n > 20) {
      if (scratchOut.length < n + 1) {
        scratchIn = Buffer.allocUnsafe(Math.max(n + 1, scratchIn.length * 2));
        scratchOut = Buffer.allocUnsafe(scratchIn.length + 1);
      }
      return this.lzfOrRaw(b, n);
    }
    this.len(n);
    this.rawFrom(b, n);
  }

  /** src[0, n) LZF-compressed through scratchOut (sized by the caller) if that saves bytes, else verbatim. */
  private lzfOrRaw(src: Buffer, n: number): void {
    const clen = lzfCompressInto(src, n, scratchOut, n - 4);
    if (clen > 0) {
      this.u8(0xc0 | T.ENC_LZF);
      this.len(clen);
      this.len(n);
      this.rawFrom(scratchOut, clen);
      return;
    }
    this.len(n);
    this.rawFrom(src, n);
  }

  /** A finished listpack of the scratch writer as a blob. */
  private lpBlob(w: ListpackWriter): void {
    this.blobFrom(w.buffer, w.finishInPlace());
  }

  /** rdbSaveBinaryDoubleValue */
  binDouble(d: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** rdbSaveMillisecondTime: int64 little endian */
  ms(t: number): void {
    this.ensure(8);
    if (t >= 0 && t <= Number.MAX_SAFE_INTEGER) {
      // No BigInt per key with an expire: the two 32-bit halves.
      this.buf.writeUInt32LE(t % 0x100000000, this.pos);
      this.buf.writeUInt32LE(Math.floor(t / 0x100000000), this.pos + 4);
    } else {
      this.buf.writeBigInt64LE(BigInt(t), this.pos);
    }
    this.pos += 8;
  }

  /** rdbSaveAuxFieldStrStr / StrInt */
  aux(key: string, val: string): void {
    this.u8(T.OP_AUX);
    this.string(key);
    this.string(val);
  }

  /** The RDB header and the AUX fields Redis 7.0 writes (replication info when opts.saveInfo gives it). */
  header(usedMem: number, aofBase = false): void {
    this.rawLatin1('REDIS' + String(T.RDB_VERSION).padStart(4, '0'));
    this.aux('redis-ver', '7.0.15');
    this.aux('redis-bits', '64');
    this.aux('ctime', String(Math.floor(Date.now() / 1000)));
    this.aux('used-mem', String(usedMem));
    // rdbSaveInfoAuxFields: AOF bases carry no replication info (Redis passes rsi NULL for them).
    const rsi = aofBase ? null : (this.opts.saveInfo?.() ?? null);
    if (rsi !== null) {
      this.aux('repl-stream-db', String(rsi.streamDb));
      this.aux('repl-id', rsi.replid);
      this.aux('repl-offset', String(rsi.offset));
    }
    this.aux('aof-base', aofBase ? '1' : '0');
  }

  selectDb(id: number): void {
    this.u8(T.OP_SELECTDB);
    this.len(id);
  }

  resizeDb(size: number, expires: number): void {
    this.u8(T.OP_RESIZEDB);
    this.len(size);
    this.len(expires);
  }

  /** rdbSaveKeyValuePair (without LRU/LFU info). */
  keyValue(key: string, v: Value, expireMs: number | undefined): void {
    this.keyHeader(key, v, expireMs);
    this.value(v);
  }

  /** What precedes a value in rdbSaveKeyValuePair: expire time, type, key. */
  keyHeader(key: string, v: Value, expireMs: number | undefined): void {
    if (expireMs !== undefined) {
      this.u8(T.OP_EXPIRETIME_MS);
      this.ms(expireMs);
    }
    this.u8(rdbType(v));
    this.string(key);
  }

  /** rdbSaveObject */
  value(v: Value): void {
    if (typeof v === 'string') return this.string(v);
    if (v instanceof HashObject && v.isListpack) return this.hashListpack(v);
    if (v instanceof SetObject && v.ints) return this.blob(intsetEncode(v.ints));
    if (v instanceof ZSet && v.listpack) return this.zsetListpack(v);
    if (v instanceof ListObject && v.length <= BIG_VALUE && this.oneNodeList(v)) return;
    const steps = this.valueSteps(v);
    while (!steps.next().done);
  }

  /**
   * A value too big to write in one go (more than BIG_VALUE elements, not listpack/intset
   * encoded) as steps: the generator writes it and yields every STEP_ELEMENTS or so; the value
   * must not change until it is done. null: write it with value().
   */
  bigValue(v: Value): Generator<void, void> | null {
    if (typeof v === 'string') return null;
    if (v instanceof HashObject) return v.isListpack || v.size <= BIG_VALUE ? null : this.valueSteps(v);
    if (v instanceof SetObject) return v.ints || v.size <= BIG_VALUE ? null : this.valueSteps(v);
    if (v instanceof ZSet) return v.listpack || v.size <= BIG_VALUE ? null : this.valueSteps(v);
    if (v instanceof ListObject) return v.length <= BIG_VALUE ? null : this.valueSteps(v);
    if (v instanceof StreamObject) return v.length <= BIG_VALUE ? null : this.valueSteps(v);
    return null;
  }

  /** rdbSaveObject for the encodings written element by element. */
  private valueSteps(v: Exclude<Value, string>): Generator<void, void> {
    if (v instanceof HashObject) return this.hashTable(v);
    if (v instanceof SetObject) return this.setTable(v);
    if (v instanceof ZSet) return this.zsetSkiplist(v);
    if (v instanceof ListObject) return this.list(v);
    if (v instanceof StreamObject) return streamSteps(this, v);
    throw new Error(`cannot serialize a value of type ${v.type}`);
  }

  /**
   * A listpack-encoded hash, read straight from its pack (hash.ts: [field, value, ...], each a
   * varint length, 7 bits per char low first, high bit = more, then its chars): no string per
   * field and value.
   */
  private hashListpack(h: HashObject): void {
    const p = h.pack!;
    const n = p.length;
    if (scratchIn.length < n) {
      scratchIn = Buffer.allocUnsafe(Math.max(n, scratchIn.length * 2));
      scratchOut = Buffer.allocUnsafe(scratchIn.length + 1);
    }
    const b = scratchIn;
    b.latin1Write(p, 0, n);
    const w = lpScratch.reset();
    let pos = 0;
    while (pos < n) {
      let c = b[pos++];
      let len = c & 127;
      for (let mul = 128; c >= 128; mul *= 128) {
        c = b[pos++];
        len += (c & 127) * mul;
      }
      w.appendBytes(b, pos, len);
      pos += len;
    }
    this.lpBlob(w);
  }

  private *hashTable(h: HashObject): Generator<void, void> {
    const [fields, vals] = h.arrays();
    const n = fields.length;
    this.len(n);
    for (let i = 0; i < n; i++) {
      this.string(fields[i]);
      this.string(vals[i]);
      if (i % STEP_ELEMENTS === STEP_ELEMENTS - 1) yield;
    }
  }

  private *setTable(s: SetObject): Generator<void, void> {
    const m = s.members();
    const n = m.length;
    this.len(n);
    for (let i = 0; i < n; i++) {
      this.string(m[i]);
      if (i % STEP_ELEMENTS === STEP_ELEMENTS - 1) yield;
    }
  }

  private zsetListpack(z: ZSet): void {
    const w = lpScratch.reset();
    z.zsl.forEach((n) => {
      w.append(n.member);
      const d = n.score;
      // d2string's integer form, which append() would store as an integer: without the string.
      if (Number.isInteger(d) && d > -1e15 && d < 1e15 && !Object.is(d, -0)) w.appendInt(d);
      else w.append(d2string(d));
    });
    this.lpBlob(w);
  }

  private *zsetSkiplist(z: ZSet): Generator<void, void> {
    // From the greatest to the smallest, as Redis (loading then inserts at the head).
    this.len(z.size);
    let i = 0;
    const c = new ZCursor();
    for (z.zsl.seekLast(c); c.leaf !== null; c.prev()) {
      const n = c.node;
      this.string(n.member);
      this.binDouble(n.score);
      if (++i % STEP_ELEMENTS === 0) yield;
    }
  }

  /** A list that fits one quicklist node, written without a generator; false (nothing written) otherwise. */
  private oneNodeList(l: ListObject): boolean {
    const d = l.d;
    const n = d.length;
    const fill = this.opts.listFill;
    if (n === 0) return false;
    const w = lpScratch.reset();
    for (let i = 0; i < n; i++) {
      const s = d.get(i);
      if (w.count > 0 && !allowInsert(w.bytes, w.count, s.length, fill)) return false;
      w.append(s);
    }
    this.len(1);
    this.len(T.QL_PACKED);
    this.lpBlob(w);
    return true;
  }

  /** A quicklist of listpack nodes split as quicklist's _quicklistNodeAllowInsert would. */
  private *list(l: ListObject): Generator<void, void> {
    const d = l.d;
    const n = d.length;
    const fill = this.opts.listFill;
    // The node count comes first: build every node before writing any.
    const nodes: Buffer[] = [];
    let w = new ListpackWriter(256);
    for (let i = 0; i < n; i++) {
      const s = d.get(i);
      if (w.count > 0 && !allowInsert(w.bytes, w.count, s.length, fill)) {
        nodes.push(w.finish());
        w = new ListpackWriter(256);
      }
      w.append(s);
      if (i % STEP_ELEMENTS === STEP_ELEMENTS - 1) yield;
    }
    if (w.count > 0) nodes.push(w.finish());
    this.len(nodes.length);
    for (const node of nodes) {
      this.len(T.QL_PACKED);
      this.blob(node);
      yield;
    }
  }
}

/** _quicklistNodeAllowInsert (Redis 7.0) for a node of `bytes` listpack bytes and `count` items. */
function allowInsert(bytes: number, count: number, elemLen: number, fill: number): boolean {
  const newSz = bytes + elemLen + QL_SIZE_ESTIMATE_OVERHEAD;
  if (fill < -QL_LEVELS.length) fill = -QL_LEVELS.length; // quicklistSetFill clamps
  if (fill < 0 && newSz <= QL_LEVELS[-fill - 1]) return true;
  if (newSz > QL_SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}

/** rdbSaveObjectType */
export function rdbType(v: Value): number {
  if (typeof v === 'string') return T.T_STRING;
  if (v instanceof HashObject) return v.isListpack ? T.T_HASH_LISTPACK : T.T_HASH;
  if (v instanceof SetObject) return v.ints ? T.T_SET_INTSET : T.T_SET;
  if (v instanceof ZSet) return v.listpack ? T.T_ZSET_LISTPACK : T.T_ZSET_2;
  if (v instanceof ListObject) return T.T_LIST_QUICKLIST_2;
  if (v instanceof StreamObject) return STREAM_RDB_TYPE;
  throw new Error(`cannot serialize a value of type ${v.type}`);
}

/** The DUMP payload: type, value, RDB version (2 bytes LE), CRC-64 (8 bytes LE). */
export function dumpPayload(v: Value, opts: Omit<EncodeOptions, 'checksum'>): Buffer {
  const enc = new RdbEncoder(null, { ...opts, checksum: true });
  enc.u8(rdbType(v));
  enc.value(v);
  enc.u8(T.RDB_VERSION & 0xff);
  enc.u8((T.RDB_VERSION >> 8) & 0xff);
  const crc = enc.crcBytes();
  enc.raw(crc);
  return enc.take();
}

