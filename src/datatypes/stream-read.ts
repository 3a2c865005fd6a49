// Why: XREAD and XREADGROUP (xreadCommand + streamReplyWithRange with a group +
// serveClientsBlockedOnStreamKey of Redis 7.0.15): synchronous reads over several streams, consumer
// group delivery (PEL, delivery counts, last-delivered-id and entries-read bookkeeping, history
// reads from the consumer's own PEL), BLOCK through server/blocking.ts, and the propagation Redis
// does instead of the command itself (one XCLAIM per delivered entry, XGROUP SETID for NOACK reads,
// XGROUP CREATECONSUMER for consumers NOACK reads create).
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import { ERR_SYNTAX, ERR_WRONGTYPE, fail } from '../server/errors.js';
import { getInt, parseBigLL } from '../server/args.js';
import { blockForKeys, servingKey, type BlockState } from '../server/blocking.js';
import { NULL3, NULL_ARRAY2 } from '../resp/reply.js';
import type { StreamObject, StreamNode } from './stream-struct.js';
import { Consumer, ConsumerGroup, Nack, estimateEntriesRead, rangeHasTombstones } from './stream-groups.js';
import { addCounter, cmpId, fmtId, parseStrictId, succ, U64_MAX, type SID, type U64 } from './stream-id.js';
import { bulkStr, cannotBlock, entryById, entryReply, notifyStream, rangeReply } from './stream-reply.js';

/** XREAD_BLOCKED_DEFAULT_COUNT */
const BLOCKED_DEFAULT_COUNT = 1000;

/** A %s argument of addReplyErrorFormat: cut at NUL, newlines made spaces. */
export function errArg(s: string): string {
  const nul = s.indexOf('\0');
  const t = nul >= 0 ? s.slice(0, nul) : s;
  return t.replace(/[\r\n]/g, ' ');
}

/** getTimeoutFromObjectOrReply(UNIT_MILLISECONDS): ms (0 = forever). */
function parseMsTimeout(s: string): number {
  const v = parseBigLL(s);
  if (v === null) fail('ERR timeout is not an integer or out of range');
  if (v < 0n) fail('ERR timeout is negative');
  return Number(v);
}

interface ReadArgs {
  timeout: number;
  count: number;
  streamsArg: number;
  n: number;
  group: string | null;
  consumer: string;
  noack: boolean;
}

