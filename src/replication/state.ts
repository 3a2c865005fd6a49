// Why: one server's replication state behind one type: the replication IDs and offsets (PSYNC2's
// replid/replid2), the backlog, the replicas attached to us, and the stream feed — commands handed
// over by the propagation hook (or proxied from our own master) are encoded once, counted in the
// offset, and written to the backlog and every replica in one write per event-loop batch.
import { randomBytes } from 'node:crypto';
import type { Server, Propagator } from '../server/server.js';
import type { Client } from '../server/client.js';
import { Backlog } from './backlog.js';

export const ZERO_ID = '0000000000000000000000000000000000000000';

/** Size of the chunks the stream is encoded into (one piece of backlog each). */
const CHUNK = 64 * 1024;

export const enum RState {
  /** waiting for a snapshot to start (diskless delay, or another snapshot running) */
  WaitBgsaveStart,
  /** the snapshot for it runs; stream bytes are held back */
  WaitBgsaveEnd,
  /** the RDB file is being sent */
  SendBulk,
  Online,
}

const STATE_NAMES = ['wait_bgsave', 'wait_bgsave', 'send_bulk', 'online'];

/** One replica attached to us (a client that sent SYNC or PSYNC). */
export class ReplicaConn {
  state = RState.WaitBgsaveStart;
  listeningPort = 0;
  announcedIp: string | null = null;
  capaEof = false;
  capaPsync2 = false;
  /** SYNC (pre-PSYNC protocol): no ACKs are expected */
  preSync = false;
  ackOff = 0;
  ackTime = Date.now();
  /** the offset its snapshot corresponds to (+FULLRESYNC <replid> <offset>) */
  initialOffset = -1;
  /** stream bytes held back while the RDB is produced or sent */
  held: Buffer[] = [];
  heldBytes = 0;
  /** diskless sync done: the stream starts at its first REPLCONF ACK (clean EOF detection) */
  streamOnAck = false;
  readonly since = Date.now();
  softLimitSince = 0;

  constructor(readonly c: Client) {}

  get stateName(): string {
    return STATE_NAMES[this.state];
  }

  /** The address shown in INFO / ROLE: REPLCONF ip-address, else the connection's peer IP. */
  ip(): string {
    if (this.announcedIp) return this.announcedIp;
    const a = this.c.addr;
    const i = a.lastIndexOf(':');
    return i > 0 ? a.slice(0, i) : a;
  }

  /** name for logs, as replicationGetSlaveName */
  name(): string {
    return `${this.ip()}:${this.listeningPort}`;
  }

  get streaming(): boolean {
    return this.state === RState.Online && !this.streamOnAck;
  }
}

/** What the replica side exposes to the rest of the module (the master link). */
export interface LinkInfo {
  readonly host: string;
  readonly port: number;
  /** Redis's repl_state name for ROLE: connect, connecting, handshake, sync, connected */
  roleState(): string;
  connected(): boolean;
  close(): void;
  /** the DB the master's stream is in (the master client's, else the cached one's) */
  streamDb(): number;
}

