// Why: RDB persistence as the server sees it: SAVE, BGSAVE [SCHEDULE], DUMP, RESTORE, DEBUG RELOAD,
// `save` points checked from the cron, saving at shutdown and after FLUSHALL, the MISCONF write
// refusal after a failed background save, INFO persistence fields, and loading at start-up.
import fs from 'node:fs';
import type { Client } from '../server/client.js';
import type { Command, CommandDef } from '../server/command-table.js';
import type { Server } from '../server/server.js';
import { unwatchAll } from '../server/server.js';
import { ERR_NOT_INT, ERR_SYNTAX, fail } from '../server/errors.js';
import { parseLL } from '../resp/request-parser.js';
import { registerDebugSubcommand } from '../server/debug.js';
import { extendInfoSection } from '../server/info.js';
import { flushallSaveHooks } from '../datatypes/generic.js';
import { signalKeyAsReady } from '../server/blocking.js';
import { dumpPayload } from './rdb-writer.js';
import { RdbError, loadDumpPayload, verifyDumpPayload } from './rdb-reader.js';
import {
  encodeOptions,
  installLoaded,
  loadAofPreamble,
  loadLimits,
  rdbPath,
  readRdbFile,
  saveSync,
  startBackgroundSave,
  writeAofBase,
  type BackgroundSave,
} from './rdb-file.js';
import { setRdbBaseProducer } from './aof.js';
import { setRdbPreambleLoader } from './aof-loader.js';

const MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
const BGSAVE_RETRY_DELAY = 5;

/** What INFO persistence and the commands need to know about saving and loading. */
export interface PersistenceState {
  bg: (BackgroundSave & { startSec: number; dirtyBefore: number }) | null;
  bgsaveScheduled: boolean;
  lastBgsaveOk: boolean;
  lastBgsaveTimeSec: number;
  lastBgsaveTry: number;
  saves: number;
  lastLoadKeysLoaded: number;
  lastLoadKeysExpired: number;
  /** the AUX fields of the RDB loaded at start-up (replication restores its position from them) */
  startupAux: Map<string, string> | null;
}

const states = new WeakMap<Server, PersistenceState>();

function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

/** The server's persistence state; the first call hooks persistence into the server. */
export function persistence(server: Server): PersistenceState {
  let st = states.get(server);
  if (st) return st;
  st = {
    bg: null,
    bgsaveScheduled: false,
    lastBgsaveOk: true,
    lastBgsaveTimeSec: -1,
    lastBgsaveTry: 0,
    saves: 0,
    lastLoadKeysLoaded: 0,
    lastLoadKeysExpired: 0,
    startupAux: null,
  };
  states.set(server, st);
  const s = st;
  server.cronHooks.push(() => saveCron(server, s));
  server.shutdownHooks.push((opts) => shutdownSave(server, s, opts));
  server.commandChecks.push((c, cmd) => diskErrorCheck(server, s, c, cmd));
  return st;
}

/** The `save` points as [seconds, changes] pairs. */
function saveParams(server: Server): [number, number][] {
  const v = server.config.str('save').trim();
  if (v === '') return [];
  const n = v.split(/\s+/).map(Number);
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < n.length; i += 2) out.push([n[i], n[i + 1]]);
  return out;
}

/** Synchronous save with Redis's bookkeeping (dirty = 0, LASTSAVE, status ok). */
export function rdbSave(server: Server, st: PersistenceState): boolean {
  st.saves++;
  try {
    saveSync(server);
  } catch {
    return false;
  }
  server.log.notice('DB saved on disk');
  server.dirty = 0;
  server.lastSave = nowSec();
  st.lastBgsaveOk = true;
  return true;
}

