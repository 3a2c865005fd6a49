// Why: Redis 7's multi-part AOF is described by a manifest (appendonly.aof.manifest) that lists one
// BASE file, the INCR files in order and HISTORY files awaiting deletion. This file parses it with
// Redis's rules and error texts, formats it byte for byte as Redis does, names new files, and
// persists it atomically (temp file + fsync + rename + fsync of the directory).
import fs from 'node:fs';
import path from 'node:path';
import { splitArgs } from '../resp/request-parser.js';
import { reprArg } from '../server/dispatch.js';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export class ManifestError extends Error {
  constructor(
    message: string,
    readonly line: string | null = null,
    readonly lineNum = 0,
  ) {
    super(message);
  }
}

const MANIFEST_MAX_LINE = 1024;

/** sdsneedsrepr: names with spaces, quotes, backslashes or unprintable bytes are quoted. */
function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 92 || ch === 34 || ch === 32 || ch < 33 || ch > 126) return true;
  }
  return false;
}

export class AofManifest {
  base: AofInfo | null = null;
  incr: AofInfo[] = [];
  history: AofInfo[] = [];
  baseSeq = 0;
  incrSeq = 0;
  /** changed since it was last persisted */
  dirty = false;

  clone(): AofManifest {
    const m = new AofManifest();
    m.base = this.base ? { ...this.base } : null;
    m.incr = this.incr.map((x) => ({ ...x }));
    m.history = this.history.map((x) => ({ ...x }));
    m.baseSeq = this.baseSeq;
    m.incrSeq = this.incrSeq;
    m.dirty = this.dirty;
    return m;
  }

  get empty(): boolean {
    return this.base === null && this.incr.length === 0;
  }

  /** The manifest text: base first, then history, then incr files (getAofManifestAsString). */
  format(): string {
    let s = '';
    const line = (ai: AofInfo) => {
      s += `file ${needsRepr(ai.name) ? reprArg(ai.name) : ai.name} seq ${ai.seq} type ${ai.type}\n`;
    };
    if (this.base) line(this.base);
    for (const h of this.history) line(h);
    for (const i of this.incr) line(i);
    return s;
  }

  /** aofLoadManifestFromFile's parsing and checks; throws ManifestError with Redis's messages. */
  static parse(text: string): AofManifest {
    const am = new AofManifest();
    let maxSeq = 0;
    const lines = text.split('\n');
    // A final "\n" leaves an empty last element that is not a line.
    const count = text.endsWith('\n') ? lines.length - 1 : lines.length;
    if (text.length === 0) throw new ManifestError('Found an empty AOF manifest');
    for (let n = 0; n < count; n++) {
      const raw = lines[n];
      const linenum = n + 1;
      if (raw[0] === '#') continue;
      if (n === count - 1 && !text.endsWith('\n')) {
        throw new ManifestError('The AOF manifest file contains too long line');
      }
      if (raw.length + 1 > MANIFEST_MAX_LINE) throw new ManifestError('The AOF manifest file contains too long line');
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      const bad = () => new ManifestError('Invalid AOF manifest file format', line, linenum);
      if (line.length === 0) throw bad();
      const argv = splitArgs(line);
      if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw bad();
      let name: string | null = null;
      let seq = 0;
      let type = '';
      for (let i = 0; i < argv.length; i += 2) {
        const k = argv[i].toLowerCase();
        if (k === 'file') {
          name = argv[i + 1];
          if (name.includes('/')) throw new ManifestError("File can't be a path, just a filename", line, linenum);
        } else if (k === 'seq') {
          seq = atoll(argv[i + 1]);
        } else if (k === 'type') {
          type = argv[i + 1][0] ?? '';
        }
      }
      if (!name || !seq || !type) throw bad();
      const ai: AofInfo = { name, seq, type: type as AofFileType };
      if (type === 'b') {
        if (am.base) throw new ManifestError('Found duplicate base file information', line, linenum);
        am.base = ai;
        am.baseSeq = seq;
      } else if (type === 'h') {
        am.history.push(ai);
      } else if (type === 'i') {
        if (seq <= maxSeq) throw new ManifestError('Found a non-monotonic sequence number', line, linenum);
        am.incr.push(ai);
        am.incrSeq = seq;
        maxSeq = seq;
      } else {
        throw new ManifestError('Unknown AOF file type', line, linenum);
      }
    }
    return am;
  }

