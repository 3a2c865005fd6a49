// Why: start-up loading of the AOF (Redis's loadAppendOnlyFiles / loadSingleAppendOnlyFile): the
// base file (RDB preamble or commands) then every incr file, replayed command by command through a
// fake client and the real dispatch call(), MULTI/EXEC included; a torn tail is cut
// (aof-load-truncated) and a corrupt command stops the start-up with its offset. Also migrates a
// legacy single appendonly.aof into the multi-part directory as Redis 7 does.
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from '../server/server.js';
import { Client, ReplyMode } from '../server/client.js';
import { call } from '../server/dispatch.js';
import { AofManifest, errText } from './aof-manifest.js';
import { throughputBegin, throughputEnd } from './gc-mode.js';

export const enum AofLoad {
  Ok,
  NotExist,
  Empty,
  OpenErr,
  Failed,
  Truncated,
}

/**
 * Loads an RDB payload that starts at data[0] into the server (the RDB side provides it); returns
 * the number of bytes it consumed, so an old-style preamble file can continue with its AOF tail.
 */
export type RdbPreambleLoader = (server: Server, data: Buffer) => number;

let rdbLoader: RdbPreambleLoader | null = null;
export function setRdbPreambleLoader(fn: RdbPreambleLoader): void {
  rdbLoader = fn;
}

const CHUNK = 1 << 20;
const OK = 0;
const END = 1;
const SHORT = 2;
const BAD = 3;

/** fgets/fread over a file descriptor, in 1 MB chunks, with the absolute offset of each byte. */
class ChunkReader {
  private buf = Buffer.alloc(0);
  private pos = 0;
  /** file offset of buf[0] */
  private base = 0;
  private eof = false;

  constructor(
    private readonly fd: number,
    start: number,
  ) {
    this.base = start;
  }

  tell(): number {
    return this.base + this.pos;
  }

  /** Make at least n unread bytes available if the file has them; false when it does not. */
  private want(n: number): boolean {
    while (this.buf.length - this.pos < n && !this.eof) {
      const rest = this.buf.subarray(this.pos);
      const chunk = Buffer.allocUnsafe(Math.max(CHUNK, n - rest.length));
      const got = fs.readSync(this.fd, chunk, 0, chunk.length, this.base + this.buf.length);
      if (got === 0) this.eof = true;
      this.base += this.pos;
      this.buf = rest.length ? Buffer.concat([rest, chunk.subarray(0, got)]) : chunk.subarray(0, got);
      this.pos = 0;
    }
    return this.buf.length - this.pos >= n;
  }

  /** fgets: up to and including '\n' (or whatever is left before EOF); null at EOF. */
  line(): string | null {
    for (;;) {
      const nl = this.buf.indexOf(10, this.pos);
      if (nl >= 0 && nl - this.pos < 1023) {
        const s = this.buf.latin1Slice(this.pos, nl + 1);
        this.pos = nl + 1;
        return s;
      }
      const avail = this.buf.length - this.pos;
      if (avail >= 1023 || this.eof) {
        if (avail === 0) return null;
        const n = Math.min(avail, 1023);
        const s = this.buf.latin1Slice(this.pos, this.pos + n);
        this.pos += n;
        return s;
      }
      this.want(avail + 1);
    }
  }

  /** Outcome of the last intLine(): OK, END (EOF before it), SHORT (EOF inside it), BAD (other type byte). */
  st = 0;

  /**
   * A "<type><integer>\r\n" header line read like fgets + atoi, straight from the buffer: the
   * number (leading spaces, sign, digits; anything else ends it), with `st` telling how it went.
   */
  intLine(type: number): number {
    if (!this.want(1)) {
      this.st = END;
      return 0;
    }
    if (this.buf[this.pos] !== type) {
      this.st = BAD;
      return 0;
    }
    let nl = this.buf.indexOf(10, this.pos);
    while (nl < 0) {
      if (this.eof || !this.want(this.buf.length - this.pos + 1)) {
        this.pos = this.buf.length;
        this.st = SHORT;
        return 0;
      }
      nl = this.buf.indexOf(10, this.pos);
    }
    const b = this.buf;
    let i = this.pos + 1;
    while (i < nl && (b[i] === 32 || b[i] === 9)) i++;
    let neg = false;
    if (b[i] === 45 || b[i] === 43) neg = b[i++] === 45;
    let v = 0;
    while (i < nl && b[i] >= 48 && b[i] <= 57) v = v * 10 + (b[i++] - 48);
    this.pos = nl + 1;
    this.st = OK;
    return neg ? -v : v;
  }

