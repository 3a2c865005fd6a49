// Why: the stream type's entry commands (t_stream.c): XADD (auto / explicit / <ms>-* IDs,
// NOMKSTREAM, MAXLEN|MINID [=|~] with LIMIT), XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XSETID, with
// Redis 7.0.15's error texts, keyspace events and propagated forms (the generated ID and, for
// approximate trimming, the exact "=" trim argument). Structure: stream-struct.ts; IDs:
// stream-id.ts; reads and blocking: stream-read.ts; groups: stream-group-cmds.ts; XINFO:
// stream-info.ts.
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import { ERR_NO_SUCH_KEY, ERR_NOT_INT, ERR_SYNTAX, fail } from '../server/errors.js';
import { getInt, parseBigLL } from '../server/args.js';
import { signalKeyAsReady } from '../server/blocking.js';
import { replyArityError } from './collection.js';
import { LISTPACK_MAX, StreamObject, TRIM_MAXLEN, TRIM_MINID, type TrimArgs } from './stream-struct.js';
import { canon, cmpId, fmtId, ID_ZERO, inc, isZero, parseId, parseRangeEnd, parseRangeStart, parseStrictId, U64_MAX, type SID, type U64 } from './stream-id.js';
import { lookupStream, notifyStream, rangeReply } from './stream-reply.js';
import { commands as readCommands } from './stream-read.js';
import { commands as groupCommands } from './stream-group-cmds.js';
import { commands as infoCommands } from './stream-info.js';

export { StreamObject } from './stream-struct.js';

interface AddTrimArgs extends TrimArgs {
  /** argv index of the ID (XADD) */
  idPos: number;
  id: SID | null;
  seqGiven: boolean;
  noMkstream: boolean;
  /** argv index of the MAXLEN/MINID value, for the propagated rewrite */
  argIdx: number;
}

