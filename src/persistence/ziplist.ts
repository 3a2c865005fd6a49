// Why: decoding Redis's ziplist blobs (ziplist.c), the compact encoding of lists, hashes and sorted
// sets in RDB files written by Redis 3.2-6.2 (and list nodes of QUICKLIST). Read-only: eddy writes
// listpacks, as Redis 7.0 does. Every entry is bounds-checked so corrupt input is refused.
import { BlobError } from './listpack.js';

const ZIP_END = 0xff;
const ZIP_BIG_PREVLEN = 0xfe;

/** Decode a ziplist into its elements (integers as decimal strings). */
export function zlDecode(buf: Uint8Array, start = 0, end = buf.length): string[] {
  const size = end - start;
  if (size < 11) throw new BlobError('ziplist too short');
  const b = Buffer.from(buf.buffer, buf.byteOffset + start, size);
  const total = b.readUInt32LE(0);
  if (total !== size) throw new BlobError(`ziplist size ${total} does not match its ${size} bytes`);
  const tail = b.readUInt32LE(4);
  const declared = b.readUInt16LE(8);
  const last = size - 1;
  if (b[last] !== ZIP_END) throw new BlobError('ziplist without terminator');
  if (tail > last) throw new BlobError('ziplist tail offset out of range');
  const out: string[] = [];
  let p = 10;
  let prevLen = 0;
  let lastEntry = -1;
  while (p < last) {
    const entryStart = p;
    // prevlen
    let pl: number;
    if (b[p] < ZIP_BIG_PREVLEN) {
      pl = b[p];
      p += 1;
    } else {
      if (p + 5 > last) throw new BlobError('ziplist entry out of range');
      pl = b.readUInt32LE(p + 1);
      p += 5;
    }
    if (pl !== prevLen) throw new BlobError('ziplist prevlen mismatch');
    if (p >= last) throw new BlobError('ziplist entry out of range');
    const e = b[p];
    const kind = e >> 6;
    if (kind === 0) {
      const l = e & 0x3f;
      if (p + 1 + l > last) throw new BlobError('ziplist string out of range');
      out.push(b.latin1Slice(p + 1, p + 1 + l));
      p += 1 + l;
    } else if (kind === 1) {
      if (p + 2 > last) throw new BlobError('ziplist entry out of range');
      const l = ((e & 0x3f) << 8) | b[p + 1];
      if (p + 2 + l > last) throw new BlobError('ziplist string out of range');
      out.push(b.latin1Slice(p + 2, p + 2 + l));
      p += 2 + l;
    } else if (kind === 2) {
      if (e !== 0x80 || p + 5 > last) throw new BlobError('ziplist entry out of range');
      const l = b.readUInt32BE(p + 1);
      if (p + 5 + l > last) throw new BlobError('ziplist string out of range');
      out.push(b.latin1Slice(p + 5, p + 5 + l));
      p += 5 + l;
    } else {
      let n: number;
      let v: string;
      switch (e) {
        case 0xc0:
          n = 2;
          if (p + 1 + n > last) throw new BlobError('ziplist entry out of range');
          v = String(b.readInt16LE(p + 1));
          break;
        case 0xd0:
          n = 4;
          if (p + 1 + n > last) throw new BlobError('ziplist entry out of range');
          v = String(b.readInt32LE(p + 1));
          break;
        case 0xe0:
          n = 8;
          if (p + 1 + n > last) throw new BlobError('ziplist entry out of range');
          v = String(b.readBigInt64LE(p + 1));
          break;
        case 0xf0:
          n = 3;
          if (p + 1 + n > last) throw new BlobError('ziplist entry out of range');
          v = String(b.readIntLE(p + 1, 3));
          break;
        case 0xfe:
          n = 1;
          if (p + 1 + n > last) throw new BlobError('ziplist entry out of range');
          v = String(b.readInt8(p + 1));
          break;
        default:
          if (e >= 0xf1 && e <= 0xfd) {
            n = 0;
            v = String((e & 0x0f) - 1);
          } else throw new BlobError(`invalid ziplist entry encoding 0x${e.toString(16)}`);
      }
      out.push(v);
      p += 1 + n;
    }
    prevLen = p - entryStart;
    lastEntry = entryStart;
  }
  if (p !== last) throw new BlobError('ziplist entries overrun the terminator');
  if (out.length > 0 && lastEntry !== tail) throw new BlobError('ziplist tail offset mismatch');
  if (declared !== 65535 && declared !== out.length) throw new BlobError(`ziplist header says ${declared} elements, found ${out.length}`);
  return out;
}
