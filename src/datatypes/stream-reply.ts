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

/** One entry: *2 <id> *2n <field> <value>... as one flat string (no cons-string chains). */
export function entryReply(node: StreamNode, i: number): string {
  const cached = node.resp[i];
  if (cached !== undefined) return cached;
  const kv = node.kv[i];
  const id = fmtId(node.ms[i], node.seq[i]);
  const parts: string[] = ['*2\r\n$' + id.length + '\r\n' + id + '\r\n*' + kv.length + '\r\n'];
  for (let j = 0; j < kv.length; j++) parts.push('$' + kv[j].length + '\r\n', kv[j], '\r\n');
  // Cached: a range reply is then a join of flat strings (entries never change once stored).
  return (node.resp[i] = parts.join(''));
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
  // Pipelined replies queue up in the client's output string: joining the entries into one flat
  // string keeps that a few big strings instead of thousands of live cons-string pieces.
  const parts: string[] = [''];
  const visit = (node: StreamNode, i: number): boolean => {
    parts.push(entryReply(node, i));
    return count === 0 || parts.length <= count;
  };
  if (rev) s.backward(start.ms, start.seq, end.ms, end.seq, visit);
  else s.forward(start.ms, start.seq, end.ms, end.seq, visit);
  parts[0] = '*' + (parts.length - 1) + '\r\n';
  return parts.join('');
}

/** Blocking commands never block inside MULTI/EXEC (Redis's CLIENT_DENY_BLOCKING). */
export function cannotBlock(c: Client): boolean {
  return c.multi !== null || c.server.inExec;
}

export function notifyStream(c: Client, event: string, key: string): void {
  c.server.notify('t', event, key, c.db.id);
}
