// Why: textFileStream (Spark's FileInputDStream): at each batch time, the files of a directory that
// are new — modification time after the ignore threshold and not after the batch time, not hidden,
// not already selected within the remember window — become the batch, one partition per file.
// Files must be moved in atomically (rename), as in Spark; the plan (file names) makes the batch
// reproducible.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { StreamingContext } from '../context.js';
import type { Time } from '../duration.js';
import type { InputPlan } from '../node.js';
import { RDD } from '../rdd.js';
import { InputNodeBase } from './input.js';

/** spark.streaming.fileStream.minRememberDuration */
const MIN_REMEMBER_MS = 60_000;

export interface FileStreamOptions {
  /** Only files created after the context starts (default true, as Spark). */
  newFilesOnly?: boolean;
  /** Extra filter on file names (hidden files are always skipped). */
  filter?: (name: string) => boolean;
}

export class FileInputNode extends InputNodeBase<string> {
  readonly kind = 'textFileStream';
  readonly name = 'FileInputDStream';
  private initialThreshold = 0;
  /** Batch time -> files selected for it (kept for the remember window). */
  private readonly selected = new Map<number, string[]>();
  private readonly recent = new Set<string>();

  constructor(
    ssc: StreamingContext,
    readonly directory: string,
    private readonly options: FileStreamOptions = {},
  ) {
    super(ssc);
    this.params = { directory };
  }

  private get rememberMs(): number {
    const slide = this.slideDuration.milliseconds;
    return slide * Math.ceil(MIN_REMEMBER_MS / slide);
  }

  private restoredThreshold: number | undefined;

  /**
   * Before start (checkpoint recovery): files modified up to `lastBatchTime` were taken by
   * committed batches; later ones (including those moved in while the job was down) are new.
   */
  restoreAfter(lastBatchTime: number): void {
    this.restoredThreshold = lastBatchTime;
  }

  start(): void {
    this.initialThreshold = this.restoredThreshold ?? (this.options.newFilesOnly === false ? 0 : this.ssc.clock.now());
  }

  async plan(time: Time): Promise<InputPlan> {
    const current = time.milliseconds;
    const threshold = Math.max(this.initialThreshold, current - this.rememberMs);
    // Forget selections older than the remember window (their files are below the threshold anyway).
    for (const [t, files] of this.selected) {
      if (t < current - this.rememberMs) {
        for (const f of files) this.recent.delete(f);
        this.selected.delete(t);
      }
    }
    const names = (await readdir(this.directory)).sort();
    const files: string[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      if (this.options.filter && !this.options.filter(name)) continue;
      const path = join(this.directory, name);
      let st;
      try {
        st = await stat(path);
      } catch {
        continue; // vanished between readdir and stat
      }
      if (!st.isFile()) continue;
      const mtime = Math.floor(st.mtimeMs);
      if (mtime <= threshold || mtime > current) continue;
      if (this.recent.has(path)) continue;
      files.push(path);
    }
    for (const f of files) this.recent.add(f);
    this.selected.set(current, files);
    return { metadata: { files } };
  }

  protected async read(_time: Time, plan: InputPlan): Promise<RDD<string>> {
    const files = (plan.metadata as { files: string[] }).files;
    const parts: string[][] = [];
    let n = 0;
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      const lines = text.split('\n');
      if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
      parts.push(lines);
      n += lines.length;
    }
    plan.numRecords = n;
    return RDD.fromPartitions(parts);
  }
}
