// Why: every redis.conf directive eddy understands, with Redis's types, defaults, bounds, aliases
// and error texts, shared by the config-file reader, `--directive` overrides, CONFIG GET/SET and
// CONFIG REWRITE. A directive not listed here is refused, never silently ignored.
import { splitArgs } from '../resp/request-parser.js';
import { parseBigLL } from './args.js';
import { keyspaceEventsCanonical, keyspaceEventsFlagsToString, keyspaceEventsStringToFlags } from './pubsub.js';

export type ConfigValue = string | number | boolean | string[];

interface ParamBase {
  name: string;
  alias?: string;
  immutable?: boolean;
  /** called after a successful CONFIG SET / load */
  apply?: string;
  /** CONFIG SET refuses it unless enable-protected-configs allows (Redis PROTECTED_CONFIG) */
  protected?: boolean;
  /** its value is redacted from the slowlog and MONITOR (Redis SENSITIVE_CONFIG) */
  sensitive?: boolean;
  /** CONFIG SET splits the value on spaces (Redis MULTI_ARG_CONFIG: save, bind...) */
  multiArg?: boolean;
  /** how CONFIG GET / REWRITE show the stored value, when not String(value) */
  format?: (v: ConfigValue) => string;
}
interface BoolParam extends ParamBase {
  kind: 'bool';
  def: boolean;
}
/** Redis's numeric configs: bounds are checked on the int64 (or uint64 when `unsigned`) value */
interface NumericBase extends ParamBase {
  def: number;
  min: number | bigint;
  max: number | bigint;
  /** size_t / unsigned long / unsigned int configs: negative input wraps and fails the range check */
  unsigned?: boolean;
  /** the stored value is clamped into this range after parsing (hz) */
  clamp?: [number, number];
}
interface IntParam extends NumericBase {
  kind: 'int';
}
/** MEMORY_CONFIG: accepts 1k / 1kb / 1m / 1mb / 1g / 1gb units (memtoull) */
interface MemParam extends NumericBase {
  kind: 'mem';
}
interface StrParam extends ParamBase {
  kind: 'str';
  def: string;
  validate?: (v: string) => string | null;
}
interface EnumParam extends ParamBase {
  kind: 'enum';
  def: string;
  values: string[];
  /** a set of flags (shutdown-on-sigterm "nosave now"): several space-separated values */
  multi?: boolean;
}
/** parameters with several words (save, bind...) kept as the normalised string CONFIG GET shows */
interface SpecialParam extends ParamBase {
  kind: 'special';
  def: string;
  parse: (args: string[]) => string | { error: string };
}
export type Param = BoolParam | IntParam | MemParam | StrParam | EnumParam | SpecialParam;

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const UINT_MAX = 4294967295;
const LLONG_MAX = 9223372036854775807n;
const ULLONG_MAX = 18446744073709551615n;
const U64 = 1n << 64n;

const MEM_UNITS: Record<string, bigint> = { '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1048576n, g: 1000000000n, gb: 1073741824n };

/** Redis's memtoull: digits plus an optional unit, as an unsigned 64-bit value (wrapping). */
export function memtoull(s: string): bigint | null {
  if (s[0] === '-') return null;
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const mul = MEM_UNITS[s.slice(i).toLowerCase()];
  if (mul === undefined || i >= 128) return null;
  let v = i === 0 ? 0n : BigInt(s.slice(0, i));
  if (v >= U64) v = ULLONG_MAX; // strtoull saturates
  return (v * mul) % U64;
}

/** numericParseString + numericBoundaryCheck of Redis 7.0, returning the stored number. */
function parseNumeric(p: IntParam | MemParam, v: string): number {
  let res: bigint | null;
  if (p.kind === 'mem') {
    res = memtoull(v);
    if (res !== null && res > LLONG_MAX) res -= U64; // stored into a long long first
    if (res === null) throw new ConfigError('argument must be a memory value');
  } else {
    res = parseBigLL(v);
    if (res === null) throw new ConfigError("argument couldn't be parsed into an integer");
  }
  const min = BigInt(p.min);
  const max = BigInt(p.max);
  if (p.unsigned) {
    const u = res < 0n ? res + U64 : res;
    if (u > max || u < min) throw new ConfigError(`argument must be between ${min} and ${max} inclusive`);
    res = u;
  } else if (res > max || res < min) {
    throw new ConfigError(`argument must be between ${min} and ${max} inclusive`);
  }
  let n = Number(res);
  if (p.clamp) n = Math.min(p.clamp[1], Math.max(p.clamp[0], n));
  return n;
}

export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s);
  if (!m) return null;
  const mul: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 * 1024, g: 1e9, gb: 1024 * 1024 * 1024 };
  return Number(m[1]) * (m[2] ? mul[m[2].toLowerCase()] : 1);
}

