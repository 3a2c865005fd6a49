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
const PSUBSCRIBE = bulk('psubscribe');
const PUNSUBSCRIBE = bulk('punsubscribe');

/** Redis's pubsubtype: the classic channels or the shard channels (SSUBSCRIBE...). */
interface Kind {
  server: Map<string, Set<Client>>;
  client: (c: Client) => Set<string>;
  /** the count in (un)subscribe replies */
  count: (c: Client) => number;
  subscribeMsg: string;
  unsubscribeMsg: string;
  messageMsg: string;
}

/** One pattern's subscribers and its compiled matcher. */
interface PatternSubs {
  match: (channel: string) => boolean;
  clients: Set<Client>;
}

export class PubSub {
  channels = new Map<string, Set<Client>>();
  patterns = new Map<string, PatternSubs>();
  shardChannels = new Map<string, Set<Client>>();
  private readonly classic: Kind;
  private readonly shard: Kind;
  /** parsed notify-keyspace-events, cached by the config string it came from */
  private flagsSrc: string | null = null;
  private flags = 0;

  constructor(private server: Server) {
    this.classic = {
      server: this.channels,
      client: (c) => c.subscriptions,
      count: (c) => c.subscriptions.size + c.patterns.size,
      subscribeMsg: bulk('subscribe'),
      unsubscribeMsg: bulk('unsubscribe'),
      messageMsg: MESSAGE,
    };
    this.shard = {
      server: this.shardChannels,
      client: (c) => c.shardChannels,
      count: (c) => c.shardChannels.size,
      subscribeMsg: bulk('ssubscribe'),
      unsubscribeMsg: bulk('sunsubscribe'),
      messageMsg: SMESSAGE,
    };
  }

  /**
   * notify-keyspace-events as stored in the config. Read lazily, so whoever changes the config
   * (CONFIG SET, config file) needs no hook; assigning stores into the config.
   */
  get notifyFlags(): string {
    return this.server.config.values.get('notify-keyspace-events') as string;
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

  private fanOut(kind: Kind, channel: string, msg: string): number {
    let n = 0;
    const subs = kind.server.get(channel);
    if (subs) {
      const body = kind.messageMsg + bulk(channel) + bulk(msg);
      for (const c of subs) {
        c.push((c.resp === 3 ? '>3\r\n' : '*3\r\n') + body);
        n++;
      }
    }
    return n;
  }

  /** PUBLISH: returns the number of clients that received the message. */
  publish(channel: string, msg: string): number {
    let n = this.fanOut(this.classic, channel, msg);
    if (this.patterns.size !== 0) {
      let tail: string | null = null;
      for (const [pat, { match, clients }] of this.patterns) {
        if (!match(channel)) continue;
        if (tail === null) tail = bulk(channel) + bulk(msg);
        const body = PMESSAGE + bulk(pat) + tail;
        for (const c of clients) {
          c.push((c.resp === 3 ? '>4\r\n' : '*4\r\n') + body);
          n++;
        }
      }
    }
    return n;
  }

  /** SPUBLISH: shard channels have no pattern subscribers. */
  spublish(channel: string, msg: string): number {
    return this.fanOut(this.shard, channel, msg);
  }

  private reply(c: Client, kindMsg: string, channel: string | null, count: number): void {
    const ch = channel === null ? (c.resp === 3 ? '_\r\n' : '$-1\r\n') : bulk(channel);
    c.push(c.pushLen(3) + kindMsg + ch + ':' + count + CRLF);
  }

  private sub(kind: Kind, c: Client, channel: string): void {
    const mine = kind.client(c);
    if (!mine.has(channel)) {
      mine.add(channel);
      let s = kind.server.get(channel);
      if (!s) kind.server.set(channel, (s = new Set()));
      s.add(c);
    }
    this.reply(c, kind.subscribeMsg, channel, kind.count(c));
  }

  /** Returns 1 if the client was subscribed. notify=false on disconnect/RESET. */
  private unsub(kind: Kind, c: Client, channel: string, notify: boolean): number {
    let removed = 0;
    if (kind.client(c).delete(channel)) {
      removed = 1;
      const s = kind.server.get(channel)!;
      s.delete(c);
      if (s.size === 0) kind.server.delete(channel);
    }
    if (notify) this.reply(c, kind.unsubscribeMsg, channel, kind.count(c));
    return removed;
  }

  /** Every channel of the kind; with nothing to drop, still one reply with a null channel. */
  private unsubAll(kind: Kind, c: Client, notify: boolean): void {
    let count = 0;
    for (const ch of kind.client(c)) count += this.unsub(kind, c, ch, notify);
    if (notify && count === 0) this.reply(c, kind.unsubscribeMsg, null, kind.count(c));
  }

  subscribe(c: Client, channel: string): void {
    this.sub(this.classic, c, channel);
  }
  unsubscribe(c: Client, channel: string, notify: boolean): void {
    this.unsub(this.classic, c, channel, notify);
  }
  unsubscribeAll(c: Client, notify: boolean): void {
    this.unsubAll(this.classic, c, notify);
  }
  ssubscribe(c: Client, channel: string): void {
    this.sub(this.shard, c, channel);
  }
  sunsubscribe(c: Client, channel: string, notify: boolean): void {
    this.unsub(this.shard, c, channel, notify);
  }
  sunsubscribeAll(c: Client, notify: boolean): void {
    this.unsubAll(this.shard, c, notify);
  }

  psubscribe(c: Client, pattern: string): void {
    if (!c.patterns.has(pattern)) {
      c.patterns.add(pattern);
      let s = this.patterns.get(pattern);
      if (!s) this.patterns.set(pattern, (s = { match: compileGlob(pattern), clients: new Set() }));
      s.clients.add(c);
    }
    this.reply(c, PSUBSCRIBE, pattern, this.classic.count(c));
  }

  punsubscribe(c: Client, pattern: string, notify: boolean): number {
    let removed = 0;
    if (c.patterns.delete(pattern)) {
      removed = 1;
      const s = this.patterns.get(pattern)!.clients;
      s.delete(c);
      if (s.size === 0) this.patterns.delete(pattern);
    }
    if (notify) this.reply(c, PUNSUBSCRIBE, pattern, this.classic.count(c));
    return removed;
  }

  /** PUNSUBSCRIBE with no arguments: in subscription order (Redis 7.0 keeps a list). */
  punsubscribeAll(c: Client, notify: boolean): void {
    let count = 0;
    for (const p of c.patterns) count += this.punsubscribe(c, p, notify);
    if (notify && count === 0) this.reply(c, PUNSUBSCRIBE, null, this.classic.count(c));
  }

  /** Disconnect / RESET: drop every subscription silently. */
  removeClient(c: Client): void {
    if (c.subscriptionCount === 0) return;
    this.unsubAll(this.classic, c, false);
    this.unsubAll(this.shard, c, false);
    this.punsubscribeAll(c, false);
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
