// Why: XINFO STREAM [FULL [COUNT n]] / GROUPS / CONSUMERS / HELP with the fields Redis 7.0.15
// reports (max-deleted-entry-id, entries-added, recorded-first-entry-id, entries-read, lag as
// streamReplyWithCGLag computes it, seen-time / idle) and radix-tree-keys from the emulated nodes.
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import { getInt } from '../server/args.js';
import { ERR_NO_SUCH_KEY, fail } from '../server/errors.js';
import { replyHelp, subcommandSyntaxError } from '../server/help.js';
import { NULL3, NULL_BULK2 } from '../resp/reply.js';
import type { StreamObject } from './stream-struct.js';
import { groupLag, sortedNames, type ConsumerGroup } from './stream-groups.js';
import { asInt64, fmtId, U64_MAX, type U64 } from './stream-id.js';
import { bulkStr, entryReply, lookupStream, rangeReply } from './stream-reply.js';
import { errArg } from './stream-read.js';

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

function mapHead(c: Client, n: number): string {
  return c.resp === 3 ? '%' + n + '\r\n' : '*' + n * 2 + '\r\n';
}

function int(n: number | bigint): string {
  return ':' + n + '\r\n';
}

function idStr(ms: U64, seq: U64): string {
  return bulkStr(fmtId(ms, seq));
}

function nullOr(c: Client, v: number | bigint | null): string {
  return v === null ? (c.resp === 3 ? NULL3 : NULL_BULK2) : int(v);
}

function streamOf(c: Client, key: string): StreamObject {
  const s = lookupStream(c, key, false);
  if (s === undefined) fail(ERR_NO_SUCH_KEY);
  return s;
}

function xinfoHelp(c: Client): void {
  replyHelp(c, 'XINFO', XINFO_HELP);
}

function xinfoConsumers(c: Client, argv: string[]): void {
  const s = streamOf(c, argv[2]);
  const g = s.groups?.get(argv[3]);
  if (g === undefined) fail(`NOGROUP No such consumer group '${errArg(argv[3])}' for key name '${errArg(argv[2])}'`);
  const now = c.server.now();
  const list = g.sortedConsumers();
  let out = '*' + list.length + '\r\n';
  for (const cons of list) {
    out += mapHead(c, 3) + bulkStr('name') + bulkStr(cons.name) + bulkStr('pending') + int(cons.pel.size);
    out += bulkStr('idle') + int(Math.max(0, now - cons.seenTime));
  }
  c.add(out);
}

function xinfoGroups(c: Client, argv: string[]): void {
  const s = streamOf(c, argv[2]);
  if (s.groups === null) {
    c.arrayLen(0);
    return;
  }
  const names = sortedNames(s.groups);
  let out = '*' + names.length + '\r\n';
  for (const name of names) {
    const g = s.groups.get(name)!;
    out += mapHead(c, 6) + bulkStr('name') + bulkStr(name) + bulkStr('consumers') + int(g.consumers.size);
    out += bulkStr('pending') + int(g.pel.size) + bulkStr('last-delivered-id') + idStr(g.lastMs, g.lastSeq);
    out += bulkStr('entries-read') + nullOr(c, g.entriesRead === -1 ? null : g.entriesRead);
    out += bulkStr('lag') + nullOr(c, groupLag(s, g));
  }
  c.add(out);
}

function fullGroup(c: Client, s: StreamObject, name: string, g: ConsumerGroup, count: number): string {
  let out = mapHead(c, 7) + bulkStr('name') + bulkStr(name) + bulkStr('last-delivered-id') + idStr(g.lastMs, g.lastSeq);
  out += bulkStr('entries-read') + nullOr(c, g.entriesRead === -1 ? null : g.entriesRead);
  out += bulkStr('lag') + nullOr(c, groupLag(s, g));
  out += bulkStr('pel-count') + int(g.pel.size) + bulkStr('pending');
  let pend = '';
  let n = 0;
  g.pel.forEach((ms, seq, nack) => {
    if (count && n >= count) return false;
    pend += '*4\r\n' + idStr(ms, seq) + bulkStr(nack.consumer!.name) + int(nack.deliveryTime) + int(nack.deliveryCount);
    n++;
  });
  out += '*' + n + '\r\n' + pend;
  const list = g.sortedConsumers();
  out += bulkStr('consumers') + '*' + list.length + '\r\n';
  for (const cons of list) {
    out += mapHead(c, 4) + bulkStr('name') + bulkStr(cons.name) + bulkStr('seen-time') + int(cons.seenTime);
    out += bulkStr('pel-count') + int(cons.pel.size) + bulkStr('pending');
    let cp = '';
    let m = 0;
    cons.pel.forEach((ms, seq, nack) => {
      if (count && m >= count) return false;
      cp += '*3\r\n' + idStr(ms, seq) + int(nack.deliveryTime) + int(nack.deliveryCount);
      m++;
    });
    out += '*' + m + '\r\n' + cp;
  }
  return out;
}

function xinfoStream(c: Client, argv: string[]): void {
  const s = streamOf(c, argv[2]);
  const optc = argv.length - 3;
  let full = true;
  let count = 10;
  if (optc === 0) {
    full = false;
  } else {
    if (optc !== 1 && optc !== 3) subcommandSyntaxError(argv);
    if (argv[3].toLowerCase() !== 'full') subcommandSyntaxError(argv);
    if (optc === 3) {
      if (argv[4].toLowerCase() !== 'count') subcommandSyntaxError(argv);
      count = getInt(argv[5]);
      if (count < 0) count = 10;
    }
  }
  let out = mapHead(c, full ? 9 : 10);
  out += bulkStr('length') + int(s.length) + bulkStr('radix-tree-keys') + int(s.nodeCount);
  out += bulkStr('radix-tree-nodes') + int(s.radixNodes()) + bulkStr('last-generated-id') + idStr(s.lastMs, s.lastSeq);
  out += bulkStr('max-deleted-entry-id') + idStr(s.maxDelMs, s.maxDelSeq) + bulkStr('entries-added') + int(asInt64(s.entriesAdded));
  out += bulkStr('recorded-first-entry-id') + idStr(s.firstMs, s.firstSeq);
  const nil = c.resp === 3 ? NULL3 : NULL_BULK2;
  if (!full) {
    out += bulkStr('groups') + int(s.groups === null ? 0 : s.groups.size);
    let first = nil;
    let last = nil;
    s.forward(0, 0, U64_MAX, U64_MAX, (node, i) => {
      first = entryReply(node, i);
      return false;
    });
    s.backward(0, 0, U64_MAX, U64_MAX, (node, i) => {
      last = entryReply(node, i);
      return false;
    });
    out += bulkStr('first-entry') + first + bulkStr('last-entry') + last;
  } else {
    out += bulkStr('entries') + rangeReply(s, { ms: 0, seq: 0 }, { ms: U64_MAX, seq: U64_MAX }, count, false);
    out += bulkStr('groups');
    if (s.groups === null) {
      out += '*0\r\n';
    } else {
      const names = sortedNames(s.groups);
      out += '*' + names.length + '\r\n';
      for (const name of names) out += fullGroup(c, s, name, s.groups.get(name)!, count);
    }
  }
  c.add(out);
}

export const commands: CommandDef[] = [
  { name: 'xinfo|help', handler: xinfoHelp },
  { name: 'xinfo|consumers', handler: xinfoConsumers },
  { name: 'xinfo|groups', handler: xinfoGroups },
  { name: 'xinfo|stream', handler: xinfoStream },
];
