// Why: the direct source over eddy/Redis Streams (Spark's Kafka direct stream, with stream keys as
// partitions): each batch reads a bounded range after the last offset of every key (XRANGE with an
// exclusive start, COUNT = maxRatePerPartition x batch seconds). The range is decided at the tick,
// committed with the batch, and re-read identically after a restart: no consumer groups needed.
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
}

/** `clicks`, 4 -> `clicks:{0}` ... `clicks:{3}`. */
export function partitionKeys(key: string, partitions: number): string[] {
  return Array.from({ length: partitions }, (_, i) => `${key}:{${i}}`);
}

export class RedisStreamSource implements DirectSource<StreamRecord, StreamOffsets> {
  readonly name = 'RedisStreamInputDStream';
  readonly params: { keys: string[] };
  private conn: StreamReader | undefined;
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
  }

  stop(): void {
    this.conn?.close();
    this.conn = undefined;
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
    const count = this.perBatch();
    const parts = await this.xrange(
      this.keys.map((key) => ({ key, start: from[key] === '0-0' ? '-' : `(${from[key]}`, end: '+', count })),
    );
    const until: StreamOffsets = {};
    let n = 0;
    this.keys.forEach((k, i) => {
      const p = parts[i];
      until[k] = p.length > 0 ? p[p.length - 1].id : from[k];
      n += p.length;
    });
    this.planned.set(time.milliseconds, { from, until, parts });
    return { until, numRecords: n };
  }

  async read(from: StreamOffsets, until: StreamOffsets, time: Time): Promise<StreamRecord[][]> {
    const p = this.planned.get(time.milliseconds);
    this.planned.delete(time.milliseconds);
    if (p && this.keys.every((k) => p.from[k] === from[k] && p.until[k] === until[k])) return p.parts;
    // Not read at planning time (a batch recomputed from a checkpoint): read the same range again.
    const ranges = this.keys.map((key) => ({ key, start: from[key] === '0-0' ? '-' : `(${from[key]}`, end: until[key] }));
    const empty = this.keys.map((k) => from[k] === until[k]);
    const parts = await this.xrange(ranges.filter((_, i) => !empty[i]));
    let j = 0;
    return this.keys.map((_, i) => (empty[i] ? [] : parts[j++]));
  }

  offsetRanges(from: StreamOffsets, until: StreamOffsets): OffsetRange[] {
    return this.keys.map((k) => ({ partition: k, fromOffset: from[k], untilOffset: until[k] }));
  }
}