/**
 * notify-keyspace-events as stored: Redis's keyspaceEventsFlagsToString form (plus the 'n' that 'A'
 * hides in that form, see keyspaceEventsCanonical), or null for a character that is not a class.
 */
export function normaliseNotify(v: string): string | null {
  const flags = keyspaceEventsStringToFlags(v);
  return flags < 0 ? null : keyspaceEventsCanonical(flags);
}

/** setConfigSaveOption: "<seconds> <changes>" pairs, seconds >= 1, changes >= 0 (strtoll rules). */
function saveParse(args: string[]): string | { error: string } {
  if (args.length === 1 && args[0] === '') args = [];
  const err = { error: 'Invalid save parameters' };
  if (args.length % 2 !== 0) return err;
  const out: number[] = [];
  for (let j = 0; j < args.length; j++) {
    const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(args[j]);
    const v = args[j] === '' ? 0 : m ? Number(m[1]) : NaN;
    if (Number.isNaN(v) || (j % 2 === 0 && v < 1) || (j % 2 === 1 && v < 0)) return err;
    out.push(v);
  }
  return out.join(' ');
}

/** setConfigReplicaOfOption: "<host> <port>" (port 0..65535, strtol rules) or "no one" (''). */
function replicaofParse(args: string[]): string | { error: string } {
  if (args.length !== 2) return { error: 'wrong number of arguments' };
  if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return '';
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(args[1]);
  const port = m ? Number(m[1]) : NaN;
  if (!(port >= 0 && port <= 65535)) return { error: 'Invalid master port' };
  return `${args[0]} ${port}`;
}

/** latency-tracking-info-percentiles: numbers in 0..100, shown as Redis prints doubles ("%f" trimmed). */
function parsePercentiles(args: string[]): string | { error: string } {
  const out: string[] = [];
  for (const a of args) {
    const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(a) ? Number(a) : NaN;
    if (Number.isNaN(v)) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    if (v < 0 || v > 100) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    out.push(String(Number(v.toFixed(6))));
  }
  return out.join(' ');
}

/** isValidAOFfilename / isValidAOFdirname: not empty, not a path. */
function aofName(v: string, param: string, what: string): string | null {
  if (v === '') return `${param} can't be empty`;
  return v.includes('/') || v.includes('\\') ? `${param} can't be a path, just a ${what}` : null;
}

const bool = (name: string, def: boolean, extra: Partial<BoolParam> = {}): BoolParam => ({ name, kind: 'bool', def, ...extra });
const int = (name: string, def: number, min: number | bigint, max: number | bigint, extra: Partial<IntParam> = {}): IntParam => ({
  name,
  kind: 'int',
  def,
  min,
  max,
  ...extra,
});
const mem = (name: string, def: number, extra: Partial<MemParam> = {}): MemParam => ({
  name,
  kind: 'mem',
  def,
  min: 0,
  max: LLONG_MAX,
  ...extra,
});
const str = (name: string, def: string, extra: Partial<StrParam> = {}): StrParam => ({ name, kind: 'str', def, ...extra });
const enm = (name: string, def: string, values: string[], extra: Partial<EnumParam> = {}): EnumParam => ({
  name,
  kind: 'enum',
  def,
  values,
  ...extra,
});

