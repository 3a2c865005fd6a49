// Why: differential helpers for the collection types (hash, set, zset): replies whose order Redis
// leaves to its hashtable need the reference's encoding to decide between an exact and an
// unordered comparison; random-member commands need structural checks and, when they mutate,
// re-synchronising eddy's key from the reference; SCAN cursors differ by design.
import type { DiffPair } from './diff.js';
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

/** Pair up a flat [k1, v1, k2, v2...] list. */
export function toPairs(xs: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < xs.length; i += 2) m.set(xs[i], xs[i + 1]);
  return m;
}

export function sorted(xs: Iterable<string>): string[] {
  return [...xs].sort();
}

export { parseReply, RespError, strings };
