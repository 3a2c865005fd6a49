// Why: the replication backlog (repl-backlog-size): the most recent part of the replication stream,
// addressed by replication offsets, so a replica that lost its link can continue with PSYNC
// (+CONTINUE) instead of a full resync. Like Redis 7's shared replication buffer it is a ring of
// the very Buffers written to the replicas (no copy): appended Buffers must never be modified.
// Contiguous pieces of one underlying chunk are merged, so it holds one piece per stream chunk.

export class Backlog {
  /** the pieces, oldest first, from `head` on (slots before `head` are dropped) */
  private pieces: Buffer[] = [];
  private head = 0;
  /** bytes held (<= size) */
  histlen = 0;
  /** replication offset of the last byte held (start - 1 while empty) */
  private end: number;

  /** `nextOffset`: the replication offset the first byte written will have (master_repl_offset + 1). */
  constructor(
    public size: number,
    nextOffset: number,
  ) {
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

  /** Append a piece of stream; the backlog keeps a reference to it (the caller never rewrites it). */
  append(data: Buffer): void {
    const len = data.length;
    if (len === 0) return;
    this.end += len;
    this.histlen += len;
    const pieces = this.pieces;
    const n = pieces.length;
    const last = n > this.head ? pieces[n - 1] : null;
    if (last !== null && last.buffer === data.buffer && last.byteOffset + last.length === data.byteOffset) {
      pieces[n - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + len);
    } else {
      pieces.push(data);
    }
    this.trim();
  }

  /** Drop the oldest bytes beyond `size`. */
  private trim(): void {
    const pieces = this.pieces;
    let excess = this.histlen - this.size;
    if (excess <= 0) return;
    while (excess > 0) {
      const p = pieces[this.head];
      if (p.length <= excess) {
        excess -= p.length;
        this.histlen -= p.length;
        this.head++;
      } else {
        pieces[this.head] = p.subarray(excess);
        this.histlen -= excess;
        excess = 0;
      }
    }
    // Compact now and then (no Array.shift per piece).
    if (this.head > 64 && this.head * 2 > pieces.length) {
      this.pieces = pieces.slice(this.head);
      this.head = 0;
    }
  }

  /** Can a replica that has everything before `offset` continue from here? */
  covers(offset: number): boolean {
    return offset >= this.start && offset <= this.end + 1;
  }

  /** The bytes from replication offset `from` (inclusive) to the end, as views of the pieces. */
  readFrom(from: number): Buffer[] {
    let skip = from - this.start;
    if (from > this.end || skip < 0) return [];
    const out: Buffer[] = [];
    for (let i = this.head; i < this.pieces.length; i++) {
      const p = this.pieces[i];
      if (skip >= p.length) {
        skip -= p.length;
        continue;
      }
      out.push(skip > 0 ? p.subarray(skip) : p);
      skip = 0;
    }
    return out;
  }

  /** CONFIG SET repl-backlog-size: keep the most recent bytes that still fit. */
  resize(newSize: number): void {
    this.size = newSize;
    this.trim();
  }
}
