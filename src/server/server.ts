// Why: the server's shared state behind one type: config, databases, clients, the command table,
// statistics, pub/sub, the propagation hook, and the connection loop (socket -> parser -> dispatch
// -> one write per batch). Dispatch rules live in dispatch.ts.
import net from 'node:net';
import { Config } from './config.js';
import { Db } from '../datatypes/db.js';
import { Client } from './client.js';
import { CommandTable, type Command } from './command-table.js';
import { ProtocolError, QueryBufferLimitError, RequestParser } from '../resp/request-parser.js';
import { Stats } from './stats.js';
import { GcAdapt } from './gc-adapt.js';
import { PubSub } from './pubsub.js';
import { processCommand } from './dispatch.js';
import { allCommands } from './commands.js';
import { Logger } from './log.js';
import { randomBytes } from 'node:crypto';

export const EDDY_VERSION = '0.1.0';
export const REDIS_VERSION = '7.0.15';

export type Propagator = (dbid: number, argv: string[]) => void;

export interface SlowlogEntry {
  id: number;
  time: number;
  usec: number;
  argv: string[];
  addr: string;
  name: string;
}

/** Placeholder for released propagation slots (no argv kept alive). */
const NO_ARGV: string[] = [];

export class Server {
  readonly config: Config;
  dbs: Db[];
  readonly clients = new Map<number, Client>();
  readonly commands: CommandTable;
  readonly stats = new Stats();
  readonly pubsub: PubSub;
  readonly log: Logger;
  readonly runId = randomBytes(20).toString('hex');
  /** number of changes since the last save (RDB) and the propagation trigger */
  dirty = 0;
  lastSave = Math.floor(Date.now() / 1000);
  pendingWrites: Client[] = [];
  private flushScheduled = false;
  inHandler = false;
  private nextClientId = 1;
  private listeners: net.Server[] = [];
  private cron: NodeJS.Timeout | null = null;
  private readonly gcAdapt = new GcAdapt();
  /** cached command time (Redis fixes the clock for the duration of one command/EXEC) */
  cmdTime = 0;
  /** the propagation hook: AOF, replication and friends subscribe here */
  readonly propagators: Propagator[] = [];
  /**
   * The propagators (also listed in `propagators`) that receive replica-only commands too: PUBLISH
   * reaches replicas but not the AOF (Redis's forceCommandPropagation(c, PROPAGATE_REPL)).
   */
  readonly replicaPropagators = new Set<Propagator>();
  /**
   * Commands propagated by the current top-level call (wrapped in MULTI/EXEC when > 1), in reused
   * parallel arrays: queueing one costs no allocation (it happens for every write once an AOF or a
   * replica is attached).
   */
  private propN = 0;
  private readonly propDb: number[] = [];
  private readonly propArgv: string[][] = [];
  private readonly propReplicasOnly: boolean[] = [];
  /** replication: the master this server replicates ("host port" via REPLICAOF), null on a master */
  masterHost: string | null = null;
  /**
   * true while commands of the master's replication stream execute: a key that looks expired to
   * the replica still exists for them (the master's DEL decides, Redis's expireIfNeeded).
   */
  applyingMasterStream = false;
  /** called when a client disconnects (blocking commands, etc. register cleanup here) */
  readonly onClientClose: ((c: Client) => void)[] = [];
  /** called on every cron tick */
  readonly cronHooks: (() => void)[] = [];
  /**
   * Run before any reply of a batch is written to a socket (Redis's beforeSleep): the AOF writes
   * (and with appendfsync always, fsyncs) what the batch propagated before clients see replies.
   */
  readonly beforeReplyHooks: (() => void)[] = [];
  /** CLIENT PAUSE state */
  pause: { until: number; all: boolean } | null = null;
  pausedClients = new Set<Client>();
  private pauseTimer: NodeJS.Timeout | null = null;
  slowlog: SlowlogEntry[] = [];
  slowlogNextId = 0;
  latencyEvents = new Map<string, { latest: number; max: number; samples: [number, number][] }>();
  monitors = new Set<Client>();
  shuttingDown = false;
  activeExpireEnabled = true;
  readonly startTime = Date.now();
  loading = false;
  /**
   * The running point-in-time snapshot, if any: preserve(db, key) must be called before a key is
   * modified or deleted (dispatch does it for every write command's key arguments; deletions that
   * are not commands — expiry — call it too).
   */
  snapshot: { preserve(db: Db, key: string): void; preserveDb(db: Db): void } | null = null;
  /** true while executing the commands of an EXEC */
  inExec = false;
  /**
   * Admission checks dispatch runs on every command before it executes or is queued (persistence's
   * MISCONF after a failed BGSAVE...): a returned error text rejects the command.
   */
  readonly commandChecks: ((c: Client, cmd: Command) => string | null)[] = [];

