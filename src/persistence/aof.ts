// Why: the append-only file of one server, as Redis 7.0 runs it: every propagated write is
// serialized (SELECT when the DB changes) into a buffer that is written before the replies of the
// batch leave (appendfsync always also fsyncs then; everysec fsyncs in the background once a
// second; no leaves it to the OS); the multi-part directory (base + incr files + manifest) is kept
// up to date through rewrites, which start a new incr file at once and build the new base from a
// point-in-time view of the dataset, with no rewrite buffer.
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from '../server/server.js';
import { unwatchAll } from '../server/server.js';
import type { Client } from '../server/client.js';
import type { Command } from '../server/command-table.js';
import { AofManifest, ManifestError, errText, manifestName, writeManifestFile } from './aof-manifest.js';
import { AofLoad, aofFileSize, loadAppendOnlyFiles } from './aof-loader.js';
import { commandSnapshot } from './aof-rewrite.js';
import { resetStats } from '../server/config-cmd.js';

export const enum AofState {
  Off,
  On,
  /** enabled at runtime: writes are collected only while the first rewrite runs */
  WaitRewrite,
}

/**
 * How a rewrite produces the new base file at `file`. `done(ok)` is called when it is complete
 * (possibly later: a sliced point-in-time snapshot). The RDB side registers an RDB producer.
 */
export type BaseProducer = (server: Server, file: string, done: (ok: boolean) => void) => { cancel(): void };

let rdbBaseProducer: BaseProducer | null = null;
/** Register the RDB-preamble base writer (aof-use-rdb-preamble yes). */
export function setRdbBaseProducer(p: BaseProducer): void {
  rdbBaseProducer = p;
}
/** Whether bases can be RDB files (otherwise a rewrite writes commands whatever the preamble says). */
export function rdbBaseAvailable(): boolean {
  return rdbBaseProducer !== null;
}

/**
 * Commands base (aof-use-rdb-preamble no): a point-in-time Snapshot walked in slices in the
 * background (synchronously when the dataset is empty), written as commands.
 */
const commandBaseProducer: BaseProducer = (server, file, done) => {
  let fd: number;
  try {
    fd = fs.openSync(file, 'w', 0o644);
  } catch (e) {
    server.log.warning(`Opening the temp file for AOF rewrite: ${errText(e)}`);
    setImmediate(() => done(false));
    return { cancel: () => undefined };
  }
  let cancelled = false;
  const finish = (err: unknown) => {
    if (err) server.log.warning(`Write error writing append only file on disk: ${errText(err)}`);
    fs.close(fd, () => {
      if (!cancelled) done(!err);
    });
  };
  const snap = commandSnapshot(server, fd);
  if (snap.keysTotal === 0) {
    try {
      snap.runSync();
    } catch (e) {
      setImmediate(() => finish(e));
      return { cancel: () => (cancelled = true) };
    }
    setImmediate(() => fs.fsync(fd, finish));
    return { cancel: () => (cancelled = true) };
  }
  try {
    snap.start();
  } catch (e) {
    setImmediate(() => finish(e));
    return { cancel: () => (cancelled = true) };
  }
  snap.finished.then(
    () => fs.fsync(fd, finish),
    (e) => finish(e),
  );
  return {
    cancel: () => {
      cancelled = true;
      snap.abort('AOF rewrite cancelled');
    },
  };
};