/** rdbSaveBackground: false (after logging) when the save could not even start. */
export function rdbSaveBackground(server: Server, st: PersistenceState): boolean {
  if (st.bg) return false;
  st.saves++;
  const dirtyBefore = server.dirty;
  st.lastBgsaveTry = nowSec();
  let bg: BackgroundSave;
  try {
    bg = startBackgroundSave(server);
  } catch (e) {
    if (server.snapshot !== null) return false; // another snapshot runs: nothing was started
    // Redis's forked child would fail to open its temp file: the save "started" and failed.
    server.log.warning(`Failed opening the temp RDB file for saving: ${(e as Error).message}`);
    server.log.warning('Background saving error');
    st.lastBgsaveOk = false;
    st.lastBgsaveTimeSec = 0;
    return true;
  }
  const run = Object.assign(bg, { startSec: nowSec(), dirtyBefore });
  st.bg = run;
  server.log.notice('Background saving started (fork-less snapshot)');
  bg.done.then(
    () => {
      if (st.bg !== run) return;
      server.log.notice('DB saved on disk');
      const snap = run.snapshot;
      server.log.verbose(`Snapshot walk: ${snap.slices} slices, ${snap.slowSlices} over 2 ms, longest ${snap.longestSliceMs.toFixed(1)} ms`);
      server.log.notice('Background saving terminated with success');
      server.dirty -= run.dirtyBefore;
      if (server.dirty < 0) server.dirty = 0;
      server.lastSave = nowSec();
      st.lastBgsaveOk = true;
      finishBg(st);
    },
    (e: Error) => {
      if (st.bg !== run) return;
      if (e.message.startsWith('killed:')) {
        server.log.warning(`Background saving terminated (${e.message.slice(7).trim()})`);
      } else {
        server.log.warning(`Write error saving DB on disk: ${e.message}`);
        server.log.warning('Background saving error');
        st.lastBgsaveOk = false;
      }
      finishBg(st);
    },
  );
  return true;
}

function finishBg(st: PersistenceState): void {
  if (st.bg) st.lastBgsaveTimeSec = nowSec() - st.bg.startSec;
  st.bg = null;
}

/** killRDBChild: stop a running background save without counting it as an error. */
export function killBackgroundSave(st: PersistenceState, why: string): void {
  if (!st.bg) return;
  const bg = st.bg;
  bg.abort('killed: ' + why);
}

/** serverCron's part: scheduled BGSAVEs and the `save` points. */
function saveCron(server: Server, st: PersistenceState): void {
  if (st.bg || server.snapshot !== null) return;
  if (st.bgsaveScheduled) {
    st.bgsaveScheduled = false;
    rdbSaveBackground(server, st);
    return;
  }
  const params = saveParams(server);
  if (params.length === 0) return;
  const now = nowSec();
  for (const [seconds, changes] of params) {
    if (server.dirty >= changes && now - server.lastSave > seconds && (now - st.lastBgsaveTry > BGSAVE_RETRY_DELAY || st.lastBgsaveOk)) {
      server.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
      rdbSaveBackground(server, st);
      break;
    }
  }
}

/** prepareForShutdown's RDB part: stop a background save, save if asked or configured. */
async function shutdownSave(server: Server, st: PersistenceState, opts: { save: boolean | null }): Promise<boolean> {
  if (st.bg) {
    server.log.warning('There is a child saving an .rdb. Killing it!');
    const bg = st.bg;
    killBackgroundSave(st, 'shutdown');
    await bg.done.catch(() => {});
  }
  const save = opts.save === true || (opts.save === null && saveParams(server).length > 0);
  if (!save) return true;
  server.log.notice('Saving the final RDB snapshot before exiting.');
  if (!rdbSave(server, st)) {
    server.log.warning("Error trying to save the DB, can't exit.");
    return false;
  }
  return true;
}

