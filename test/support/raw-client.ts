// Why: a byte-exact RESP client for tests: sends argv (or raw bytes) and returns each reply as the
// exact latin1 bytes the server sent, so differential tests compare what clients really receive.
import net from 'node:net';

export type Reply = string; // raw RESP bytes as latin1

/** Index just past one complete RESP value starting at pos, or -1 if incomplete. */
export function replyEnd(buf: string, pos: number): number {
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return -1;
  const t = buf[pos];
  const line = buf.slice(pos + 1, nl);
  let p = nl + 2;
  switch (t) {
    case '+':
    case '-':
    case ':':
    case ',':
    case '#':
    case '_':
    case '(':
      return p;
    case '$':
    case '=':
    case '!': {
      const n = Number(line);
      if (n < 0) return p;
      return buf.length >= p + n + 2 ? p + n + 2 : -1;
    }
    case '*':
    case '~':
    case '%':
    case '>':
    case '|': {
      let n = Number(line);
      if (n < 0) return p;
      if (t === '%' || t === '|') n *= 2;
      for (let i = 0; i < n; i++) {
        p = replyEnd(buf, p);
        if (p < 0) return -1;
      }
      // An attribute (|) is followed by the actual value.
      return t === '|' ? replyEnd(buf, p) : p;
    }
    default:
      throw new Error(`bad RESP type byte ${JSON.stringify(t)} at ${pos} in ${JSON.stringify(buf.slice(0, 200))}`);
  }
}

export function encodeCommand(argv: string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + Buffer.byteLength(a, 'latin1') + '\r\n' + a + '\r\n';
  return s;
}

export class RawClient {
  private buf = '';
  private waiters: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  closed = false;
  private closeWaiters: (() => void)[] = [];

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf += d.toString('latin1');
      this.drain();
    });
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiters) w.reject(new Error('connection closed'));
      this.waiters = [];
      for (const f of this.closeWaiters) f();
    });
    sock.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host);
      s.setNoDelay(true);
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private drain() {
    while (this.waiters.length && this.buf.length) {
      const end = replyEnd(this.buf, 0);
      if (end < 0) return;
      const r = this.buf.slice(0, end);
      this.buf = this.buf.slice(end);
      this.waiters.shift()!.resolve(r);
    }
  }

  /** Next reply (or push message), waiting up to timeoutMs. */
  read(timeoutMs = 5000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.resolve === wrapped);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no reply within ${timeoutMs} ms (buffer: ${JSON.stringify(this.buf.slice(0, 200))})`));
      }, timeoutMs);
      const wrapped = (r: Reply) => {
        clearTimeout(t);
        resolve(r);
      };
      if (this.closed && !this.buf.length) {
        clearTimeout(t);
        return reject(new Error('connection closed'));
      }
      this.waiters.push({
        resolve: wrapped,
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.drain();
    });
  }

  /** Pending bytes that are not a complete reply yet. */
  pending(): string {
    return this.buf;
  }

  writeRaw(s: string | Buffer): void {
    this.sock.write(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  }

  send(...argv: string[]): void {
    this.writeRaw(encodeCommand(argv));
  }

  async call(...argv: string[]): Promise<Reply> {
    this.send(...argv);
    return this.read();
  }

  waitClose(timeoutMs = 5000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  close(): void {
    this.sock.destroy();
  }
}
