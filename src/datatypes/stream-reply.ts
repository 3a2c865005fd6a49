// Why: what every stream command shares: the typed key lookup, the RESP form of an entry
// ([id, [field, value, ...]]) and of a range (streamReplyWithRange without a group), and the
// blocking/notification helpers — kept apart so the command files stay small.
import type { Client } from '../server/client.js';
import { lookupTyped } from './collection.js';
import { F_DELETED, type StreamNode, type StreamObject } from './stream-struct.js';
import { cmpId, type SID } from './stream-id.js';

export function lookupStream(c: Client, key: string, write: boolean): StreamObject | undefined {
  return lookupTyped<StreamObject>(c, key, 'stream', write);
}

export function bulkStr(s: string): string {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

/** One entry: *2 <id> *2n <field> <value>... (nodes store entries in this form). */
export function entryReply(node: StreamNode, i: number): string {
  return node.entry(i);
}

/** The entry with exactly this ID (live), as a reply, or null. */
export function entryById(s: StreamObject, id: SID): string | null {
  const at = s.find(id.ms, id.seq);
  if (at === null) return null;
  const node = s.nodes[at[0]];
  return node.flags[at[1]] & F_DELETED ? null : node.entry(at[1]);
}

/**
 * streamReplyWithRange without a group: an array of up to `count` entries (0 = all). Forward
 * ranges take runs of consecutive live entries from each node (one substring of a sealed node).
 */
export function rangeReply(s: StreamObject, start: SID, end: SID, count: number, rev: boolean): string {
  if (rev) {
    // Entry by entry: one join keeps a long reply a flat string instead of a rope of slices.
    const parts: string[] = [''];
    s.backward(start.ms, start.seq, end.ms, end.seq, (node, i) => {
      parts.push(node.entry(i));
      return count === 0 || parts.length <= count;
    });
    parts[0] = '*' + (parts.length - 1) + '\r\n';
    return parts.join('');
  }
  const nodes = s.nodes;
  const eMs = end.ms;
  const eSeq = end.seq;
  let ni = s.nodeFor(start.ms, start.seq);
  if (ni < s.head) ni = s.head;
  let out = '';
  let n = 0;
  let first = true;
  for (; ni < nodes.length; ni++) {
    const node = nodes[ni];
    const size = node.ms.length;
    let i = first ? node.lowerBound(start.ms, start.seq) : 0;
    first = false;
    if (i >= size) continue;
    // Nodes before the tail are sealed as soon as a later node is created; not those RDB loading built.
    if (node.parts !== null && ni + 1 < nodes.length) node.seal();
    let lim = size;
    let stop = false;
    if (cmpId(node.ms[size - 1], node.seq[size - 1], eMs, eSeq) > 0) {
      lim = node.upperBound(eMs, eSeq);
      stop = true;
    }
    const flags = node.flags;
    while (i < lim) {
      let j: number;
      if (node.dead === 0) j = lim;
      else {
        if (flags[i] & F_DELETED) {
          i++;
          continue;
        }
        j = i + 1;
        while (j < lim && !(flags[j] & F_DELETED)) j++;
      }
      if (count !== 0 && j - i >= count - n) {
        j = i + (count - n);
        stop = true;
      }
      out += node.run(i, j);
      n += j - i;
      if (count !== 0 && n === count) break;
      i = j;
    }
    if (stop) break;
  }
  return '*' + n + '\r\n' + out;
}

/** Blocking commands never block inside MULTI/EXEC (Redis's CLIENT_DENY_BLOCKING). */
export function cannotBlock(c: Client): boolean {
  return c.multi !== null || c.server.inExec;
}

export function notifyStream(c: Client, event: string, key: string): void {
  c.server.notify('t', event, key, c.db.id);
}
