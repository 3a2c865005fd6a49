// Why: COMMAND and its subcommands, generated from the one command table: INFO and DOCS replay the
// reply trees captured from Redis 7.0.15 (filtered to what eddy implements), GETKEYS walks Redis's
// key specifications (begin_search / find_keys) exactly as getKeysUsingKeySpecs does.
import type { Client } from './client.js';
import type { Command, CommandDef, CommandTable } from './command-table.js';
import { encodeTree, type Tree } from '../resp/reply.js';
import { parseBigLL } from './args.js';
import { stringMatch } from '../datatypes/glob.js';
import { replyHelp } from './help.js';
import { ERR_SYNTAX, fail } from './errors.js';

interface KeySpec {
  flags: string[];
  bs: { type: 'index'; index: number } | { type: 'keyword'; keyword: string; startfrom: number } | { type: 'unknown' };
  fk:
    | { type: 'range'; lastkey: number; keystep: number; limit: number }
    | { type: 'keynum'; keynumidx: number; firstkey: number; keystep: number }
    | { type: 'unknown' };
}

function items(t: Tree): Tree[] {
  return (t[1] as Tree[] | null) ?? [];
}

/** A RESP3 map tree as a JS object of trees. */
function mapOf(t: Tree): Record<string, Tree> {
  const out: Record<string, Tree> = {};
  const xs = items(t);
  for (let i = 0; i + 1 < xs.length; i += 2) out[xs[i][1] as string] = xs[i + 1];
  return out;
}

const specCache = new WeakMap<Command, KeySpec[]>();

function keySpecs(cmd: Command): KeySpec[] {
  let specs = specCache.get(cmd);
  if (specs) return specs;
  specs = [];
  const info = cmd.info ? items(cmd.info) : [];
  for (const st of info[8] ? items(info[8]) : []) {
    const m = mapOf(st);
    const flags = m.flags ? items(m.flags).map((f) => f[1] as string) : [];
    const bsm = m.begin_search ? mapOf(m.begin_search) : {};
    const bspec = bsm.spec ? mapOf(bsm.spec) : {};
    const fkm = m.find_keys ? mapOf(m.find_keys) : {};
    const fspec = fkm.spec ? mapOf(fkm.spec) : {};
    const num = (t: Tree | undefined) => (t ? Number(t[1]) : 0);
    const bt = bsm.type?.[1];
    const ft = fkm.type?.[1];
    specs.push({
      flags,
      bs:
        bt === 'index'
          ? { type: 'index', index: num(bspec.index) }
          : bt === 'keyword'
            ? { type: 'keyword', keyword: String(bspec.keyword?.[1] ?? ''), startfrom: num(bspec.startfrom) }
            : { type: 'unknown' },
      fk:
        ft === 'range'
          ? { type: 'range', lastkey: num(fspec.lastkey), keystep: num(fspec.keystep), limit: num(fspec.limit) }
          : ft === 'keynum'
            ? { type: 'keynum', keynumidx: num(fspec.keynumidx), firstkey: num(fspec.firstkey), keystep: num(fspec.keystep) }
            : { type: 'unknown' },
    });
  }
  specCache.set(cmd, specs);
  return specs;
}

interface KeyRef {
  pos: number;
  flags: string[];
}

/** getKeysUsingKeySpecs: the key positions, or null when a spec is invalid/incomplete for argv. */
function keysFromSpecs(cmd: Command, argv: string[], partial: KeyRef[]): KeyRef[] | null {
  const argc = argv.length;
  for (const spec of keySpecs(cmd)) {
    if (spec.flags.includes('not_key')) continue;
    let first = 0;
    if (spec.bs.type === 'index') {
      first = spec.bs.index;
    } else if (spec.bs.type === 'keyword') {
      const { keyword, startfrom } = spec.bs;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i].toLowerCase() === keyword.toLowerCase()) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue;
    } else {
      return null;
    }
    let last: number;
    let step: number;
    if (spec.fk.type === 'range') {
      step = spec.fk.keystep;
      if (spec.fk.lastkey >= 0) last = first + spec.fk.lastkey;
      else if (!spec.fk.limit) last = argc + spec.fk.lastkey;
      else last = first + (Math.floor((argc - first) / spec.fk.limit) + spec.fk.lastkey);
    } else if (spec.fk.type === 'keynum') {
      step = spec.fk.keystep;
      if (spec.fk.keynumidx >= argc) return null;
      const numkeys = parseBigLL(argv[first + spec.fk.keynumidx] ?? '');
      if (numkeys === null || numkeys < 0n) return null;
      first += spec.fk.firstkey;
      last = first + Number(numkeys) - 1;
    } else {
      return null;
    }
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step || 1) {
      if (i >= argc || i < first) continue;
      partial.push({ pos: i, flags: spec.flags });
    }
    if (spec.flags.includes('incomplete')) return null;
  }
  return partial;
}

/** getKeysFromCommandWithSpecs: key specs first, then the command's own getKeys. */
export function commandKeys(cmd: Command, argv: string[]): KeyRef[] {
  const specs = keySpecs(cmd);
  const hasVarFlags = specs.some((s) => s.flags.includes('variable_flags'));
  const partial: KeyRef[] = [];
  const hasKeySpec = specs.some((s) => !s.flags.includes('not_key'));
  if (hasKeySpec && (!hasVarFlags || !cmd.getKeys)) {
    // With VARIABLE_FLAGS Redis asks the command's getkeys_proc; without one, the specs still
    // give the right positions (the flags then stay the spec's).
    const r = keysFromSpecs(cmd, argv, partial);
    if (r) return hasVarFlags ? r.map((k) => ({ pos: k.pos, flags: k.flags.filter((f) => f !== 'variable_flags') })) : r;
  }
  if (!cmd.getKeys) return [];
  // Flags for positions the specs could not describe: those of the last spec (STORE, KEYS...).
  const last = specs.length ? specs[specs.length - 1].flags.filter((f) => f !== 'incomplete' && f !== 'variable_flags') : [];
  return cmd.getKeys(argv).map((pos) => partial.find((k) => k.pos === pos) ?? { pos, flags: last });
}

