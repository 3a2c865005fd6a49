// Why: a point-in-time RDB of the whole keyspace without fork() and without copying the dataset
// (Dragonfly's "serialize before write"). The keyspace is walked in short slices on the event loop;
// before a write command, an expiry or a flush touches a key the walk has not reached, the hook
// (server.snapshot) serializes that key's old value first. Keys created after the start are marked
// done while absent, so they never appear. Output goes to any RdbSink (file, socket...). A big
// collection is written over several slices; keys preserved meanwhile go to a side buffer that
// follows it in the stream.
import type { Server } from '../server/server.js';
import type { Db, Value } from '../datatypes/db.js';
import { RdbEncoder } from './rdb-writer.js';
import { OP_EOF } from './rdb-types.js';
import { throughputBegin, throughputEnd } from './gc-mode.js';
import { KeySet, keyHash } from './key-set.js';

/**
 * Default time budget of one slice of the walk. A command that arrives during a slice waits for
 * its end, so this is what a running snapshot adds to latency (1 ms: probe p50 1.1 ms, p99 about
 * halved against 3 ms, same idle BGSAVE time; a snapshot under saturating load takes ~30% longer).
 */
const SLICE_MS = 1;
/**
 * Under load (the event loop spent more than LOAD_GAP_MS on other work since the last slice), a
 * slice lasts a quarter of that gap (at least MIN_SLICE_MS): the walk gets ~20% of a saturated
 * loop, so commands queue less behind it (redis-benchmark SET p99 during a 1M-key BGSAVE ~5 ->
 * ~4.5 ms against a full gap per slice; the snapshot takes about as long, as the walk also uses
 * the moments clients leave idle).
 */
const LOAD_GAP_MS = 0.1;
const LOAD_SHARE_DIV = 4;
const MIN_SLICE_MS = 0.25;

export interface SnapshotOptions {
  /** time budget of one slice of the walk, in ms */
  sliceMs?: number;
  /** rdb-key-save-delay: microseconds to wait after each key (tests) */
  keyDelayUs?: number;
  /** AUX aof-base 1 (AOF rewrite base) */
  aofBase?: boolean;
  usedMemory?: number;
}

/**
 * A one-hash bit filter of a DB's keys with an expire (16 bits per such key: ~6% false positives),
 * when they are few enough for it to save lookups.
 */
function expireFilter(db: Db): Uint32Array | null {
  const n = db.expires.size;
  if (n === 0 || n > db.dict.size / 4 || n > 1 << 22) return null;
  let bits = 1024;
  while (bits < n * 16) bits *= 2;
  const f = new Uint32Array(bits / 32);
  for (const k of db.expires.keys()) {
    const h = keyHash(k) & (bits - 1);
    f[h >>> 5] |= 1 << (h & 31);
  }
  return f;
}

/** A big value being written over several slices. */
interface Pending {
  db: Db;
  key: string;
  steps: Generator<void, void>;
}

export class Snapshot {
  /** per DB: keys already handled (written, or absent when first touched); null = DB finished */
  private done: (KeySet | null)[] = [];
  private sizes: number[] = [];
  /** per DB: bits of keyHash of the keys that had an expire at the start (null: look every key up) */
  private readonly expireFilters: (Uint32Array | null)[] = [];
  private expiresSizes: number[] = [];
  private resized: boolean[] = [];
  /** string values the hook captured, encoded at the start of the next slice (parallel arrays) */
  private readonly defDbs: number[] = [];
  private readonly defKeys: string[] = [];
  private readonly defVals: string[] = [];
  private readonly defExpires: (number | undefined)[] = [];
  /** the DB the main stream selected last */
  private selected = -1;
  private dbIndex = 0;
  private iter: { keys: IterableIterator<string>; values: IterableIterator<Value> } | null = null;
  /** keys the walk reached (every 1024th is checked against the Map) */
  private walked = 0;
  /** the big value in the middle of the main stream, if any */
  private pending: Pending | null = null;
  /** keys preserved while `pending` is unfinished (they follow it in the stream) */
  private side: RdbEncoder | null = null;
  private sideSelected = -1;
  private timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  private settled = false;
  private inThroughputMode = false;
  /** big values in steps: only with a real RDB encoder (the AOF rewrite passes a CommandEncoder) */
  private readonly canStep: boolean;
  private resolve!: () => void;
  private reject!: (e: Error) => void;
  /** resolves once every key, EOF and the checksum went to the encoder's sink */
  readonly finished: Promise<void>;
  readonly keysTotal: number;
  keysProcessed = 0;
  readonly startedAt = Date.now();
  /** slices of the background walk so far, those over 2 ms, and the longest one */
  slices = 0;
  slowSlices = 0;
  longestSliceMs = 0;
  /** the last slice started after other work (commands) had kept the event loop busy */
  private underLoad = false;
  /** when the last slice ended (0: none yet) */
  private lastSliceEnd = 0;

