// Why: the master side of replication (Redis's syncCommand / replconfCommand / waitCommand and the
// master half of replicationCron): PSYNC with partial resync from the backlog or a full resync fed
// by the fork-less snapshot — streamed to the sockets ($EOF:<mark>, diskless) or through a temp
// file ($<len>) — replica ACKs, pings, timeouts, output limits, WAIT and min-replicas-to-write.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client } from '../server/client.js';
import { ReplyMode } from '../server/client.js';
import { ERR_NOT_INT, ERR_SYNTAX, fail } from '../server/errors.js';
import { parseBigLL } from '../server/args.js';
import { parseLL, splitArgs } from '../resp/request-parser.js';
import { blockForKeys, unblock } from '../server/blocking.js';
import { usedMemory } from '../server/admin-state.js';
import { RdbEncoder, type RdbSink, type SaveInfo } from '../persistence/rdb-writer.js';
import { Snapshot } from '../persistence/snapshot.js';
import { FileSink, encodeOptions } from '../persistence/rdb-file.js';
import { OP_EOF } from '../persistence/rdb-types.js';
import { RState, ReplicaConn, type Replication } from './state.js';

/** What a connection told us with REPLCONF before it sent PSYNC/SYNC. */
interface Handshake {
  listeningPort: number;
  ip: string | null;
  capaEof: boolean;
  capaPsync2: boolean;
  rdbOnly: boolean;
  /** REPLCONF rdb-filter-only: an RDB without the keyspace (redis-cli --replica / --functions-rdb) */
  excludeData: boolean;
}

const handshakes = new WeakMap<Client, Handshake>();

function handshake(c: Client): Handshake {
  let h = handshakes.get(c);
  if (!h) handshakes.set(c, (h = { listeningPort: 0, ip: null, capaEof: false, capaPsync2: false, rdbOnly: false, excludeData: false }));
  return h;
}

/**
 * The RDB of a full sync carries the replication AUX fields Redis writes (rdbPopulateSaveInfo):
 * repl-stream-db tells the replica which DB the stream continues in (a replica's proxied stream
 * does not start with SELECT), repl-id / repl-offset its position.
 */
function syncEncoder(st: Replication, sink: RdbSink | null, streamDb: number, offset: number): RdbEncoder {
  const info: SaveInfo = { streamDb, replid: st.replid, offset };
  return new RdbEncoder(sink, { ...encodeOptions(st.server), saveInfo: () => info });
}

/** A running full synchronization: one snapshot feeding one or more replicas. */
interface SyncJob {
  diskless: boolean;
  offset: number;
  targets: Set<ReplicaConn>;
  snapshot: Snapshot;
  /** disk target: the temp file and how many replicas still read it */
  file: string | null;
  sending: number;
  rdbOnly: Set<ReplicaConn>;
  finished: boolean;
}

interface MasterExtras {
  job: SyncJob | null;
  waiters: { c: Client; bs: unknown; offset: number; numreplicas: number }[];
  waitersScheduled: boolean;
  cronLoops: number;
  lastSecond: number;
  fileSeq: number;
}

const extras = new WeakMap<Replication, MasterExtras>();

function ex(st: Replication): MasterExtras {
  let e = extras.get(st);
  if (!e) extras.set(st, (e = { job: null, waiters: [], waitersScheduled: false, cronLoops: 0, lastSecond: 0, fileSeq: 0 }));
  return e;
}

/** Is a full-sync snapshot running (INFO, BGSAVE interplay)? */
export function syncInProgress(st: Replication): boolean {
  return ex(st).job !== null;
}

// ---------------------------------------------------------------------------------------------
// REPLCONF

