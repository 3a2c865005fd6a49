// Why: replication as the server sees it: the per-server state and its hooks (stream flush before
// replies, cron, replica disconnections, the NOREPLICAS / READONLY / MASTERDOWN admission checks),
// the commands (REPLICAOF/SLAVEOF, ROLE, REPLCONF, PSYNC, SYNC, WAIT), INFO replication with
// Redis's fields, and the start-up entry point (the `replicaof` directive).
import type { Client } from '../server/client.js';
import type { Command, CommandDef } from '../server/command-table.js';
import type { Server } from '../server/server.js';
import { unwatchAll } from '../server/server.js';
import { fail } from '../server/errors.js';
import { parseLL } from '../resp/request-parser.js';
import { adminState } from '../server/admin-state.js';
import { extendInfoSection, fmt2 } from '../server/info.js';
import { registerConfigApply } from '../server/config-cmd.js';
import { clientInfoLine } from '../server/connection.js';
import { unblock, type BlockState } from '../server/blocking.js';
import { RState, Replication } from './state.js';
import { MasterLink, type CachedMaster } from './replica.js';
import { persistence } from '../persistence/rdb-commands.js';
import { saveInfoSources } from '../persistence/rdb-file.js';
import type { SaveInfo } from '../persistence/rdb-writer.js';
import { parseBigLL } from '../server/args.js';
import { beforeReplies, disconnectReplicas, masterCron, replconf, replicaClosed, syncCommand, waitCommand, waitReplicasBeforeShutdown } from './master.js';

const states = new WeakMap<Server, Replication>();

/** The server's replication state; the first call hooks replication into the server. */
export function replication(server: Server): Replication {
  let st = states.get(server);
  if (st) return st;
  const r = new Replication(server, adminState(server).replid);
  states.set(server, r);
  let lastSecond = 0;
  server.beforeReplyHooks.push(() => beforeReplies(r));
  server.cronHooks.push(() => {
    masterCron(r);
    const link = linkOf(r);
    if (!link) return;
    link.tick();
    const sec = Math.floor(Date.now() / 1000);
    if (sec !== lastSecond) {
      lastSecond = sec;
      link.cron();
    }
  });
  server.onClientClose.push((c) => {
    if (c.replRole === 'replica') replicaClosed(r, c);
  });
  server.commandChecks.push((c, cmd) => admission(r, c, cmd));
  // Before anything is saved or closed: let the replicas catch up.
  server.shutdownHooks.unshift((opts) => waitReplicasBeforeShutdown(r, opts.now === true));
  saveInfoSources.set(server, () => saveInfo(r));
  return r;
}

/**
 * rdbPopulateSaveInfo: the position RDB files carry. A master has one only with a backlog (it is
 * in a replication chain); a replica takes the DB from its master client, connected or cached.
 */
function saveInfo(st: Replication): SaveInfo | null {
  const s = st.server;
  let streamDb: number;
  if (s.masterHost === null) {
    if (st.backlog === null) return null;
    // -1: no write since the last full sync; the next one emits SELECT, so 0 is safe.
    streamDb = st.slaveseldb === -1 ? 0 : st.slaveseldb;
  } else {
    const link = linkOf(st);
    if (link?.mc) streamDb = link.mc.db.id;
    else if (link?.cached) streamDb = Math.max(link.cached.dbid, 0);
    else return null;
  }
  return { streamDb, replid: st.replid, offset: st.masterReplOffset };
}

/**
 * loadDataFromDisk's replication part: an RDB saved with a replication position (repl-id,
 * repl-offset, repl-stream-db) lets a replica continue with PSYNC after a restart (the cached
 * master, replicationCacheMasterUsingMyself) and a master keep its history as ID2 for replicas.
 */
