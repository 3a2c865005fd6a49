// Why: the one mechanism behind every blocking command (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK,
// XREADGROUP BLOCK...). A handler that finds nothing to serve calls blockForKeys(); when a write
// signals a key as ready, the blocked clients are retried in FIFO order after the current command
// (or EXEC) finishes, by re-running their command through call() — so a served blocking pop is
// counted, notified and propagated exactly like the plain pop its handler rewrites itself into.
import type { Client } from './client.js';
import type { Server } from './server.js';
import type { Db } from '../datatypes/db.js';
import type { Command } from './command-table.js';
import { call } from './dispatch.js';
import { fail } from './errors.js';

export interface BlockState {
  kind: 'keys';
  cmd: Command;
  argv: string[];
  db: Db;
  keys: string[];
  timer: NodeJS.Timeout | null;
  onTimeout: (c: Client) => void;
  /** absolute ms deadline, 0 = forever */
  deadline: number;
}

/** Per-server registry: "dbid\0key" -> FIFO of blocked clients. */
interface Registry {
  byKey: Map<string, Client[]>;
  ready: Map<string, [Db, string]>;
  handling: boolean;
  retrying: Client | null;
  retryBlocked: boolean;
}

const registries = new WeakMap<Server, Registry>();

function reg(server: Server): Registry {
  let r = registries.get(server);
  if (!r) {
    r = { byKey: new Map(), ready: new Map(), handling: false, retrying: null, retryBlocked: false };
    registries.set(server, r);
    server.onClientClose.push((c) => unblock(server, c));
  }
  return r;
}

/**
 * Parse a blocking timeout in seconds (decimal allowed) as Redis 7.0 does; returns ms (0 = forever).
 */
export function parseTimeout(s: string): number {
  const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(v)) fail('ERR timeout is not a float or out of range');
  if (v < 0) fail('ERR timeout is negative');
  return Math.ceil(v * 1000);
}

/** Number of clients blocked on keys (INFO blocked_clients). */
export function blockedCount(server: Server): number {
  let n = 0;
  for (const c of server.clients.values()) if (c.blocked && (c.blocked as BlockState).kind === 'keys') n++;
  return n;
}

/**
 * Block the current client on `keys` until one is signalled ready or `timeoutMs` passes (0 =
 * forever). Callers must not block inside MULTI/EXEC (serve an empty reply instead).
 */
export function blockForKeys(c: Client, keys: string[], timeoutMs: number, onTimeout: (c: Client) => void): void {
  const server = c.server;
  const r = reg(server);
  if (r.retrying === c) {
    // A retry found nothing to serve: keep the client's place in the queues.
    r.retryBlocked = true;
    return;
  }
  const st: BlockState = {
    kind: 'keys',
    cmd: c.cmd!,
    argv: c.argv,
    db: c.db,
    keys: [...new Set(keys)],
    timer: null,
    onTimeout,
    deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0,
  };
  for (const k of st.keys) {
    const id = c.db.id + '\0' + k;
    let q = r.byKey.get(id);
    if (!q) r.byKey.set(id, (q = []));
    q.push(c);
  }
  if (timeoutMs > 0) {
    st.timer = setTimeout(() => {
      if (c.blocked !== st) return;
      unblock(server, c);
      st.onTimeout(c);
      server.resumeClient(c);
    }, timeoutMs);
  }
  c.blocked = st;
  // Blocked commands are not propagated (nothing changed yet).
  c.suppressPropagation = true;
}

/** Remove a client from every key queue (served, timed out, killed, disconnected). */
export function unblock(server: Server, c: Client): void {
  const st = c.blocked as BlockState | null;
  if (!st || st.kind !== 'keys') return;
  const r = reg(server);
  for (const k of st.keys) {
    const id = st.db.id + '\0' + k;
    const q = r.byKey.get(id);
    if (!q) continue;
    const i = q.indexOf(c);
    if (i >= 0) q.splice(i, 1);
    if (q.length === 0) r.byKey.delete(id);
  }
  if (st.timer) clearTimeout(st.timer);
  c.blocked = null;
}

/** signalKeyAsReady: a push/add to `key` may serve clients blocked on it. */
export function signalKeyAsReady(db: Db, key: string): void {
  const r = registries.get(db.server);
  if (!r || r.byKey.size === 0) return;
  const id = db.id + '\0' + key;
  if (r.byKey.has(id)) r.ready.set(id, [db, key]);
}

/** CLIENT UNBLOCK: time the client out now (or fail it with UNBLOCKED). */
export function unblockByRequest(server: Server, target: Client, withError: boolean): boolean {
  const st = target.blocked as BlockState | null;
  if (!st || st.kind !== 'keys') return false;
  unblock(server, target);
  if (withError) target.err('UNBLOCKED client unblocked via CLIENT UNBLOCK');
  else st.onTimeout(target);
  server.resumeClient(target);
  return true;
}

/**
 * handleClientsBlockedOnKeys: called after every top-level command. Serves clients blocked on the
 * keys signalled ready, in FIFO order per key, until no key is ready (a served BLMOVE may make
 * another key ready).
 */
export function handleBlockedClients(server: Server): void {
  const r = registries.get(server);
  if (!r || r.ready.size === 0 || r.handling) return;
  r.handling = true;
  try {
    while (r.ready.size) {
      const batch = [...r.ready.values()];
      r.ready.clear();
      for (const [db, key] of batch) {
        const id = db.id + '\0' + key;
        const q = r.byKey.get(id);
        if (!q) continue;
        for (const c of [...q]) {
          const st = c.blocked as BlockState | null;
          if (!st || st.kind !== 'keys') continue;
          if (!db.dict.has(key)) break; // nothing left to serve on this key
          c.db = st.db;
          r.retrying = c;
          r.retryBlocked = false;
          try {
            call(server, c, st.cmd, st.argv);
          } finally {
            r.retrying = null;
          }
          if (!r.retryBlocked) {
            // Served: leave every queue and go on with the client's pipeline.
            unblock(server, c);
            server.flushPropagation();
            server.resumeClient(c);
          }
        }
      }
    }
  } finally {
    r.handling = false;
  }
}
