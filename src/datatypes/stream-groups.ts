// Why: consumer-group bookkeeping (streamCG / streamConsumer / streamNACK of t_stream.c): the
// group PEL and each consumer's PEL share NACK objects, as in Redis. A PEL is an ID-ordered index
// (Redis uses a rax): a sorted array with binary search, where deletions only tombstone a slot
// and the array is compacted once tombstones outnumber live slots — deliveries append at the end
// and acks mostly hit the front, so both stay O(log n) amortised without a tree.
import { addCounter, asInt64, cmpId, lowerBoundId, subCounter, type U64 } from './stream-id.js';
import type { StreamObject } from './stream-struct.js';

/** A pending entry: delivered to `consumer`, not acknowledged yet. */
export class Nack {
  constructor(
    public deliveryTime: number,
    public deliveryCount: number,
    public consumer: Consumer | null,
  ) {}
}

/** An ID-ordered map (the rax of a PEL). */
export class PelIndex {
  ms: U64[] = [];
  seq: U64[] = [];
  vals: (Nack | undefined)[] = [];
  size = 0;
  private dead = 0;

  /** First slot index whose key is >= (ms, seq) (tombstones included). */
  lowerBound(ms: U64, seq: U64): number {
    return lowerBoundId(this.ms, this.seq, ms, seq);
  }

  private slot(ms: U64, seq: U64): number {
    const n = this.ms.length;
    // Fast path: the last key (deliveries append in ID order).
    if (n > 0 && this.ms[n - 1] === ms && this.seq[n - 1] === seq) return n - 1;
    const i = this.lowerBound(ms, seq);
    return i < n && this.ms[i] === ms && this.seq[i] === seq ? i : -1;
  }

  get(ms: U64, seq: U64): Nack | undefined {
    const i = this.slot(ms, seq);
    return i < 0 ? undefined : this.vals[i];
  }

  /** Insert or replace. */
  set(ms: U64, seq: U64, v: Nack): void {
    const n = this.ms.length;
    if (n === 0 || cmpId(this.ms[n - 1], this.seq[n - 1], ms, seq) < 0) {
      this.ms.push(ms);
      this.seq.push(seq);
      this.vals.push(v);
      this.size++;
      return;
    }
    const i = this.lowerBound(ms, seq);
    if (i < n && this.ms[i] === ms && this.seq[i] === seq) {
      if (this.vals[i] === undefined) {
        this.dead--;
        this.size++;
      }
      this.vals[i] = v;
      return;
    }
    this.ms.splice(i, 0, ms);
    this.seq.splice(i, 0, seq);
    this.vals.splice(i, 0, v);
    this.size++;
  }

  delete(ms: U64, seq: U64): Nack | undefined {
    const i = this.slot(ms, seq);
    if (i < 0) return undefined;
    const v = this.vals[i];
    if (v === undefined) return undefined;
    this.vals[i] = undefined;
    this.size--;
    this.dead++;
    if (i === this.ms.length - 1) this.trimTail();
    if (this.dead > 32 && this.dead > this.size) this.compact();
    return v;
  }

  private trimTail(): void {
    while (this.vals.length > 0 && this.vals[this.vals.length - 1] === undefined) {
      this.ms.pop();
      this.seq.pop();
      this.vals.pop();
      this.dead--;
    }
  }

  private compact(): void {
    const ms: U64[] = [];
    const seq: U64[] = [];
    const vals: Nack[] = [];
    for (let i = 0; i < this.vals.length; i++) {
      const v = this.vals[i];
      if (v === undefined) continue;
      ms.push(this.ms[i]);
      seq.push(this.seq[i]);
      vals.push(v);
    }
    this.ms = ms;
    this.seq = seq;
    this.vals = vals;
    this.dead = 0;
  }

  /** Index of the next live slot at or after i (length when none). */
  nextLive(i: number): number {
    const n = this.vals.length;
    while (i < n && this.vals[i] === undefined) i++;
    return i;
  }

  /** Index of the previous live slot at or before i (-1 when none). */
  prevLive(i: number): number {
    while (i >= 0 && this.vals[i] === undefined) i--;
    return i;
  }

  get slots(): number {
    return this.vals.length;
  }

  /** Visit live entries in ID order (stop when fn returns false). */
  forEach(fn: (ms: U64, seq: U64, v: Nack) => boolean | void): void {
    for (let i = 0; i < this.vals.length; i++) {
      const v = this.vals[i];
      if (v !== undefined && fn(this.ms[i], this.seq[i], v) === false) return;
    }
  }
}

export class Consumer {
  pel = new PelIndex();
  constructor(
    readonly name: string,
    public seenTime: number,
  ) {}
}

