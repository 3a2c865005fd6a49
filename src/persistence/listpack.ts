// Why: Redis's listpack blob (listpack.c): the compact encoding RDB stores for small hashes, sorted
// sets, quicklist nodes and stream nodes. Encoding follows lpAppend exactly (integer-looking
// strings become integers, same entry encodings and backlens), decoding validates every entry so a
// corrupt blob is refused instead of half-read.
import { isInt64 } from '../datatypes/intset.js';
import { latin1 } from '../resp/request-parser.js';

export class BlobError extends Error {}

const LP_HDR_SIZE = 6;
const LP_EOF = 0xff;

/** Bytes of the backlen field for an entry of l bytes (lpEncodeBacklen). */
function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** Builds a listpack by appending elements (lpAppend / lpAppendInteger). */
export class ListpackWriter {
  private buf: Buffer;
  private pos = LP_HDR_SIZE;
  count = 0;

  constructor(sizeHint = 64) {
    this.buf = Buffer.allocUnsafe(Math.max(64, sizeHint));
  }

  /** Bytes the listpack would have if finished now. */
  get bytes(): number {
    return this.pos + 1;
  }

  private ensure(n: number): void {
    if (this.pos + n + 1 <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n + 1) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  private backlen(l: number): void {
    const b = this.buf;
    let p = this.pos;
    if (l <= 127) {
      b[p++] = l;
    } else if (l < 16383) {
      b[p++] = l >>> 7;
      b[p++] = (l & 127) | 128;
    } else if (l < 2097151) {
      b[p++] = l >>> 14;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    } else if (l < 268435455) {
      b[p++] = l >>> 21;
      b[p++] = ((l >>> 14) & 127) | 128;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    } else {
      b[p++] = Math.floor(l / 2 ** 28);
      b[p++] = ((l >>> 21) & 127) | 128;
      b[p++] = ((l >>> 14) & 127) | 128;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    }
    this.pos = p;
  }

  /** Append a (latin1) string element; integer-looking strings are stored as integers. */
  append(s: string): void {
    if (s.length <= 20 && isInt64(s)) {
      if (s.length < 16) this.appendInt(Number(s));
      else this.appendBigInt(BigInt(s));
      return;
    }
    const l = s.length;
    let p = this.strHeader(l);
    p += this.buf.latin1Write(s, p, l);
    this.endEntry(p, l);
  }

  /** append() of the latin1 string in src[start, start + l), without making the string. */
  appendBytes(src: Uint8Array, start: number, l: number): void {
    if (l < 16) {
      const v = shortInt(src, start, l);
      if (v === v) return this.appendInt(v); // not NaN
    } else if (l <= 20) {
      // Possibly a 16..20-digit integer: the string path decides (rare).
      return this.append(Buffer.from(src.buffer, src.byteOffset + start, l).latin1Slice(0, l));
    }
    let p = this.strHeader(l);
    const b = this.buf;
    for (let i = 0; i < l; i++) b[p++] = src[start + i];
    this.endEntry(p, l);
  }

  /** Room for a string entry of l bytes and its encoding header; returns where the bytes go. */
  private strHeader(l: number): number {
    this.ensure(l + 10);
    const b = this.buf;
    let p = this.pos;
    if (l < 64) b[p++] = 0x80 | l;
    else if (l < 4096) {
      b[p++] = 0xe0 | (l >>> 8);
      b[p++] = l & 0xff;
    } else {
      b[p++] = 0xf0;
      b.writeUInt32LE(l, p);
      p += 4;
    }
    return p;
  }

  /** Finish a string entry of l bytes ending at p: its backlen, the count. */
  private endEntry(p: number, l: number): void {
    this.pos = p;
    this.backlen((l < 64 ? 1 : l < 4096 ? 2 : 5) + l);
    this.count++;
  }

  /** Append an integer element (safe integers; use appendBigInt beyond). */
  appendInt(v: number): void {
    this.ensure(14);
    const b = this.buf;
    let p = this.pos;
    let entry: number;
    if (v >= 0 && v <= 127) {
      b[p++] = v;
      entry = 1;
    } else if (v >= -4096 && v <= 4095) {
      const u = v < 0 ? (1 << 13) + v : v;
      b[p++] = (u >>> 8) | 0xc0;
      b[p++] = u & 0xff;
      entry = 2;
    } else if (v >= -32768 && v <= 32767) {
      b[p++] = 0xf1;
      b.writeInt16LE(v, p);
      p += 2;
      entry = 3;
    } else if (v >= -8388608 && v <= 8388607) {
      b[p++] = 0xf2;
      b.writeIntLE(v, p, 3);
      p += 3;
      entry = 4;
    } else if (v >= -2147483648 && v <= 2147483647) {
      b[p++] = 0xf3;
      b.writeInt32LE(v, p);
      p += 4;
      entry = 5;
    } else {
      b[p++] = 0xf4;
      b.writeBigInt64LE(BigInt(v), p);
      p += 8;
      entry = 9;
    }
    this.pos = p;
    this.backlen(entry);
    this.count++;
  }

  appendBigInt(v: bigint): void {
    if (v >= -2147483648n && v <= 2147483647n) return this.appendInt(Number(v));
    this.ensure(14);
    this.buf[this.pos++] = 0xf4;
    this.buf.writeBigInt64LE(v, this.pos);
    this.pos += 8;
    this.backlen(9);
    this.count++;
  }

  /** The finished blob (the writer must not be used afterwards, except through reset()). */
  finish(): Buffer {
    return this.buf.subarray(0, this.finishInPlace());
  }

  /** Finish without a view: the blob is `buffer`[0, returned length), valid until reset(). */
  finishInPlace(): number {
    this.ensure(0);
    const b = this.buf;
    b[this.pos++] = LP_EOF;
    b.writeUInt32LE(this.pos, 0);
    b.writeUInt16LE(this.count < 65535 ? this.count : 65535, 4);
    return this.pos;
  }

  get buffer(): Buffer {
    return this.buf;
  }

  /** Start a new listpack in the same buffer (one writer reused for many small values). */
  reset(): this {
    this.pos = LP_HDR_SIZE;
    this.count = 0;
    return this;
  }
}

/**
 * The value of the canonical integer string (isInt64's rules) in b[start, start + l) for l < 16
 * (exact as a double); NaN if it is not one.
 */
function shortInt(b: Uint8Array, start: number, l: number): number {
  if (l === 0) return NaN;
  let i = start;
  const end = start + l;
  const neg = b[i] === 45;
  if (neg) {
    if (l === 1) return NaN;
    i++;
  }
  const f = b[i];
  if (f === 48) return l === 1 ? 0 : NaN;
  if (f < 49 || f > 57) return NaN;
  let v = f - 48;
  for (i++; i < end; i++) {
    const c = b[i];
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}

/** Encode a list of strings as one listpack. */
export function lpEncode(items: Iterable<string>): Buffer {
  const w = new ListpackWriter();
  for (const s of items) w.append(s);
  return w.finish();
}

/**
 * Decode a listpack into its elements (integers as decimal strings). Validates the header, every
 * entry's bounds and backlen, the terminator and the element count; throws BlobError otherwise.
 */
export function lpDecode(buf: Uint8Array, start = 0, end = buf.length): string[] {
  const size = end - start;
  if (size < LP_HDR_SIZE + 1) throw new BlobError('listpack too short');
  // Offsets are absolute in b (a Buffer over the same bytes: no view per listpack).
  const b = buf instanceof Buffer ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const total = b.readUInt32LE(start);
  if (total !== size) throw new BlobError(`listpack size ${total} does not match its ${size} bytes`);
  const declared = b.readUInt16LE(start + 4);
  const out: string[] = [];
  let p = start + LP_HDR_SIZE;
  const last = end - 1;
  if (b[last] !== LP_EOF) throw new BlobError('listpack without terminator');
  while (p < last) {
    const e0 = b[p];
    const entryStart = p;
    let len: number;
    if ((e0 & 0x80) === 0) {
      out.push(String(e0));
      len = 1;
    } else if ((e0 & 0xc0) === 0x80) {
      const l = e0 & 0x3f;
      len = 1 + l;
      if (p + len > last) throw new BlobError('listpack string out of range');
      out.push(latin1(b, p + 1, p + 1 + l));
    } else if ((e0 & 0xe0) === 0xc0) {
      if (p + 2 > last) throw new BlobError('listpack entry out of range');
      let v = ((e0 & 0x1f) << 8) | b[p + 1];
      if (v >= 1 << 12) v -= 1 << 13;
      out.push(String(v));
      len = 2;
    } else if ((e0 & 0xf0) === 0xe0) {
      if (p + 2 > last) throw new BlobError('listpack entry out of range');
      const l = ((e0 & 0x0f) << 8) | b[p + 1];
      len = 2 + l;
      if (p + len > last) throw new BlobError('listpack string out of range');
      out.push(latin1(b, p + 2, p + 2 + l));
    } else {
      switch (e0) {
        case 0xf0: {
          if (p + 5 > last) throw new BlobError('listpack entry out of range');
          const l = b.readUInt32LE(p + 1);
          len = 5 + l;
          if (p + len > last) throw new BlobError('listpack string out of range');
          out.push(latin1(b, p + 5, p + 5 + l));
          break;
        }
        case 0xf1:
          len = 3;
          if (p + len > last) throw new BlobError('listpack entry out of range');
          out.push(String(b.readInt16LE(p + 1)));
          break;
        case 0xf2:
          len = 4;
          if (p + len > last) throw new BlobError('listpack entry out of range');
          out.push(String(b.readIntLE(p + 1, 3)));
          break;
        case 0xf3:
          len = 5;
          if (p + len > last) throw new BlobError('listpack entry out of range');
          out.push(String(b.readInt32LE(p + 1)));
          break;
        case 0xf4:
          len = 9;
          if (p + len > last) throw new BlobError('listpack entry out of range');
          out.push(String(b.readBigInt64LE(p + 1)));
          break;
        default:
          throw new BlobError(`invalid listpack entry encoding 0x${e0.toString(16)}`);
      }
    }
    p = entryStart + len;
    // The backlen must encode this entry's length.
    const bl = backlenSize(len);
    if (p + bl > last) throw new BlobError('listpack backlen out of range');
    let v = 0;
    for (let k = 0; k < bl; k++) v = v * 128 + (b[p + k] & 127);
    if (v !== len) throw new BlobError('listpack backlen mismatch');
    p += bl;
  }
  if (p !== last) throw new BlobError('listpack entries overrun the terminator');
  if (declared !== 65535 && declared !== out.length) throw new BlobError(`listpack header says ${declared} elements, found ${out.length}`);
  return out;
}
