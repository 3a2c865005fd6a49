// Why: the one encoder of arrays of many bulk strings (LRANGE, SMEMBERS, HGETALL, MGET-style
// replies): bytes written into one reusable buffer, handed over as a single flat string.
import { CRLF } from './reply.js';

/** Where the bytes go (a Client: its add() honours CLIENT REPLY OFF/SKIP). */
export interface ReplySink {
  add(s: string): void;
}

/*
 * Array replies of many bulk strings (LRANGE, SMEMBERS, HGETALL...), written byte by byte into one
 * reusable buffer and handed to the client as a single flat string: about 4x cheaper than the rope
 * of four concatenations per element that `'$' + s.length + CRLF + s + CRLF` builds (less garbage,
 * and the socket write no longer has to flatten hundreds of cons strings). Usage, synchronous and
 * after all validation: replyStart(c, '*', n); replyBulk(x) n times; replyEnd().
 */
const WB_SIZE = 16384;
/** elements at least this long are appended as strings (no copy through the buffer) */
const WB_BIG = 1024;
const wb = Buffer.allocUnsafe(WB_SIZE);
let wp = 0;
let wc: ReplySink | null = null;

function wbFlush(): void {
  if (wp !== 0) wc!.add(wb.latin1Slice(0, wp));
  wp = 0;
}

/** Decimal digits of a non-negative safe integer, written at wp. */
function wbNum(n: number): void {
  if (n < 10) {
    wb[wp++] = 48 + n;
    return;
  }
  if (n < 100) {
    // element lengths: integer arithmetic, no float division
    const q = ((n * 205) >> 11) | 0; // n / 10 for n < 1029
    wb[wp++] = 48 + q;
    wb[wp++] = 48 + n - q * 10;
    return;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let p = wp + digits;
  wp = p;
  while (n >= 10) {
    const q = Math.floor(n / 10);
    wb[--p] = 48 + (n - q * 10);
    n = q;
  }
  wb[--p] = 48 + n;
}

/** Begin a reply of n elements with the aggregate type `prefix` ('*', '~', '%'...). */
export function replyStart(c: ReplySink, prefix: string, n: number): void {
  wc = c;
  wp = 0;
  wb[wp++] = prefix.charCodeAt(0);
  wbNum(n);
  wb[wp++] = 13;
  wb[wp++] = 10;
}

/** Append one bulk string element. */
export function replyBulk(s: string): void {
  const l = s.length;
  if (l >= WB_BIG) {
    wbFlush();
    wc!.add('$' + l + CRLF + s + CRLF);
    return;
  }
  if (wp + l + 24 > WB_SIZE) wbFlush();
  const b = wb;
  b[wp++] = 36;
  wbNum(l);
  b[wp++] = 13;
  b[wp++] = 10;
  if (l <= 32) {
    let p = wp;
    for (let k = 0; k < l; k++) b[p++] = s.charCodeAt(k);
    wp = p;
  } else wp += b.latin1Write(s, wp);
  b[wp++] = 13;
  b[wp++] = 10;
}

/**
 * Append arr[from..to) as bulk strings: replyBulk's loop with the write position in a local (the
 * module-level position costs a load and a store per byte otherwise).
 */
export function replyBulks(arr: readonly string[], from: number, to: number): void {
  const b = wb;
  let p = wp;
  for (let i = from; i < to; i++) {
    const s = arr[i];
    const l = s.length;
    if (l > 32 || p + l + 8 > WB_SIZE) {
      wp = p;
      replyBulk(s);
      p = wp;
      continue;
    }
    b[p++] = 36;
    if (l < 10) b[p++] = 48 + l;
    else {
      const q = ((l * 205) >> 11) | 0;
      b[p++] = 48 + q;
      b[p++] = 48 + l - q * 10;
    }
    b[p++] = 13;
    b[p++] = 10;
    for (let k = 0; k < l; k++) b[p++] = s.charCodeAt(k);
    b[p++] = 13;
    b[p++] = 10;
  }
  wp = p;
}

/** Append raw reply bytes (a nested aggregate header such as '*2\r\n'). */
export function replyRaw(s: string): void {
  const l = s.length;
  if (wp + l > WB_SIZE) wbFlush();
  if (l > WB_SIZE) wc!.add(s);
  else for (let k = 0; k < l; k++) wb[wp++] = s.charCodeAt(k);
}

/** Hand the reply to the client. */
export function replyEnd(): void {
  wbFlush();
  wc = null;
}

let encBuf = Buffer.allocUnsafe(4096);

/**
 * arr[from..to) encoded as consecutive bulk strings, as one flat string; offs[k] receives the offset
 * of element from+k and offs[to-from] the total length (cached encodings sliced later).
 */
export function encodeBulks(arr: readonly string[], from: number, to: number, offs: number[]): string {
  let need = 0;
  for (let i = from; i < to; i++) need += arr[i].length + 24;
  if (need > encBuf.length) encBuf = Buffer.allocUnsafe(Math.max(need, 2 * encBuf.length));
  const b = encBuf;
  let p = 0;
  for (let i = from; i < to; i++) {
    offs[i - from] = p;
    const s = arr[i];
    const l = s.length;
    b[p++] = 36;
    if (l < 10) b[p++] = 48 + l;
    else p += b.latin1Write(String(l), p);
    b[p++] = 13;
    b[p++] = 10;
    if (l <= 32) for (let k = 0; k < l; k++) b[p++] = s.charCodeAt(k);
    else p += b.latin1Write(s, p);
    b[p++] = 13;
    b[p++] = 10;
  }
  offs[to - from] = p;
  return b.latin1Slice(0, p);
}
