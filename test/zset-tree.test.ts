// Why: the sorted-set B+tree (subtree counts, separators, leaf links, splits and merges, range
// searches, range deletions) checked by fast-check against a naive sorted-array model, with its
// structural invariants after every step; the member index (open addressing) against a Map.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ZCursor, ZTree, leafEncoding, newNode, type ZNode } from '../src/datatypes/zset-tree.js';
import { lexBounds, scoreBounds, type LexRange, type ScoreRange } from '../src/datatypes/zset-range.js';
import { MemberIndex } from '../src/datatypes/zset-index.js';

interface Entry {
  member: string;
  score: number;
}

function cmp(a: Entry, b: Entry): number {
  if (a.score < b.score) return -1;
  if (a.score > b.score) return 1;
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
}

/** The model: a sorted array of (score, member). */
class Model {
  items: Entry[] = [];
  find(member: string): number {
    return this.items.findIndex((e) => e.member === member);
  }
  insert(member: string, score: number): void {
    this.items.push({ member, score });
    this.items.sort(cmp);
  }
  remove(member: string): Entry | null {
    const i = this.find(member);
    if (i < 0) return null;
    return this.items.splice(i, 1)[0];
  }
}

function gteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}
function lteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}
function lexCmp(v: string, b: string, kind: number): number {
  if (kind !== 0) return -kind;
  return v < b ? -1 : v > b ? 1 : 0;
}
function lexIn(v: string, r: LexRange): boolean {
  const a = lexCmp(v, r.min, r.minKind);
  const b = lexCmp(v, r.max, r.maxKind);
  return (r.minex ? a > 0 : a >= 0) && (r.maxex ? b < 0 : b <= 0);
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error('zset tree broken: ' + what);
}

/** The tree's own structural check, then its order against the model. */
function checkInvariants(t: ZTree, model: Model): void {
  t.verify();
  // every cached leaf encoding is current
  const cur = new ZCursor();
  for (t.seekFirst(cur); cur.leaf !== null; ) {
    const leaf = cur.leaf;
    if (leaf.enc !== null) {
      const fresh = leaf.members.slice(0, leaf.n).map((m) => '$' + m.length + '\r\n' + m + '\r\n').join('');
      check(leaf.enc === fresh, 'stale cached leaf encoding');
    }
    cur.leaf = leaf.next;
  }
  const inOrder: ZNode[] = [];
  t.forEach((n) => void inOrder.push(n));
  check(inOrder.length === model.items.length && t.length === inOrder.length, 'length');
  for (let i = 0; i < inOrder.length; i++) {
    const n = inOrder[i];
    const e = model.items[i];
    check(n.member === e.member && Object.is(n.score, e.score), `order at ${i}: ${n.member}/${n.score} vs ${e.member}/${e.score}`);
  }
  const back: ZNode[] = [];
  t.forEach((n) => void back.push(n), true);
  check(back.reverse().every((n, i) => n === inOrder[i]), 'reverse order');
  check(t.first === (inOrder[0] ?? null) && t.tail === (inOrder[inOrder.length - 1] ?? null), 'first/tail');
}

const special = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'aa', 'ab', 'b\x00', '', 'z', '\xff', 'A', '10', '9');
// Enough distinct members that sets grow past one leaf (64 entries) and inner nodes split and merge.
const member = fc.oneof({ weight: 1, arbitrary: special }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 400 }).map((i) => 'm' + i) });
// Mostly a few distinct values, so equal scores (ordered by member) are frequent.
const score = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(0, -0, 1, 2, -1, 1.5, Infinity, -Infinity, 1e300, -1e-300) },
  { weight: 4, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true }) },
);
const scoreRange = fc.record({ min: score, max: score, minex: fc.boolean(), maxex: fc.boolean() });
const lexBound = fc.oneof(
  fc.record({ s: member, kind: fc.constant(0) }),
  fc.record({ s: fc.constant(''), kind: fc.constantFrom(-1, 1) }),
);
const lexRange = fc
  .record({ lo: lexBound, hi: lexBound, minex: fc.boolean(), maxex: fc.boolean() })
  .map(({ lo, hi, minex, maxex }): LexRange => ({
    min: lo.s,
    max: hi.s,
    minKind: lo.kind,
    maxKind: hi.kind,
    // "-" and "+" are always exclusive bounds in Redis's parser
    minex: lo.kind !== 0 ? true : minex,
    maxex: hi.kind !== 0 ? true : maxex,
  }));

type Op =
  | { t: 'add'; m: string; s: number }
  | { t: 'bulk'; base: number; n: number; s: number; step: number }
  | { t: 'del'; m: string }
  | { t: 'upd'; m: string; s: number }
  | { t: 'rank'; m: string }
  | { t: 'enc'; r: number }
  | { t: 'byRank'; r: number }
  | { t: 'range'; r: ScoreRange }
  | { t: 'delRange'; r: ScoreRange }
  | { t: 'delRank'; a: number; b: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('add' as const), m: member, s: score }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('bulk' as const),
      base: fc.integer({ min: 0, max: 2000 }),
      n: fc.integer({ min: 1, max: 300 }),
      s: score,
      step: fc.constantFrom(0, 1, -1, 0.5),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('del' as const), m: member }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('upd' as const), m: member, s: score }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('rank' as const), m: member }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('enc' as const), r: fc.integer({ min: 0, max: 2000 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('byRank' as const), r: fc.integer({ min: 0, max: 16 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('range' as const), r: scoreRange }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delRange' as const), r: scoreRange }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delRank' as const), a: fc.integer({ min: 1, max: 400 }), b: fc.integer({ min: 1, max: 400 }) }) },
);

