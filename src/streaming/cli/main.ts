// Why: the `eddy` command (bin/eddy): `eddy stream run <job>` runs a streaming job file,
// `eddy gen <kind>` feeds events into eddy streams at a fixed rate.
import { readFileSync } from 'node:fs';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { generate } from './gen.js';
import { EVENT_KINDS, type EventKind } from './generators.js';
import { runJob } from './run.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

const { version } = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('eddy').description('eddy streaming: micro-batch jobs whose state, checkpoints and output live in eddy-server').version(version);

const stream = program.command('stream').description('streaming jobs');
stream
  .command('run')
  .description('run a job file (default-exports (ssc) => void, may export config); resumes from its checkpoint')
  .argument('<job>', 'job file (.js, .mjs, or .ts compiled on the fly)')
  .option('--redis <url>', 'store for checkpoints and sinks (default: start a local eddy-server)')
  .option('--batch <duration>', 'batch interval, e.g. 1s, 500ms (default: config.batchInterval or 1s)')
  .option('--name <name>', 'job name, the checkpoint prefix job:<name> (default: config.name or the file name)')
  .option('--store-port <port>', 'port of the local eddy-server started without --redis', positiveInt, 6379)
  .option('--data <dir>', 'data directory of the local eddy-server', './data')
  .action(async (job: string, opts: { redis?: string; batch?: string; name?: string; storePort: number; data: string }) => {
    process.exitCode = await runJob(job, { ...opts, log });
  });

program
  .command('gen')
  .description('write events into eddy streams <kind>:{0..P-1} at a fixed rate')
  .addArgument(new Argument('<kind>', `event kind: ${EVENT_KINDS.join(', ')}`).choices(EVENT_KINDS as string[]))
  .requiredOption('--rate <n>', 'events per second', positiveNumber)
  .option('--partitions <p>', 'number of stream partitions', positiveInt, 4)
  .option('--redis <url>', 'server to write to', 'redis://127.0.0.1:6379/0')
  .option('--duration <seconds>', 'stop after this many seconds', positiveNumber)
  .option('--count <n>', 'stop after this many events', positiveInt)
  .option('--key <name>', 'stream key name (default: the kind)')
  .option('--seed <n>', 'random seed', positiveInt, 1)
  .option('--pool <n>', 'cycle through n pre-generated events (benchmarks: a cheaper generator)', positiveInt)
  .addOption(new Option('--timestamps', 'add a ts field (ms) to every event'))
  .action(async (kind: string, opts: { rate: number; partitions: number; redis: string; duration?: number; count?: number; key?: string; seed: number; pool?: number; timestamps?: boolean }) => {
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let r: Awaited<ReturnType<typeof generate>>;
    try {
      r = await generate({
      kind: kind as EventKind,
      url: opts.redis,
      rate: opts.rate,
      partitions: opts.partitions,
      key: opts.key,
      durationSec: opts.duration,
      count: opts.count,
      seed: opts.seed,
      pool: opts.pool,
      timestamps: opts.timestamps,
      signal: ac.signal,
      log,
      });
    } catch (e) {
      log(`gen: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
      return;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    log(`gen: wrote ${r.written} ${kind} events to ${opts.key ?? kind}:{0..${opts.partitions - 1}} in ${r.seconds.toFixed(1)} s`);
  });

await program.parseAsync(process.argv);
