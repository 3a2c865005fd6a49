// Why: RDB files on disk: the file sink (temp file, fsync, atomic rename as rdbSave does), the
// synchronous save, the fork-less background save built on Snapshot, and loading a file into the
// server — parsed completely first, installed only on success.
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from '../server/server.js';
import { usedMemory } from '../server/admin-state.js';
import { RdbEncoder, type EncodeOptions, type RdbSink, type SaveInfo } from './rdb-writer.js';
import { parseRdb, type LoadLimits, type LoadResult } from './rdb-reader.js';
import { Snapshot, type SnapshotOptions } from './snapshot.js';
import { inThroughputMode } from './gc-mode.js';
import { readWithCrc } from './crc64-parallel.js';

/** Writes chunks to a file synchronously (page cache: microseconds); fsync is separate. */
export class FileSink implements RdbSink {
  readonly fd: number;
  /** write() is done with the chunk when it returns: the encoder reuses its buffer */
  readonly synchronous = true;
  closed = false;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
  }

  syncAndCloseSync(): void {
    fs.fsyncSync(this.fd);
    this.close();
  }

  syncAndClose(): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.fsync(this.fd, (err) => {
        if (err) return reject(err);
        try {
          this.close();
          resolve();
        } catch (e) {
          reject(e as Error);
        }
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  /** Close and remove the temp file (failed or aborted save). */
  discard(): void {
    try {
      this.close();
    } catch {
      /* already closed */
    }
    try {
      fs.unlinkSync(this.file);
    } catch {
      /* never created or already gone */
    }
  }
}

/** Where a server's RDB files get their replication AUX fields (registered by replication). */
export const saveInfoSources = new WeakMap<Server, () => SaveInfo | null>();

export function encodeOptions(server: Server): EncodeOptions {
  const cf = server.config;
  const saveInfo = saveInfoSources.get(server);
  return { checksum: cf.bool('rdbchecksum'), compress: cf.bool('rdbcompression'), listFill: cf.num('list-max-listpack-size'), saveInfo };
}

export function loadLimits(server: Server): LoadLimits {
  const cf = server.config;
  return {
    hashEntries: cf.num('hash-max-listpack-entries'),
    hashValue: cf.num('hash-max-listpack-value'),
    setIntset: cf.num('set-max-intset-entries'),
    zsetEntries: cf.num('zset-max-listpack-entries'),
    zsetValue: cf.num('zset-max-listpack-value'),
  };
}

/** The RDB file: `dbfilename` inside `dir` (Redis chdirs to dir; eddy resolves it explicitly). */
export function rdbPath(server: Server): string {
  return path.resolve(server.config.str('dir') || '.', server.config.str('dbfilename'));
}

function tempPath(server: Server, tag: string): string {
  return path.resolve(server.config.str('dir') || '.', `temp-${process.pid}${tag}.rdb`);
}

/** rdbSave: the whole dataset to a temp file, fsync, rename over the RDB file. Throws on error. */
export function saveSync(server: Server): void {
  const tmp = tempPath(server, '');
  let sink: FileSink;
  try {
    sink = new FileSink(tmp);
  } catch (e) {
    server.log.warning(`Failed opening the temp RDB file ${path.basename(tmp)} (in server root dir ${path.dirname(tmp)}) for saving: ${(e as Error).message}`);
    throw e;
  }
  try {
    const enc = new RdbEncoder(sink, encodeOptions(server));
    new Snapshot(server, enc, { usedMemory: usedMemory() }).runSync();
    sink.syncAndCloseSync();
  } catch (e) {
    server.log.warning(`Write error saving DB on disk: ${(e as Error).message}`);
    sink.discard();
    throw e;
  }
  const dst = rdbPath(server);
  try {
    fs.renameSync(tmp, dst);
  } catch (e) {
    server.log.warning(`Error moving temp DB file ${path.basename(tmp)} on the final destination ${path.basename(dst)} (in server root dir ${path.dirname(dst)}): ${(e as Error).message}`);
    sink.discard();
    throw e;
  }
}

/** A running background save to the RDB file. */
export interface BackgroundSave {
  snapshot: Snapshot;
  /** resolves after the file is written, synced and renamed into place; rejects on any error */
  done: Promise<void>;
  abort(reason: string): void;
}

/** rdbSaveBackground without fork: a sliced snapshot into a temp file, then fsync and rename. */
export function startBackgroundSave(server: Server): BackgroundSave {
  const tmp = tempPath(server, '-bg');
  const sink = new FileSink(tmp);
  const delay = server.config.num('rdb-key-save-delay');
  let snapshot: Snapshot;
  try {
    snapshot = startSnapshot(server, sink, { keyDelayUs: delay > 0 ? delay : 0 });
  } catch (e) {
    sink.discard();
    throw e;
  }
  let abortReason: string | null = null;
  const done = (async () => {
    try {
      await snapshot.finished;
      if (abortReason !== null) throw new Error(abortReason);
      await sink.syncAndClose();
      if (abortReason !== null) throw new Error(abortReason);
      await fs.promises.rename(tmp, rdbPath(server));
    } catch (e) {
      sink.discard();
      throw e;
    }
  })();
  done.catch(() => {});
  return {
    snapshot,
    done,
    abort(reason: string) {
      abortReason = reason;
      snapshot.abort(reason);
    },
  };
}

/**
 * Start a sliced point-in-time snapshot of the whole dataset into any sink: BGSAVE's file, an AOF
 * base, a replica's full sync. Throws if another snapshot is running (server.snapshot is taken);
 * `finished` settles once EOF and the checksum went to the sink.
 */
export function startSnapshot(server: Server, sink: RdbSink, opts: Omit<SnapshotOptions, 'usedMemory'> = {}): Snapshot {
  const snap = new Snapshot(server, new RdbEncoder(sink, encodeOptions(server)), { usedMemory: usedMemory(), ...opts });
  snap.start();
  return snap;
}

/**
 * The base of an AOF rewrite as an RDB (aof-use-rdb-preamble yes): a snapshot into `file` (aof-base
 * 1), synchronous when the dataset is empty, sliced in the background otherwise; `done` reports
 * the outcome unless the job was cancelled.
 */
export function writeAofBase(server: Server, file: string, done: (ok: boolean) => void): { cancel(): void } {
  let cancelled = false;
  let sink: FileSink;
  try {
    sink = new FileSink(file);
  } catch (e) {
    server.log.warning(`Failed opening the temp RDB file ${path.basename(file)} for the AOF base: ${(e as Error).message}`);
    done(false);
    return { cancel: () => {} };
  }
  const fail = (e: Error) => {
    sink.discard();
    if (cancelled) return;
    server.log.warning(`Write error writing the AOF base RDB: ${e.message}`);
    done(false);
  };
  let snap: Snapshot;
  try {
    if (server.dbs.every((db) => db.dict.size === 0)) {
      new Snapshot(server, new RdbEncoder(sink, encodeOptions(server)), { aofBase: true, usedMemory: usedMemory() }).runSync();
      sink.syncAndCloseSync();
      done(true);
      return { cancel: () => {} };
    }
    snap = startSnapshot(server, sink, { aofBase: true });
  } catch (e) {
    fail(e as Error);
    return { cancel: () => {} };
  }
  snap.finished
    .then(() => sink.syncAndClose())
    .then(() => {
      if (!cancelled) done(true);
    }, fail);
  return {
    cancel: () => {
      cancelled = true;
      snap.abort('AOF rewrite cancelled');
    },
  };
}

/** An RDB at the start of an AOF base file: load it, return the bytes it took. */
export function loadAofPreamble(server: Server, data: Buffer): number {
  const res = parseRdb(data, {
    numDbs: server.dbs.length,
    limits: loadLimits(server),
    expireBefore: null,
    checksum: server.config.bool('rdbchecksum'),
    log: (level, msg) => (level === 'warning' ? server.log.warning(msg) : server.log.notice(msg)),
    allowTrailing: true,
  });
  installLoaded(server, res);
  return res.end;
}

/** Parse an RDB file completely (throws RdbError or an fs error); nothing is installed yet. */
export function readRdbFile(server: Server, file: string, opts: { progress?: boolean } = {}): LoadResult {
  const checksum = server.config.bool('rdbchecksum');
  // The CRC-64 covers everything but its own 8 bytes at the end of the file.
  const { buf, crc } = checksum ? readWithCrc(file, (size) => size - 8) : { buf: fs.readFileSync(file), crc: null };
  const total = buf.length;
  const t0 = Date.now();
  let lastLog = t0;
  const delay = server.config.num('key-load-delay');
  return inThroughputMode(() =>
    parseRdb(buf, {
      numDbs: server.dbs.length,
      limits: loadLimits(server),
      keyDelayUs: delay > 0 ? delay : 0,
      expireBefore: Date.now(),
      checksum,
      crc,
      log: (level, msg) => (level === 'warning' ? server.log.warning(msg) : server.log.notice(msg)),
      progress: opts.progress
        ? (pos, keys) => {
            const now = Date.now();
            if (now - lastLog < 1000) return;
            lastLog = now;
            const rate = Math.round((keys * 1000) / Math.max(1, now - t0));
            server.log.notice(`Loading RDB: ${((pos * 100) / total).toFixed(1)}% (${keys} keys, ${rate} keys/s)`);
          }
        : undefined,
    }),
  );
}

/**
 * Put loaded data into the server's databases: an empty DB takes the loaded maps as they are;
 * otherwise loaded keys are added, replacing same-name keys (DEBUG RELOAD MERGE, AOF bases).
 */
export function installLoaded(server: Server, res: LoadResult): void {
  for (let i = 0; i < res.dbs.length; i++) {
    const src = res.dbs[i];
    const db = server.dbs[i];
    if (src.dict.size === 0) continue;
    if (db.dict.size === 0) {
      db.dict = src.dict;
      db.expires = src.expires;
      db.expireCursor = null;
      continue;
    }
    for (const [k, v] of src.dict) {
      db.removeKey(k);
      db.dict.set(k, v);
      const e = src.expires.get(k);
      if (e !== undefined) db.expires.set(k, e);
    }
  }
}
