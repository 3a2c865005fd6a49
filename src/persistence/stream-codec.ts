// Why: the RDB layout of streams (STREAM_LISTPACKS, _2 as Redis 7.0 writes it, _3 of 7.2): one
// listpack per macro node (master entry, delta-encoded IDs, tombstones kept), the stream metadata,
// and consumer groups with their PELs and consumers. eddy's StreamObject emulates Redis's nodes
// exactly, so nodes are written and rebuilt one to one.
import type { RdbReader } from './rdb-reader.js';
import type { RdbEncoder } from './rdb-writer.js';
import { ListpackWriter, lpDecode } from './listpack.js';
import { StreamNode, StreamObject, F_DELETED, F_SAMEFIELDS } from '../datatypes/stream-struct.js';
import { Consumer, ConsumerGroup, Nack, estimateEntriesRead, sortedNames } from '../datatypes/stream-groups.js';
import { big, canon, cmpId, delta64, type U64 } from '../datatypes/stream-id.js';
import * as T from './rdb-types.js';

const TWO64 = 1n << 64n;
const I64_MAX = (1n << 63n) - 1n;

function idBytes(ms: U64, seq: U64): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(big(ms), 0);
  b.writeBigUInt64BE(big(seq), 8);
  return b;
}

function appendI64(w: ListpackWriter, v: number | bigint): void {
  if (typeof v === 'number') w.appendInt(v);
  else w.appendBigInt(v);
}

/** One macro node as Redis's stream listpack. */
function encodeNode(node: StreamNode): Buffer {
  const w = new ListpackWriter(256);
  const mf = node.masterFields;
  w.appendInt(node.live);
  w.appendInt(node.dead);
  w.appendInt(mf.length);
  for (const f of mf) w.append(f);
  w.appendInt(0);
  for (let i = 0; i < node.size; i++) {
    const flags = node.flags[i];
    const kv = node.kvAt(i);
    const n = kv.length >> 1;
    w.appendInt(flags);
    appendI64(w, delta64(node.ms[i], node.masterMs));
    appendI64(w, delta64(node.seq[i], node.masterSeq));
    if (flags & F_SAMEFIELDS) {
      for (let k = 1; k < kv.length; k += 2) w.append(kv[k]);
      w.appendInt(n + 3);
    } else {
      w.appendInt(n);
      for (const s of kv) w.append(s);
      w.appendInt(n * 2 + 4);
    }
  }
  return w.finish();
}

function lenU64(enc: RdbEncoder, v: U64): void {
  if (typeof v === 'number') enc.len(v);
  else enc.lenBig(v);
}

/** A signed counter (entries_read) as rdbSaveLen writes it: -1 wraps to 2^64-1. */
function lenSigned(enc: RdbEncoder, v: number | bigint): void {
  if (typeof v === 'number' && v >= 0) enc.len(v);
  else enc.lenBig(((big(v) % TWO64) + TWO64) % TWO64);
}

/**
 * Write a stream as RDB_TYPE_STREAM_LISTPACKS_2 (the type byte is the caller's), in steps: yields
 * after each node and each consumer group.
 */
export function* streamSteps(enc: RdbEncoder, s: StreamObject): Generator<void, void> {
  enc.len(s.nodeCount);
  for (let i = s.head; i < s.nodes.length; i++) {
    const node = s.nodes[i];
    enc.blob(idBytes(node.masterMs, node.masterSeq));
    enc.blob(encodeNode(node));
    yield;
  }
  enc.len(s.length);
  lenU64(enc, s.lastMs);
  lenU64(enc, s.lastSeq);
  lenU64(enc, s.firstMs);
  lenU64(enc, s.firstSeq);
  lenU64(enc, s.maxDelMs);
  lenU64(enc, s.maxDelSeq);
  lenU64(enc, s.entriesAdded);
  const groups = s.groups;
  enc.len(groups ? groups.size : 0);
  if (!groups) return;
  for (const name of sortedNames(groups)) {
    const g = groups.get(name)!;
    enc.string(name);
    lenU64(enc, g.lastMs);
    lenU64(enc, g.lastSeq);
    lenSigned(enc, g.entriesRead);
    enc.len(g.pel.size);
    g.pel.forEach((ms, seq, n) => {
      enc.raw(idBytes(ms, seq));
      enc.ms(n.deliveryTime);
      enc.len(n.deliveryCount);
    });
    const consumers = g.sortedConsumers();
    enc.len(consumers.length);
    for (const c of consumers) {
      enc.string(c.name);
      enc.ms(c.seenTime);
      enc.len(c.pel.size);
      c.pel.forEach((ms, seq) => {
        enc.raw(idBytes(ms, seq));
      });
    }
    yield;
  }
}

