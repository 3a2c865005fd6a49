// Why: the pub/sub commands (SUBSCRIBE family, PUBLISH, SPUBLISH, PUBSUB introspection) as in a
// non-cluster Redis 7.0; the subscription state and fan-out live in pubsub.ts.
import type { CommandDef, Handler } from './command-table.js';
import type { Client } from './client.js';
import type { Kind, PubSub, Subs } from './pubsub.js';
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

type KindOf = (ps: PubSub) => Kind;

/** SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE name [name ...] */
function subscribeCommand(kindOf: KindOf, denyMsg: string | null): Handler {
  return (c, argv) => {
    if (denyMsg !== null && denyBlocking(c)) fail(denyMsg);
    const ps = c.server.pubsub;
    const kind = kindOf(ps);
    for (let i = 1; i < argv.length; i++) ps.subscribe(kind, c, argv[i]);
  };
}

/** UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE [name ...]: no names = all of them */
function unsubscribeCommand(kindOf: KindOf): Handler {
  return (c, argv) => {
    const ps = c.server.pubsub;
    const kind = kindOf(ps);
    if (argv.length === 1) ps.unsubscribeAll(kind, c, true);
    else for (let i = 1; i < argv.length; i++) ps.unsubscribe(kind, c, argv[i], true);
  };
}

/** "unknown subcommand or wrong number of arguments" for PUBSUB's argument-count checks */
function syntaxError(argv: string[]): never {
  fail(`ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try PUBSUB HELP.`.replace(/[\r\n]/g, ' '));
}

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern] */
function channelList(c: Client, argv: string[], channels: Map<string, Subs>): void {
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
function numsub(c: Client, argv: string[], channels: Map<string, Subs>): void {
  let s = '*' + (argv.length - 2) * 2 + '\r\n';
  for (let i = 2; i < argv.length; i++) {
    const ch = argv[i];
    s += '$' + ch.length + '\r\n' + ch + '\r\n:' + (channels.get(ch)?.clients.size ?? 0) + '\r\n';
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
  { name: 'subscribe', handler: subscribeCommand((ps) => ps.channel, null), internal: [...ctx] },
  { name: 'unsubscribe', handler: unsubscribeCommand((ps) => ps.channel), internal: [...ctx] },
  // PSUBSCRIBE, like SUBSCRIBE, is let through inside MULTI for backward compatibility.
  { name: 'psubscribe', handler: subscribeCommand((ps) => ps.pattern, null), internal: [...ctx] },
  { name: 'punsubscribe', handler: unsubscribeCommand((ps) => ps.pattern), internal: [...ctx] },
  {
    name: 'ssubscribe',
    handler: subscribeCommand((ps) => ps.shard, "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"),
    internal: [...ctx],
  },
  { name: 'sunsubscribe', handler: unsubscribeCommand((ps) => ps.shard), internal: [...ctx] },
  {
    name: 'publish',
    handler: (c, a) => {
      c.int(c.server.pubsub.publish(a[1], a[2]));
      // Redis: forceCommandPropagation(c, PROPAGATE_REPL) — replicas deliver it too, the AOF skips it.
      c.server.propagateToReplicas(c.db.id, a);
    },
  },
  { name: 'spublish', handler: (c, a) => c.int(c.server.pubsub.spublish(a[1], a[2])) },
  { name: 'pubsub|channels', handler: (c, a) => channelList(c, a, c.server.pubsub.channels) },
  { name: 'pubsub|shardchannels', handler: (c, a) => channelList(c, a, c.server.pubsub.shardChannels) },
  { name: 'pubsub|numsub', handler: (c, a) => numsub(c, a, c.server.pubsub.channels) },
  { name: 'pubsub|shardnumsub', handler: (c, a) => numsub(c, a, c.server.pubsub.shardChannels) },
  { name: 'pubsub|numpat', handler: (c) => c.int(c.server.pubsub.patterns.size) },
  { name: 'pubsub|help', handler: (c) => c.add(PUBSUB_HELP_REPLY) },
];
