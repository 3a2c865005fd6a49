// Why: the glob matcher must accept exactly the keys Redis's stringmatchlen accepts. Random
// patterns (escapes, [^a-c] classes, reversed and high-byte ranges, nested '*', unterminated '[',
// trailing '\') are run through KEYS and SCAN MATCH on eddy and on the reference redis-server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Differential, Rng, seeds, type DiffPair } from './support/diff.js';
import { splitAggregate } from './support/diff.js';
import { scanAll } from './support/scan.js';
import { compileGlob, stringMatch } from '../src/datatypes/glob.js';

let d: Differential;
let p: DiffPair;

beforeAll(async () => {
  d = await Differential.start();
  p = await d.connect();
});
afterAll(async () => {
  await d?.stop();
});

const ALPHA = ['a', 'b', 'c', 'A', 'B', 'z', '0', '-', '^', ']', '[', '*', '?', '\\', '\x00', '\x7f', '\x80', '\xc8', '\xff', ' '];
const SPECIAL = ['*', '?', '[', ']', '^', '-', '\\', '**', '[^', '[a-c]', '[^a-c]', '[c-a]', '[a-\xff]', '[\x80-\xff]', '\\*', '\\['];

function randomKey(rng: Rng): string {
  let s = '';
  const n = rng.int(0, 7);
  for (let i = 0; i < n; i++) s += rng.bool(0.85) ? rng.pick(ALPHA) : String.fromCharCode(rng.int(0, 255));
  return s;
}

/** A pattern: pure noise, or a mutation of an existing key (so that many patterns match). */
function randomPattern(rng: Rng, keys: string[]): string {
  if (rng.bool(0.35)) {
    let s = '';
    const n = rng.int(0, 8);
    for (let i = 0; i < n; i++) s += rng.bool(0.5) ? rng.pick(SPECIAL) : rng.pick(ALPHA);
    return s;
  }
  const k = rng.pick(keys);
  let s = '';
  for (const ch of k) {
    const r = rng.next();
    if (r < 0.12) s += '*';
    else if (r < 0.22) s += '?';
    else if (r < 0.3) s += '[' + (rng.bool(0.3) ? '^' : '') + ch + (rng.bool(0.4) ? '-' + rng.pick(ALPHA) : '') + (rng.bool(0.85) ? ']' : '');
    else if (r < 0.36) s += '\\' + ch;
    else if (r < 0.4) s += rng.pick(SPECIAL);
    else if (r < 0.43) continue;
    else s += ch;
  }
  if (rng.bool(0.25)) s += '*';
  if (rng.bool(0.1)) s = '*' + s;
  if (rng.bool(0.05)) s += '\\';
  return s;
}

async function load(keys: string[]): Promise<void> {
  await p.run(['FLUSHALL']);
  for (const c of [p.eddy, p.redis]) {
    for (const k of keys) c.send('SET', k, '1');
    for (let i = 0; i < keys.length; i++) await c.read();
  }
  await p.run(['DBSIZE']);
}

describe('glob patterns against the real server', () => {
  for (const seed of seeds([101, 202, 303])) {
    it(`KEYS with 1500 random patterns (seed ${seed})`, async () => {
      const rng = new Rng(seed);
      const keys = [...new Set(Array.from({ length: 200 }, () => randomKey(rng)))];
      await load(keys);
      let matched = 0;
      let nonEmpty = 0;
      for (let i = 0; i < 1500; i++) {
        const pat = randomPattern(rng, keys);
        const r = await p.run(['KEYS', pat], { unordered: true });
        const n = splitAggregate(r)![1].length;
        matched += n;
        if (n > 0) nonEmpty++;
      }
      // the sample must exercise matches, not just misses
      expect(nonEmpty).toBeGreaterThan(300);
      expect(matched).toBeGreaterThan(1000);
      // SCAN MATCH uses the same matcher
      for (let i = 0; i < 40; i++) {
        const pat = randomPattern(rng, keys);
        const [e, r] = await Promise.all([scanAll(p.eddy, ['MATCH', pat, 'COUNT', '17']), scanAll(p.redis, ['MATCH', pat, 'COUNT', '17'])]);
        expect([...new Set(e.keys)].sort(), `SCAN MATCH ${JSON.stringify(pat)}`).toEqual([...new Set(r.keys)].sort());
      }
    });
  }

  it('classes, ranges and escapes on every byte value', async () => {
    const keys = Array.from({ length: 256 }, (_, i) => 'x' + String.fromCharCode(i));
    await load(keys);
    for (const pat of [
      'x[a-z]',
      'x[z-a]',
      'x[^a-z]',
      'x[a-\xff]',
      'x[\xff-a]',
      'x[\x80-\xff]',
      'x[\x00-\x7f]',
      'x[\x7f-\x80]',
      'x[]',
      'x[]]',
      'x[^]]',
      'x[',
      'x[^',
      'x[a',
      'x[a-',
      'x[-a]',
      'x[a-]',
      'x[\\]]',
      'x[\\-]',
      'x[\\',
      'x[^\\',
      'x\\',
      'x\\x',
      'x\\\\',
      'x[\\\\]',
      'x?',
      'x*',
      'x**',
      '*',
      '?*',
      '*?',
      'x[A-C]',
      'x[a-c]',
      'x[[-]]',
      'x[*]',
      'x[?]',
      'x[\x00]',
      'x\x00',
      'x[^\x00-\xfe]',
    ]) {
      await p.run(['KEYS', pat], { unordered: true });
    }
  });

  it('nesting limit and pathological patterns', async () => {
    await load(['a'.repeat(1100), 'a'.repeat(5000) + 'b', 'ab'.repeat(30)]);
    for (const pat of [
      '*a'.repeat(999),
      '*a'.repeat(1000),
      '*a'.repeat(1001),
      '*a'.repeat(1200) + '*',
      '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c',
      'a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b',
      '*' + 'a*'.repeat(40) + 'c',
      '*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*b*c',
    ]) {
      const t0 = Date.now();
      await p.run(['KEYS', pat], { unordered: true });
      expect(Date.now() - t0).toBeLessThan(2000);
    }
  });
});

describe('compileGlob fast paths', () => {
  it('agree with stringMatch', () => {
    const rng = new Rng(7);
    const pats = ['', '*', '**', 'abc', 'ab*', 'ab**', 'a\\*', 'a*b', '*a', '\x00*', '\xff', 'a?', '[a]*'];
    for (let i = 0; i < 20000; i++) {
      const pat = rng.bool(0.5) ? rng.pick(pats) : randomPattern(rng, ['abc', 'a*b', '\x00\xff']);
      const s = randomKey(rng);
      expect(compileGlob(pat)(s), JSON.stringify([pat, s])).toBe(stringMatch(pat, s, false));
    }
  });

  it('nocase follows glibc tolower in the C locale', () => {
    expect(stringMatch('ABC', 'abc', true)).toBe(true);
    expect(stringMatch('[A-C]', 'b', true)).toBe(true);
    expect(stringMatch('\xc0', '\xe0', true)).toBe(false); // no latin1 folding
    // signed chars: [a-\xff] swaps to [-1, 97]; nocase then maps -1 (EOF) to itself and 97..97
    expect(stringMatch('[a-\xff]', '\x00', false)).toBe(true);
    expect(stringMatch('[a-\xff]', '\x80', false)).toBe(false);
    expect(stringMatch('[a-\xfe]', 'a', false)).toBe(true);
    expect(stringMatch('[a-\xfe]', 'a', true)).toBe(false);
  });
});
