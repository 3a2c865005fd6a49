// Why: the member -> node index of a sorted set (Redis's zset dict). An open-addressing table
// (linear probing, backward-shift deletion) of [hash, node] pairs in one flat array, so a lookup
// touches one cache line of the table (plus the node on a hash match); V8's Map loads a bucket,
// chained entries and each entry's key string, which dominated ZADD on big sets. Map-like API subset.
import type { ZNode } from './zset-tree.js';

/** Per-process seed: members chosen to collide must guess it (Redis seeds its siphash too). */
const SEED = (Math.random() * 0x100000000) | 0;

/**
 * FNV-1a over the latin1 bytes, then murmur3's finalizer, as a positive small integer (a V8 Smi, so
 * it can sit next to the node pointer) that is never 0 (0 marks an empty slot).
 */
export function memberHash(s: string): number {
  let h = SEED ^ 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 2) + 1;
}

const MIN_CAPACITY = 8;

/** A table of `capacity` slots: hash at 2*i, node at 2*i+1. */
function table(capacity: number): (ZNode | number | null)[] {
  const t = new Array<ZNode | number | null>(2 * capacity);
  for (let i = 0; i < 2 * capacity; i += 2) {
    t[i] = 0;
    t[i + 1] = null;
  }
  return t;
}

export class MemberIndex {
  private slots = table(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  size = 0;

  private get capacity(): number {
    return this.mask + 1;
  }

  /** The slot holding member, or -1. */
  private find(member: string, h: number): number {
    const t = this.slots;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const x = t[2 * i] as number;
      if (x === 0) return -1;
      if (x === h && (t[2 * i + 1] as ZNode).member === member) return i;
      i = (i + 1) & mask;
    }
  }

  get(member: string): ZNode | undefined {
    const i = this.find(member, memberHash(member));
    return i < 0 ? undefined : (this.slots[2 * i + 1] as ZNode);
  }

  has(member: string): boolean {
    return this.find(member, memberHash(member)) >= 0;
  }

  /** Add or replace the node of member (node.member must be member). */
  set(member: string, node: ZNode): this {
    const h = memberHash(member);
    const at = this.find(member, h);
    if (at >= 0) {
      this.slots[2 * at + 1] = node;
      return this;
    }
    if ((this.size + 1) * 4 > this.capacity * 3) this.resize(this.capacity * 2);
    this.place(h, node);
    this.size++;
    return this;
  }

  delete(member: string): boolean {
    let i = this.find(member, memberHash(member));
    if (i < 0) return false;
    // Backward-shift deletion: pull later entries of the probe run into the hole unless their home
    // slot lies cyclically within (hole, entry].
    const t = this.slots;
    const mask = this.mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const x = t[2 * j] as number;
      if (x === 0) break;
      const home = x & mask;
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        t[2 * i] = x;
        t[2 * i + 1] = t[2 * j + 1];
        i = j;
      }
    }
    t[2 * i] = 0;
    t[2 * i + 1] = null;
    this.size--;
    if (this.capacity > MIN_CAPACITY && this.size * 8 < this.capacity) this.resize(this.capacity / 2);
    return true;
  }

  *values(): IterableIterator<ZNode> {
    const t = this.slots;
    for (let i = 1; i < t.length; i += 2) {
      const n = t[i];
      if (n !== null) yield n as ZNode;
    }
  }

  *keys(): IterableIterator<string> {
    for (const n of this.values()) yield n.member;
  }

  /** Bytes of the table itself (MEMORY USAGE). */
  tableBytes(): number {
    return this.capacity * 8;
  }

  private place(h: number, node: ZNode): void {
    const t = this.slots;
    const mask = this.mask;
    let i = h & mask;
    while (t[2 * i] !== 0) i = (i + 1) & mask;
    t[2 * i] = h;
    t[2 * i + 1] = node;
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.slots = table(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.place(old[i] as number, old[i + 1] as ZNode);
  }
}
