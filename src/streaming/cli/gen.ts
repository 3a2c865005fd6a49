// Why: `eddy gen <kind>`: feeds events into eddy streams `<kind>:{0..P-1}` at a fixed rate (a
// pipelined XADD burst every 10 ms, partitions in turn), for demos, the examples and benchmarks.
import type { Redis } from 'ioredis';
import { connect, parseRedisUrl } from '../checkpoint/location.js';
import { eventGenerator, type EventKind } from './generators.js';

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
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface GenResult {
  written: number;
  seconds: number;
}

export async function generate(o: GenOptions): Promise<GenResult> {
  const conn: Redis = connect(parseRedisUrl(o.url), { retryCommands: true, name: 'eddy-gen' });
  const next = eventGenerator(o.kind, o.seed ?? 1);
  const key = o.key ?? o.kind;
  const keys = Array.from({ length: o.partitions }, (_, i) => `${key}:{${i}}`);
  const t0 = Date.now();
  let written = 0;
  let lastReport = t0;
  try {
    for (;;) {
      const elapsed = (Date.now() - t0) / 1000;
      if (o.signal?.aborted) break;
      if (o.durationSec !== undefined && elapsed >= o.durationSec) break;
      let due = Math.floor(o.rate * elapsed) - written;
      if (o.count !== undefined) due = Math.min(due, o.count - written);
      if (due > 0) {
        const pipe = conn.pipeline();
        const ts = String(Date.now());
        for (let i = 0; i < due; i++) {
          const fields = next();
          const args: string[] = [];
          if (o.maxLen) args.push('MAXLEN', '~', String(o.maxLen));
          args.push('*');
          for (const f in fields) args.push(f, fields[f]);
          if (o.timestamps) args.push('ts', ts);
          pipe.xadd(keys[(written + i) % keys.length], ...(args as [string]));
        }
        await pipe.exec();
        written += due;
      }
      if (o.count !== undefined && written >= o.count) break;
      const now = Date.now();
      if (o.log && now - lastReport >= 5000) {
        lastReport = now;
        o.log(`gen: ${written} ${o.kind} events written (${Math.round(written / ((now - t0) / 1000))}/s)`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await Promise.race([conn.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    conn.disconnect();
  }
  return { written, seconds: (Date.now() - t0) / 1000 };
}
