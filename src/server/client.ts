// Why: one connected client's state (selected DB, protocol, auth, MULTI queue, subscriptions) and
// the reply methods every command handler writes through. Replies accumulate in `out` and leave in
// one socket write per batch (see Server.flush).
import { replyBulks, replyEnd, replyStart } from '../resp/bulk-writer.js';
import type { Socket } from 'node:net';
import { bulk, CRLF, formatDouble, NULL3, NULL_ARRAY2, NULL_BULK2, OK } from '../resp/reply.js';
import type { Db } from '../datatypes/db.js';
import type { Server } from './server.js';
import type { Command } from './command-table.js';

export const enum ReplyMode {
  On,
  Off,
  Skip,
}

export class Client {
  id: number;
  db: Db;
  resp = 2;
  name = '';
  libName = '';
  libVer = '';
  authenticated: boolean;
  user = 'default';
  out = '';
  /** queued in server.pendingWrites */
  pendingWrite = false;
  closing = false;
  closeAfterReply = false;
  replyMode = ReplyMode.On;
  skipNext = false;
  noEvict = false;
  /** MULTI state */
  multi: [Command, string[]][] | null = null;
  multiDirty = false; // an error while queuing: EXEC aborts
  /** WATCH state: watched (db, key, expired-at-watch-time) and whether a watched key changed */
  watched: { db: Db; key: string; expiredAtWatch: boolean }[] = [];
  dirtyCAS = false;
  subscriptions = new Set<string>();
  patterns = new Set<string>();
  /** SSUBSCRIBE channels */
  shardChannels = new Set<string>();
  monitor = false;
  /** parsed requests not yet executed (blocked or paused clients keep them here) */
  queue: string[][] = [];
  qpos = 0;
  /** set while the client waits (CLIENT PAUSE, blocking commands); processing resumes later */
  blocked: unknown = null;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  lastCmd = 'NULL';
  /** the current command's argv; handlers may replace it with the form to propagate */
  argv: string[] = [];
  /** set by a handler that propagated explicitly (server.propagateInternal) */
  suppressPropagation = false;
  cmd: Command | null = null;
  /** bytes received for CLIENT LIST / INFO */
  totNetIn = 0;
  totNetOut = 0;
  totCmds = 0;
  readonly laddr: string;
  readonly addr: string;
  readonly fd: number;
  /** errors replied during the current command (for failed_calls) */
  errored = false;
  /** replication role of this connection: our master's link ('master'), one of our replicas ('replica') */
  replRole: '' | 'master' | 'replica' = '';

  constructor(
    readonly server: Server,
    readonly socket: Socket | null,
    id: number,
  ) {
    this.id = id;
    this.db = server.dbs[0];
    this.authenticated = !server.config.requirepass;
    const s = socket as (Socket & { _handle?: { fd?: number } }) | null;
    this.addr = s ? `${s.remoteAddress?.replace(/^::ffff:/, '')}:${s.remotePort}` : '';
    this.laddr = s ? `${s.localAddress?.replace(/^::ffff:/, '')}:${s.localPort}` : '';
    this.fd = s?._handle?.fd ?? -1;
  }

  get inMulti(): boolean {
    return this.multi !== null;
  }

  /** channels + patterns + shard channels; > 0 is Redis's CLIENT_PUBSUB flag (subscribed context) */
  get subscriptionCount(): number {
    return this.subscriptions.size + this.patterns.size + this.shardChannels.size;
  }

  /** Append raw reply bytes (latin1). All replies pass here, so CLIENT REPLY OFF/SKIP work. */
  add(s: string): void {
    if (this.replyMode !== ReplyMode.On || this.closing) return;
    this.out += s;
    if (!this.pendingWrite) {
      this.pendingWrite = true;
      this.server.pendingWrites.push(this);
    }
  }

  /** Out-of-band messages (pub/sub, monitor) ignore CLIENT REPLY OFF as in Redis. */
  push(s: string): void {
    if (this.closing) return;
    this.out += s;
    if (!this.pendingWrite) {
      this.pendingWrite = true;
      this.server.pendingWrites.push(this);
      this.server.scheduleFlush();
    }
  }

  ok(): void {
    this.add(OK);
  }
  simple(s: string): void {
    this.add('+' + s + CRLF);
  }
  err(msg: string): void {
    this.errored = true;
    this.server.stats.countError(msg);
    this.add('-' + msg + CRLF);
  }
  int(n: number | bigint): void {
    this.add(':' + n + CRLF);
  }
  bulk(s: string): void {
    this.add('$' + s.length + CRLF + s + CRLF);
  }
  /** A bulk string, or the null bulk reply when undefined/null. */
  bulkOrNull(s: string | undefined | null): void {
    if (s === undefined || s === null) this.nullBulk();
    else this.add('$' + s.length + CRLF + s + CRLF);
  }
  nullBulk(): void {
    this.add(this.resp === 3 ? NULL3 : NULL_BULK2);
  }
  nullArray(): void {
    this.add(this.resp === 3 ? NULL3 : NULL_ARRAY2);
  }
  arrayLen(n: number): void {
    this.add('*' + n + CRLF);
  }
  mapLen(n: number): void {
    this.add(this.resp === 3 ? '%' + n + CRLF : '*' + n * 2 + CRLF);
  }
  setLen(n: number): void {
    this.add(this.resp === 3 ? '~' + n + CRLF : '*' + n + CRLF);
  }
  pushLen(n: number): string {
    return (this.resp === 3 ? '>' : '*') + n + CRLF;
  }
  double(d: number): void {
    const s = formatDouble(d);
    this.add(this.resp === 3 ? ',' + s + CRLF : bulk(s));
  }
  bool(b: boolean): void {
    this.add(this.resp === 3 ? (b ? '#t\r\n' : '#f\r\n') : b ? ':1\r\n' : ':0\r\n');
  }
  /** A verbatim-or-bulk text reply (INFO, CLIENT LIST...): RESP3 verbatim "txt", RESP2 bulk. */
  verbatim(s: string): void {
    if (this.resp === 3) this.add('=' + (s.length + 4) + CRLF + 'txt:' + s + CRLF);
    else this.bulk(s);
  }
  bulks(items: readonly string[]): void {
    replyStart(this, '*', items.length);
    replyBulks(items, 0, items.length);
    replyEnd();
  }
  /** An array of bulks where undefined entries are null bulks (MGET). */
  bulksOrNull(items: readonly (string | undefined)[]): void {
    const nul = this.resp === 3 ? NULL3 : NULL_BULK2;
    let s = '*' + items.length + CRLF;
    for (const it of items) s += it === undefined ? nul : '$' + it.length + CRLF + it + CRLF;
    this.add(s);
  }
  ints(items: readonly number[]): void {
    let s = '*' + items.length + CRLF;
    for (const it of items) s += ':' + it + CRLF;
    this.add(s);
  }

  /** Redis's CLIENT LIST flags field. */
  flagString(): string {
    let f = '';
    if (this.replRole === 'replica') f += 'S';
    else if (this.replRole === 'master') f += 'M';
    if (this.monitor) f += 'O';
    if (this.subscriptionCount > 0) f += 'P';
    if (this.multi) f += 'x';
    if (this.dirtyCAS) f += 'd';
    if (this.closeAfterReply) f += 'c';
    if (this.blocked) f += 'b';
    if (this.noEvict) f += 'e';
    return f || 'N';
  }
}