/** lookupCommandLogic: the command a full argv names, or null (an unknown subcommand is null). */
function lookupStrict(table: CommandTable, argv: string[], strict: boolean): Command | null {
  const base = table.commands.get(argv[0].toLowerCase());
  if (!base) return null;
  if (argv.length === 1 || !base.subcommands) return strict && argv.length !== 1 ? null : base;
  if (strict && argv.length !== 2) return null;
  return base.subcommands.get(argv[1].toLowerCase()) ?? null;
}

/** lookupCommandBySds: "get" or "config|get". */
function lookupByName(table: CommandTable, name: string): Command | null {
  const parts = name.split('|');
  if (parts.length > 2) return null;
  return lookupStrict(table, parts, true);
}

function getkeys(c: Client, argv: string[], withFlags: boolean): void {
  const full = argv.slice(2);
  const cmd = lookupStrict(c.server.commands, full, false);
  if (!cmd) fail('ERR Invalid command specified');
  const specs = keySpecs(cmd);
  if (!cmd.getKeys && !specs.some((s) => !s.flags.includes('not_key'))) fail('ERR The command has no key arguments');
  if ((cmd.arity > 0 && cmd.arity !== full.length) || full.length < -cmd.arity) fail('ERR Invalid number of arguments specified for command');
  const keys = commandKeys(cmd, full);
  if (keys.length === 0) {
    if (cmd.flags.has('no_mandatory_keys')) c.arrayLen(0);
    else fail('ERR Invalid arguments specified for command');
    return;
  }
  let s = '*' + keys.length + '\r\n';
  for (const k of keys) {
    const key = full[k.pos];
    if (!withFlags) {
      s += '$' + key.length + '\r\n' + key + '\r\n';
      continue;
    }
    s += '*2\r\n$' + key.length + '\r\n' + key + '\r\n' + (c.resp === 3 ? '~' : '*') + k.flags.length + '\r\n';
    for (const f of k.flags) s += '+' + f + '\r\n';
  }
  c.add(s);
}

function replyInfo(c: Client, cmd: Command | null): void {
  if (!cmd) c.nullBulk();
  else if (cmd.info) c.add(encodeTree(cmd.info, c.resp));
  else c.nullBulk();
}

function commandAll(c: Client): void {
  const cmds = c.server.commands.commands;
  c.arrayLen(cmds.size);
  for (const cmd of cmds.values()) replyInfo(c, cmd);
}

function commandInfo(c: Client, argv: string[]): void {
  if (argv.length === 2) return commandAll(c);
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) replyInfo(c, lookupByName(c.server.commands, argv[i]));
}

function replyDocs(c: Client, cmd: Command): void {
  c.bulk(cmd.fullName);
  if (cmd.docs) c.add(encodeTree(cmd.docs, c.resp));
  else c.mapLen(0);
}

function commandDocs(c: Client, argv: string[]): void {
  const table = c.server.commands;
  if (argv.length === 2) {
    c.mapLen(table.commands.size);
    for (const cmd of table.commands.values()) replyDocs(c, cmd);
    return;
  }
  const found: Command[] = [];
  for (let i = 2; i < argv.length; i++) {
    const cmd = lookupByName(table, argv[i]);
    if (cmd) found.push(cmd);
  }
  c.mapLen(found.length);
  for (const cmd of found) replyDocs(c, cmd);
}

function aclCategories(cmd: Command): string[] {
  const info = cmd.info ? items(cmd.info) : [];
  return info[6] ? items(info[6]).map((t) => (t[1] as string).replace(/^@/, '').toLowerCase()) : [];
}

const ACL_CATEGORIES = new Set([
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
]);

function commandList(c: Client, argv: string[]): void {
  let filter: ((cmd: Command) => boolean) | null = null;
  if (argv.length === 5 && argv[2].toLowerCase() === 'filterby') {
    const kind = argv[3].toLowerCase();
    const arg = argv[4];
    if (kind === 'module') filter = () => false;
    else if (kind === 'aclcat') {
      const cat = arg.toLowerCase();
      filter = ACL_CATEGORIES.has(cat) ? (cmd) => aclCategories(cmd).includes(cat) : () => false;
    } else if (kind === 'pattern') filter = (cmd) => stringMatch(arg, cmd.fullName, true);
    else fail(ERR_SYNTAX);
  } else if (argv.length !== 2) {
    fail(ERR_SYNTAX);
  }
  const names: string[] = [];
  for (const cmd of c.server.commands.commands.values()) {
    if (!filter || filter(cmd)) names.push(cmd.fullName);
    if (cmd.subcommands) for (const sub of cmd.subcommands.values()) if (!filter || filter(sub)) names.push(sub.fullName);
  }
  c.bulks(names);
}

const HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

export const commands: CommandDef[] = [
  // The bare COMMAND is the container's own handler (registered before its subcommands).
  { name: 'command', handler: commandAll },
  { name: 'command|count', handler: (c) => c.int(c.server.commands.commands.size) },
  { name: 'command|info', handler: commandInfo },
  { name: 'command|docs', handler: commandDocs },
  { name: 'command|list', handler: commandList },
  { name: 'command|getkeys', handler: (c, argv) => getkeys(c, argv, false) },
  { name: 'command|getkeysandflags', handler: (c, argv) => getkeys(c, argv, true) },
  { name: 'command|help', handler: (c) => replyHelp(c, 'COMMAND', HELP) },
];

