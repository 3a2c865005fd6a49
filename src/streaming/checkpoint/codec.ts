// Why: how checkpointed values are written: JSON, refused with a precise message when a key,
// state or window slice is not JSON-safe (a Map or class instance would silently turn into {}).
import { IllegalArgumentException } from '../errors.js';
import { formatValue, jsonUnsafePath } from '../keys.js';

/** JSON of `v`, or an error naming `what` and the unsafe path. */
export function toJson(v: unknown, what: () => string): string {
  const t = typeof v;
  if (t === 'string' || t === 'boolean' || v === null || (t === 'number' && Number.isFinite(v as number))) return JSON.stringify(v);
  const bad = jsonUnsafePath(v);
  if (bad) throw new IllegalArgumentException(`${what()} cannot be checkpointed: ${bad} is not JSON-safe`);
  return JSON.stringify(v);
}

export function encodeStateField(key: unknown, streamId: number): string {
  return toJson(key, () => `State key ${formatValue(key)} of stream ${streamId}`);
}

export function encodeStateValue(key: unknown, value: unknown, time: number, streamId: number): string {
  return toJson([value, time], () => `State of stream ${streamId} for key ${formatValue(key)}`);
}

export function decodeState(field: string, value: string): [unknown, unknown, number] {
  const [state, time] = JSON.parse(value) as [unknown, number];
  return [JSON.parse(field) as unknown, state, time];
}

/** Text of a sink's field/member/key suffix: strings as they are, numbers and booleans as text, others as JSON. */
export function sinkText(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      return toJson(v, () => `Sink value ${formatValue(v)}`);
  }
}

/** The first id after a stream entry id "ms-seq" (XTRIM MINID bound that drops it). */
export function nextStreamId(id: string): string {
  const dash = id.indexOf('-');
  const ms = id.slice(0, dash);
  const seq = BigInt(id.slice(dash + 1));
  if (seq === 0xffffffffffffffffn) return `${BigInt(ms) + 1n}-0`;
  return `${ms}-${seq + 1n}`;
}

/** Compares stream entry ids "ms-seq". */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-');
  const [bm, bs] = b.split('-');
  const d = BigInt(am) - BigInt(bm);
  if (d !== 0n) return d < 0n ? -1 : 1;
  const e = BigInt(as ?? '0') - BigInt(bs ?? '0');
  return e === 0n ? 0 : e < 0n ? -1 : 1;
}
