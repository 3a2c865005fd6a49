// Why: RDB persistence against the real redis-server 7.0.15: files written by eddy load in Redis
// (and pass redis-check-rdb) and files written by Redis load in eddy, key by key, for every type
// and encoding; hand-made files with the pre-7.0 encodings load; corrupted and truncated files are
// refused with an offset; DUMP/RESTORE payloads cross in both directions; BGSAVE is a point-in-time
// snapshot while a client keeps writing; SAVE/BGSAVE/LASTSAVE/INFO/DEBUG RELOAD/MISCONF/shutdown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DiffPair, Rng } from './support/diff.js';
import { RawClient } from './support/raw-client.js';
import { Fleet, HAS_CHECK_RDB, bin, call, checkRdb, describeDataset, diffDescriptions, ok, pipeline, run } from './support/rdb-support.js';
import { EDDY_BIN, freePort, tmpDir, type ServerHandle } from './support/servers.js';
import { Crc64 } from '../src/persistence/crc64.js';
import { lzfCompress, lzfDecompress } from '../src/persistence/lzf.js';
import { lpDecode, lpEncode } from '../src/persistence/listpack.js';
import { RdbError, parseRdb } from '../src/persistence/rdb-reader.js';
import { dumpPayload } from '../src/persistence/rdb-writer.js';
import { propagationRunner } from './support/in-process.js';

const fleet = new Fleet();
const { eddy, redis, connect } = fleet;
afterAll(() => fleet.stopAll());

// ---------------------------------------------------------------------------------------------
// The dataset: every type and every encoding Redis 7.0 chooses, in several DBs.

const DBS = [0, 1, 5, 15];

