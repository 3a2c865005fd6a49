// Why: the storage behind the "hashtable" encoding of sets and hashes. Dense arrays give O(1)
// random members (SPOP, SRANDMEMBER, HRANDFIELD) and let SCAN walk slots with a stateless cursor
// (scan-cursor.ts); deletion moves the last slot into the hole, which is exactly what keeps that
// cursor's guarantee. Member -> slot is an open-addressing table of [hash, slot] pairs in one
// Int32Array (linear probing, backward-shift deletion; the zset index's hash): a probe reads one
// flat pair before any key string, where V8's Map walks a bucket, a chained entry and the key.

import { memberHash } from './zset-index.js';

/**
 * Backward-shift deletion for a linear-probing table whose hashes sit at t[stride * i] (0 = empty,
 * home position hash & mask): empties position i by pulling later entries of its probe run into
 * the hole unless their home lies cyclically within (hole, entry]. Moves the hashes itself and
 * calls move(to, from) for whatever else a position holds; returns the position left empty.
 */
export function backshift(t: Int32Array, stride: number, mask: number, i: number, move: (to: number, from: number) => void): number {
  let j = i;
  for (;;) {
    j = (j + 1) & mask;
    const x = t[stride * j];
    if (x === 0) break;
    const home = x & mask;
    const stays = i <= j ? home > i && home <= j : home > i || home <= j;
    if (!stays) {
      t[stride * i] = x;
      move(i, j);
      i = j;
    }
  }
  t[stride * i] = 0;
  return i;
}

/** 8 pairs = 64 bytes: small tables stay on V8's heap (no ArrayBuffer backing store). */
const MIN_SLOTS = 8;

/** A set of latin1 strings with slot access. */
export class DenseSet {
  keys: string[] = [];
  /** [hash, slot] per table position; hash 0 marks an empty position */
  protected table = new Int32Array(MIN_SLOTS * 2);
  protected mask = MIN_SLOTS - 1;

  get size(): number {
    return this.keys.length;
  }

  /** Table position of k (whose hash is h), or -1. */
  protected find(k: string, h: number): number {
    const t = this.table;
    const mask = this.mask;
    const keys = this.keys;
    let i = h & mask;
    for (;;) {
      const x = t[2 * i];
      if (x === 0) return -1;
      if (x === h && keys[t[2 * i + 1]] === k) return i;
      i = (i + 1) & mask;
    }
  }

  has(k: string): boolean {
    return this.find(k, memberHash(k)) >= 0;
  }

  /** Returns true if k was added (it was not a member). */
  add(k: string): boolean {
    const h = memberHash(k);
    if (this.find(k, h) >= 0) return false;
    this.append(k, h);
    return true;
  }

  /** Store new member k (hash h) in the next slot. */
  protected append(k: string, h: number): void {
    const n = this.keys.length;
    if ((n + 1) * 4 > (this.mask + 1) * 3) this.resize((this.mask + 1) * 2);
    this.place(h, n);
    this.keys.push(k);
  }

  /** Remove k; returns its former slot, or -1 if k was not a member. */
  delete(k: string): number {
    const pos = this.find(k, memberHash(k));
    if (pos < 0) return -1;
    const slot = this.table[2 * pos + 1];
    this.unlink(pos);
    const last = this.keys.length - 1;
    if (slot !== last) {
      const moved = this.keys[last];
      this.keys[slot] = moved;
      this.table[2 * this.find(moved, memberHash(moved)) + 1] = slot;
    }
    this.keys.pop();
    const cap = this.mask + 1;
    if (cap > MIN_SLOTS && this.keys.length * 8 < cap) this.resize(cap / 2);
    return slot;
  }

  cloneInto(o: DenseSet): void {
    o.keys = this.keys.slice();
    o.table = this.table.slice();
    o.mask = this.mask;
  }

  /** Bytes of the member -> slot table (for memory estimates). */
  tableBytes(): number {
    return this.table.length * 4;
  }

  private place(h: number, slot: number): void {
    const t = this.table;
    const mask = this.mask;
    let i = h & mask;
    while (t[2 * i] !== 0) i = (i + 1) & mask;
    t[2 * i] = h;
    t[2 * i + 1] = slot;
  }

  /** Empty table position i (backward-shift deletion). */
  private unlink(i: number): void {
    const t = this.table;
    const last = backshift(t, 2, this.mask, i, (to, from) => {
      t[2 * to + 1] = t[2 * from + 1];
    });
    t[2 * last + 1] = 0;
  }

  private resize(slots: number): void {
    const old = this.table;
    this.table = new Int32Array(slots * 2);
    this.mask = slots - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.place(old[i], old[i + 1]);
  }
}

/** A string -> string map with slot access (fields in `keys`, values in `vals` at the same slot). */
export class DenseMap extends DenseSet {
  vals: string[] = [];

  get(k: string): string | undefined {
    const pos = this.find(k, memberHash(k));
    return pos < 0 ? undefined : this.vals[this.table[2 * pos + 1]];
  }

  /** Set k to v; returns true if k is a new field. */
  set(k: string, v: string): boolean {
    const h = memberHash(k);
    const pos = this.find(k, h);
    if (pos >= 0) {
      this.vals[this.table[2 * pos + 1]] = v;
      return false;
    }
    this.append(k, h);
    this.vals.push(v);
    return true;
  }

  override delete(k: string): number {
    const i = super.delete(k);
    if (i < 0) return i;
    const last = this.vals.length - 1;
    if (i !== last) this.vals[i] = this.vals[last];
    this.vals.pop();
    return i;
  }

  clone(): DenseMap {
    const o = new DenseMap();
    this.cloneInto(o);
    o.vals = this.vals.slice();
    return o;
  }
}
