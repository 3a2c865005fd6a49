// Why: the storage behind the "hashtable" encoding of sets and hashes. A Map gives O(1) member ->
// slot, dense arrays give O(1) random members (SPOP, SRANDMEMBER, HRANDFIELD) and let SCAN walk
// slots with a stateless cursor (scan-cursor.ts). Deletion moves the last slot into the hole,
// which is exactly what keeps that cursor's guarantee.

/** A set of latin1 strings with slot access. */
export class DenseSet {
  keys: string[] = [];
  idx = new Map<string, number>();

  get size(): number {
    return this.keys.length;
  }

  has(k: string): boolean {
    return this.idx.has(k);
  }

  /** Returns true if k was added (it was not a member). */
  add(k: string): boolean {
    if (this.idx.has(k)) return false;
    this.idx.set(k, this.keys.length);
    this.keys.push(k);
    return true;
  }

  /** Remove k; returns its former slot, or -1 if k was not a member. */
  delete(k: string): number {
    const i = this.idx.get(k);
    if (i === undefined) return -1;
    const last = this.keys.length - 1;
    if (i !== last) {
      const moved = this.keys[last];
      this.keys[i] = moved;
      this.idx.set(moved, i);
    }
    this.keys.pop();
    this.idx.delete(k);
    return i;
  }

  cloneInto(o: DenseSet): void {
    o.keys = this.keys.slice();
    o.idx = new Map(this.idx);
  }
}

/** A string -> string map with slot access (fields in `keys`, values in `vals` at the same slot). */
export class DenseMap extends DenseSet {
  vals: string[] = [];

  get(k: string): string | undefined {
    const i = this.idx.get(k);
    return i === undefined ? undefined : this.vals[i];
  }

  /** Set k to v; returns true if k is a new field. */
  set(k: string, v: string): boolean {
    const i = this.idx.get(k);
    if (i !== undefined) {
      this.vals[i] = v;
      return false;
    }
    this.idx.set(k, this.keys.length);
    this.keys.push(k);
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
