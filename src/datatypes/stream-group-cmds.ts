// Why: the consumer-group commands of t_stream.c (Redis 7.0.15): XGROUP CREATE / SETID (with
// MKSTREAM, ENTRIESREAD) / DESTROY / CREATECONSUMER / DELCONSUMER / HELP, XACK, XPENDING (summary
// and extended with IDLE and a consumer filter), XCLAIM (IDLE, TIME, RETRYCOUNT, FORCE, JUSTID,
// LASTID) and XAUTOCLAIM (with 7.0's list of deleted IDs), propagated as Redis does (one XCLAIM
// per claimed or dropped entry, XGROUP SETID when only the last-delivered-id moved).
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import { ERR_NOT_INT, ERR_SYNTAX, ERR_WRONGTYPE, fail } from '../server/errors.js';
import { getInt, parseBigLL } from '../server/args.js';
import { signalKeyAsReady } from '../server/blocking.js';
import { replyHelp, subcommandSyntaxError } from '../server/help.js';
import { NULL3, NULL_ARRAY2 } from '../resp/reply.js';
import { StreamObject } from './stream-struct.js';
import { Consumer, ConsumerGroup, Nack } from './stream-groups.js';
import { canonSigned, cmpId, fmtId, parseId, parseRangeEnd, parseRangeStart, parseStrictId, succ, type SID } from './stream-id.js';
import { bulkStr, entryById, lookupStream, notifyStream } from './stream-reply.js';
import { errArg, lookupOrCreateConsumer, propagateGroupId, propagateXclaim } from './stream-read.js';

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

/** The stream at key (read lookup) if it is one, else WRONGTYPE; with its group if any. */
function streamAndGroup(c: Client, key: string, group: string): [StreamObject | undefined, ConsumerGroup | undefined] {
  const s = lookupStream(c, key, false);
  return [s, s?.groups?.get(group)];
}

function noGroup(key: string, group: string): never {
  fail(`NOGROUP No such key '${errArg(key)}' or consumer group '${errArg(group)}'`);
}

