// Why: INFO — Redis 7.0.15's sections, field names and field order, section selection
// ("default", "all", "everything", several names), and a hook other subsystems (persistence,
// replication, cluster) use to fill in their own fields without editing this file.
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Client } from './client.js';
import type { Server } from './server.js';
import type { Command } from './command-table.js';
import { EDDY_VERSION, REDIS_VERSION } from './server.js';
import { adminState, sampleMemory } from './admin-state.js';
import { blockedCount } from './blocking.js';
import { latencyHistogram, latencyPercentiles } from './latency-track.js';

export type InfoFields = Map<string, string | number>;
type Extender = (server: Server, fields: InfoFields) => void;

/** section name (lower case) -> functions that add or replace fields (persistence, replication...) */
const extenders = new Map<string, Extender[]>();

/**
 * Let a subsystem contribute to an INFO section: `fn` receives the section's fields in order and may
 * set (existing keys keep their position, new ones are appended) or delete entries.
 */
export function extendInfoSection(section: string, fn: Extender): void {
  const list = extenders.get(section) ?? [];
  list.push(fn);
  extenders.set(section, list);
}

/** Fields eddy has no counterpart for (fork, defrag, tracking...): always 0, in Redis's order. */
function zero(f: InfoFields, ...names: string[]): void {
  for (const n of names) f.set(n, 0);
}

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'errorstats', 'cluster', 'keyspace'];

interface Section {
  /** names that select it */
  names: string[];
  title: string;
  gen: (s: Server) => InfoFields;
}

export function fmt2(n: number): string {
  return (Number.isFinite(n) ? n : 0).toFixed(2);
}

/** Redis's bytesToHuman. */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let d = n / 1024;
  for (const u of units) {
    if (d < 1024 || u === 'P') return fmt2(d) + u;
    d /= 1024;
  }
  return `${n}B`;
}

let buildId = '';
function redisBuildId(): string {
  return (buildId ||= createHash('sha1').update('eddy-' + EDDY_VERSION).digest('hex').slice(0, 16));
}

/** server.hz as Redis adapts it to the number of clients (dynamic-hz). */
export function effectiveHz(s: Server): number {
  let hz = s.config.num('hz');
  if (s.config.bool('dynamic-hz')) {
    while (s.clients.size / hz > 200) {
      hz *= 2;
      if (hz > 500) {
        hz = 500;
        break;
      }
    }
  }
  return hz;
}

export function lruClock(): number {
  return Math.floor(Date.now() / 1000) & ((1 << 24) - 1);
}

function serverSection(s: Server): InfoFields {
  const up = Math.floor((Date.now() - s.startTime) / 1000);
  const f: InfoFields = new Map();
  const cfgFile = (s.config.values.get('configfile' as never) as string | undefined) ?? '';
  f.set('redis_version', REDIS_VERSION);
  f.set('eddy_version', EDDY_VERSION);
  f.set('redis_git_sha1', '00000000');
  f.set('redis_git_dirty', 0);
  f.set('redis_build_id', redisBuildId());
  f.set('redis_mode', s.config.bool('cluster-enabled') ? 'cluster' : 'standalone');
  f.set('os', `${os.type()} ${os.release()} ${os.machine()}`);
  f.set('arch_bits', 64);
  f.set('monotonic_clock', 'POSIX clock_gettime');
  f.set('multiplexing_api', process.platform === 'linux' ? 'epoll' : process.platform === 'win32' ? 'winsock' : 'kqueue');
  f.set('atomicvar_api', 'c11-builtin');
  f.set('gcc_version', '0.0.0');
  f.set('process_id', process.pid);
  f.set('process_supervised', 'no');
  f.set('run_id', s.runId);
  f.set('tcp_port', s.config.port);
  f.set('server_time_usec', Date.now() * 1000 + Math.floor((performance.now() % 1) * 1000));
  f.set('uptime_in_seconds', up);
  f.set('uptime_in_days', Math.floor(up / 86400));
  f.set('hz', effectiveHz(s));
  f.set('configured_hz', s.config.num('hz'));
  f.set('lru_clock', lruClock());
  f.set('executable', process.argv[1] ? path.resolve(process.argv[1]) : process.execPath);
  f.set('config_file', cfgFile);
  f.set('io_threads_active', 0);
  return f;
}

