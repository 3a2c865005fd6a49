// Why: the replica side of replication (Redis's syncWithMaster / readSyncBulkPayload / the master
// client): connect, handshake (PING, AUTH, REPLCONF listening-port / capa eof psync2, PSYNC), load
// the RDB of a full resync (old data keeps being served until the new dataset is parsed), then
// apply the master's stream through the normal dispatch path as a reply-less master client,
// proxying what was applied to our own backlog and sub-replicas, ACKing the processed offset,
// and reconnecting with PSYNC (the cached master) after a drop.
import net from 'node:net';
import type { Client } from '../server/client.js';
import { ReplyMode } from '../server/client.js';
import { parseRdb, RdbError, type LoadResult } from '../persistence/rdb-reader.js';
import { installLoaded, loadLimits } from '../persistence/rdb-file.js';
import { persistence, killBackgroundSave } from '../persistence/rdb-commands.js';
import { aofRestartAfterSync, aofStopForSync } from '../persistence/aof-commands.js';
import { StreamProtocolError, StreamReader } from './stream-reader.js';
import { encodeCommand, type LinkInfo, type Replication } from './state.js';
import { abortSync, disconnectReplicas } from './master.js';
import { processCommand } from '../server/dispatch.js';

type LinkState = 'connect' | 'connecting' | 'handshake' | 'transfer' | 'connected';
type Step = 'pong' | 'replies' | 'psync' | 'bulkhead' | 'bulk';

/** What a replica keeps of its master across a disconnection to ask for PSYNC. */
export interface CachedMaster {
  replid: string;
  reploff: number;
  dbid: number;
}

const MAX_LINE = 64 * 1024;

/** Requests queued on a client and not run yet (a command held by CLIENT PAUSE). */
function pending(c: Client): boolean {
  return c.qpos < c.queue.length;
}

export class MasterLink implements LinkInfo {
  state: LinkState = 'connect';
  private sock: net.Socket | null = null;
  private inbuf: Buffer = Buffer.alloc(0);
  private step: Step = 'pong';
  private expect: string[] = [];
  /** last I/O during connect / handshake / transfer */
  lastio = Date.now();
  /** when the link went down (0: never up, INFO shows -1) */
  downSince = 0;
  // The RDB transfer.
  transferSize = -1;
  transferRead = 0;
  private mark: Buffer | null = null;
  private chunks: Buffer[] = [];
  private rdb: Buffer | null = null;
  private masterReplid = '';
  private initialOffset = -1;
  // The connected master.
  mc: Client | null = null;
  /** processed (applied) offset: slave_repl_offset */
  reploff = 0;
  private reader: StreamReader | null = null;
  private held = false;
  cached: CachedMaster | null = null;
  private closed = false;
  private usedMark = false;

  constructor(
    readonly st: Replication,
    readonly host: string,
    readonly port: number,
  ) {}

  private get server() {
    return this.st.server;
  }

  connected(): boolean {
    return this.state === 'connected';
  }

  roleState(): string {
    switch (this.state) {
      case 'handshake':
        return 'handshake';
      case 'transfer':
        return 'sync';
      default:
        return this.state;
    }
  }

  streamDb(): number {
    if (this.mc) return this.mc.db.id;
    return this.cached && this.cached.dbid >= 0 ? this.cached.dbid : 0;
  }