export const STREAM_RDB_TYPE = T.T_STREAM_LISTPACKS_2;

/** An int64 listpack element (decoded as a decimal string). */
function i64(s: string | undefined, r: RdbReader, at: number): number | bigint {
  if (s === undefined || !/^-?\d{1,19}$/.test(s)) r.fail('Stream listpack integrity check failed: bad entry', at);
  if (s.length < 16) return Number(s);
  return canon(BigInt(s)) as number | bigint;
}

function small(s: string | undefined, r: RdbReader, at: number): number {
  const v = i64(s, r, at);
  if (typeof v !== 'number' || v < 0) r.fail('Stream listpack integrity check failed: bad counter', at);
  return v;
}

/** (base + delta) mod 2^64, canonical. */
function addDelta(base: U64, d: number | bigint): U64 {
  if (typeof base === 'number' && typeof d === 'number') {
    const v = base + d;
    if (v >= 0 && Number.isSafeInteger(v)) return v;
  }
  return canon((((big(base) + big(d)) % TWO64) + TWO64) % TWO64);
}

/** A PEL entry's ID: 16 raw bytes, big endian (as in the rax key). */
function rawId(r: RdbReader): { ms: U64; seq: U64 } {
  r.need(16);
  const ms = canon(r.buf.readBigUInt64BE(r.pos));
  const seq = canon(r.buf.readBigUInt64BE(r.pos + 8));
  r.pos += 16;
  return { ms, seq };
}

function readU64(r: RdbReader): U64 {
  return canon(r.lenBig());
}