/** streamParseAddOrTrimArgsOrReply */
function parseAddTrim(c: Client, argv: string[], xadd: boolean): AddTrimArgs {
  const a: AddTrimArgs = {
    strategy: 0,
    approx: false,
    limit: 0,
    maxlen: 0,
    minid: ID_ZERO,
    idPos: 0,
    id: null,
    seqGiven: true,
    noMkstream: false,
    argIdx: 0,
  };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = argv[i];
    if (xadd && opt === '*') break;
    const lo = opt.length <= 10 ? opt.toLowerCase() : '';
    if ((lo === 'maxlen' || lo === 'minid') && more) {
      if (a.strategy !== 0) fail('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      a.approx = false;
      const next = argv[i + 1];
      if (more >= 2 && next === '~') {
        a.approx = true;
        i++;
      } else if (more >= 2 && next === '=') {
        i++;
      }
      if (lo === 'maxlen') {
        a.maxlen = getInt(argv[i + 1]);
        if (a.maxlen < 0) fail('ERR The MAXLEN argument must be >= 0.');
        a.strategy = TRIM_MAXLEN;
      } else {
        a.minid = parseStrictId(argv[i + 1]);
        a.strategy = TRIM_MINID;
      }
      i++;
      a.argIdx = i;
    } else if (lo === 'limit' && more) {
      a.limit = getInt(argv[i + 1]);
      if (a.limit < 0) fail('ERR The LIMIT argument must be >= 0.');
      limitGiven = true;
      i++;
    } else if (xadd && lo === 'nomkstream') {
      a.noMkstream = true;
    } else if (xadd) {
      const id = parseId(opt, 0, true, true);
      a.id = id;
      a.seqGiven = id.seqGiven;
      break;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  a.idPos = i;
  if (a.limit && a.strategy === 0) fail('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && a.strategy === 0) fail('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (c.server.loading) {
    // mustObeyClient (AOF replay; a master link later): the rewritten "=" forms carry the exact
    // outcome, so no work limit and no LIMIT-without-~ check.
    a.limit = 0;
  } else if (limitGiven) {
    if (!a.approx) fail('ERR syntax error, LIMIT cannot be used without the special ~ option');
  } else if (a.approx) {
    // At most 100 nodes' worth of work, capped both ways.
    // long long arithmetic: 100 * a huge stream-node-max-entries wraps as in C.
    let lim = Number(BigInt.asIntN(64, 100n * BigInt(c.server.config.num('stream-node-max-entries'))));
    if (lim <= 0) lim = 10000;
    if (lim > 1000000) lim = 1000000;
    a.limit = lim;
  } else {
    a.limit = 0;
  }
  return a;
}

/** Rewrite "~ <n>" as "= <exact>" in the propagated argv (streamRewriteTrimArgument). */
function rewriteTrim(c: Client, s: StreamObject, a: AddTrimArgs): void {
  c.argv[a.argIdx - 1] = '=';
  if (a.strategy === TRIM_MAXLEN) c.argv[a.argIdx] = String(s.length);
  else {
    const f = s.firstAny();
    c.argv[a.argIdx] = fmtId(f.ms, f.seq);
  }
}

function xadd(c: Client, argv: string[]): void {
  const a = parseAddTrim(c, argv, true);
  const fieldPos = a.idPos + 1;
  const nargs = argv.length - fieldPos;
  if (nargs < 2 || nargs % 2 === 1) replyArityError(c);
  const given = a.id;
  if (given !== null && a.seqGiven && isZero(given)) fail('ERR The ID specified in XADD must be greater than 0-0');
  const key = argv[1];
  let s = lookupStream(c, key, true);
  let created = false;
  if (s === undefined) {
    if (a.noMkstream) {
      c.nullBulk();
      return;
    }
    s = new StreamObject();
    c.db.add(key, s);
    created = true;
  }
  if (s.lastMs === U64_MAX && s.lastSeq === U64_MAX) fail('ERR The stream has exhausted the last possible ID, unable to add more items');
  // streamAppendItem: the new ID.
  let ms: U64;
  let seq: U64;
  if (given === null) {
    const now = c.server.now();
    if (now > s.lastMs) {
      ms = now;
      seq = 0;
    } else if (s.lastSeq === U64_MAX) {
      ms = inc(s.lastMs);
      seq = 0;
    } else {
      ms = s.lastMs;
      seq = inc(s.lastSeq);
    }
  } else if (a.seqGiven) {
    ms = given.ms;
    seq = given.seq;
  } else if (s.lastMs === given.ms) {
    if (s.lastSeq === U64_MAX) fail('ERR Elements are too large to be stored');
    ms = given.ms;
    seq = inc(s.lastSeq);
  } else {
    ms = given.ms;
    seq = 0;
  }
  if (cmpId(ms, seq, s.lastMs, s.lastSeq) <= 0) fail('ERR The ID specified in XADD is equal or smaller than the target stream top item');
  let tot = 0;
  for (let i = fieldPos; i < argv.length; i++) tot += argv[i].length;
  if (tot > LISTPACK_MAX) fail('ERR Elements are too large to be stored');
  const cf = c.server.config;
  const idStr = fmtId(ms, seq);
  s.append(ms, seq, idStr, argv, fieldPos, tot, cf.num('stream-node-max-bytes'), cf.num('stream-node-max-entries'));
  c.bulk(idStr);
  // One signalModifiedKey + dirty++ (db.add already did both for a new key).
  if (!created) c.db.signalModified(key);
  notifyStream(c, 'xadd', key);
  const rewrite = a.approx || given === null || !a.seqGiven;
  if (rewrite) c.argv = argv.slice();
  if (a.strategy !== 0) {
    if (s.trim(a)) notifyStream(c, 'xtrim', key);
    if (a.approx) rewriteTrim(c, s, a);
  }
  if (given === null || !a.seqGiven) c.argv[a.idPos] = idStr;
  signalKeyAsReady(c.db, key);
}

function xlen(c: Client, argv: string[]): void {
  const s = lookupStream(c, argv[1], false);
  c.int(s === undefined ? 0 : s.length);
}

function xrangeGeneric(c: Client, argv: string[], rev: boolean): void {
  const start = parseRangeStart(rev ? argv[3] : argv[2]);
  const end = parseRangeEnd(rev ? argv[2] : argv[3]);
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'count' && argv.length - j - 1 >= 1) {
      count = getInt(argv[j + 1]);
      if (count < 0) count = 0;
      j++;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  const s = lookupStream(c, argv[1], false);
  if (s === undefined) {
    c.arrayLen(0);
    return;
  }
  if (count === 0) {
    c.nullArray();
    return;
  }
  c.add(rangeReply(s, start, end, count === -1 ? 0 : count, rev));
}

function xdel(c: Client, argv: string[]): void {
  const key = argv[1];
  const s = lookupStream(c, key, true);
  if (s === undefined) {
    c.int(0);
    return;
  }
  const ids: SID[] = [];
  for (let j = 2; j < argv.length; j++) ids.push(parseStrictId(argv[j]));
  let deleted = 0;
  let firstEntry = false;
  for (const id of ids) {
    if (!s.deleteId(id.ms, id.seq)) continue;
    if (id.ms === s.firstMs && id.seq === s.firstSeq) firstEntry = true;
    if (cmpId(id.ms, id.seq, s.maxDelMs, s.maxDelSeq) > 0) {
      s.maxDelMs = id.ms;
      s.maxDelSeq = id.seq;
    }
    deleted++;
  }
  if (deleted) {
    if (s.length === 0 || firstEntry) s.refreshFirst();
    c.db.signalModified(key);
    notifyStream(c, 'xdel', key);
    c.server.dirty += deleted - 1;
  }
  c.int(deleted);
}

function xtrim(c: Client, argv: string[]): void {
  const a = parseAddTrim(c, argv, false);
  const key = argv[1];
  const s = lookupStream(c, key, true);
  if (s === undefined) {
    c.int(0);
    return;
  }
  const deleted = s.trim(a);
  if (deleted) {
    notifyStream(c, 'xtrim', key);
    if (a.approx) {
      c.argv = argv.slice();
      rewriteTrim(c, s, a);
    }
    c.db.signalModified(key);
    c.server.dirty += deleted - 1;
  }
  c.int(deleted);
}

function xsetid(c: Client, argv: string[]): void {
  const id = parseStrictId(argv[2]);
  let entriesAdded: number | bigint = -1;
  let maxDel: SID = { ms: 0, seq: 0 };
  for (let i = 3; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = argv[i].toLowerCase();
    if (opt === 'entriesadded' && more) {
      const v = parseBigLL(argv[i + 1]);
      if (v === null) fail(ERR_NOT_INT);
      if (v < 0n) fail('ERR entries_added must be positive');
      entriesAdded = canon(v);
      i++;
    } else if (opt === 'maxdeletedid' && more) {
      maxDel = parseStrictId(argv[i + 1]);
      if (cmpId(id.ms, id.seq, maxDel.ms, maxDel.seq) < 0) fail('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      i++;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  const key = argv[1];
  const s = lookupStream(c, key, true);
  if (s === undefined) fail(ERR_NO_SUCH_KEY);
  if (s.length > 0) {
    const max = s.lastLive()!;
    if (cmpId(id.ms, id.seq, max.ms, max.seq) < 0) fail('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && s.length > entriesAdded) fail('ERR The entries_added specified in XSETID is smaller than the target stream length');
  }
  s.lastMs = id.ms;
  s.lastSeq = id.seq;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (!isZero(maxDel)) {
    s.maxDelMs = maxDel.ms;
    s.maxDelSeq = maxDel.seq;
  }
  c.ok();
  c.server.dirty++;
  notifyStream(c, 'xsetid', key);
}

export const commands: CommandDef[] = [
  { name: 'xadd', handler: xadd },
  { name: 'xlen', handler: xlen },
  { name: 'xrange', handler: (c, a) => xrangeGeneric(c, a, false) },
  { name: 'xrevrange', handler: (c, a) => xrangeGeneric(c, a, true) },
  { name: 'xdel', handler: xdel },
  { name: 'xtrim', handler: xtrim },
  { name: 'xsetid', handler: xsetid },
  ...readCommands,
  ...groupCommands,
  ...infoCommands,
];