function clientsSection(s: Server): InfoFields {
  let maxOut = 0;
  let maxIn = 0;
  for (const c of s.clients.values()) {
    if (c.out.length > maxOut) maxOut = c.out.length;
    const q = c.queue.length - c.qpos;
    if (q > maxIn) maxIn = q;
  }
  const f: InfoFields = new Map();
  f.set('connected_clients', s.clients.size);
  f.set('cluster_connections', 0);
  f.set('maxclients', s.config.num('maxclients'));
  f.set('client_recent_max_input_buffer', maxIn);
  f.set('client_recent_max_output_buffer', maxOut);
  f.set('blocked_clients', blockedCount(s));
  f.set('tracking_clients', 0);
  f.set('clients_in_timeout_table', 0);
  return f;
}

function clientsOutput(s: Server): number {
  let n = 0;
  for (const c of s.clients.values()) n += c.out.length;
  return n;
}

function memorySection(s: Server): InfoFields {
  const mu = process.memoryUsage();
  const { used, peak } = sampleMemory(s);
  const st = adminState(s);
  const clientsMem = clientsOutput(s);
  const overhead = Math.min(used, st.startupMemory + clientsMem);
  const dataset = used - overhead;
  const netUsed = used - st.startupMemory;
  const maxmem = s.config.num('maxmemory');
  const total = os.totalmem();
  const f: InfoFields = new Map();
  f.set('used_memory', used);
  f.set('used_memory_human', bytesToHuman(used));
  f.set('used_memory_rss', mu.rss);
  f.set('used_memory_rss_human', bytesToHuman(mu.rss));
  f.set('used_memory_peak', peak);
  f.set('used_memory_peak_human', bytesToHuman(peak));
  f.set('used_memory_peak_perc', fmt2((used * 100) / peak) + '%');
  f.set('used_memory_overhead', overhead);
  f.set('used_memory_startup', st.startupMemory);
  f.set('used_memory_dataset', dataset);
  f.set('used_memory_dataset_perc', fmt2(netUsed > 0 ? (dataset * 100) / netUsed : 0) + '%');
  f.set('allocator_allocated', mu.heapUsed);
  f.set('allocator_active', mu.heapTotal);
  f.set('allocator_resident', mu.rss);
  f.set('total_system_memory', total);
  f.set('total_system_memory_human', bytesToHuman(total));
  f.set('used_memory_lua', 0);
  f.set('used_memory_vm_eval', 0);
  f.set('used_memory_lua_human', '0B');
  zero(
    f,
    'used_memory_scripts_eval', 'number_of_cached_scripts', 'number_of_functions', 'number_of_libraries',
    'used_memory_vm_functions', 'used_memory_vm_total',
  );
  f.set('used_memory_vm_total_human', '0B');
  f.set('used_memory_functions', 0);
  f.set('used_memory_scripts', 0);
  f.set('used_memory_scripts_human', '0B');
  f.set('maxmemory', maxmem);
  f.set('maxmemory_human', bytesToHuman(maxmem));
  f.set('maxmemory_policy', s.config.str('maxmemory-policy'));
  f.set('allocator_frag_ratio', fmt2(mu.heapTotal / Math.max(1, mu.heapUsed)));
  f.set('allocator_frag_bytes', mu.heapTotal - mu.heapUsed);
  f.set('allocator_rss_ratio', fmt2(mu.rss / Math.max(1, mu.heapTotal)));
  f.set('allocator_rss_bytes', mu.rss - mu.heapTotal);
  f.set('rss_overhead_ratio', fmt2(1));
  f.set('rss_overhead_bytes', 0);
  f.set('mem_fragmentation_ratio', fmt2(mu.rss / Math.max(1, used)));
  f.set('mem_fragmentation_bytes', mu.rss - used);
  zero(f, 'mem_not_counted_for_evict', 'mem_replication_backlog', 'mem_total_replication_buffers', 'mem_clients_slaves');
  f.set('mem_clients_normal', clientsMem);
  f.set('mem_cluster_links', 0);
  f.set('mem_aof_buffer', 0);
  f.set('mem_allocator', 'libc');
  zero(f, 'active_defrag_running', 'lazyfree_pending_objects', 'lazyfreed_objects');
  return f;
}

