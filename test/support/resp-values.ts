// Why: structural checks (random members, SCAN batches) need a reply's contents rather than its
// bytes: this parses one raw RESP2/RESP3 reply into plain JS values.
import type { Reply } from './raw-client.js';

export class RespError {
  constructor(readonly message: string) {}
}

/** Aggregates become arrays (maps flattened key, value, ...); bulks strings; nulls null. */
export type RVal = string | number | boolean | null | RespError | RVal[];

export function parseReply(r: Reply): RVal {
  const [v, end] = parseAt(r, 0);
  if (end !== r.length) throw new Error(`trailing bytes after reply: ${JSON.stringify(r.slice(end, end + 50))}`);
  return v;
}

function parseAt(r: string, p: number): [RVal, number] {
  const t = r[p];
  const nl = r.indexOf('\r\n', p);
  const line = r.slice(p + 1, nl);
  const next = nl + 2;
  switch (t) {
    case '+':
    case ',':
      return [line, next];
    case '-':
      return [new RespError(line), next];
    case ':':
      return [Number(line), next];
    case '#':
      return [line === 't', next];
    case '_':
      return [null, next];
    case '$':
    case '=': {
      const n = Number(line);
      if (n < 0) return [null, next];
      return [r.slice(next, next + n), next + n + 2];
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      let n = Number(line);
      if (n < 0) return [null, next];
      if (t === '%') n *= 2;
      const out: RVal[] = [];
      let q = next;
      for (let i = 0; i < n; i++) {
        const [v, e] = parseAt(r, q);
        out.push(v);
        q = e;
      }
      return [out, q];
    }
  }
  throw new Error(`bad reply type ${JSON.stringify(t)} in ${JSON.stringify(r.slice(0, 100))}`);
}

/** The strings of a flat array reply (throws on anything else). */
export function strings(r: Reply): string[] {
  const v = parseReply(r);
  if (!Array.isArray(v)) throw new Error(`not an array: ${JSON.stringify(r.slice(0, 200))}`);
  return v.map((x) => {
    if (typeof x !== 'string') throw new Error(`not a string element: ${JSON.stringify(x)}`);
    return x;
  });
}
