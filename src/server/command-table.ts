// Why: the one command table. Each data-type/server module exports CommandDefs (name + handler);
// arity, flags, key positions, ACL categories and docs come verbatim from Redis 7.0.15's own
// metadata (src/server/meta/redis-commands.json, dumped by scripts/dump-redis-commands.mjs), so
// dispatch, arity errors, MULTI, propagation, COMMAND INFO/DOCS and cluster key checks all read
// the same entry and match Redis.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Client } from './client.js';
import type { Tree } from '../resp/reply.js';
import type { LatencyHistogram } from './latency-hist.js';

export type Handler = (c: Client, argv: string[]) => void;

/** What a module declares. Everything else about the command is Redis's metadata. */
export interface CommandDef {
  /** lowercase; subcommands as 'parent|sub' */
  name: string;
  handler: Handler;
  /** key positions for commands whose keys move (movablekeys): indexes into argv */
  getKeys?: (argv: string[]) => number[];
  /** eddy-internal behaviour flags, not shown by COMMAND */
  internal?: InternalFlag[];
  /** metadata for commands Redis 7.0 does not have (eddy extensions) */
  meta?: { arity: number; flags: string[]; firstKey: number; lastKey: number; step: number };
}

export type InternalFlag =
  /** allowed in RESP2 subscribed context (SUBSCRIBE family, PING, QUIT, RESET) */
  | 'pubsub-context'
  /** executes immediately inside MULTI instead of being queued (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET) */
  | 'multi-immediate'
  /** EXEC: runs the MULTI queue (CLIENT PAUSE WRITE holds it if the queue writes) */
  | 'runs-queued';

export interface Command {
  /** 'get', 'config|get' */
  fullName: string;
  /** 'get', 'get' for 'config|get' */
  name: string;
  arity: number;
  flags: Set<string>;
  write: boolean;
  readonly: boolean;
  firstKey: number;
  lastKey: number;
  step: number;
  handler: Handler | null;
  getKeys?: (argv: string[]) => number[];
  internal: Set<InternalFlag>;
  subcommands: Map<string, Command> | null;
  parent: Command | null;
  info: Tree | null;
  docs: Tree | null;
  /** INFO commandstats */
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
  /** INFO latencystats / LATENCY HISTOGRAM (created on first call while latency-tracking is on) */
  latencyHist: LatencyHistogram | null;
}

interface Meta {
  info: Record<string, Tree>;
  docs: Record<string, Tree>;
}

function metaPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Works from src/server (tests run sources) and dist/src/server (compiled).
  const candidates = [path.join(here, 'meta/redis-commands.json'), path.join(here, '../../../src/server/meta/redis-commands.json')];
  for (const p of candidates) {
    try {
      readFileSync(p, { flag: 'r' }).length;
      return p;
    } catch {
      /* try next */
    }
  }
  throw new Error('redis-commands.json not found');
}

let META: Meta | null = null;
function meta(): Meta {
  if (!META) META = JSON.parse(readFileSync(metaPath(), 'latin1')) as Meta;
  return META;
}

function arr(t: Tree): Tree[] {
  return t[1] as Tree[];
}

function newCommand(fullName: string, info: Tree | null, docs: Tree | null): Command {
  const name = fullName.includes('|') ? fullName.split('|')[1] : fullName;
  let arity = 0;
  let flags = new Set<string>();
  let firstKey = 0;
  let lastKey = 0;
  let step = 0;
  if (info) {
    const f = arr(info);
    arity = f[1][1] as number;
    flags = new Set(arr(f[2]).map((x) => x[1] as string));
    firstKey = f[3][1] as number;
    lastKey = f[4][1] as number;
    step = f[5][1] as number;
  }
  return {
    fullName,
    name,
    arity,
    flags,
    write: flags.has('write'),
    readonly: flags.has('readonly'),
    firstKey,
    lastKey,
    step,
    handler: null,
    internal: new Set(),
    subcommands: null,
    parent: null,
    info,
    docs,
    calls: 0,
    usec: 0,
    rejectedCalls: 0,
    failedCalls: 0,
    latencyHist: null,
  };
}

export class CommandTable {
  readonly commands = new Map<string, Command>();
  /** argv[0] spellings already resolved (see lookup). */
  private readonly spellings = new Map<string, Command>();

