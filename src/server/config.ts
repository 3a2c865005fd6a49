// Why: every redis.conf directive eddy understands, with Redis's types, defaults, bounds, aliases
// and error texts, shared by the config-file reader, `--directive` overrides, CONFIG GET/SET and
// CONFIG REWRITE. A directive not listed here is refused, never silently ignored.
import { splitArgs } from '../resp/request-parser.js';
import { keyspaceEventsCanonical, keyspaceEventsFlagsToString, keyspaceEventsStringToFlags } from './pubsub.js';

export type ConfigValue = string | number | boolean | string[];

interface ParamBase {
  name: string;
  alias?: string;
  immutable?: boolean;
  /** called after a successful CONFIG SET / load */
  apply?: string;
  /** how CONFIG GET / REWRITE show the stored value, when not String(value) */
  format?: (v: ConfigValue) => string;
}
interface BoolParam extends ParamBase {
  kind: 'bool';
  def: boolean;
}
interface IntParam extends ParamBase {
  kind: 'int';
  def: number;
  min: number;
  max: number;
}
interface MemParam extends ParamBase {
  kind: 'mem';
  def: number;
  min: number;
  max: number;
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
}
/** parameters with several words (save, bind...) kept as the normalised string CONFIG GET shows */
interface SpecialParam extends ParamBase {
  kind: 'special';
  def: string;
  parse: (args: string[]) => string | { error: string };
}
export type Param = BoolParam | IntParam | MemParam | StrParam | EnumParam | SpecialParam;

const INT_MAX = 2147483647;
const LLONG_MAX = Number.MAX_SAFE_INTEGER;

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

function saveParse(args: string[]): string | { error: string } {
  const joined = args.join(' ').trim();
  if (joined === '') return '';
  const parts = joined.split(/\s+/);
  if (parts.length % 2 !== 0) return { error: 'Invalid save parameters' };
  for (const p of parts) if (!/^\d+$/.test(p)) return { error: 'Invalid save parameters' };
  return parts.join(' ');
}

const bool = (name: string, def: boolean, extra: Partial<BoolParam> = {}): BoolParam => ({ name, kind: 'bool', def, ...extra });
const int = (name: string, def: number, min: number, max: number, extra: Partial<IntParam> = {}): IntParam => ({
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
  { name: 'bind', kind: 'special', def: '* -::*', parse: (a) => (a.length ? a.join(' ') : { error: 'Too many bind addresses specified.' }), apply: 'listen' },
  bool('protected-mode', true),
  bool('daemonize', false, { immutable: true }),
  str('pidfile', '', { immutable: true }),
  str('logfile', '', { immutable: true }),
  enm('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning', 'nothing']),
  str('dir', '', { apply: 'dir' }),
  int('databases', 16, 1, INT_MAX, { immutable: true }),
  str('requirepass', '', { apply: 'requirepass' }),
  str('masterauth', ''),
  str('masteruser', ''),
  int('timeout', 0, 0, INT_MAX),
  int('tcp-keepalive', 300, 0, INT_MAX),
  int('tcp-backlog', 511, 0, INT_MAX, { immutable: true }),
  int('maxclients', 10000, 1, INT_MAX),
  mem('proto-max-bulk-len', 512 * 1024 * 1024, { min: 1024 * 1024 }),
  mem('client-query-buffer-limit', 1024 * 1024 * 1024, { min: 1024 * 1024 }),
  int('hz', 10, 1, 500, { apply: 'hz' }),
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
  { name: 'save', kind: 'special', def: '3600 1 300 100 60 10000', parse: saveParse },
  str('dbfilename', 'dump.rdb'),
  bool('rdbcompression', true),
  bool('rdbchecksum', true),
  bool('stop-writes-on-bgsave-error', true),
  bool('appendonly', false, { apply: 'appendonly' }),
  enm('appendfsync', 'everysec', ['always', 'everysec', 'no']),
  str('appendfilename', 'appendonly.aof', { immutable: true }),
  str('appenddirname', 'appendonlydir', { immutable: true }),
  int('slowlog-log-slower-than', 10000, -1, LLONG_MAX),
  int('slowlog-max-len', 128, 0, LLONG_MAX),
  int('latency-monitor-threshold', 0, 0, LLONG_MAX),
  mem('maxmemory', 0),
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
  int('maxmemory-samples', 5, 1, 64),
  int('list-max-listpack-size', -2, -5, INT_MAX, { alias: 'list-max-ziplist-size' }),
  int('list-compress-depth', 0, 0, INT_MAX),
  int('hash-max-listpack-entries', 512, 0, LLONG_MAX, { alias: 'hash-max-ziplist-entries' }),
  mem('hash-max-listpack-value', 64, { alias: 'hash-max-ziplist-value' }),
  int('set-max-intset-entries', 512, 0, LLONG_MAX),
  int('zset-max-listpack-entries', 128, 0, LLONG_MAX, { alias: 'zset-max-ziplist-entries' }),
  mem('zset-max-listpack-value', 64, { alias: 'zset-max-ziplist-value' }),
  mem('stream-node-max-bytes', 4096),
  int('stream-node-max-entries', 100, 0, LLONG_MAX),
  bool('lazyfree-lazy-user-flush', false),
  bool('lazyfree-lazy-user-del', false),
  bool('lazyfree-lazy-server-del', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-eviction', false),
  str('unixsocket', '', { immutable: true }),
  bool('replica-read-only', true, { alias: 'slave-read-only' }),
  bool('replica-serve-stale-data', true, { alias: 'slave-serve-stale-data' }),
  enm('shutdown-on-sigterm', 'default', ['default', 'save', 'nosave', 'now', 'force']),
  enm('shutdown-on-sigint', 'default', ['default', 'save', 'nosave', 'now', 'force']),
  bool('enable-debug-command', true),
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
  if (args.length !== 1) throw new ConfigError('wrong number of arguments');
  const v = args[0];
  switch (p.kind) {
    case 'bool': {
      const l = v.toLowerCase();
      if (l === 'yes') return true;
      if (l === 'no') return false;
      throw new ConfigError("argument must be 'yes' or 'no'");
    }
    case 'int': {
      if (!/^-?\d+$/.test(v)) throw new ConfigError("argument couldn't be parsed into an integer");
      const n = Number(v);
      if (n < p.min || n > p.max) throw new ConfigError(`argument must be between ${p.min} and ${p.max} inclusive`);
      return n;
    }
    case 'mem': {
      const n = parseMemory(v);
      if (n === null) throw new ConfigError('argument must be a memory value');
      if (n < p.min || n > p.max) throw new ConfigError(`argument must be between ${p.min} and ${p.max} inclusive`);
      return n;
    }
    case 'enum': {
      const l = v.toLowerCase();
      if (!p.values.includes(l)) throw new ConfigError(`argument(s) must be one of the following: ${p.values.join(', ')}`);
      return l;
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

export class Config {
  values = new Map<string, ConfigValue>();

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
      const [name, ...args] = argv!;
      if (name.toLowerCase() === 'include') continue;
      const p = findParam(name);
      if (!p || (p.kind !== 'special' && args.length !== 1)) fail('Bad directive or wrong number of arguments');
      try {
        this.values.set(p!.name, parseValue(p!, args));
      } catch (e) {
        fail((e as Error).message);
      }
    }
  }
}