/** xgroupCommand */
function xgroup(c: Client, argv: string[]): void {
  const opt = argv[1].toLowerCase();
  if (opt === 'help') {
    replyHelp(c, 'XGROUP', XGROUP_HELP);
    return;
  }
  let mkstream = false;
  let entriesRead: number | bigint = -1;
  const create = opt === 'create';
  const setid = opt === 'setid';
  for (let i = 5; i < argv.length; ) {
    const a = argv[i].toLowerCase();
    if (create && a === 'mkstream') {
      mkstream = true;
      i++;
    } else if ((create || setid) && a === 'entriesread' && i + 1 < argv.length) {
      const v = parseBigLL(argv[i + 1]);
      if (v === null) fail(ERR_NOT_INT);
      if (v < 0n && v !== -1n) fail('ERR value for ENTRIESREAD must be positive or -1');
      entriesRead = canonSigned(v);
      i += 2;
    } else {
      subcommandSyntaxError(argv);
    }
  }
  const key = argv[2];
  const grp = argv[3];
  let s = lookupStream(c, key, true);
  let cg: ConsumerGroup | undefined;
  if (!mkstream) {
    if (s === undefined)
      fail(
        'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      );
    cg = s.groups?.get(grp);
    if (cg === undefined && (setid || opt === 'createconsumer' || opt === 'delconsumer'))
      fail(`NOGROUP No such consumer group '${errArg(grp)}' for key name '${errArg(key)}'`);
  }
  if (create && argv.length <= 8) {
    let id: SID;
    if (argv[4] === '$') id = s ? { ms: s.lastMs, seq: s.lastSeq } : { ms: 0, seq: 0 };
    else id = parseStrictId(argv[4]);
    let created = false;
    if (s === undefined) {
      s = new StreamObject();
      c.db.add(key, s);
      created = true;
    }
    if (s.groups?.has(grp)) fail('BUSYGROUP Consumer Group name already exists');
    if (s.groups === null) s.groups = new Map();
    s.groups.set(grp, new ConsumerGroup(id.ms, id.seq, entriesRead));
    c.ok();
    // Redis counts the group creation once (dbAdd does not count); db.add already did.
    if (!created) c.server.dirty++;
    notifyStream(c, 'xgroup-create', key);
  } else if (setid && (argv.length === 5 || argv.length === 7)) {
    const id: SID = argv[4] === '$' ? { ms: s!.lastMs, seq: s!.lastSeq } : parseId(argv[4], 0, false);
    cg!.lastMs = id.ms;
    cg!.lastSeq = id.seq;
    cg!.entriesRead = entriesRead;
    c.ok();
    c.server.dirty++;
    notifyStream(c, 'xgroup-setid', key);
  } else if (opt === 'destroy' && argv.length === 4) {
    if (cg !== undefined) {
      s!.groups!.delete(grp);
      c.int(1);
      c.server.dirty++;
      notifyStream(c, 'xgroup-destroy', key);
      // Wake XREADGROUP clients blocked on the group (they get -NOGROUP).
      signalKeyAsReady(c.db, key);
    } else {
      c.int(0);
    }
  } else if (opt === 'createconsumer' && argv.length === 5) {
    const name = argv[4];
    if (cg!.consumers.has(name)) {
      c.int(0);
    } else {
      cg!.consumers.set(name, new Consumer(name, c.server.now()));
      c.server.dirty++;
      notifyStream(c, 'xgroup-createconsumer', key);
      c.int(1);
    }
  } else if (opt === 'delconsumer' && argv.length === 5) {
    const cons = cg!.consumers.get(argv[4]);
    let pending = 0;
    if (cons !== undefined) {
      pending = cg!.deleteConsumer(cons);
      c.server.dirty++;
      notifyStream(c, 'xgroup-delconsumer', key);
    }
    c.int(pending);
  } else {
    subcommandSyntaxError(argv);
  }
}

function xack(c: Client, argv: string[]): void {
  const [s, g] = streamAndGroup(c, argv[1], argv[2]);
  if (s === undefined || g === undefined) {
    c.int(0);
    return;
  }
  const ids: SID[] = [];
  for (let j = 3; j < argv.length; j++) ids.push(parseStrictId(argv[j]));
  let acked = 0;
  for (const id of ids) if (g.ack(id.ms, id.seq)) acked++;
  c.server.dirty += acked;
  c.int(acked);
}

function xpending(c: Client, argv: string[]): void {
  const argc = argv.length;
  const key = argv[1];
  const grp = argv[2];
  if (argc !== 3 && (argc < 6 || argc > 9)) fail(ERR_SYNTAX);
  let minIdle = 0;
  let count = 0;
  let start: SID = { ms: 0, seq: 0 };
  let end: SID = { ms: 0, seq: 0 };
  let consumerName: string | null = null;
  if (argc >= 6) {
    let si = 3;
    if (argv[3].toLowerCase() === 'idle') {
      minIdle = getInt(argv[4]);
      if (argc < 8) fail(ERR_SYNTAX);
      si += 2;
    }
    count = getInt(argv[si + 2]);
    if (count < 0) count = 0;
    start = parseRangeStart(argv[si]);
    end = parseRangeEnd(argv[si + 1]);
    if (si + 3 < argc) consumerName = argv[si + 3];
  }
  const [s, g] = streamAndGroup(c, key, grp);
  if (s === undefined || g === undefined) noGroup(key, grp);
  if (argc === 3) {
    const pel = g.pel;
    if (pel.size === 0) {
      c.add('*4\r\n:0\r\n' + (c.resp === 3 ? NULL3 + NULL3 + NULL3 : '$-1\r\n$-1\r\n' + NULL_ARRAY2));
      return;
    }
    const fi = pel.nextLive(0);
    const li = pel.prevLive(pel.slots - 1);
    let out = '';
    let n = 0;
    for (const cons of g.sortedConsumers()) {
      if (cons.pel.size === 0) continue;
      out += '*2\r\n' + bulkStr(cons.name) + bulkStr(String(cons.pel.size));
      n++;
    }
    c.add('*4\r\n:' + pel.size + '\r\n' + bulkStr(fmtId(pel.ms[fi], pel.seq[fi])) + bulkStr(fmtId(pel.ms[li], pel.seq[li])) + '*' + n + '\r\n' + out);
    return;
  }
  let pel = g.pel;
  if (consumerName !== null) {
    const cons = g.consumers.get(consumerName);
    if (cons === undefined) {
      c.arrayLen(0);
      return;
    }
    pel = cons.pel;
  }
  const now = c.server.now();
  let out = '';
  let n = 0;
  for (let i = pel.nextLive(pel.lowerBound(start.ms, start.seq)); count && i < pel.slots; i = pel.nextLive(i + 1)) {
    if (cmpId(pel.ms[i], pel.seq[i], end.ms, end.seq) > 0) break;
    const nack = pel.vals[i]!;
    if (minIdle && now - nack.deliveryTime < minIdle) continue;
    n++;
    count--;
    const elapsed = Math.max(0, now - nack.deliveryTime);
    out += '*4\r\n' + bulkStr(fmtId(pel.ms[i], pel.seq[i])) + bulkStr(nack.consumer!.name) + ':' + elapsed + '\r\n:' + nack.deliveryCount + '\r\n';
  }
  c.add('*' + n + '\r\n' + out);
}

function xclaim(c: Client, argv: string[]): void {
  const key = argv[1];
  const grp = argv[2];
  const [s, g] = streamAndGroup(c, key, grp);
  if (s === undefined || g === undefined) noGroup(key, grp);
  let minIdle = getInt(argv[4], 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minIdle < 0) minIdle = 0;
  const ids: SID[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    let id: SID;
    try {
      id = parseStrictId(argv[j]);
    } catch {
      break;
    }
    ids.push(id);
  }
  const lastIdArg = j - 1;
  const now = c.server.now();
  let lastId: SID = { ms: 0, seq: 0 };
  let force = false;
  let justid = false;
  let deliveryTime = -1;
  let retryCount = -1;
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j].toLowerCase();
    if (opt === 'force') force = true;
    else if (opt === 'justid') justid = true;
    else if (opt === 'idle' && more) deliveryTime = now - getInt(argv[++j], 'ERR Invalid IDLE option argument for XCLAIM');
    else if (opt === 'time' && more) deliveryTime = getInt(argv[++j], 'ERR Invalid TIME option argument for XCLAIM');
    else if (opt === 'retrycount' && more) retryCount = getInt(argv[++j], 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
    else if (opt === 'lastid' && more) lastId = parseStrictId(argv[++j]);
    else fail(`ERR Unrecognized XCLAIM option '${errArg(argv[j])}'`);
  }
  let propagateLast = false;
  if (cmpId(lastId.ms, lastId.seq, g.lastMs, g.lastSeq) > 0) {
    g.lastMs = lastId.ms;
    g.lastSeq = lastId.seq;
    propagateLast = true;
  }
  if (deliveryTime !== -1) {
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  } else {
    deliveryTime = now;
  }
  let cons: Consumer | null = null;
  let out = '';
  let n = 0;
  for (let k = 5; k <= lastIdArg; k++) {
    const id = ids[k - 5];
    let nack = g.pel.get(id.ms, id.seq);
    const entry = justid ? null : entryById(s, id);
    if (justid ? s.find(id.ms, id.seq) === null : entry === null) {
      // The entry is gone: drop its NACK (propagated as an XCLAIM the replica will drop too).
      if (nack !== undefined) {
        propagateXclaim(c, key, grp, g, argv[k], nack);
        propagateLast = false;
        c.server.dirty++;
        g.ack(id.ms, id.seq);
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = new Nack(now, 1, null);
      g.pel.set(id.ms, id.seq, nack);
    }
    if (nack === undefined) continue;
    if (nack.consumer !== null && minIdle && now - nack.deliveryTime < minIdle) continue;
    if (cons === null) cons = lookupOrCreateConsumer(c, key, g, argv[3])[0];
    if (nack.consumer !== cons) {
      nack.consumer?.pel.delete(id.ms, id.seq);
    }
    nack.deliveryTime = deliveryTime;
    if (retryCount >= 0) nack.deliveryCount = retryCount;
    else if (!justid) nack.deliveryCount++;
    if (nack.consumer !== cons) {
      cons.pel.set(id.ms, id.seq, nack);
      nack.consumer = cons;
    }
    out += justid ? bulkStr(fmtId(id.ms, id.seq)) : entry!;
    n++;
    propagateXclaim(c, key, grp, g, argv[k], nack);
    propagateLast = false;
    c.server.dirty++;
  }
  if (propagateLast) {
    propagateGroupId(c, key, grp, g);
    c.server.dirty++;
  }
  c.add('*' + n + '\r\n' + out);
  c.suppressPropagation = true;
}

/** LONG_MAX / max(sizeof(streamID), attempts_factor) */
const XAUTOCLAIM_MAX_COUNT = 576460752303423487n;

function xautoclaim(c: Client, argv: string[]): void {
  const key = argv[1];
  const grp = argv[2];
  const o = c.db.lookupRead(key);
  let minIdle = getInt(argv[4], 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdle < 0) minIdle = 0;
  const start = parseRangeStart(argv[5]);
  let count = 100;
  let justid = false;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j].toLowerCase();
    if (opt === 'count' && more) {
      const v = parseBigLL(argv[j + 1]);
      if (v === null || v < 1n || v > XAUTOCLAIM_MAX_COUNT) fail('ERR COUNT must be > 0');
      count = Number(v);
      j++;
    } else if (opt === 'justid') {
      justid = true;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  if (o !== undefined && (typeof o === 'string' || o.type !== 'stream')) fail(ERR_WRONGTYPE);
  const s = o as StreamObject | undefined;
  const g = s?.groups?.get(grp);
  if (s === undefined || g === undefined) noGroup(key, grp);
  // The transient array of deleted IDs (16 bytes each) cannot be allocated for absurd counts.
  if (count * 16 >= 2 ** 47) fail('ERR Insufficient memory, failed allocating transient memory, COUNT too high.');
  let attempts = count * 10;
  const now = c.server.now();
  const deleted: SID[] = [];
  let cons: Consumer | null = null;
  let out = '';
  let n = 0;
  const pel = g.pel;
  let cur: SID | null = start;
  let last: SID | null = null;
  let eof = false;
  while (attempts-- > 0 && count > 0) {
    const i: number = cur === null ? pel.slots : pel.nextLive(pel.lowerBound(cur.ms, cur.seq));
    if (i >= pel.slots) {
      eof = true;
      break;
    }
    const id: SID = { ms: pel.ms[i], seq: pel.seq[i] };
    const nack = pel.vals[i]!;
    last = id;
    cur = succ(id);
    const entry = justid ? null : entryById(s, id);
    if (justid ? s.find(id.ms, id.seq) === null : entry === null) {
      propagateXclaim(c, key, grp, g, fmtId(id.ms, id.seq), nack);
      c.server.dirty++;
      g.ack(id.ms, id.seq);
      deleted.push(id);
      count--;
      continue;
    }
    if (minIdle && now - nack.deliveryTime < minIdle) continue;
    if (cons === null) cons = lookupOrCreateConsumer(c, key, g, argv[3])[0];
    g.assign(id.ms, id.seq, nack, cons);
    nack.deliveryTime = now;
    if (!justid) nack.deliveryCount++;
    out += justid ? bulkStr(fmtId(id.ms, id.seq)) : entry!;
    n++;
    count--;
    propagateXclaim(c, key, grp, g, fmtId(id.ms, id.seq), nack);
    c.server.dirty++;
  }
  let cursor: SID = { ms: 0, seq: 0 };
  if (!eof && last !== null) {
    const nx = succ(last);
    const i = nx === null ? pel.slots : pel.nextLive(pel.lowerBound(nx.ms, nx.seq));
    if (i < pel.slots) cursor = { ms: pel.ms[i], seq: pel.seq[i] };
  }
  let del = '*' + deleted.length + '\r\n';
  for (const d of deleted) del += bulkStr(fmtId(d.ms, d.seq));
  c.add('*3\r\n' + bulkStr(fmtId(cursor.ms, cursor.seq)) + '*' + n + '\r\n' + out + del);
  c.suppressPropagation = true;
}

export const commands: CommandDef[] = [
  { name: 'xgroup|create', handler: xgroup },
  { name: 'xgroup|setid', handler: xgroup },
  { name: 'xgroup|destroy', handler: xgroup },
  { name: 'xgroup|createconsumer', handler: xgroup },
  { name: 'xgroup|delconsumer', handler: xgroup },
  { name: 'xgroup|help', handler: xgroup },
  { name: 'xack', handler: xack },
  { name: 'xpending', handler: xpending },
  { name: 'xclaim', handler: xclaim },
  { name: 'xautoclaim', handler: xautoclaim },
];
