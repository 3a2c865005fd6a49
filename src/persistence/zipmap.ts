// Why: decoding the zipmap blob of Redis < 2.6 hashes (RDB type HASH_ZIPMAP), so very old dumps
// still load: <count><len>key<len><free>value[free bytes]...<0xff>.
import { BlobError } from './listpack.js';

const ZIPMAP_BIGLEN = 254;
const ZIPMAP_END = 255;

/** Decode a zipmap into field/value pairs (flat: f0, v0, f1, v1...). */
export function zipmapDecode(buf: Uint8Array, start = 0, end = buf.length): string[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
  const size = b.length;
  if (size < 2) throw new BlobError('zipmap too short');
  const declared = b[0];
  let p = 1;
  const out: string[] = [];
  const readLen = (): number => {
    if (p >= size) throw new BlobError('zipmap entry out of range');
    const l = b[p];
    if (l < ZIPMAP_BIGLEN) {
      p += 1;
      return l;
    }
    if (l === ZIPMAP_BIGLEN) {
      if (p + 5 > size) throw new BlobError('zipmap entry out of range');
      const v = b.readUInt32LE(p + 1);
      p += 5;
      return v;
    }
    throw new BlobError('zipmap length out of range');
  };
  for (;;) {
    if (p >= size) throw new BlobError('zipmap without terminator');
    if (b[p] === ZIPMAP_END) {
      p++;
      break;
    }
    const kl = readLen();
    if (p + kl > size) throw new BlobError('zipmap key out of range');
    out.push(b.latin1Slice(p, p + kl));
    p += kl;
    const vl = readLen();
    if (p >= size) throw new BlobError('zipmap entry out of range');
    const free = b[p++];
    if (p + vl + free > size) throw new BlobError('zipmap value out of range');
    out.push(b.latin1Slice(p, p + vl));
    p += vl + free;
  }
  if (p !== size) throw new BlobError('zipmap has trailing bytes');
  if (declared < ZIPMAP_BIGLEN && declared !== out.length / 2) throw new BlobError('zipmap count mismatch');
  return out;
}
