// Why: transactions. MULTI queues (dispatch does the queuing), EXEC runs the queue atomically
// unless a queuing error happened (EXECABORT) or a WATCHed key changed or expired (null reply);
// runtime errors inside EXEC do not stop the other commands.
import type { CommandDef } from './command-table.js';
import type { Client } from './client.js';
import { unwatchAll } from './server.js';
import { call } from './dispatch.js';
import { fail } from './errors.js';

function multi(c: Client): void {
  if (c.multi) fail('ERR MULTI calls can not be nested');
  c.multi = [];
  c.multiDirty = false;
  c.ok();
}

function discard(c: Client): void {
  if (!c.multi) fail('ERR DISCARD without MULTI');
  c.multi = null;
  c.multiDirty = false;
  unwatchAll(c);
  c.ok();
}

/** A watched key that was alive at WATCH time but has logically expired since also aborts EXEC. */
function watchedKeyExpired(c: Client): boolean {
  const now = c.server.now();
  for (const w of c.watched) {
    if (w.expiredAtWatch) continue;
    const when = w.db.expires.get(w.key);
    if (when !== undefined && when < now && w.db.dict.has(w.key)) return true;
  }
  return false;
}

function exec(c: Client): void {
  if (!c.multi) fail('ERR EXEC without MULTI');
  const s = c.server;
  const queue = c.multi;
  if (c.multiDirty) {
    c.multi = null;
    c.multiDirty = false;
    unwatchAll(c);
    fail('EXECABORT Transaction discarded because of previous errors.');
  }
  if (c.dirtyCAS || watchedKeyExpired(c)) {
    c.multi = null;
    unwatchAll(c);
    c.nullArray();
    return;
  }
  // Watched keys are released before running, as Redis does.
  unwatchAll(c);
  c.multi = null;
  c.arrayLen(queue.length);
  s.inExec = true;
  // EXEC itself is not propagated: the queued writes are, wrapped in MULTI/EXEC by flushPropagation.
  const argvBefore = c.argv;
  try {
    for (const [cmd, argv] of queue) call(s, c, cmd, argv);
  } finally {
    s.inExec = false;
  }
  // EXEC itself is not propagated (its writes already were, one by one).
  c.argv = argvBefore;
  c.suppressPropagation = true;
}

function watch(c: Client, argv: string[]): void {
  if (c.multi) fail('ERR WATCH inside MULTI is not allowed');
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i];
    if (c.watched.some((w) => w.db === c.db && w.key === key)) continue;
    let set = c.db.watched.get(key);
    if (!set) c.db.watched.set(key, (set = new Set()));
    set.add(c);
    const when = c.db.expires.get(key);
    const expiredAtWatch = when !== undefined && when < c.server.now();
    c.watched.push({ db: c.db, key, expiredAtWatch });
  }
  c.ok();
}

function unwatch(c: Client): void {
  unwatchAll(c);
  c.ok();
}

export const commands: CommandDef[] = [
  { name: 'multi', handler: multi, internal: ['multi-immediate'] },
  { name: 'exec', handler: exec, internal: ['multi-immediate', 'runs-queued'] },
  { name: 'discard', handler: discard, internal: ['multi-immediate'] },
  { name: 'watch', handler: watch, internal: ['multi-immediate'] },
  { name: 'unwatch', handler: unwatch },
];
