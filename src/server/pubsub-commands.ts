// Why: the pub/sub commands (SUBSCRIBE family, PUBLISH, SPUBLISH, PUBSUB introspection) as in a
// non-cluster Redis 7.0; the subscription state and fan-out live in pubsub.ts.
import type { CommandDef } from './command-table.js';
import type { Client } from './client.js';
import { fail } from './errors.js';
import { compileGlob } from '../datatypes/glob.js';

/**
 * Redis's CLIENT_DENY_BLOCKING: a client that expects exactly one reply per command (a command
 * running inside EXEC; scripts, when they exist) may not enter subscribed mode. SUBSCRIBE and
 * PSUBSCRIBE are let through inside MULTI for backward compatibility, SSUBSCRIBE is not.
 */
function denyBlocking(c: Client): boolean {
  return c.server.inExec;
}

function subscribe(c: Client, argv: string[]): void {
  const ps = c.server.pubsub;
  for (let i = 1; i < argv.length; i++) ps.subscribe(c, argv[i]);
}

function unsubscribe(c: Client, argv: string[]): void {
  const ps = c.server.pubsub;
  if (argv.length === 1) ps.unsubscribeAll(c, true);
  else for (let i = 1; i < argv.length; i++) ps.unsubscribe(c, argv[i], true);
}

function psubscribe(c: Client, argv: string[]): void {
  const ps = c.server.pubsub;
  for (let i = 1; i < argv.length; i++) ps.psubscribe(c, argv[i]);
}

function punsubscribe(c: Client, argv: string[]): void {
  const ps = c.server.pubsub;
  if (argv.length === 1) ps.punsubscribeAll(c, true);
  else for (let i = 1; i < argv.length; i++) ps.punsubscribe(c, argv[i], true);
}

function ssubscribe(c: Client, argv: string[]): void {
  if (denyBlocking(c)) fail("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  const ps = c.server.pubsub;
  for (let i = 1; i < argv.length; i++) ps.ssubscribe(c, argv[i]);
}

function sunsubscribe(c: Client, argv: string[]): void {
  const ps = c.server.pubsub;
  if (argv.length === 1) ps.sunsubscribeAll(c, true);
  else for (let i = 1; i < argv.length; i++) ps.sunsubscribe(c, argv[i], true);
}

/** "unknown subcommand or wrong number of arguments" for PUBSUB's argument-count checks */
function syntaxError(argv: string[]): never {
  fail(`ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try PUBSUB HELP.`.replace(/[\r\n]/g, ' '));
}

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern] */
function channelList(c: Client, argv: string[], channels: Map<string, unknown>): void {
  if (argv.length > 3) syntaxError(argv);
  if (argv.length === 2) {
    c.bulks([...channels.keys()]);
    return;
  }
  const match = compileGlob(argv[2]);
  const out: string[] = [];
  for (const ch of channels.keys()) if (match(ch)) out.push(ch);
  c.bulks(out);
}

/** PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: subscriber counts, patterns not included */
function numsub(c: Client, argv: string[], channels: Map<string, Set<Client>>): void {
  let s = '*' + (argv.length - 2) * 2 + '\r\n';
  for (let i = 2; i < argv.length; i++) {
    const ch = argv[i];
    s += '$' + ch.length + '\r\n' + ch + '\r\n:' + (channels.get(ch)?.size ?? 0) + '\r\n';
  }
  c.add(s);
}

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];
const PUBSUB_HELP_REPLY = PUBSUB_HELP.reduce((s, l) => s + '+' + l + '\r\n', '*' + PUBSUB_HELP.length + '\r\n');

const ctx = ['pubsub-context'] as const;

export const commands: CommandDef[] = [
  { name: 'subscribe', handler: subscribe, internal: [...ctx] },
  { name: 'unsubscribe', handler: unsubscribe, internal: [...ctx] },
  { name: 'psubscribe', handler: psubscribe, internal: [...ctx] },
  { name: 'punsubscribe', handler: punsubscribe, internal: [...ctx] },
  { name: 'ssubscribe', handler: ssubscribe, internal: [...ctx] },
  { name: 'sunsubscribe', handler: sunsubscribe, internal: [...ctx] },
  { name: 'publish', handler: (c, a) => c.int(c.server.pubsub.publish(a[1], a[2])) },
  { name: 'spublish', handler: (c, a) => c.int(c.server.pubsub.spublish(a[1], a[2])) },
  { name: 'pubsub|channels', handler: (c, a) => channelList(c, a, c.server.pubsub.channels) },
  { name: 'pubsub|shardchannels', handler: (c, a) => channelList(c, a, c.server.pubsub.shardChannels) },
  { name: 'pubsub|numsub', handler: (c, a) => numsub(c, a, c.server.pubsub.channels) },
  { name: 'pubsub|shardnumsub', handler: (c, a) => numsub(c, a, c.server.pubsub.shardChannels) },
  { name: 'pubsub|numpat', handler: (c) => c.int(c.server.pubsub.patterns.size) },
  { name: 'pubsub|help', handler: (c) => c.add(PUBSUB_HELP_REPLY) },
];