function persistenceSection(s: Server): InfoFields {
  const f: InfoFields = new Map();
  f.set('loading', s.loading ? 1 : 0);
  zero(f, 'async_loading', 'current_cow_peak', 'current_cow_size', 'current_cow_size_age');
  f.set('current_fork_perc', '0.00');
  f.set('current_save_keys_processed', 0);
  f.set('current_save_keys_total', 0);
  f.set('rdb_changes_since_last_save', s.dirty);
  f.set('rdb_bgsave_in_progress', 0);
  f.set('rdb_last_save_time', s.lastSave);
  f.set('rdb_last_bgsave_status', 'ok');
  f.set('rdb_last_bgsave_time_sec', -1);
  f.set('rdb_current_bgsave_time_sec', -1);
  zero(f, 'rdb_saves', 'rdb_last_cow_size', 'rdb_last_load_keys_expired', 'rdb_last_load_keys_loaded');
  f.set('aof_enabled', s.config.bool('appendonly') ? 1 : 0);
  f.set('aof_rewrite_in_progress', 0);
  f.set('aof_rewrite_scheduled', 0);
  f.set('aof_last_rewrite_time_sec', -1);
  f.set('aof_current_rewrite_time_sec', -1);
  f.set('aof_last_bgrewrite_status', 'ok');
  f.set('aof_rewrites', 0);
  f.set('aof_rewrites_consecutive_failures', 0);
  f.set('aof_last_write_status', 'ok');
  zero(f, 'aof_last_cow_size', 'module_fork_in_progress', 'module_fork_last_cow_size');
  return f;
}

function statsSection(s: Server): InfoFields {
  const st = s.stats;
  const f: InfoFields = new Map();
  f.set('total_connections_received', st.totalConnections);
  f.set('total_commands_processed', st.totalCommands);
  f.set('instantaneous_ops_per_sec', st.opsPerSec);
  f.set('total_net_input_bytes', st.netInput);
  f.set('total_net_output_bytes', st.netOutput);
  f.set('total_net_repl_input_bytes', 0);
  f.set('total_net_repl_output_bytes', 0);
  f.set('instantaneous_input_kbps', fmt2(st.inputKbps));
  f.set('instantaneous_output_kbps', fmt2(st.outputKbps));
  f.set('instantaneous_input_repl_kbps', '0.00');
  f.set('instantaneous_output_repl_kbps', '0.00');
  f.set('rejected_connections', st.rejectedConnections);
  zero(f, 'sync_full', 'sync_partial_ok', 'sync_partial_err');
  f.set('expired_keys', st.expiredKeys);
  f.set('expired_stale_perc', fmt2(st.expiredStalePerc * 100));
  f.set('expired_time_cap_reached_count', st.expiredTimeCapReached);
  f.set('expire_cycle_cpu_milliseconds', 0);
  f.set('evicted_keys', st.evictedKeys);
  zero(f, 'evicted_clients', 'total_eviction_exceeded_time', 'current_eviction_exceeded_time');
  f.set('keyspace_hits', st.keyspaceHits);
  f.set('keyspace_misses', st.keyspaceMisses);
  f.set('pubsub_channels', s.pubsub.channels.size);
  f.set('pubsub_patterns', s.pubsub.patterns.size);
  zero(
    f,
    'pubsubshard_channels', 'latest_fork_usec', 'total_forks', 'migrate_cached_sockets',
    'slave_expires_tracked_keys', 'active_defrag_hits', 'active_defrag_misses', 'active_defrag_key_hits',
    'active_defrag_key_misses', 'total_active_defrag_time', 'current_active_defrag_time',
    'tracking_total_keys', 'tracking_total_items', 'tracking_total_prefixes',
  );
  f.set('unexpected_error_replies', st.unexpectedErrorReplies);
  f.set('total_error_replies', st.totalErrorReplies);
  zero(
    f,
    'dump_payload_sanitizations', 'total_reads_processed', 'total_writes_processed',
    'io_threaded_reads_processed', 'io_threaded_writes_processed', 'reply_buffer_shrinks',
    'reply_buffer_expands',
  );
  return f;
}

function replicationSection(s: Server): InfoFields {
  const f: InfoFields = new Map();
  f.set('role', 'master');
  f.set('connected_slaves', 0);
  f.set('master_failover_state', 'no-failover');
  f.set('master_replid', adminState(s).replid);
  f.set('master_replid2', '0000000000000000000000000000000000000000');
  f.set('master_repl_offset', 0);
  f.set('second_repl_offset', -1);
  f.set('repl_backlog_active', 0);
  const bl = s.config.values.get('repl-backlog-size');
  f.set('repl_backlog_size', typeof bl === 'number' ? bl : 1048576);
  f.set('repl_backlog_first_byte_offset', 0);
  f.set('repl_backlog_histlen', 0);
  return f;
}

function cpuTime(us: number): string {
  return `${Math.floor(us / 1e6)}.${String(Math.floor(us % 1e6)).padStart(6, '0')}`;
}

function cpuSection(): InfoFields {
  const u = process.cpuUsage();
  const f: InfoFields = new Map();
  f.set('used_cpu_sys', cpuTime(u.system));
  f.set('used_cpu_user', cpuTime(u.user));
  f.set('used_cpu_sys_children', '0.000000');
  f.set('used_cpu_user_children', '0.000000');
  f.set('used_cpu_sys_main_thread', cpuTime(u.system));
  f.set('used_cpu_user_main_thread', cpuTime(u.user));
  return f;
}

