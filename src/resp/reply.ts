// Why: the bytes of every RESP2/RESP3 reply type in one place. Replies are built as latin1 strings
// (one char per byte) and written to the socket once per batch, so a pipelined batch costs one write.

export const CRLF = '\r\n';
export const OK = '+OK\r\n';
export const NULL_BULK2 = '$-1\r\n';
export const NULL_ARRAY2 = '*-1\r\n';
export const NULL3 = '_\r\n';
export const EMPTY_ARRAY = '*0\r\n';

export function bulk(s: string): string {
  return '$' + s.length + CRLF + s + CRLF;
}

/** Format a double as Redis does for replies (%.17g, with inf/-inf/nan spelled out). */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  return fmtG17(d);
}

/** C's printf("%.17g"). */
export function fmtG17(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // Safe integers print exactly the same with %.17g and String(): the common case for scores.
  if (Number.isSafeInteger(d)) return String(d);
  let s = d.toPrecision(17);
  // toPrecision gives e.g. "1.0000000000000000e+21" or "123.45000000000000"
  let mant = s;
  let exp = '';
  const e = s.indexOf('e');
  if (e >= 0) {
    mant = s.slice(0, e);
    exp = s.slice(e + 1);
  }
  if (mant.indexOf('.') >= 0) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
  if (!exp) return mant;
  const x = Number(exp);
  return mant + 'e' + (x < 0 ? '-' : '+') + (Math.abs(x) < 10 ? '0' : '') + Math.abs(x);
}

/**
 * Replies captured from the reference server and stored as typed trees (COMMAND INFO/DOCS):
 * [type, value] with type one of + - : $ , # _ * ~ % >; aggregates hold child trees, maps flattened.
 */
export type Tree = [string, unknown];

export function encodeTree(t: Tree, resp: number): string {
  const [type, v] = t;
  switch (type) {
    case '+':
      return '+' + (v as string) + CRLF;
    case '-':
      return '-' + (v as string) + CRLF;
    case ':':
      return ':' + (v as number) + CRLF;
    case '$':
      if (v === null) return resp === 3 ? NULL3 : NULL_BULK2;
      return bulk(v as string);
    case ',':
      return resp === 3 ? ',' + (v as string) + CRLF : bulk(v as string);
    case '#':
      return resp === 3 ? '#' + (v as string) + CRLF : ':' + (v === 't' ? 1 : 0) + CRLF;
    case '_':
      return resp === 3 ? NULL3 : NULL_BULK2;
    case '*':
    case '~':
    case '%':
    case '>': {
      if (v === null) return resp === 3 ? NULL3 : NULL_ARRAY2;
      const items = v as Tree[];
      let head: string;
      if (resp === 3) head = type + (type === '%' ? items.length / 2 : items.length) + CRLF;
      else head = '*' + items.length + CRLF;
      let s = head;
      for (const it of items) s += encodeTree(it, resp);
      return s;
    }
  }
  throw new Error('bad tree type ' + type);
}