  constructor(
    private readonly server: Server,
    private readonly enc: RdbEncoder,
    private readonly opts: SnapshotOptions = {},
  ) {
    let total = 0;
    for (const db of server.dbs) {
      this.sizes.push(db.dict.size);
      this.expiresSizes.push(db.expires.size);
      this.resized.push(false);
      this.done.push(db.dict.size === 0 ? null : new KeySet(db.dict.size));
      this.expireFilters.push(expireFilter(db));
      total += db.dict.size;
    }
    this.keysTotal = total;
    this.canStep = enc instanceof RdbEncoder;
    this.finished = new Promise<void>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    // A rejection nobody awaits must not crash the process: callers read it through `finished`.
    this.finished.catch(() => {});
  }

  /** SELECTDB (and RESIZEDB the first time) unless `enc`'s stream has db selected already. */
  private select(enc: RdbEncoder, id: number, selected: number): void {
    if (selected === id) return;
    enc.selectDb(id);
    if (!this.resized[id]) {
      enc.resizeDb(this.sizes[id], this.expiresSizes[id]);
      this.resized[id] = true;
    }
  }

  /**
   * The key's expire time. A key is written while its value and expire are still those of the
   * start (any write to it is preceded by the hook), so a filter of the keys that had an expire
   * then answers "none" for most keys without a lookup in the expires Map (~300 ns, cache misses).
   */
  private expireOf(db: Db, key: string): number | undefined {
    if (db.expires.size === 0) return undefined;
    const f = this.expireFilters[db.id];
    if (f !== null) {
      const h = keyHash(key) & (f.length * 32 - 1);
      if ((f[h >>> 5] & (1 << (h & 31))) === 0) return undefined;
    }
    return db.expires.get(key);
  }

  /** Write a key into the main stream: at once, or as `pending` if it is big (when allowed). */
  private writeKey(db: Db, key: string, v: Value, allowSteps: boolean): void {
    this.select(this.enc, db.id, this.selected);
    this.selected = db.id;
    this.keysProcessed++;
    if (allowSteps && this.canStep) {
      const steps = this.enc.bigValue(v);
      if (steps !== null) {
        this.enc.keyHeader(key, v, this.expireOf(db, key));
        this.pending = { db, key, steps };
        return;
      }
    }
    this.enc.keyValue(key, v, this.expireOf(db, key));
  }

  /** A key preserved while a big value is half written: into the side buffer. */
  private writeSide(db: Db, key: string, v: Value): void {
    this.toSide(db.id, key, v, this.expireOf(db, key));
  }

  private toSide(id: number, key: string, v: Value, expire: number | undefined): void {
    if (this.side === null) {
      this.side = new RdbEncoder(null, { ...this.enc.opts, checksum: false });
      this.sideSelected = -1;
    }
    this.select(this.side, id, this.sideSelected);
    this.sideSelected = id;
    this.keysProcessed++;
    this.side.keyValue(key, v, expire);
  }