/** Top-level commands and their subcommands, containers included (they count rejected calls). */
function* everyCommand(s: Server): Generator<Command> {
  for (const c of s.commands.commands.values()) {
    yield c;
    if (c.subcommands) yield* c.subcommands.values();
  }
}

function commandstatsSection(s: Server): InfoFields {
  const f: InfoFields = new Map();
  for (const c of everyCommand(s)) {
    if (!c.calls && !c.failedCalls && !c.rejectedCalls) continue;
    f.set(
      'cmdstat_' + c.fullName,
      `calls=${c.calls},usec=${c.usec},usec_per_call=${fmt2(c.calls ? c.usec / c.calls : 0)},rejected_calls=${c.rejectedCalls},failed_calls=${c.failedCalls}`,
    );
  }
  return f;
}

function errorstatsSection(s: Server): InfoFields {
  const f: InfoFields = new Map();
  for (const [k, n] of s.stats.errors) f.set('errorstat_' + k, `count=${n}`);
  return f;
}

function fmt3(n: number): string {
  return n.toFixed(3);
}

function latencystatsSection(s: Server): InfoFields {
  const f: InfoFields = new Map();
  const ps = latencyPercentiles(s);
  for (const c of everyCommand(s)) {
    const h = latencyHistogram(c);
    if (!h || h.total === 0) continue;
    f.set('latency_percentiles_usec_' + c.fullName, ps.map((p) => `p${p}=${fmt3(h.valueAtPercentile(p) / 1000)}`).join(','));
  }
  return f;
}

function clusterSection(s: Server): InfoFields {
  return new Map([['cluster_enabled', s.config.bool('cluster-enabled') ? 1 : 0]]);
}

function keyspaceSection(s: Server): InfoFields {
  const f: InfoFields = new Map();
  for (const db of s.dbs) {
    if (db.dict.size === 0 && db.expires.size === 0) continue;
    f.set('db' + db.id, `keys=${db.dict.size},expires=${db.expires.size},avg_ttl=${Math.floor(db.avgTtl)}`);
  }
  return f;
}

const SECTIONS: Section[] = [
  { names: ['server'], title: 'Server', gen: serverSection },
  { names: ['clients'], title: 'Clients', gen: clientsSection },
  { names: ['memory'], title: 'Memory', gen: memorySection },
  { names: ['persistence'], title: 'Persistence', gen: persistenceSection },
  { names: ['stats'], title: 'Stats', gen: statsSection },
  { names: ['replication'], title: 'Replication', gen: replicationSection },
  { names: ['cpu'], title: 'CPU', gen: cpuSection },
  { names: ['module_list', 'modules'], title: 'Modules', gen: () => new Map() },
  { names: ['commandstats'], title: 'Commandstats', gen: commandstatsSection },
  { names: ['errorstats'], title: 'Errorstats', gen: errorstatsSection },
  { names: ['latencystats'], title: 'Latencystats', gen: latencystatsSection },
  { names: ['cluster'], title: 'Cluster', gen: clusterSection },
  { names: ['keyspace'], title: 'Keyspace', gen: keyspaceSection },
];

/** The fields of one section (after extensions), for code that wants values rather than text. */
export function infoSection(server: Server, name: string): InfoFields {
  const sec = SECTIONS.find((x) => x.names.includes(name));
  if (!sec) return new Map();
  const f = sec.gen(server);
  for (const e of extenders.get(sec.names[0]) ?? []) e(server, f);
  return f;
}

/** genRedisInfoString: the INFO text for the requested section arguments. */
export function genInfoString(server: Server, args: readonly string[]): string {
  let all = false;
  const wanted = new Set<string>();
  if (args.length === 0) for (const d of DEFAULT_SECTIONS) wanted.add(d);
  for (const a of args) {
    const l = a.toLowerCase();
    if (l === 'default') for (const d of DEFAULT_SECTIONS) wanted.add(d);
    else if (l === 'all' || l === 'everything') all = true;
    else wanted.add(l);
  }
  let out = '';
  let n = 0;
  for (const sec of SECTIONS) {
    if (!all && !sec.names.some((x) => wanted.has(x))) continue;
    if (n++) out += '\r\n';
    out += '# ' + sec.title + '\r\n';
    for (const [k, v] of infoSection(server, sec.names[0])) out += k + ':' + v + '\r\n';
  }
  return out;
}

export function infoCommand(c: Client, argv: string[]): void {
  c.verbatim(genInfoString(c.server, argv.slice(1)));
}