  constructor(defs: CommandDef[]) {
    const m = meta();
    for (const d of defs) this.register(d, m);
    // Containers keep only the subcommands eddy implements in their COMMAND INFO reply.
    for (const c of this.commands.values()) {
      if (c.subcommands && c.info) {
        const f = arr(c.info).slice();
        f[9] = [f[9][0], arr(f[9]).filter((s) => c.subcommands!.has((arr(s)[0][1] as string).split('|')[1]))];
        c.info = ['*', f];
        if (c.docs) {
          const d = arr(c.docs).slice();
          for (let i = 0; i < d.length; i += 2) {
            if (d[i][1] === 'subcommands') {
              const subs = arr(d[i + 1]);
              const kept: Tree[] = [];
              for (let j = 0; j < subs.length; j += 2) {
                if (c.subcommands.has((subs[j][1] as string).split('|')[1])) kept.push(subs[j], subs[j + 1]);
              }
              d[i + 1] = [d[i + 1][0], kept];
            }
          }
          c.docs = ['%', d];
        }
      }
    }
  }

  private register(d: CommandDef, m: Meta) {
    const [parentName, subName] = d.name.split('|');
    if (subName === undefined) {
      if (this.commands.has(d.name)) throw new Error('duplicate command ' + d.name);
      const cmd = newCommand(d.name, m.info[d.name] ?? null, m.docs[d.name] ?? null);
      this.apply(cmd, d);
      this.commands.set(d.name, cmd);
      return;
    }
    let parent = this.commands.get(parentName);
    if (!parent) {
      parent = newCommand(parentName, m.info[parentName] ?? null, m.docs[parentName] ?? null);
      parent.subcommands = new Map();
      this.commands.set(parentName, parent);
    }
    // A container may also have its own handler for the bare form (COMMAND with no subcommand).
    if (!parent.subcommands) parent.subcommands = new Map();
    const pinfo = parent.info ? arr(arr(parent.info)[9]).find((s) => arr(s)[0][1] === d.name) ?? null : null;
    let pdocs: Tree | null = null;
    const pd = parent.docs ? arr(parent.docs) : [];
    for (let i = 0; i < pd.length; i += 2) {
      if (pd[i][1] === 'subcommands') {
        const subs = arr(pd[i + 1]);
        for (let j = 0; j < subs.length; j += 2) if (subs[j][1] === d.name) pdocs = subs[j + 1];
      }
    }
    const cmd = newCommand(d.name, pinfo, pdocs);
    cmd.parent = parent;
    this.apply(cmd, d);
    parent.subcommands.set(subName, cmd);
  }

  private apply(cmd: Command, d: CommandDef) {
    if (!cmd.info) {
      if (!d.meta) throw new Error(`no Redis metadata for '${d.name}' and no meta given`);
      cmd.arity = d.meta.arity;
      cmd.flags = new Set(d.meta.flags);
      cmd.write = cmd.flags.has('write');
      cmd.readonly = cmd.flags.has('readonly');
      cmd.firstKey = d.meta.firstKey;
      cmd.lastKey = d.meta.lastKey;
      cmd.step = d.meta.step;
      const set = (xs: string[]): Tree => ['~', xs.map((x) => ['+', x] as Tree)];
      cmd.info = [
        '*',
        [
          ['$', d.name],
          [':', cmd.arity],
          set(d.meta.flags),
          [':', cmd.firstKey],
          [':', cmd.lastKey],
          [':', cmd.step],
          set([]),
          set([]),
          set([]),
          set([]),
        ],
      ];
    }
    cmd.handler = d.handler;
    cmd.getKeys = d.getKeys;
    for (const f of d.internal ?? []) cmd.internal.add(f);
  }

  /** Find the command for argv (resolving container subcommands). */
  lookup(argv: string[]): Command | undefined {
    // Clients send names in any case (redis-benchmark: "SET"): remember each spelling seen, so
    // the common path is one Map hit without a toLowerCase() allocation. Bounded: only spellings
    // of real commands are cached.
    let c = this.spellings.get(argv[0]);
    if (c === undefined) {
      c = this.commands.get(argv[0].toLowerCase());
      if (c !== undefined && this.spellings.size < 4096) this.spellings.set(argv[0], c);
    }
    if (!c || !c.subcommands || argv.length < 2) return c;
    return c.subcommands.get(argv[1].toLowerCase()) ?? c;
  }

  /** Key argument indexes for argv, from the legacy (first, last, step) triple or getKeys. */
  keyIndexes(cmd: Command, argv: string[]): number[] {
    if (cmd.getKeys) return cmd.getKeys(argv);
    if (cmd.firstKey <= 0) return [];
    const last = cmd.lastKey < 0 ? argv.length + cmd.lastKey : cmd.lastKey;
    const out: number[] = [];
    for (let i = cmd.firstKey; i <= last && i < argv.length; i += cmd.step || 1) out.push(i);
    return out;
  }

  /** Every command and subcommand (for INFO commandstats, COMMAND LIST). */
  *all(): Generator<Command> {
    for (const c of this.commands.values()) {
      if (c.handler) yield c;
      if (c.subcommands) yield* c.subcommands.values();
    }
  }
}