export const PARAMS: Param[] = [
  int('port', 6379, 0, 65535, { apply: 'listen' }),
  {
    name: 'bind',
    kind: 'special',
    def: '* -::*',
    multiArg: true,
    // Redis: at most 16 addresses; a single empty argument means "no address".
    parse: (a) => (a.length > 16 ? { error: 'Too many bind addresses specified.' } : a.length === 1 && a[0] === '' ? '' : a.join(' ')),
    apply: 'listen',
  },
  bool('protected-mode', true),
  bool('daemonize', false, { immutable: true }),
  str('pidfile', '', { immutable: true }),
  str('logfile', '', { immutable: true }),
  enm('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning']),
  str('dir', '', { apply: 'dir', protected: true }),
  int('databases', 16, 1, INT_MAX, { immutable: true }),
  str('requirepass', '', { apply: 'requirepass', sensitive: true }),
  str('masterauth', '', { sensitive: true }),
  str('masteruser', ''),
  int('timeout', 0, 0, INT_MAX),
  int('tcp-keepalive', 300, 0, INT_MAX),
  int('tcp-backlog', 511, 0, INT_MAX, { immutable: true }),
  int('maxclients', 10000, 1, UINT_MAX, { unsigned: true }),
  mem('proto-max-bulk-len', 512 * 1024 * 1024, { min: 1024 * 1024 }),
  mem('client-query-buffer-limit', 1024 * 1024 * 1024, { min: 1024 * 1024, unsigned: true }),
  int('hz', 10, 0, INT_MAX, { apply: 'hz', clamp: [1, 500] }),
  bool('dynamic-hz', true),
  int('active-expire-effort', 1, 1, 10),
  {
    name: 'notify-keyspace-events',
    kind: 'special',
    def: '',
    parse: (a) => {
      if (a.length !== 1) return { error: 'wrong number of arguments' };
      const v = normaliseNotify(a[0]);
      return v === null ? { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." } : v;
    },
    format: (v) => keyspaceEventsFlagsToString(keyspaceEventsStringToFlags(v as string)),
  },
  { name: 'save', kind: 'special', def: '3600 1 300 100 60 10000', parse: saveParse, multiArg: true },
  str('dbfilename', 'dump.rdb', { protected: true, validate: (v) => (v.includes('/') ? "dbfilename can't be a path, just a filename" : null) }),
  bool('rdbcompression', true),
  bool('rdbchecksum', true, { immutable: true }),
  bool('stop-writes-on-bgsave-error', true),
  int('rdb-key-save-delay', 0, INT_MIN, INT_MAX),
  int('key-load-delay', 0, INT_MIN, INT_MAX),
  bool('appendonly', false, { apply: 'appendonly' }),
  enm('appendfsync', 'everysec', ['everysec', 'always', 'no']),
  str('appendfilename', 'appendonly.aof', { immutable: true, validate: (v) => aofName(v, 'appendfilename', 'filename') }),
  str('appenddirname', 'appendonlydir', { immutable: true, validate: (v) => aofName(v, 'appenddirname', 'dirname') }),
  bool('aof-use-rdb-preamble', true),
  bool('aof-load-truncated', true),
  bool('aof-timestamp-enabled', false),
  bool('aof-rewrite-incremental-fsync', true),
  bool('no-appendfsync-on-rewrite', false),
  int('auto-aof-rewrite-percentage', 100, 0, INT_MAX),
  mem('auto-aof-rewrite-min-size', 64 * 1024 * 1024),
  int('slowlog-log-slower-than', 10000, -1, LLONG_MAX),
  int('slowlog-max-len', 128, 0, LLONG_MAX, { unsigned: true }),
  int('latency-monitor-threshold', 0, 0, LLONG_MAX),
  mem('maxmemory', 0, { max: ULLONG_MAX, unsigned: true }),
  enm('maxmemory-policy', 'noeviction', [
    'volatile-lru',
    'volatile-lfu',
    'volatile-random',
    'volatile-ttl',
    'allkeys-lru',
    'allkeys-lfu',
    'allkeys-random',
    'noeviction',
  ]),
  int('maxmemory-samples', 5, 1, INT_MAX),
  int('list-max-listpack-size', -2, INT_MIN, INT_MAX, { alias: 'list-max-ziplist-size' }),
  int('list-compress-depth', 0, 0, INT_MAX),
  int('hash-max-listpack-entries', 512, 0, LLONG_MAX, { alias: 'hash-max-ziplist-entries', unsigned: true }),
  mem('hash-max-listpack-value', 64, { alias: 'hash-max-ziplist-value', unsigned: true }),
  int('set-max-intset-entries', 512, 0, LLONG_MAX, { unsigned: true }),
  int('zset-max-listpack-entries', 128, 0, LLONG_MAX, { alias: 'zset-max-ziplist-entries', unsigned: true }),
  mem('zset-max-listpack-value', 64, { alias: 'zset-max-ziplist-value', unsigned: true }),
  mem('stream-node-max-bytes', 4096, { unsigned: true }),
  int('stream-node-max-entries', 100, 0, LLONG_MAX),
  bool('lazyfree-lazy-user-flush', false),
  bool('lazyfree-lazy-user-del', false),
  bool('lazyfree-lazy-server-del', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-eviction', false),
  str('unixsocket', '', { immutable: true }),
  bool('replica-read-only', true, { alias: 'slave-read-only' }),
  bool('replica-serve-stale-data', true, { alias: 'slave-serve-stale-data' }),
  // Replication (src/replication/). `replicaof` holds "host port" ('' on a master): REPLICAOF updates it.
  { name: 'replicaof', alias: 'slaveof', kind: 'special', def: '', immutable: true, multiArg: true, parse: replicaofParse },
  mem('repl-backlog-size', 1024 * 1024, { min: 1, apply: 'repl-backlog-size' }),
  int('repl-backlog-ttl', 3600, 0, LLONG_MAX),
  bool('repl-diskless-sync', true),
  int('repl-diskless-sync-delay', 5, 0, INT_MAX),
  int('repl-diskless-sync-max-replicas', 0, 0, INT_MAX),
  enm('repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb']),
  int('repl-ping-replica-period', 10, 1, INT_MAX, { alias: 'repl-ping-slave-period' }),
  int('repl-timeout', 60, 1, INT_MAX),
  bool('repl-disable-tcp-nodelay', false),
  int('min-replicas-to-write', 0, 0, INT_MAX, { alias: 'min-slaves-to-write', apply: 'min-replicas-to-write' }),
  int('min-replicas-max-lag', 10, 0, INT_MAX, { alias: 'min-slaves-max-lag', apply: 'min-replicas-to-write' }),
  int('replica-priority', 100, 0, INT_MAX, { alias: 'slave-priority' }),
  str('replica-announce-ip', '', { alias: 'slave-announce-ip' }),
  int('replica-announce-port', 0, 0, 65535, { alias: 'slave-announce-port' }),
  bool('replica-announced', true),
  bool('replica-lazy-flush', false, { alias: 'slave-lazy-flush' }),
  bool('replica-ignore-maxmemory', true, { alias: 'slave-ignore-maxmemory' }),
  bool('replica-ignore-disk-write-errors', false),
  enm('shutdown-on-sigterm', 'default', ['default', 'save', 'nosave', 'now', 'force'], { multi: true, multiArg: true }),
  enm('shutdown-on-sigint', 'default', ['default', 'save', 'nosave', 'now', 'force'], { multi: true, multiArg: true }),
  // eddy allows DEBUG by default (Redis: 'no'); 'local' limits it to loopback connections.
  enm('enable-debug-command', 'yes', ['no', 'yes', 'local'], { immutable: true }),
  enm('enable-protected-configs', 'no', ['no', 'yes', 'local'], { immutable: true }),
  bool('latency-tracking', true),
  {
    name: 'latency-tracking-info-percentiles',
    kind: 'special',
    def: '50 99 99.9',
    multiArg: true,
    parse: parsePercentiles,
  },
  bool('cluster-enabled', false, { immutable: true }),
];