/** Write the dataset as commands into `file` now (fsynced): the start-up base. */
function writeCommandsFile(server: Server, file: string): void {
  const fd = fs.openSync(file, 'w', 0o644);
  try {
    commandSnapshot(server, fd).runSync();
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function unixtime(): number {
  return Math.floor(Date.now() / 1000);
}

interface RewriteJob {
  tmpName: string;
  tmpFile: string;
  rdb: boolean;
  handle: { cancel(): void } | null;
}

const aofs = new WeakMap<Server, Aof>();

/** The AOF of a server (created on first use; its hooks are registered once). */
export function aofOf(server: Server): Aof {
  let a = aofs.get(server);
  if (!a) {
    a = new Aof(server);
    aofs.set(server, a);
  }
  return a;
}

export class Aof {
  state = AofState.Off;
  manifest = new AofManifest();
  fd = -1;
  /** RESP not yet written (server.aof_buf) */
  buf = '';
  selectedDb = -1;
  currentSize = 0;
  rewriteBaseSize = 0;
  lastIncrSize = 0;
  fsyncOffset = 0;
  lastFsync = unixtime();
  flushPostponedStart = 0;
  delayedFsync = 0;
  lastWriteStatus: 'ok' | 'err' = 'ok';
  lastWriteError = '';
  /** a background fsync failed (Redis's aof_bio_fsync_status), cleared by the next good one */
  fsyncError: string | null = null;
  lastBgrewriteStatus: 'ok' | 'err' = 'ok';
  rewrites = 0;
  consecutiveFailures = 0;
  rewriteScheduled = false;
  rewriteTimeStart = -1;
  rewriteTimeLast = -1;
  job: RewriteJob | null = null;
  private pendingFsync = new Map<number, number>();
  private closeAfterFsync = new Set<number>();
  private propagating = false;
  private lastErrorLog = 0;
  private nextRewriteTime = 0;
  private nextDelayMinutes = 0;
  private readonly feeder = (dbid: number, argv: string[]) => this.feed(dbid, argv);
  private readonly beforeReply = () => this.flush(false);

  constructor(readonly server: Server) {
    server.cronHooks.push(() => this.cron());
    server.shutdownHooks.push(async (opts) => this.prepareForShutdown((opts as { force?: boolean }).force === true));
    server.commandChecks.push((c, cmd) => this.denyWrites(c, cmd));
  }

  /** writeCommandsDeniedByDiskError (AOF part): after a failed write or fsync, refuse writes. */
  private denyWrites(c: Client, cmd: Command): string | null {
    if (this.state === AofState.Off || (this.lastWriteStatus === 'ok' && this.fsyncError === null)) return null;
    if (c.replRole === 'master') return null; // the master's stream is obeyed (Redis logs instead)
    const msg = `MISCONF Errors writing to the AOF file: ${this.lastWriteStatus === 'err' ? this.lastWriteError : this.fsyncError}`;
    if (cmd.internal.has('runs-queued') && c.multi !== null) {
      if (!c.multi.some(([q]) => q.write)) return null;
      // EXEC of a transaction with writes is rejected and the transaction discarded.
      c.multi = null;
      c.multiDirty = false;
      unwatchAll(c);
      return 'EXECABORT Transaction discarded because of: ' + msg;
    }
    return cmd.write || cmd.fullName === 'ping' ? msg : null;
  }

  get dirname(): string {
    return this.server.config.str('appenddirname');
  }
  /** A path under `dir` (the server's working directory; in-process servers may point it elsewhere). */
  private inDir(...parts: string[]): string {
    return path.join(this.server.config.str('dir'), ...parts);
  }
  get dirPath(): string {
    return this.inDir(this.dirname);
  }
  get filename(): string {
    return this.server.config.str('appendfilename');
  }
  private get fsyncPolicy(): string {
    return this.server.config.str('appendfsync');
  }
  get rewriteInProgress(): boolean {
    return this.job !== null;
  }

  /** Another point-in-time job (BGSAVE) owns the snapshot: Redis's hasActiveChildProcess(). */
  private otherJobActive(): boolean {
    return this.server.snapshot !== null && this.job === null;
  }

  /** Feed propagated writes to the AOF and write them before replies, only while it is on. */
  private setPropagation(on: boolean): void {
    if (on === this.propagating) return;
    this.propagating = on;
    const { propagators, beforeReplyHooks } = this.server;
    if (on) {
      propagators.push(this.feeder);
      beforeReplyHooks.push(this.beforeReply);
    } else {
      propagators.splice(propagators.indexOf(this.feeder), 1);
      beforeReplyHooks.splice(beforeReplyHooks.indexOf(this.beforeReply), 1);
    }
  }

  /** feedAppendOnlyFile: SELECT when the DB changes, then the command as RESP. */
  private feed(dbid: number, argv: string[]): void {
    // Enabled at runtime, writes are kept only once the first rewrite runs (its snapshot has the rest).
    if (this.state === AofState.WaitRewrite && this.job === null) return;
    let s = this.buf;
    if (this.server.config.bool('aof-timestamp-enabled')) {
      const now = unixtime();
      if (now > this.lastTimestamp) {
        this.lastTimestamp = now;
        s += `#TS:${now}\r\n`;
      }
    }
    if (dbid !== this.selectedDb) {
      const d = String(dbid);
      s += '*2\r\n$6\r\nSELECT\r\n$' + d.length + '\r\n' + d + '\r\n';
      this.selectedDb = dbid;
    }
    s += '*' + argv.length + '\r\n';
    for (let i = 0; i < argv.length; i++) s += '$' + argv[i].length + '\r\n' + argv[i] + '\r\n';
    this.buf = s;
  }
  private lastTimestamp = 0;

  private fsyncInProgress(): boolean {
    return this.pendingFsync.has(this.fd);
  }

  /** Background fsync (Redis's bio thread: libuv's pool), optionally closing the fd afterwards. */
  private bgFsync(fd: number, close = false): void {
    this.pendingFsync.set(fd, (this.pendingFsync.get(fd) ?? 0) + 1);
    if (close) this.closeAfterFsync.add(fd);
    fs.fdatasync(fd, (err) => {
      const n = this.pendingFsync.get(fd)! - 1;
      if (n > 0) this.pendingFsync.set(fd, n);
      else {
        this.pendingFsync.delete(fd);
        if (this.closeAfterFsync.delete(fd)) fs.close(fd, () => undefined);
      }
      if (err) {
        this.server.log.warning(`Fail to fsync the AOF file: ${errText(err)}`);
        this.fsyncError = errText(err);
      } else if (this.fsyncError !== null && fd === this.fd) {
        this.server.log.warning('AOF background fsync error looks solved, Redis can write again.');
        this.fsyncError = null;
      }
    });
  }

  /**
   * flushAppendOnlyFile: write the buffer (before the batch's replies go out) and fsync as the
   * policy says. `force` writes even while a background fsync is still running.
   */
  flush(force: boolean): void {
    if (this.fd === -1) return;
    const policy = this.fsyncPolicy;
    let syncInProgress = false;
    if (this.buf.length === 0) {
      // everysec: make sure data written in the last second reaches the disk even with no new writes.
      if (policy === 'everysec' && this.fsyncOffset !== this.currentSize && unixtime() > this.lastFsync && !this.fsyncInProgress()) {
        this.trySync(policy, false);
      }
      return;
    }
    if (policy === 'everysec') syncInProgress = this.fsyncInProgress();
    if (policy === 'everysec' && !force && syncInProgress) {
      const now = unixtime();
      if (this.flushPostponedStart === 0) {
        this.flushPostponedStart = now;
        return;
      } else if (now - this.flushPostponedStart < 2) {
        return;
      }
      this.delayedFsync++;
      this.server.log.notice(
        'Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.',
      );
    }
    const data = Buffer.from(this.buf, 'latin1');
    let written = 0;
    const t0 = performance.now();
    try {
      while (written < data.length) written += fs.writeSync(this.fd, data, written);
    } catch (e) {
      this.writeFailed(e, written, data.length, policy);
      return;
    }
    const ms = performance.now() - t0;
    if (ms >= 1) this.server.latencyAdd('aof-write', Math.round(ms));
    this.flushPostponedStart = 0;
    if (this.lastWriteStatus === 'err') {
      this.server.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteStatus = 'ok';
    }
    this.currentSize += written;
    this.lastIncrSize += written;
    this.buf = '';
    this.trySync(policy, syncInProgress);
  }

  private writeFailed(e: unknown, written: number, expected: number, policy: string): void {
    const now = unixtime();
    const canLog = now - this.lastErrorLog > 30;
    if (canLog) this.lastErrorLog = now;
    if (written === 0) {
      if (canLog) this.server.log.warning(`Error writing to the AOF file: ${errText(e)}`);
      this.lastWriteError = errText(e);
    } else {
      if (canLog) this.server.log.warning(`Short write while writing to the AOF file: (nwritten=${written}, expected=${expected})`);
      try {
        fs.ftruncateSync(this.fd, this.lastIncrSize);
        written = 0;
      } catch (te) {
        if (canLog) {
          this.server.log.warning(
            `Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: ${errText(te)}`,
          );
        }
      }
      this.lastWriteError = 'No space left on device';
    }
    if (policy === 'always') {
      this.server.log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
      process.exit(1);
    }
    this.lastWriteStatus = 'err';
    if (written > 0) {
      this.currentSize += written;
      this.lastIncrSize += written;
      this.buf = this.buf.slice(written);
    }
  }

  private trySync(policy: string, syncInProgress: boolean): void {
    if (this.server.config.bool('no-appendfsync-on-rewrite') && (this.job !== null || this.server.snapshot !== null)) return;
    if (policy === 'always') {
      const t0 = performance.now();
      try {
        fs.fdatasyncSync(this.fd);
      } catch (e) {
        this.server.log.warning(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${errText(e)}. Exiting...`);
        process.exit(1);
      }
      const ms = performance.now() - t0;
      if (ms >= 1) this.server.latencyAdd('aof-fsync-always', Math.round(ms));
      this.fsyncOffset = this.currentSize;
      this.lastFsync = unixtime();
    } else if (policy === 'everysec') {
      const now = unixtime();
      if (now > this.lastFsync) {
        if (!syncInProgress) {
          this.bgFsync(this.fd);
          this.fsyncOffset = this.currentSize;
        }
        this.lastFsync = now;
      }
    }
  }

  private cron(): void {
    if (this.state !== AofState.Off && this.flushPostponedStart) this.flush(false);
    if (this.state === AofState.On && this.lastWriteStatus === 'err') this.flush(false);
    // A scheduled rewrite (BGREWRITEAOF during another job or inside EXEC, or enabling the AOF).
    if (this.job === null && !this.otherJobActive() && this.rewriteScheduled && !this.rewriteLimited()) {
      this.rewriteBackground();
    }
    // auto-aof-rewrite-percentage / auto-aof-rewrite-min-size
    const perc = this.server.config.num('auto-aof-rewrite-percentage');
    if (
      this.state === AofState.On &&
      this.job === null &&
      !this.otherJobActive() &&
      perc > 0 &&
      this.currentSize > this.server.config.num('auto-aof-rewrite-min-size')
    ) {
      const base = this.rewriteBaseSize || 1;
      const growth = Math.floor((this.currentSize * 100) / base) - 100;
      if (growth >= perc && !this.rewriteLimited()) {
        this.server.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
        this.rewriteBackground();
      }
    }
  }

  /** aofRewriteLimited: after 3 consecutive failures, automatic rewrites back off 1, 2, 4 ... 60 minutes. */
  private rewriteLimited(): boolean {
    if (this.consecutiveFailures < 3) {
      this.nextDelayMinutes = 0;
      this.nextRewriteTime = 0;
      return false;
    }
    const now = unixtime();
    if (this.nextRewriteTime !== 0) {
      if (now < this.nextRewriteTime) return true;
      this.nextRewriteTime = 0;
      return false;
    }
    this.nextDelayMinutes = Math.min(60, this.nextDelayMinutes === 0 ? 1 : this.nextDelayMinutes * 2);
    this.nextRewriteTime = now + this.nextDelayMinutes * 60;
    this.server.log.warning(
      `Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.nextDelayMinutes} minutes`,
    );
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Manifest and files

  private persist(am: AofManifest): boolean {
    if (!am.dirty) return true;
    try {
      writeManifestFile(this.dirPath, this.filename, am.format());
    } catch (e) {
      this.server.log.warning((e as Error).message);
      return false;
    }
    am.dirty = false;
    return true;
  }

  private ensureDir(): boolean {
    try {
      fs.mkdirSync(this.dirPath, { recursive: true });
      return true;
    } catch (e) {
      this.server.log.warning(`Can't open or create append-only dir ${this.dirname}: ${errText(e)}`);
      return false;
    }
  }

  /** aofLoadManifestFromDisk: a missing directory or manifest is an empty manifest. */
  loadManifestFromDisk(): void {
    this.manifest = new AofManifest();
    const file = path.join(this.dirPath, manifestName(this.filename));
    if (!fs.existsSync(this.dirPath) || !fs.existsSync(file)) return;
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch (e) {
      throw new ManifestError(`Fatal error: can't open the AOF manifest file ${file} for reading: ${errText(e)}`);
    }
    this.manifest = AofManifest.parse(text);
  }

  /** aofUpgradePrepare: move a legacy appendonly.aof into the directory as the base file. */
  private upgradeLegacy(): void {
    if (!this.ensureDir()) throw new Error('cannot create the AOF directory');
    const am = this.manifest;
    am.base = { name: this.filename, seq: 1, type: 'b' };
    am.baseSeq = 1;
    am.dirty = true;
    if (!this.persist(am)) throw new Error('cannot write the AOF manifest');
    try {
      fs.renameSync(this.inDir(this.filename), path.join(this.dirPath, this.filename));
    } catch (e) {
      this.server.log.warning(`Error trying to move the old AOF file ${this.filename} into dir ${this.dirname}: ${errText(e)}`);
      throw e;
    }
    this.server.log.notice(`Successfully migrated an old-style AOF file (${this.filename}) into the AOF directory (${this.dirname}).`);
  }

  /**
   * Start-up with appendonly yes: load the AOF (upgrading a legacy file first), then open the last
   * incr file (creating a base when the dataset starts empty). Returns false when the server must
   * not start; the reason is logged.
   */
  loadOnStart(): boolean {
    const log = this.server.log;
    this.state = AofState.On;
    const am = this.manifest;
    const legacy = fs.existsSync(this.inDir(this.filename)) && fs.statSync(this.inDir(this.filename)).isFile();
    if (
      legacy &&
      (!fs.existsSync(this.dirPath) ||
        am.empty ||
        (am.base !== null && am.incr.length === 0 && am.base.name === this.filename && !fs.existsSync(path.join(this.dirPath, this.filename))))
    ) {
      try {
        this.upgradeLegacy();
      } catch {
        return false;
      }
    }
    const t0 = performance.now();
    const res = loadAppendOnlyFiles({ server: this.server, dirname: this.dirPath, filename: this.filename }, am);
    if (res.status === AofLoad.Failed || res.status === AofLoad.OpenErr) return false;
    if (res.status !== AofLoad.NotExist) {
      log.notice(`DB loaded from append only file: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
    }
    this.currentSize = res.totalSize;
    this.rewriteBaseSize = res.baseSize;
    this.fsyncOffset = this.currentSize;
    // Loading replays commands through call(): not client traffic, so no statistics (as Redis).
    resetStats(this.server);
    this.server.slowlog = [];
    this.server.latencyEvents.clear();
    return this.openOnServerStart();
  }

  /**
   * DEBUG LOADAOF: write what is buffered, empty the dataset, load the AOF again from the manifest
   * on disk (history files removed first). Returns the load status.
   */
  reloadForDebug(): AofLoad {
    if (this.state !== AofState.Off) this.flush(true);
    for (const db of this.server.dbs) db.clear();
    this.loadManifestFromDisk();
    this.deleteHistoryFiles();
    const res = loadAppendOnlyFiles({ server: this.server, dirname: this.dirPath, filename: this.filename }, this.manifest);
    if (res.status === AofLoad.Ok || res.status === AofLoad.Truncated) {
      this.currentSize = res.totalSize;
      this.rewriteBaseSize = res.baseSize;
    }
    return res.status;
  }

  /** aofOpenIfNeededOnServerStart */
  private openOnServerStart(): boolean {
    const log = this.server.log;
    if (!this.ensureDir()) return false;
    const am = this.manifest;
    const hadIncr = am.incr.length > 0;
    if (am.base === null && !hadIncr) {
      const rdb = this.useRdbBase();
      const baseName = am.newBaseName(this.filename, rdb);
      if (!this.rewriteSync(path.join(this.dirPath, baseName), rdb)) return false;
      log.notice(`Creating AOF base file ${baseName} on server start`);
    }
    const name = am.lastIncrName(this.filename);
    try {
      this.fd = fs.openSync(path.join(this.dirPath, name), 'a', 0o644);
    } catch (e) {
      log.warning(`Can't open the append-only file ${name}: ${errText(e)}`);
      return false;
    }
    if (!this.persist(am)) return false;
    this.lastIncrSize = fs.fstatSync(this.fd).size;
    log.notice(`${hadIncr ? 'Opening' : 'Creating'} AOF incr file ${name} on server start`);
    this.setPropagation(true);
    return true;
  }

  private useRdbBase(): boolean {
    return this.server.config.bool('aof-use-rdb-preamble') && rdbBaseProducer !== null;
  }

  /** rewriteAppendOnlyFile: the dataset into `target` now, through a temp file and a rename. */
  private rewriteSync(target: string, rdb: boolean): boolean {
    const tmp = this.inDir(`temp-rewriteaof-${process.pid}.aof`);
    let ok = true;
    try {
      if (rdb) {
        let result: boolean | null = null;
        rdbBaseProducer!(this.server, tmp, (r) => (result = r));
        // The RDB producer writes synchronously when the dataset is empty (start-up).
        ok = result === true;
      } else writeCommandsFile(this.server, tmp);
    } catch (e) {
      this.server.log.warning(`Write error writing append only file on disk: ${errText(e)}`);
      ok = false;
    }
    if (ok) {
      try {
        fs.renameSync(tmp, target);
        return true;
      } catch (e) {
        this.server.log.warning(`Error moving temp append only file on the final destination: ${errText(e)}`);
      }
    }
    fs.rmSync(tmp, { force: true });
    return false;
  }

  /** openNewIncrAofForAppend: new writes go to a new incr file (a temp one while enabling). */
  private openNewIncrForAppend(): boolean {
    if (this.state === AofState.Off) return true;
    let temp: AofManifest | null = null;
    let name: string;
    if (this.state === AofState.WaitRewrite) {
      name = this.tempIncrName();
    } else {
      temp = this.manifest.clone();
      name = temp.newIncrName(this.filename);
    }
    let fd: number;
    try {
      fd = fs.openSync(path.join(this.dirPath, name), 'w', 0o644);
    } catch (e) {
      this.server.log.warning(`Can't open the append-only file ${name}: ${errText(e)}`);
      return false;
    }
    if (temp && !this.persist(temp)) {
      fs.closeSync(fd);
      return false;
    }
    this.server.log.notice(`Creating AOF incr file ${name} on background rewrite`);
    if (this.fd !== -1) {
      this.bgFsync(this.fd, true);
      this.fsyncOffset = this.currentSize;
      this.lastFsync = unixtime();
    }
    this.fd = fd;
    this.lastIncrSize = 0;
    if (temp) this.manifest = temp;
    return true;
  }

  private tempIncrName(): string {
    return `temp-${this.filename}.incr`;
  }

  // ---------------------------------------------------------------------------------------------
  // Rewrite

  /** rewriteAppendOnlyFileBackground: false (logged) when it cannot start. */
  rewriteBackground(): boolean {
    if (this.job !== null || this.otherJobActive()) return false;
    if (!this.ensureDir()) {
      this.lastBgrewriteStatus = 'err';
      return false;
    }
    this.selectedDb = -1;
    this.flush(true);
    if (!this.openNewIncrForAppend()) {
      this.lastBgrewriteStatus = 'err';
      return false;
    }
    this.rewrites++;
    const rdb = this.useRdbBase();
    const tmpName = `temp-rewriteaof-bg-${process.pid}.aof`;
    const job: RewriteJob = { tmpName, tmpFile: this.inDir(tmpName), rdb, handle: null };
    this.job = job;
    this.rewriteScheduled = false;
    this.rewriteTimeStart = unixtime();
    this.server.log.notice(`Background append only file rewriting started by pid ${process.pid}`);
    const producer = rdb ? rdbBaseProducer! : commandBaseProducer;
    job.handle = producer(this.server, job.tmpFile, (ok) => {
      if (this.job !== job) return;
      if (ok) this.server.log.notice(`Successfully created the temporary AOF base file ${job.tmpName}`);
      this.rewriteDone(ok);
    });
    return true;
  }

  /** backgroundRewriteDoneHandler */
  private rewriteDone(ok: boolean): void {
    const job = this.job!;
    const log = this.server.log;
    if (ok) {
      log.notice('Background AOF rewrite terminated with success');
      this.installRewrite(job);
    } else {
      this.lastBgrewriteStatus = 'err';
      this.consecutiveFailures++;
      log.warning('Background AOF rewrite terminated with error');
    }
    this.finishJob();
  }

  private installRewrite(job: RewriteJob): void {
    const log = this.server.log;
    const fail = () => {
      this.lastBgrewriteStatus = 'err';
      this.consecutiveFailures++;
    };
    const temp = this.manifest.clone();
    const baseName = temp.newBaseName(this.filename, job.rdb);
    const basePath = path.join(this.dirPath, baseName);
    try {
      fs.renameSync(job.tmpFile, basePath);
    } catch (e) {
      log.warning(`Error trying to rename the temporary AOF base file ${job.tmpName} into ${basePath}: ${errText(e)}`);
      return fail();
    }
    log.notice(`Successfully renamed the temporary AOF base file ${job.tmpName} into ${baseName}`);
    let incrPath: string | null = null;
    if (this.state === AofState.WaitRewrite) {
      const tmpIncr = this.tempIncrName();
      const incrName = temp.newIncrName(this.filename);
      incrPath = path.join(this.dirPath, incrName);
      try {
        fs.renameSync(path.join(this.dirPath, tmpIncr), incrPath);
      } catch (e) {
        log.warning(`Error trying to rename the temporary AOF incr file ${path.join(this.dirPath, tmpIncr)} into ${incrPath}: ${errText(e)}`);
        fs.rm(basePath, { force: true }, () => undefined);
        return fail();
      }
      log.notice(`Successfully renamed the temporary AOF incr file ${tmpIncr} into ${incrName}`);
    }
    temp.markRewrittenIncrAsHistory(this.fd !== -1);
    if (!this.persist(temp)) {
      fs.rm(basePath, { force: true }, () => undefined);
      if (incrPath) fs.rm(incrPath, { force: true }, () => undefined);
      return fail();
    }
    this.manifest = temp;
    if (this.fd !== -1) {
      this.selectedDb = -1;
      this.currentSize = fs.statSync(basePath).size + this.lastIncrSize;
      this.rewriteBaseSize = this.currentSize;
      this.fsyncOffset = this.currentSize;
      this.lastFsync = unixtime();
    }
    this.deleteHistoryFiles();
    this.lastBgrewriteStatus = 'ok';
    this.consecutiveFailures = 0;
    log.notice('Background AOF rewrite finished successfully');
    if (this.state === AofState.WaitRewrite) this.state = AofState.On;
  }

  /** Cleanup after a rewrite ended, whatever the outcome. */
  private finishJob(): void {
    const job = this.job;
    this.job = null;
    if (job) fs.rm(job.tmpFile, { force: true }, () => undefined);
    if (this.state === AofState.WaitRewrite) {
      this.buf = '';
      const t = this.tempIncrName();
      this.server.log.notice(`Removing the temp incr aof file ${t} in the background`);
      fs.rm(path.join(this.dirPath, t), { force: true }, () => undefined);
      this.rewriteScheduled = true;
    }
    this.rewriteTimeLast = unixtime() - this.rewriteTimeStart;
    this.rewriteTimeStart = -1;
  }

  /** killAppendOnlyChild: abandon a running rewrite. */
  private killRewrite(): void {
    const job = this.job;
    if (!job) return;
    this.server.log.notice(`Killing running AOF rewrite child: ${process.pid}`);
    job.handle?.cancel();
    this.job = null;
    fs.rm(job.tmpFile, { force: true }, () => undefined);
    this.rewriteTimeStart = -1;
  }

  /** aofDelHistoryFiles */
  deleteHistoryFiles(): void {
    const am = this.manifest;
    if (am.history.length === 0) return;
    for (const h of am.history) {
      this.server.log.notice(`Removing the history file ${h.name} in the background`);
      fs.rm(path.join(this.dirPath, h.name), { force: true }, () => undefined);
    }
    am.history = [];
    am.dirty = true;
    this.persist(am);
  }

  // ---------------------------------------------------------------------------------------------
  // Runtime switches

  /** startAppendOnly (CONFIG SET appendonly yes) */
  start(): boolean {
    const log = this.server.log;
    this.state = AofState.WaitRewrite;
    this.setPropagation(true);
    if (this.otherJobActive()) {
      this.rewriteScheduled = true;
      log.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
    } else if (this.server.inExec) {
      this.rewriteScheduled = true;
      log.warning('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
    } else {
      if (this.job !== null) {
        log.warning(
          'AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.',
        );
        this.killRewrite();
      }
      if (!this.rewriteBackground()) {
        this.state = AofState.Off;
        this.setPropagation(false);
        log.warning(
          "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.",
        );
        return false;
      }
    }
    this.lastFsync = unixtime();
    if (this.fsyncError !== null) {
      log.warning('AOF reopen, just ignore the AOF fsync error in bio job');
      this.fsyncError = null;
    }
    if (this.lastWriteStatus === 'err') {
      log.warning('AOF reopen, just ignore the last error.');
      this.lastWriteStatus = 'ok';
    }
    return true;
  }

  /** stopAppendOnly (CONFIG SET appendonly no) */
  stop(): void {
    this.flush(true);
    if (this.fd !== -1) {
      try {
        fs.fdatasyncSync(this.fd);
        this.fsyncOffset = this.currentSize;
        this.lastFsync = unixtime();
      } catch (e) {
        this.server.log.warning(`Fail to fsync the AOF file: ${errText(e)}`);
      }
      if (this.pendingFsync.has(this.fd)) this.closeAfterFsync.add(this.fd);
      else fs.closeSync(this.fd);
    }
    this.fd = -1;
    this.selectedDb = -1;
    // Turned off before its first rewrite finished: the temp incr file belongs to nothing.
    if (this.state === AofState.WaitRewrite) fs.rm(path.join(this.dirPath, this.tempIncrName()), { force: true }, () => undefined);
    this.state = AofState.Off;
    this.rewriteScheduled = false;
    this.lastIncrSize = 0;
    this.killRewrite();
    this.buf = '';
    this.setPropagation(false);
  }

  /**
   * SHUTDOWN: refuse while the first rewrite after enabling runs (unless forced: the AOF would be
   * incomplete), else abandon a rewrite, write what is buffered and fsync it.
   */
  prepareForShutdown(force: boolean): boolean {
    if (this.job && this.state === AofState.WaitRewrite) {
      if (!force) {
        this.server.log.warning("Writing initial AOF, can't exit.");
        return false;
      }
      this.server.log.warning('Writing initial AOF. Exit anyway.');
    }
    if (this.job) this.killRewrite();
    if (this.state === AofState.Off || this.fd === -1) return true;
    this.server.log.notice('Calling fsync() on the AOF file.');
    this.flush(true);
    try {
      fs.fdatasyncSync(this.fd);
    } catch (e) {
      this.server.log.warning(`Fail to fsync the AOF file: ${errText(e)}`);
    }
    return true;
  }

  /** INFO persistence fields that depend on the AOF. */
  info(fields: Map<string, string | number>): void {
    const now = unixtime();
    fields.set('aof_enabled', this.state !== AofState.Off ? 1 : 0);
    fields.set('aof_rewrite_in_progress', this.job !== null ? 1 : 0);
    fields.set('aof_rewrite_scheduled', this.rewriteScheduled ? 1 : 0);
    fields.set('aof_last_rewrite_time_sec', this.rewriteTimeLast);
    fields.set('aof_current_rewrite_time_sec', this.job !== null && this.rewriteTimeStart !== -1 ? now - this.rewriteTimeStart : -1);
    fields.set('aof_last_bgrewrite_status', this.lastBgrewriteStatus);
    fields.set('aof_rewrites', this.rewrites);
    fields.set('aof_rewrites_consecutive_failures', this.consecutiveFailures);
    fields.set('aof_last_write_status', this.lastWriteStatus);
    if (this.state !== AofState.Off) {
      // Appended after the fork fields, as Redis does when the AOF is on.
      fields.set('aof_current_size', this.currentSize);
      fields.set('aof_base_size', this.rewriteBaseSize);
      fields.set('aof_pending_rewrite', this.rewriteScheduled ? 1 : 0);
      fields.set('aof_buffer_length', this.buf.length);
      fields.set('aof_pending_bio_fsync', this.pendingFsync.size);
      fields.set('aof_delayed_fsync', this.delayedFsync);
    }
  }
}