export function replconf(st: Replication, c: Client, argv: string[], sendAck: () => void): void {
  if (argv.length % 2 === 0) fail(ERR_SYNTAX);
  for (let j = 1; j < argv.length; j += 2) {
    const opt = argv[j].toLowerCase();
    const v = argv[j + 1];
    if (opt === 'listening-port') {
      const port = parseLL(v);
      if (port === null) fail(ERR_NOT_INT);
      handshake(c).listeningPort = port;
      const r = st.byClient.get(c);
      if (r) r.listeningPort = port;
    } else if (opt === 'ip-address') {
      if (v.length >= 256) fail(`ERR REPLCONF ip-address provided by replica instance is too long: ${v.length} bytes`);
      handshake(c).ip = v;
    } else if (opt === 'capa') {
      const l = v.toLowerCase();
      if (l === 'eof') handshake(c).capaEof = true;
      else if (l === 'psync2') handshake(c).capaPsync2 = true;
    } else if (opt === 'ack') {
      // The replica's processed offset; never replied to.
      const r = st.byClient.get(c);
      if (!r) return;
      const off = parseLL(v);
      if (off === null) return;
      if (off > r.ackOff) r.ackOff = off;
      r.ackTime = Date.now();
      if (r.streamOnAck && r.state === RState.Online) {
        st.server.log.notice(`Synchronization with replica ${r.name()} succeeded`);
        st.startStream(r);
      }
      scheduleWaiters(st);
      return;
    } else if (opt === 'getack') {
      // From our master: answer with our offset at once (no reply in the stream).
      if (st.server.isReplica() && c.replRole === 'master') sendAck();
      return;
    } else if (opt === 'rdb-only') {
      const n = parseLL(v);
      if (n === null || n < 0 || n > 1) fail('ERR value is out of range, value must between 0 and 1');
      handshake(c).rdbOnly = n === 1;
    } else if (opt === 'rdb-filter-only') {
      // Only "functions" may be included; eddy's RDBs hold no functions, so any filter means no data.
      const filters = splitArgs(v);
      if (filters === null) fail('ERR Missing rdb-filter-only values');
      for (const f of filters) if (f.toLowerCase() !== 'functions') fail(`ERR Unsupported rdb-filter-only option: ${f}`);
      handshake(c).excludeData = true;
    } else {
      fail(`ERR Unrecognized REPLCONF option: ${argv[j]}`);
    }
  }
  c.ok();
}

// ---------------------------------------------------------------------------------------------
// SYNC / PSYNC

/** masterTryPartialResynchronization: true when the replica continues from the backlog. */
function tryPartial(st: Replication, c: Client, replid: string, offset: number): boolean {
  const log = st.server.log;
  const idMatches = replid.toLowerCase() === st.replid || (replid.toLowerCase() === st.replid2 && offset <= st.secondReplidOffset);
  if (!idMatches) {
    if (replid !== '?') {
      if (replid.toLowerCase() !== st.replid && replid.toLowerCase() !== st.replid2) {
        log.notice(
          `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${st.replid}' and '${st.replid2}')`,
        );
      } else {
        log.notice(`Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${st.secondReplidOffset}`);
      }
    } else {
      log.notice(`Full resync requested by replica ${peerName(c)}`);
    }
    return false;
  }
  st.flush();
  const bl = st.backlog;
  if (bl === null || !bl.covers(offset)) {
    log.notice(`Unable to partial resync with replica ${peerName(c)} for lack of backlog (Replica request was: ${offset}).`);
    if (offset > st.masterReplOffset) {
      log.warning(`Warning: replica ${peerName(c)} tried to PSYNC with an offset that is greater than the master replication offset.`);
    }
    return false;
  }
  const r = attach(st, c);
  r.state = RState.Online;
  r.ackTime = Date.now();
  st.write(r, r.capaPsync2 ? `+CONTINUE ${st.replid}\r\n` : '+CONTINUE\r\n');
  const chunks = bl.readFrom(offset);
  let n = 0;
  for (const b of chunks) {
    st.write(r, b);
    n += b.length;
  }
  log.notice(`Partial resynchronization request from ${r.name()} accepted. Sending ${n} bytes of backlog starting from offset ${offset}.`);
  st.refreshGoodReplicas();
  return true;
}

function peerName(c: Client): string {
  const h = handshakes.get(c);
  const a = c.addr;
  const ip = h?.ip ?? a.slice(0, Math.max(0, a.lastIndexOf(':')));
  return `${ip}:${h?.listeningPort ?? 0}`;
}

