// Why: the set of keys a running snapshot has handled (up to every key of a DB): ~16 bytes per key
// (the key reference in fixed-size chunks plus a pre-sized open-addressing table of indexes) where
// a JS Set took ~55 MB more RSS for 1M keys — most of BGSAVE's extra memory.

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
/** Keys longer than this are hashed on their first and last HALF characters (and their length). */
const FULL_HASH = 64;
const HALF = FULL_HASH >> 1;

/** A hash of a latin1 key (FNV-1a over its characters, then a final mix). */
export function keyHash(k: string): number {
  const n = k.length;
  let h = 0x811c9dc5 ^ n;
  if (n <= FULL_HASH) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < HALF; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
    for (let i = n - HALF; i < n; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

/** An insert-only set of strings: add() and has(). */
export class KeySet {
  /** slot -> index + 1 of the key in `chunks` (0: empty) */
  private table: Int32Array;
  private mask: number;
  private readonly chunks: string[][] = [];
  private count = 0;

  /** `expected`: how many keys it will probably hold (the table is sized for it up front). */
  constructor(expected: number) {
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private keyAt(i: number): string {
    return this.chunks[i >>> CHUNK_BITS][i & (CHUNK - 1)];
  }

  /** The slot holding k, or the empty slot where it would go (as -1 - slot). */
  private find(k: string): number {
    const t = this.table;
    const mask = this.mask;
    let i = keyHash(k) & mask;
    for (;;) {
      const e = t[i];
      if (e === 0) return -1 - i;
      if (this.keyAt(e - 1) === k) return i;
      i = (i + 1) & mask;
    }
  }

  has(k: string): boolean {
    return this.find(k) >= 0;
  }

  /** Add k; false if it was there already. */
  add(k: string): boolean {
    const slot = this.find(k);
    if (slot >= 0) return false;
    const idx = this.count++;
    const c = idx >>> CHUNK_BITS;
    if (c === this.chunks.length) this.chunks.push(new Array<string>(CHUNK));
    this.chunks[c][idx & (CHUNK - 1)] = k;
    this.table[-1 - slot] = idx + 1;
    if (this.count * 4 > this.table.length * 3) this.grow();
    return true;
  }

  /** Double the table (only when far more keys arrive than expected). */
  private grow(): void {
    const cap = this.table.length * 2;
    const t = new Int32Array(cap);
    const mask = cap - 1;
    for (let idx = 0; idx < this.count; idx++) {
      let i = keyHash(this.keyAt(idx)) & mask;
      while (t[i] !== 0) i = (i + 1) & mask;
      t[i] = idx + 1;
    }
    this.table = t;
    this.mask = mask;
  }
}
