// Why: SCAN cursors differ between servers by design, so differential SCAN tests compare the set
// of keys a complete iteration collects; these helpers run that iteration on one raw client.
import type { RawClient, Reply } from './raw-client.js';
import { splitAggregate } from './diff.js';

/** The payloads of an array of bulk strings. */
export function bulksOf(r: Reply): string[] {
  const s = splitAggregate(r);
  if (!s) throw new Error(`not an array: ${JSON.stringify(r.slice(0, 200))}`);
  return s[1].map((b) => {
    const nl = b.indexOf('\r\n');
    return b.slice(nl + 2, b.length - 2);
  });
}

/** One SCAN reply -> [cursor, keys]. */
export function parseScan(r: Reply): [string, string[]] {
  const s = splitAggregate(r);
  if (!s || s[1].length !== 2) throw new Error(`bad SCAN reply: ${JSON.stringify(r.slice(0, 200))}`);
  const cb = s[1][0];
  const cursor = cb.slice(cb.indexOf('\r\n') + 2, cb.length - 2);
  return [cursor, bulksOf(s[1][1])];
}

/**
 * SCAN from cursor 0 until the server says 0; `between` runs after every call (to mutate the
 * keyspace mid-iteration). Returns every key returned (with duplicates) and the number of calls.
 */
export async function scanAll(
  c: RawClient,
  opts: string[] = [],
  between?: (calls: number) => Promise<void>,
): Promise<{ keys: string[]; calls: number }> {
  let cursor = '0';
  const keys: string[] = [];
  let calls = 0;
  do {
    const [next, batch] = parseScan(await c.call('SCAN', cursor, ...opts));
    keys.push(...batch);
    cursor = next;
    calls++;
    if (calls > 1_000_000) throw new Error('SCAN does not terminate');
    if (between && cursor !== '0') await between(calls);
  } while (cursor !== '0');
  return { keys, calls };
}
