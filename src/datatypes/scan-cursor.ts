// Why: the SCAN family's shared plumbing (HSCAN, SSCAN, ZSCAN): Redis's cursor and option parsing
// (parseScanCursorOrReply, scanGenericCommand), the reply shape, and a stateless cursor over the
// dense slot arrays of a hashtable-encoded collection (dense.ts) that keeps SCAN's guarantee:
// every element present for the whole iteration is returned at least once.
import type { Client } from '../server/client.js';
import { ERR_SYNTAX, fail } from '../server/errors.js';
import { getInt } from '../server/args.js';
import { bulk, CRLF } from '../resp/reply.js';
import { compileGlob } from './glob.js';

const ERR_CURSOR = 'ERR invalid cursor';
const U64_MAX = 18446744073709551615n;

/**
 * parseScanCursorOrReply: C strtoul over the whole string — no leading blank, optional sign (a
 * negative cursor wraps around), the empty string is 0, ERANGE refused. The value is returned as a
 * JS number (exact below 2^53; larger cursors are only ever "past the end" for eddy).
 */
export function parseScanCursor(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) i = 1;
  if (i === n) fail(ERR_CURSOR);
  let v = 0;
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) fail(ERR_CURSOR);
    v = v * 10 + (c - 48);
  }
  if (n - i >= 20 && BigInt(s.slice(i)) > U64_MAX) fail(ERR_CURSOR);
  if (c0 === 45 && v !== 0) return 2 ** 64 - v;
  return v;
}

export interface ScanOptions {
  count: number;
  /** null when there is no MATCH or it is "*" (Redis then filters nothing, not even "") */
  match: ((s: string) => boolean) | null;
  /** SCAN's TYPE filter (keyspace SCAN only) */
  type: string | null;
}

/** scanGenericCommand step 1: COUNT n (n >= 1), MATCH pattern, and TYPE t when allowType. */
export function parseScanOptions(argv: readonly string[], start: number, allowType = false): ScanOptions {
  const o: ScanOptions = { count: 10, match: null, type: null };
  for (let i = start; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase();
    const more = i + 1 < argv.length;
    if (opt === 'count' && more) {
      o.count = getInt(argv[i + 1]);
      if (o.count < 1) fail(ERR_SYNTAX);
    } else if (opt === 'match' && more) {
      const p = argv[i + 1];
      o.match = p === '*' ? null : compileGlob(p);
    } else if (opt === 'type' && allowType && more) {
      o.type = argv[i + 1];
    } else {
      fail(ERR_SYNTAX);
    }
  }
  return o;
}

/**
 * One SCAN step over slots [0, size) of a DenseSet/DenseMap. The cursor walks slots downwards:
 * cursor 0 starts at the top slot, cursor c > 0 resumes at slot c - 1. A deletion only ever moves
 * the top slot into the hole, so an element that has not been visited yet can only move to a lower
 * slot — it stays ahead of the cursor. New elements land on top, behind it (SCAN may or may not
 * return elements added during the iteration). Visits `count` slots; returns the next cursor.
 */
export function scanSlots(size: number, cursor: number, count: number, visit: (slot: number) => void): number {
  let p = cursor === 0 ? size - 1 : Math.min(cursor - 1, size - 1);
  for (let n = count; p >= 0 && n > 0; n--) visit(p--);
  return p < 0 ? 0 : p + 1;
}

/** The SCAN reply: [cursor, [elements...]] (an array in RESP3 too). */
export function replyScan(c: Client, cursor: number, items: readonly string[]): void {
  let s = '*2\r\n' + bulk(String(cursor)) + '*' + items.length + CRLF;
  for (const it of items) s += bulk(it);
  c.add(s);
}

/** The empty-key reply (shared.emptyscan). */
export function replyEmptyScan(c: Client): void {
  c.add('*2\r\n$1\r\n0\r\n*0\r\n');
}
