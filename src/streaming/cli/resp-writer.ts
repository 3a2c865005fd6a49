// Why: the generator's connection: commands encoded straight into RESP and written in one chunk
// per tick, replies only counted (and errors kept). A general client spends most of its time on
// per-command bookkeeping; this one can feed a server well past 100k XADDs per second.
import { createConnection, type Socket } from 'node:net';
import type { RedisLocation } from '../checkpoint/location.js';
import { encodeCommand } from '../inputs/stream-reader.js';

export { encodeCommand };

export class RespWriter {
  private socket: Socket | undefined;
  private pending = 0;
  private buf: Buffer = Buffer.alloc(0);
  private waiters: Array<{ upTo: number; resolve: () => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  constructor(private readonly loc: RedisLocation) {}

  async connect(timeoutMs = 10_000): Promise<void> {
    const socket = createConnection({ host: this.loc.host, port: this.loc.port });
    socket.setNoDelay(true);
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
    const hello: string[] = [];
    if (this.loc.password !== undefined) hello.push(encodeCommand(this.loc.username ? ['AUTH', this.loc.username, this.loc.password] : ['AUTH', this.loc.password]));
    if (this.loc.db !== 0) hello.push(encodeCommand(['SELECT', String(this.loc.db)]));
    if (hello.length > 0) await this.send(hello.join(''), hello.length);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.reject(this.failure);
  }

  /** Counts the replies (bulk strings, or one-line replies) in what arrived; keeps the first error. */
  private onData(d: Buffer): void {
    const b = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    const n = b.length;
    let i = 0;
    while (i < n) {
      const type = b[i];
      if (type === 36 /* $ */) {
        // $<len>\r\n<len bytes>\r\n, or $-1\r\n
        let j = i + 1;
        let len = 0;
        const negative = b[j] === 45;
        if (negative) j++;
        while (j < n && b[j] !== 13) len = len * 10 + b[j++] - 48;
        const end = negative ? j + 2 : j + 2 + len + 2;
        if (j >= n || end > n) break;
        i = end;
      } else {
        const nl = b.indexOf(10, i);
        if (nl < 0) break;
        if (type === 45 /* - */) this.failure ??= new Error(b.toString('utf8', i + 1, nl - 1));
        i = nl + 1;
      }
      this.pending--;
    }
    this.buf = i === n ? Buffer.alloc(0) : b.subarray(i);
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.failure) w.reject(this.failure);
      else if (this.pending <= w.upTo) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Writes `count` encoded commands (a string, or buffers written in order); resolves when all of them were answered. */
  send(payload: string | readonly Buffer[], count: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.pending += count;
    if (typeof payload === 'string') this.socket!.write(payload);
    else for (const b of payload) this.socket!.write(b);
    return this.settled(0);
  }

  /** Resolves once at most `upTo` replies are outstanding. */
  settled(upTo: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending <= upTo) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ upTo, resolve, reject }));
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}
