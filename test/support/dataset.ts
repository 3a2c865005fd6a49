// Why: persistence tests (AOF, RDB, crash safety) need a reproducible mixed workload over several
// DBs and every type, and a canonical dump of a server's whole dataset read back through commands,
// so two servers (eddy and redis-server, or before/after a restart) can be compared key by key.
import { RawClient } from './raw-client.js';
import { parseReply, RespError, type RVal } from './resp-values.js';
import type { Rng } from './diff.js';

/** Send many commands pipelined and return the parsed replies. */
export async function pipeline(c: RawClient, cmds: string[][]): Promise<RVal[]> {
  for (const argv of cmds) c.send(...argv);
  const out: RVal[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(parseReply(await c.read(15000)));
  return out;
}

/** One command; throws on an error reply. */
export async function cmd(c: RawClient, ...argv: string[]): Promise<RVal> {
  const v = parseReply(await c.call(...argv));
  if (v instanceof RespError) throw new Error(`${argv.join(' ')}: ${v.message}`);
  return v;
}

function binaryString(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.int(0, 255));
  return s;
}

/**
 * A random write workload: strings (incl. binary, counters, floats), lists, sets (intset and
 * hashtable), sorted sets, hashes, streams (when `streams`), expiries, deletions, MULTI/EXEC, and
 * SELECTs among 4 DBs. Every command is valid, so replies are never errors.
 */
export function workload(rng: Rng, n: number, opts: { streams?: boolean } = {}): string[][] {
  const cmds: string[][] = [];
  const key = (t: string) => `${t}:${rng.int(0, 15)}`;
  const val = () => (rng.bool(0.2) ? binaryString(rng, rng.int(0, 40)) : rng.bool(0.3) ? String(rng.int(-1000, 100000)) : `v${rng.int(0, 999)}`);
  const future = () => String(Date.now() + rng.int(100000, 10000000));
  for (let i = 0; i < n; i++) {
    const r = rng.int(0, 24);
    switch (r) {
      case 0:
        cmds.push(['SELECT', String(rng.int(0, 3))]);
        break;
      case 1:
        cmds.push(['SET', key('s'), val()]);
        break;
      case 2:
        cmds.push(['APPEND', key('s'), val()]);
        break;
      case 3:
        cmds.push(['INCRBY', key('n'), String(rng.int(-50, 50))]);
        break;
      case 4:
        cmds.push(['INCRBYFLOAT', key('f'), (rng.next() * 100 - 50).toFixed(rng.int(0, 6))]);
        break;
      case 5:
        cmds.push(['RPUSH', key('l'), val(), val(), val()]);
        break;
      case 6:
        cmds.push(['LPUSH', key('l'), val()]);
        break;
      case 7:
        cmds.push(['RPOP', key('l')]);
        break;
      case 8:
        cmds.push(['SADD', key('set'), String(rng.int(0, 300)), String(rng.int(0, 300))]);
        break;
      case 9:
        cmds.push(['SADD', key('set'), val()]);
        break;
      case 10:
        cmds.push(['SREM', key('set'), String(rng.int(0, 300))]);
        break;
      case 11:
        cmds.push(['ZADD', key('z'), String(rng.int(-100, 100) / 4), val()]);
        break;
      case 12:
        cmds.push(['ZINCRBY', key('z'), String(rng.next() * 10), `m${rng.int(0, 20)}`]);
        break;
      case 13:
        cmds.push(['HSET', key('h'), `f${rng.int(0, 30)}`, val()]);
        break;
      case 14:
        cmds.push(['HINCRBYFLOAT', key('h'), `c${rng.int(0, 3)}`, '1.5']);
        break;
      case 15:
        cmds.push(['HDEL', key('h'), `f${rng.int(0, 30)}`]);
        break;
      case 16:
        cmds.push(['PEXPIREAT', key(rng.pick(['s', 'l', 'h', 'z'])), future()]);
        break;
      case 17:
        cmds.push(['EXPIRE', key(rng.pick(['set', 'n'])), String(rng.int(1000, 100000))]);
        break;
      case 18:
        cmds.push(['DEL', key(rng.pick(['s', 'l', 'set', 'z', 'h']))]);
        break;
      case 19: {
        const k = key('s');
        cmds.push(['MULTI'], ['SET', k, val()], ['INCR', key('n')], ['RPUSH', key('l'), val()], ['EXEC']);
        break;
      }
      case 20:
        cmds.push(['SET', key('s'), val(), 'PX', String(rng.int(1000000, 9000000))]);
        break;
      case 21:
        cmds.push(['PERSIST', key(rng.pick(['s', 'l', 'h', 'z', 'set', 'n']))]);
        break;
      case 22:
        if (opts.streams) cmds.push(['XADD', key('x'), '*', 'f', val(), 'g', String(i)]);
        else cmds.push(['SETRANGE', key('s'), String(rng.int(0, 20)), val()]);
        break;
      case 23:
        if (opts.streams && rng.bool(0.3)) {
          // a consumer group with a pending entry and an idle consumer, on a fresh key
          const k = `xg:${rng.int(0, 1e9)}`;
          cmds.push(
            ['XGROUP', 'CREATE', k, 'g', '0', 'MKSTREAM'],
            ['XADD', k, '*', 'a', val()],
            ['XADD', k, '*', 'b', val()],
            ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', k, '>'],
            ['XGROUP', 'CREATECONSUMER', k, 'g', 'bob'],
          );
          break;
        }
      // falls through
      default:
        if (opts.streams && rng.bool(0.3)) cmds.push(['XTRIM', key('x'), 'MAXLEN', String(rng.int(2, 10))]);
        else cmds.push(['LTRIM', key('l'), '0', String(rng.int(2, 10))]);
    }
  }
  return cmds;
}

