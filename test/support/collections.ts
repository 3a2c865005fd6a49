// Why: differential helpers for the collection types (hash, set, zset): replies whose order Redis
// leaves to its hashtable need the reference's encoding to decide between an exact and an
// unordered comparison; random-member commands need structural checks and, when they mutate,
// re-synchronising eddy's key from the reference; SCAN cursors differ by design.
import type { DiffPair, Differential } from './diff.js';
import { show } from './diff.js';
import type { RawClient, Reply } from './raw-client.js';
import { parseReply, RespError, strings, type RVal } from './resp-values.js';

/** Send argv to both servers and return [eddy, redis] replies without comparing them. */
export async function both(p: DiffPair, argv: string[]): Promise<[Reply, Reply]> {
  p.eddy.send(...argv);
  p.redis.send(...argv);
  const [e, r] = await Promise.all([p.eddy.read(), p.redis.read()]);
  p.log.push(argv.map((a) => JSON.stringify(a)).join(' ') + '   (structural)');
  if (p.log.length > 30) p.log.shift();
  return [e, r];
}

/** Does eddy implement this command yet (other modules land in parallel)? */
export async function eddyHas(p: DiffPair, argv: string[]): Promise<boolean> {
  const r = await p.eddy.call(...argv);
  return !r.startsWith('-ERR unknown command') && !r.startsWith('-ERR unknown subcommand');
}

/** OBJECT ENCODING on one server (null for a missing key). */
export async function encodingOf(c: RawClient, key: string): Promise<string | null> {
  const v = parseReply(await c.call('OBJECT', 'ENCODING', key));
  return typeof v === 'string' ? v : null;
}

/** A failure with the pair's recent history. */
export function mismatch(p: DiffPair, what: string, e: Reply, r: Reply): Error {
  return new Error(`${what}\n  eddy : ${show(e)}\n  redis: ${show(r)}\nrecent commands:\n  ${p.log.join('\n  ')}`);
}

/** Iterate a key-level SCAN (HSCAN/SSCAN/ZSCAN) to the end on one server; returns all elements. */
export async function scanKeyAll(c: RawClient, cmd: string, key: string, opts: string[] = []): Promise<string[]> {
  let cursor = '0';
  const out: string[] = [];
  let calls = 0;
  do {
    const v = parseReply(await c.call(cmd, key, cursor, ...opts));
    if (!Array.isArray(v) || v.length !== 2) throw new Error(`bad ${cmd} reply: ${JSON.stringify(v)}`);
    cursor = v[0] as string;
    for (const x of v[1] as RVal[]) out.push(x as string);
    if (++calls > 100000) throw new Error(`${cmd} does not terminate`);
  } while (cursor !== '0');
  return out;
}

/**
 * A key-level SCAN: collections Redis keeps in a compact encoding (listpack, intset) reply
 * everything at once and are compared exactly; hashtables are compared by full iteration (cursors
 * differ by design), as sets of members or of member/value pairs.
 */
export async function compareScan(p: DiffPair, cmd: string, key: string, opts: string[], pairs: boolean): Promise<void> {
  const enc = await encodingOf(p.redis, key);
  if (enc !== 'hashtable' && enc !== 'skiplist') {
    await p.run([cmd, key, '0', ...opts]);
    return;
  }
  const norm = (xs: string[]): string[] => {
    const out = new Set<string>();
    for (let i = 0; i < xs.length; i += pairs ? 2 : 1) out.add(pairs ? xs[i] + '\u0000' + xs[i + 1] : xs[i]);
    return sorted(out);
  };
  const e = norm(await scanKeyAll(p.eddy, cmd, key, opts));
  const r = norm(await scanKeyAll(p.redis, cmd, key, opts));
  if (e.join('\n') !== r.join('\n')) {
    throw new Error(`${cmd} ${key} ${opts.join(' ')} collected different elements\n  eddy : ${JSON.stringify(e)}\n  redis: ${JSON.stringify(r)}`);
  }
}

/**
 * Run a targeted script: ['ENC', key] compares OBJECT ENCODING (when eddy has it), ['~', ...argv]
 * compares unordered, `custom` handles other step names (structural checks), the rest is exact.
 */