/** writeCommandsDeniedByDiskError for RDB: MISCONF for writes (and PING) after a failed BGSAVE. */
function diskErrorCheck(server: Server, st: PersistenceState, c: Client, cmd: Command): string | null {
  if (st.lastBgsaveOk) return null;
  if (!server.config.bool('stop-writes-on-bgsave-error') || server.config.str('save').trim() === '') return null;
  if (cmd.internal.has('runs-queued') && c.multi !== null) {
    if (!c.multi.some(([q]) => q.write)) return null;
    // rejectCommand on EXEC: execCommandAbort discards the transaction.
    c.multi = null;
    c.multiDirty = false;
    unwatchAll(c);
    return 'EXECABORT Transaction discarded because of: ' + MISCONF;
  }
  if (cmd.write || cmd.fullName === 'ping') return MISCONF;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Commands

function save(c: Client): void {
  const st = persistence(c.server);
  if (st.bg) fail('ERR Background save already in progress');
  if (rdbSave(c.server, st)) c.ok();
  else fail('ERR');
}

function bgsave(c: Client, argv: string[]): void {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && argv[1].toLowerCase() === 'schedule') schedule = true;
    else fail(ERR_SYNTAX);
  }
  const s = c.server;
  const st = persistence(s);
  if (st.bg) fail('ERR Background save already in progress');
  // Another snapshot (an AOF rewrite) counts as Redis's other active child; inside EXEC Redis
  // cannot fork and schedules too.
  if (s.snapshot !== null || s.inExec) {
    if (schedule || s.inExec) {
      st.bgsaveScheduled = true;
      c.simple('Background saving scheduled');
      return;
    }
    fail("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
  }
  if (rdbSaveBackground(s, st)) c.simple('Background saving started');
  else fail('ERR');
}

function dump(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return c.nullBulk();
  const p = dumpPayload(v, encodeOptions(c.server));
  c.bulk(p.latin1Slice(0, p.length));
}

