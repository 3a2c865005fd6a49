// Why: one place that turns a checkpoint URL (redis://host:port/db?prefix=job:name) into ioredis
// options and the job's key layout. Every key of a job shares the hash tag {prefix}, so a job's
// commit (one MULTI/EXEC) stays in one cluster slot.
import { Redis, type RedisOptions } from 'ioredis';
import { IllegalArgumentException } from '../errors.js';

export interface RedisLocation {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  /** The job's key prefix (without braces); undefined when the URL has none. */
  readonly prefix?: string;
}

export function parseRedisUrl(url: string): RedisLocation {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new IllegalArgumentException(`Invalid Redis URL "${url}": expected redis://host:port/db?prefix=job:name`);
  }
  if (u.protocol !== 'redis:') throw new IllegalArgumentException(`Invalid Redis URL "${url}": only redis:// is supported`);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new IllegalArgumentException(`Invalid Redis URL "${url}": bad database number "${dbText}"`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const prefix = u.searchParams.get('prefix') ?? undefined;
  if (prefix !== undefined && (prefix === '' || /[{}]/.test(prefix))) {
    throw new IllegalArgumentException(`Invalid checkpoint prefix "${prefix}": it must be non-empty and contain no braces (it becomes the {hash tag})`);
  }
  return {
    url,
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port,
    db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    prefix,
  };
}

/** The same server and database with another (or no) prefix, as a URL. */
export function withPrefix(url: string, prefix: string | undefined): string {
  const u = new URL(url);
  if (prefix === undefined) u.searchParams.delete('prefix');
  else u.searchParams.set('prefix', prefix);
  return u.toString().replace(/%3A/gi, ':');
}

export interface ConnectionOptions {
  /** Queue commands while disconnected and retry them after a reconnect (idempotent readers). */
  retryCommands: boolean;
  name: string;
}

/** An ioredis connection that reconnects forever (backing off up to 1 s). */
export function connect(loc: RedisLocation, opts: ConnectionOptions): Redis {
  const options: RedisOptions = {
    host: loc.host,
    port: loc.port,
    db: loc.db,
    username: loc.username,
    password: loc.password,
    connectionName: opts.name,
    lazyConnect: true,
    enableOfflineQueue: opts.retryCommands,
    autoResendUnfulfilledCommands: opts.retryCommands,
    maxRetriesPerRequest: opts.retryCommands ? null : 0,
    retryStrategy: (n) => Math.min(50 * n, 1000),
    enableReadyCheck: true,
  };
  const r = new Redis(options);
  // Errors surface on the commands; the connection keeps reconnecting.
  r.on('error', () => undefined);
  return r;
}

/** The keys of one job; all share the hash tag `{prefix}`. */
export class JobKeys {
  readonly tag: string;
  readonly epoch: string;
  readonly meta: string;

  constructor(readonly prefix: string) {
    this.tag = `{${prefix}}`;
    this.epoch = `${this.tag}:epoch`;
    this.meta = `${this.tag}:meta`;
  }

  /** Hash: JSON(key) -> JSON([state, lastUpdateTime]) of one stateful stream. */
  state(streamId: number): string {
    return `${this.tag}:state:${streamId}`;
  }

  /** Hash: one window-input batch ("n" -> partition count, "<i>" -> JSON of partition i). */
  slice(streamId: number, time: number): string {
    return `${this.tag}:slice:${streamId}:${time}`;
  }

  /** Stream: a receiver's write-ahead log (blocks and their batch allocations). */
  wal(streamId: number): string {
    return `${this.tag}:wal:${streamId}`;
  }
}