/** Turn a client into one of our replicas (CLIENT_SLAVE). */
function attach(st: Replication, c: Client): ReplicaConn {
  const r = new ReplicaConn(c);
  const h = handshake(c);
  r.listeningPort = h.listeningPort;
  r.announcedIp = h.ip;
  r.capaEof = h.capaEof;
  r.capaPsync2 = h.capaPsync2;
  c.replRole = 'replica';
  // Nothing but the stream may reach a replica's socket from now on.
  c.replyMode = ReplyMode.Off;
  if (st.server.config.bool('repl-disable-tcp-nodelay')) c.socket?.setNoDelay(false);
  st.replicas.push(r);
  st.byClient.set(c, r);
  return r;
}

/** SYNC and PSYNC (syncCommand). `promote` handles PSYNC ... FAILOVER on a replica. */
export function syncCommand(st: Replication, c: Client, argv: string[], promote: () => void): void {
  if (st.byClient.has(c)) return; // already a replica: ignore
  const s = st.server;
  const isPsync = argv[0].toLowerCase() === 'psync';
  if (isPsync && argv.length > 3 && argv[3].toLowerCase() === 'failover') {
    s.log.warning(`Failover request received for replid ${argv[1]}.`);
    if (!s.isReplica()) fail("ERR PSYNC FAILOVER can't be sent to a master.");
    if (argv[1].toLowerCase() !== st.replid) fail('ERR PSYNC FAILOVER replid must match my replid.');
    promote();
  }
  if (s.isReplica() && !(st.link?.connected() ?? false)) fail("NOMASTERLINK Can't SYNC while not connected with my master");
  if (c.out.length > 0) fail('ERR SYNC and PSYNC are invalid with pending output');
  if (!c.socket) fail('ERR SYNC and PSYNC need a connection');
  const filtered = handshake(c).excludeData;
  if (filtered && !handshake(c).capaEof) fail('ERR Filtered replica requires EOF capability');
  s.log.notice(`Replica ${peerName(c)} asks for synchronization`);
  let preSync = false;
  if (isPsync) {
    const off = parseBigLL(argv[2]);
    if (off === null) {
      s.log.warning(`Replica ${peerName(c)} asks for synchronization but with a wrong offset`);
      fail(ERR_NOT_INT);
    }
    if (tryPartial(st, c, argv[1], Number(off))) {
      st.syncPartialOk++;
      return;
    }
    if (argv[1] !== '?') st.syncPartialErr++;
  } else {
    preSync = true;
  }
  st.syncFull++;
  const r = attach(st, c);
  r.preSync = preSync;
  const h = handshake(c);
  if (filtered) return filteredSync(st, r, h.rdbOnly);
  if (st.replicas.length === 1 && st.backlog === null) {
    // A new history: a fresh replication ID, no valid ID2.
    st.changeReplicationId();
    st.clearReplicationId2();
    st.createBacklog();
    s.log.notice(`Replication backlog created, my new replication IDs are '${st.replid}' and '${st.replid2}'`);
  }
  const e = ex(st);
  const job = e.job;
  if (job !== null) {
    // A disk-target sync still producing its file: join it with a copy of its held stream.
    const peer = [...job.targets].find((t) => t.state === RState.WaitBgsaveEnd);
    if (!job.diskless && !job.finished && peer && !h.rdbOnly) {
      r.held = peer.held.slice();
      r.heldBytes = peer.heldBytes;
      setupFullResync(st, r, job.offset);
      job.targets.add(r);
      s.log.notice('Waiting for end of BGSAVE for SYNC');
    } else {
      s.log.notice(
        job.diskless
          ? 'Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC'
          : "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC",
      );
    }
    return;
  }
  if (s.config.bool('repl-diskless-sync') && r.capaEof && s.config.num('repl-diskless-sync-delay') > 0) {
    s.log.notice('Delay next BGSAVE for diskless SYNC');
    return;
  }
  if (s.snapshot !== null) {
    s.log.notice('No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed');
    return;
  }
  startSync(st);
}

/** replicationSetupSlaveForFullResync */
function setupFullResync(st: Replication, r: ReplicaConn, offset: number): void {
  r.initialOffset = offset;
  r.state = RState.WaitBgsaveEnd;
  // Make sure the stream for it starts with a SELECT.
  st.slaveseldb = -1;
  if (!r.preSync) st.write(r, `+FULLRESYNC ${st.replid} ${offset}\r\n`);
}