export class ConsumerGroup {
  pel = new PelIndex();
  consumers = new Map<string, Consumer>();
  constructor(
    public lastMs: U64,
    public lastSeq: U64,
    /** entries_read (a signed counter); -1 = SCG_INVALID_ENTRIES_READ */
    public entriesRead: number | bigint,
  ) {}

  /** Consumers in rax (byte) order. */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A deep copy (COPY): NACKs are shared between the group PEL and the consumer PELs. */
  clone(): ConsumerGroup {
    const g = new ConsumerGroup(this.lastMs, this.lastSeq, this.entriesRead);
    const map = new Map<Nack, Nack>();
    this.pel.forEach((ms, seq, n) => {
      const m = new Nack(n.deliveryTime, n.deliveryCount, null);
      map.set(n, m);
      g.pel.set(ms, seq, m);
    });
    for (const c of this.consumers.values()) {
      const nc = new Consumer(c.name, c.seenTime);
      c.pel.forEach((ms, seq, n) => {
        const m = map.get(n)!;
        m.consumer = nc;
        nc.pel.set(ms, seq, m);
      });
      g.consumers.set(c.name, nc);
    }
    return g;
  }

  /** streamDelConsumer: drop the consumer and its pending entries from the group PEL. */
  deleteConsumer(c: Consumer): number {
    const n = c.pel.size;
    c.pel.forEach((ms, seq) => {
      this.pel.delete(ms, seq);
    });
    this.consumers.delete(c.name);
    return n;
  }

  /** XACK of one ID: removes the NACK from both PELs. */
  ack(ms: U64, seq: U64): boolean {
    const n = this.pel.delete(ms, seq);
    if (n === undefined) return false;
    n.consumer?.pel.delete(ms, seq);
    return true;
  }

  /** Give a NACK to another consumer (XCLAIM/XAUTOCLAIM/XREADGROUP re-delivery). */
  assign(ms: U64, seq: U64, n: Nack, to: Consumer): void {
    if (n.consumer === to) return;
    n.consumer?.pel.delete(ms, seq);
    n.consumer = to;
    to.pel.set(ms, seq, n);
  }
}

/** Sorted group names in rax order. */
export function sortedNames(m: Map<string, unknown>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** streamRangeHasTombstones(s, start, NULL): may an XDEL tombstone lie at or after `start`? */
export function rangeHasTombstones(s: StreamObject, ms: U64, seq: U64): boolean {
  if (s.length === 0 || (s.maxDelMs === 0 && s.maxDelSeq === 0)) return false;
  if (cmpId(s.firstMs, s.firstSeq, s.maxDelMs, s.maxDelSeq) > 0) return false;
  return cmpId(ms, seq, s.maxDelMs, s.maxDelSeq) <= 0;
}

/**
 * streamEstimateDistanceFromFirstEverEntry: the logical read counter of an ID (entries added up
 * to it), or -1 when it cannot be known (tombstones ahead, an ID in the middle or the future).
 */
export function estimateEntriesRead(s: StreamObject, ms: U64, seq: U64): number | bigint {
  return asInt64(estimate(s, ms, seq));
}

function estimate(s: StreamObject, ms: U64, seq: U64): number | bigint {
  if (s.entriesAdded === 0) return 0;
  const cmpLast = cmpId(ms, seq, s.lastMs, s.lastSeq);
  if (s.length === 0 && cmpLast < 1) return s.entriesAdded;
  if (cmpLast === 0) return s.entriesAdded;
  if (cmpLast > 0) return -1;
  const cmpFirst = cmpId(ms, seq, s.firstMs, s.firstSeq);
  if ((s.maxDelMs === 0 && s.maxDelSeq === 0) || cmpId(s.maxDelMs, s.maxDelSeq, s.firstMs, s.firstSeq) < 0) {
    if (cmpFirst < 0) return subCounter(s.entriesAdded, s.length);
    if (cmpFirst === 0) return addCounter(subCounter(s.entriesAdded, s.length) as U64, 1);
  }
  return -1;
}

/** streamReplyWithCGLag's value: the group's lag, or null when it cannot be computed. */
export function groupLag(s: StreamObject, g: ConsumerGroup): number | bigint | null {
  if (s.entriesAdded === 0) return 0;
  const added = asInt64(s.entriesAdded);
  if (g.entriesRead !== -1 && !rangeHasTombstones(s, g.lastMs, g.lastSeq)) return asInt64(subCounter(added, g.entriesRead));
  const er = estimateEntriesRead(s, g.lastMs, g.lastSeq);
  return er === -1 ? null : asInt64(subCounter(added, er));
}
