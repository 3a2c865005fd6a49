// Why: Redis's intset blob (intset.c) for sets of integers: a little-endian header (element width
// 2/4/8, count) and the sorted values. RDB stores small integer sets this way (SET_INTSET).
import { BlobError } from './listpack.js';

/** Encode canonical int64 strings already in ascending numeric order. */
export function intsetEncode(ints: readonly string[]): Buffer {
  let width = 2;
  for (const s of ints) {
    if (s.length > 11) {
      width = 8;
      break;
    }
    const v = Number(s);
    if (v < -2147483648 || v > 2147483647) {
      width = 8;
      break;
    }
    if (v < -32768 || v > 32767) width = 4;
  }
  const b = Buffer.allocUnsafe(8 + width * ints.length);
  b.writeUInt32LE(width, 0);
  b.writeUInt32LE(ints.length, 4);
  let p = 8;
  for (const s of ints) {
    if (width === 2) b.writeInt16LE(Number(s), p);
    else if (width === 4) b.writeInt32LE(Number(s), p);
    else b.writeBigInt64LE(BigInt(s), p);
    p += width;
  }
  return b;
}

/** Decode an intset blob; validates the header, the size and the strictly ascending order. */
export function intsetDecode(buf: Uint8Array, start = 0, end = buf.length): string[] {
  const size = end - start;
  if (size < 8) throw new BlobError('intset too short');
  const b = Buffer.from(buf.buffer, buf.byteOffset + start, size);
  const width = b.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) throw new BlobError(`invalid intset encoding ${width}`);
  const n = b.readUInt32LE(4);
  if (8 + n * width !== size) throw new BlobError('intset size does not match its count');
  const out: string[] = new Array(n);
  let prev: bigint | number | null = null;
  for (let i = 0, p = 8; i < n; i++, p += width) {
    const v: bigint | number = width === 2 ? b.readInt16LE(p) : width === 4 ? b.readInt32LE(p) : b.readBigInt64LE(p);
    if (prev !== null && !(v > prev)) throw new BlobError('intset is not sorted or has duplicates');
    prev = v;
    out[i] = String(v);
  }
  return out;
}