  /**
   * Encode the string values the hook captured since the last slice (where a preserved key would
   * have gone then: the side buffer while a big value is pending, the main stream otherwise).
   */
  private drain(): void {
    const n = this.defKeys.length;
    for (let i = 0; i < n; i++) {
      const id = this.defDbs[i];
      const key = this.defKeys[i];
      const v = this.defVals[i];
      const expire = this.defExpires[i];
      if (this.pending !== null) {
        this.toSide(id, key, v, expire);
      } else {
        this.select(this.enc, id, this.selected);
        this.selected = id;
        this.keysProcessed++;
        this.enc.keyValue(key, v, expire);
      }
    }
    this.defDbs.length = 0;
    this.defKeys.length = 0;
    this.defVals.length = 0;
    this.defExpires.length = 0;
  }

  /** Continue the pending big value until done (deadline null) or past the deadline; true if done. */
  private advance(deadline: number | null): boolean {
    const p = this.pending!;
    for (;;) {
      if (p.steps.next().done) break;
      if (deadline !== null && performance.now() >= deadline) return false;
    }
    this.pending = null;
    if (this.side !== null) {
      // The keys preserved meanwhile follow the big value.
      this.enc.raw(this.side.take());
      if (this.sideSelected !== -1) this.selected = this.sideSelected;
      this.side = null;
    }
    return true;
  }

