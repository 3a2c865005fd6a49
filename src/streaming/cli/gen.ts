// Why: `eddy gen <kind>`: feeds events into eddy streams `<kind>:{0..P-1}` at a fixed rate (XADD
// bursts encoded as raw RESP, partitions in turn), for demos, the examples and benchmarks.
import { parseRedisUrl } from '../checkpoint/location.js';
import { eventGenerator, type EventKind } from './generators.js';
import { encodeCommand, RespWriter } from './resp-writer.js';

export interface GenOptions {
  kind: EventKind;
  url: string;
  /** Events per second. */
  rate: number;
  partitions: number;
  /** Stream key name (default: the kind). */
  key?: string;
  /** Stop after this many seconds (default: run until stopped). */
  durationSec?: number;
  /** Stop after this many events. */
  count?: number;
  seed?: number;
  /** Adds a `ts` field (ms) to every event. */
  timestamps?: boolean;
  /** MAXLEN ~ per stream key. */
  maxLen?: number;
  /**
   * Draw events from this many pre-generated (and pre-encoded) ones instead of generating each:
   * for benchmarks, so that the generator is not the bottleneck. Not with `timestamps`.
   */
  pool?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface GenResult {
  written: number;
  seconds: number;
}

export async function generate(o: GenOptions): Promise<GenResult> {
  const writer = new RespWriter(parseRedisUrl(o.url));
  try {
    await writer.connect();
  } catch (e) {
    writer.close();
    throw new Error(`Cannot connect to ${o.url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // A stop request must not wait for a server that went away.
  const onAbort = (): void => writer.close();
  o.signal?.addEventListener('abort', onAbort);
  const next = eventGenerator(o.kind, o.seed ?? 1);
  const key = o.key ?? o.kind;
  const heads = Array.from({ length: o.partitions }, (_, i) => {
    const k = `${key}:{${i}}`;
    return o.maxLen ? ['XADD', k, 'MAXLEN', '~', String(o.maxLen), '*'] : ['XADD', k, '*'];
  });
  const encode = (partition: number, fields: Record<string, string>, ts: string): string => {
    const argv = heads[partition].slice();
    for (const f in fields) argv.push(f, fields[f]);
    if (o.timestamps) argv.push('ts', ts);
    return encodeCommand(argv);
  };
  const pooled = o.pool ? pooledPayload(o, heads.length, next, encode) : undefined;
  const t0 = Date.now();
  let written = 0;
  let lastReport = t0;
  try {
    for (;;) {
      const elapsed = (Date.now() - t0) / 1000;
      if (o.signal?.aborted) break;
      if (o.durationSec !== undefined && elapsed >= o.durationSec) break;
      // At most 50 ms worth of events per write, so a slow server shows as a lower rate, not a burst.
      let due = Math.min(Math.floor(o.rate * elapsed) - written, Math.ceil(o.rate / 20));
      if (o.count !== undefined) due = Math.min(due, o.count - written);
      if (due > 0) {
        let payload: string | Buffer[];
        if (pooled) payload = pooled.slices(written, due);
        else {
          payload = '';
          const ts = o.timestamps ? String(Date.now()) : '';
          for (let i = 0; i < due; i++) payload += encode((written + i) % heads.length, next(), ts);
        }
        try {
          // One burst may be in flight while the next is encoded.
          void writer.send(payload, due).catch(() => undefined);
          await writer.settled(due);
        } catch (e) {
          if (o.signal?.aborted) break;
          throw e;
        }
        written += due;
      }
      if (o.count !== undefined && written >= o.count) break;
      const now = Date.now();
      if (o.log && now - lastReport >= 5000) {
        lastReport = now;
        o.log(`gen: ${written} ${o.kind} events written (${Math.round(written / ((now - t0) / 1000))}/s)`);
      }
      if (due < Math.ceil(o.rate / 20)) await new Promise((r) => setTimeout(r, 5));
    }
    await writer.settled(0).catch((e: unknown) => {
      if (!o.signal?.aborted) throw e;
    });
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    writer.close();
  }
  return { written, seconds: (Date.now() - t0) / 1000 };
}

/**
 * A pool of pre-encoded XADDs laid out in write order — event n goes to partition n % P and is pool
 * entry floor(n / P) — in one buffer: a burst is then one or two slices of it, written without
 * copying or encoding anything.
 */
export class PooledPayload {
  private readonly buf: Buffer;
  /** Byte offset of command k in `buf`; offsets[period] = buf.length. */
  private readonly offsets: Float64Array;
  private readonly period: number;

  constructor(commands: readonly string[]) {
    this.period = commands.length;
    this.offsets = new Float64Array(commands.length + 1);
    let total = 0;
    commands.forEach((c, k) => {
      this.offsets[k] = total;
      total += Buffer.byteLength(c);
    });
    this.offsets[commands.length] = total;
    this.buf = Buffer.allocUnsafe(total);
    commands.forEach((c, k) => this.buf.write(c, this.offsets[k]));
  }

  /** Commands n .. n+count-1 (wrapping around the pool). */
  slices(n: number, count: number): Buffer[] {
    const out: Buffer[] = [];
    let k = n % this.period;
    while (count > 0) {
      const take = Math.min(count, this.period - k);
      out.push(this.buf.subarray(this.offsets[k], this.offsets[k + take]));
      count -= take;
      k = 0;
    }
    return out;
  }
}

function pooledPayload(
  o: GenOptions,
  partitions: number,
  next: () => Record<string, string>,
  encode: (partition: number, fields: Record<string, string>, ts: string) => string,
): PooledPayload {
  if (o.timestamps) throw new Error('a pool of pre-generated events cannot carry timestamps');
  const events = Array.from({ length: o.pool! }, () => next());
  const commands: string[] = [];
  for (let n = 0; n < partitions * events.length; n++) commands.push(encode(n % partitions, events[Math.floor(n / partitions)], ''));
  return new PooledPayload(commands);
}