export async function runSteps(
  p: DiffPair,
  steps: string[][],
  hasEncoding: boolean,
  custom: Record<string, (args: string[]) => Promise<void>> = {},
): Promise<void> {
  for (const step of steps) {
    const f = custom[step[0]];
    if (f) await f(step.slice(1));
    else if (step[0] === 'ENC') {
      if (hasEncoding) await p.run(['OBJECT', 'ENCODING', step[1]]);
    } else if (step[0] === '~') await p.run(step.slice(1), { unordered: true });
    else await p.run(step);
  }
}

/** Pair up a flat [k1, v1, k2, v2...] list. */
export function toPairs(xs: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < xs.length; i += 2) m.set(xs[i], xs[i + 1]);
  return m;
}

export function sorted(xs: Iterable<string>): string[] {
  return [...xs].sort();
}

/** Push messages read by a subscriber until the 'marker' channel's message. */
async function untilMarker(c: RawClient): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const v = parseReply(await c.read());
    if (Array.isArray(v) && v[0] === 'message' && v[1] === 'marker') return out;
    out.push(JSON.stringify(v));
  }
}

/**
 * Keyspace notifications (notify-keyspace-events KEAnm) must match redis event for event: `exec`
 * runs each step on p (default: an exact p.run), then a PUBLISH to 'marker' closes the step's
 * batch on a subscriber connection of each server.
 */
export async function compareKeyspaceEvents(
  d: Differential,
  p: DiffPair,
  script: string[][],
  exec: (argv: string[]) => Promise<unknown> = (argv) => p.run(argv),
): Promise<void> {
  const sub = await d.connect(2);
  await p.run(['CONFIG', 'SET', 'notify-keyspace-events', 'KEAnm']);
  await sub.run(['PSUBSCRIBE', '__key*__:*']);
  await sub.run(['SUBSCRIBE', 'marker']);
  try {
    for (const argv of script) {
      await exec(argv);
      await p.run(['PUBLISH', 'marker', 'x']);
      const [e, r] = await Promise.all([untilMarker(sub.eddy), untilMarker(sub.redis)]);
      if (JSON.stringify(e) !== JSON.stringify(r)) {
        throw new Error(`events after ${JSON.stringify(argv)}
  eddy : ${JSON.stringify(e)}
  redis: ${JSON.stringify(r)}`);
      }
    }
  } finally {
    await p.run(['CONFIG', 'SET', 'notify-keyspace-events', '']);
  }
}

/**
 * SCAN's guarantee on one server: `fill` creates the collection (1500 stable + 500 volatile
 * members), then between scan calls some volatile members go (`del`) and new ones come (`add`);
 * every stable member must be returned. `pairs`: replies alternate member and value.
 */
export async function checkScanGuarantee(
  c: RawClient,
  scan: string,
  key: string,
  ops: { add: (ms: string[]) => string[]; del: (ms: string[]) => string[]; pairs: boolean },
): Promise<void> {
  await c.call('DEL', key);
  const stable = Array.from({ length: 1500 }, (_, i) => 'm' + i);
  const vol = Array.from({ length: 500 }, (_, i) => 'v' + i);
  await c.call(...ops.add([...stable, ...vol]));
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  do {
    const v = parseReply(await c.call(scan, key, cursor, 'COUNT', '7')) as [string, string[]];
    cursor = v[0];
    for (let i = 0; i < v[1].length; i += ops.pairs ? 2 : 1) seen.add(v[1][i]);
    if (calls < vol.length / 5) await c.call(...ops.del(vol.slice(calls * 5, calls * 5 + 5)));
    await c.call(...ops.add(['n' + calls]));
    calls++;
  } while (cursor !== '0' && calls < 100000);
  const missing = stable.filter((m) => !seen.has(m));
  if (cursor !== '0' || missing.length || calls >= 2000) {
    throw new Error(`${scan} guarantee: cursor ${cursor}, ${calls} calls, missing ${missing.slice(0, 10).join(',')}`);
  }
  await c.call('DEL', key);
}

export { parseReply, RespError, strings };
