// Why: key equality, hashing and text form shared by shuffles, state stores and outputs. Spark
// compares keys with equals(); JS Maps compare objects by identity, so tuple/object keys are
// mapped to a canonical string while primitive keys (the common case) are used as they are.

/** JSON-safe value: what state, offsets and checkpoint records must consist of. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

// A prefix no latin1/UTF-8 text key starts with in practice (a lone surrogate pair marker).
const OBJ_PREFIX = '\uDBFF\uDFFF#';

function canonical(v: unknown): string {
  if (v === undefined) return 'u';
  if (v === null) return 'n';
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return Object.is(v, -0) ? '0' : String(v);
    case 'bigint': return `${v}n`;
    case 'boolean': return v ? 't' : 'f';
    default: break;
  }
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof Date) return `D${v.getTime()}`;
  if (v instanceof Map) return `M{${[...v.entries()].map(([a, b]) => `${canonical(a)}:${canonical(b)}`).sort().join(',')}}`;
  if (v instanceof Set) return `S{${[...v].map(canonical).sort().join(',')}}`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}

/** The value a JS Map should be keyed by so that structurally equal keys collide. */
export function mapKey(k: unknown): unknown {
  return typeof k === 'object' && k !== null ? OBJ_PREFIX + canonical(k) : k;
}

/** Java's String.hashCode. */
export function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** A hashCode for a mapped key (see mapKey): Java's for strings, ints and booleans. */
export function hashMapped(mk: unknown): number {
  switch (typeof mk) {
    case 'string': return stringHash(mk);
    case 'number': return Number.isInteger(mk) && mk >= -0x80000000 && mk <= 0x7fffffff ? mk | 0 : stringHash(String(mk));
    case 'boolean': return mk ? 1231 : 1237;
    case 'bigint': return stringHash(String(mk));
    case 'undefined': return 0;
    default: return mk === null ? 0 : stringHash(String(mk));
  }
}

/** Spark's HashPartitioner.getPartition on a mapped key. */
export function partitionOfMapped(mk: unknown, numPartitions: number): number {
  if (numPartitions === 1) return 0;
  const h = hashMapped(mk) % numPartitions;
  return h < 0 ? h + numPartitions : h;
}

export function partitionOf(key: unknown, numPartitions: number): number {
  return partitionOfMapped(mapKey(key), numPartitions);
}

/**
 * Text form of an element for print() and saveAsTextFiles(): strings as they are, arrays (tuples)
 * in Scala's tuple style "(word,3)", Maps as "Map(k -> v)", other objects as JSON.
 */
export function formatValue(v: unknown): string {
  switch (typeof v) {
    case 'string': return v;
    case 'number': case 'boolean': case 'bigint': case 'undefined': return String(v);
    case 'function': return '<function>';
    case 'symbol': return v.toString();
    default: break;
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `(${v.map(formatValue).join(',')})`;
  if (v instanceof Map) return `Map(${[...v.entries()].map(([a, b]) => `${formatValue(a)} -> ${formatValue(b)}`).join(', ')})`;
  if (v instanceof Set) return `Set(${[...v].map(formatValue).join(', ')})`;
  if (v instanceof Date) return v.toISOString();
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== Object.prototype && proto !== null && typeof (v as { toString?: unknown }).toString === 'function' && (v as { toString: () => string }).toString !== Object.prototype.toString) {
    return (v as { toString: () => string }).toString();
  }
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));
}

/**
 * Where `v` stops being JSON-safe (what checkpointed keys, states and offsets must be), e.g.
 * "[1].x: a Map", or undefined if it is JSON-safe.
 */
export function jsonUnsafePath(v: unknown, path = ''): string | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${path || 'value'}: ${v} is not a finite number`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = jsonUnsafePath(v[i], `${path}[${i}]`);
      if (r) return r;
    }
    return undefined;
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v) as object | null;
    if (proto !== Object.prototype && proto !== null) return `${path || 'value'}: a ${(v as object).constructor?.name ?? 'class instance'}`;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const r = jsonUnsafePath(x, path ? `${path}.${k}` : k);
      if (r) return r;
    }
    return undefined;
  }
  return `${path || 'value'}: ${typeof v}`;
}

/** Deterministic total order used by tests and sortBy fallbacks: by canonical form. */
export function canonicalString(v: unknown): string {
  return canonical(v);
}
