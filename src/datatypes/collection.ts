// Why: what the collection types (hash, set, zset...) share: the typed key lookup (lookupKeyRead/
// Write + checkType), the signed count of the random-member commands, argument errors some
// commands raise themselves (Redis's exact texts), the writer of many-bulk array replies and the
// sharing of short stored values.
import type { Client } from '../server/client.js';
import type { RObject } from './db.js';
import { ERR_NOT_INT, ERR_WRONGTYPE, fail } from '../server/errors.js';
import { parseBigLL } from '../server/args.js';

/**
 * lookupKeyRead (write=false: hit/miss stats, keymiss event) or lookupKeyWrite, then checkType:
 * the value when it has `type`, undefined when the key is missing, WRONGTYPE otherwise.
 */
export function lookupTyped<T extends RObject>(c: Client, key: string, type: RObject['type'], write: boolean): T | undefined {
  const v = write ? c.db.lookupWrite(key) : c.db.lookupRead(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== type) fail(ERR_WRONGTYPE);
  return v as T;
}

const LONG_MAX = 9223372036854775807n;

/** getRangeLongFromObjectOrReply(count, -LONG_MAX, LONG_MAX) for SRANDMEMBER/HRANDFIELD/ZRANDMEMBER. */
export function parseRandCount(s: string): bigint {
  const l = parseBigLL(s);
  if (l === null) fail(ERR_NOT_INT);
  if (l < -LONG_MAX) fail(`ERR value is out of range, value must between -${LONG_MAX} and ${LONG_MAX}`);
  return l;
}

/** addReplyErrorArity: the "wrong number of arguments" error for the running command. */
export function replyArityError(c: Client): never {
  fail(`ERR wrong number of arguments for '${c.cmd?.fullName ?? ''}' command`);
}

/**
 * getRangeLongFromObjectOrReply(min, LONG_MAX) with a message: Redis replies the
 * same message whether the argument is not an integer or out of range (SPOP count, LIMIT, numkeys).
 */
export function getLongInRange(s: string, min: bigint, msg: string): number {
  const l = parseBigLL(s);
  if (l === null || l < min) fail(msg);
  return Number(l);
}

export const ERR_MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';

export { replyStart, replyBulk, replyBulks, replyRaw, replyEnd } from '../resp/bulk-writer.js';

/*
 * Sharing of short element values (list elements, hash values): Redis keeps them as bytes inside
 * listpacks, eddy as one JS string each, so a value stored a million times ("0", "1", "xxx", "ok")
 * costs a million string objects, every one of them copied out of the young generation by the GC.
 * A small direct-mapped cache of recently stored short values returns the copy already kept, so a
 * repeated value is stored as a pointer only and the request's string dies young. Strings are
 * immutable: sharing is invisible to the commands.
 */
const SHARE_MAX_LEN = 16;
const SHARE_SLOTS = 4096;
const shared: string[] = new Array<string>(SHARE_SLOTS).fill('');

/** s, or an equal string already stored elsewhere. */
export function shareValue(s: string): string {
  const n = s.length;
  if (n > SHARE_MAX_LEN) return s;
  let h = n;
  for (let i = 0; i < n; i++) h = Math.imul(h, 31) + s.charCodeAt(i);
  h = (h ^ (h >>> 11)) & (SHARE_SLOTS - 1);
  const t = shared[h];
  if (t === s) return t;
  shared[h] = s;
  return s;
}
