// Why: replication tests watch servers converge rather than compare single replies: INFO fields,
// "wait until the replica processed everything the master produced", big workloads sent in
// pipelined chunks, and stopping/continuing processes by pid (SIGSTOP / SIGCONT).
import { expect } from 'vitest';
import { RawClient } from './raw-client.js';
import { parseReply, RespError } from './resp-values.js';
import { diffDatasets, dumpDataset, pipeline } from './dataset.js';
import { startEddy, startRedis, type ServerHandle } from './servers.js';

/** The servers and connections one test file starts; stopAll() (in afterAll) ends them all, by pid. */
export class ReplFleet {
  private readonly servers: ServerHandle[] = [];
  private readonly clients: RawClient[] = [];

  /** `eddyDefaults` go before each eddy's own arguments (e.g. no diskless-sync delay). */
  constructor(private readonly eddyDefaults: string[] = []) {}

  /** `opts.dir`: start in that directory (a restart from the files a stopped server left). */
  eddy = async (args: string[] = [], opts: { dir?: string } = {}): Promise<ServerHandle> =>
    this.track(await startEddy([...this.eddyDefaults, ...args], opts));
  redis = async (args: string[] = []): Promise<ServerHandle> => this.track(await startRedis(args));

  connect = async (s: ServerHandle): Promise<RawClient> => {
    const c = await RawClient.connect(s.port);
    this.clients.push(c);
    return c;
  };

  private track(s: ServerHandle): ServerHandle {
    this.servers.push(s);
    return s;
  }

  async stopAll(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}

/** redis-server style arguments making a server a replica of `s`. */
export const replicaOf = (s: ServerHandle): string[] => ['--replicaof', '127.0.0.1', String(s.port)];

/** One INFO section as a map. */
export async function info(c: RawClient, section = 'replication'): Promise<Map<string, string>> {
  const v = parseReply(await c.call('INFO', section));
  const m = new Map<string, string>();
  for (const line of String(v).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

export async function infoNum(c: RawClient, field: string, section = 'replication'): Promise<number> {
  return Number((await info(c, section)).get(field));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `cond` until it holds; throws with `what` (and the last detail) after timeoutMs. */
export async function until(what: string, cond: () => Promise<boolean | string>, timeoutMs = 20000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: boolean | string = false;
  while (Date.now() < deadline) {
    try {
      last = await cond();
      if (last === true) return;
    } catch (e) {
      last = String(e);
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${typeof last === 'string' ? `: ${last}` : ''}`);
}

/** The replica's link is up and it processed every byte the master produced so far. */
export async function waitSynced(master: RawClient, replica: RawClient, timeoutMs = 30000): Promise<void> {
  await until(
    'replica caught up',
    async () => {
      const m = await info(master);
      const r = await info(replica);
      if (r.get('master_link_status') !== 'up') return `link ${r.get('master_link_status')}`;
      return r.get('slave_repl_offset') === m.get('master_repl_offset') ? true : `replica ${r.get('slave_repl_offset')} master ${m.get('master_repl_offset')}`;
    },
    timeoutMs,
  );
}

/** Send a big workload in pipelined chunks (one reply buffer per chunk); fails on any error reply. */
export async function applyChunked(c: RawClient, cmds: string[][], chunk = 4000): Promise<void> {
  for (let i = 0; i < cmds.length; i += chunk) {
    const part = cmds.slice(i, i + chunk);
    const replies = await pipeline(c, part);
    replies.forEach((r, j) => {
      if (r instanceof RespError) throw new Error(`${JSON.stringify(part[j])}: ${r.message}`);
    });
  }
  await c.call('SELECT', '0');
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * The whole dataset, key by key. A stream group's entries-read is masked: Redis 7.0 itself does not
 * replicate it (XCLAIM / XGROUP SETID carry no counter, a Redis replica of Redis shows nil).
 */
export async function replicatedDump(c: RawClient): Promise<Map<string, string>> {
  const d = await dumpDataset(c);
  for (const [k, v] of d) d.set(k, v.replace(/"entries-read",(null|\d+)/g, '"entries-read","?"'));
  return d;
}

export async function expectSameData(master: RawClient, replica: RawClient, min = 50): Promise<void> {
  const a = await replicatedDump(master);
  const b = await replicatedDump(replica);
  expect(diffDatasets(a, b, ['master', 'replica'])).toBe('');
  expect(a.size).toBeGreaterThan(min);
}
