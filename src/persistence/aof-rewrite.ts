// Why: the AOF "rewrite" in command form (aof-use-rdb-preamble no): the commands that rebuild a
// dataset, as Redis's rewriteAppendOnlyFileRio emits them — SELECT per non-empty DB, SET / RPUSH /
// SADD / ZADD / HMSET (at most 64 items per command), the stream commands, then PEXPIREAT. Values
// are taken one key at a time: the RDB side's fork-less Snapshot drives the walk (sliced, and the
// old value of a key goes first when a write touches it), with a command encoder.
import fs from 'node:fs';
import type { Server } from '../server/server.js';
import type { RdbEncoder } from './rdb-writer.js';
import { Snapshot } from './snapshot.js';
import type { Value, RObject } from '../datatypes/db.js';
import type { ListObject } from '../datatypes/list.js';
import type { SetObject } from '../datatypes/set.js';
import type { ZSet } from '../datatypes/zset.js';
import type { HashObject } from '../datatypes/hash.js';
import type { StreamObject } from '../datatypes/stream-struct.js';
import { fmtId, U64_MAX } from '../datatypes/stream-id.js';
import { sortedNames } from '../datatypes/stream-groups.js';
import { formatDouble } from '../resp/reply.js';

/** AOF_REWRITE_ITEMS_PER_CMD */
const ITEMS_PER_CMD = 64;

/** RESP multibulk of an argv (catAppendOnlyGenericCommand); arguments are latin1 strings. */
export function respCommand(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return s;
}

function bulk(s: string): string {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

/** Emit variadic commands (`NAME key item...`) in batches of 64 items of `width` arguments. */
function variadic(name: string, key: string, items: readonly string[], width: number, out: (s: string) => void): void {
  const total = items.length / width;
  for (let start = 0; start < total; start += ITEMS_PER_CMD) {
    const n = Math.min(ITEMS_PER_CMD, total - start);
    let s = '*' + (2 + n * width) + '\r\n' + bulk(name) + bulk(key);
    for (let i = start * width; i < (start + n) * width; i++) s += bulk(items[i]);
    out(s);
  }
}

/**
 * rewriteStreamObject: XADD per entry (or the XADD MAXLEN 0 trick for an empty stream), XSETID with
 * the last ID, entries-added and max-deleted ID, then each group (XGROUP CREATE ... ENTRIESREAD),
 * its pending entries as XCLAIM ... JUSTID FORCE and its idle consumers as XGROUP CREATECONSUMER.
 */
function rewriteStream(key: string, s: StreamObject, out: (s: string) => void): void {
  const k = bulk(key);
  let empty = true;
  s.forward(0, 0, U64_MAX, U64_MAX, (node, i) => {
    empty = false;
    const kv = node.kvAt(i);
    let c = '*' + (3 + kv.length) + '\r\n$4\r\nXADD\r\n' + k + bulk(fmtId(node.ms[i], node.seq[i]));
    for (const x of kv) c += bulk(x);
    out(c);
  });
  if (empty) out('*7\r\n$4\r\nXADD\r\n' + k + bulk('MAXLEN') + bulk('0') + bulk('0-1') + bulk('x') + bulk('y'));
  out(
    '*7\r\n$6\r\nXSETID\r\n' +
      k +
      bulk(fmtId(s.lastMs, s.lastSeq)) +
      bulk('ENTRIESADDED') +
      bulk(String(s.entriesAdded)) +
      bulk('MAXDELETEDID') +
      bulk(fmtId(s.maxDelMs, s.maxDelSeq)),
  );
  if (!s.groups) return;
  for (const name of sortedNames(s.groups)) {
    const g = s.groups.get(name)!;
    out(
      '*7\r\n$6\r\nXGROUP\r\n$6\r\nCREATE\r\n' + k + bulk(name) + bulk(fmtId(g.lastMs, g.lastSeq)) + bulk('ENTRIESREAD') + bulk(String(g.entriesRead)),
    );
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) {
        out('*5\r\n$6\r\nXGROUP\r\n$14\r\nCREATECONSUMER\r\n' + k + bulk(name) + bulk(c.name));
        continue;
      }
      c.pel.forEach((ms, seq, n) => {
        out(
          '*12\r\n$6\r\nXCLAIM\r\n' +
            k +
            bulk(name) +
            bulk(c.name) +
            bulk('0') +
            bulk(fmtId(ms, seq)) +
            bulk('TIME') +
            bulk(String(n.deliveryTime)) +
            bulk('RETRYCOUNT') +
            bulk(String(n.deliveryCount)) +
            bulk('JUSTID') +
            bulk('FORCE'),
        );
      });
    }
  }
}

