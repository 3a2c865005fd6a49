// Why: Redis's request grammar (multibulk `*N $len ...` or an inline line) with Redis's exact
// protocol-error texts; produces argv as latin1 strings (one char per byte, binary-safe) so the
// keyspace never holds Buffers. redis-parser parses *replies* (it has no inline mode and its errors
// are not Redis's server errors); bench/parser.ts measures both.

export const PROTO_INLINE_MAX_SIZE = 64 * 1024;

/** The server's live limits (Config.hot: CONFIG SET applies to open connections). */
export interface ParserLimits {
  /** proto-max-bulk-len */
  readonly maxBulkLen: number;
  /** client-query-buffer-limit */
  readonly queryBufferLimit: number;
}

export class ProtocolError extends Error {}
/** The query buffer grew past client-query-buffer-limit: Redis closes without a reply. */
export class QueryBufferLimitError extends Error {}

const CR = 13;
const LF = 10;

type Decoder = (b: Buffer, s: number, f: typeof String.fromCharCode) => string;
const SHORT_MAX = 16;
/**
 * Decoders for arguments of 1..16 bytes: String.fromCharCode with the bytes as explicit arguments
 * builds a flat one-byte string in ~15-50 ns, where Buffer#latin1Slice costs a native call
 * (~60 ns) per argument — most arguments (command names, keys, small values) are this short.
 * Generated once at start-up because the argument count must be literal for V8 to inline it.
 */
const SHORT: Decoder[] = [() => ''];
for (let n = 1; n <= SHORT_MAX; n++) {
  const bytes = Array.from({ length: n }, (_, i) => `b[s + ${i}]`).join(', ');
  SHORT.push(new Function('b', 's', 'f', `return f(${bytes});`) as Decoder);
}

/** buf[s, e) as a latin1 string. */
export function latin1(buf: Buffer, s: number, e: number): string {
  const n = e - s;
  return n <= SHORT_MAX ? SHORT[n](buf, s, String.fromCharCode) : buf.latin1Slice(s, e);
}

/** Parse a base-10 integer exactly as Redis's string2ll (no spaces, no '+', no leading zeros). */
export function parseLL(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  if (n === 1 && s.charCodeAt(0) === 48) return 0;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
    if (n === 1) return null;
  }
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return null;
  let v = 0;
  for (; i < n; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 48 || ch > 57) return null;
    v = v * 10 + (ch - 48);
  }
  return neg ? -v : v;
}

/** indexOf(CR) for RESP's short header lines: a JS loop beats the native call for a few bytes. */
function findCR(buf: Buffer, from: number, len: number): number {
  const stop = from + 24 < len ? from + 24 : len;
  for (let i = from; i < stop; i++) if (buf[i] === CR) return i;
  return stop === len ? -1 : buf.indexOf(CR, stop);
}