  /** A new BASE name (`<filename>.<seq>.base.rdb|aof`); the previous base becomes history. */
  newBaseName(filename: string, rdb: boolean): string {
    if (this.base) {
      this.base.type = 'h';
      this.history.unshift(this.base);
    }
    this.baseSeq++;
    this.base = { name: `${filename}.${this.baseSeq}.base${rdb ? '.rdb' : '.aof'}`, seq: this.baseSeq, type: 'b' };
    this.dirty = true;
    return this.base.name;
  }

  /** A new INCR name (`<filename>.<seq>.incr.aof`) appended to the incr list. */
  newIncrName(filename: string): string {
    this.incrSeq++;
    const ai: AofInfo = { name: `${filename}.${this.incrSeq}.incr.aof`, seq: this.incrSeq, type: 'i' };
    this.incr.push(ai);
    this.dirty = true;
    return ai.name;
  }

  lastIncrName(filename: string): string {
    if (this.incr.length === 0) return this.newIncrName(filename);
    return this.incr[this.incr.length - 1].name;
  }

  /** After a rewrite: the rewritten incr files become history (the one being written stays). */
  markRewrittenIncrAsHistory(keepLast: boolean): void {
    const keep = keepLast && this.incr.length > 0 ? [this.incr[this.incr.length - 1]] : [];
    const moved = keepLast ? this.incr.slice(0, -1) : this.incr;
    for (const ai of moved) this.history.unshift({ ...ai, type: 'h' });
    this.incr = keep;
    this.dirty = true;
  }
}

/** C's atoll: optional spaces and sign, then digits; garbage stops the number. */
function atoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

export function manifestName(filename: string): string {
  return filename + '.manifest';
}

/** fsync a directory so a rename or a new file in it is durable. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * writeAofManifestFile: write to temp-<name>.manifest, fsync, rename over the manifest, fsync the
 * directory. Throws with Redis's log text on failure (the caller logs it).
 */
export function writeManifestFile(dir: string, filename: string, text: string): void {
  const name = manifestName(filename);
  const tmpName = 'temp-' + name;
  const tmpPath = path.join(dir, tmpName);
  let fd = -1;
  try {
    try {
      fd = fs.openSync(tmpPath, 'w', 0o644);
    } catch (e) {
      throw new Error(`Can't open the AOF manifest file ${tmpName}: ${errText(e)}`);
    }
    try {
      fs.writeSync(fd, Buffer.from(text, 'latin1'));
    } catch (e) {
      throw new Error(`Error trying to write the temporary AOF manifest file ${tmpName}: ${errText(e)}`);
    }
    try {
      fs.fsyncSync(fd);
    } catch (e) {
      throw new Error(`Fail to fsync the temp AOF file ${tmpName}: ${errText(e)}.`);
    }
    try {
      fs.renameSync(tmpPath, path.join(dir, name));
    } catch (e) {
      throw new Error(`Error trying to rename the temporary AOF manifest file ${tmpName} into ${name}: ${errText(e)}`);
    }
    try {
      fsyncDir(dir);
    } catch (e) {
      throw new Error(`Fail to fsync AOF directory ${path.join(dir, name)}: ${errText(e)}.`);
    }
  } finally {
    if (fd !== -1) fs.closeSync(fd);
  }
}

/** strerror-like text of a Node fs error. */
export function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const map: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    ENOSPC: 'No space left on device',
    EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory',
    EROFS: 'Read-only file system',
    EIO: 'Input/output error',
    EBADF: 'Bad file descriptor',
  };
  return (err.code && map[err.code]) || err.message;
}
