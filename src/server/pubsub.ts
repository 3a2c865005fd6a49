// Why: channel, pattern and shard-channel subscriptions, PUBLISH/SPUBLISH fan-out, and keyspace
// notifications (notify-keyspace-events), which are just publishes on __keyspace@N__ /
// __keyevent@N__ channels. Mirrors Redis 7.0's pubsub.c and notify.c.
import type { Client } from './client.js';
import type { Server } from './server.js';
import { compileGlob } from '../datatypes/glob.js';
import { bulk } from '../resp/reply.js';

// notify.c's class bits (server.h NOTIFY_*).
export const NOTIFY_KEYSPACE = 1 << 0; // K
export const NOTIFY_KEYEVENT = 1 << 1; // E
export const NOTIFY_NEW = 1 << 13; // n
const NOTIFY_KEY_MISS = 1 << 11; // m
/** 'A': every class but m and n */
const NOTIFY_ALL = 0x17fc; // g $ l s h z x e t d

/** class character -> bit, in keyspaceEventsFlagsToString's output order */
const CLASS_BITS: [string, number][] = [
  ['g', 1 << 2],
  ['$', 1 << 3],
  ['l', 1 << 4],
  ['s', 1 << 5],
  ['h', 1 << 6],
  ['z', 1 << 7],
  ['x', 1 << 8],
  ['e', 1 << 9],
  ['t', 1 << 10],
  ['d', 1 << 12],
  ['n', NOTIFY_NEW],
];
const BIT_OF = new Int32Array(128);
for (const [ch, bit] of CLASS_BITS) BIT_OF[ch.charCodeAt(0)] = bit;
BIT_OF['m'.charCodeAt(0)] = NOTIFY_KEY_MISS;

/** keyspaceEventsStringToFlags: -1 on a character that is not a class. */
export function keyspaceEventsStringToFlags(s: string): number {
  let flags = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === 'A') flags |= NOTIFY_ALL;
    else if (ch === 'K') flags |= NOTIFY_KEYSPACE;
    else if (ch === 'E') flags |= NOTIFY_KEYEVENT;
    else {
      const code = s.charCodeAt(i);
      const bit = code < 128 ? BIT_OF[code] : 0;
      if (bit === 0) return -1;
      flags |= bit;
    }
  }
  return flags;
}

/** keyspaceEventsFlagsToString: what CONFIG GET shows ('A' hides 'n', as in Redis). */
export function keyspaceEventsFlagsToString(flags: number): string {
  let s = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) s = 'A';
  else for (const [ch, bit] of CLASS_BITS) if (flags & bit) s += ch;
  if (flags & NOTIFY_KEYSPACE) s += 'K';
  if (flags & NOTIFY_KEYEVENT) s += 'E';
  if (flags & NOTIFY_KEY_MISS) s += 'm';
  return s;
}

/**
 * The string eddy stores for the flags: Redis's display form, plus a trailing 'n' when 'A' hides
 * it, so the stored value still parses back to the exact flags (CONFIG GET shows the display form).
 */
export function keyspaceEventsCanonical(flags: number): string {
  const s = keyspaceEventsFlagsToString(flags);
  return (flags & NOTIFY_ALL) === NOTIFY_ALL && flags & NOTIFY_NEW ? s + 'n' : s;
}

const CRLF = '\r\n';
const MESSAGE = bulk('message');
const PMESSAGE = bulk('pmessage');
const SMESSAGE = bulk('smessage');

/** One channel's (or pattern's) subscribers; patterns carry their compiled matcher. */
export interface Subs {
  clients: Set<Client>;
  match: ((channel: string) => boolean) | null;
}

/**
 * Redis's pubsubtype, extended to patterns: where the subscriptions live on the server and on the
 * client, the count the (un)subscribe replies carry, and the message type names.
 */
export interface Kind {
  server: Map<string, Subs>;
  client: (c: Client) => Set<string>;
  count: (c: Client) => number;
  newSubs: (name: string) => Subs;
  subscribeMsg: string;
  unsubscribeMsg: string;
}

const classicCount = (c: Client) => c.subscriptions.size + c.patterns.size;
const channelSubs = (): Subs => ({ clients: new Set(), match: null });

export class PubSub {
  channels = new Map<string, Subs>();
  patterns = new Map<string, Subs>();
  shardChannels = new Map<string, Subs>();
  /** SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE */
  readonly channel: Kind = {
    server: this.channels,
    client: (c) => c.subscriptions,
    count: classicCount,
    newSubs: channelSubs,
    subscribeMsg: bulk('subscribe'),
    unsubscribeMsg: bulk('unsubscribe'),
  };
  readonly pattern: Kind = {
    server: this.patterns,
    client: (c) => c.patterns,
    count: classicCount,
    newSubs: (p) => ({ clients: new Set(), match: compileGlob(p) }),
    subscribeMsg: bulk('psubscribe'),
    unsubscribeMsg: bulk('punsubscribe'),
  };
  readonly shard: Kind = {
    server: this.shardChannels,
    client: (c) => c.shardChannels,
    count: (c) => c.shardChannels.size,
    newSubs: channelSubs,
    subscribeMsg: bulk('ssubscribe'),
    unsubscribeMsg: bulk('sunsubscribe'),
  };
  /** parsed notify-keyspace-events, cached by the config string it came from */
  private flagsSrc: string | null = null;
  private flags = 0;

