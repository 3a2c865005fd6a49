// Why: the redisStream source's connection. A batch reads tens of thousands of stream entries;
// a general client builds nested reply arrays and per-command promises for them, which made
// parsing the biggest cost of a batch. This one pipelines the XRANGEs of a batch, parses the
// replies incrementally straight into records, and — reads being idempotent — reconnects and
// resends on its own when the server goes away.
import { isAscii } from 'node:buffer';
import { createConnection, type Socket } from 'node:net';
import type { RedisLocation } from '../checkpoint/location.js';

export interface StreamEntry {
  readonly partition: string;
  readonly id: string;
  readonly fields: Record<string, string>;
}

/** One XRANGE/XREVRANGE of a pipelined read. */
export interface RangeRequest {
  key: string;
  command: 'XRANGE' | 'XREVRANGE';
  start: string;
  end: string;
  count?: number;
}

/** An error reply of the server (not retried). */
export class StreamReplyError extends Error {
  override name = 'ReplyError';
}

/** RESP of one command (arguments as UTF-8). */
export function encodeCommand(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

/** A field name as last seen at one position of an entry (names repeat from entry to entry). */
interface SeenName {
  readonly bytes: Buffer;
  readonly text: string;
}

/**
 * Incremental parser of a sequence of XRANGE replies. Headers are read as numbers straight from the
 * bytes and repeated field names are reused, so an entry costs its id, its values and two objects.
 */
class RangeParser {
  readonly replies: StreamEntry[][] = [];
  error: StreamReplyError | undefined;
  private stage: 'reply' | 'entry' | 'id' | 'fields' | 'field' = 'reply';
  private cur: StreamEntry[] = [];
  private entriesLeft = 0;
  private id = '';
  private fields: Record<string, string> = {};
  private fieldsLeft = 0;
  private fieldName: string | undefined;
  private namePos = 0;
  private readonly names: Array<SeenName | undefined> = [];
  /** The number read by header(). */
  private num = 0;
  /** While parsing an all-ASCII chunk: the chunk as one string (from byte `textBase`). */
  private text: string | undefined;
  private textBase = 0;

  constructor(private readonly keys: readonly string[]) {}

  get done(): boolean {
    return this.replies.length === this.keys.length;
  }

  /**
   * Reads the number of the header line whose type byte is at `i` (into `num`); returns the index
   * after its LF, or -1 when the line is not complete yet.
   */
  private header(b: Buffer, i: number): number {
    const n = b.length;
    let j = i + 1;
    const negative = j < n && b[j] === 45;
    if (negative) j++;
    let v = 0;
    for (; j < n; j++) {
      const c = b[j];
      if (c === 13 || c === 10) break;
      v = v * 10 + c - 48;
    }
    if (j < n && b[j] === 13) j++;
    if (j >= n) return -1;
    this.num = negative ? -v : v;
    return j + 1;
  }

  /** The field name in b[start, end): the string seen at this position before when the bytes match. */
  private name(b: Buffer, start: number, end: number): string {
    const pos = this.namePos++;
    const seen = this.names[pos];
    const len = end - start;
    if (seen !== undefined && seen.bytes.length === len) {
      let k = 0;
      while (k < len && seen.bytes[k] === b[start + k]) k++;
      if (k === len) return seen.text;
    }
    const text = this.str(b, start, end, 'utf8');
    if (len <= 64) this.names[pos] = { bytes: Buffer.from(b.subarray(start, end)), text };
    return text;
  }

  /**
   * Text of b[start, end). In an all-ASCII chunk a slice of the chunk's string: one native call per
   * chunk instead of one per id and value (each costs far more than the copy).
   */
  private str(b: Buffer, start: number, end: number, encoding: 'utf8' | 'latin1'): string {
    const t = this.text;
    return t !== undefined ? t.slice(start - this.textBase, end - this.textBase) : b.toString(encoding, start, end);
  }

  /** Parses from `b` at `i`; returns the index of the first unconsumed byte. */
  parse(b: Buffer, i: number): number {
    const n = b.length;
    const rest = i === 0 ? b : b.subarray(i);
    this.text = isAscii(rest) ? rest.toString('latin1') : undefined;
    this.textBase = i;
    while (!this.done) {
      if (i >= n) return i;
      const type = b[i];
      if (type === 45 /* - */) {
        // An error reply replaces a whole XRANGE reply.
        const nl = b.indexOf(10, i);
        if (nl < 0) return i;
        this.error ??= new StreamReplyError(b.toString('latin1', i + 1, b[nl - 1] === 13 ? nl - 1 : nl));
        this.replies.push([]);
        this.stage = 'reply';
        i = nl + 1;
        continue;
      }
      const next = this.header(b, i);
      if (next < 0) return i;
      const count = this.num;
      if (this.stage === 'id' || this.stage === 'field') {
        // A bulk string: $len\r\n<bytes>\r\n
        const start = next;
        const end = start + count;
        if (end + 2 > n) return i;
        if (this.stage === 'id') {
          this.id = this.str(b, start, end, 'latin1');
          this.stage = 'fields';
        } else if (this.fieldName === undefined) {
          this.fieldName = this.name(b, start, end);
          if (--this.fieldsLeft === 0) this.finishEntry();
        } else {
          this.fields[this.fieldName] = this.str(b, start, end, 'utf8');
          this.fieldName = undefined;
          if (--this.fieldsLeft === 0) this.finishEntry();
        }
        i = end + 2;
        continue;
      }
      i = next;
      switch (this.stage) {
        case 'reply':
          this.cur = [];
          this.entriesLeft = count;
          if (count <= 0) this.replies.push(this.cur);
          else this.stage = 'entry';
          break;
        case 'entry':
          this.stage = 'id';
          break;
        case 'fields':
          this.fields = {};
          this.fieldName = undefined;
          this.namePos = 0;
          this.fieldsLeft = count;
          if (count <= 0) this.finishEntry();
          else this.stage = 'field';
          break;
        default:
          break;
      }
    }
    return i;
  }

  private finishEntry(): void {
    this.cur.push({ partition: this.keys[this.replies.length], id: this.id, fields: this.fields });
    if (--this.entriesLeft === 0) {
      this.replies.push(this.cur);
      this.stage = 'reply';
    } else {
      this.stage = 'entry';
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class StreamReader {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly loc: RedisLocation) {}

  /** One pipelined read of several ranges; retried (from scratch) after a lost connection. */
  read(requests: readonly RangeRequest[]): Promise<StreamEntry[][]> {
    const run = async (): Promise<StreamEntry[][]> => {
      for (let attempt = 0; ; attempt++) {
        if (this.closed) throw new Error('the stream reader is closed');
        try {
          const socket = await this.connect();
          return await this.exchange(socket, requests);
        } catch (e) {
          if (e instanceof StreamReplyError) throw e;
          this.drop();
          await sleep(Math.min(50 * (attempt + 1), 1000));
        }
      }
    };
    // One read at a time on the connection.
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private connect(): Promise<Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const s = createConnection({ host: this.loc.host, port: this.loc.port });
      s.setNoDelay(true);
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        s.on('error', () => undefined);
        s.once('close', () => {
          if (this.socket === s) this.socket = undefined;
        });
        const setup: string[][] = [];
        if (this.loc.password !== undefined) setup.push(this.loc.username ? ['AUTH', this.loc.username, this.loc.password] : ['AUTH', this.loc.password]);
        if (this.loc.db !== 0) setup.push(['SELECT', String(this.loc.db)]);
        setup.push(['CLIENT', 'SETNAME', 'eddy-streaming-source']);
        this.simple(s, setup).then(
          () => {
            this.socket = s;
            resolve(s);
          },
          (e: unknown) => {
            s.destroy();
            reject(e);
          },
        );
      });
    }).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * Writes `payload` and feeds the replies to `consume` until it returns a result (or throws);
   * rejects if the connection closes first.
   */
  private roundTrip<T>(s: Socket, payload: string, consume: (d: Buffer) => { value: T } | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cleanup = (): void => {
        s.off('data', onData);
        s.off('close', onClose);
      };
      const onData = (d: Buffer): void => {
        let r: { value: T } | undefined;
        try {
          r = consume(d);
        } catch (e) {
          cleanup();
          reject(e as Error);
          return;
        }
        if (r) {
          cleanup();
          resolve(r.value);
        }
      };
      const onClose = (): void => {
        cleanup();
        reject(new Error('connection closed'));
      };
      s.on('data', onData);
      s.once('close', onClose);
      s.write(payload);
    });
  }

  /** Sends commands with one-line replies; rejects on the first error reply. */
  private simple(s: Socket, cmds: string[][]): Promise<void> {
    let buf = '';
    let left = cmds.length;
    return this.roundTrip(s, cmds.map(encodeCommand).join(''), (d) => {
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('-')) throw new StreamReplyError(line.slice(1).trim());
        if (--left === 0) return { value: undefined };
      }
      return undefined;
    });
  }

  private exchange(s: Socket, requests: readonly RangeRequest[]): Promise<StreamEntry[][]> {
    const parser = new RangeParser(requests.map((r) => r.key));
    let rest: Buffer | undefined;
    let out = '';
    for (const r of requests) {
      const argv = [r.command, r.key, r.start, r.end];
      if (r.count !== undefined) argv.push('COUNT', String(r.count));
      out += encodeCommand(argv);
    }
    return this.roundTrip(s, out, (d) => {
      const b = rest ? Buffer.concat([rest, d]) : d;
      const i = parser.parse(b, 0);
      rest = i < b.length ? b.subarray(i) : undefined;
      if (!parser.done) return undefined;
      if (parser.error) throw parser.error;
      return { value: parser.replies };
    });
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  close(): void {
    this.closed = true;
    this.drop();
  }
}
