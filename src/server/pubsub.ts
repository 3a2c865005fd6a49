// Why: channel and pattern subscriptions, PUBLISH fan-out, and keyspace notifications
// (notify-keyspace-events), which are just publishes on __keyspace@N__ / __keyevent@N__ channels.
import type { Client } from './client.js';
import type { Server } from './server.js';
import { stringMatch } from '../datatypes/glob.js';

export class PubSub {
  channels = new Map<string, Set<Client>>();
  patterns = new Map<string, Set<Client>>();
  /** parsed notify-keyspace-events */
  notifyFlags = '';

  constructor(private server: Server) {}

  private message(c: Client, channel: string, msg: string): void {
    c.push(c.pushLen(3) + '$7\r\nmessage\r\n$' + channel.length + '\r\n' + channel + '\r\n$' + msg.length + '\r\n' + msg + '\r\n');
  }

  private pmessage(c: Client, pattern: string, channel: string, msg: string): void {
    c.push(
      c.pushLen(4) +
        '$8\r\npmessage\r\n$' +
        pattern.length +
        '\r\n' +
        pattern +
        '\r\n$' +
        channel.length +
        '\r\n' +
        channel +
        '\r\n$' +
        msg.length +
        '\r\n' +
        msg +
        '\r\n',
    );
  }

  /** PUBLISH: returns the number of clients that received the message. */
  publish(channel: string, msg: string): number {
    let n = 0;
    const subs = this.channels.get(channel);
    if (subs) {
      for (const c of subs) {
        this.message(c, channel, msg);
        n++;
      }
    }
    if (this.patterns.size) {
      for (const [pat, clients] of this.patterns) {
        if (!stringMatch(pat, channel, false)) continue;
        for (const c of clients) {
          this.pmessage(c, pat, channel, msg);
          n++;
        }
      }
    }
    return n;
  }

  subscribe(c: Client, channel: string): void {
    if (!c.subscriptions.has(channel)) {
      c.subscriptions.add(channel);
      let s = this.channels.get(channel);
      if (!s) this.channels.set(channel, (s = new Set()));
      s.add(c);
    }
    c.push(c.pushLen(3) + '$9\r\nsubscribe\r\n$' + channel.length + '\r\n' + channel + '\r\n:' + c.subscriptionCount + '\r\n');
  }

  /** Remove one channel subscription; notify=false when called on disconnect/RESET. */
  unsubscribe(c: Client, channel: string, notify: boolean): void {
    if (c.subscriptions.delete(channel)) {
      const s = this.channels.get(channel)!;
      s.delete(c);
      if (s.size === 0) this.channels.delete(channel);
    }
    if (notify) c.push(c.pushLen(3) + '$11\r\nunsubscribe\r\n$' + channel.length + '\r\n' + channel + '\r\n:' + c.subscriptionCount + '\r\n');
  }

  psubscribe(c: Client, pattern: string): void {
    if (!c.patterns.has(pattern)) {
      c.patterns.add(pattern);
      let s = this.patterns.get(pattern);
      if (!s) this.patterns.set(pattern, (s = new Set()));
      s.add(c);
    }
    c.push(c.pushLen(3) + '$10\r\npsubscribe\r\n$' + pattern.length + '\r\n' + pattern + '\r\n:' + c.subscriptionCount + '\r\n');
  }

  punsubscribe(c: Client, pattern: string, notify: boolean): void {
    if (c.patterns.delete(pattern)) {
      const s = this.patterns.get(pattern)!;
      s.delete(c);
      if (s.size === 0) this.patterns.delete(pattern);
    }
    if (notify) c.push(c.pushLen(3) + '$12\r\npunsubscribe\r\n$' + pattern.length + '\r\n' + pattern + '\r\n:' + c.subscriptionCount + '\r\n');
  }

  /** UNSUBSCRIBE with no arguments: every channel, or the "no channel" reply when there are none. */
  unsubscribeAll(c: Client, notify: boolean): void {
    if (c.subscriptions.size === 0) {
      if (notify) c.push(c.pushLen(3) + '$11\r\nunsubscribe\r\n' + (c.resp === 3 ? '_\r\n' : '$-1\r\n') + ':' + c.subscriptionCount + '\r\n');
      return;
    }
    for (const ch of [...c.subscriptions]) this.unsubscribe(c, ch, notify);
  }

  punsubscribeAll(c: Client, notify: boolean): void {
    if (c.patterns.size === 0) {
      if (notify) c.push(c.pushLen(3) + '$12\r\npunsubscribe\r\n' + (c.resp === 3 ? '_\r\n' : '$-1\r\n') + ':' + c.subscriptionCount + '\r\n');
      return;
    }
    for (const p of [...c.patterns]) this.punsubscribe(c, p, notify);
  }

  /**
   * notifyKeyspaceEvent: `type` is the event class character (g $ l s h z x e t m n d).
   * Publishes on __keyspace@<db>__:<key> (K) and __keyevent@<db>__:<event> (E).
   */
  notify(type: string, event: string, key: string, dbid: number): void {
    const f = this.notifyFlags;
    if (f === '') return;
    const classOk = f.includes(type) || (f.includes('A') && type !== 'm' && type !== 'n');
    if (!classOk) return;
    if (f.includes('K')) this.publish('__keyspace@' + dbid + '__:' + key, event);
    if (f.includes('E')) this.publish('__keyevent@' + dbid + '__:' + event, key);
  }
}
