// Why: eddy sinks on key/value streams. They queue their writes on the batch's transaction, so the
// writes land in the same MULTI/EXEC as the state deltas and offsets: exactly once. On a state
// stream (updateStateByKey, incremental windows) only the keys the batch changed are written and
// removed keys are deleted, so a batch costs O(changed keys), not O(state).
import { sinkText } from './checkpoint/codec.js';
import type { OutputFunction } from './dstream.js';
import { IllegalArgumentException } from './errors.js';
import { StateRDD } from './keyed-store.js';
import type { RDD } from './rdd.js';

export interface SinkOptions {
  /**
   * 'set' (default): write each key's value as it is (use on running totals, e.g. updateStateByKey).
   * 'increment': add each batch's (numeric) values to what is stored (HINCRBY/ZINCRBY/INCRBY), which
   * gives running totals without a state operator.
   */
  mode?: 'set' | 'increment';
}

export interface KeysSinkOptions extends SinkOptions {
  /** Expiry of each written key, in seconds. */
  ttl?: number;
}

export interface WindowSinkOptions {
  /** Expiry of each window's hash, in seconds. Default 3600. */
  ttl?: number;
}

/** Pairs per command. */
const CHUNK = 1000;

interface Changes<K, V> {
  puts: Array<readonly [K, V]>;
  removed: K[];
}

/** What to write: a state view's delta (changed and removed keys), or every pair of the batch. */
function changesOf<K, V>(rdd: RDD<[K, V]>, mode: 'set' | 'increment'): Changes<K, V> {
  if (mode === 'set' && rdd instanceof StateRDD && rdd.delta) {
    const d = rdd.delta as { updated: Map<K, V>; removed: K[] };
    return { puts: [...d.updated], removed: d.removed };
  }
  return { puts: rdd.collect(), removed: [] };
}

function numberOf(v: unknown, sink: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new IllegalArgumentException(`${sink} with mode 'increment' needs finite numeric values, got ${String(v)}`);
  }
  return v;
}

function checkMode(mode: string | undefined): 'set' | 'increment' {
  const m = mode ?? 'set';
  if (m !== 'set' && m !== 'increment') throw new IllegalArgumentException(`Unknown sink mode "${m}": expected 'set' or 'increment'`);
  return m;
}

function chunked(head: string[], items: string[], step: number, out: string[][]): void {
  for (let i = 0; i < items.length; i += step) out.push([...head, ...items.slice(i, i + step)]);
}

export function hashSink<K, V>(key: string, options: SinkOptions): OutputFunction<[K, V]> {
  const mode = checkMode(options.mode);
  return (rdd, _time, tx) => {
    const { puts, removed } = changesOf(rdd, mode);
    const cmds: string[][] = [];
    if (mode === 'increment') {
      for (const [k, v] of puts) {
        const n = numberOf(v, 'saveToHash');
        cmds.push([Number.isSafeInteger(n) ? 'hincrby' : 'hincrbyfloat', key, sinkText(k), String(n)]);
      }
    } else {
      const flat: string[] = [];
      for (const [k, v] of puts) flat.push(sinkText(k), sinkText(v));
      chunked(['hset', key], flat, 2 * CHUNK, cmds);
      chunked(['hdel', key], removed.map(sinkText), CHUNK, cmds);
    }
    for (const c of cmds) tx.call(...c);
  };
}

export function sortedSetSink<K, V>(key: string, options: SinkOptions): OutputFunction<[K, V]> {
  const mode = checkMode(options.mode);
  return (rdd, _time, tx) => {
    const { puts, removed } = changesOf(rdd, mode);
    const cmds: string[][] = [];
    if (mode === 'increment') {
      for (const [k, v] of puts) cmds.push(['zincrby', key, String(numberOf(v, 'saveToSortedSet')), sinkText(k)]);
    } else {
      const flat: string[] = [];
      for (const [k, v] of puts) flat.push(String(numberOf(v, 'saveToSortedSet')), sinkText(k));
      chunked(['zadd', key], flat, 2 * CHUNK, cmds);
      chunked(['zrem', key], removed.map(sinkText), CHUNK, cmds);
    }
    for (const c of cmds) tx.call(...c);
  };
}

export function keysSink<K, V>(prefix: string, options: KeysSinkOptions): OutputFunction<[K, V]> {
  const mode = checkMode(options.mode);
  const ttl = options.ttl;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) throw new IllegalArgumentException(`saveToKeys: ttl must be a positive number of seconds, got ${ttl}`);
  return (rdd, _time, tx) => {
    const { puts, removed } = changesOf(rdd, mode);
    for (const [k, v] of puts) {
      const key = prefix + sinkText(k);
      if (mode === 'increment') {
        const n = numberOf(v, 'saveToKeys');
        tx.call(Number.isSafeInteger(n) ? 'incrby' : 'incrbyfloat', key, String(n));
        if (ttl !== undefined) tx.call('expire', key, String(ttl));
      } else if (ttl !== undefined) {
        tx.call('set', key, sinkText(v), 'EX', String(ttl));
      } else {
        tx.call('set', key, sinkText(v));
      }
    }
    for (const k of removed) tx.call('del', prefix + sinkText(k));
  };
}

export function windowSink<K, V>(prefix: string, options: WindowSinkOptions): OutputFunction<[K, V]> {
  const ttl = options.ttl ?? 3600;
  if (!(Number.isInteger(ttl) && ttl > 0)) throw new IllegalArgumentException(`saveWindows: ttl must be a positive number of seconds, got ${ttl}`);
  return (rdd, time, tx) => {
    const key = `${prefix}:${time.milliseconds}`;
    const flat: string[] = [];
    rdd.foreach(([k, v]) => {
      flat.push(sinkText(k), sinkText(v));
    });
    tx.call('del', key);
    const cmds: string[][] = [];
    chunked(['hset', key], flat, 2 * CHUNK, cmds);
    for (const c of cmds) tx.call(...c);
    if (flat.length > 0) tx.call('expire', key, String(ttl));
    tx.call('set', `${prefix}:latest`, String(time.milliseconds));
  };
}