  constructor(config: Config, log?: Logger) {
    this.config = config;
    this.log = log ?? new Logger(config);
    this.dbs = [];
    for (let i = 0; i < config.num('databases'); i++) this.dbs.push(new Db(i, this));
    this.commands = new CommandTable(allCommands());
    this.pubsub = new PubSub(this);
    this.pubsub.notifyFlags = config.str('notify-keyspace-events');
  }

  now(): number {
    return this.cmdTime || Date.now();
  }

  isReplica(): boolean {
    return this.masterHost !== null;
  }

  notify(type: string, event: string, key: string, dbid: number): void {
    if (this.pubsub.notifyFlags !== '') this.pubsub.notify(type, event, key, dbid);
  }

  /** Queue a command for propagation (AOF / replicas) as part of the current execution unit. */
  propagateInternal(dbid: number, argv: string[]): void {
    if (this.propagators.length === 0) return;
    this.queuePropagation(dbid, argv, false);
    if (this.cmdTime === 0) this.flushPropagation(); // outside a command (active expire, cron)
  }

  /** Queue a command for the replicas only (PUBLISH), as part of the current execution unit. */
  propagateToReplicas(dbid: number, argv: string[]): void {
    if (this.replicaPropagators.size === 0) return;
    this.queuePropagation(dbid, argv, true);
    if (this.cmdTime === 0) this.flushPropagation();
  }

  /** Add to the current execution unit (dispatch's call() does this for a write that changed data). */
  queuePropagation(dbid: number, argv: string[], replicasOnly: boolean): void {
    const i = this.propN++;
    this.propDb[i] = dbid;
    this.propArgv[i] = argv;
    this.propReplicasOnly[i] = replicasOnly;
  }

  /** Drop the current execution unit's commands (AOF loading never propagates). */
  discardPropagation(): void {
    for (let i = 0; i < this.propN; i++) this.propArgv[i] = NO_ARGV;
    this.propN = 0;
  }

  /** Emit what the last execution unit propagated, wrapped in MULTI/EXEC when it is several ops. */
  flushPropagation(): void {
    const n = this.propN;
    if (n === 0) return;
    this.propN = 0;
    const ps = this.propagators;
    if (n === 1) {
      const db = this.propDb[0];
      const argv = this.propArgv[0];
      const replicasOnly = this.propReplicasOnly[0];
      this.propArgv[0] = NO_ARGV;
      for (let j = 0; j < ps.length; j++) if (!replicasOnly || this.replicaPropagators.has(ps[j])) ps[j](db, argv);
      return;
    }
    // Several: copied out first, so a propagator that queues more cannot overwrite them.
    const dbs = this.propDb.slice(0, n);
    const argvs = this.propArgv.slice(0, n);
    const replOnly = this.propReplicasOnly.slice(0, n);
    for (let i = 0; i < n; i++) this.propArgv[i] = NO_ARGV;
    for (const p of ps) p(dbs[0], ['MULTI']);
    for (let i = 0; i < n; i++) {
      for (const p of ps) if (!replOnly[i] || this.replicaPropagators.has(p)) p(dbs[i], argvs[i]);
    }
    for (const p of ps) p(dbs[n - 1], ['EXEC']);
  }

  scheduleFlush(): void {
    if (this.flushScheduled || this.inHandler) return;
    this.flushScheduled = true;
    setImmediate(this.deferredFlush);
  }

  private readonly deferredFlush = (): void => {
    this.flushScheduled = false;
    this.flushAll();
  };

  flushAll(): void {
    for (let i = 0; i < this.beforeReplyHooks.length; i++) this.beforeReplyHooks[i]();
    const list = this.pendingWrites;
    if (list.length === 0) return;
    this.pendingWrites = [];
    for (const c of list) this.writeClient(c);
  }

