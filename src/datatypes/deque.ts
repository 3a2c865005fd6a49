// Why: the list type's storage — a growable ring buffer of latin1 strings: O(1) push/pop at both
// ends and O(1) access by index from either end (Redis's quicklist gives O(1) ends and O(n/8KB)
// index; a ring buffer is simpler and faster in JS), with bulk operations (trim, filtered removal,
// middle insertion shifting the shorter side) done in place without Array.shift/unshift.

const MIN_CAP = 8;

export class Deque {
  private buf: (string | undefined)[];
  private head = 0;
  private mask: number;
  length = 0;

  constructor(capacity = MIN_CAP) {
    let cap = MIN_CAP;
    while (cap < capacity) cap *= 2;
    this.buf = new Array<string | undefined>(cap);
    this.mask = cap - 1;
  }

  static from(items: readonly string[]): Deque {
    const d = new Deque(items.length);
    for (let i = 0; i < items.length; i++) d.buf[i] = items[i];
    d.length = items.length;
    return d;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Element at 0 <= i < length (no bounds check). */
  get(i: number): string {
    return this.buf[(this.head + i) & this.mask] as string;
  }

  set(i: number, v: string): void {
    this.buf[(this.head + i) & this.mask] = v;
  }

  pushBack(v: string): void {
    if (this.length === this.mask + 1) this.resize((this.mask + 1) * 2);
    this.buf[(this.head + this.length) & this.mask] = v;
    this.length++;
  }

  pushFront(v: string): void {
    if (this.length === this.mask + 1) this.resize((this.mask + 1) * 2);
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.length++;
  }

  popFront(): string | undefined {
    if (this.length === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    this.maybeShrink();
    return v;
  }

  popBack(): string | undefined {
    if (this.length === 0) return undefined;
    const i = (this.head + this.length - 1) & this.mask;
    const v = this.buf[i];
    this.buf[i] = undefined;
    this.length--;
    this.maybeShrink();
    return v;
  }

  /** Drop n elements from the front (n <= length). */
  removeFront(n: number): void {
    for (let k = 0; k < n; k++) {
      this.buf[this.head] = undefined;
      this.head = (this.head + 1) & this.mask;
    }
    this.length -= n;
    this.maybeShrink();
  }

  /** Drop n elements from the back (n <= length). */
  removeBack(n: number): void {
    for (let k = 0; k < n; k++) {
      this.length--;
      this.buf[(this.head + this.length) & this.mask] = undefined;
    }
    this.maybeShrink();
  }

  /** Insert v so that it ends up at index i (0 <= i <= length), shifting the shorter side. */
  insert(i: number, v: string): void {
    if (i === 0) return this.pushFront(v);
    if (i === this.length) return this.pushBack(v);
    if (this.length === this.mask + 1) this.resize((this.mask + 1) * 2);
    const m = this.mask;
    const b = this.buf;
    if (i < this.length - i) {
      // Move elements [0, i) one slot to the left.
      this.head = (this.head - 1) & m;
      for (let k = 0; k < i; k++) b[(this.head + k) & m] = b[(this.head + k + 1) & m];
    } else {
      // Move elements [i, length) one slot to the right.
      for (let k = this.length; k > i; k--) b[(this.head + k) & m] = b[(this.head + k - 1) & m];
    }
    b[(this.head + i) & m] = v;
    this.length++;
  }

  /**
   * Remove up to `limit` elements equal to v (0 = all), scanning from the tail when fromTail.
   * Returns how many were removed. One in-place compaction pass.
   */
  removeValue(v: string, limit: number, fromTail: boolean): number {
    const n = this.length;
    const m = this.mask;
    const b = this.buf;
    const h = this.head;
    let removed = 0;
    if (!fromTail) {
      let w = 0;
      for (let r = 0; r < n; r++) {
        const x = b[(h + r) & m] as string;
        if (x === v && (limit === 0 || removed < limit)) {
          removed++;
          continue;
        }
        if (w !== r) b[(h + w) & m] = x;
        w++;
      }
      for (let k = w; k < n; k++) b[(h + k) & m] = undefined;
    } else {
      // Compact towards the tail, then move head forward.
      let w = n - 1;
      for (let r = n - 1; r >= 0; r--) {
        const x = b[(h + r) & m] as string;
        if (x === v && (limit === 0 || removed < limit)) {
          removed++;
          continue;
        }
        if (w !== r) b[(h + w) & m] = x;
        w--;
      }
      for (let k = 0; k < removed; k++) b[(h + k) & m] = undefined;
      this.head = (h + removed) & m;
    }
    this.length = n - removed;
    if (removed) this.maybeShrink();
    return removed;
  }

  /** Elements [start, end] (inclusive, already clamped) as an array. */
  slice(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start; i <= end; i++) out[i - start] = this.get(i);
    return out;
  }

  toArray(): string[] {
    return this.length === 0 ? [] : this.slice(0, this.length - 1);
  }

  clone(): Deque {
    const d = new Deque(this.length);
    for (let i = 0; i < this.length; i++) d.buf[i] = this.get(i);
    d.length = this.length;
    return d;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  private maybeShrink(): void {
    const cap = this.mask + 1;
    if (cap <= 64 || this.length >= cap >>> 2) return;
    let nc = cap >>> 1;
    while (nc > 64 && this.length < nc >>> 2) nc >>>= 1;
    this.resize(nc);
  }

  private resize(cap: number): void {
    const nb = new Array<string | undefined>(cap);
    for (let i = 0; i < this.length; i++) nb[i] = this.buf[(this.head + i) & this.mask];
    this.buf = nb;
    this.head = 0;
    this.mask = cap - 1;
  }
}