function restorePosition(st: Replication, aux: Map<string, string>): CachedMaster | null {
  const id = aux.get('repl-id');
  const off = aux.get('repl-offset');
  const db = aux.get('repl-stream-db');
  if (id === undefined || id.length !== 40 || off === undefined || db === undefined) return null;
  const offset = Number(parseBigLL(off.trim()) ?? -1n);
  const dbid = Number.parseInt(db, 10);
  if (offset === -1 || !Number.isSafeInteger(offset) || Number.isNaN(dbid) || dbid === -1) return null;
  const s = st.server;
  if (s.config.str('replicaof') !== '') {
    st.replid = id;
    st.masterReplOffset = offset;
    s.log.notice(
      'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.',
    );
    return { replid: id, reploff: offset, dbid };
  }
  st.replid2 = id;
  st.secondReplidOffset = offset + 1;
  st.masterReplOffset = offset;
  st.createBacklog();
  st.noReplicasSince = Date.now();
  return null;
}

function linkOf(st: Replication): MasterLink | null {
  return st.link as MasterLink | null;
}

/** Start-up: hook replication in and follow the `replicaof` directive, once listening. */
export function replicationStartup(server: Server): void {
  const st = replication(server);
  const aux = persistence(server).startupAux;
  const cached = aux ? restorePosition(st, aux) : null;
  const v = server.config.str('replicaof');
  if (v !== '') {
    const sp = v.lastIndexOf(' ');
    setMaster(st, v.slice(0, sp), Number(v.slice(sp + 1)), false, cached);
  }
}

// ---------------------------------------------------------------------------------------------
// Admission checks (processCommand's NOREPLICAS / READONLY / MASTERDOWN)

