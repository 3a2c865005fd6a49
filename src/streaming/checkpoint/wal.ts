// Why: the receiver write-ahead log on eddy: each received block is XADDed (with an id chosen by
// the writer, so a resend after a reconnect cannot duplicate it) to the job's stream
// {job}:wal:<stream> before a batch may take it; batch allocations are logged in the same stream;
// commits trim what committed batches consumed; a restart reads back what is left.
import type { Redis } from 'ioredis';
import type { BlockLog, LoggedEntry } from '../inputs/receiver.js';
import { compareStreamIds } from './codec.js';

export class RedisBlockLog<T> implements BlockLog<T> {
  private lastMs = 0;
  private seq = 0;

  constructor(
    private readonly conn: Redis,
    readonly key: string,
  ) {}

  /** Continues after the last id already in the log (a previous instance's). */
  async open(): Promise<void> {
    const last = (await this.conn.xrevrange(this.key, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
    if (last.length > 0) {
      const [ms, seq] = last[0][0].split('-');
      this.lastMs = Number(ms);
      this.seq = Number(seq);
    }
  }

  private nextId(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else {
      this.seq++;
    }
    return `${this.lastMs}-${this.seq}`;
  }

  private async add(fields: string[]): Promise<string> {
    const id = this.nextId();
    try {
      await this.conn.xadd(this.key, id, ...fields);
    } catch (e) {
      // Resent after a reconnect although the first attempt was applied: it is there already.
      if (!/equal or smaller/.test(String((e as Error).message))) throw e;
    }
    return id;
  }

  append(items: T[]): Promise<string> {
    return this.add(['k', 'b', 'd', JSON.stringify(items)]);
  }

  async allocate(time: number, ids: string[]): Promise<void> {
    await this.add(['k', 'a', 't', String(time), 'ids', JSON.stringify(ids)]);
  }

  /** The entries after `upto` (everything when null), in log order. */
  async readAfter(upto: string | null): Promise<Array<LoggedEntry<T>>> {
    const out: Array<LoggedEntry<T>> = [];
    let start = upto === null ? '-' : `(${upto}`;
    for (;;) {
      const page = (await this.conn.xrange(this.key, start, '+', 'COUNT', 1000)) as Array<[string, string[]]>;
      for (const [id, f] of page) {
        if (upto !== null && compareStreamIds(id, upto) <= 0) continue;
        const m = new Map<string, string>();
        for (let i = 0; i + 1 < f.length; i += 2) m.set(f[i], f[i + 1]);
        if (m.get('k') === 'b') out.push({ kind: 'block', id, items: JSON.parse(m.get('d') ?? '[]') as T[] });
        else if (m.get('k') === 'a') out.push({ kind: 'alloc', id, time: Number(m.get('t')), ids: JSON.parse(m.get('ids') ?? '[]') as string[] });
      }
      if (page.length < 1000) return out;
      start = `(${page[page.length - 1][0]}`;
    }
  }
}
