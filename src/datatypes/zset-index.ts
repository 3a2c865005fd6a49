// Why: the member -> node index of a sorted set (Redis's zset dict). An open-addressing table
// (linear probing, backward-shift deletion) keeping each member's 32-bit hash in an Int32Array, so
// a lookup of an absent member costs one probe of a flat array; V8's Map loads a bucket, chained
// entries and each entry's key string, which dominated ZADD on big sets. Map-like API subset.
import type { SkipNode } from './skiplist.js';

/** Per-process seed: members chosen to collide must guess it (Redis seeds its siphash too). */
const SEED = (Math.random() * 0x100000000) | 0;

/** FNV-1a over the latin1 bytes, then murmur3's finalizer; never 0 (0 marks an empty slot). */
export function memberHash(s: string): number {
  let h = SEED ^ 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 1;
}

const MIN_CAPACITY = 8;

export class MemberIndex {
  private hashes = new Int32Array(MIN_CAPACITY);
  private nodes: (SkipNode | null)[] = new Array<SkipNode | null>(MIN_CAPACITY).fill(null);
  private mask = MIN_CAPACITY - 1;
  size = 0;

  /** The slot holding member, or -1. */
  private find(member: string, h: number): number {
    const hs = this.hashes;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const x = hs[i];
      if (x === 0) return -1;
      if (x === h && this.nodes[i]!.member === member) return i;
      i = (i + 1) & mask;
    }
  }

  get(member: string): SkipNode | undefined {
    const i = this.find(member, memberHash(member));
    return i < 0 ? undefined : this.nodes[i]!;
  }

  has(member: string): boolean {
    return this.find(member, memberHash(member)) >= 0;
  }

  /** Add or replace the node of member (node.member must be member). */
  set(member: string, node: SkipNode): this {
    const h = memberHash(member);
    const at = this.find(member, h);
    if (at >= 0) {
      this.nodes[at] = node;
      return this;
    }
    if ((this.size + 1) * 4 > this.hashes.length * 3) this.resize(this.hashes.length * 2);
    this.place(h, node);
    this.size++;
    return this;
  }

  delete(member: string): boolean {
    let i = this.find(member, memberHash(member));
    if (i < 0) return false;
    // Backward-shift deletion: pull later entries of the probe run into the hole unless their home
    // slot lies cyclically within (hole, entry].
    const hs = this.hashes;
    const nodes = this.nodes;
    const mask = this.mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const x = hs[j];
      if (x === 0) break;
      const home = x & mask;
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        hs[i] = x;
        nodes[i] = nodes[j];
        i = j;
      }
    }
    hs[i] = 0;
    nodes[i] = null;
    this.size--;
    if (this.hashes.length > MIN_CAPACITY && this.size * 8 < this.hashes.length) this.resize(this.hashes.length / 2);
    return true;
  }

  *values(): IterableIterator<SkipNode> {
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n !== null) yield n;
    }
  }

  *keys(): IterableIterator<string> {
    for (const n of this.values()) yield n.member;
  }

  /** Bytes of the table itself (MEMORY USAGE). */
  tableBytes(): number {
    return this.hashes.length * 8;
  }

  private place(h: number, node: SkipNode): void {
    const hs = this.hashes;
    const mask = this.mask;
    let i = h & mask;
    while (hs[i] !== 0) i = (i + 1) & mask;
    hs[i] = h;
    this.nodes[i] = node;
  }

  private resize(capacity: number): void {
    const oldH = this.hashes;
    const oldN = this.nodes;
    this.hashes = new Int32Array(capacity);
    this.nodes = new Array<SkipNode | null>(capacity).fill(null);
    this.mask = capacity - 1;
    for (let i = 0; i < oldH.length; i++) if (oldH[i] !== 0) this.place(oldH[i], oldN[i]!);
  }
}