  private writeClient(c: Client): void {
    c.pendingWrite = false;
    const out = c.out;
    if (out.length === 0) {
      if (c.closeAfterReply) this.closeClient(c);
      return;
    }
    c.out = '';
    c.totNetOut += out.length;
    this.stats.netOutput += out.length;
    const sock = c.socket;
    if (!sock || sock.destroyed) return;
    const ok = sock.write(out, 'latin1');
    if (c.closeAfterReply) {
      this.closeClient(c, true);
    } else if (!ok) {
      // Backpressure: stop reading this client until its replies drain.
      sock.pause();
      sock.once('drain', () => {
        if (!c.closing && !c.blocked) sock.resume();
      });
    }
  }

  createClient(socket: net.Socket | null): Client {
    const c = new Client(this, socket, this.nextClientId++);
    this.clients.set(c.id, c);
    return c;
  }

  /** Close a client: flush=true lets queued replies reach it first (QUIT, protocol errors). */
  closeClient(c: Client, flush = false): void {
    if (c.closing) return;
    if (flush && c.out.length && c.socket && !c.socket.destroyed) {
      for (let i = 0; i < this.beforeReplyHooks.length; i++) this.beforeReplyHooks[i]();
      c.socket.write(c.out, 'latin1');
      c.out = '';
    }
    c.closing = true;
    this.clients.delete(c.id);
    this.pubsub.removeClient(c);
    unwatchAll(c);
    this.monitors.delete(c);
    this.pausedClients.delete(c);
    for (const h of this.onClientClose) h(c);
    if (c.socket) {
      if (flush) c.socket.end();
      else c.socket.destroy();
    }
  }

  private handleConnection(socket: net.Socket): void {
    this.stats.totalConnections++;
    if (this.clients.size >= this.config.num('maxclients')) {
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    socket.setNoDelay(true);
    const ka = this.config.num('tcp-keepalive');
    if (ka > 0) socket.setKeepAlive(true, ka * 1000);
    const c = this.createClient(socket);
    const parser = new RequestParser(this.config.hot, () => !c.authenticated);
    (c as Client & { parser: RequestParser }).parser = parser;
    socket.on('data', (chunk: Buffer) => this.onData(c, parser, chunk));
    socket.on('error', () => this.closeClient(c));
    socket.on('close', () => this.closeClient(c));
  }

  private onData(c: Client, parser: RequestParser, chunk: Buffer): void {
    if (c.closing) return;
    c.totNetIn += chunk.length;
    this.stats.netInput += chunk.length;
    c.lastInteraction = Date.now();
    this.inHandler = true;
    let protoErr: Error | null = null;
    try {
      parser.feed(chunk, c.queue);
    } catch (e) {
      protoErr = e as Error;
    }
    this.processInput(c);
    if (protoErr) {
      if (protoErr instanceof QueryBufferLimitError) {
        this.log.warning(`Closing client that reached max query buffer length: ${c.addr}`);
        this.closeClient(c);
      } else if (protoErr instanceof ProtocolError) {
        c.err('ERR ' + protoErr.message);
        c.closeAfterReply = true;
      } else {
        this.closeClient(c);
      }
    }
    this.inHandler = false;
    // The replies of every client read in this event-loop turn leave together once the turn's
    // reads are done (after one AOF write and fsync when the AOF is on), as in Redis's beforeSleep:
    // less CPU per request than a write per read event (kernel wake-ups and Node's per-write ticks
    // are batched).
    this.scheduleFlush();
  }

  /** Run queued requests until the queue is empty or the client blocks (pause, blocking pops). */
  processInput(c: Client): void {
    const q = c.queue;
    while (c.qpos < q.length && !c.blocked && !c.closing && !c.closeAfterReply) {
      const argv = q[c.qpos++];
      processCommand(this, c, argv);
    }
    if (c.qpos >= q.length) {
      q.length = 0;
      c.qpos = 0;
    }
  }

  /** Resume a client that was blocked or paused (callers outside a socket handler). */
  resumeClient(c: Client): void {
    c.blocked = null;
    if (c.socket && c.socket.isPaused() && !c.closing) c.socket.resume();
    const was = this.inHandler;
    this.inHandler = true;
    this.processInput(c);
    this.inHandler = was;
    if (!was) this.flushAll();
  }

  setPause(ms: number, all: boolean): void {
    const until = Date.now() + ms;
    // A new pause never shortens or weakens an existing one (as in Redis).
    if (this.pause) {
      this.pause = { until: Math.max(until, this.pause.until), all: all || this.pause.all };
    } else {
      this.pause = { until, all };
    }
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => this.unpause(), Math.max(0, this.pause.until - Date.now()));
  }

