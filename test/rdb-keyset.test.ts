// Why: the snapshot's compact KeySet (src/persistence/key-set.ts) against a JS Set: random keys
// of many lengths (short, binary, past the 64-character hashing cut with equal ends), a table
// sized far too small (it must grow) and one sized right.
import { describe, expect, it } from 'vitest';
import { KeySet, keyHash } from '../src/persistence/key-set.js';
import { Rng } from './support/diff.js';

function randomKey(rng: Rng): string {
  const kind = rng.int(0, 3);
  if (kind === 0) return 'key:' + String(rng.int(0, 5000)).padStart(12, '0');
  if (kind === 1) {
    let s = '';
    for (let i = rng.int(0, 6); i > 0; i--) s += String.fromCharCode(rng.int(0, 255));
    return s;
  }
  // Long keys that differ only in the middle: same first and last 32 characters.
  const mid = String(rng.int(0, 300));
  return 'a'.repeat(40) + mid + 'b'.repeat(40 + (kind === 3 ? 1 : 0));
}

describe('snapshot KeySet', () => {
  for (const expected of [1, 20_000]) {
    it(`matches a Set (sized for ${expected})`, () => {
      const rng = new Rng(expected);
      const ks = new KeySet(expected);
      const model = new Set<string>();
      for (let n = 0; n < 40_000; n++) {
        const k = randomKey(rng);
        // A copy built char by char: equal content, another string object.
        const probe = k.split('').join('');
        if (rng.int(0, 3) === 0) expect(ks.has(probe), k).toBe(model.has(k));
        const added = ks.add(probe);
        expect(added, k).toBe(!model.has(k));
        model.add(k);
        expect(ks.size).toBe(model.size);
      }
      for (const k of model) expect(ks.has(k)).toBe(true);
      expect(ks.has('absent')).toBe(model.has('absent'));
    });
  }

  it('hashes long keys on their ends and length (middles collide, still told apart)', () => {
    const a = 'x'.repeat(32) + 'middle-1' + 'y'.repeat(32);
    const b = 'x'.repeat(32) + 'middle-2' + 'y'.repeat(32);
    expect(keyHash(a)).toBe(keyHash(b));
    const ks = new KeySet(4);
    expect(ks.add(a)).toBe(true);
    expect(ks.add(b)).toBe(true);
    expect(ks.add(a)).toBe(false);
    expect(ks.size).toBe(2);
  });
});
