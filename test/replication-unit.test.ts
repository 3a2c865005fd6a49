// Why: the two byte-exact pieces replication offsets depend on, checked without processes: the
// circular backlog (append, wrap, growth, readFrom at any offset, resize) against a plain copy of
// the stream, and the replica's stream reader (commands split at every byte boundary, uncounted
// keepalive newlines, applied bytes taken exactly).
import { describe, expect, it } from 'vitest';
import { Backlog } from '../src/replication/backlog.js';
import { StreamReader, StreamProtocolError } from '../src/replication/stream-reader.js';
import { encodeCommand, encodedSizeBound, encodeInto } from '../src/replication/state.js';
import { Rng } from './support/diff.js';

describe('Backlog', () => {
  it('holds the last `size` bytes of the stream, readable from any covered offset', () => {
    for (const size of [1, 7, 100, 70000, 200000]) {
      const rng = new Rng(size);
      const start = 1000;
      const bl = new Backlog(size, start + 1);
      let all = Buffer.alloc(0);
      let held = 0;
      for (let i = 0; i < 300; i++) {
        const n = rng.bool(0.05) ? rng.int(0, size * 2) : rng.int(0, 3000);
        const chunk = Buffer.alloc(n);
        for (let j = 0; j < n; j++) chunk[j] = rng.int(0, 255);
        bl.append(chunk);
        all = Buffer.concat([all, chunk]);
        held = Math.min(size, held + n);
        const end = start + all.length;
        expect(bl.endOffset).toBe(end);
        expect(bl.histlen).toBe(held);
        expect(bl.start).toBe(end - bl.histlen + 1);
        expect(bl.covers(bl.start)).toBe(true);
        expect(bl.covers(end + 1)).toBe(true);
        expect(bl.covers(end + 2)).toBe(false);
        if (held < all.length) expect(bl.covers(bl.start - 1)).toBe(false);
        for (const from of [bl.start, end + 1, rng.int(bl.start, end + 1)]) {
          const got = Buffer.concat(bl.readFrom(from));
          expect(got.equals(all.subarray(from - start - 1))).toBe(true);
        }
        if (i === 150 && size > 1) {
          // Shrinking keeps the most recent bytes; growing back keeps them and refills.
          bl.resize(Math.max(1, size >> 1));
          held = Math.min(held, Math.max(1, size >> 1));
          expect(bl.histlen).toBe(held);
          expect(Buffer.concat(bl.readFrom(bl.start)).equals(all.subarray(all.length - held))).toBe(true);
          bl.resize(size);
          expect(bl.histlen).toBe(held);
        }
      }
    }
  });
});

describe('Backlog pieces', () => {
  it('merges contiguous views of one chunk and never copies', () => {
    const arena = Buffer.alloc(10000);
    for (let i = 0; i < arena.length; i++) arena[i] = i & 0xff;
    const bl = new Backlog(3000, 1);
    let p = 0;
    const rng = new Rng(9);
    while (p < arena.length) {
      const n = Math.min(rng.int(1, 400), arena.length - p);
      bl.append(arena.subarray(p, p + n));
      p += n;
      expect(bl.histlen).toBe(Math.min(3000, p));
      const got = bl.readFrom(bl.start);
      expect(got.length).toBe(1); // one piece: contiguous views were merged
      expect(got[0].buffer).toBe(arena.buffer);
      expect(got[0].equals(arena.subarray(p - bl.histlen, p))).toBe(true);
    }
    bl.resize(10);
    expect(Buffer.concat(bl.readFrom(bl.start)).equals(arena.subarray(arena.length - 10))).toBe(true);
    expect(bl.readFrom(bl.endOffset + 1)).toEqual([]);
  });
});

describe('encodeInto', () => {
  it('writes exactly encodeCommand, within encodedSizeBound', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 2000; i++) {
      const argc = rng.bool(0.05) ? rng.int(10, 150) : rng.int(1, 5);
      const argv: string[] = [];
      for (let j = 0; j < argc; j++) {
        const n = rng.bool(0.1) ? rng.int(60, 20000) : rng.int(0, 70);
        let a = '';
        for (let k = 0; k < n; k++) a += String.fromCharCode(rng.int(0, 255));
        argv.push(a);
      }
      const bound = encodedSizeBound(argv);
      const b = Buffer.alloc(bound + 10, 0xee);
      const at = rng.int(0, 9);
      const end = encodeInto(b, at, argv);
      const want = encodeCommand(argv);
      expect(end - at).toBe(want.length);
      expect(end - at).toBeLessThanOrEqual(bound);
      expect(b.latin1Slice(at, end)).toBe(want);
      expect(b[end]).toBe(0xee);
    }
  });
});

describe('StreamReader', () => {
  const cmds = [['SELECT', '3'], ['SET', 'k', 'v'.repeat(70000)], ['PING'], ['MULTI'], ['INCR', 'n'], ['EXEC'], ['DEL', '\r\n*$', '']];
  const stream = Buffer.from(cmds.map(encodeCommand).join(''), 'latin1');

  it('parses commands split at every boundary and takes exactly the applied bytes', () => {
    for (const step of [1, 2, 3, 5, 17, 1000, 70017, stream.length]) {
      const r = new StreamReader();
      const got: string[][] = [];
      let taken = '';
      for (let i = 0; i < stream.length; i += step) {
        r.push(stream.subarray(i, i + step));
        for (let argv = r.next(); argv !== null; argv = r.next()) {
          got.push(argv);
          r.markApplied();
        }
        taken += r.takeApplied().latin1Slice();
      }
      expect(got).toEqual(cmds);
      expect(taken).toBe(stream.latin1Slice(0, stream.length));
      expect(r.unapplied).toBe(0);
    }
  });

  it('keeps an open transaction until it is applied; keepalive newlines are not counted', () => {
    const r = new StreamReader();
    r.push(Buffer.from('\n\n' + encodeCommand(['MULTI']) + encodeCommand(['SET', 'a', '1']), 'latin1'));
    expect(r.next()).toEqual(['MULTI']);
    expect(r.next()).toEqual(['SET', 'a', '1']);
    expect(r.next()).toBe(null);
    expect(r.takeApplied().length).toBe(0); // nothing applied yet
    r.push(Buffer.from(encodeCommand(['EXEC']) + '\n', 'latin1'));
    expect(r.next()).toEqual(['EXEC']);
    r.markApplied();
    expect(r.takeApplied().latin1Slice()).toBe(encodeCommand(['MULTI']) + encodeCommand(['SET', 'a', '1']) + encodeCommand(['EXEC']));
    expect(r.next()).toBe(null);
    expect(r.takeApplied().length).toBe(0);
    expect(r.unapplied).toBe(0);
  });

  it('refuses a broken stream', () => {
    const r = new StreamReader();
    r.push(Buffer.from('*2\r\n$3\r\nGET\r\n:1\r\n', 'latin1'));
    expect(() => r.next()).toThrow(StreamProtocolError);
    const r2 = new StreamReader();
    r2.push(Buffer.from('*x\r\n', 'latin1'));
    expect(() => r2.next()).toThrow(StreamProtocolError);
  });
});