const byName = new Map<string, Param>();
for (const p of PARAMS) {
  byName.set(p.name, p);
  if (p.alias) byName.set(p.alias, p);
}

export function findParam(name: string): Param | undefined {
  return byName.get(name.toLowerCase());
}

export class ConfigError extends Error {}

/** Parse one directive's arguments into its value; throws ConfigError with Redis's message. */
export function parseValue(p: Param, args: string[]): ConfigValue {
  if (p.kind === 'special') {
    const r = p.parse(args);
    if (typeof r === 'object') throw new ConfigError(r.error);
    return r;
  }
  const multiEnum = p.kind === 'enum' && p.multi === true;
  if (args.length !== 1 && !multiEnum) throw new ConfigError('wrong number of arguments');
  const v = multiEnum ? args.join(' ') : args[0];
  switch (p.kind) {
    case 'bool': {
      const l = v.toLowerCase();
      if (l === 'yes') return true;
      if (l === 'no') return false;
      throw new ConfigError("argument must be 'yes' or 'no'");
    }
    case 'int':
    case 'mem':
      return parseNumeric(p, v);
    case 'enum': {
      const words = p.multi ? v.toLowerCase().split(' ') : [v.toLowerCase()];
      for (const w of words) {
        if (!p.values.includes(w)) throw new ConfigError(`argument(s) must be one of the following: ${p.values.join(', ')}`);
      }
      // flags are shown in the table's order, the zero flag only alone (configEnumGetName)
      const set = p.values.filter((x, i) => words.includes(x) && (i > 0 || words.length === 1 || !p.multi));
      return set.join(' ');
    }
    case 'str':
      if (p.validate) {
        const e = p.validate(v);
        if (e) throw new ConfigError(e);
      }
      return v;
  }
}