  unpause(): void {
    this.pause = null;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    const list = [...this.pausedClients];
    this.pausedClients.clear();
    for (const c of list) this.resumeClient(c);
  }

  async listen(): Promise<number> {
    const port = this.config.port;
    const binds = this.config.str('bind').split(/\s+/).filter(Boolean);
    const addrs: string[] = [];
    for (const b of binds) {
      const optional = b.startsWith('-');
      const host = optional ? b.slice(1) : b;
      if (host === '*') addrs.push('0.0.0.0');
      else if (host === '::*') addrs.push('::');
      else addrs.push(host);
      void optional;
    }
    // '* -::*' (Redis's default) listens on every IPv4 and IPv6 address: one dual-stack socket.
    const targets = addrs.includes('0.0.0.0') && addrs.includes('::') ? ['::'] : addrs;
    let actualPort = port;
    for (const host of targets) {
      const srv = net.createServer({ noDelay: true }, (s) => this.handleConnection(s));
      await new Promise<void>((resolve, reject) => {
        srv.once('error', (e: NodeJS.ErrnoException) => {
          if (host === '::' && (e.code === 'EAFNOSUPPORT' || e.code === 'EADDRNOTAVAIL')) {
            srv.listen({ port: actualPort, host: '0.0.0.0', backlog: this.config.num('tcp-backlog') }, () => resolve());
          } else reject(e);
        });
        srv.listen({ port: actualPort, host, backlog: this.config.num('tcp-backlog') }, () => resolve());
      });
      const a = srv.address();
      if (a && typeof a === 'object') actualPort = a.port;
      this.listeners.push(srv);
    }
    this.config.values.set('port', actualPort);
    this.startCron();
    return actualPort;
  }

  startCron(): void {
    if (this.cron) clearInterval(this.cron);
    const hz = this.config.num('hz');
    this.cron = setInterval(() => this.serverCron(), Math.max(1, Math.floor(1000 / hz)));
    this.cron.unref?.();
  }

  /** serverCron: active expiry, client timeouts, stats sampling, module hooks. */
  private serverCron(): void {
    this.stats.sample();
    // Replicas never expire keys actively: they wait for the master's DEL.
    if (this.activeExpireEnabled && !this.isReplica()) this.activeExpireCycle();
    const timeout = this.config.num('timeout');
    if (timeout > 0) {
      const now = Date.now();
      for (const c of this.clients.values()) {
        if (c.subscriptionCount > 0 || c.blocked || c.monitor || c.replRole !== '') continue;
        if (now - c.lastInteraction > timeout * 1000) this.closeClient(c);
      }
    }
    for (const h of this.cronHooks) h();
    this.gcAdapt.tick(this.stats.totalCommands, this.stats.netInput, Date.now());
    this.flushAll();
  }

  /**
   * Redis's slow active expire cycle: each tick, for each DB, look at keys with a TTL in slices of
   * 20 (scaled by active-expire-effort) and keep going while more than 10% of a slice was expired,
   * within a time budget of 25% of the tick.
   */
  activeExpireCycle(): void {
    const effort = this.config.num('active-expire-effort') - 1;
    const perLoop = 20 + 5 * effort;
    const acceptableStale = 10 - effort;
    const hz = this.config.num('hz');
    const budgetMs = ((25 + 2 * effort) * 1000) / hz / 100;
    const start = performance.now();
    const now = Date.now();
    let totalChecked = 0;
    let totalExpired = 0;
    for (const db of this.dbs) {
      if (db.expires.size === 0) continue;
      for (;;) {
        const [checked, expired] = db.activeExpireSlice(perLoop, now);
        totalChecked += checked;
        totalExpired += expired;
        if (checked === 0) break;
        if (performance.now() - start > budgetMs) {
          this.stats.expiredTimeCapReached++;
          break;
        }
        if ((expired * 100) / checked <= acceptableStale) break;
      }
    }
    if (totalChecked > 0) {
      const perc = totalExpired / totalChecked;
      this.stats.expiredStalePerc = perc * 0.05 + this.stats.expiredStalePerc * 0.95;
    }
    this.flushPropagation();
  }

