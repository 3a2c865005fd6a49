// Why: the expiry commands (Redis expire.c): EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT with Redis 7.0's
// NX/XX/GT/LT rules and errors, TTL/PTTL/EXPIRETIME/PEXPIRETIME and PERSIST. Every EXPIRE form is
// propagated as PEXPIREAT <absolute ms> (a time in the past as DEL/UNLINK of the key), so AOF and
// replicas never depend on when they replay it. Lazy and active expiry live in db.ts / server.ts.
import type { CommandDef } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import { fail } from '../server/errors.js';
import { LLONG_MAX, LLONG_MIN, parseBigLL } from '../server/args.js';
import { ERR_NOT_INT } from '../server/errors.js';
import { parseLL } from '../resp/request-parser.js';

/** |argument| up to this (~285 years in seconds) keeps EXPIRE's arithmetic exact in doubles. */
const SAFE_ARG = 9e12;

const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;

/** parseExtendedExpireArgumentsOrReply */
function parseFlags(argv: string[]): number {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'nx') flags |= NX;
    else if (opt === 'xx') flags |= XX;
    else if (opt === 'gt') flags |= GT;
    else if (opt === 'lt') flags |= LT;
    else fail(`ERR Unsupported option ${argv[j]}`);
  }
  if (flags & NX && flags & (XX | GT | LT)) fail('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (flags & GT && flags & LT) fail('ERR GT and LT options at the same time are not compatible');
  return flags;
}

/**
 * expireGenericCommand: `relative` adds the command time, `seconds` scales by 1000. Overflows are
 * checked in 64-bit arithmetic as Redis does ("invalid expire time in '<cmd>' command").
 */
function expireGeneric(c: Client, argv: string[], relative: boolean, seconds: boolean): void {
  const key = argv[1];
  const flags = parseFlags(argv);
  const base = relative ? c.server.now() : 0;
  let whenMs: number;
  let exact: bigint | null = null; // the slow path's exact value, for propagation
  const n = parseLL(argv[2]);
  if (n !== null && n <= SAFE_ARG && n >= -SAFE_ARG) {
    // Fast path: every intermediate value is an exact double.
    whenMs = (seconds ? n * 1000 : n) + base;
  } else {
    let when = parseBigLL(argv[2]);
    if (when === null) fail(ERR_NOT_INT);
    const badTime = `ERR invalid expire time in '${c.cmd!.fullName}' command`;
    if (seconds) {
      if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) fail(badTime);
      when *= 1000n;
    }
    if (when > LLONG_MAX - BigInt(base)) fail(badTime);
    // (beyond 2^53 ms, ~285,000 years, the stored time is the nearest double)
    exact = when + BigInt(base);
    whenMs = Number(exact);
  }
  const db = c.db;
  if (db.lookupWrite(key) === undefined) {
    c.int(0);
    return;
  }
  if (flags !== 0) {
    const current = db.getExpire(key);
    if (flags & NX && current !== undefined) return c.int(0);
    if (flags & XX && current === undefined) return c.int(0);
    // No TTL counts as an infinite one: GT always fails, LT always succeeds.
    if (flags & GT && (current === undefined || whenMs <= current)) return c.int(0);
    if (flags & LT && current !== undefined && whenMs >= current) return c.int(0);
  }
  // checkAlreadyExpired: a time in the past deletes the key (not on replicas, not while loading).
  if (whenMs <= c.server.now() && !c.server.loading && !c.server.isReplica()) {
    db.delete(key);
    c.argv = [c.server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key];
    c.server.notify('g', 'del', key, db.id);
    c.int(1);
    return;
  }
  db.setExpire(key, whenMs);
  db.signalModified(key);
  // Propagate as PEXPIREAT <ms> (the NX/XX/GT/LT arguments stay, as in Redis).
  if (relative || seconds) {
    const out = argv.slice();
    if (c.cmd!.fullName !== 'pexpireat') out[0] = 'PEXPIREAT';
    out[2] = String(exact ?? whenMs);
    c.argv = out;
  }
  c.server.notify('g', 'expire', key, db.id);
  c.int(1);
}

/** ttlGenericCommand: -2 no key, -1 no TTL; relative TTLs are clamped at 0; seconds round. */
function ttlGeneric(c: Client, key: string, ms: boolean, absolute: boolean): void {
  const db = c.db;
  if (db.lookupRead(key) === undefined) return c.int(-2);
  const expire = db.getExpire(key);
  if (expire === undefined) return c.int(-1);
  let ttl = absolute ? expire : expire - c.server.now();
  if (ttl < 0) ttl = 0;
  c.int(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

function persist(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  if (db.lookupWrite(key) === undefined || !db.persist(key)) return c.int(0);
  db.signalModified(key);
  c.server.notify('g', 'persist', key, db.id);
  c.int(1);
}

export const commands: CommandDef[] = [
  { name: 'expire', handler: (c, a) => expireGeneric(c, a, true, true) },
  { name: 'pexpire', handler: (c, a) => expireGeneric(c, a, true, false) },
  { name: 'expireat', handler: (c, a) => expireGeneric(c, a, false, true) },
  { name: 'pexpireat', handler: (c, a) => expireGeneric(c, a, false, false) },
  { name: 'ttl', handler: (c, a) => ttlGeneric(c, a[1], false, false) },
  { name: 'pttl', handler: (c, a) => ttlGeneric(c, a[1], true, false) },
  { name: 'expiretime', handler: (c, a) => ttlGeneric(c, a[1], false, true) },
  { name: 'pexpiretime', handler: (c, a) => ttlGeneric(c, a[1], true, true) },
  { name: 'persist', handler: persist },
];