function parseLLBuf(buf: Buffer, start: number, end: number): number | null {
  // Small and hot: avoid building a string for the common short case.
  const n = end - start;
  if (n <= 0 || n > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  if (n === 1 && buf[start] === 48) return 0;
  if (buf[i] < 49 || buf[i] > 57) return null;
  let v = 0;
  for (; i < end; i++) {
    const ch = buf[i];
    if (ch < 48 || ch > 57) return null;
    v = v * 10 + (ch - 48);
  }
  return neg ? -v : v;
}

/**
 * Split an inline request as Redis's sdssplitargs does: spaces separate, "double quotes" accept
 * \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' accept \'; a closing quote must be
 * followed by a space or the end. Returns null on unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  // sdssplitargs works on a C string: a raw NUL ends the line (inside quotes: unbalanced).
  const nul = line.indexOf('\0');
  if (nul >= 0) line = line.slice(0, nul);
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
  const hexVal = (c: string) => parseInt(c, 16);
  const isHex = (c: string) => /^[0-9a-fA-F]$/.test(c);
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    let inq = false;
    let insq = false;
    let done = false;
    let cur = '';
    while (!done) {
      if (inq) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && i + 3 < n && line[i + 1] === 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
          cur += String.fromCharCode(hexVal(line[i + 2]) * 16 + hexVal(line[i + 3]));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          cur += c;
        }
      } else if (insq) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && i + 1 < n && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          cur += c;
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        const c = line[i];
        if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\0') {
          done = true;
        } else if (c === '"') {
          inq = true;
        } else if (c === "'") {
          insq = true;
        } else {
          cur += c;
        }
      }
      if (i < n) i++;
    }
    out.push(cur);
  }
}

/** The empty input buffer, shared (never written): a fresh Buffer.alloc(0) per request costs a typed-array construction. */
const EMPTY = Buffer.alloc(0);

/**
 * Incremental request parser. feed() appends bytes and returns complete requests; it throws
 * ProtocolError (reply it, then close) or QueryBufferLimitError (close silently). Requests parsed
 * before an error are returned by the next call to takeParsed() so they still execute, as in Redis.
 */
export class RequestParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  // Multibulk state survives across feeds.
  private mbRemaining = 0;
  private mbArgs: string[] | null = null;
  private mbFill = 0;
  private bulkLen = -1;
  // A large bulk being received straight into its own buffer (no quadratic concatenation).
  private big: Buffer | null = null;
  private bigFill = 0;
  /** Requests completed before a protocol error in the same feed. */
  parsedBeforeError: string[][] = [];

  /** authRequired: true while the client must still AUTH (Redis then caps multibulk/bulk sizes). */
  constructor(
    private readonly limits: ParserLimits,
    private readonly authRequired: () => boolean,
  ) {}

  /** Bytes currently buffered but not yet consumed (for CLIENT LIST qbuf). */
  pendingBytes(): number {
    return this.buf.length - this.pos + this.bigFill;
  }

  feed(chunk: Buffer, out: string[][]): void {
    let data = chunk;
    if (this.big) {
      const need = this.big.length - this.bigFill;
      const take = Math.min(need, data.length);
      data.copy(this.big, this.bigFill, 0, take);
      this.bigFill += take;
      this.checkBigArg();
      if (this.bigFill < this.big.length) return;
      // big now holds "<payload>\r\n"
      const arg = this.big.latin1Slice(0, this.big.length - 2);
      this.big = null;
      this.bigFill = 0;
      this.pushArg(arg, out);
      data = data.subarray(take);
    }
    if (this.pos < this.buf.length) {
      this.buf = this.buf.length === this.pos ? data : Buffer.concat([this.buf.subarray(this.pos), data]);
    } else {
      this.buf = data;
    }
    this.pos = 0;
    this.parse(out);
    if (this.pos >= this.buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
    } else if (this.buf.length - this.pos > this.limits.queryBufferLimit) {
      throw new QueryBufferLimitError('closing client that reached max query buffer length');
    }
  }

  /**
   * Redis receives a big argument (>= 32 KB) into a query buffer of its own, so the query buffer
   * limit applies to the bytes of that argument received so far (payload + CRLF).
   */
  private checkBigArg(): void {
    if (this.bigFill > this.limits.queryBufferLimit) {
      this.big = null;
      this.bigFill = 0;
      throw new QueryBufferLimitError('closing client that reached max query buffer length');
    }
  }

  private pushArg(arg: string, out: string[][]) {
    this.mbArgs![this.mbFill++] = arg;
    this.bulkLen = -1;
    if (--this.mbRemaining === 0) {
      out.push(this.mbArgs!);
      this.mbArgs = null;
    }
  }

  private fail(msg: string, out: string[][]): never {
    // Everything consumed so far stays consumed; the connection is closing anyway.
    this.parsedBeforeError = out.slice();
    this.buf = EMPTY;
    this.pos = 0;
    throw new ProtocolError('Protocol error: ' + msg);
  }

  private parse(out: string[][]) {
    const buf = this.buf;
    const len = buf.length;
    while (this.pos < len) {
      if (this.mbArgs === null) {
        if (buf[this.pos] === 42 /* '*' */) {
          const nl = findCR(buf, this.pos, len);
          if (nl < 0 || nl + 1 >= len) {
            if (len - this.pos > PROTO_INLINE_MAX_SIZE) this.fail('too big mbulk count string', out);
            return;
          }
          if (nl - this.pos > PROTO_INLINE_MAX_SIZE) this.fail('too big mbulk count string', out);
          const n = parseLLBuf(buf, this.pos + 1, nl);
          if (n === null || n > 2147483647) this.fail('invalid multibulk length', out);
          if (n > 10 && this.authRequired()) this.fail('unauthenticated multibulk length', out);
          this.pos = nl + 2;
          if (n <= 0) continue;
          // Sized up front when small (a growing [] reserves 17 slots), appended to when huge.
          this.mbArgs = n <= 1024 ? new Array<string>(n) : [];
          this.mbFill = 0;
          this.mbRemaining = n;
          this.bulkLen = -1;
        } else {
          // Inline command: up to '\n'. Redis finds it with strchr(), so a raw NUL before the
          // newline hides it: the request stays incomplete until it is too big.
          const nl = buf.indexOf(LF, this.pos);
          let line = nl < 0 ? '' : buf.latin1Slice(this.pos, nl);
          if (nl < 0 || line.indexOf('\0') >= 0) {
            if (len - this.pos > PROTO_INLINE_MAX_SIZE) this.fail('too big inline request', out);
            return;
          }
          if (nl > this.pos && buf[nl - 1] === CR) line = line.slice(0, -1);
          this.pos = nl + 1;
          const argv = splitArgs(line);
          if (argv === null) this.fail('unbalanced quotes in request', out);
          if (argv.length > 0) out.push(argv);
          continue;
        }
      }
      // Inside a multibulk: read bulk headers and payloads.
      while (this.mbRemaining > 0) {
        if (this.bulkLen < 0) {
          if (this.pos >= len) return;
          const nl = findCR(buf, this.pos, len);
          if (nl < 0 || nl + 1 >= len) {
            if (len - this.pos > PROTO_INLINE_MAX_SIZE) this.fail('too big bulk count string', out);
            return;
          }
          if (nl - this.pos > PROTO_INLINE_MAX_SIZE) this.fail('too big bulk count string', out);
          if (buf[this.pos] !== 36 /* '$' */) {
            this.fail(`expected '$', got '${String.fromCharCode(buf[this.pos])}'`, out);
          }
          const n = parseLLBuf(buf, this.pos + 1, nl);
          if (n === null || n < 0 || n > this.limits.maxBulkLen) this.fail('invalid bulk length', out);
          if (n > 16384 && this.authRequired()) this.fail('unauthenticated bulk length', out);
          this.pos = nl + 2;
          this.bulkLen = n;
        }
        const n = this.bulkLen;
        if (len - this.pos < n + 2) {
          if (n >= 32 * 1024) {
            // Receive the rest straight into a buffer of the right size.
            this.big = Buffer.allocUnsafe(n + 2);
            this.bigFill = len - this.pos;
            buf.copy(this.big, 0, this.pos, len);
            this.pos = len;
            this.checkBigArg();
          }
          return;
        }
        if (n + 2 > this.limits.queryBufferLimit) {
          throw new QueryBufferLimitError('closing client that reached max query buffer length');
        }
        const arg = latin1(buf, this.pos, this.pos + n);
        this.pos += n + 2;
        this.pushArg(arg, out);
        if (this.mbArgs === null) break;
      }
    }
  }
}
