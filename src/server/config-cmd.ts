// Why: CONFIG GET/SET/RESETSTAT/REWRITE/HELP with Redis 7.0's semantics: glob patterns and aliases
// in GET, all-or-nothing multi-parameter SET with Redis's error texts, the side effects a new value
// has on the running server (the "apply" step), and the statistics reset.
import type { Client } from './client.js';
import type { Server } from './server.js';
import type { CommandDef } from './command-table.js';
import { findParam, formatValue, parseValue, PARAMS, ConfigError, type Param, type ConfigValue } from './config.js';
import { stringMatch } from '../datatypes/glob.js';
import { replyHelp } from './help.js';
import { rewriteConfigFile } from './config-rewrite.js';
import { ERR_SYNTAX, fail } from './errors.js';

/** Result of an apply step: null = fine, a string = Redis's error text for "CONFIG SET failed". */
type ApplyResult = string | null;
export type ApplyFn = (server: Server, c: Client | null) => ApplyResult | Promise<ApplyResult>;

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  EPERM: 'Operation not permitted',
};

/** What a CONFIG SET of a parameter with `apply: name` must do to the running server. */
const appliers = new Map<string, ApplyFn>([
  [
    'hz',
    (s) => {
      // Redis stores any non-negative hz and clamps it to 1..500 (CONFIG_MIN_HZ..CONFIG_MAX_HZ).
      const hz = Math.min(500, Math.max(1, s.config.num('hz')));
      s.config.values.set('hz', hz);
      s.startCron();
      return null;
    },
  ],
  [
    'dir',
    (s) => {
      try {
        process.chdir(s.config.str('dir'));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        return ERRNO_TEXT[code] ?? (e as Error).message;
      }
      s.config.values.set('dir', process.cwd());
      return null;
    },
  ],
  [
    'requirepass',
    (s) => {
      // Without a password the default user is "nopass": every connection is authenticated.
      if (s.config.requirepass === '') for (const cl of s.clients.values()) cl.authenticated = true;
      return null;
    },
  ],
  [
    'listen',
    async (s) => {
      try {
        await s.relisten(true);
        return null;
      } catch {
        return 'Failed to bind to specified addresses.';
      }
    },
  ],
]);

/** Let a subsystem (persistence: appendonly, replication...) run code when its parameter changes. */
export function registerConfigApply(name: string, fn: ApplyFn): void {
  appliers.set(name, fn);
}

function hasGlob(s: string): boolean {
  return s.includes('*') || s.includes('?') || s.includes('[');
}

function configGet(c: Client, argv: string[]): void {
  const cfg = c.server.config;
  const out = new Map<string, string>();
  for (let i = 2; i < argv.length; i++) {
    const pat = argv[i];
    if (!hasGlob(pat)) {
      if (out.has(pat)) continue;
      const p = findParam(pat);
      if (p) out.set(pat, formatValue(p, cfg.get(p.name)));
      continue;
    }
    for (const p of PARAMS) {
      for (const name of p.alias ? [p.name, p.alias] : [p.name]) {
        if (!out.has(name) && stringMatch(pat, name, true)) out.set(name, formatValue(p, cfg.get(p.name)));
      }
    }
  }
  c.mapLen(out.size);
  let s = '';
  for (const [k, v] of out) s += '$' + k.length + '\r\n' + k + '\r\n$' + v.length + '\r\n' + v + '\r\n';
  c.add(s);
}

/** Redis's allowProtectedAction for enable-protected-configs / enable-debug-command. */
export function allowProtected(server: Server, c: Client, param: string): boolean {
  const v = server.config.values.get(param);
  if (v === true || v === 'yes') return true;
  if (v === 'local') return isLocal(c);
  return false;
}

function isLocal(c: Client): boolean {
  if (!c.socket) return true;
  const a = c.addr;
  return a.startsWith('127.') || a.startsWith('::1') || a.startsWith('[::1]') || a === '';
}

function same(a: ConfigValue, b: ConfigValue): boolean {
  return String(a) === String(b);
}