/** startBgsaveForReplication: one snapshot for every replica waiting for one. */
function startSync(st: Replication): void {
  const s = st.server;
  const e = ex(st);
  if (e.job !== null || s.snapshot !== null) return;
  const waiting = st.replicas.filter((r) => r.state === RState.WaitBgsaveStart);
  if (waiting.length === 0) return;
  const diskless = s.config.bool('repl-diskless-sync') && waiting.every((r) => r.capaEof);
  s.log.notice(`Starting BGSAVE for SYNC with target: ${diskless ? 'replicas sockets' : 'disk'}`);
  st.flush();
  const offset = st.masterReplOffset;
  let fileSink: FileSink | null = null;
  let file: string | null = null;
  const targets = new Set<ReplicaConn>();
  let sink: RdbSink;
  if (diskless) {
    sink = {
      write(chunk: Buffer) {
        for (const r of targets) st.write(r, chunk);
      },
    };
  } else {
    file = path.resolve(s.config.str('dir') || '.', `temp-repl-${process.pid}-${++e.fileSeq}.rdb`);
    try {
      fileSink = new FileSink(file);
    } catch (err) {
      s.log.warning(`Failed opening the temp RDB file for replication: ${(err as Error).message}`);
      return failWaiting(st, waiting);
    }
    sink = fileSink;
  }
  // A master's stream re-selects its DB after a full sync; a replica proxies its master's, whose
  // current DB is the master client's.
  const streamDb = s.masterHost !== null ? (st.link?.streamDb() ?? 0) : Math.max(st.slaveseldb, 0);
  const enc = syncEncoder(st, sink, streamDb, offset);
  const delay = s.config.num('rdb-key-save-delay');
  const snapshot = new Snapshot(s, enc, { usedMemory: usedMemory(), keyDelayUs: delay > 0 ? delay : 0 });
  const mark = diskless ? randomBytes(20).toString('hex') : '';
  const job: SyncJob = { diskless, offset, targets, snapshot, file, sending: 0, rdbOnly: new Set(), finished: false };
  for (const r of waiting) {
    setupFullResync(st, r, offset);
    targets.add(r);
    if (handshakes.get(r.c)?.rdbOnly) job.rdbOnly.add(r);
    if (diskless) st.write(r, `$EOF:${mark}\r\n`);
  }
  try {
    snapshot.start();
  } catch (err) {
    fileSink?.discard();
    s.log.warning(`BGSAVE for replication failed: ${(err as Error).message}`);
    return failWaiting(st, [...targets]);
  }
  e.job = job;
  snapshot.finished.then(
    () => {
      job.finished = true;
      if (diskless) return disklessDone(st, job, mark);
      fileSink!.close();
      diskDone(st, job);
    },
    (err: Error) => {
      job.finished = true;
      fileSink?.discard();
      if (e.job === job) e.job = null;
      s.log.warning(`SYNC failed. BGSAVE returned an error: ${err.message}`);
      for (const r of job.targets) s.closeClient(r.c);
    },
  );
}

/** A replica that wants no keyspace gets an empty RDB at once (no snapshot needed). */
function filteredSync(st: Replication, r: ReplicaConn, rdbOnly: boolean): void {
  if (st.backlog === null) st.createBacklog();
  st.flush();
  setupFullResync(st, r, st.masterReplOffset);
  const mark = randomBytes(20).toString('hex');
  const enc = syncEncoder(st, null, 0, st.masterReplOffset);
  enc.header(usedMemory());
  enc.u8(OP_EOF);
  enc.finishWithChecksum();
  st.write(r, `$EOF:${mark}\r\n`);
  st.write(r, enc.take());
  st.write(r, mark);
  if (rdbOnly) {
    r.c.socket?.end();
    return;
  }
  r.state = RState.Online;
  r.streamOnAck = true;
  r.ackTime = Date.now();
}

/** The snapshot could not start: tell the replicas and drop them. */
function failWaiting(st: Replication, list: ReplicaConn[]): void {
  st.server.log.warning('BGSAVE for replication failed');
  for (const r of list) {
    const sock = r.c.socket;
    if (sock && !sock.destroyed) sock.write("-ERR BGSAVE failed, replication can't continue\r\n");
    st.server.closeClient(r.c, true);
  }
}