describe('zset B+tree vs sorted-array model', () => {
  it('inserts, deletes, score updates, ranks and score ranges', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 150, size: 'max' }), (ops) => {
        const sl = new ZTree();
        const cur = new ZCursor();
        const nodes = new Map<string, ZNode>();
        const model = new Model();
        for (const o of ops) {
          switch (o.t) {
            case 'add':
              if (nodes.has(o.m)) break;
              nodes.set(o.m, sl.insert(o.s, o.m));
              model.insert(o.m, o.s);
              break;
            case 'bulk':
              // runs of ascending, descending or equal scores: the edge splits of loads
              for (let i = 0; i < o.n; i++) {
                const m = 'k' + (o.base + i);
                if (nodes.has(m)) continue;
                const sc = o.s + o.step * i;
                nodes.set(m, sl.insert(sc, m));
                model.insert(m, sc);
              }
              break;
            case 'del': {
              const e = model.remove(o.m);
              const n = nodes.get(o.m);
              if (!n) {
                expect(sl.delete(0, o.m)).toBe(null);
                break;
              }
              expect(sl.delete(n.score, o.m)).toBe(n);
              expect(e).not.toBe(null);
              nodes.delete(o.m);
              break;
            }
            case 'upd': {
              const n = nodes.get(o.m);
              if (!n) break;
              sl.updateScore(n, o.s);
              model.remove(o.m);
              model.insert(o.m, o.s);
              break;
            }
            case 'rank': {
              const n = nodes.get(o.m);
              const i = model.find(o.m);
              expect(n ? sl.rank(n.score, o.m) : sl.rank(0, o.m)).toBe(i + 1);
              break;
            }
            case 'enc': {
              // a leaf's cached bulk encoding (kept across later ops) matches its members
              if (sl.length === 0) break;
              sl.seekRank(cur, o.r % sl.length);
              const leaf = cur.leaf!;
              const enc = leafEncoding(leaf);
              const ms = leaf.members.slice(0, leaf.n);
              expect(enc).toBe(ms.map((m) => '$' + m.length + '\r\n' + m + '\r\n').join(''));
              for (let i = 0; i < leaf.n; i++) expect(enc.slice(leaf.encOff![i], leaf.encOff![i + 1])).toBe('$' + ms[i].length + '\r\n' + ms[i] + '\r\n');
              break;
            }
            case 'byRank': {
              const n = sl.byRank(o.r);
              const e = o.r >= 1 ? model.items[o.r - 1] : undefined;
              expect(n === null ? null : [n.member, n.score]).toEqual(e ? [e.member, e.score] : null);
              break;
            }
            case 'range': {
              const inR = model.items.filter((e) => gteMin(e.score, o.r) && lteMax(e.score, o.r));
              const { min, minex, max, maxex } = o.r;
              const ff = sl.firstInScore(cur, min, minex, max, maxex, true);
              expect(ff ? cur.node.member : null).toBe(inR.length ? inR[0].member : null);
              if (ff) expect(sl.lastSeekRank).toBe(model.items.indexOf(inR[0]));
              const fl = sl.lastInScore(cur, min, minex, max, maxex, true);
              expect(fl ? cur.node.member : null).toBe(inR.length ? inR[inR.length - 1].member : null);
              if (fl) expect(sl.lastSeekRank).toBe(model.items.indexOf(inR[inR.length - 1]));
              // the generic (predicate) search agrees
              const b = scoreBounds(o.r);
              expect(sl.firstIn(cur, b) ? cur.node.member : null).toBe(inR.length ? inR[0].member : null);
              expect(sl.lastIn(cur, b) ? cur.node.member : null).toBe(inR.length ? inR[inR.length - 1].member : null);
              // walking forward from the first visits the range in order
              if (sl.firstInScore(cur, min, minex, max, maxex)) {
                const seen: string[] = [];
                for (; cur.leaf !== null && lteMax(cur.node.score, o.r); cur.next()) seen.push(cur.node.member);
                expect(seen).toEqual(inR.map((e) => e.member));
              }
              break;
            }
            case 'delRange': {
              const gone: string[] = [];
              const n = sl.deleteIn(scoreBounds(o.r), (x) => void gone.push(x.member));
              const expected = model.items.filter((e) => gteMin(e.score, o.r) && lteMax(e.score, o.r)).map((e) => e.member);
              expect(gone).toEqual(expected);
              expect(n).toBe(expected.length);
              for (const m of gone) {
                model.remove(m);
                nodes.delete(m);
              }
              break;
            }
            case 'delRank': {
              const [a, b] = o.a <= o.b ? [o.a, o.b] : [o.b, o.a];
              const expected = model.items.slice(a - 1, b).map((e) => e.member);
              const gone: string[] = [];
              expect(sl.deleteRangeByRank(a, b, (x) => void gone.push(x.member))).toBe(expected.length);
              expect(gone).toEqual(expected);
              for (const m of gone) {
                model.remove(m);
                nodes.delete(m);
              }
              break;
            }
          }
          checkInvariants(sl, model);
        }
      }),
      { numRuns: 150, seed: 20240601 },
    );
  });

  it('lexicographic ranges and deletions on equal scores', () => {
    fc.assert(
      fc.property(fc.uniqueArray(member, { maxLength: 200 }), fc.array(lexRange, { minLength: 1, maxLength: 8 }), (members, ranges) => {
        const sl = new ZTree();
        const cur = new ZCursor();
        const model = new Model();
        for (const m of members) {
          sl.insert(0, m);
          model.insert(m, 0);
        }
        checkInvariants(sl, model);
        for (const r of ranges) {
          const inR = model.items.filter((e) => lexIn(e.member, r)).map((e) => e.member);
          expect(sl.firstIn(cur, lexBounds(r)) ? cur.node.member : null).toBe(inR.length ? inR[0] : null);
          expect(sl.lastIn(cur, lexBounds(r)) ? cur.node.member : null).toBe(inR.length ? inR[inR.length - 1] : null);
        }
        const r = ranges[0];
        const expected = model.items.filter((e) => lexIn(e.member, r)).map((e) => e.member);
        const gone: string[] = [];
        expect(sl.deleteIn(lexBounds(r), (x) => void gone.push(x.member))).toBe(expected.length);
        expect(gone).toEqual(expected);
        for (const m of gone) model.remove(m);
        checkInvariants(sl, model);
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('100k sequential, descending and scattered inserts, rank lookups, mass deletions', () => {
    for (const order of ['asc', 'desc', 'scattered'] as const) {
      const sl = new ZTree();
      const n = 100_000;
      const nodes: ZNode[] = [];
      for (let i = 0; i < n; i++) {
        const s = order === 'asc' ? i : order === 'desc' ? n - i : (i * 7919) % n;
        nodes.push(sl.insert(s, 'm' + i));
      }
      expect(sl.length).toBe(n);
      sl.verify();
      for (let r = 1; r <= n; r += 9973) {
        const node = sl.byRank(r)!;
        expect(sl.rank(node.score, node.member)).toBe(r);
      }
      // every other node moves far away, then most are deleted: merges down to a small tree
      for (let i = 0; i < n; i += 2) sl.updateScore(nodes[i], -nodes[i].score - 1);
      sl.verify();
      let gone = 0;
      for (let i = 0; i < n; i++) if (i % 10 !== 3 && sl.delete(nodes[i].score, nodes[i].member) === nodes[i]) gone++;
      expect(gone).toBe(n - n / 10);
      expect(sl.length).toBe(n / 10);
      sl.verify();
      expect(sl.deleteRangeByRank(1, n, () => undefined)).toBe(n / 10);
      expect(sl.length).toBe(0);
      expect(sl.first).toBe(null);
      sl.verify();
    }
  });
});

describe('zset member index vs Map', () => {
  it('adds, replaces, deletes (backward shift, wrap-around, shrinking) like a Map', () => {
    const key = fc.string({ maxLength: 3, unit: fc.constantFrom('a', 'b', 'c', 'd', '\x00', '\xff') });
    const ixOp = fc.oneof(
      { weight: 3, arbitrary: fc.record({ t: fc.constant('set' as const), k: key }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('del' as const), k: key }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('get' as const), k: key }) },
    );
    fc.assert(
      fc.property(fc.array(ixOp, { maxLength: 400 }), (ops) => {
        const ix = new MemberIndex();
        const model = new Map<string, ZNode>();
        for (const o of ops) {
          if (o.t === 'set') {
            const n = newNode(o.k, model.size);
            ix.set(o.k, n);
            model.set(o.k, n);
          } else if (o.t === 'del') {
            expect(ix.delete(o.k)).toBe(model.delete(o.k));
          } else {
            expect(ix.get(o.k)).toBe(model.get(o.k));
          }
          expect(ix.size).toBe(model.size);
        }
        for (const [k, n] of model) expect(ix.get(k)).toBe(n);
        expect([...ix.keys()].sort()).toEqual([...model.keys()].sort());
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('holds 100k members through growth and shrinking', () => {
    const ix = new MemberIndex();
    const n = 100_000;
    for (let i = 0; i < n; i++) ix.set('m' + i, newNode('m' + i, i));
    let wrong = 0;
    for (let i = 0; i < n; i += 2) if (!ix.delete('m' + i)) wrong++;
    expect(ix.size).toBe(n / 2);
    for (let i = 0; i < n; i++) if (ix.get('m' + i)?.score !== (i % 2 ? i : undefined)) wrong++;
    expect(wrong).toBe(0);
    for (let i = 1; i < n; i += 2) ix.delete('m' + i);
    expect(ix.size).toBe(0);
    expect(ix.tableBytes()).toBeLessThan(1000);
  });
});