/** The commands for one key (without its expiry). */
export function rewriteObject(key: string, v: Value, out: (s: string) => void): void {
  if (typeof v === 'string') {
    out('*3\r\n$3\r\nSET\r\n' + bulk(key) + bulk(v));
    return;
  }
  switch (v.type) {
    case 'list':
      variadic('RPUSH', key, (v as ListObject).toArray(), 1, out);
      return;
    case 'set':
      variadic('SADD', key, (v as SetObject).members(), 1, out);
      return;
    case 'zset': {
      const items: string[] = [];
      (v as ZSet).zsl.forEach((n) => void items.push(formatDouble(n.score), n.member));
      variadic('ZADD', key, items, 2, out);
      return;
    }
    case 'hash': {
      const [fields, vals] = (v as HashObject).arrays();
      const items: string[] = [];
      for (let i = 0; i < fields.length; i++) items.push(fields[i], vals[i]);
      variadic('HMSET', key, items, 2, out);
      return;
    }
    case 'stream':
      rewriteStream(key, v as StreamObject, out);
      return;
    default:
      throw new Error(`Unknown object type ${(v as RObject).type}`);
  }
}

/** PEXPIREAT for a key with a TTL. */
export function rewriteExpire(key: string, when: number): string {
  return '*3\r\n$9\r\nPEXPIREAT\r\n' + bulk(key) + bulk(String(when));
}

/** SELECT n, as written at the start of each non-empty DB. */
export function selectCommand(dbid: number): string {
  const s = String(dbid);
  return '*2\r\n$6\r\nSELECT\r\n$' + s.length + '\r\n' + s + '\r\n';
}

/**
 * The encoder a Snapshot drives (the RDB side's fork-less point-in-time walk), writing commands
 * instead of RDB records: SELECT when the DB changes, the key's commands, PEXPIREAT. Buffered
 * into 1 MB writes on `fd`.
 */
export class CommandEncoder implements Pick<RdbEncoder, 'header' | 'selectDb' | 'resizeDb' | 'keyValue' | 'u8' | 'finishWithChecksum'> {
  private pending = '';
  private readonly out = (s: string) => {
    this.pending += s;
    if (this.pending.length >= 1 << 20) this.flush();
  };

  constructor(
    private readonly fd: number,
    private readonly timestamp: boolean,
  ) {}

  flush(): void {
    if (this.pending.length === 0) return;
    const data = Buffer.from(this.pending, 'latin1');
    this.pending = '';
    let off = 0;
    while (off < data.length) off += fs.writeSync(this.fd, data, off);
  }
  /** The rewrite starts with a timestamp annotation when aof-timestamp-enabled. */
  header(): void {
    if (this.timestamp) this.out(`#TS:${Math.floor(Date.now() / 1000)}\r\n`);
  }
  selectDb(id: number): void {
    this.out(selectCommand(id));
  }
  resizeDb(): void {}
  keyValue(key: string, v: Value, expireMs: number | undefined): void {
    rewriteObject(key, v, this.out);
    if (expireMs !== undefined) this.out(rewriteExpire(key, expireMs));
  }
  u8(): void {}
  finishWithChecksum(): void {
    this.flush();
  }
}

/** A Snapshot writing commands (the cast: Snapshot takes the RDB encoder's type; it uses the Pick above). */
export function commandSnapshot(server: Server, fd: number): Snapshot {
  const enc = new CommandEncoder(fd, server.config.bool('aof-timestamp-enabled'));
  // rdb-key-save-delay slows the walk down per key (Redis applies it to AOF rewrites too: tests).
  return new Snapshot(server, enc as unknown as RdbEncoder, { keyDelayUs: server.config.num('rdb-key-save-delay') });
}
