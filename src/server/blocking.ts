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
import { parseDouble } from './args.js';

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
  /** also retried when the key is deleted or replaced (XREADGROUP fails with UNBLOCKED then) */
  wakeOnGone?: boolean;
}

/** Per-server registry: "dbid\0key" -> FIFO of blocked clients. */
interface Registry {
  byKey: Map<string, Client[]>;
  ready: Map<string, [Db, string]>;
  handling: boolean;
  retrying: Client | null;
  /** the ready key the retried client is being served from */
  retryKey: string | null;
  retryBlocked: boolean;
}

const registries = new WeakMap<Server, Registry>();

function reg(server: Server): Registry {
  let r = registries.get(server);
  if (!r) {
    r = { byKey: new Map(), ready: new Map(), handling: false, retrying: null, retryKey: null, retryBlocked: false };
    registries.set(server, r);
    server.onClientClose.push((c) => unblock(server, c));
  }
  return r;
}

/**
 * getTimeoutFromObjectOrReply(UNIT_SECONDS) as Redis 7.0: a long double (strtold rules: hex, inf),
 * ceil(seconds * 1000) ms; a result that is negative or overflows the int64 cast (inf, 1e20) is
 * "timeout is negative", -0.0001 rounds to 0 (= forever). Returns ms (0 = forever).
 */
export function parseTimeout(s: string): number {
  let v = parseDouble(s);
  if (v !== null && !Number.isFinite(v) && !/^[+-]?inf/i.test(s) && decimalExponent(s) > 4932) v = null; // strtold ERANGE
  if (v === null) fail('ERR timeout is not a float or out of range');
  // Below JS's double range but a valid long double (1e-400): a tiny non-zero value.
  if (v === 0 && !/^[+-]?0[xX]/.test(s) && /[1-9]/.test(s.split(/[eE]/)[0])) v = s[0] === '-' ? -Number.MIN_VALUE : Number.MIN_VALUE;
  const ms = Math.ceil(v * 1000);
  if (!(ms >= 0 && ms < 9223372036854775807)) fail('ERR timeout is negative');
  return ms + 0; // -0 -> 0
}

/** Rough base-10 magnitude of a decimal literal (digits before the point + exponent). */
function decimalExponent(s: string): number {
  const m = /^[+-]?0*(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return 0;
  const lead = m[1].length > 0 ? m[1].length - 1 : -((m[2] ?? '').search(/[1-9]/) + 1);
  return lead + Number(m[3] ?? 0);
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
  // Beyond setTimeout's 2^31-1 ms (~24.8 days) the client waits as if forever.
  if (timeoutMs > 0 && timeoutMs <= 2147483647) {
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

/**
 * While a blocked client is retried because `key` became ready: that key (Redis 7.0 serves the
 * client from the ready key only, and only if it holds the type it waits for). Null otherwise.
 */
export function servingKey(c: Client): string | null {
  const r = registries.get(c.server);
  return r !== undefined && r.retrying === c ? r.retryKey : null;
}

/** signalKeyAsReady: a push/add to `key` may serve clients blocked on it. */
/** Is any client blocked on any key of this server (a cheap check before per-key work)? */
export function anyBlockedOnKeys(server: Db['server']): boolean {
  const r = registries.get(server);
  return r !== undefined && r.byKey.size !== 0;
}

export function signalKeyAsReady(db: Db, key: string): void {
  const r = registries.get(db.server);
  if (!r || r.byKey.size === 0) return;
  const id = db.id + '\0' + key;
  if (r.byKey.has(id)) r.ready.set(id, [db, key]);
}

/**
 * scanDatabaseForDeletedStreams (FLUSHDB / FLUSHALL): the stream keys of `db` that clients are
 * blocked on are signalled, so blocked XREADGROUP clients learn that their stream is gone.
 */
export function signalDeletedStreams(db: Db): void {
  const r = registries.get(db.server);
  if (!r || r.byKey.size === 0) return;
  const prefix = db.id + '\0';
  for (const id of r.byKey.keys()) {
    if (!id.startsWith(prefix)) continue;
    const key = id.slice(prefix.length);
    const v = db.dict.get(key);
    if (v !== undefined && typeof v !== 'string' && v.type === 'stream') r.ready.set(id, [db, key]);
  }
}

/** CLIENT UNBLOCK: time the client out now (or fail it with UNBLOCKED). */
export function unblockByRequest(server: Server, target: Client, withError: boolean): boolean {
  const st = target.blocked as BlockState | null;
  if (!st || st.kind !== 'keys') return false;
  unblock(server, target);
  st.cmd.failedCalls++; // updateStatsOnUnblock(..., had_errors=1) either way, as Redis 7.0
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
          if (!db.dict.has(key) && !st.wakeOnGone) continue; // nothing left to serve on this key
          c.db = st.db;
          r.retrying = c;
          r.retryKey = key;
          r.retryBlocked = false;
          try {
            call(server, c, st.cmd, st.argv);
          } finally {
            r.retrying = null;
            r.retryKey = null;
          }
          // Redis counts a blocking command once, when first called (calls, total_commands).
          st.cmd.calls--;
          server.stats.totalCommands--;
          c.totCmds--;
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