  /** The hook: serialize the key's current (old) value unless it was handled already. */
  preserve(db: Db, key: string): void {
    const set = this.done[db.id];
    if (set === null || set === undefined) return;
    const p = this.pending;
    try {
      // The big value being written is about to change: finish it first.
      if (p !== null && p.db === db && p.key === key) return void this.advance(null);
      if (!set.add(key)) return;
      const v = db.dict.get(key);
      if (v === undefined) return; // created after the start: never part of this snapshot
      if (typeof v === 'string') {
        // Strings are immutable: keep the old value and its expire, encode them in the next slice
        // (the write command waiting for this hook does not pay for LZF and the encoder).
        this.defDbs.push(db.id);
        this.defKeys.push(key);
        this.defVals.push(v);
        this.defExpires.push(this.expireOf(db, key));
        return;
      }
      if (p !== null) this.writeSide(db, key, v);
      else this.writeKey(db, key, v, false);
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /** The hook for FLUSHDB/FLUSHALL/SWAPDB: write everything of db not written yet, now. */
  preserveDb(db: Db): void {
    const set = this.done[db.id];
    if (set === null || set === undefined) return;
    try {
      if (this.pending !== null) this.advance(null);
      for (const [k, v] of db.dict) {
        if (!set.add(k)) continue;
        this.writeKey(db, k, v, false);
      }
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.done[db.id] = null;
    if (this.dbIndex === db.id) this.iter = null;
  }

  /** Start the sliced walk in the background (BGSAVE). */
  start(): void {
    if (this.server.snapshot !== null) throw new Error('another snapshot is already running');
    try {
      this.enc.header(this.opts.usedMemory ?? 0, this.opts.aofBase);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.server.snapshot = this;
    throughputBegin();
    this.inThroughputMode = true;
    this.schedule(0);
  }

  /** Write the whole snapshot now, blocking (SAVE, DEBUG RELOAD, shutdown). */
  runSync(): void {
    throughputBegin();
    try {
      this.enc.header(this.opts.usedMemory ?? 0, this.opts.aofBase);
      const dbs = this.server.dbs;
      for (let i = 0; i < dbs.length; i++) {
        if (this.done[i] === null) continue;
        const db = dbs[i];
        for (const [k, v] of db.dict) this.writeKey(db, k, v, false);
        this.done[i] = null;
      }
      this.finishStream();
    } finally {
      throughputEnd();
    }
  }

  private schedule(delayMs: number): void {
    const run = () => {
      this.timer = null;
      this.slice();
    };
    this.timer = delayMs > 0 ? setTimeout(run, delayMs) : setImmediate(run);
  }

  /** One slice of the walk, timed (slices, longestSliceMs: what the walk adds to latency). */
  private slice(): void {
    // Replies leave once per event-loop turn from an immediate queued by this turn's reads, i.e.
    // after this one (queued by the previous slice): send them first, not one slice later.
    const srv = this.server;
    if (srv.pendingWrites.length > 0) srv.flushAll();
    const t0 = performance.now();
    const base = this.opts.sliceMs ?? SLICE_MS;
    const gap = this.lastSliceEnd === 0 ? 0 : t0 - this.lastSliceEnd;
    this.underLoad = gap >= LOAD_GAP_MS;
    this.walk(this.underLoad ? Math.max(MIN_SLICE_MS, Math.min(base, gap / LOAD_SHARE_DIV)) : base);
    const t1 = performance.now();
    this.lastSliceEnd = t1;
    const ms = t1 - t0;
    this.slices++;
    if (ms > 2) this.slowSlices++;
    if (ms > this.longestSliceMs) this.longestSliceMs = ms;
  }

  private walk(budget: number): void {
    if (this.settled) return;
    const delayUs = this.opts.keyDelayUs ?? 0;
    const deadline = performance.now() + budget;
    const dbs = this.server.dbs;
    let n = 0;
    let waitUs = 0;
    // With rdb-key-save-delay (tests), each step of a big value counts as one key.
    const stepDeadline = delayUs > 0 ? 0 : deadline;
    const stepDelay = delayUs > 0 ? Math.max(1, Math.round(delayUs / 1000)) : 0;
    try {
      this.drain();
      if (this.pending !== null && !this.advance(stepDeadline)) return this.schedule(stepDelay);
      while (this.dbIndex < dbs.length) {
        const set = this.done[this.dbIndex];
        if (set === null) {
          this.dbIndex++;
          this.iter = null;
          continue;
        }
        const db = dbs[this.dbIndex];
        if (this.iter === null) this.iter = { keys: db.dict.keys(), values: db.dict.values() };
        // Two iterators of the same Map in lock step (both advance once per key, and the Map only
        // changes between slices) instead of entries(): no [key, value] array per key. for-of
        // leaves no result objects either, and leaving it does not close the iterator (Map
        // iterators have no return()), so the next slice resumes where this one stopped.
        const values = this.iter.values;
        for (const k of this.iter.keys) {
          const v = values.next().value as Value;
          if (!set.add(k)) continue;
          // A key not handled yet was not written to since the start: the iterators agree with the Map.
          if ((++this.walked & 1023) === 0 && db.dict.get(k) !== v) throw new Error('snapshot: keyspace iterators out of step');
          this.writeKey(db, k, v, true);
          if (this.pending !== null && !this.advance(stepDeadline)) return this.schedule(stepDelay);
          if (delayUs > 0) {
            waitUs += delayUs;
            if (waitUs >= 1000) return this.schedule(Math.round(waitUs / 1000));
          } else if ((typeof v !== 'string' || (++n & 31) === 0) && performance.now() >= deadline) {
            // After every collection, after every 32 strings otherwise.
            return this.schedule(0);
          }
        }
        this.done[this.dbIndex] = null;
        this.dbIndex++;
        this.iter = null;
      }
      this.finishStream();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private finishStream(): void {
    this.drain();
    this.enc.u8(OP_EOF);
    this.enc.finishWithChecksum();
    this.settle(null);
  }

  private settle(err: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    if (this.server.snapshot === this) this.server.snapshot = null;
    if (this.inThroughputMode) {
      this.inThroughputMode = false;
      throughputEnd();
    }
    this.done = [];
    this.iter = null;
    this.pending = null;
    this.side = null;
    this.defKeys.length = 0;
    this.defVals.length = 0;
    if (err) this.reject(err);
    else this.resolve();
  }

  private fail(e: Error): void {
    this.settle(e);
  }

  /** Stop now (SHUTDOWN, a failed sink): `finished` rejects with this error. */
  abort(reason = 'snapshot aborted'): void {
    this.settle(new Error(reason));
  }
}