function parseRead(argv: string[], isGroup: boolean): ReadArgs {
  const r: ReadArgs = { timeout: -1, count: 0, streamsArg: 0, n: 0, group: null, consumer: '', noack: false };
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const o = argv[i].toLowerCase();
    if (o === 'block' && more) {
      i++;
      r.timeout = parseMsTimeout(argv[i]);
    } else if (o === 'count' && more) {
      i++;
      r.count = getInt(argv[i]);
      if (r.count < 0) r.count = 0;
    } else if (o === 'streams' && more) {
      r.streamsArg = i + 1;
      const n = argv.length - r.streamsArg;
      if (n % 2 !== 0) fail("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      r.n = n / 2;
      break;
    } else if (o === 'group' && more >= 2) {
      if (!isGroup) fail('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      r.group = argv[i + 1];
      r.consumer = argv[i + 2];
      i += 2;
    } else if (o === 'noack') {
      if (!isGroup) fail('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      r.noack = true;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  if (r.streamsArg === 0) fail(ERR_SYNTAX);
  if (isGroup && r.group === null) fail('ERR Missing GROUP option for XREADGROUP');
  return r;
}

/** xreadGetKeys */
export function xreadKeys(argv: string[]): number[] {
  let pos = -1;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'block' || a === 'count') i++;
    else if (a === 'group') i += 2;
    else if (a === 'noack') continue;
    else {
      if (a === 'streams') pos = i;
      break;
    }
  }
  const num = argv.length - pos - 1;
  if (pos === -1 || num === 0 || num % 2 !== 0) return [];
  const keys: number[] = [];
  for (let i = pos + 1; i < pos + 1 + num / 2; i++) keys.push(i);
  return keys;
}

function propagateXclaim(c: Client, key: string, group: string, g: ConsumerGroup, idArg: string, n: Nack): void {
  c.server.propagateInternal(c.db.id, [
    'XCLAIM',
    key,
    group,
    n.consumer!.name,
    '0',
    idArg,
    'TIME',
    String(n.deliveryTime),
    'RETRYCOUNT',
    String(n.deliveryCount),
    'FORCE',
    'JUSTID',
    'LASTID',
    fmtId(g.lastMs, g.lastSeq),
  ]);
}

export { propagateXclaim };

/** streamPropagateGroupID: XGROUP SETID <key> <group> <last-id> ENTRIESREAD <n>. */
export function propagateGroupId(c: Client, key: string, group: string, g: ConsumerGroup): void {
  c.server.propagateInternal(c.db.id, ['XGROUP', 'SETID', key, group, fmtId(g.lastMs, g.lastSeq), 'ENTRIESREAD', String(g.entriesRead)]);
}

/** streamLookupConsumer (refreshing seen-time) or streamCreateConsumer (dirty, notification). */
export function lookupOrCreateConsumer(c: Client, key: string, g: ConsumerGroup, name: string): [Consumer, boolean] {
  const now = c.server.now();
  let cons = g.consumers.get(name);
  if (cons !== undefined) {
    cons.seenTime = now;
    return [cons, false];
  }
  cons = new Consumer(name, now);
  g.consumers.set(name, cons);
  c.server.dirty++;
  notifyStream(c, 'xgroup-createconsumer', key);
  return [cons, true];
}

/**
 * streamReplyWithRange with a group (the ">" case): entries after `start`, advancing the group's
 * last-delivered-id / entries-read, creating or re-assigning NACKs and propagating them.
 */
function deliver(c: Client, s: StreamObject, key: string, group: string, g: ConsumerGroup, cons: Consumer, start: SID, count: number, noack: boolean): string {
  let out = '';
  let n = 0;
  let propagateLast = false;
  const now = c.server.now();
  s.forward(start.ms, start.seq, U64_MAX, U64_MAX, (node: StreamNode, i: number) => {
    const ms = node.ms[i];
    const seq = node.seq[i];
    if (cmpId(ms, seq, g.lastMs, g.lastSeq) > 0) {
      if (g.entriesRead !== -1 && !rangeHasTombstones(s, ms, seq)) g.entriesRead = addCounter(g.entriesRead as U64, 1);
      else if (s.entriesAdded !== 0) g.entriesRead = estimateEntriesRead(s, ms, seq);
      g.lastMs = ms;
      g.lastSeq = seq;
      if (noack) propagateLast = true;
    }
    out += entryReply(node, i);
    if (!noack) {
      let nack = g.pel.get(ms, seq);
      if (nack === undefined) {
        nack = new Nack(now, 1, cons);
        g.pel.set(ms, seq, nack);
        cons.pel.set(ms, seq, nack);
      } else {
        nack.consumer?.pel.delete(ms, seq);
        nack.consumer = cons;
        nack.deliveryTime = now;
        nack.deliveryCount = 1;
        cons.pel.set(ms, seq, nack);
      }
      propagateXclaim(c, key, group, g, fmtId(ms, seq), nack);
    }
    n++;
    return count === 0 || n < count;
  });
  if (propagateLast) propagateGroupId(c, key, group, g);
  return '*' + n + '\r\n' + out;
}

/** streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from `start`. */
function history(c: Client, s: StreamObject, cons: Consumer, start: SID, count: number): string {
  let out = '';
  let n = 0;
  const now = c.server.now();
  const pel = cons.pel;
  const nullArr = c.resp === 3 ? NULL3 : NULL_ARRAY2;
  for (let i = pel.nextLive(pel.lowerBound(start.ms, start.seq)); i < pel.slots && (count === 0 || n < count); i = pel.nextLive(i + 1)) {
    const id = { ms: pel.ms[i], seq: pel.seq[i] };
    const e = entryById(s, id);
    if (e === null) {
      out += '*2\r\n' + bulkStr(fmtId(id.ms, id.seq)) + nullArr;
    } else {
      out += e;
      const nack = pel.vals[i]!;
      nack.deliveryTime = now;
      nack.deliveryCount++;
    }
    n++;
  }
  return '*' + n + '\r\n' + out;
}

const MAX_ID: SID = { ms: U64_MAX, seq: U64_MAX };

function xreadGeneric(c: Client, argv: string[], isGroup: boolean): void {
  const r = parseRead(argv, isGroup);
  // XREAD is never propagated; XREADGROUP propagates what it did (XCLAIM...), not itself.
  c.suppressPropagation = true;
  const ready = servingKey(c);
  if (ready !== null) {
    serveBlocked(c, argv, r, ready);
    return;
  }
  const { n, streamsArg } = r;
  const ids: SID[] = [];
  const groups: ConsumerGroup[] = [];
  for (let k = 0; k < n; k++) {
    const key = argv[streamsArg + k];
    const idArg = argv[streamsArg + n + k];
    const o = c.db.lookupRead(key);
    if (o !== undefined && (typeof o === 'string' || o.type !== 'stream')) fail(ERR_WRONGTYPE);
    const s = o as StreamObject | undefined;
    if (r.group !== null) {
      const g = s?.groups?.get(r.group);
      if (g === undefined) fail(`NOGROUP No such key '${errArg(key)}' or consumer group '${errArg(r.group)}' in XREADGROUP with GROUP option`);
      groups.push(g);
    }
    if (idArg === '$') {
      if (isGroup)
        fail(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
      ids.push(s ? { ms: s.lastMs, seq: s.lastSeq } : { ms: 0, seq: 0 });
    } else if (idArg === '>') {
      if (!isGroup) fail('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      ids.push(MAX_ID);
    } else {
      ids.push(parseStrictId(idArg));
    }
  }
  let out = '';
  let served = 0;
  for (let k = 0; k < n; k++) {
    const key = argv[streamsArg + k];
    const s = c.db.lookupRead(key) as StreamObject | undefined;
    if (s === undefined) continue;
    let gt = ids[k];
    let serve = false;
    let hist = false;
    if (isGroup) {
      if (gt.ms !== U64_MAX || gt.seq !== U64_MAX) {
        serve = hist = true;
      } else if (s.length) {
        const g = groups[k];
        const max = s.lastLive()!;
        if (cmpId(max.ms, max.seq, g.lastMs, g.lastSeq) > 0) {
          serve = true;
          gt = { ms: g.lastMs, seq: g.lastSeq };
        }
      }
    } else if (s.length) {
      const max = s.lastLive()!;
      serve = cmpId(max.ms, max.seq, gt.ms, gt.seq) > 0;
    }
    if (!serve) continue;
    served++;
    const start = succ(gt) ?? { ms: 0, seq: 0 };
    out += (c.resp === 2 ? '*2\r\n' : '') + bulkStr(key);
    if (!isGroup) {
      out += rangeReply(s, start, MAX_ID, r.count, false);
      continue;
    }
    const g = groups[k];
    const [cons, created] = lookupOrCreateConsumer(c, key, g, r.consumer);
    if (created && r.noack) c.server.propagateInternal(c.db.id, ['XGROUP', 'CREATECONSUMER', key, r.group!, r.consumer]);
    out += hist ? history(c, s, cons, start, r.count) : deliver(c, s, key, r.group!, g, cons, start, r.count, r.noack);
    c.server.dirty++;
  }
  if (served) {
    c.add((c.resp === 2 ? '*' : '%') + served + '\r\n' + out);
    return;
  }
  if (r.timeout !== -1) {
    if (cannotBlock(c)) {
      c.nullArray();
      return;
    }
    // The retry re-runs this argv: pin "$" to the IDs it meant now.
    const bargv = argv.slice();
    const keys: string[] = [];
    for (let k = 0; k < n; k++) {
      keys.push(argv[streamsArg + k]);
      if (bargv[streamsArg + n + k] === '$') bargv[streamsArg + n + k] = fmtId(ids[k].ms, ids[k].seq);
    }
    c.argv = bargv;
    blockForKeys(c, keys, r.timeout, (cl) => cl.nullArray());
    // XREADGROUP waiters learn when their stream is deleted or replaced (-UNBLOCKED).
    if (isGroup && c.blocked !== null) (c.blocked as BlockState).wakeOnGone = true;
    return;
  }
  c.nullArray();
}

/** serveClientsBlockedOnStreamKey / unblockDeletedStreamReadgroupClients for one blocked client. */
function serveBlocked(c: Client, argv: string[], r: ReadArgs, key: string): void {
  const o = c.db.lookupWrite(key);
  const keys = argv.slice(r.streamsArg, r.streamsArg + r.n);
  if (o === undefined || typeof o === 'string' || o.type !== 'stream') {
    if (r.group !== null) fail('UNBLOCKED the stream key no longer exists');
    blockForKeys(c, keys, r.timeout, (cl) => cl.nullArray());
    return;
  }
  const s = o as StreamObject;
  const k = keys.indexOf(key);
  const idArg = argv[r.streamsArg + r.n + k];
  let gt: SID = idArg === '>' ? MAX_ID : parseStrictId(idArg);
  let g: ConsumerGroup | undefined;
  if (r.group !== null) {
    g = s.groups?.get(r.group);
    if (g === undefined) fail('NOGROUP the consumer group this client was blocked on no longer exists');
    gt = { ms: g.lastMs, seq: g.lastSeq };
  }
  if (cmpId(s.lastMs, s.lastSeq, gt.ms, gt.seq) <= 0) {
    blockForKeys(c, keys, r.timeout, (cl) => cl.nullArray());
    return;
  }
  const start = succ(gt)!;
  const count = r.count || BLOCKED_DEFAULT_COUNT;
  let out = (c.resp === 2 ? '*1\r\n*2\r\n' : '%1\r\n') + bulkStr(key);
  if (g === undefined) {
    out += rangeReply(s, start, MAX_ID, count, false);
  } else {
    const [cons, created] = lookupOrCreateConsumer(c, key, g, r.consumer);
    if (created && r.noack) c.server.propagateInternal(c.db.id, ['XGROUP', 'CREATECONSUMER', key, r.group!, r.consumer]);
    out += deliver(c, s, key, r.group!, g, cons, start, count, r.noack);
  }
  c.add(out);
}

export const commands: CommandDef[] = [
  { name: 'xread', handler: (c, a) => xreadGeneric(c, a, false), getKeys: xreadKeys },
  { name: 'xreadgroup', handler: (c, a) => xreadGeneric(c, a, true), getKeys: xreadKeys },
];
