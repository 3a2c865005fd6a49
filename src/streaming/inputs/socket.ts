// Why: socketTextStream's receiver (Spark's SocketReceiver): connects to host:port (what
// `nc -lk 9999` serves), stores each UTF-8 line as a record, and restarts when the connection
// fails or ends, exactly as Spark does ("Socket data stream had no more data").
import { createConnection, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { Receiver } from './receiver.js';

export class SocketReceiver extends Receiver<string> {
  private socket: Socket | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super();
  }

  onStart(): void {
    const socket = createConnection({ host: this.host, port: this.port });
    this.socket = socket;
    const decoder = new StringDecoder('utf8');
    let partial = '';
    let connected = false;
    let done = false;
    const finish = (message: string, error?: unknown): void => {
      if (done || this.socket !== socket) return;
      done = true;
      if (this.isStopped()) return;
      this.restart(message, error);
    };
    socket.on('connect', () => {
      connected = true;
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      const text = partial + decoder.write(chunk);
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        this.store(text.slice(start, end));
        start = nl + 1;
      }
      partial = text.slice(start);
    });
    socket.on('end', () => {
      if (this.socket !== socket) return;
      const rest = partial + decoder.end();
      partial = '';
      if (rest.length > 0) this.store(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
      finish('Socket data stream had no more data');
    });
    socket.on('error', (e) => {
      finish(connected ? 'Error receiving data' : `Error connecting to ${this.host}:${this.port}`, e);
    });
    socket.on('close', () => finish('Socket data stream had no more data'));
  }

  onStop(): void {
    const s = this.socket;
    this.socket = undefined;
    s?.destroy();
  }
}
