// Why: what every stream command shares: the typed key lookup, the RESP form of an entry
// ([id, [field, value, ...]]) and of a range (streamReplyWithRange without a group), and the
// blocking/notification helpers — kept apart so the command files stay small.
import type { Client } from '../server/client.js';
import { lookupTyped } from './collection.js';
import { F_DELETED, type StreamNode, type StreamObject } from './stream-struct.js';
import { fmtId, type SID } from './stream-id.js';

export function lookupStream(c: Client, key: string, write: boolean): StreamObject | undefined {
  return lookupTyped<StreamObject>(c, key, 'stream', write);
}

export function bulkStr(s: string): string {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

/** One entry: *2 <id> *2n <field> <value>... */
export function entryReply(node: StreamNode, i: number): string {
  const kv = node.kv[i];
  let s = '*2\r\n' + bulkStr(fmtId(node.ms[i], node.seq[i])) + '*' + kv.length + '\r\n';
  for (let j = 0; j < kv.length; j++) s += '$' + kv[j].length + '\r\n' + kv[j] + '\r\n';
  return s;
}

/** The entry with exactly this ID (live), as a reply, or null. */
export function entryById(s: StreamObject, id: SID): string | null {
  const at = s.find(id.ms, id.seq);
  if (at === null) return null;
  const node = s.nodes[at[0]];
  return node.flags[at[1]] & F_DELETED ? null : entryReply(node, at[1]);
}

/** streamReplyWithRange without a group: an array of up to `count` entries (0 = all). */
export function rangeReply(s: StreamObject, start: SID, end: SID, count: number, rev: boolean): string {
  let out = '';
  let n = 0;
  const visit = (node: StreamNode, i: number): boolean => {
    out += entryReply(node, i);
    n++;
    return count === 0 || n < count;
  };
  if (rev) s.backward(start.ms, start.seq, end.ms, end.seq, visit);
  else s.forward(start.ms, start.seq, end.ms, end.seq, visit);
  return '*' + n + '\r\n' + out;
}

/** Blocking commands never block inside MULTI/EXEC (Redis's CLIENT_DENY_BLOCKING). */
export function cannotBlock(c: Client): boolean {
  return c.multi !== null || c.server.inExec;
}

export function notifyStream(c: Client, event: string, key: string): void {
  c.server.notify('t', event, key, c.db.id);
}