export function formatValue(p: Param, v: ConfigValue): string {
  if (p.format) return p.format(v);
  if (p.kind === 'bool') return v ? 'yes' : 'no';
  return String(v);
}

/** Simple glob for CONFIG GET patterns. */
export type Globber = (pattern: string, s: string, nocase: boolean) => boolean;

/**
 * Parameters read on every request (parser limits, call() bookkeeping), mirrored into plain fields
 * so the hot path does not pay a Map lookup per read; kept in step by HotValues.set.
 */
export interface HotConfig {
  maxBulkLen: number;
  queryBufferLimit: number;
  slowlogLogSlowerThan: number;
  latencyTracking: boolean;
  notifyKeyspaceEvents: string;
  minReplicasToWrite: number;
}

const HOT_KEYS: Record<string, keyof HotConfig> = {
  'proto-max-bulk-len': 'maxBulkLen',
  'client-query-buffer-limit': 'queryBufferLimit',
  'slowlog-log-slower-than': 'slowlogLogSlowerThan',
  'latency-tracking': 'latencyTracking',
  'notify-keyspace-events': 'notifyKeyspaceEvents',
  'min-replicas-to-write': 'minReplicasToWrite',
};

/** The parameter map; every write of a hot parameter also lands in Config.hot. */
class HotValues extends Map<string, ConfigValue> {
  constructor(private readonly hot: HotConfig) {
    super();
  }
  override set(name: string, v: ConfigValue): this {
    super.set(name, v);
    const h = HOT_KEYS[name];
    if (h !== undefined) (this.hot as unknown as Record<string, ConfigValue>)[h] = v;
    return this;
  }
}

export class Config {
  readonly hot: HotConfig = {
    maxBulkLen: 0,
    queryBufferLimit: 0,
    slowlogLogSlowerThan: 0,
    latencyTracking: false,
    notifyKeyspaceEvents: '',
    minReplicasToWrite: 0,
  };
  values: Map<string, ConfigValue> = new HotValues(this.hot);

  constructor() {
    for (const p of PARAMS) this.values.set(p.name, p.def);
  }

  get(name: string): ConfigValue {
    return this.values.get(name)!;
  }
  num(name: string): number {
    return this.values.get(name) as number;
  }
  bool(name: string): boolean {
    return this.values.get(name) as boolean;
  }
  str(name: string): string {
    return this.values.get(name) as string;
  }

  get port(): number {
    return this.num('port');
  }
  get requirepass(): string {
    return this.str('requirepass');
  }

  set(name: string, args: string[]): Param {
    const p = findParam(name);
    if (!p) throw new ConfigError('Bad directive or wrong number of arguments');
    this.values.set(p.name, parseValue(p, args));
    return p;
  }

  /**
   * Apply a redis.conf text plus `--directive value` overrides (already joined as config lines, as
   * redis-server does). Throws with Redis's FATAL CONFIG FILE ERROR text.
   */
  load(text: string): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '' || line.startsWith('#')) continue;
      const argv = splitArgs(line);
      const fail = (msg: string): never => {
        throw new ConfigError(
          `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line ${i + 1}\n>>> '${line}'\n${msg}`,
        );
      };
      if (argv === null) fail('Unbalanced quotes in configuration line');
      const [name, ...rest] = argv!;
      if (name.toLowerCase() === 'include') continue;
      const p = findParam(name);
      // Redis 7.0: a multi-arg directive given as one non-empty argument is split on spaces
      // (`--save "3600 1"`).
      const args = p?.multiArg && rest.length === 1 && rest[0] !== '' ? (splitArgs(rest[0]) ?? rest) : rest;
      if (!p || (p.kind !== 'special' && !(p.kind === 'enum' && p.multi) && args.length !== 1)) fail('Bad directive or wrong number of arguments');
      try {
        this.values.set(p!.name, parseValue(p!, args));
      } catch (e) {
        fail((e as Error).message);
      }
    }
  }
}
