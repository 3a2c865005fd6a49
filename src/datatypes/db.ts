// Why: one logical database: the key -> value dict, the key -> absolute-ms expiry dict, lazy
// expiry on access, and the hooks every modification must call (WATCH invalidation, keyspace
// notifications, blocked-client wake-up). Strings are stored as plain latin1 JS strings (compact,
// fast to hash); other types are objects with a `type` tag.
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { anyBlockedOnKeys, signalDeletedStreams, signalKeyAsReady } from '../server/blocking.js';

/** Every non-string value implements this (hash, list, set, zset, stream modules). */
export interface RObject {
  readonly type: 'list' | 'set' | 'zset' | 'hash' | 'stream';
  /** what OBJECT ENCODING reports for the same contents in Redis 7.0 (listpack, hashtable...) */
  encoding(server: Server): string;
  /** a deep copy (COPY, and snapshots) */
  clone(): RObject;
  /** approximate bytes, for MEMORY USAGE / INFO */
  memoryUsage?(): number;
}
export type Value = string | RObject;

function isStream(v: Value | undefined): boolean {
  return v !== undefined && typeof v !== 'string' && v.type === 'stream';
}

export function typeName(v: Value): string {
  return typeof v === 'string' ? 'string' : v.type;
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

export class Db {
  dict = new Map<string, Value>();
  expires = new Map<string, number>();
  /** WATCHed keys -> clients watching them */
  watched = new Map<string, Set<Client>>();
  /** keys forced to the "raw" string encoding (APPEND, SETRANGE, SETBIT...) */
  rawKeys = new Set<string>();
  /** resumable iterator over expires for the active expire cycle */
  expireCursor: Iterator<[string, number]> | null = null;
  avgTtl = 0;

  constructor(
    readonly id: number,
    readonly server: Server,
  ) {}

  get size(): number {
    return this.dict.size;
  }

  /** Delete the key if its TTL has passed. Returns true if the key is (logically) expired. */
  expireIfNeeded(key: string): boolean {
    const when = this.expires.get(key);
    // Redis's keyIsExpired: expired once now > when (a key is still alive at its own ms); nothing
    // expires while loading (an AOF replays commands on keys whose TTL may be past).
    if (when === undefined || when >= this.server.now() || this.server.loading) return false;
    // Replicas wait for the master's DEL; the master's own commands still see the key.
    if (this.server.isReplica()) return !this.server.applyingMasterStream;
    this.deleteExpired(key);
    return true;
  }

  /** Remove an expired key and tell everybody: propagation as DEL, "expired" notification. */
  deleteExpired(key: string): void {
    if (this.server.snapshot !== null) this.server.snapshot.preserve(this, key);
    this.removeKey(key);
    this.server.stats.expiredKeys++;
    this.server.propagateInternal(this.id, [this.server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
    this.server.notify('x', 'expired', key, this.id);
    this.touchWatched(key); // no dirty++: the DEL is propagated explicitly, not the command
  }

  /** Lookup for reading: lazily expires; counts keyspace hits/misses. */
  lookupRead(key: string): Value | undefined {
    const v = this.expires.size !== 0 && this.expireIfNeeded(key) ? undefined : this.dict.get(key);
    if (v === undefined) {
      this.server.stats.keyspaceMisses++;
      this.server.notify('m', 'keymiss', key, this.id);
    } else this.server.stats.keyspaceHits++;
    return v;
  }

  /** Lookup for writing: lazily expires, no hit/miss statistics. */
  lookupWrite(key: string): Value | undefined {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    return this.dict.get(key);
  }

  /** Existence check without touching statistics (EXISTS uses lookupRead for hits). */
  exists(key: string): boolean {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return false;
    return this.dict.has(key);
  }

  /**
   * Set a key's value (SET semantics): clears the TTL unless keepTtl, signals WATCH.
   * Notifications are the caller's job (the event name depends on the command).
   */
  setKey(key: string, value: Value, keepTtl = false): void {
    // As Redis's setKey: an expired key is deleted first ("expired"), then re-created ("new").
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    if (this.server.snapshot !== null) this.server.snapshot.preserve(this, key);
    const n = this.dict.size;
    // dbAdd / dbOverwrite: blocked XREAD[GROUP] clients look at a stream that comes or goes. The
    // old value is only looked up when someone could be blocked (one hash lookup less per SET).
    const oldStream = anyBlockedOnKeys(this.server) && isStream(this.dict.get(key));
    this.dict.set(key, value);
    if (this.dict.size !== n) this.server.notify('n', 'new', key, this.id);
    if (oldStream || isStream(value)) signalKeyAsReady(this, key);
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
    if (this.rawKeys.size !== 0) this.rawKeys.delete(key);
    this.signalModified(key);
  }

  /** Add a new key (caller knows it does not exist). */
  add(key: string, value: Value): void {
    if (this.server.snapshot !== null) this.server.snapshot.preserve(this, key);
    this.dict.set(key, value);
    this.server.notify('n', 'new', key, this.id);
    if (isStream(value)) signalKeyAsReady(this, key);
    if (this.rawKeys.size !== 0) this.rawKeys.delete(key);
    this.signalModified(key);
  }

  /** Replace the value in place, keeping TTL (e.g. APPEND). */
  update(key: string, value: Value): void {
    if (this.server.snapshot !== null) this.server.snapshot.preserve(this, key);
    this.dict.set(key, value);
    this.signalModified(key);
  }

  /** DEL semantics: returns whether the key existed. */
  delete(key: string): boolean {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return false;
    if (!this.dict.has(key)) return false;
    this.removeKey(key);
    this.signalModified(key);
    return true;
  }

  /** Remove without any signalling (used by the callers that already signalled). */
  removeKey(key: string): void {
    if (this.server.snapshot !== null) this.server.snapshot.preserve(this, key);
    const v = this.dict.get(key);
    this.dict.delete(key);
    // dbGenericDelete: XREADGROUP clients blocked on a deleted stream are failed (UNBLOCKED).
    if (isStream(v)) signalKeyAsReady(this, key);
    if (this.expires.size !== 0) this.expires.delete(key);
    if (this.rawKeys.size !== 0) this.rawKeys.delete(key);
  }

  setExpire(key: string, whenMs: number): void {
    this.expires.set(key, whenMs);
  }

  getExpire(key: string): number | undefined {
    return this.expires.size === 0 ? undefined : this.expires.get(key);
  }

  persist(key: string): boolean {
    return this.expires.delete(key);
  }

  /** signalModifiedKey: invalidate WATCHers, wake blocked clients (types hook in via server). */
  signalModified(key: string): void {
    this.server.dirty++;
    this.touchWatched(key);
  }

  /** touchWatchedKey alone: invalidate the key's WATCHers without counting a change. */
  touchWatched(key: string): void {
    if (this.watched.size === 0) return;
    const ws = this.watched.get(key);
    if (!ws) return;
    for (const c of ws) {
      const w = this.watchEntry(c, key);
      if (w !== undefined && w.expiredAtWatch) {
        // Redis 7.0 touchWatchedKey: a key already expired at WATCH time that is now gone is
        // logically unchanged (clear the flag); if it is still there, Redis stops here.
        if (!this.dict.has(key)) {
          w.expiredAtWatch = false;
          continue;
        }
        break;
      }
      c.dirtyCAS = true;
    }
  }

  private watchEntry(c: Client, key: string): Client['watched'][number] | undefined {
    for (const w of c.watched) if (w.db === this && w.key === key) return w;
    return undefined;
  }

  /**
   * FLUSHDB / SWAPDB (touchAllWatchedKeysInDb): watchers of keys that exist here (or in `other`,
   * the DB swapped in) are invalidated, except where an expired-at-WATCH key stays logically absent.
   */
  touchAllWatched(onlyExisting: boolean, other?: Db): void {
    const now = this.server.now();
    const expiredIn = (db: Db, key: string) => {
      const when = db.expires.get(key);
      return when !== undefined && now > when;
    };
    for (const [key, ws] of this.watched) {
      const here = this.dict.has(key);
      if (onlyExisting && !here && !(other && other.dict.has(key))) continue;
      for (const c of ws) {
        const w = this.watchEntry(c, key);
        if (w !== undefined && w.expiredAtWatch) {
          if (!other || !other.dict.has(key)) {
            w.expiredAtWatch = false;
            continue;
          }
          if (expiredIn(other, key)) continue;
        } else if (w !== undefined && other && !here && expiredIn(other, key)) {
          w.expiredAtWatch = true;
          continue;
        }
        c.dirtyCAS = true;
      }
    }
  }

  /** Drop everything. */
  clear(): number {
    signalDeletedStreams(this);
    if (this.server.snapshot !== null) this.server.snapshot.preserveDb(this);
    const n = this.dict.size;
    this.touchAllWatched(true);
    this.dict = new Map();
    this.expires = new Map();
    this.rawKeys = new Set();
    this.expireCursor = null;
    return n;
  }

  /** A random key that is not expired (RANDOMKEY), or undefined. */
  randomKey(): string | undefined {
    const n = this.dict.size;
    if (n === 0) return undefined;
    // Map has no random access: sample a position. O(n) in the worst case, bounded tries.
    for (let attempt = 0; attempt < 100 && this.dict.size > 0; attempt++) {
      const target = Math.floor(Math.random() * this.dict.size);
      let i = 0;
      for (const k of this.dict.keys()) {
        if (i++ === target) {
          if (this.expires.size !== 0 && this.expireIfNeeded(k)) break;
          return k;
        }
      }
    }
    for (const k of this.dict.keys()) if (!this.expireIfNeeded(k)) return k;
    return undefined;
  }

  /**
   * One slice of the active expire cycle: walk up to `budget` keys with a TTL from where the last
   * slice stopped, deleting the expired ones. Returns [checked, expired].
   */
  activeExpireSlice(budget: number, now: number): [number, number] {
    if (this.expires.size === 0) return [0, 0];
    let checked = 0;
    let expired = 0;
    let ttlSum = 0;
    let ttlN = 0;
    let wrapped = false;
    while (checked < budget) {
      if (!this.expireCursor) this.expireCursor = this.expires.entries();
      const r = this.expireCursor.next();
      if (r.done) {
        this.expireCursor = null;
        if (wrapped || this.expires.size === 0) break;
        wrapped = true;
        continue;
      }
      checked++;
      const [key, when] = r.value;
      if (when < now) {
        this.deleteExpired(key);
        expired++;
      } else {
        ttlSum += when - now;
        ttlN++;
      }
    }
    if (ttlN > 0) {
      const avg = ttlSum / ttlN;
      this.avgTtl = this.avgTtl === 0 ? avg : (this.avgTtl / 50) * 49 + avg / 50;
    }
    return [checked, expired];
  }
}
