// Why: the replica's reader of its master's command stream. Unlike the client request parser it
// keeps the raw bytes of what it parsed until they are taken: applied commands are proxied
// verbatim to our own backlog and sub-replicas, and their byte count is the replication offset.
import { latin1, splitArgs } from '../resp/request-parser.js';

export class StreamProtocolError extends Error {}

const CR = 13;
const LF = 10;

export class StreamReader {
  private buf: Buffer = Buffer.alloc(0);
  /** parse position */
  private pos = 0;
  /** first byte not yet taken (forwarded) */
  private fwd = 0;
  /** end of the commands applied so far (fwd <= applied <= pos) */
  private applied = 0;
  /** chunks received but not yet joined (waiting for `need` bytes beyond pos) */
  private parts: Buffer[] = [];
  private partsLen = 0;
  private need = 0;

  push(chunk: Buffer): void {
    this.parts.push(chunk);
    this.partsLen += chunk.length;
  }

  private join(): void {
    if (this.partsLen === 0) return;
    const keep = this.buf.subarray(this.fwd);
    const list = keep.length ? [keep, ...this.parts] : this.parts;
    this.buf = list.length === 1 ? list[0] : Buffer.concat(list, keep.length + this.partsLen);
    this.pos -= this.fwd;
    this.applied -= this.fwd;
    this.fwd = 0;
    this.parts = [];
    this.partsLen = 0;
  }

  /**
   * The next complete command, or null when more bytes are needed. Bare newlines between commands
   * (keepalives of a master whose own link is down) are skipped and never counted.
   */
  next(): string[] | null {
    if (this.partsLen > 0 && this.buf.length - this.pos + this.partsLen >= this.need) this.join();
    const buf = this.buf;
    const len = buf.length;
    for (;;) {
      if (this.pos >= len) return null;
      const c = buf[this.pos];
      if (c === LF || c === CR) {
        // Uncounted unless it sits inside bytes not yet taken (an open MULTI).
        if (this.fwd === this.pos) this.fwd = this.applied = this.pos + 1;
        this.pos++;
        continue;
      }
      break;
    }
    const start = this.pos;
    if (buf[start] !== 42 /* '*' */) {
      const nl = buf.indexOf(LF, start);
      if (nl < 0) return this.incomplete(1);
      const line = buf.latin1Slice(start, nl > start && buf[nl - 1] === CR ? nl - 1 : nl);
      const argv = splitArgs(line);
      if (argv === null) throw new StreamProtocolError('unbalanced quotes in inline request from master');
      this.pos = nl + 1;
      return argv;
    }
    let p = this.header(buf, start + 1, len);
    if (p === -1) return this.incomplete(1);
    const n = this.num;
    if (p === -2 || n > 1024 * 1024 * 1024) throw new StreamProtocolError('invalid multibulk length from master');
    // Sized up front: a pushed-to empty array would allocate room for 17.
    const argv: string[] = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      if (p >= len) return this.incomplete(p - start + 1);
      if (buf[p] !== 36 /* '$' */) throw new StreamProtocolError(`expected '$', got '${String.fromCharCode(buf[p])}' from master`);
      const q = this.header(buf, p + 1, len);
      if (q === -1) return this.incomplete(p - start + 3);
      if (q === -2) throw new StreamProtocolError('invalid bulk length from master');
      const bl = this.num;
      p = q;
      if (p + bl + 2 > len) return this.incomplete(p + bl + 2 - start);
      argv[i] = latin1(buf, p, p + bl);
      p += bl + 2;
    }
    this.pos = p;
    this.need = 0;
    return n > 0 ? argv : this.next();
  }

  /** the value read by header() */
  private num = 0;

  /**
   * A header's decimal number from `from` up to its CRLF: sets `num` and returns the index after the
   * CRLF; -1 when the line is not complete yet, -2 when it is not a non-negative integer.
   */
  private header(buf: Buffer, from: number, len: number): number {
    let v = 0;
    let i = from;
    for (; i < len; i++) {
      const ch = buf[i];
      if (ch === CR) break;
      if (ch < 48 || ch > 57 || i - from > 15) return -2;
      v = v * 10 + (ch - 48);
    }
    if (i + 1 >= len) return -1;
    if (i === from || buf[i + 1] !== LF) return -2;
    this.num = v;
    return i + 2;
  }

  private incomplete(needFromStart: number): null {
    // Wait until at least this many bytes past the command's start are here before parsing again.
    this.need = needFromStart;
    return null;
  }

  /** Everything parsed so far has been applied (call after each command outside MULTI). */
  markApplied(): void {
    this.applied = this.pos;
  }

  /** The raw bytes of the commands applied since the last call (a view: never modified later). */
  takeApplied(): Buffer {
    const b = this.buf.subarray(this.fwd, this.applied);
    this.fwd = this.applied;
    return b;
  }

  /** Bytes received and not applied yet (slave_read_repl_offset - slave_repl_offset). */
  get unapplied(): number {
    return this.buf.length - this.applied + this.partsLen;
  }
}
