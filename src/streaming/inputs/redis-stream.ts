// Why: the direct source over eddy/Redis Streams (Spark's Kafka direct stream, with stream keys as
// partitions): each batch reads a bounded range after the last offset of every key (XRANGE with an
// exclusive start, COUNT = maxRatePerPartition x batch seconds). The range is decided at the tick
// (entries are read ahead during the interval, so the tick only fetches the tail), committed with
// the batch, and re-read identically after a restart: no consumer groups needed.
import { parseRedisUrl } from '../checkpoint/location.js';
import type { StreamingContext } from '../context.js';
import type { Time } from '../duration.js';
import { IllegalArgumentException } from '../errors.js';
import type { OffsetRange } from '../rdd.js';
import type { DirectSource } from './direct.js';
import { StreamReader, type RangeRequest } from './stream-reader.js';

/** One stream entry: the key it came from (its partition), its id, and its fields. */
export interface StreamRecord {
  readonly partition: string;
  readonly id: string;
  readonly fields: Record<string, string>;
}

/** Last consumed entry id per stream key ('0-0' before the first entry). */
export type StreamOffsets = { [key: string]: string };

export interface RedisStreamOptions {
  /** Server holding the streams. Default: the checkpoint's server when it is a redis:// URL, else redis://127.0.0.1:6379. */
  url?: string;
  /** Most entries read per stream key per second of batch (Spark's maxRatePerPartition). Default: everything available. */
  maxRatePerPartition?: number;
  /** Where a job without checkpoint starts: 'earliest' (default), 'latest', or an id per key. */
  startFrom?: 'earliest' | 'latest' | StreamOffsets;
  /** With a single key name: read the partitions `<key>:{0}` ... `<key>:{partitions-1}`. */
  partitions?: number;
  /**
   * Read entries ahead every this many ms during the batch interval (at most one batch's worth per
   * key), so that the read at the batch tick only fetches the tail. The batch's range is the same
   * either way. Default 100; 0 disables it.
   */
  prefetchMs?: number;
}

/** Without maxRatePerPartition, how many entries per key are read ahead at most. */
const PREFETCH_MAX = 100_000;

const after = (id: string): string => (id === '0-0' ? '-' : `(${id}`);

/** Entries read ahead of the next batch: those after `base` (the next batch's start) up to `last`. */
interface Prefetched {
  base: StreamOffsets;
  last: StreamOffsets;
  buf: StreamRecord[][];
}

/** `clicks`, 4 -> `clicks:{0}` ... `clicks:{3}`. */
export function partitionKeys(key: string, partitions: number): string[] {
  return Array.from({ length: partitions }, (_, i) => `${key}:{${i}}`);
}

export class RedisStreamSource implements DirectSource<StreamRecord, StreamOffsets> {
  readonly name = 'RedisStreamInputDStream';
  readonly params: { keys: string[] };
  private conn: StreamReader | undefined;
  private ahead: Prefetched | undefined;
  private aheadRead: Promise<void> | undefined;
  private aheadTimer: NodeJS.Timeout | undefined;
  private planning = false;
  private readonly planned = new Map<number, { from: StreamOffsets; until: StreamOffsets; parts: StreamRecord[][] }>();

  constructor(
    private readonly ssc: StreamingContext,
    readonly keys: string[],
    private readonly options: RedisStreamOptions = {},
  ) {
    if (keys.length === 0) throw new IllegalArgumentException('requirement failed: redisStream needs at least one stream key');
    if (new Set(keys).size !== keys.length) throw new IllegalArgumentException(`requirement failed: duplicate stream keys in ${keys.join(', ')}`);
    const rate = options.maxRatePerPartition;
    if (rate !== undefined && !(rate > 0)) throw new IllegalArgumentException(`requirement failed: maxRatePerPartition must be positive, got ${rate}`);
    this.params = { keys };
  }

  get url(): string {
    const cp = this.ssc.checkpointUrl;
    return this.options.url ?? (cp?.startsWith('redis:') ? cp : 'redis://127.0.0.1:6379');
  }

  start(): void {
    this.conn ??= new StreamReader(parseRedisUrl(this.url));
    const every = this.options.prefetchMs ?? 100;
    if (every > 0 && !this.aheadTimer) {
      this.aheadTimer = setInterval(() => this.readAhead(), every);
      this.aheadTimer.unref();
    }
  }

  stop(): void {
    if (this.aheadTimer) clearInterval(this.aheadTimer);
    this.aheadTimer = undefined;
    this.ahead = undefined;
    this.conn?.close();
    this.conn = undefined;
  }