/** Send a workload pipelined; throws if any reply is an error (the workload has none). */
export async function applyWorkload(c: RawClient, cmds: string[][]): Promise<void> {
  const replies = await pipeline(c, cmds);
  replies.forEach((r, i) => {
    if (r instanceof RespError) throw new Error(`${JSON.stringify(cmds[i])}: ${r.message}`);
  });
  await cmd(c, 'SELECT', '0');
}

function sortedPairs(v: RVal): string[] {
  const a = v as string[];
  const ps: string[] = [];
  for (let i = 0; i < a.length; i += 2) ps.push(JSON.stringify([a[i], a[i + 1]]));
  return ps.sort();
}

/** Every key of every DB with its type, contents and absolute expiry (and encoding): one canonical JSON per key. */
export async function dumpDataset(c: RawClient, dbs = 16, opts: { encodings?: boolean } = {}): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let db = 0; db < dbs; db++) {
    await cmd(c, 'SELECT', String(db));
    const keys = ((await cmd(c, 'KEYS', '*')) as string[]).sort();
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
      else if (t === 'stream') reads.push(['XRANGE', k, '-', '+']);
      else reads.push(['TYPE', k]);
      reads.push(['PEXPIRETIME', k]);
      if (opts.encodings) reads.push(['OBJECT', 'ENCODING', k]);
    });
    const vals = await pipeline(c, reads);
    const per = opts.encodings ? 3 : 2;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const t = types[i];
      let v = vals[i * per];
      if (t === 'set') v = (v as string[]).slice().sort();
      if (t === 'hash') v = sortedPairs(v);
      const extra: RVal[] = [];
      if (t === 'stream') {
        // groups: name, consumers, pending, last-delivered-id, entries-read, lag; PEL summaries
        const groups = (await cmd(c, 'XINFO', 'GROUPS', k)) as RVal[][];
        extra.push(groups);
        for (const g of groups) extra.push(await cmd(c, 'XPENDING', k, g[1] as string));
      }
      if (opts.encodings) extra.push(vals[i * per + 2]);
      out.set(JSON.stringify([db, k]), JSON.stringify([t, v, vals[i * per + 1], extra]));
    }
  }
  await cmd(c, 'SELECT', '0');
  return out;
}

/** A readable description of how two dumps differ (empty when equal). */
export function diffDatasets(a: Map<string, string>, b: Map<string, string>, names = ['a', 'b']): string {
  const lines: string[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined) lines.push(`${k} only in ${names[0]}: ${v.slice(0, 200)}`);
    else if (w !== v) lines.push(`${k} differs:\n  ${names[0]}: ${v.slice(0, 300)}\n  ${names[1]}: ${w.slice(0, 300)}`);
  }
  for (const [k, v] of b) if (!a.has(k)) lines.push(`${k} only in ${names[1]}: ${v.slice(0, 200)}`);
  return lines.slice(0, 20).join('\n') + (lines.length > 20 ? `\n... ${lines.length - 20} more` : '');
}