  constructor(private server: Server) {}

  /**
   * notify-keyspace-events as stored in the config. Read lazily, so whoever changes the config
   * (CONFIG SET, config file) needs no hook; assigning stores into the config.
   */
  get notifyFlags(): string {
    return this.server.config.hot.notifyKeyspaceEvents;
  }
  set notifyFlags(v: string) {
    this.server.config.values.set('notify-keyspace-events', v);
  }

  /** The parsed flags (re-parsed only when the config string changed). */
  notifyMask(): number {
    const src = this.notifyFlags;
    if (src !== this.flagsSrc) {
      this.flagsSrc = src;
      this.flags = Math.max(0, keyspaceEventsStringToFlags(src));
    }
    return this.flags;
  }

  /** Send to the subscribers of one channel; returns how many received it. */
  private fanOut(kind: Kind, msgType: string, channel: string, msg: string): number {
    const subs = kind.server.get(channel);
    if (!subs) return 0;
    const body = msgType + bulk(channel) + bulk(msg);
    for (const c of subs.clients) c.push((c.resp === 3 ? '>3\r\n' : '*3\r\n') + body);
    return subs.clients.size;
  }

  /** PUBLISH: channel subscribers first, then each matching pattern's. Returns the receivers. */
  publish(channel: string, msg: string): number {
    let n = this.fanOut(this.channel, MESSAGE, channel, msg);
    if (this.patterns.size !== 0) {
      let tail: string | null = null;
      for (const [pat, { match, clients }] of this.patterns) {
        if (!match!(channel)) continue;
        if (tail === null) tail = bulk(channel) + bulk(msg);
        const body = PMESSAGE + bulk(pat) + tail;
        for (const c of clients) c.push((c.resp === 3 ? '>4\r\n' : '*4\r\n') + body);
        n += clients.size;
      }
    }
    return n;
  }

  /** SPUBLISH: shard channels have no pattern subscribers. */
  spublish(channel: string, msg: string): number {
    return this.fanOut(this.shard, SMESSAGE, channel, msg);
  }

  private reply(c: Client, kindMsg: string, channel: string | null, count: number): void {
    const ch = channel === null ? (c.resp === 3 ? '_\r\n' : '$-1\r\n') : bulk(channel);
    c.push(c.pushLen(3) + kindMsg + ch + ':' + count + CRLF);
  }

  subscribe(kind: Kind, c: Client, name: string): void {
    const mine = kind.client(c);
    if (!mine.has(name)) {
      mine.add(name);
      let s = kind.server.get(name);
      if (!s) kind.server.set(name, (s = kind.newSubs(name)));
      s.clients.add(c);
    }
    this.reply(c, kind.subscribeMsg, name, kind.count(c));
  }

  /** Returns 1 if the client was subscribed. notify=false on disconnect/RESET. */
  unsubscribe(kind: Kind, c: Client, name: string, notify: boolean): number {
    let removed = 0;
    if (kind.client(c).delete(name)) {
      removed = 1;
      const s = kind.server.get(name)!.clients;
      s.delete(c);
      if (s.size === 0) kind.server.delete(name);
    }
    if (notify) this.reply(c, kind.unsubscribeMsg, name, kind.count(c));
    return removed;
  }

  /**
   * Every subscription of the kind, in subscription order (Redis 7.0 keeps patterns in a list; its
   * channel dict order is arbitrary). With nothing to drop, still one reply with a null channel.
   */
  unsubscribeAll(kind: Kind, c: Client, notify: boolean): void {
    let count = 0;
    for (const name of kind.client(c)) count += this.unsubscribe(kind, c, name, notify);
    if (notify && count === 0) this.reply(c, kind.unsubscribeMsg, null, kind.count(c));
  }

  /** Disconnect / RESET: drop every subscription silently. */
  removeClient(c: Client): void {
    if (c.subscriptionCount === 0) return;
    this.unsubscribeAll(this.channel, c, false);
    this.unsubscribeAll(this.shard, c, false);
    this.unsubscribeAll(this.pattern, c, false);
  }

  /**
   * notifyKeyspaceEvent: `type` is the event class character (g $ l s h z x e t m n d).
   * Publishes on __keyspace@<db>__:<key> (K) and __keyevent@<db>__:<event> (E).
   */
  notify(type: string, event: string, key: string, dbid: number): void {
    const flags = this.notifyMask();
    const code = type.charCodeAt(0);
    if (!(flags & (code < 128 ? BIT_OF[code] : 0))) return;
    if (flags & NOTIFY_KEYSPACE) this.publish('__keyspace@' + dbid + '__:' + key, event);
    if (flags & NOTIFY_KEYEVENT) this.publish('__keyevent@' + dbid + '__:' + event, key);
  }
}