function restore(c: Client, argv: string[]): void {
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const a = argv[j].toLowerCase();
    const more = argv.length - j - 1;
    if (a === 'replace') replace = true;
    else if (a === 'absttl') absttl = true;
    else if (a === 'idletime' && more >= 1 && freq === -1) {
      const v = parseLL(argv[j + 1]);
      if (v === null) fail(ERR_NOT_INT);
      if (v < 0) fail('ERR Invalid IDLETIME value, must be >= 0');
      idle = v;
      j++;
    } else if (a === 'freq' && more >= 1 && idle === -1) {
      const v = parseLL(argv[j + 1]);
      if (v === null) fail(ERR_NOT_INT);
      if (v < 0 || v > 255) fail('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = v;
      j++;
    } else fail(ERR_SYNTAX);
  }
  const db = c.db;
  const key = argv[1];
  const old = db.lookupWrite(key);
  if (!replace && old !== undefined) fail('BUSYKEY Target key name already exists.');
  let ttl = parseLL(argv[2]);
  if (ttl === null) fail(ERR_NOT_INT);
  if (ttl < 0) fail('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3], 'latin1');
  if (!verifyDumpPayload(payload)) fail('ERR DUMP payload version or checksum are wrong');
  let obj;
  try {
    obj = loadDumpPayload(payload, loadLimits(c.server));
  } catch (e) {
    if (e instanceof RdbError) {
      c.server.log.verbose(`RESTORE: ${e.message}`);
      fail('ERR Bad data format');
    }
    throw e;
  }
  if (obj === null) fail('ERR Bad data format');
  const deleted = replace && old !== undefined;
  if (deleted) db.removeKey(key);
  const now = c.server.now();
  if (ttl !== 0 && !absttl) ttl += now;
  if (ttl !== 0 && ttl <= now) {
    // Already expired: the key is not created (and a replaced one is gone).
    if (deleted) {
      c.argv = [c.server.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key];
      db.signalModified(key);
      c.server.notify('g', 'del', key, db.id);
    }
    c.ok();
    return;
  }
  db.add(key, obj);
  if (typeof obj !== 'string') signalKeyAsReady(db, key);
  if (ttl !== 0) {
    db.setExpire(key, ttl);
    if (!absttl) {
      // Propagate the TTL as an absolute timestamp.
      const a = argv.slice();
      a[2] = String(ttl);
      a.push('ABSTTL');
      c.argv = a;
    }
  }
  c.server.notify('g', 'restore', key, db.id);
  c.ok();
}

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, flush, load the file back. */
function debugReload(c: Client, argv: string[]): void {
  let merge = false;
  let flush = true;
  let doSave = true;
  for (let j = 2; j < argv.length; j++) {
    const o = argv[j].toLowerCase();
    if (o === 'merge') merge = true;
    else if (o === 'noflush') flush = false;
    else if (o === 'nosave') doSave = false;
    else fail('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const s = c.server;
  const st = persistence(s);
  if (doSave && !rdbSave(s, st)) fail('ERR');
  let res;
  try {
    res = readRdbFile(s, rdbPath(s));
  } catch (e) {
    s.log.warning(`Error loading the RDB dump: ${(e as Error).message}`);
    fail('ERR Error trying to load the RDB dump, check server logs.');
  }
  if (!flush && !merge) {
    for (let i = 0; i < res.dbs.length; i++) {
      for (const k of res.dbs[i].dict.keys()) {
        if (s.dbs[i].dict.has(k)) {
          s.log.warning(`RDB has duplicated key '${k}' in DB ${i}`);
          fail('ERR Error trying to load the RDB dump, check server logs.');
        }
      }
    }
  }
  if (flush) for (const db of s.dbs) db.clear();
  installLoaded(s, res);
  st.lastLoadKeysLoaded = res.keysLoaded;
  st.lastLoadKeysExpired = res.keysExpired;
  s.log.warning('DB reloaded by DEBUG RELOAD');
  c.ok();
}

// ---------------------------------------------------------------------------------------------
// Start-up, INFO, FLUSHALL

/**
 * loadDataFromDisk for RDB: load `dir`/`dbfilename` if it exists. A file that cannot be loaded is
 * fatal (as in Redis): the error, with its offset, is logged and false returned.
 */
export function loadOnStartup(server: Server): boolean {
  const st = persistence(server);
  if (server.config.bool('appendonly')) return true; // the AOF is the source of truth then
  const file = rdbPath(server);
  if (!fs.existsSync(file)) return true;
  const t0 = performance.now();
  server.loading = true;
  try {
    const res = readRdbFile(server, file, { progress: true });
    installLoaded(server, res);
    st.startupAux = res.aux;
    st.lastLoadKeysLoaded = res.keysLoaded;
    st.lastLoadKeysExpired = res.keysExpired;
  } catch (e) {
    if (e instanceof RdbError) {
      server.log.warning(`Internal error in RDB reading offset ${e.offset} -> ${e.reason}`);
      server.log.warning('Terminating server after rdb file reading failure.');
    } else {
      server.log.warning(`Fatal error loading the DB: ${(e as Error).message}. Exiting.`);
    }
    return false;
  } finally {
    server.loading = false;
  }
  server.log.notice(`DB loaded from disk: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
  return true;
}

extendInfoSection('persistence', (s, f) => {
  const st = persistence(s);
  const bg = st.bg;
  f.set('current_save_keys_processed', bg ? bg.snapshot.keysProcessed : 0);
  f.set('current_save_keys_total', bg ? bg.snapshot.keysTotal : 0);
  f.set('rdb_bgsave_in_progress', bg ? 1 : 0);
  f.set('rdb_last_bgsave_status', st.lastBgsaveOk ? 'ok' : 'err');
  f.set('rdb_last_bgsave_time_sec', st.lastBgsaveTimeSec);
  f.set('rdb_current_bgsave_time_sec', bg ? nowSec() - bg.startSec : -1);
  f.set('rdb_saves', st.saves);
  f.set('rdb_last_load_keys_expired', st.lastLoadKeysExpired);
  f.set('rdb_last_load_keys_loaded', st.lastLoadKeysLoaded);
});

// FLUSHALL with save points configured: kill a running BGSAVE and save the empty dataset.
flushallSaveHooks.push((s) => {
  const st = persistence(s);
  killBackgroundSave(st, 'FLUSHALL');
  return rdbSave(s, st);
});

registerDebugSubcommand('reload', debugReload);

// The AOF's RDB base files (aof-use-rdb-preamble) are written and read here.
setRdbBaseProducer(writeAofBase);
setRdbPreambleLoader(loadAofPreamble);

export const commands: CommandDef[] = [
  { name: 'save', handler: save },
  { name: 'bgsave', handler: bgsave },
  { name: 'dump', handler: dump },
  { name: 'restore', handler: restore },
];