function admission(st: Replication, c: Client, cmd: Command): string | null {
  if (c.replRole === 'master') return null; // our master is always obeyed
  const s = st.server;
  const queued = c.multi !== null && cmd.internal.has('runs-queued') ? c.multi : null;
  const isWrite = cmd.write || (queued !== null && queued.some(([q]) => q.write));
  if (isWrite) {
    if (s.masterHost === null) {
      // Checked for every write: the threshold is a hot config field, not a Map lookup.
      const need = s.config.hot.minReplicasToWrite;
      if (need > 0 && s.config.num('min-replicas-max-lag') > 0 && st.goodReplicas < need) {
        return abortExec(c, queued, 'NOREPLICAS Not enough good replicas to write.');
      }
    } else if (s.config.bool('replica-read-only')) {
      return abortExec(c, queued, "READONLY You can't write against a read only replica.");
    }
  }
  if (s.masterHost !== null && !s.config.bool('replica-serve-stale-data') && !(st.link?.connected() ?? false)) {
    const denyStale = !cmd.flags.has('stale') || (queued !== null && queued.some(([q]) => !q.flags.has('stale')));
    if (denyStale) return abortExec(c, queued, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
  }
  return null;
}

/** rejectCommand on EXEC: execCommandAbort discards the transaction. */
function abortExec(c: Client, queued: unknown[] | null, msg: string): string {
  if (queued === null) return msg;
  c.multi = null;
  c.multiDirty = false;
  unwatchAll(c);
  return 'EXECABORT Transaction discarded because of: ' + msg;
}

// ---------------------------------------------------------------------------------------------
// Becoming a replica / a master

/** disconnectAllBlockedClients: clients blocked on a master must not wait on a replica. */
function disconnectBlocked(s: Server): void {
  for (const c of s.clients.values()) {
    const b = c.blocked as BlockState | null;
    if (!b || typeof b !== 'object' || b.kind !== 'keys') continue;
    unblock(s, c);
    c.err('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
    c.closeAfterReply = true;
  }
}

/** replicationSetMaster */
function setMaster(st: Replication, host: string, port: number, user = true, restored: CachedMaster | null = null): void {
  const s = st.server;
  const wasMaster = s.masterHost === null;
  const old = linkOf(st);
  let cached = restored;
  if (old) {
    old.close();
    cached = old.cached;
  }
  s.masterHost = host;
  st.updatePropagator();
  s.config.values.set('replicaof', `${host} ${port}`);
  if (user) disconnectBlocked(s);
  if (wasMaster && user) {
    // Try to PSYNC with the new master using our own history (it may have been our replica).
    st.flush();
    s.log.notice(
      'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.',
    );
    cached = { replid: st.replid, reploff: st.masterReplOffset, dbid: -1 };
  }
  const link = new MasterLink(st, host, port);
  link.cached = cached;
  st.link = link;
  link.connect();
}

/** replicationUnsetMaster (REPLICAOF NO ONE): keep the data, keep the history as ID2. */
function unsetMaster(st: Replication): void {
  const s = st.server;
  if (s.masterHost === null) return;
  linkOf(st)?.close();
  st.link = null;
  s.masterHost = null;
  s.config.values.set('replicaof', '');
  st.shiftReplicationId();
  st.updatePropagator();
  // The replicas learn the new ID by reconnecting; they continue with a partial resync.
  disconnectReplicas(st);
  st.slaveseldb = -1;
  st.noReplicasSince = Date.now();
}

function replicaof(c: Client, argv: string[]): void {
  const s = c.server;
  const st = replication(s);
  if (s.config.bool('cluster-enabled')) fail('ERR REPLICAOF not allowed in cluster mode.');
  if (argv[1].toLowerCase() === 'no' && argv[2].toLowerCase() === 'one') {
    if (s.masterHost !== null) {
      unsetMaster(st);
      s.log.notice(`MASTER MODE enabled (user request from '${clientInfoLine(c)}')`);
    }
    c.ok();
    return;
  }
  if (c.replRole === 'replica') fail('ERR Command is not valid when client is a replica.');
  const port = parseLL(argv[2]);
  if (port === null || port < 0 || port > 65535) fail('ERR Invalid master port');
  const link = linkOf(st);
  if (s.masterHost !== null && link && link.host.toLowerCase() === argv[1].toLowerCase() && link.port === port) {
    s.log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    c.simple('OK Already connected to specified master');
    return;
  }
  setMaster(st, argv[1], port);
  s.log.notice(`REPLICAOF ${argv[1]}:${port} enabled (user request from '${clientInfoLine(c)}')`);
  c.ok();
}

function role(c: Client): void {
  const s = c.server;
  const st = replication(s);
  const link = linkOf(st);
  if (s.masterHost === null || !link) {
    st.flush();
    const online = st.replicas.filter((r) => r.state === RState.Online);
    c.arrayLen(3);
    c.bulk('master');
    c.int(st.masterReplOffset);
    c.arrayLen(online.length);
    for (const r of online) c.bulks([r.ip(), String(r.listeningPort), String(r.ackOff)]);
    return;
  }
  c.arrayLen(5);
  c.bulk('slave');
  c.bulk(link.host);
  c.int(link.port);
  c.bulk(link.roleState());
  c.int(link.mc ? link.reploff : -1);
}

// ---------------------------------------------------------------------------------------------
// INFO

extendInfoSection('replication', (s, f) => {
  const st = replication(s);
  st.flush();
  const link = linkOf(st);
  const now = Date.now();
  f.clear();
  f.set('role', s.masterHost === null ? 'master' : 'slave');
  if (s.masterHost !== null && link) {
    const off = link.mc ? link.reploff : link.cached ? link.cached.reploff : 1;
    const readOff = link.mc ? link.readReploff : off;
    f.set('master_host', link.host);
    f.set('master_port', link.port);
    f.set('master_link_status', link.connected() ? 'up' : 'down');
    f.set('master_last_io_seconds_ago', link.mc ? Math.floor((now - link.mc.lastInteraction) / 1000) : -1);
    f.set('master_sync_in_progress', link.state === 'transfer' ? 1 : 0);
    f.set('slave_read_repl_offset', readOff);
    f.set('slave_repl_offset', off);
    if (link.state === 'transfer') {
      const total = Math.max(link.transferSize, 0);
      f.set('master_sync_total_bytes', total);
      f.set('master_sync_read_bytes', link.transferRead);
      f.set('master_sync_left_bytes', total - link.transferRead);
      f.set('master_sync_perc', fmt2(total ? (link.transferRead / total) * 100 : 0));
      f.set('master_sync_last_io_seconds_ago', Math.floor((now - link.lastio) / 1000));
    }
    if (!link.connected()) f.set('master_link_down_since_seconds', link.downSince ? Math.floor((now - link.downSince) / 1000) : -1);
    f.set('slave_priority', s.config.num('replica-priority'));
    f.set('slave_read_only', s.config.bool('replica-read-only') ? 1 : 0);
    f.set('replica_announced', s.config.bool('replica-announced') ? 1 : 0);
  }
  f.set('connected_slaves', st.replicas.length);
  if (s.config.num('min-replicas-to-write') > 0 && s.config.num('min-replicas-max-lag') > 0) f.set('min_slaves_good_slaves', st.goodReplicas);
  let i = 0;
  for (const r of st.replicas) {
    const lag = r.state === RState.Online ? Math.floor(now / 1000) - Math.floor(r.ackTime / 1000) : 0;
    f.set(`slave${i++}`, `ip=${r.ip()},port=${r.listeningPort},state=${r.stateName},offset=${r.ackOff},lag=${lag}`);
  }
  const bl = st.backlog;
  f.set('master_failover_state', 'no-failover');
  f.set('master_replid', st.replid);
  f.set('master_replid2', st.replid2);
  f.set('master_repl_offset', st.masterReplOffset);
  f.set('second_repl_offset', st.secondReplidOffset);
  f.set('repl_backlog_active', bl ? 1 : 0);
  f.set('repl_backlog_size', bl ? bl.size : s.config.num('repl-backlog-size'));
  f.set('repl_backlog_first_byte_offset', bl ? bl.start : 0);
  f.set('repl_backlog_histlen', bl ? bl.histlen : 0);
});

extendInfoSection('stats', (s, f) => {
  const st = replication(s);
  f.set('total_net_repl_input_bytes', st.netReplInput);
  f.set('total_net_repl_output_bytes', st.netReplOutput);
  f.set('sync_full', st.syncFull);
  f.set('sync_partial_ok', st.syncPartialOk);
  f.set('sync_partial_err', st.syncPartialErr);
});

extendInfoSection('clients', (s, f) => {
  // Redis: connected_clients counts everything but our replicas.
  const n = f.get('connected_clients');
  if (typeof n === 'number') f.set('connected_clients', n - replication(s).replicas.length);
});

extendInfoSection('memory', (s, f) => {
  if (!f.has('mem_replication_backlog')) return;
  const bl = replication(s).backlog;
  f.set('mem_replication_backlog', bl ? bl.histlen : 0);
});

registerConfigApply('repl-backlog-size', (s) => {
  const st = replication(s);
  st.flush();
  st.backlog?.resize(s.config.num('repl-backlog-size'));
  return null;
});

registerConfigApply('min-replicas-to-write', (s) => {
  replication(s).refreshGoodReplicas();
  return null;
});

// ---------------------------------------------------------------------------------------------
// Commands

export const commands: CommandDef[] = [
  { name: 'replicaof', handler: replicaof },
  { name: 'slaveof', handler: replicaof },
  { name: 'role', handler: role },
  {
    name: 'replconf',
    handler: (c, a) => {
      const st = replication(c.server);
      replconf(st, c, a, () => linkOf(st)?.sendAck());
    },
  },
  { name: 'psync', handler: (c, a) => syncCommand(replication(c.server), c, a, () => unsetMaster(replication(c.server))) },
  { name: 'sync', handler: (c, a) => syncCommand(replication(c.server), c, a, () => unsetMaster(replication(c.server))) },
  { name: 'wait', handler: (c, a) => waitCommand(replication(c.server), c, a) },
];
