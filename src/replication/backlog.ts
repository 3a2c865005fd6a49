// Why: the replication backlog (repl-backlog-size): a circular byte buffer holding the most recent
// part of the replication stream, addressed by replication offsets, so a replica that lost its link
// can continue with PSYNC (+CONTINUE) instead of a full resync. It grows on demand up to its size.

const INITIAL = 64 * 1024;

export class Backlog {
  private buf: Buffer;
  /** next write position in buf */
  private idx = 0;
  /** bytes held (<= size) */
  histlen = 0;
  /** replication offset of the last byte held (start - 1 while empty) */
  private end: number;

  /** `nextOffset`: the replication offset the first byte written will have (master_repl_offset + 1). */
  constructor(
    public size: number,
    nextOffset: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(size, INITIAL));
    this.end = nextOffset - 1;
  }

  /** Replication offset of the first byte held (repl_backlog_first_byte_offset). */
  get start(): number {
    return this.end - this.histlen + 1;
  }

  /** Offset of the last byte written. */
  get endOffset(): number {
    return this.end;
  }

  append(data: Buffer): void {
    const len = data.length;
    if (len === 0) return;
    this.end += len;
    const size = this.size;
    if (len >= size) {
      if (this.buf.length < size) this.buf = Buffer.allocUnsafe(size);
      data.copy(this.buf, 0, len - size);
      this.idx = 0;
      this.histlen = size;
      return;
    }
    if (this.buf.length < size && this.idx + len >= this.buf.length) {
      // Still filling linearly (never wrapped): grow instead of wrapping.
      const grown = Buffer.allocUnsafe(Math.min(size, Math.max(this.buf.length * 2, this.idx + len)));
      this.buf.copy(grown, 0, 0, this.idx);
      this.buf = grown;
    }
    const cap = this.buf.length;
    let p = 0;
    while (p < len) {
      const n = Math.min(cap - this.idx, len - p);
      data.copy(this.buf, this.idx, p, p + n);
      p += n;
      this.idx += n;
      if (this.idx === cap) this.idx = 0;
    }
    this.histlen = Math.min(size, this.histlen + len);
  }

  /** Can a replica that has everything before `offset` continue from here? */
  covers(offset: number): boolean {
    return offset >= this.start && offset <= this.end + 1;
  }

  /** The bytes from replication offset `from` (inclusive) to the end, as at most two chunks. */
  readFrom(from: number): Buffer[] {
    const n = this.end + 1 - from;
    if (n <= 0) return [];
    const cap = this.buf.length;
    // Position of the first byte held, then skip to `from`.
    const first = (this.idx - this.histlen + cap) % cap;
    const pos = (first + (from - this.start)) % cap;
    if (pos + n <= cap) return [Buffer.from(this.buf.subarray(pos, pos + n))];
    return [Buffer.from(this.buf.subarray(pos, cap)), Buffer.from(this.buf.subarray(0, n - (cap - pos)))];
  }

  /** CONFIG SET repl-backlog-size: keep the most recent bytes that still fit. */
  resize(newSize: number): void {
    if (newSize === this.size) return;
    const keep = Math.min(this.histlen, newSize);
    const tail = this.readFrom(this.end + 1 - keep);
    const nextOffset = this.end + 1;
    this.size = newSize;
    this.buf = Buffer.allocUnsafe(Math.min(newSize, Math.max(INITIAL, keep)));
    this.idx = 0;
    this.histlen = 0;
    this.end = nextOffset - 1 - keep;
    for (const c of tail) this.append(c);
  }
}
