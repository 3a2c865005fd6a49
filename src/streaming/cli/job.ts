// Why: what a job file is — a module default-exporting `(ssc) => void` (which builds the graph)
// and optionally `config` — and how `eddy stream run` loads one (with the module hooks that make
// `import ... from 'eddy'` and .ts job files work).
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StreamingContext } from '../context.js';
import type { Duration } from '../duration.js';

export interface JobConfig {
  /** Job name: the checkpoint prefix is `job:<name>`. Default: the file name. */
  name?: string;
  /** Batch interval, e.g. "1s" (overridden by --batch). Default 1s. */
  batchInterval?: Duration | number | string;
  /** Store URL (redis://...), used when --redis is not given. */
  checkpoint?: string;
  blockInterval?: Duration | number | string;
  defaultParallelism?: number;
}

export type JobFunction = (ssc: StreamingContext) => void | Promise<void>;

export interface LoadedJob {
  file: string;
  build: JobFunction;
  config: JobConfig;
  name: string;
}

let hooksRegistered = false;

export function registerJobHooks(): void {
  if (hooksRegistered) return;
  hooksRegistered = true;
  register(new URL('./loader-hooks.js', import.meta.url), {
    data: { eddyUrl: new URL('../../index.js', import.meta.url).href },
  });
}

export async function loadJob(path: string): Promise<LoadedJob> {
  const file = resolve(path);
  if (!existsSync(file)) throw new Error(`Job file not found: ${file}`);
  registerJobHooks();
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown; config?: unknown };
  if (typeof mod.default !== 'function') {
    throw new Error(`${path} must default-export a function (ssc) => void that builds the streaming graph`);
  }
  const config = (mod.config ?? {}) as JobConfig;
  if (typeof config !== 'object' || config === null) throw new Error(`${path}: "config" must be an object`);
  return { file, build: mod.default as JobFunction, config, name: config.name ?? basename(file, extname(file)) };
}
