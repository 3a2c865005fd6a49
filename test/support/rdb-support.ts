// Why: helpers shared by the RDB tests: commands with parsed replies, INFO fields, and a canonical
// description of a whole dataset (type, contents, absolute expiry, encoding; streams through XINFO
// STREAM FULL) so that two servers, or one server before and after a reload, compare key by key.
import { spawnSync } from 'node:child_process';
import { RawClient } from './raw-client.js';
import { startEddy, startRedis, type ServerHandle } from './servers.js';
import { parseReply, RespError, type RVal } from './resp-values.js';
import type { Rng } from './diff.js';
import { cmd as ok, pipeline } from './dataset.js';

export { ok, pipeline };

/** The servers and connections a test file starts; stopAll() (in afterAll) ends them all. */
export class Fleet {
  private servers: ServerHandle[] = [];
  private clients: RawClient[] = [];

  eddy = async (args: string[] = [], dir?: string): Promise<ServerHandle> => {
    const s = await startEddy(args, dir ? { dir } : {});
    this.servers.push(s);
    return s;
  };

  redis = async (args: string[] = []): Promise<ServerHandle> => {
    const s = await startRedis(args);
    this.servers.push(s);
    return s;
  };

  connect = async (s: ServerHandle): Promise<RawClient> => {
    const c = await RawClient.connect(s.port);
    this.clients.push(c);
    return c;
  };

  async stopAll(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}

export async function call(c: RawClient, ...argv: string[]): Promise<RVal> {
  return parseReply(await c.call(...argv));
}

export async function run(c: RawClient, cmds: string[][]): Promise<void> {
  const r = await pipeline(c, cmds);
  r.forEach((v, i) => {
    if (v instanceof RespError) throw new Error(`${JSON.stringify(cmds[i]).slice(0, 120)}: ${v.message}`);
  });
}

export function info(v: RVal, field: string): string {
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(String(v));
  if (!m) throw new Error(`no ${field} in INFO`);
  return m[1].trim();
}

export function bin(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.int(0, 255));
  return s;
}

/** A canonical description of every key: type, contents, absolute expiry, encoding. */
export async function describeDataset(c: RawClient, withEncoding = true): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let db = 0; db < 16; db++) {
    await ok(c, 'SELECT', String(db));
    const keys = ((await ok(c, 'KEYS', '*')) as string[]).sort();
    if (keys.length === 0) continue;
    const types = (await pipeline(
      c,
      keys.map((k) => ['TYPE', k]),
    )) as string[];
    const reads: string[][] = [];
    keys.forEach((k, i) => {
      const t = types[i];
      if (t === 'string') reads.push(['GET', k]);
      else if (t === 'list') reads.push(['LRANGE', k, '0', '-1']);
      else if (t === 'set') reads.push(['SMEMBERS', k]);
      else if (t === 'zset') reads.push(['ZRANGE', k, '0', '-1', 'WITHSCORES']);
      else if (t === 'hash') reads.push(['HGETALL', k]);
      else if (t === 'stream') reads.push(['XINFO', 'STREAM', k, 'FULL']);
      else reads.push(['TYPE', k]);
      reads.push(['PEXPIRETIME', k]);
      reads.push(withEncoding ? ['OBJECT', 'ENCODING', k] : ['TYPE', k]);
    });
    const vals = await pipeline(c, reads);
    keys.forEach((k, i) => {
      const t = types[i];
      let v = vals[i * 3];
      if (t === 'set') v = (v as string[]).slice().sort();
      if (t === 'hash') {
        const a = v as string[];
        const ps: string[] = [];
        for (let j = 0; j < a.length; j += 2) ps.push(JSON.stringify([a[j], a[j + 1]]));
        v = ps.sort();
      }
      out.set(`${db}/${k}`, JSON.stringify([t, v, vals[i * 3 + 1], vals[i * 3 + 2]]));
    });
  }
  await ok(c, 'SELECT', '0');
  return out;
}

export function diffDescriptions(a: Map<string, string>, b: Map<string, string>, names: [string, string]): string[] {
  const lines: string[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined) lines.push(`${k} only in ${names[0]}`);
    else if (w !== v) lines.push(`${k} differs:\n  ${names[0]}: ${v.slice(0, 400)}\n  ${names[1]}: ${w.slice(0, 400)}`);
  }
  for (const k of b.keys()) if (!a.has(k)) lines.push(`${k} only in ${names[1]}`);
  return lines.slice(0, 10);
}

export function checkRdb(file: string): { ok: boolean; out: string } {
  const r = spawnSync('redis-check-rdb', [file], { encoding: 'latin1' });
  if (r.error) return { ok: true, out: `redis-check-rdb not available: ${r.error.message}` };
  return { ok: r.status === 0 && /RDB looks OK/.test(r.stdout), out: r.stdout + r.stderr };
}

export const HAS_CHECK_RDB = spawnSync('redis-check-rdb', ['--version']).error === undefined;