function datasetCommands(seed: number): string[][] {
  const rng = new Rng(seed);
  const cmds: string[][] = [];
  const far = () => String(Date.now() + rng.int(100_000_000, 900_000_000));
  const ints = ['0', '-1', '127', '128', '-129', '32767', '-32769', '2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808', '4503599627370496', '12345678901'];
  for (const db of DBS) {
    cmds.push(['SELECT', String(db)]);
    // strings: text, integers (every integer encoding), long compressible, binary, empty, big
    for (let i = 0; i < 30; i++) {
      const kind = i % 6;
      const v =
        kind === 0 ? `value-${rng.int(0, 1e6)}` : kind === 1 ? rng.pick(ints) : kind === 2 ? 'abc'.repeat(rng.int(8, 300)) : kind === 3 ? bin(rng, rng.int(0, 80)) : kind === 4 ? '' : bin(rng, 3000);
      cmds.push(['SET', `s:${i}`, v]);
    }
    cmds.push(['SET', 's:float', '3.14159'], ['SET', 's:lead0', '007'], ['SET', 's:plus', '+5'], ['SET', 's:neg0', '-0']);
    cmds.push(['SET', 's:big', 'x'.repeat(200_000)]);
    // lists: small, many quicklist nodes, big elements, integers
    cmds.push(['RPUSH', 'l:small', 'a', '1', '-5', 'b', '70000', '5000000000', bin(rng, 10)]);
    const big: string[] = [];
    for (let i = 0; i < 3000; i++) big.push(rng.bool(0.5) ? String(rng.int(-100000, 100000)) : `item-${i}-${'z'.repeat(rng.int(0, 30))}`);
    for (let i = 0; i < big.length; i += 500) cmds.push(['RPUSH', 'l:big', ...big.slice(i, i + 500)]);
    cmds.push(['RPUSH', 'l:fat', ...Array.from({ length: 6 }, (_, i) => String.fromCharCode(65 + i).repeat(9000))]);
    // hashes: listpack, hashtable by count, hashtable by value length
    const hs: string[] = [];
    for (let i = 0; i < 10; i++) hs.push(`f${i}`, i % 2 ? String(i * 1000) : `v${i}`);
    cmds.push(['HSET', 'h:small', ...hs, '123', 'int-field']);
    const hb: string[] = [];
    for (let i = 0; i < 600; i++) hb.push(`field:${i}`, `value:${rng.int(0, 1e9)}`);
    cmds.push(['HSET', 'h:big', ...hb]);
    cmds.push(['HSET', 'h:long', 'a', '1', 'b', 'L'.repeat(100)]);
    cmds.push(['HSET', 'h:bin', bin(rng, 5), bin(rng, 20), 'x', bin(rng, 40)]);
    // sets: intset (small and wide), hashtable by count, strings
    cmds.push(['SADD', 'set:int', '1', '2', '3', '-7', '100000']);
    cmds.push(['SADD', 'set:wide', '9223372036854775807', '-9223372036854775808', '0', '4294967296']);
    cmds.push(['SADD', 'set:bigint', ...Array.from({ length: 700 }, (_, i) => String(i * 3))]);
    cmds.push(['SADD', 'set:str', 'apple', 'banana', 'cherry', '12a']);
    cmds.push(['SADD', 'set:bigstr', ...Array.from({ length: 600 }, (_, i) => `m${i}`)]);
    // sorted sets: listpack, skiplist by count, skiplist by member length, special scores
    cmds.push(['ZADD', 'z:small', '1', 'a', '2.5', 'b', '-3', 'c', '0.1', 'd', '1e300', 'e', 'inf', 'f', '-inf', 'g', '123456789', 'h', '-0.000001', 'i']);
    const zb: string[] = [];
    for (let i = 0; i < 300; i++) zb.push(String(rng.int(-1e6, 1e6) / 7), `member:${i}`);
    cmds.push(['ZADD', 'z:big', ...zb]);
    cmds.push(['ZADD', 'z:long', '1', 'M'.repeat(80), '2', 'short']);
    // streams: tombstones, several nodes, consumer groups with PELs and consumers
    for (let i = 1; i <= 40; i++) {
      const f = i % 3 === 0 ? ['name', `n${i}`, 'other', String(i)] : ['name', `n${i}`, 'age', String(i * 7)];
      cmds.push(['XADD', 'x:s', `${1000 + i}-${i % 4}`, ...f]);
    }
    cmds.push(['XDEL', 'x:s', '1005-1', '1006-2', '1040-0']);
    cmds.push(['XGROUP', 'CREATE', 'x:s', 'g1', '0']);
    cmds.push(['XGROUP', 'CREATE', 'x:s', 'g2', '$']);
    cmds.push(['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '10', 'STREAMS', 'x:s', '>']);
    cmds.push(['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '5', 'STREAMS', 'x:s', '>']);
    cmds.push(['XACK', 'x:s', 'g1', '1001-1', '1003-3']);
    cmds.push(['XGROUP', 'CREATECONSUMER', 'x:s', 'g2', 'carol']);
    for (let i = 1; i <= 700; i++) cmds.push(['XADD', 'x:big', `${5000 + i}-0`, 'k', `v${i}`, 'n', String(i)]);
    cmds.push(['XADD', 'x:empty', '1-1', 'a', 'b'], ['XDEL', 'x:empty', '1-1']);
    // expirations far in the future, on every type
    for (const k of ['s:0', 's:1', 'l:small', 'h:small', 'set:int', 'z:small', 'x:s', 'h:big']) cmds.push(['PEXPIREAT', k, far()]);
    cmds.push(['SET', `only-in-${db}`, String(db)]);
  }
  cmds.push(['SELECT', '0']);
  return cmds;
}

/** Run eddy-server on a directory until it exits on its own (a refused file); its output. */
async function eddyRefuses(dir: string): Promise<{ code: number | null; out: string }> {
  const port = await freePort();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [EDDY_BIN, '--port', String(port), '--dir', dir, '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`eddy did not refuse the file:\n${out}`));
    }, 10000);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

// ---------------------------------------------------------------------------------------------

describe('codecs', () => {
  it('CRC-64/Jones has Redis check value and chunking does not matter', () => {
    expect(new Crc64().update(Buffer.from('123456789')).hex()).toBe('e9c6d914c4b8d9ca');
    const rng = new Rng(7);
    const b = Buffer.from(bin(rng, 5000), 'latin1');
    const whole = new Crc64().update(b).hex();
    const parts = new Crc64();
    for (let i = 0; i < b.length; i += 333) parts.update(b, i, Math.min(b.length, i + 333));
    expect(parts.hex()).toBe(whole);
  });

  it('LZF round-trips and refuses what it cannot shrink', () => {
    const rng = new Rng(11);
    for (let n = 0; n < 200; n++) {
      const s = rng.bool(0.5) ? 'abcd'.repeat(rng.int(6, 400)) + bin(rng, rng.int(0, 30)) : bin(rng, rng.int(21, 300));
      const src = Buffer.from(s, 'latin1');
      const c = lzfCompress(src, src.length - 4);
      if (c === null) continue;
      expect(c.length).toBeLessThanOrEqual(src.length - 4);
      expect(lzfDecompress(c, 0, c.length, src.length)?.equals(src)).toBe(true);
    }
    expect(lzfCompress(Buffer.from(bin(new Rng(3), 100), 'latin1'), 96)).toBeNull();
    expect(lzfDecompress(Buffer.from([0x40, 0x00]), 0, 2, 10)).toBeNull();
  });

  it('listpacks round-trip strings and every integer width', () => {
    const items = ['', 'a', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(4095), 'w'.repeat(4096), '0', '127', '128', '-1', '-4096', '4095', '-4097', '32767', '-32768', '8388607', '-8388608', '2147483647', '-2147483648', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '007', '-0', '1.5'];
    expect(lpDecode(lpEncode(items))).toEqual(items);
  });
});

describe('eddy writes, redis-server loads', () => {
  let eddyDir: string;
  let eddyDesc: Map<string, string>;

  beforeAll(async () => {
    eddyDir = tmpDir('eddy-rdb-');
    const e = await eddy([], eddyDir);
    const c = await connect(e);
    await run(c, datasetCommands(1));
    eddyDesc = await describeDataset(c);
    expect(await ok(c, 'SAVE')).toBe('OK');
    await e.stop();
  }, 60000);

  it('redis-check-rdb accepts the file', () => {
    // scripts/ensure-redis.sh installs redis-server, which ships redis-check-rdb: never skip.
    expect(HAS_CHECK_RDB, 'redis-check-rdb must be installed (Debian redis-server)').toBe(true);
    const r = checkRdb(path.join(eddyDir, 'dump.rdb'));
    expect(r.ok, r.out).toBe(true);
  });

  it('redis-server loads every key with the same type, contents, expiry and encoding', async () => {
    const r = await redis(['--dir', eddyDir, '--dbfilename', 'dump.rdb']);
    const c = await connect(r);
    const desc = await describeDataset(c);
    expect(desc.size).toBe(eddyDesc.size);
    expect(diffDescriptions(eddyDesc, desc, ['eddy', 'redis'])).toEqual([]);
    expect(r.output()).toMatch(/Done loading RDB, keys loaded: \d+, keys expired: 0/);
  }, 60000);

  it('loading a file slowly logs its progress (percent, keys/s)', async () => {
    const dir = tmpDir('eddy-progress-');
    const e = await eddy([], dir);
    const c = await connect(e);
    await ok(c, 'DEBUG', 'POPULATE', '3000');
    await ok(c, 'SAVE');
    await e.stop();
    const e2 = await eddy(['--key-load-delay', '700'], dir);
    expect(await ok(await connect(e2), 'DBSIZE')).toBe(3000);
    expect(e2.output()).toMatch(/Loading RDB: \d+\.\d% \(\d+ keys, \d+ keys\/s\)/);
    expect(e2.output()).toMatch(/Done loading RDB, keys loaded: 3000, keys expired: 0\./);
  }, 30000);

  it('eddy loads its own file back identically (restart)', async () => {
    const e = await eddy([], eddyDir);
    const c = await connect(e);
    expect(diffDescriptions(eddyDesc, await describeDataset(c), ['before', 'after'])).toEqual([]);
  }, 60000);
});

describe('redis-server writes, eddy loads', () => {
  it('every key matches, for a dataset saved by Redis 7.0', async () => {
    const r = await redis();
    const rc = await connect(r);
    await run(rc, datasetCommands(2));
    const redisDesc = await describeDataset(rc);
    expect(await ok(rc, 'SAVE')).toBe('OK');
    const dir = tmpDir('eddy-from-redis-');
    fs.copyFileSync(path.join(r.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
    const e = await eddy([], dir);
    const c = await connect(e);
    expect(diffDescriptions(redisDesc, await describeDataset(c), ['redis', 'eddy'])).toEqual([]);
  }, 60000);

  it('small encoding limits, compressed quicklist nodes and plain nodes, both directions', async () => {
    const limits = ['--hash-max-listpack-entries', '4', '--zset-max-listpack-entries', '4', '--set-max-intset-entries', '4', '--list-max-listpack-size', '3', '--list-compress-depth', '1'];
    const r = await redis([...limits, '--enable-debug-command', 'yes']);
    const rc = await connect(r);
    // Elements above the threshold go into PLAIN quicklist nodes.
    await ok(rc, 'DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1000');
    const cmds = datasetCommands(7);
    await run(rc, cmds);
    const redisDesc = await describeDataset(rc);
    expect(await ok(rc, 'SAVE')).toBe('OK');
    const dir = tmpDir('eddy-from-redis-');
    fs.copyFileSync(path.join(r.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
    const e = await eddy(limits, dir);
    const c = await connect(e);
    expect(diffDescriptions(redisDesc, await describeDataset(c), ['redis', 'eddy'])).toEqual([]);
    // and back: eddy's file under the same limits loads in a fresh redis-server
    await ok(c, 'SAVE');
    const r2 = await redis(['--dir', dir, '--dbfilename', 'dump.rdb', ...limits]);
    expect(diffDescriptions(redisDesc, await describeDataset(await connect(r2)), ['redis', 'redis via eddy'])).toEqual([]);
  }, 60000);

  it('files with LRU idle times and LFU counters (IDLE / FREQ opcodes) load', async () => {
    for (const policy of ['allkeys-lru', 'allkeys-lfu']) {
      const r = await redis(['--maxmemory-policy', policy]);
      const rc = await connect(r);
      await run(rc, datasetCommands(8).slice(0, 120));
      const redisDesc = await describeDataset(rc);
      await ok(rc, 'SAVE');
      const dir = tmpDir('eddy-from-redis-');
      fs.copyFileSync(path.join(r.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
      const e = await eddy([], dir);
      expect(diffDescriptions(redisDesc, await describeDataset(await connect(e)), ['redis', 'eddy'])).toEqual([]);
    }
  }, 60000);

  it('a file saved with rdbcompression no and rdbchecksum no loads', async () => {
    const r = await redis(['--rdbcompression', 'no', '--rdbchecksum', 'no']);
    const rc = await connect(r);
    await run(rc, datasetCommands(3).slice(0, 400));
    const redisDesc = await describeDataset(rc);
    await ok(rc, 'SAVE');
    const dir = tmpDir('eddy-from-redis-');
    fs.copyFileSync(path.join(r.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
    const e = await eddy([], dir);
    const c = await connect(e);
    expect(diffDescriptions(redisDesc, await describeDataset(c), ['redis', 'eddy'])).toEqual([]);
    expect(e.output()).toMatch(/checksum disabled/);
  }, 60000);

  it('eddy writes files without compression or checksum that redis loads', async () => {
    const dir = tmpDir('eddy-rdb-');
    const e = await eddy(['--rdbcompression', 'no', '--rdbchecksum', 'no'], dir);
    const c = await connect(e);
    await run(c, datasetCommands(4).slice(0, 300));
    const desc = await describeDataset(c);
    await ok(c, 'SAVE');
    const buf = fs.readFileSync(path.join(dir, 'dump.rdb'));
    expect(buf.subarray(buf.length - 8).equals(Buffer.alloc(8))).toBe(true);
    const r = await redis(['--dir', dir, '--dbfilename', 'dump.rdb']);
    const rc = await connect(r);
    expect(diffDescriptions(desc, await describeDataset(rc), ['eddy', 'redis'])).toEqual([]);
  }, 60000);
});

// ---------------------------------------------------------------------------------------------
// Hand-made files with the encodings of older Redis versions.

class Bytes {
  parts: Buffer[] = [];
  u8(...v: number[]): this {
    this.parts.push(Buffer.from(v));
    return this;
  }
  raw(b: Buffer | string): this {
    this.parts.push(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
    return this;
  }
  len(n: number): this {
    if (n < 64) return this.u8(n);
    if (n < 16384) return this.u8(0x40 | (n >> 8), n & 0xff);
    const b = Buffer.alloc(5);
    b[0] = 0x80;
    b.writeUInt32BE(n, 1);
    return this.raw(b);
  }
  str(s: string | Buffer): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    return this.len(b.length).raw(b);
  }
  buf(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A ziplist as Redis 3.2-6.2 wrote them (every entry encoding). */
function ziplist(items: string[]): Buffer {
  const entries: Buffer[] = [];
  let prevlen = 0;
  for (const s of items) {
    const pl = prevlen < 254 ? Buffer.from([prevlen]) : Buffer.concat([Buffer.from([254]), Buffer.from(new Uint32Array([prevlen]).buffer)]);
    let enc: Buffer;
    const isInt = /^-?(0|[1-9]\d*)$/.test(s) && s.length <= 20 && BigInt(s) >= -(2n ** 63n) && BigInt(s) < 2n ** 63n;
    if (isInt) {
      const v = BigInt(s);
      if (v >= 0n && v <= 12n) enc = Buffer.from([0xf1 + Number(v)]);
      else if (v >= -128n && v <= 127n) enc = Buffer.from([0xfe, Number(v) & 0xff]);
      else if (v >= -32768n && v <= 32767n) {
        enc = Buffer.alloc(3);
        enc[0] = 0xc0;
        enc.writeInt16LE(Number(v), 1);
      } else if (v >= -8388608n && v <= 8388607n) {
        enc = Buffer.alloc(4);
        enc[0] = 0xf0;
        enc.writeIntLE(Number(v), 1, 3);
      } else if (v >= -2147483648n && v <= 2147483647n) {
        enc = Buffer.alloc(5);
        enc[0] = 0xd0;
        enc.writeInt32LE(Number(v), 1);
      } else {
        enc = Buffer.alloc(9);
        enc[0] = 0xe0;
        enc.writeBigInt64LE(v, 1);
      }
    } else {
      const b = Buffer.from(s, 'latin1');
      let h: Buffer;
      if (b.length < 64) h = Buffer.from([b.length]);
      else if (b.length < 16384) h = Buffer.from([0x40 | (b.length >> 8), b.length & 0xff]);
      else {
        h = Buffer.alloc(5);
        h[0] = 0x80;
        h.writeUInt32BE(b.length, 1);
      }
      enc = Buffer.concat([h, b]);
    }
    const e = Buffer.concat([pl, enc]);
    entries.push(e);
    prevlen = e.length;
  }
  const body = Buffer.concat(entries);
  const total = 10 + body.length + 1;
  const hdr = Buffer.alloc(10);
  hdr.writeUInt32LE(total, 0);
  hdr.writeUInt32LE(entries.length ? total - 1 - entries[entries.length - 1].length : 10, 4);
  hdr.writeUInt16LE(items.length, 8);
  return Buffer.concat([hdr, body, Buffer.from([0xff])]);
}

function zipmap(pairs: string[]): Buffer {
  const b = new Bytes().u8(pairs.length / 2);
  for (let i = 0; i < pairs.length; i += 2) {
    b.u8(pairs[i].length).raw(pairs[i]);
    b.u8(pairs[i + 1].length, 2).raw(pairs[i + 1]).raw(Buffer.alloc(2));
  }
  return b.u8(0xff).buf();
}

function intset(width: number, vals: number[]): Buffer {
  const b = Buffer.alloc(8 + width * vals.length);
  b.writeUInt32LE(width, 0);
  b.writeUInt32LE(vals.length, 4);
  vals.forEach((v, i) => b.writeIntLE(v, 8 + i * width, width));
  return b;
}

function oldRdb(): Buffer {
  const future = Math.floor(Date.now() / 1000) + 1_000_000;
  const b = new Bytes().raw('REDIS0006').u8(0xfe).len(0);
  b.u8(13).str('hz').str(ziplist(['f1', 'v1', 'f2', '123', 'f3', 'x'.repeat(70)]));
  b.u8(12).str('zz').str(ziplist(['c', '-7', 'a', '1.5', 'b', '2']));
  b.u8(10).str('lz').str(ziplist(['x', '7', '-100', '-300', '70000', '5000000000', 'y'.repeat(70)]));
  b.u8(14).str('lq').len(2).str(ziplist(['n1', '1'])).str(ziplist(['n2', '2', '300000']));
  b.u8(9).str('hm').str(zipmap(['k1', 'v1', 'k2', 'value-two']));
  b.u8(11).str('si').str(intset(4, [-70000, 3, 99999]));
  b.u8(3).str('zs').len(3).str('m1').u8(3).raw('1.5').str('m2').u8(254).str('m3').u8(255);
  b.u8(1).str('l').len(3).str('a').u8(0xc0, 5).str('c');
  b.u8(2).str('s').len(2).str('p').str('q');
  b.u8(4).str('h').len(1).str('field').str('value');
  // an LZF string (literal runs), an int-encoded string, an expiry in seconds
  b.u8(0).str('lzf').u8(0xc3).len(6).len(5).u8(4).raw('hello');
  b.u8(0).str('i32').u8(0xc2).raw(Buffer.from(new Int32Array([-123456]).buffer));
  b.u8(253).raw(Buffer.from(new Int32Array([future]).buffer)).u8(0).str('exp').str('v');
  b.u8(0xfe).len(2).u8(0).str('db2').str('two');
  b.u8(0xff);
  const body = b.buf();
  return Buffer.concat([body, new Crc64().update(body).bytesLE()]);
}

describe('expire times of a few keys among many (the snapshot filters the keys without one)', () => {
  it('SAVE and BGSAVE keep exactly the expires there were', async () => {
    const dir = tmpDir('eddy-exp-');
    let e = await eddy([], dir);
    let c = await connect(e);
    const now = Date.now();
    const cmds: string[][] = [];
    for (let i = 0; i < 20000; i++) cmds.push(['SET', `k${i}`, `v${i}`]);
    // 3% with an expire: below the filter's 25% threshold; in two DBs.
    for (let i = 0; i < 20000; i += 33) cmds.push(['PEXPIREAT', `k${i}`, String(now + 3_600_000 + i)]);
    cmds.push(['SELECT', '3']);
    for (let i = 0; i < 3000; i++) cmds.push(['HSET', `h${i}`, 'f', String(i)]);
    for (let i = 0; i < 3000; i += 7) cmds.push(['PEXPIREAT', `h${i}`, String(now + 7_200_000 + i)]);
    cmds.push(['SELECT', '0']);
    await run(c, cmds);
    const check = async (what: string) => {
      const q: string[][] = [];
      for (let i = 0; i < 20000; i++) q.push(['PEXPIRETIME', `k${i}`]);
      q.push(['SELECT', '3']);
      for (let i = 0; i < 3000; i++) q.push(['PEXPIRETIME', `h${i}`]);
      q.push(['SELECT', '0']);
      const r = await pipeline(c, q);
      for (let i = 0; i < 20000; i++) expect(r[i], `${what} k${i}`).toBe(i % 33 === 0 ? now + 3_600_000 + i : -1);
      for (let i = 0; i < 3000; i++) expect(r[20001 + i], `${what} h${i}`).toBe(i % 7 === 0 ? now + 7_200_000 + i : -1);
    };
    for (const save of ['SAVE', 'BGSAVE']) {
      await call(c, save);
      if (save === 'BGSAVE') {
        while (String(await call(c, 'INFO', 'persistence')).includes('rdb_bgsave_in_progress:1')) await new Promise((r) => setTimeout(r, 20));
      }
      await e.stop();
      e = await eddy([], dir);
      c = await connect(e);
      expect(await ok(c, 'DBSIZE')).toBe(20000);
      await check(save);
    }
  }, 60000);
});

describe('older encodings (hand-made RDB 6 file)', () => {
  it('redis-check-rdb, redis-server and eddy agree on it', async () => {
    const dir = tmpDir('eddy-old-');
    fs.writeFileSync(path.join(dir, 'dump.rdb'), oldRdb());
    if (HAS_CHECK_RDB) {
      const chk = checkRdb(path.join(dir, 'dump.rdb'));
      expect(chk.ok, chk.out).toBe(true);
    }
    const r = await redis(['--dir', dir, '--dbfilename', 'dump.rdb']);
    const rc = await connect(r);
    const e = await eddy([], dir);
    const c = await connect(e);
    const want = await describeDataset(rc);
    expect(want.size).toBe(14);
    expect(diffDescriptions(want, await describeDataset(c), ['redis', 'eddy'])).toEqual([]);
    expect(await ok(c, 'HGETALL', 'hm')).toEqual(['k1', 'v1', 'k2', 'value-two']);
  }, 60000);
});

// ---------------------------------------------------------------------------------------------

describe('corrupted and truncated files are refused', () => {
  let file: Buffer;

  beforeAll(async () => {
    const dir = tmpDir('eddy-rdb-');
    const e = await eddy([], dir);
    const c = await connect(e);
    await run(c, datasetCommands(5).slice(0, 200));
    await ok(c, 'SET', 'marker', 'MARKER' + bin(new Rng(5), 2000));
    await ok(c, 'SAVE');
    file = fs.readFileSync(path.join(dir, 'dump.rdb'));
    await e.stop();
  }, 60000);

  const opts = {
    numDbs: 16,
    limits: { hashEntries: 512, hashValue: 64, setIntset: 512, zsetEntries: 128, zsetValue: 64 },
    expireBefore: null,
    checksum: true,
  };

  it('the intact file parses', () => {
    expect(parseRdb(file, opts).keysLoaded).toBeGreaterThan(50);
  });

  it('a flipped byte inside a value fails the checksum, naming the offset', async () => {
    // A byte inside an incompressible string: structure intact, only the checksum can tell.
    const at = file.indexOf(Buffer.from('MARKER')) + 1000;
    expect(at).toBeGreaterThan(1000);
    const bad = Buffer.from(file);
    bad[at] ^= 0x01;
    expect(() => parseRdb(bad, opts)).toThrow(/Wrong RDB checksum expected: \([0-9a-f]{16}\) but got \([0-9a-f]{16}\) at offset \d+/);
    const dir = tmpDir('eddy-bad-');
    fs.writeFileSync(path.join(dir, 'dump.rdb'), bad);
    const r = await eddyRefuses(dir);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(new RegExp(`Internal error in RDB reading offset ${file.length - 8} -> Wrong RDB checksum`));
  }, 30000);

  it('flipping bytes anywhere is refused (never loaded)', () => {
    const rng = new Rng(99);
    for (let n = 0; n < 300; n++) {
      const bad = Buffer.from(file);
      const at = rng.int(0, bad.length - 9);
      bad[at] ^= 1 << rng.int(0, 7);
      let err: unknown = null;
      try {
        parseRdb(bad, opts);
      } catch (e) {
        err = e;
      }
      expect(err, `flip at ${at}`).toBeInstanceOf(RdbError);
      expect((err as RdbError).message).toMatch(/at offset \d+$/);
    }
  });

  it('every truncation is refused with an offset', () => {
    for (let len = 0; len < file.length; len += len < 2000 ? 1 : 97) {
      expect(() => parseRdb(file.subarray(0, len), opts), `truncated at ${len}`).toThrow(RdbError);
    }
  });

  it('a file over 4 MB (its checksum computed on a worker thread while parsing) loads, and a flipped byte in it is refused', async () => {
    const dir = tmpDir('eddy-big-');
    let e = await eddy([], dir);
    let c = await connect(e);
    const rng = new Rng(11);
    for (let i = 0; i < 6; i++) await ok(c, 'SET', `big:${i}`, bin(rng, 1 << 20));
    await ok(c, 'DEBUG', 'POPULATE', '20000');
    await ok(c, 'SAVE');
    await e.stop();
    const big = fs.readFileSync(path.join(dir, 'dump.rdb'));
    expect(big.length).toBeGreaterThan(6 << 20);
    e = await eddy([], dir);
    c = await connect(e);
    expect(await ok(c, 'DBSIZE')).toBe(20006);
    await e.stop();
    const bad = Buffer.from(big);
    bad[big.indexOf(Buffer.from('big:3')) + 100_000] ^= 0x10;
    const badDir = tmpDir('eddy-big-bad-');
    fs.writeFileSync(path.join(badDir, 'dump.rdb'), bad);
    const r = await eddyRefuses(badDir);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(new RegExp(`Internal error in RDB reading offset ${big.length - 8} -> Wrong RDB checksum`));
  }, 60000);

  it('eddy-server refuses a truncated file at start-up', async () => {
    const dir = tmpDir('eddy-trunc-');
    fs.writeFileSync(path.join(dir, 'dump.rdb'), file.subarray(0, Math.floor(file.length / 2)));
    const r = await eddyRefuses(dir);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Internal error in RDB reading offset \d+ -> Unexpected EOF reading RDB file/);
  }, 30000);

  it('module and function opcodes are refused as unsupported, naming the feature', () => {
    const hdr = Buffer.from('REDIS0010', 'latin1');
    const fn = Buffer.concat([hdr, Buffer.from([245, 3]), Buffer.from('abc'), Buffer.from([255])]);
    expect(() => parseRdb(fn, { ...opts, checksum: false })).toThrow(/Unsupported RDB feature: function libraries \(FUNCTION2 opcode\) at offset 9/);
    const mod = Buffer.concat([hdr, Buffer.from([7, 1]), Buffer.from('k'), Buffer.from([1, 2, 3])]);
    expect(() => parseRdb(mod, { ...opts, checksum: false })).toThrow(/Unsupported RDB feature: module data type \(MODULE_2\) at offset 9/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('DUMP / RESTORE', () => {
  let e: ServerHandle;
  let r: ServerHandle;
  let ec: RawClient;
  let rc: RawClient;

  beforeAll(async () => {
    [e, r] = await Promise.all([eddy(), redis()]);
    ec = await connect(e);
    rc = await connect(r);
    const all = datasetCommands(6);
    const db0 = all.slice(0, all.findIndex((a, i) => i > 0 && a[0] === 'SELECT'));
    await Promise.all([run(ec, db0), run(rc, db0)]);
  }, 60000);

  async function crossRestore(from: RawClient, to: RawClient): Promise<void> {
    const keys = ((await ok(from, 'KEYS', '*')) as string[]).sort();
    expect(keys.length).toBeGreaterThan(30);
    const payloads = (await pipeline(
      from,
      keys.map((k) => ['DUMP', k]),
    )) as string[];
    await ok(to, 'SELECT', '9');
    await ok(to, 'FLUSHDB');
    await run(
      to,
      keys.map((k, i) => ['RESTORE', k, '0', payloads[i]]),
    );
    await ok(to, 'SWAPDB', '0', '9');
  }

  it('payloads from eddy restore in redis-server (every type and encoding)', async () => {
    const want = await describeDataset(ec);
    await crossRestore(ec, rc);
    const got = await describeDataset(rc);
    const strip = (m: Map<string, string>) => new Map([...m].filter(([k]) => k.startsWith('0/')).map(([k, v]) => [k, JSON.stringify(JSON.parse(v).slice(0, 2).concat(JSON.parse(v)[3]))]));
    expect(diffDescriptions(strip(want), strip(got), ['eddy', 'redis'])).toEqual([]);
  }, 60000);

  it('payloads from redis-server restore in eddy', async () => {
    const want = await describeDataset(rc);
    await crossRestore(rc, ec);
    const got = await describeDataset(ec);
    const strip = (m: Map<string, string>) => new Map([...m].filter(([k]) => k.startsWith('0/')).map(([k, v]) => [k, JSON.stringify(JSON.parse(v).slice(0, 2).concat(JSON.parse(v)[3]))]));
    expect(diffDescriptions(strip(want), strip(got), ['redis', 'eddy'])).toEqual([]);
  }, 60000);

  it('payload bytes equal redis-server for identical values', async () => {
    const p = new DiffPair(ec, rc);
    await p.run(['FLUSHALL']);
    await p.run(['SET', 'a', 'hello']);
    await p.run(['SET', 'n', '12345']);
    await p.run(['SET', 'big', 'abc'.repeat(100)]);
    await p.run(['RPUSH', 'l', 'a', '1', 'b', '-300']);
    await p.run(['HSET', 'h', 'f', 'v', 'g', '7']);
    await p.run(['SADD', 's', '1', '2', '-3']);
    await p.run(['ZADD', 'z', '1', 'a', '2.5', 'b', '-3', 'c', '0.1', 'd']);
    await p.run(['XADD', 'x', '1-1', 'a', '1', 'b', '2']);
    await p.run(['XADD', 'x', '2-1', 'a', '3', 'b', '4']);
    await p.run(['XADD', 'x', '3-1', 'c', '3']);
    await p.run(['XGROUP', 'CREATE', 'x', 'g', '0']);
    for (const k of ['a', 'n', 'big', 'l', 'h', 's', 'z', 'x', 'missing']) await p.run(['DUMP', k]);
    // LZF output is byte-identical to Redis's compressor on compressible strings of every size.
    const rng = new Rng(12);
    for (let i = 0; i < 60; i++) {
      const unit = bin(rng, rng.int(1, 12));
      const v = unit.repeat(rng.int(2, 400)) + bin(rng, rng.int(0, 20)) + unit.repeat(rng.int(0, 50));
      await p.run(['SET', `lzf${i}`, v]);
      await p.run(['DUMP', `lzf${i}`]);
    }
  });

  it('options and errors match redis-server', async () => {
    const p = new DiffPair(ec, rc);
    await p.run(['FLUSHALL']);
    await p.run(['SET', 'src', 'value']);
    await p.run(['RPUSH', 'lst', 'a', 'b']);
    const payload = (await call(ec, 'DUMP', 'src')) as string;
    const lpay = (await call(ec, 'DUMP', 'lst')) as string;
    const bad = payload.slice(0, -1) + String.fromCharCode(payload.charCodeAt(payload.length - 1) ^ 1);
    const v11 = payload.slice(0, -10) + '\x0b\x00' + payload.slice(-8);
    const now = Date.now();
    const cases: string[][] = [
      ['RESTORE', 'src', '0', payload],
      ['RESTORE', 'k1', '0', payload],
      ['GET', 'k1'],
      ['RESTORE', 'k2', '-1', payload],
      ['RESTORE', 'k2', 'abc', payload],
      ['RESTORE', 'k2', '0', bad],
      ['RESTORE', 'k2', '0', v11],
      ['RESTORE', 'k2', '0', 'short'],
      ['RESTORE', 'k2', '0', payload, 'BOGUS'],
      ['RESTORE', 'k2', '0', payload, 'IDLETIME'],
      ['RESTORE', 'k2', '0', payload, 'IDLETIME', '-1'],
      ['RESTORE', 'k2', '0', payload, 'IDLETIME', 'x'],
      ['RESTORE', 'k2', '0', payload, 'FREQ', '256'],
      ['RESTORE', 'k2', '0', payload, 'IDLETIME', '10', 'FREQ', '5'],
      ['RESTORE', 'k2', '0', payload, 'IDLETIME', '10'],
      ['RESTORE', 'k3', '0', payload, 'FREQ', '10'],
      ['RESTORE', 'src', '0', lpay, 'REPLACE'],
      ['TYPE', 'src'],
      ['LRANGE', 'src', '0', '-1'],
      ['RESTORE', 'k4', String(now + 100000), payload, 'ABSTTL'],
      ['PEXPIRETIME', 'k4'],
      ['RESTORE', 'k5', '1', payload, 'ABSTTL'],
      ['EXISTS', 'k5'],
      ['RESTORE', 'src', String(now - 1000), payload, 'ABSTTL', 'REPLACE'],
      ['EXISTS', 'src'],
      ['RESTORE', 'k6', '100000', payload],
      ['TTL', 'k6'],
      ['DUMP', 'nokey'],
    ];
    for (const a of cases) await p.run(a);
    // A payload whose checksum is right but whose body is garbage.
    const body = Buffer.from([0x00, 0x85, 0x41, 0x0a, 0x00]);
    const crc = new Crc64().update(body).bytesLE();
    await p.run(['RESTORE', 'k7', '0', Buffer.concat([body, crc]).toString('latin1')]);
  });
});

describe('RESTORE propagation (in-process)', () => {
  const prop = propagationRunner();
  const p = dumpPayload('v', { compress: true, listFill: -2 }).latin1Slice();

  it('a relative TTL propagates as an absolute one (ABSTTL); an expired REPLACE as DEL', () => {
    const t0 = Date.now();
    const out = prop('RESTORE', 'k', '100000', p);
    expect(out.length).toBe(1);
    expect(out[0][0]).toBe('RESTORE');
    expect(out[0][4]).toBe('ABSTTL');
    expect(Number(out[0][2])).toBeGreaterThanOrEqual(t0 + 100000);
    expect(Number(out[0][2])).toBeLessThan(t0 + 110000);
    expect(prop('RESTORE', 'k', '0', p, 'REPLACE')).toEqual([['RESTORE', 'k', '0', p, 'REPLACE']]);
    expect(prop('RESTORE', 'k', String(t0 - 1000), p, 'ABSTTL', 'REPLACE')).toEqual([['DEL', 'k']]);
    expect(prop('RESTORE', 'k2', '1', p, 'ABSTTL')).toEqual([]);
    expect(prop('RESTORE', 'k3', '0', p)).toEqual([['RESTORE', 'k3', '0', p]]);
    expect(prop('RESTORE', 'k3', '0', p)).toEqual([]);
  });
});
