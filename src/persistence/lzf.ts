// Why: the LZF codec Redis uses for RDB strings (lzf_c.c / lzf_d.c with Redis's settings: HLOG 16,
// VERY_FAST, CHECK_INPUT), so eddy's compressed strings load in Redis and Redis's load in eddy.

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * The hash table holds input positions biased by `base`, which grows by each input's length, so
 * entries left by earlier calls are recognisably stale without clearing 256 KB per call.
 */
const htab = new Int32Array(HSIZE);
let base = 1;

function idx(h: number): number {
  return ((h >>> (3 * 8 - HLOG)) - h * 5) & (HSIZE - 1);
}

/**
 * lzf_compress: compress inp into at most outLen bytes. Returns the compressed bytes, or null when
 * they would not fit (Redis then stores the string verbatim).
 */
export function lzfCompress(inp: Uint8Array, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen + 1);
  const n = lzfCompressInto(inp, inp.length, out, outLen);
  return n === 0 ? null : out.subarray(0, n);
}

/** lzf_compress into a caller's buffer (capacity >= outLen + 1): the compressed size, 0 if it does not fit. */
export function lzfCompressInto(inp: Uint8Array, inLen: number, out: Uint8Array, outLen: number): number {
  if (inLen === 0 || outLen <= 0) return 0;
  if (base + inLen + 2 >= 0x7fffffff) {
    htab.fill(0);
    base = 1;
  }
  const b = base;
  base += inLen + 2;
  const outEnd = outLen;
  const inEnd = inLen;
  let ip = 0;
  let op = 1; // start run
  let lit = 0;
  let hval = (inp[0] << 8) | inp[1];
  // Past inEnd - 2 only literals remain (the reference's second loop, after its size check).
  let tail = false;
  while (ip < inEnd) {
    if (ip >= inEnd - 2) {
      if (!tail) {
        tail = true;
        if (op + 3 > outEnd) return 0;
      }
    } else {
      hval = ((hval << 8) | inp[ip + 2]) & 0xffffff;
      const slot = idx(hval);
      const ref = htab[slot] - b; // position of the last occurrence, or <= 0 when none
      htab[slot] = ip + b;
      let off: number;
      if (ref > 0 && ref < ip && (off = ip - ref - 1) < MAX_OFF && inp[ref + 2] === inp[ip + 2] && inp[ref] === inp[ip] && inp[ref + 1] === inp[ip + 1]) {
        let len = 2;
        let maxlen = inEnd - ip - len;
        if (maxlen > MAX_REF) maxlen = MAX_REF;
        if (op + 3 + 1 >= outEnd) {
          if (op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0;
        }
        out[op - lit - 1] = lit - 1; // stop run
        if (lit === 0) op--; // undo run if length is zero
        // The reference implementation's 16-way unrolled scan, then the plain one.
        let matched = false;
        if (maxlen > 16) {
          for (let k = 0; k < 16; k++) {
            len++;
            if (inp[ref + len] !== inp[ip + len]) {
              matched = true;
              break;
            }
          }
        }
        if (!matched) {
          do len++;
          while (len < maxlen && inp[ref + len] === inp[ip + len]);
        }
        len -= 2; // len is now #octets - 1
        ip++;
        if (len < 7) {
          out[op++] = (off >> 8) + (len << 5);
        } else {
          out[op++] = (off >> 8) + (7 << 5);
          out[op++] = len - 7;
        }
        out[op++] = off & 0xff;
        lit = 0;
        op++; // start run
        ip += len + 1;
        if (ip >= inEnd - 2) continue;
        ip -= 2;
        hval = (inp[ip] << 8) | inp[ip + 1];
        hval = ((hval << 8) | inp[ip + 2]) & 0xffffff;
        htab[idx(hval)] = ip + b;
        ip++;
        hval = ((hval << 8) | inp[ip + 2]) & 0xffffff;
        htab[idx(hval)] = ip + b;
        ip++;
        continue;
      }
      if (op >= outEnd) return 0;
    }
    lit++;
    out[op++] = inp[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  if (!tail && op + 3 > outEnd) return 0;
  out[op - lit - 1] = lit - 1; // end run
  if (lit === 0) op--;
  return op;
}

/** lzf_decompress: exactly outLen bytes, or null when the input is not valid LZF for that size. */
export function lzfDecompress(inp: Uint8Array, start: number, end: number, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  return lzfDecompressInto(inp, start, end, out, outLen) ? out : null;
}

/** lzf_decompress into out[0..outLen) (out may be longer); false when the input is not valid LZF for that size. */
export function lzfDecompressInto(inp: Uint8Array, start: number, end: number, out: Uint8Array, outLen: number): boolean {
  let ip = start;
  let op = 0;
  if (start >= end) return outLen === 0;
  do {
    let ctrl = inp[ip++];
    if (ctrl < 1 << 5) {
      ctrl++;
      if (op + ctrl > outLen) return false;
      if (ip + ctrl > end) return false;
      for (let k = 0; k < ctrl; k++) out[op++] = inp[ip++];
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= end) return false;
      if (len === 7) {
        len += inp[ip++];
        if (ip >= end) return false;
      }
      ref -= inp[ip++];
      if (op + len + 2 > outLen) return false;
      if (ref < 0) return false;
      len += 2;
      for (let k = 0; k < len; k++) out[op++] = out[ref++];
    }
  } while (ip < end);
  return op === outLen;
}