  /** slave_read_repl_offset */
  get readReploff(): number {
    return this.reploff + (this.reader?.unapplied ?? 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Connection and handshake

  connect(): void {
    if (this.closed || this.sock) return;
    const log = this.server.log;
    log.notice(`Connecting to MASTER ${this.host}:${this.port}`);
    this.state = 'connecting';
    this.lastio = Date.now();
    const sock = net.connect({ host: this.host, port: this.port });
    this.sock = sock;
    log.notice('MASTER <-> REPLICA sync started');
    sock.setNoDelay(true);
    sock.on('connect', () => {
      if (sock !== this.sock) return;
      log.notice('Non blocking connect for SYNC fired the event.');
      this.state = 'handshake';
      this.step = 'pong';
      this.lastio = Date.now();
      sock.write(encodeCommand(['PING']));
    });
    sock.on('data', (d: Buffer) => this.onData(sock, d));
    sock.on('error', (e) => {
      if (sock === this.sock && this.state === 'connecting') log.warning(`Error condition on socket for SYNC: ${e.message}`);
    });
    sock.on('close', () => this.onClose(sock));
  }

  /** Give up the current attempt (handshake or transfer); the cron reconnects. */
  private cancel(): void {
    const sock = this.sock;
    this.sock = null;
    this.resetTransfer();
    if (this.state !== 'connected') this.state = 'connect';
    sock?.destroy();
  }

  private resetTransfer(): void {
    this.inbuf = Buffer.alloc(0);
    this.transferSize = -1;
    this.transferRead = 0;
    this.mark = null;
    this.chunks = [];
    this.rdb = null;
    this.expect = [];
  }

  /** REPLICAOF NO ONE / another master: stop for good, keeping what we need to PSYNC elsewhere. */
  close(): void {
    this.closed = true;
    if (this.mc) this.cacheMaster();
    this.cancel();
    this.state = 'connect';
  }

  private onClose(sock: net.Socket): void {
    if (sock !== this.sock) return;
    this.sock = null;
    const log = this.server.log;
    if (this.state === 'connected') {
      log.warning('Connection with master lost.');
      this.cacheMaster();
      this.state = 'connect';
      if (!this.closed) {
        log.notice(`Reconnecting to MASTER ${this.host}:${this.port}`);
        this.connect();
      }
      return;
    }
    if (this.state === 'transfer') log.warning('I/O error trying to sync with MASTER: connection lost');
    this.resetTransfer();
    this.state = 'connect';
  }

  /** replicationCacheMaster: keep replid / offset / DB, drop the client and anything unapplied. */
  private cacheMaster(): void {
    const mc = this.mc;
    if (!mc) return;
    this.server.log.notice('Caching the disconnected master state.');
    this.syncApplied();
    this.cached = { replid: this.masterReplid, reploff: this.reploff, dbid: mc.db.id };
    this.mc = null;
    this.reader = null;
    this.held = false;
    this.downSince = Date.now();
    if (!mc.closing) this.server.closeClient(mc);
  }

  private onData(sock: net.Socket, d: Buffer): void {
    if (sock !== this.sock) return;
    this.st.netReplInput += d.length;
    if (this.state === 'connected') return this.onStream(d);
    this.lastio = Date.now();
    this.inbuf = this.inbuf.length ? Buffer.concat([this.inbuf, d]) : d;
    try {
      this.advance();
    } catch (e) {
      this.server.log.warning(`Replication handshake with MASTER failed: ${(e as Error).message}`);
      this.cancel();
    }
  }

  private readLine(): string | null {
    const nl = this.inbuf.indexOf(10);
    if (nl < 0) {
      if (this.inbuf.length > MAX_LINE) throw new Error('protocol line too long');
      return null;
    }
    const end = nl > 0 && this.inbuf[nl - 1] === 13 ? nl - 1 : nl;
    const line = this.inbuf.latin1Slice(0, end);
    this.inbuf = this.inbuf.subarray(nl + 1);
    return line;
  }

  private send(argv: string[]): void {
    this.sock?.write(encodeCommand(argv));
  }

  private advance(): void {
    const log = this.server.log;
    const cfg = this.server.config;
    while (this.sock) {
      if (this.step === 'bulk') return this.readBulk();
      const line = this.readLine();
      if (line === null) return;
      if (this.step === 'pong') {
        if (line === '') continue;
        if (
          line[0] !== '+' &&
          !line.startsWith('-NOAUTH') &&
          !line.startsWith('-NOPERM') &&
          !line.startsWith('-ERR operation not permitted')
        ) {
          log.warning(`Error reply to PING from master: '${line}'`);
          return this.cancel();
        }
        log.notice('Master replied to PING, replication can continue...');
        const auth = cfg.str('masterauth');
        this.expect = [];
        if (auth !== '') {
          const user = cfg.str('masteruser');
          this.send(user !== '' ? ['AUTH', user, auth] : ['AUTH', auth]);
          this.expect.push('auth');
        }
        const port = cfg.num('replica-announce-port') || cfg.port;
        this.send(['REPLCONF', 'listening-port', String(port)]);
        this.expect.push('port');
        const ip = cfg.str('replica-announce-ip');
        if (ip !== '') {
          this.send(['REPLCONF', 'ip-address', ip]);
          this.expect.push('ip');
        }
        this.send(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
        this.expect.push('capa');
        this.step = 'replies';
      } else if (this.step === 'replies') {
        const what = this.expect.shift()!;
        if (line.startsWith('-')) {
          if (what === 'auth') {
            log.warning(`Unable to AUTH to MASTER: ${line}`);
            return this.cancel();
          }
          const cmd = what === 'port' ? 'listening-port' : what === 'ip' ? 'ip-address' : 'capa';
          log.notice(`(Non critical) Master does not understand REPLCONF ${cmd}: ${line}`);
        }
        if (this.expect.length === 0) this.sendPsync();
      } else if (this.step === 'psync') {
        if (line === '') continue; // keepalive newlines before the reply
        if (!this.psyncReply(line)) return;
      } else if (this.step === 'bulkhead') {
        if (line === '') continue; // keepalive while the master prepares the RDB
        if (line[0] === '-') {
          log.warning(`MASTER aborted replication with an error: ${line.slice(1)}`);
          return this.cancel();
        }
        if (line[0] !== '$') {
          log.warning(`Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`);
          return this.cancel();
        }
        if (line.startsWith('$EOF:') && line.length - 5 >= 40) {
          this.mark = Buffer.from(line.slice(5, 45), 'latin1');
          this.transferSize = 0;
          log.notice('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser');
        } else {
          this.transferSize = Number(line.slice(1));
          if (!Number.isInteger(this.transferSize) || this.transferSize < 0) {
            log.warning(`Bad protocol from MASTER: bulk length '${line}'`);
            return this.cancel();
          }
          this.rdb = Buffer.allocUnsafe(this.transferSize);
          log.notice(`MASTER <-> REPLICA sync: receiving ${this.transferSize} bytes from master to parser`);
        }
        this.step = 'bulk';
      }
    }
  }

  private sendPsync(): void {
    const c = this.cached;
    if (c) {
      this.server.log.notice(`Trying a partial resynchronization (request ${c.replid}:${c.reploff + 1}).`);
      this.send(['PSYNC', c.replid, String(c.reploff + 1)]);
    } else {
      this.server.log.notice('Partial resynchronization not possible (no cached master)');
      this.send(['PSYNC', '?', '-1']);
    }
    this.step = 'psync';
  }

  /** slaveTryPartialResynchronization's reading half. Returns false when the attempt is over. */
  private psyncReply(line: string): boolean {
    const log = this.server.log;
    if (line.startsWith('+FULLRESYNC')) {
      const parts = line.split(' ');
      if (parts.length < 3 || parts[1].length !== 40) {
        log.warning('Master replied with wrong +FULLRESYNC syntax.');
        this.masterReplid = '';
        this.initialOffset = -1;
      } else {
        this.masterReplid = parts[1];
        this.initialOffset = Number(parts[2]);
        log.notice(`Full resync from master: ${this.masterReplid}:${this.initialOffset}`);
      }
      this.beginTransfer();
      return true;
    }
    if (line.startsWith('+CONTINUE')) {
      log.notice('Successful partial resynchronization with master.');
      const id = line.slice(10).trim();
      this.continueFrom(id.length === 40 ? id : null);
      log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      return false;
    }
    if (line.startsWith('-NOMASTERLINK') || line.startsWith('-LOADING')) {
      log.notice(`Master is currently unable to PSYNC but should be in the future: ${line}`);
      this.cancel();
      return false;
    }
    if (!line.startsWith('-ERR')) log.warning(`Unexpected reply to PSYNC from master: ${line}`);
    else log.notice(`Master does not support PSYNC or is in error state (reply: ${line})`);
    log.notice('Retrying with SYNC...');
    this.sock?.write('SYNC\r\n');
    this.masterReplid = '';
    this.initialOffset = -1;
    this.beginTransfer();
    return true;
  }

  private beginTransfer(): void {
    this.state = 'transfer';
    this.step = 'bulkhead';
    this.transferSize = -1;
    this.transferRead = 0;
    this.lastio = Date.now();
  }

  private readBulk(): void {
    const data = this.inbuf;
    this.inbuf = Buffer.alloc(0);
    if (this.mark === null) {
      const rdb = this.rdb!;
      const n = Math.min(data.length, rdb.length - this.transferRead);
      data.copy(rdb, this.transferRead, 0, n);
      this.transferRead += n;
      if (this.transferRead < rdb.length) return;
      this.usedMark = false;
      return this.loaded(rdb, data.subarray(n));
    }
    // EOF-marked: look for the mark across the previous chunk's tail and this one.
    const mark = this.mark;
    const prevTail = this.tail(mark.length - 1);
    const window = prevTail.length ? Buffer.concat([prevTail, data]) : data;
    const at = window.indexOf(mark);
    const before = this.transferRead;
    this.transferRead += data.length;
    if (at < 0) {
      if (data.length) this.chunks.push(data);
      return;
    }
    const payloadEnd = before - prevTail.length + at;
    this.chunks.push(data);
    const all = Buffer.concat(this.chunks);
    this.chunks = [];
    this.usedMark = true;
    this.loaded(all.subarray(0, payloadEnd), window.subarray(at + mark.length));
  }

  /** The last n bytes received so far (for mark detection across chunks). */
  private tail(n: number): Buffer {
    const out: Buffer[] = [];
    let need = n;
    for (let i = this.chunks.length - 1; i >= 0 && need > 0; i--) {
      const c = this.chunks[i];
      const take = Math.min(need, c.length);
      out.unshift(c.subarray(c.length - take));
      need -= take;
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  // ---------------------------------------------------------------------------------------------
  // Loading the RDB

  private loaded(rdb: Buffer, rest: Buffer): void {
    const s = this.server;
    const log = s.log;
    log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    let res: LoadResult;
    try {
      res = parseRdb(rdb, {
        numDbs: s.dbs.length,
        limits: loadLimits(s),
        expireBefore: null, // a replica keeps what the master sent; the master's DELs expire it
        checksum: s.config.bool('rdbchecksum'),
        log: (level, msg) => (level === 'warning' ? log.warning(msg) : log.notice(msg)),
      });
    } catch (e) {
      const why = e instanceof RdbError ? `${e.reason} (offset ${e.offset})` : (e as Error).message;
      log.warning(`Failed trying to load the MASTER synchronization DB from socket: ${why}`);
      this.cancel();
      return;
    }
    // Stop every background job writing the old dataset, then swap it out (emptyData).
    const pst = persistence(s);
    if (pst.bg) {
      log.notice('Replica is about to load the RDB file received from the master, but there is a pending RDB child running. Killing it to avoid any race');
      killBackgroundSave(pst, 'replica full sync');
    }
    const aofWasOn = aofStopForSync(s);
    this.attachToNewMaster();
    log.notice('MASTER <-> REPLICA sync: Flushing old data');
    for (const db of s.dbs) db.clear();
    installLoaded(s, res);
    s.dirty++;
    const dbAux = Number(res.aux.get('repl-stream-db') ?? '-1');
    this.rdb = null;
    this.createMasterClient(this.initialOffset, Number.isInteger(dbAux) ? dbAux : -1);
    // Our own history is now the master's.
    const st = this.st;
    st.replid = this.masterReplid || st.replid;
    st.masterReplOffset = this.reploff;
    st.clearReplicationId2();
    st.createBacklog();
    log.notice('MASTER <-> REPLICA sync: Finished with success');
    if (this.usedMark) this.sendAck();
    aofRestartAfterSync(s, aofWasOn);
    if (rest.length) this.onStream(rest);
  }

  /** replicationAttachToNewMaster: sub-replicas must resync with our new history. */
  private attachToNewMaster(): void {
    this.cached = null;
    abortSync(this.st, 'replica full sync');
    disconnectReplicas(this.st);
    this.st.freeBacklog();
  }

  /** The +CONTINUE path: the cached master comes back with the new connection. */
  private continueFrom(newId: string | null): void {
    const st = this.st;
    const c = this.cached!;
    const inbuf = this.inbuf;
    this.inbuf = Buffer.alloc(0);
    this.masterReplid = c.replid;
    if (newId !== null && newId !== c.replid) {
      this.server.log.warning(`Master replication ID changed to ${newId}`);
      st.flush();
      st.replid2 = c.replid;
      st.secondReplidOffset = st.masterReplOffset + 1;
      st.replid = newId;
      this.masterReplid = newId;
      disconnectReplicas(st);
    }
    this.createMasterClient(c.reploff, c.dbid);
    this.cached = null;
    if (st.backlog === null) st.createBacklog();
    if (inbuf.length) this.onStream(inbuf);
  }

  private createMasterClient(offset: number, dbid: number): void {
    const s = this.server;
    const mc = s.createClient(this.sock);
    mc.replRole = 'master';
    mc.replyMode = ReplyMode.Off;
    mc.authenticated = true;
    mc.user = '(superuser)';
    if (dbid >= 0 && dbid < s.dbs.length) mc.db = s.dbs[dbid];
    this.mc = mc;
    this.reploff = offset;
    this.reader = new StreamReader();
    this.held = false;
    this.state = 'connected';
    this.downSince = 0;
    this.resetTransfer();
  }

  // ---------------------------------------------------------------------------------------------
  // The command stream

  private onStream(d: Buffer): void {
    const mc = this.mc;
    if (!mc || !this.reader) return;
    mc.lastInteraction = Date.now();
    mc.totNetIn += d.length;
    this.reader.push(d);
    this.process();
  }

  /** Apply what can be applied; the bytes of applied commands go to our backlog and sub-replicas. */
  process(): void {
    const s = this.server;
    const mc = this.mc;
    const reader = this.reader;
    if (!mc || !reader) return;
    if (this.held) {
      // A command held by CLIENT PAUSE: did it run meanwhile?
      if (pending(mc) || mc.blocked) return;
      this.held = false;
      if (mc.multi === null) reader.markApplied();
    }
    const wasInHandler = s.inHandler;
    s.inHandler = true;
    s.applyingMasterStream = true;
    let dropped = false;
    try {
      for (;;) {
        let argv: string[] | null;
        try {
          argv = reader.next();
        } catch (e) {
          if (!(e instanceof StreamProtocolError)) throw e;
          s.log.warning(`Protocol error from MASTER: ${e.message}. Closing the master connection and discarding the cached master.`);
          dropped = true;
          break;
        }
        if (argv === null) break;
        // processInput for this one command, keeping the queue array (and its storage): [argv]
        // with qpos 1 is an empty queue; CLIENT PAUSE moves qpos back to hold the command.
        const q = mc.queue;
        if (q.length === 1 && mc.qpos === 1) q[0] = argv;
        else q.push(argv);
        mc.qpos = q.length;
        processCommand(s, mc, argv);
        if (mc.closing) break;
        if (pending(mc)) {
          this.held = true;
          break;
        }
        // Redis counts a transaction when it completes (reploff moves outside MULTI only).
        if (mc.multi === null) reader.markApplied();
      }
    } finally {
      s.applyingMasterStream = false;
      s.inHandler = wasInHandler;
    }
    this.syncApplied();
    if (dropped) {
      this.mc = null;
      this.reader = null;
      this.cached = null;
      this.state = 'connect';
      const sock = this.sock;
      this.sock = null;
      s.closeClient(mc);
      sock?.destroy();
    }
    if (!wasInHandler) s.flushAll();
  }

  /** Move the applied bytes into our offset, backlog and sub-replica stream. */
  private syncApplied(): void {
    const raw = this.reader?.takeApplied();
    if (raw === undefined || raw.length === 0) return;
    this.reploff += raw.length;
    this.st.feedBuf(raw);
  }

  /** replicationSendAck: REPLCONF ACK <processed offset>, straight to the master's socket. */
  sendAck(): void {
    if (!this.mc || !this.sock || this.sock.destroyed) return;
    this.syncApplied();
    this.sock.write(encodeCommand(['REPLCONF', 'ACK', String(this.reploff)]));
  }

  /** The replica half of replicationCron (every second). */
  cron(): void {
    const s = this.server;
    const now = Date.now();
    const timeout = s.config.num('repl-timeout') * 1000;
    if ((this.state === 'connecting' || this.state === 'handshake') && now - this.lastio > timeout) {
      s.log.warning('Timeout connecting to the MASTER...');
      this.cancel();
    }
    if (this.state === 'transfer' && now - this.lastio > timeout) {
      s.log.warning(
        "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.",
      );
      this.cancel();
    }
    if (this.state === 'connected' && this.mc && now - this.mc.lastInteraction > timeout) {
      s.log.warning('MASTER timeout: no data nor PING received...');
      s.closeClient(this.mc);
      return;
    }
    if (this.state === 'connect') this.connect();
    if (this.state === 'connected') {
      if (this.held) this.process();
      this.sendAck();
    }
  }

  /** Every cron tick: a command held by CLIENT PAUSE may have run. */
  tick(): void {
    if (this.held && this.mc && !pending(this.mc) && !this.mc.blocked) this.process();
  }
}