function disklessDone(st: Replication, job: SyncJob, mark: string): void {
  const s = st.server;
  ex(st).job = null;
  for (const r of job.targets) {
    st.write(r, mark);
    if (job.rdbOnly.has(r)) {
      s.log.notice(`Close the connection with replica ${r.name()} as RDB transfer is complete`);
      r.c.socket?.end();
      continue;
    }
    s.log.notice(`Streamed RDB transfer with replica ${r.name()} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming`);
    r.state = RState.Online;
    r.streamOnAck = true;
    r.ackTime = Date.now();
  }
  st.refreshGoodReplicas();
  startSync(st); // replicas that arrived meanwhile
}

function diskDone(st: Replication, job: SyncJob): void {
  const s = st.server;
  const file = job.file!;
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    s.log.warning(`SYNC failed. Can't open/stat DB after BGSAVE: ${(err as Error).message}`);
    ex(st).job = null;
    for (const r of job.targets) s.closeClient(r.c);
    return;
  }
  s.log.notice('Background RDB transfer terminated with success');
  const finish = () => {
    if (--job.sending > 0) return;
    if (ex(st).job === job) ex(st).job = null;
    fs.unlink(file, () => {});
    startSync(st);
  };
  job.sending = job.targets.size + 1;
  for (const r of job.targets) sendFile(st, r, file, size, job, finish);
  finish();
}

/** sendBulkToSlave: "$<len>\r\n" and the file, with backpressure; then the held stream. */
function sendFile(st: Replication, r: ReplicaConn, file: string, size: number, job: SyncJob, done: () => void): void {
  const sock = r.c.socket;
  if (!sock || sock.destroyed || r.c.closing) return done();
  r.state = RState.SendBulk;
  st.write(r, `$${size}\r\n`);
  const rs = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    sock.off('close', end);
    done();
  };
  sock.once('close', () => {
    rs.destroy();
    end();
  });
  rs.on('data', (chunk) => {
    st.netReplOutput += chunk.length;
    if (!sock.write(chunk)) {
      rs.pause();
      sock.once('drain', () => rs.resume());
    }
  });
  rs.on('error', (err) => {
    st.server.log.warning(`Read error sending DB to replica: ${err.message}`);
    st.server.closeClient(r.c);
    end();
  });
  rs.on('end', () => {
    if (r.c.closing) return end();
    if (job.rdbOnly.has(r)) {
      st.server.log.notice(`Close the connection with replica ${r.name()} as RDB transfer is complete`);
      sock.end();
      return end();
    }
    r.state = RState.Online;
    r.ackTime = Date.now();
    st.server.log.notice(`Synchronization with replica ${r.name()} succeeded`);
    st.startStream(r);
    st.refreshGoodReplicas();
    end();
  });
}

/** A replica's connection closed: forget it (and stop a diskless sync nobody receives). */
export function replicaClosed(st: Replication, c: Client): void {
  const r = st.byClient.get(c);
  if (!r) return;
  st.byClient.delete(c);
  const i = st.replicas.indexOf(r);
  if (i >= 0) st.replicas.splice(i, 1);
  if (r.state === RState.Online) st.server.log.warning(`Connection with replica ${r.name()} lost.`);
  const job = ex(st).job;
  if (job && job.targets.delete(r) && job.diskless && job.targets.size === 0 && !job.finished) {
    st.server.log.warning('Diskless rdb transfer, last replica dropped, killing fork child.');
    job.snapshot.abort('no replicas left');
  }
  if (st.replicas.length === 0) st.noReplicasSince = Date.now();
  st.refreshGoodReplicas();
}

/** Close every replica (replid changed, or a full resync with our own master): they reconnect. */
export function disconnectReplicas(st: Replication): void {
  for (const r of [...st.replicas]) st.server.closeClient(r.c);
}

// ---------------------------------------------------------------------------------------------
// WAIT

const MAX_TIMER_MS = 2147483647;

