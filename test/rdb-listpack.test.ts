// Why: the allocation-free listpack paths of the RDB writer against the string-based ones they
// replace: ListpackWriter.appendBytes against append (integer detection at every length and edge),
// and a listpack hash written straight from its pack against lpEncode of its fields and values.
import { describe, expect, it } from 'vitest';
import { ListpackWriter, lpEncode } from '../src/persistence/listpack.js';
import { dumpPayload } from '../src/persistence/rdb-writer.js';
import { HashObject } from '../src/datatypes/hash.js';
import { Rng } from './support/diff.js';

const EDGE = ['', '0', '-0', '00', '01', '-', '-1', '1', '9', '10', '127', '128', '-4096', '4095', '+5', ' 1', '1 ', '1.5', '1e3',
  '999999999999999', '-99999999999999', '1000000000000000', '-999999999999999', '9223372036854775807', '9223372036854775808',
  '-9223372036854775808', '-9223372036854775809', '12345678901234567890', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(4095), 'w'.repeat(4096)];

function randomElement(rng: Rng): string {
  if (rng.int(0, 3) === 0) return EDGE[rng.int(0, EDGE.length - 1)];
  if (rng.int(0, 2) === 0) return String(rng.int(-100000, 100000) * (rng.int(0, 1) ? 1 : 99991));
  let s = '';
  for (let i = rng.int(0, 30); i > 0; i--) s += String.fromCharCode(rng.int(0, 255));
  return s;
}

describe('listpack writer paths', () => {
  it('appendBytes encodes exactly as append', () => {
    const rng = new Rng(5);
    const all = [...EDGE];
    for (let i = 0; i < 5000; i++) all.push(randomElement(rng));
    for (const s of all) {
      const a = new ListpackWriter();
      a.append(s);
      const b = new ListpackWriter();
      const src = Buffer.from('##' + s, 'latin1');
      b.appendBytes(src, 2, s.length);
      expect(b.finish().equals(a.finish()), JSON.stringify(s)).toBe(true);
    }
  });

  it('a listpack hash is written from its pack as lpEncode of its pairs', () => {
    const rng = new Rng(9);
    for (let n = 0; n < 300; n++) {
      const flat: string[] = [];
      const seen = new Set<string>();
      for (let i = rng.int(1, 20); i > 0; i--) {
        const f = randomElement(rng) + 'f' + i;
        if (seen.has(f)) continue;
        seen.add(f);
        flat.push(f, randomElement(rng));
      }
      const h = HashObject.fromPairs(flat);
      const payload = dumpPayload(h, { compress: false, listFill: -2 });
      const want = lpEncode(flat);
      expect(payload.indexOf(want), `pairs ${JSON.stringify(flat)}`).toBeGreaterThan(0);
      expect(payload.length - want.length).toBeLessThanOrEqual(1 + 5 + 10);
    }
  });
});