  /** Reads what arrived since the last read, up to one batch's worth per key ahead of the next batch. */
  private readAhead(): void {
    const ahead = this.ahead;
    if (!ahead || this.aheadRead || this.planning || !this.conn) return;
    const cap = this.perBatch() ?? PREFETCH_MAX;
    const wanted = this.keys.map((k, i) => ({ key: k, i, count: cap - ahead.buf[i].length })).filter((w) => w.count > 0);
    if (wanted.length === 0) return;
    this.aheadRead = this.xrange(wanted.map((w) => ({ key: w.key, start: after(ahead.last[w.key]), end: '+', count: w.count })))
      .then((parts) => {
        if (this.ahead !== ahead) return;
        wanted.forEach((w, j) => {
          const p = parts[j];
          if (p.length === 0) return;
          for (const e of p) ahead.buf[w.i].push(e);
          ahead.last[w.key] = p[p.length - 1].id;
        });
      })
      .catch(() => undefined)
      .finally(() => {
        this.aheadRead = undefined;
      });
  }

  private get reader(): StreamReader {
    this.start();
    return this.conn!;
  }

  async initialOffsets(): Promise<StreamOffsets> {
    const start = this.options.startFrom ?? 'earliest';
    const out: StreamOffsets = {};
    if (start === 'earliest') {
      for (const k of this.keys) out[k] = '0-0';
    } else if (start === 'latest') {
      const res = await this.reader.read(this.keys.map((key) => ({ key, command: 'XREVRANGE', start: '+', end: '-', count: 1 })));
      this.keys.forEach((k, i) => {
        out[k] = res[i].length > 0 ? res[i][0].id : '0-0';
      });
    } else {
      for (const k of this.keys) out[k] = start[k] ?? '0-0';
    }
    return out;
  }

  private xrange(ranges: Array<{ key: string; start: string; end: string; count?: number }>): Promise<StreamRecord[][]> {
    if (ranges.length === 0) return Promise.resolve([]);
    return this.reader.read(ranges.map((r): RangeRequest => ({ ...r, command: 'XRANGE' })));
  }

  private perBatch(): number | undefined {
    const rate = this.options.maxRatePerPartition;
    if (rate === undefined) return undefined;
    return Math.max(1, Math.floor((rate * this.ssc.batchDuration.milliseconds) / 1000));
  }

  async plan(time: Time, from: StreamOffsets): Promise<{ until: StreamOffsets; numRecords: number }> {
    this.planning = true;
    try {
      if (this.aheadRead) await this.aheadRead;
      const count = this.perBatch();
      let ahead = this.ahead;
      if (!ahead || !this.keys.every((k) => ahead!.base[k] === from[k])) {
        ahead = { base: from, last: { ...from }, buf: this.keys.map(() => []) };
      }
      // The tail: what arrived since the last read-ahead (bounded by the batch's share).
      const wanted = this.keys
        .map((key, i) => ({ key, i, count: count === undefined ? undefined : count - ahead!.buf[i].length }))
        .filter((w) => w.count === undefined || w.count > 0);
      const tail = await this.xrange(wanted.map((w) => ({ key: w.key, start: after(ahead!.last[w.key]), end: '+', count: w.count })));
      wanted.forEach((w, j) => {
        const p = tail[j];
        if (p.length === 0) return;
        for (const e of p) ahead!.buf[w.i].push(e);
        ahead!.last[w.key] = p[p.length - 1].id;
      });
      const until: StreamOffsets = {};
      const parts: StreamRecord[][] = [];
      const rest: StreamRecord[][] = [];
      let n = 0;
      this.keys.forEach((k, i) => {
        const b = ahead!.buf[i];
        const p = count === undefined || b.length <= count ? b : b.slice(0, count);
        parts.push(p);
        rest.push(p === b ? [] : b.slice(count));
        until[k] = p.length > 0 ? p[p.length - 1].id : from[k];
        n += p.length;
      });
      this.ahead = { base: until, last: ahead.last, buf: rest };
      this.planned.set(time.milliseconds, { from, until, parts });
      return { until, numRecords: n };
    } finally {
      this.planning = false;
    }
  }

  async read(from: StreamOffsets, until: StreamOffsets, time: Time): Promise<StreamRecord[][]> {
    const p = this.planned.get(time.milliseconds);
    this.planned.delete(time.milliseconds);
    if (p && this.keys.every((k) => p.from[k] === from[k] && p.until[k] === until[k])) return p.parts;
    // Not read at planning time (a batch recomputed from a checkpoint): read the same range again.
    const ranges = this.keys.map((key) => ({ key, start: after(from[key]), end: until[key] }));
    const empty = this.keys.map((k) => from[k] === until[k]);
    const parts = await this.xrange(ranges.filter((_, i) => !empty[i]));
    let j = 0;
    return this.keys.map((_, i) => (empty[i] ? [] : parts[j++]));
  }

  offsetRanges(from: StreamOffsets, until: StreamOffsets): OffsetRange[] {
    return this.keys.map((k) => ({ partition: k, fromOffset: from[k], untilOffset: until[k] }));
  }
}