export function waitCommand(st: Replication, c: Client, argv: string[]): void {
  const s = st.server;
  if (s.isReplica()) {
    fail(
      'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    );
  }
  const n = parseLL(argv[1]);
  if (n === null) fail(ERR_NOT_INT);
  const tb = parseBigLL(argv[2]);
  if (tb === null) fail('ERR timeout is not an integer or out of range');
  if (tb < 0n) fail('ERR timeout is negative');
  // Everything written so far (Redis waits for the client's own last write, c->woff).
  const offset = st.masterReplOffset;
  const acked = st.countAcks(offset);
  if (acked >= n || s.inExec) {
    c.int(acked);
    return;
  }
  const ms = tb > BigInt(MAX_TIMER_MS) ? 0 : Number(tb);
  blockForKeys(c, [], ms, (cl) => cl.int(st.countAcks(offset)));
  ex(st).waiters.push({ c, bs: c.blocked, offset, numreplicas: n });
  st.getAck = true;
}

function scheduleWaiters(st: Replication): void {
  const e = ex(st);
  if (e.waiters.length === 0 || e.waitersScheduled) return;
  e.waitersScheduled = true;
  setImmediate(() => {
    e.waitersScheduled = false;
    processWaiters(st);
  });
}

/** processClientsWaitingReplicas */
function processWaiters(st: Replication): void {
  const e = ex(st);
  const s = st.server;
  const keep: MasterExtras['waiters'] = [];
  for (const w of e.waiters) {
    if (w.c.blocked !== w.bs || w.c.closing) continue; // timed out, unblocked or gone
    const n = st.countAcks(w.offset);
    if (n < w.numreplicas) {
      keep.push(w);
      continue;
    }
    unblock(s, w.c);
    w.c.int(n);
    s.resumeClient(w.c);
  }
  e.waiters = keep;
}

/** Replica-side clients blocked in WAIT are failed when we become a replica. */
export function blockedWaiters(st: Replication): Client[] {
  return ex(st).waiters.filter((w) => w.c.blocked === w.bs).map((w) => w.c);
}

// ---------------------------------------------------------------------------------------------
// Before each batch of replies and the cron

/** beforeSleep: one GETACK for the clients that started a WAIT in this batch. */
export function beforeReplies(st: Replication): void {
  if (st.getAck) {
    st.getAck = false;
    if (st.replicas.length && st.server.masterHost === null) st.feedRaw('*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n');
  }
}

interface OutputLimit {
  hard: number;
  soft: number;
  softSecs: number;
}

/** client-output-buffer-limit's replica class (256mb 64mb 60 unless configured). */
function replicaLimit(st: Replication): OutputLimit {
  const v = st.server.config.values.get('client-output-buffer-limit');
  if (typeof v === 'string') {
    const w = v.split(/\s+/);
    for (let i = 0; i + 3 < w.length; i += 4) {
      if (w[i] === 'slave' || w[i] === 'replica') return { hard: Number(w[i + 1]), soft: Number(w[i + 2]), softSecs: Number(w[i + 3]) };
    }
  }
  return { hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, softSecs: 60 };
}

/** Every server cron tick: start pending syncs; once a second the rest of replicationCron. */
export function masterCron(st: Replication): void {
  const s = st.server;
  const e = ex(st);
  const now = Date.now();
  if (st.replicas.length) {
    startPendingSync(st, now);
    checkOutputLimits(st, now);
  }
  const sec = Math.floor(now / 1000);
  if (sec === e.lastSecond) return;
  e.lastSecond = sec;
  const loops = e.cronLoops++;
  if (st.replicas.length && s.masterHost === null && loops % s.config.num('repl-ping-replica-period') === 0) {
    st.feedRaw('*1\r\n$4\r\nPING\r\n');
  }
  const linkDown = s.masterHost !== null && !(st.link?.connected() ?? false);
  const timeout = s.config.num('repl-timeout') * 1000;
  for (const r of [...st.replicas]) {
    // Newlines keep replicas that wait for their RDB (and, while our own link is down, our
    // sub-replicas) from timing out; they do not count in the offset.
    const presync = r.state === RState.WaitBgsaveStart || (r.state === RState.WaitBgsaveEnd && !(e.job?.diskless ?? false));
    if (presync || (linkDown && r.streaming)) st.write(r, '\n');
    if (r.state === RState.Online && !r.preSync && now - r.ackTime > timeout) {
      s.log.warning(`Disconnecting timedout replica (streaming sync): ${r.name()}`);
      s.closeClient(r.c);
    }
  }
  // A master without replicas frees its backlog after repl-backlog-ttl (a new history then).
  const ttl = s.config.num('repl-backlog-ttl');
  if (st.replicas.length === 0 && ttl > 0 && st.backlog !== null && s.masterHost === null && now - st.noReplicasSince > ttl * 1000) {
    st.changeReplicationId();
    st.clearReplicationId2();
    st.freeBacklog();
    s.log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
  }
  st.refreshGoodReplicas();
}

/** shouldStartChildReplication: diskless syncs wait repl-diskless-sync-delay for more replicas. */
function startPendingSync(st: Replication, now: number): void {
  const s = st.server;
  if (ex(st).job !== null || s.snapshot !== null) return;
  let waiting = 0;
  let maxIdle = 0;
  for (const r of st.replicas) {
    if (r.state !== RState.WaitBgsaveStart) continue;
    waiting++;
    maxIdle = Math.max(maxIdle, now - r.since);
  }
  if (waiting === 0) return;
  const cfg = s.config;
  const maxReplicas = cfg.num('repl-diskless-sync-max-replicas');
  if (!cfg.bool('repl-diskless-sync') || (maxReplicas > 0 && waiting >= maxReplicas) || maxIdle >= cfg.num('repl-diskless-sync-delay') * 1000) {
    startSync(st);
  }
}

/** Replicas whose pending output passes the limits are dropped (Redis closes them ASAP). */
function checkOutputLimits(st: Replication, now: number): void {
  const lim = replicaLimit(st);
  if (lim.hard === 0 && lim.soft === 0) return;
  for (const r of [...st.replicas]) {
    // The RDB in flight does not count (Redis streams it outside the output buffer), held stream does.
    const used = (r.state === RState.Online ? (r.c.socket?.writableLength ?? 0) : 0) + r.heldBytes;
    let over = lim.hard > 0 && used >= lim.hard;
    if (!over && lim.soft > 0 && used >= lim.soft) {
      if (r.softLimitSince === 0) r.softLimitSince = now;
      else if (now - r.softLimitSince >= lim.softSecs * 1000) over = true;
    } else if (!over) r.softLimitSince = 0;
    if (over) {
      st.server.log.warning(`Client id=${r.c.id} addr=${r.c.addr} scheduled to be closed ASAP for overcoming of output buffer limits.`);
      st.server.closeClient(r.c);
    }
  }
}

/**
 * SHUTDOWN (without NOW) on a master: writes are paused and the online replicas get up to
 * shutdown-timeout seconds (10) to acknowledge everything, so none is left behind (Redis 7.0).
 */
export async function waitReplicasBeforeShutdown(st: Replication, now: boolean): Promise<boolean> {
  const s = st.server;
  const cfg = s.config.values.get('shutdown-timeout');
  const timeout = typeof cfg === 'number' ? cfg : 10;
  const online = st.replicas.filter((r) => r.streaming && !r.preSync);
  if (now || timeout <= 0 || s.masterHost !== null || online.length === 0) return true;
  s.log.notice('Waiting for replicas before shutting down.');
  s.setPause(timeout * 1000, false);
  st.flush();
  const target = st.masterReplOffset;
  st.feedRaw('*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n');
  st.flush();
  const deadline = Date.now() + timeout * 1000;
  const lagging = () => online.filter((r) => !r.c.closing && r.ackOff < target);
  while (Date.now() < deadline && lagging().length > 0) await new Promise((res) => setTimeout(res, 10));
  const late = lagging();
  for (const r of late) {
    s.log.warning(
      `Lagging replica ${r.name()} reported offset ${r.ackOff} behind master, lag=${Math.floor((Date.now() - r.ackTime) / 1000)}, state=${r.stateName}.`,
    );
  }
  s.log.notice(`${online.length - late.length} of ${online.length} replicas are in sync when shutting down.`);
  s.unpause();
  return true;
}

/** Used by REPLICAOF to wait for the snapshot of a sync we abandon. */
export function abortSync(st: Replication, why: string): void {
  const job = ex(st).job;
  if (job && !job.finished) job.snapshot.abort(why);
}
