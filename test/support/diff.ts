// Why: the differential harness. The same commands go to eddy-server and the reference
// redis-server 7.0.15 over raw sockets and the raw RESP replies must be byte-identical. The only
// normalisations are explicit: `unordered` sorts the elements of a reply whose order Redis leaves
// undefined (SMEMBERS, KEYS, HGETALL...), and `ignore` skips replies that must differ (run_id...).
import { RawClient, replyEnd, type Reply } from './raw-client.js';
import { startEddy, startRedis, type ServerHandle } from './servers.js';

/** Split an aggregate reply into [header, elements[]]; null for non-aggregates. */
export function splitAggregate(r: Reply): [string, string[]] | null {
  const t = r[0];
  if (!'*~%>'.includes(t)) return null;
  const nl = r.indexOf('\r\n');
  const n = Number(r.slice(1, nl));
  if (n < 0) return null;
  const items: string[] = [];
  let p = nl + 2;
  const count = t === '%' ? n * 2 : n;
  for (let i = 0; i < count; i++) {
    const e = replyEnd(r, p);
    items.push(r.slice(p, e));
    p = e;
  }
  return [r.slice(0, nl + 2), items];
}

/** Sort an unordered aggregate (maps: sort by pairs; `pairs` treats a flat RESP2 array as pairs). */
export function sortReply(r: Reply, pairs = false): Reply {
  const s = splitAggregate(r);
  if (!s) return r;
  const [head, items] = s;
  if (r[0] === '%' || pairs) {
    const ps: string[] = [];
    for (let i = 0; i < items.length; i += 2) ps.push(items[i] + items[i + 1]);
    return head + ps.sort().join('');
  }
  return head + [...items].sort().join('');
}

export function show(r: Reply): string {
  return JSON.stringify(r.length > 400 ? r.slice(0, 400) + '…' : r);
}

export interface RunOpts {
  /** sort the reply's elements before comparing */
  unordered?: boolean;
  /** the reply is a map-like flat array in RESP2: sort it as pairs */
  pairs?: boolean;
  /** do not compare (the command must still succeed on both) */
  ignore?: boolean;
}

export class DiffPair {
  log: string[] = [];
  constructor(
    readonly eddy: RawClient,
    readonly redis: RawClient,
  ) {}

  /** Send argv to both; throw with the history if the replies differ. */
  async run(argv: string[], opts: RunOpts = {}): Promise<Reply> {
    this.eddy.send(...argv);
    this.redis.send(...argv);
    const [e, r] = await Promise.all([this.eddy.read(), this.redis.read()]);
    this.log.push(argv.map((a) => JSON.stringify(a)).join(' '));
    if (this.log.length > 30) this.log.shift();
    if (opts.ignore) return e;
    const ne = opts.unordered || opts.pairs ? sortReply(e, opts.pairs) : e;
    const nr = opts.unordered || opts.pairs ? sortReply(r, opts.pairs) : r;
    if (ne !== nr) {
      throw new Error(
        `reply mismatch for ${JSON.stringify(argv)}\n  eddy : ${show(e)}\n  redis: ${show(r)}\nrecent commands:\n  ${this.log.join('\n  ')}`,
      );
    }
    return e;
  }

  /** Read the next message (e.g. a push) on both and compare. */
  async readBoth(what: string): Promise<Reply> {
    const [e, r] = await Promise.all([this.eddy.read(), this.redis.read()]);
    if (e !== r) throw new Error(`message mismatch (${what})\n  eddy : ${show(e)}\n  redis: ${show(r)}`);
    return e;
  }

  close(): void {
    this.eddy.close();
    this.redis.close();
  }
}

export class Differential {
  private pairs: DiffPair[] = [];
  private constructor(
    readonly eddyServer: ServerHandle,
    readonly redisServer: ServerHandle,
  ) {}

  static async start(eddyArgs: string[] = [], redisArgs: string[] = []): Promise<Differential> {
    const [e, r] = await Promise.allSettled([startEddy(eddyArgs), startRedis(redisArgs)]);
    if (e.status === 'rejected' || r.status === 'rejected') {
      // Never leave the other server running when one of them failed to start.
      if (e.status === 'fulfilled') await e.value.stop();
      if (r.status === 'fulfilled') await r.value.stop();
      throw e.status === 'rejected' ? e.reason : (r as PromiseRejectedResult).reason;
    }
    return new Differential(e.value, r.value);
  }

  async connect(resp: 2 | 3 = 2): Promise<DiffPair> {
    const p = new DiffPair(await RawClient.connect(this.eddyServer.port), await RawClient.connect(this.redisServer.port));
    this.pairs.push(p);
    if (resp === 3) {
      // HELLO replies differ in id: compare everything but that.
      await p.run(['HELLO', '3'], { ignore: true });
    }
    return p;
  }

  async stop(): Promise<void> {
    for (const p of this.pairs) p.close();
    await Promise.all([this.eddyServer.stop(), this.redisServer.stop()]);
  }
}

/** Deterministic PRNG (mulberry32) so a failing random sequence can be replayed from its seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
}

/** Seeds for random tests: EDDY_SEED=<n> replays one; otherwise a fixed list (CI is deterministic). */
export function seeds(defaults: number[]): number[] {
  const env = process.env.EDDY_SEED;
  return env ? [Number(env)] : defaults;
}
