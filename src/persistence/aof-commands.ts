// Why: the AOF's surface: BGREWRITEAOF, CONFIG SET appendonly yes|no, the INFO persistence and
// memory fields, and the start-up entry point main.ts calls before accepting connections.
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { registerConfigApply } from '../server/config-cmd.js';
import { extendInfoSection } from '../server/info.js';
import { AofState, aofOf } from './aof.js';
import { ManifestError } from './aof-manifest.js';
import { AofLoad } from './aof-loader.js';
import { registerDebugSubcommand } from '../server/debug.js';

function bgrewriteaof(c: Client): void {
  const s = c.server;
  const aof = aofOf(s);
  if (aof.rewriteInProgress) {
    c.err('ERR Background append only file rewriting already in progress');
  } else if (s.snapshot !== null || s.inExec) {
    aof.rewriteScheduled = true;
    // A manual rewrite is not subject to the failure back-off.
    aof.consecutiveFailures = 0;
    c.simple('Background append only file rewriting scheduled');
  } else if (aof.rewriteBackground()) {
    c.simple('Background append only file rewriting started');
  } else {
    c.err("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  }
}

/** DEBUG LOADAOF: reload the dataset from the AOF on disk (Redis exits when that fails). */
function debugLoadaof(c: Client): void {
  const s = c.server;
  let status: AofLoad;
  try {
    status = aofOf(s).reloadForDebug();
  } catch (e) {
    s.log.warning(`DEBUG LOADAOF: ${(e as Error).message}`);
    status = AofLoad.Failed;
  }
  if (status !== AofLoad.Ok && status !== AofLoad.Empty && status !== AofLoad.Truncated) {
    s.log.warning('Failed loading the AOF by DEBUG LOADAOF: exiting (as Redis does).');
    process.exit(1);
  }
  s.dirty = 0; // nothing to propagate or save because of it
  s.log.notice('Append Only File loaded by DEBUG LOADAOF');
  c.ok();
}
registerDebugSubcommand('loadaof', debugLoadaof);

registerConfigApply('appendonly', (s) => {
  const aof = aofOf(s);
  const want = s.config.bool('appendonly');
  if (!want && aof.state !== AofState.Off) aof.stop();
  else if (want && aof.state === AofState.Off && !aof.start()) return 'Unable to turn on AOF. Check server logs.';
  return null;
});

extendInfoSection('persistence', (s, f) => aofOf(s).info(f));
extendInfoSection('memory', (s, f) => {
  if (f.has('mem_aof_buffer')) f.set('mem_aof_buffer', aofOf(s).buf.length);
});

/**
 * Start-up (Redis's aofLoadManifestFromDisk + loadDataFromDisk's AOF branch +
 * aofOpenIfNeededOnServerStart). Returns 'off' when appendonly is no (the RDB is loaded instead),
 * 'loaded' when the AOF was loaded and opened, 'failed' when the server must not start (logged).
 */
export function aofStartup(server: Server): 'off' | 'loaded' | 'failed' {
  const aof = aofOf(server);
  try {
    aof.loadManifestFromDisk();
  } catch (e) {
    const log = server.log;
    if (e instanceof ManifestError && e.line === null && e.message.startsWith('Fatal error')) {
      log.warning(e.message);
      return 'failed';
    }
    log.warning('\n*** FATAL AOF MANIFEST FILE ERROR ***\n');
    if (e instanceof ManifestError && e.line !== null) {
      log.warning(`Reading the manifest file, at line ${e.lineNum}\n`);
      log.warning(`>>> '${e.line}'\n`);
    }
    log.warning(`${(e as Error).message}\n`);
    return 'failed';
  }
  if (!server.config.bool('appendonly')) return 'off';
  return aof.loadOnStart() ? 'loaded' : 'failed';
}

/**
 * For a replica's full sync (Redis's readSyncBulkPayload): stop the AOF before the master's RDB
 * replaces the dataset; returns whether it was on, to pass to aofRestartAfterSync.
 */
export function aofStopForSync(server: Server): boolean {
  const aof = aofOf(server);
  if (aof.state === AofState.Off) return false;
  aof.stop();
  return true;
}

/** restartAOFAfterSYNC: the new dataset gets a new base through a rewrite (false: could not start). */
export function aofRestartAfterSync(server: Server, wasOn: boolean): boolean {
  const aof = aofOf(server);
  if (!wasOn || aof.state !== AofState.Off) return true;
  if (aof.start()) return true;
  server.log.warning('Failed enabling the AOF after successful master synchronization!');
  return false;
}

export const commands: CommandDef[] = [{ name: 'bgrewriteaof', handler: bgrewriteaof }];