  addSlowlog(c: Client, argv: string[], usec: number): void {
    const maxLen = this.config.num('slowlog-max-len');
    // Redis keeps at most 32 args and 128 bytes per arg.
    let args = argv.slice(0, 32);
    if (argv.length > 32) args = [...argv.slice(0, 31), `... (${argv.length - 31} more arguments)`];
    args = args.map((a) => (a.length > 128 ? a.slice(0, 128) + `... (${a.length - 128} more bytes)` : a));
    this.slowlog.unshift({ id: this.slowlogNextId++, time: Math.floor(Date.now() / 1000), usec, argv: args, addr: c.addr, name: c.name });
    if (this.slowlog.length > maxLen) this.slowlog.length = maxLen;
  }

  latencyAdd(event: string, ms: number): void {
    const threshold = this.config.num('latency-monitor-threshold');
    if (threshold === 0 || ms < threshold) return;
    const now = Math.floor(Date.now() / 1000);
    let e = this.latencyEvents.get(event);
    if (!e) this.latencyEvents.set(event, (e = { latest: now, max: 0, samples: [] }));
    e.latest = now;
    e.max = Math.max(e.max, ms);
    // Redis keeps one sample per second (the worst one) in a ring of 160.
    const last = e.samples[e.samples.length - 1];
    if (last && last[0] === now) {
      if (ms > last[1]) last[1] = ms;
      return;
    }
    e.samples.push([now, ms]);
    if (e.samples.length > 160) e.samples.shift();
  }

  /** process exit (set by main.ts; tests embedding a Server leave it unset) */
  onExit: ((code: number) => void) | null = null;
  /** run before exiting (persistence saves here); a hook returning false aborts the shutdown */
  readonly shutdownHooks: ((opts: { save: boolean | null; now?: boolean }) => Promise<boolean>)[] = [];

  /** SHUTDOWN / SIGTERM: save if asked (or configured), close everything, exit. */
  async shutdown(opts: { save: boolean | null; force?: boolean; now?: boolean }): Promise<boolean> {
    if (this.shuttingDown) return true;
    this.shuttingDown = true;
    this.log.warning('User requested shutdown...');
    for (const h of this.shutdownHooks) {
      const ok = await h(opts);
      if (!ok && !opts.force) {
        this.shuttingDown = false;
        this.log.warning('Errors trying to shut down the server. Check the logs for more information.');
        return false;
      }
    }
    await this.close();
    if (this.onExit) this.onExit(0);
    return true;
  }

  async close(): Promise<void> {
    if (this.cron) clearInterval(this.cron);
    this.gcAdapt.stop();
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    for (const c of [...this.clients.values()]) this.closeClient(c);
    await Promise.all(this.listeners.map((l) => new Promise((r) => l.close(() => r(undefined)))));
    this.listeners = [];
  }

  /**
   * Listen again after CONFIG SET port/bind. closeFirst releases the current addresses before
   * binding (bind changes on the same port); otherwise the old listeners close only on success.
   */
  async relisten(closeFirst = false): Promise<void> {
    const old = this.listeners;
    this.listeners = [];
    if (closeFirst) for (const l of old) l.close();
    try {
      await this.listen();
    } catch (e) {
      for (const l of this.listeners) l.close();
      this.listeners = closeFirst ? [] : old;
      throw e;
    }
    if (!closeFirst) for (const l of old) l.close();
  }
}

/** UNWATCH: drop every watched key of a client. */
export function unwatchAll(c: Client): void {
  for (const w of c.watched) {
    const set = w.db.watched.get(w.key);
    if (set) {
      set.delete(c);
      if (set.size === 0) w.db.watched.delete(w.key);
    }
  }
  c.watched = [];
  c.dirtyCAS = false;
}