function configSet(c: Client, argv: string[]): void {
  const s = c.server;
  const cfg = s.config;
  if (argv.length % 2 !== 0) fail(ERR_SYNTAX);
  const n = (argv.length - 2) / 2;
  const params: Param[] = [];
  const values: string[] = [];
  let unknown: string | null = null;
  let errArg = '';
  let errStr: string | null = null;
  for (let i = 0; i < n; i++) {
    const name = argv[2 + i * 2];
    const p = findParam(name);
    if (!p) {
      if (unknown === null && errStr === null) unknown = name;
      continue;
    }
    const value = argv[3 + i * 2];
    // Sensitive values never reach the slowlog or MONITOR (redactClientCommandArgument).
    if (p.sensitive) argv[3 + i * 2] = '(redacted)';
    if (unknown !== null || errStr !== null) continue;
    if (p.immutable || (p.protected && !allowProtected(s, c, 'enable-protected-configs'))) {
      errStr = p.immutable ? "can't set immutable config" : "can't set protected config";
      errArg = name;
      continue;
    }
    if (params.includes(p)) {
      errStr = 'duplicate parameter';
      errArg = name;
      continue;
    }
    params.push(p);
    values.push(value);
  }
  if (unknown !== null) fail(`ERR Unknown option or number of arguments for CONFIG SET - '${unknown}'`);
  if (errStr !== null) fail(`ERR CONFIG SET failed (possibly related to argument '${errArg}') - ${errStr}`);

  // Parse everything first: nothing changes unless every value is valid.
  const parsed: ConfigValue[] = [];
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const v = values[i];
    const args = p.multiArg ? (v === '' ? [] : v.split(' ')) : [v];
    try {
      parsed.push(parseValue(p, args));
    } catch (e) {
      if (e instanceof ConfigError) fail(`ERR CONFIG SET failed (possibly related to argument '${p.name}') - ${e.message}`);
      throw e;
    }
  }
  const old = params.map((p) => cfg.get(p.name));
  const applies: [string, Param][] = [];
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    cfg.values.set(p.name, parsed[i]);
    const changed = p.kind === 'special' || !same(old[i], parsed[i]);
    if (changed && p.apply && !applies.some(([a]) => a === p.apply)) applies.push([p.apply, p]);
  }
  const restore = () => {
    for (let i = 0; i < params.length; i++) cfg.values.set(params[i].name, old[i]);
  };
  const failed = (p: Param, msg: string) =>
    `ERR CONFIG SET failed (possibly related to argument '${p.name}') - ${p.name === 'port' && p.apply === 'listen' ? 'Unable to listen on this port' : msg}`;

  // Synchronous side effects first; asynchronous ones (re-listening) make the client wait.
  const pending: [Promise<ApplyResult>, Param][] = [];
  for (const [name, p] of applies) {
    const fn = appliers.get(name);
    if (!fn) continue;
    const r = fn(s, c);
    if (r instanceof Promise) {
      pending.push([r, p]);
    } else if (r !== null) {
      restore();
      for (const [n2] of applies) if (n2 !== name && n2 !== 'listen') void appliers.get(n2)?.(s, c);
      fail(failed(p, r));
    }
  }
  if (pending.length === 0) {
    c.ok();
    return;
  }
  const finish = async (): Promise<string | null> => {
    for (const [pr, p] of pending) {
      const r = await pr;
      if (r !== null) {
        restore();
        for (const [name] of applies) await appliers.get(name)?.(s, c);
        return failed(p, r);
      }
    }
    return null;
  };
  if (s.inExec || !c.socket) {
    // Inside EXEC the reply cannot wait: answer now, report failures in the log.
    void finish().then((e) => e && s.log.warning(e));
    c.ok();
    return;
  }
  c.blocked = 'config-set';
  void finish().then((e) => {
    if (c.closing) return;
    if (e) c.err(e);
    else c.ok();
    s.resumeClient(c);
  });
}

/** CONFIG RESETSTAT: server stats, per-command stats and latency histograms, error stats. */
export function resetStats(s: Server): void {
  s.stats.reset();
  for (const cmd of s.commands.commands.values()) {
    const all = cmd.subcommands ? [cmd, ...cmd.subcommands.values()] : [cmd];
    for (const x of all) {
      x.calls = 0;
      x.usec = 0;
      x.failedCalls = 0;
      x.rejectedCalls = 0;
      x.latencyHist = null;
    }
  }
}

function configResetstat(c: Client): void {
  resetStats(c.server);
  c.ok();
}

function configRewrite(c: Client): void {
  const file = c.server.config.values.get('configfile' as never) as string | undefined;
  if (!file) fail('ERR The server is running without a config file');
  const err = rewriteConfigFile(c.server.config, file);
  if (err) {
    c.server.log.warning(`CONFIG REWRITE failed: ${err}`);
    fail(`ERR Rewriting config file: ${err}`);
  }
  c.server.log.notice('CONFIG REWRITE executed with success.');
  c.ok();
}

const HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

export const commands: CommandDef[] = [
  { name: 'config|get', handler: configGet },
  { name: 'config|set', handler: configSet },
  { name: 'config|resetstat', handler: configResetstat },
  { name: 'config|rewrite', handler: configRewrite },
  { name: 'config|help', handler: (c) => replyHelp(c, 'CONFIG', HELP) },
];