/** Read a stream value of RDB type `type` (the reader is just past the key). */
export function readStream(r: RdbReader, type: number): StreamObject {
  const s = new StreamObject();
  const nodes: StreamNode[] = [];
  const nnodes = r.len();
  let bytes = 0;
  let live = 0;
  let havePrev = false;
  let prevMs: U64 = 0;
  let prevSeq: U64 = 0;
  for (let n = 0; n < nnodes; n++) {
    const keyAt = r.pos;
    const key = r.blob();
    if (key.length !== 16) r.fail('Stream node key entry is not the size of a stream ID', keyAt);
    const masterMs = canon(key.readBigUInt64BE(0));
    const masterSeq = canon(key.readBigUInt64BE(8));
    const lpAt = r.pos;
    const els = r.decodeBlob('Stream listpack', lpDecode);
    if (els.length === 0) r.fail('Empty listpack inside stream', lpAt);
    const count = small(els[0], r, lpAt);
    const deleted = small(els[1], r, lpAt);
    const nf = small(els[2], r, lpAt);
    if (3 + nf >= els.length || els[3 + nf] !== '0') r.fail('Stream listpack integrity check failed: master entry', lpAt);
    const node = new StreamNode(masterMs, masterSeq, els.slice(3, 3 + nf));
    let i = 4 + nf;
    while (i < els.length) {
      const start = i;
      const flags = small(els[i++], r, lpAt);
      const ms = addDelta(masterMs, i64(els[i++], r, lpAt));
      const seq = addDelta(masterSeq, i64(els[i++], r, lpAt));
      let kv: string[];
      if (flags & F_SAMEFIELDS) {
        if (i + nf > els.length) r.fail('Stream listpack integrity check failed: entry out of range', lpAt);
        kv = new Array(nf * 2);
        for (let k = 0; k < nf; k++) {
          kv[2 * k] = node.masterFields[k];
          kv[2 * k + 1] = els[i + k];
        }
        i += nf;
      } else {
        const cnt = small(els[i++], r, lpAt);
        if (i + 2 * cnt > els.length) r.fail('Stream listpack integrity check failed: entry out of range', lpAt);
        kv = els.slice(i, i + 2 * cnt);
        i += 2 * cnt;
      }
      const lpCount = small(els[i++], r, lpAt);
      if (lpCount !== i - start - 1) r.fail('Stream listpack integrity check failed: lp-count mismatch', lpAt);
      if (havePrev && cmpId(ms, seq, prevMs, prevSeq) <= 0) r.fail('Stream listpack integrity check failed: IDs out of order', lpAt);
      havePrev = true;
      if (node.size === 0 && (ms !== masterMs || seq !== masterSeq)) r.fail('Stream listpack integrity check failed: master ID mismatch', lpAt);
      prevMs = ms;
      prevSeq = seq;
      node.push(ms, seq, kv);
      if (flags & F_DELETED) {
        node.flags[node.size - 1] |= F_DELETED;
        node.live--;
        node.dead++;
      }
    }
    if (node.live !== count || node.dead !== deleted) r.fail('Stream listpack integrity check failed: entry counts mismatch', lpAt);
    live += node.live;
    bytes += node.bytes();
    node.seal();
    nodes.push(node);
  }
  s.nodes = nodes;
  const lenAt = r.pos;
  const length = r.len();
  if (length !== live) r.fail(`Stream length ${length} does not match its ${live} entries`, lenAt);
  s.length = length;
  s.lastMs = readU64(r);
  s.lastSeq = readU64(r);
  if (type >= T.T_STREAM_LISTPACKS_2) {
    s.firstMs = readU64(r);
    s.firstSeq = readU64(r);
    s.maxDelMs = readU64(r);
    s.maxDelSeq = readU64(r);
    s.entriesAdded = readU64(r);
  } else {
    s.entriesAdded = length;
    const f = s.firstLive();
    if (f) {
      s.firstMs = f.ms;
      s.firstSeq = f.seq;
    }
  }
  // The listpack byte total MEMORY USAGE reports (a private running sum in StreamObject).
  (s as unknown as { lpBytes: number }).lpBytes = bytes;
  const ngroups = r.len();
  if (ngroups > 0) s.groups = new Map();
  for (let gi = 0; gi < ngroups; gi++) {
    const nameAt = r.pos;
    const name = r.string();
    if (s.groups!.has(name)) r.fail(`Duplicated consumer group name ${name}`, nameAt);
    const lastMs = readU64(r);
    const lastSeq = readU64(r);
    let entriesRead: number | bigint;
    if (type >= T.T_STREAM_LISTPACKS_2) {
      const v = r.lenBig();
      entriesRead = v > I64_MAX ? canonNeg(v - TWO64) : canon(v);
    } else entriesRead = estimateEntriesRead(s, lastMs, lastSeq);
    const g = new ConsumerGroup(lastMs, lastSeq, entriesRead);
    const npel = r.len();
    for (let k = 0; k < npel; k++) {
      const at = r.pos;
      const { ms, seq } = rawId(r);
      const deliveryTime = r.ms();
      const deliveryCount = r.len();
      if (g.pel.get(ms, seq) !== undefined) r.fail('Duplicated global PEL entry loading stream consumer group', at);
      g.pel.set(ms, seq, new Nack(deliveryTime, deliveryCount, null));
    }
    const nconsumers = r.len();
    for (let k = 0; k < nconsumers; k++) {
      const cAt = r.pos;
      const cname = r.string();
      if (g.consumers.has(cname)) r.fail('Duplicate stream consumer detected.', cAt);
      const seenTime = r.ms();
      if (type >= T.T_STREAM_LISTPACKS_3) r.ms(); // active-time (Redis 7.2)
      const c = new Consumer(cname, seenTime);
      g.consumers.set(cname, c);
      const n = r.len();
      for (let j = 0; j < n; j++) {
        const at = r.pos;
        const { ms, seq } = rawId(r);
        const nack = g.pel.get(ms, seq);
        if (nack === undefined) r.fail('Consumer entry not found in group global PEL', at);
        if (nack.consumer !== null) r.fail('Duplicated consumer PEL entry loading a stream consumer group', at);
        nack.consumer = c;
        c.pel.set(ms, seq, nack);
      }
    }
    s.groups!.set(name, g);
  }
  return s;
}

function canonNeg(v: bigint): number | bigint {
  return v >= -9007199254740991n ? Number(v) : v;
}