export class Replication {
  replid: string;
  replid2 = ZERO_ID;
  secondReplidOffset = -1;
  masterReplOffset = 0;
  backlog: Backlog | null = null;
  readonly replicas: ReplicaConn[] = [];
  readonly byClient = new Map<Client, ReplicaConn>();
  /** DB of the last command in the stream (-1: the next one emits SELECT) */
  slaveseldb = -1;
  /**
   * The stream is encoded straight into `chunk` (no per-command strings); [start, pos) is what was
   * fed since the last flush. A flushed region is never rewritten: the backlog and the replicas'
   * sockets share it.
   */
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK);
  private start = 0;
  private pos = 0;
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  noReplicasSince = Date.now();
  goodReplicas = 0;
  /** a WAIT asked for acknowledgements: send REPLCONF GETACK before the next replies go out */
  getAck = false;
  netReplOutput = 0;
  netReplInput = 0;
  /** our master link when we are a replica */
  link: LinkInfo | null = null;
  readonly propagator: Propagator = (dbid, argv) => this.feedCommand(dbid, argv);

  constructor(
    readonly server: Server,
    initialReplid: string,
  ) {
    this.replid = initialReplid;
  }

  // ---------------------------------------------------------------------------------------------
  // IDs and backlog

  changeReplicationId(): void {
    this.replid = randomBytes(20).toString('hex');
  }

  clearReplicationId2(): void {
    this.replid2 = ZERO_ID;
    this.secondReplidOffset = -1;
  }

  /** Promotion (REPLICAOF NO ONE): our current history stays valid as ID2 up to the current offset. */
  shiftReplicationId(): void {
    this.flush();
    this.replid2 = this.replid;
    this.secondReplidOffset = this.masterReplOffset + 1;
    this.changeReplicationId();
    this.server.log.warning(
      `Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondReplidOffset}. New replication ID is ${this.replid}`,
    );
  }

  createBacklog(): void {
    if (this.backlog) return;
    this.backlog = new Backlog(this.server.config.num('repl-backlog-size'), this.masterReplOffset + 1);
    this.updatePropagator();
  }

  freeBacklog(): void {
    this.start = this.pos;
    this.backlog = null;
    this.updatePropagator();
  }

  /**
   * The propagation hook is needed by a master with a backlog only: without one nothing is counted
   * (as Redis), and a replica proxies its master's stream instead of re-encoding what it applies.
   */
  updatePropagator(): void {
    const s = this.server;
    const want = this.backlog !== null && s.masterHost === null;
    const i = s.propagators.indexOf(this.propagator);
    if (want && i < 0) s.propagators.push(this.propagator);
    if (!want && i >= 0) s.propagators.splice(i, 1);
    if (want) s.replicaPropagators.add(this.propagator);
    else s.replicaPropagators.delete(this.propagator);
  }

  // ---------------------------------------------------------------------------------------------
  // The stream

  /** The propagation hook (replicationFeedSlaves): a master's own writes. */
  private feedCommand(dbid: number, argv: string[]): void {
    // A replica's stream is its master's, proxied verbatim (feedBuf); local writes stay local.
    if (this.backlog === null || this.server.masterHost !== null) return;
    if (dbid !== this.slaveseldb && dbid >= 0) {
      const d = String(dbid);
      this.feedRaw('*2\r\n$6\r\nSELECT\r\n$' + d.length + '\r\n' + d + '\r\n');
      this.slaveseldb = dbid;
    }
    this.reserve(encodedSizeBound(argv));
    this.fed(encodeInto(this.chunk, this.pos, argv));
  }

  /** Make room for n more bytes in the chunk (a full chunk is flushed first, never copied). */
  private reserve(n: number): void {
    if (this.pos + n <= this.chunk.length) return;
    this.flush();
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.start = this.pos = 0;
  }

  /** Bytes up to `p` were written into the chunk: they count in the offset at once. */
  private fed(p: number): void {
    this.masterReplOffset += p - this.pos;
    this.pos = p;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /**
   * Append encoded stream bytes (latin1); they count in the offset at once and are written once
   * per event-loop iteration (Redis's beforeSleep), whatever the number of client batches in it.
   */
  feedRaw(s: string): void {
    if (this.backlog === null) return;
    this.reserve(s.length);
    this.fed(this.pos + this.chunk.latin1Write(s, this.pos, s.length));
  }

  /** feedRaw for bytes (a replica proxying its master's stream); `b` is copied. */
  feedBuf(b: Buffer): void {
    if (this.backlog === null || b.length === 0) return;
    this.reserve(b.length);
    this.fed(this.pos + b.copy(this.chunk, this.pos));
  }

  private flushScheduled = false;
  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  /** Write what was fed since the last call to the backlog and the replicas (once per batch). */
  flush(): void {
    if (this.pos === this.start) return;
    const b = this.chunk.subarray(this.start, this.pos);
    this.start = this.pos;
    if (this.backlog) this.backlog.append(b);
    for (let i = 0; i < this.replicas.length; i++) this.deliver(this.replicas[i], b);
  }

  /** One chunk of stream for one replica: straight to its socket when online, else held back. */
  deliver(r: ReplicaConn, b: Buffer): void {
    if (r.state === RState.WaitBgsaveStart) return; // its snapshot does not exist yet
    if (!r.streaming) {
      r.held.push(b);
      r.heldBytes += b.length;
      return;
    }
    this.write(r, b);
  }

  write(r: ReplicaConn, b: Buffer | string): void {
    const sock = r.c.socket;
    if (!sock || sock.destroyed || r.c.closing) return;
    sock.write(b);
    this.netReplOutput += b.length;
  }

  /** Send what was held back and switch the replica to the live stream. */
  startStream(r: ReplicaConn): void {
    r.streamOnAck = false;
    r.state = RState.Online;
    const held = r.held;
    r.held = [];
    r.heldBytes = 0;
    const sock = r.c.socket;
    sock?.cork();
    for (const b of held) this.write(r, b);
    sock?.uncork();
  }

  /** Replicas that acknowledged at least `offset` (replicationCountAcksByOffset). */
  countAcks(offset: number): number {
    let n = 0;
    for (const r of this.replicas) if (r.state === RState.Online && r.ackOff >= offset) n++;
    return n;
  }

  /** refreshGoodSlavesCount: online replicas whose last ACK is recent enough. */
  refreshGoodReplicas(): void {
    const cfg = this.server.config;
    const maxLag = cfg.num('min-replicas-max-lag');
    if (cfg.num('min-replicas-to-write') === 0 || maxLag === 0) return;
    const now = Math.floor(Date.now() / 1000);
    let good = 0;
    for (const r of this.replicas) if (r.state === RState.Online && now - Math.floor(r.ackTime / 1000) <= maxLag) good++;
    this.goodReplicas = good;
  }
}

/** An upper bound of encodeInto's byte count: "*<n>\r\n" and "$<len>\r\n<arg>\r\n" per argument. */
export function encodedSizeBound(argv: string[]): number {
  let need = 20;
  for (let i = 0; i < argv.length; i++) need += argv[i].length + 22;
  return need;
}

/** encodeCommand(argv) written at b[p..] (room checked by the caller); returns the end position. */
export function encodeInto(b: Buffer, p: number, argv: string[]): number {
  b[p++] = 42; // '*'
  p = writeUint(b, p, argv.length);
  b[p++] = 13;
  b[p++] = 10;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const l = a.length;
    b[p++] = 36; // '$'
    p = writeUint(b, p, l);
    b[p++] = 13;
    b[p++] = 10;
    if (l < 64) {
      for (let j = 0; j < l; j++) b[p + j] = a.charCodeAt(j);
      p += l;
    } else {
      p += b.latin1Write(a, p, l);
    }
    b[p++] = 13;
    b[p++] = 10;
  }
  return p;
}

/** Decimal digits of a non-negative integer at b[p..]; returns the position after them. */
function writeUint(b: Buffer, p: number, v: number): number {
  if (v < 10) {
    b[p] = 48 + v;
    return p + 1;
  }
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  for (let i = p + digits - 1; i >= p; i--) {
    b[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return p + digits;
}

/** A command as RESP multibulk (latin1: one char per byte). */
export function encodeCommand(argv: string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    s += '$' + a.length + '\r\n' + a + '\r\n';
  }
  return s;
}
