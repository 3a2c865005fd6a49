// Why: Redis's CRC-64/Jones (reflected polynomial 0xad93d23594c935a9, init 0, no final xor) that
// checksums RDB files and DUMP payloads. Computed slice-by-8 on 32-bit halves (no BigInt in the
// loop), incrementally, so a streaming writer can checksum each chunk as it leaves.

/** lo/hi halves of the 8 slicing tables, table k at [k * 256 .. k * 256 + 255]. */
const TLO = new Uint32Array(8 * 256);
const THI = new Uint32Array(8 * 256);

(function buildTables(): void {
  // The reflected form of 0xad93d23594c935a9 is 0x95ac9329ac4bc9b5.
  const pLo = 0xac4bc9b5 >>> 0;
  const pHi = 0x95ac9329 >>> 0;
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let b = 0; b < 8; b++) {
      const bit = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (bit) {
        lo = (lo ^ pLo) >>> 0;
        hi = (hi ^ pHi) >>> 0;
      }
    }
    TLO[i] = lo;
    THI[i] = hi;
  }
  for (let k = 1; k < 8; k++) {
    for (let i = 0; i < 256; i++) {
      const plo = TLO[(k - 1) * 256 + i];
      const phi = THI[(k - 1) * 256 + i];
      const idx = plo & 0xff;
      TLO[k * 256 + i] = (((plo >>> 8) | (phi << 24)) ^ TLO[idx]) >>> 0;
      THI[k * 256 + i] = ((phi >>> 8) ^ THI[idx]) >>> 0;
    }
  }
})();

/** A running CRC-64 (feed chunks with update). */
export class Crc64 {
  lo = 0;
  hi = 0;

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    const end8 = end - ((end - start) & 7);
    while (i < end8) {
      const a = (lo ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24))) >>> 0;
      const b = (hi ^ (buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24))) >>> 0;
      const i7 = 7 * 256 + (a & 0xff);
      const i6 = 6 * 256 + ((a >>> 8) & 0xff);
      const i5 = 5 * 256 + ((a >>> 16) & 0xff);
      const i4 = 4 * 256 + (a >>> 24);
      const i3 = 3 * 256 + (b & 0xff);
      const i2 = 2 * 256 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      lo = TLO[i7] ^ TLO[i6] ^ TLO[i5] ^ TLO[i4] ^ TLO[i3] ^ TLO[i2] ^ TLO[i1] ^ TLO[i0];
      hi = THI[i7] ^ THI[i6] ^ THI[i5] ^ THI[i4] ^ THI[i3] ^ THI[i2] ^ THI[i1] ^ THI[i0];
      i += 8;
    }
    for (; i < end; i++) {
      const idx = (lo ^ buf[i]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ TLO[idx];
      hi = (hi >>> 8) ^ THI[idx];
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  /** The 8 little-endian bytes Redis stores after the data. */
  bytesLE(): Buffer {
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32LE(this.lo >>> 0, 0);
    b.writeUInt32LE(this.hi >>> 0, 4);
    return b;
  }

  /** Does the little-endian value at buf[off..off+8] equal this CRC? */
  matchesLE(buf: Uint8Array, off: number): boolean {
    const lo = (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
    const hi = (buf[off + 4] | (buf[off + 5] << 8) | (buf[off + 6] << 16) | (buf[off + 7] << 24)) >>> 0;
    return lo === this.lo >>> 0 && hi === this.hi >>> 0;
  }

  hex(): string {
    return (this.hi >>> 0).toString(16).padStart(8, '0') + (this.lo >>> 0).toString(16).padStart(8, '0');
  }
}

/** The little-endian 64-bit value at buf[off..off+8] as hex (for messages). */
export function leHex(buf: Uint8Array, off: number): string {
  let s = '';
  for (let i = 7; i >= 0; i--) s += buf[off + i].toString(16).padStart(2, '0');
  return s;
}