  /** fread of exactly n bytes as a latin1 string; null on a short read. */
  read(n: number): string | null {
    if (!this.want(n)) {
      this.pos = this.buf.length;
      return null;
    }
    const s = this.buf.latin1Slice(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

/** The AOF fake client: no socket, replies dropped, never counted in CLIENT LIST. */
function createAofClient(server: Server): Client {
  const c = new Client(server, null, Number.MAX_SAFE_INTEGER);
  c.authenticated = true;
  c.replyMode = ReplyMode.Off;
  return c;
}

export interface LoadContext {
  server: Server;
  dirname: string;
  filename: string;
}

/** Replay one AOF file (base or incr). */
export function loadSingleAppendOnlyFile(ctx: LoadContext, name: string): AofLoad {
  const { server } = ctx;
  const log = server.log;
  const filepath = path.join(ctx.dirname, name);
  let fd: number;
  try {
    fd = fs.openSync(filepath, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      log.warning(`The append log file ${name} doesn't exist: ${errText(e)}`);
      return AofLoad.NotExist;
    }
    log.warning(`Fatal error: can't open the append log file ${name} for reading: ${errText(e)}`);
    return AofLoad.OpenErr;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return AofLoad.Empty;
    const fake = createAofClient(server);
    let start = 0;
    const sig = Buffer.alloc(5);
    if (fs.readSync(fd, sig, 0, 5, 0) === 5 && sig.toString('latin1') === 'REDIS') {
      const oldStyle = name === ctx.filename;
      log.notice(oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
      try {
        if (!rdbLoader) throw new Error('this build cannot read RDB files');
        start = rdbLoader(server, fs.readFileSync(filepath));
      } catch (e) {
        log.warning(`RDB loading error: ${(e as Error).message}`);
        log.warning(
          oldStyle
            ? `Error reading the RDB preamble of the AOF file ${name}, AOF loading aborted`
            : `Error reading the RDB base file ${name}, AOF loading aborted`,
        );
        return AofLoad.Failed;
      }
      if (oldStyle) log.notice('Reading the remaining AOF tail...');
    }
    return replay(ctx, fake, new ChunkReader(fd, start), name, filepath);
  } finally {
    fs.closeSync(fd);
  }
}

function replay(ctx: LoadContext, fake: Client, r: ChunkReader, name: string, filepath: string): AofLoad {
  const { server } = ctx;
  const log = server.log;
  const truncatedOk = server.config.bool('aof-load-truncated');
  let validUpTo = r.tell();
  let validBeforeMulti = validUpTo;
  let cmdStart = validUpTo;
  /** reason of a format error, null for a short read */
  const found = () => JSON.stringify((r.line() ?? '').slice(0, 16));
  const parse = (): string[] | null | 'eof' | { bad: string } => {
    cmdStart = r.tell();
    const argc = r.intLine(42); // '*'
    if (r.st === END) return 'eof';
    if (r.st === SHORT) return null;
    if (r.st === BAD) {
      const head = r.line()!;
      return head[0] === '#' ? [] : { bad: `expected '*', found ${JSON.stringify(head.slice(0, 16))}` };
    }
    if (argc < 1) return { bad: `invalid multibulk length ${argc}` };
    const argv: string[] = new Array(argc);
    for (let j = 0; j < argc; j++) {
      const len = r.intLine(36); // '$'
      if (r.st === END || r.st === SHORT) return null;
      if (r.st === BAD) return { bad: `expected '$', found ${found()}` };
      if (len < 0) return { bad: `invalid bulk length ${len}` };
      const arg = r.read(len);
      if (arg === null) return null;
      const crlf = r.read(2);
      if (crlf === null) return null;
      if (crlf !== '\r\n') return { bad: 'bulk string not terminated by CRLF' };
      argv[j] = arg;
    }
    return argv;
  };
  let shortRead = false;
  for (;;) {
    const got = parse();
    if (got === 'eof') break;
    if (got === null) {
      shortRead = true;
      break;
    }
    if (!Array.isArray(got)) {
      log.warning(
        `Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`,
      );
      log.warning(`!!! Corrupted command at offset ${cmdStart} of ${name} (${got.bad}); the last valid command ends at offset ${validUpTo} !!!`);
      return AofLoad.Failed;
    }
    if (got.length === 0) continue; // an annotation (#TS:...)
    const argv = got;
    const cmd = server.commands.lookup(argv);
    if (!cmd || (!cmd.handler && !cmd.subcommands) || (cmd.subcommands && !(argv.length === 1 && cmd.handler))) {
      log.warning(`Unknown command '${argv[0]}' reading the append only file ${name}`);
      log.warning(`!!! The unknown command starts at offset ${cmdStart} of ${name} !!!`);
      return AofLoad.Failed;
    }
    const isMulti = cmd.fullName === 'multi';
    if (isMulti) validBeforeMulti = validUpTo;
    if (fake.multi !== null && cmd.fullName !== 'exec' && !isMulti) {
      fake.multi.push([cmd, argv]);
    } else {
      call(server, fake, cmd, argv);
      // Loading never propagates (Redis turns the AOF off while it loads).
      server.discardPropagation();
      fake.blocked = null;
    }
    validUpTo = r.tell();
  }
  if (!shortRead && fake.multi === null) return AofLoad.Ok;
  if (!shortRead) {
    log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
  }
  // A torn command inside a transaction: the whole transaction goes (it was never applied).
  if (fake.multi !== null) validUpTo = validBeforeMulti;
  if (truncatedOk) {
    log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
    log.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
    try {
      fs.truncateSync(filepath, validUpTo);
      log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
      return AofLoad.Truncated;
    } catch (e) {
      log.warning(`Error truncating the AOF file ${name}: ${errText(e)}`);
    }
  }
  log.warning(
    `Unexpected end of file reading the append only file ${name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
  );
  return AofLoad.Failed;
}

/** getAppendOnlyFileSize: the size, or the load status that a failed stat means. */
export function aofFileSize(server: Server, dirname: string, name: string): { size: number } | { err: AofLoad } {
  try {
    return { size: fs.statSync(path.join(dirname, name)).size };
  } catch (e) {
    server.log.warning(`Unable to obtain the AOF file ${name} length. stat: ${errText(e)}`);
    return { err: (e as NodeJS.ErrnoException).code === 'ENOENT' ? AofLoad.NotExist : AofLoad.OpenErr };
  }
}

export interface LoadResult {
  status: AofLoad;
  totalSize: number;
  baseSize: number;
}

/** loadAppendOnlyFiles: base then incr files, as the manifest lists them. */
export function loadAppendOnlyFiles(ctx: LoadContext, am: AofManifest): LoadResult {
  const { server } = ctx;
  const log = server.log;
  const res: LoadResult = { status: AofLoad.Ok, totalSize: 0, baseSize: 0 };
  const files = [...(am.base ? [am.base] : []), ...am.incr];
  if (files.length === 0) return { ...res, status: AofLoad.NotExist };
  for (const f of files) {
    const sz = aofFileSize(server, ctx.dirname, f.name);
    // A file the manifest lists but the disk lacks is fatal.
    if ('err' in sz) return { ...res, status: sz.err === AofLoad.NotExist ? AofLoad.Failed : sz.err };
    res.totalSize += sz.size;
  }
  if (res.totalSize === 0) return { ...res, status: AofLoad.Empty };
  server.loading = true;
  throughputBegin();
  try {
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      const isBase = f === am.base;
      const last = i === files.length - 1;
      if (isBase) res.baseSize = fs.statSync(path.join(ctx.dirname, f.name)).size;
      const t0 = performance.now();
      let ret = loadSingleAppendOnlyFile(ctx, f.name);
      if (ret === AofLoad.Ok || (ret === AofLoad.Truncated && last)) {
        log.notice(`DB loaded from ${isBase ? 'base' : 'incr'} file ${f.name}: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
      }
      if (ret === AofLoad.Empty && !isBase) ret = AofLoad.Ok;
      if (ret === AofLoad.Truncated && !last) {
        log.warning('Fatal error: the truncated file is not the last file');
        ret = AofLoad.Failed;
      }
      if (ret === AofLoad.OpenErr || ret === AofLoad.Failed || ret === AofLoad.NotExist) return { ...res, status: ret === AofLoad.NotExist ? AofLoad.Failed : ret };
      if (ret === AofLoad.Truncated) res.status = ret;
    }
  } finally {
    server.loading = false;
    throughputEnd();
  }
  return res;
}
