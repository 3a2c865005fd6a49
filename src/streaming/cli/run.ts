// Why: `eddy stream run`: runs a job file against its store — getOrCreate keyed by the job's name
// (resume after a crash), a graceful stop on SIGTERM/SIGINT, and a supervisor loop that restarts
// the job from its checkpoint when a batch fails or the store goes away (but not when another
// instance fenced it off: that instance owns the job now).
import { StreamingContext } from '../context.js';
import { errorMessage } from '../errors.js';
import { CheckpointFencedException } from '../checkpoint/errors.js';
import { parseRedisUrl, withPrefix } from '../checkpoint/location.js';
import { IllegalArgumentException, IllegalStateException } from '../errors.js';
import { loadJob } from './job.js';
import { startLocalServer, type LocalServer } from './local-server.js';

export interface RunOptions {
  redis?: string;
  batch?: string;
  name?: string;
  storePort: number;
  data: string;
  log: (line: string) => void;
}

/** Exit codes: 0 stopped, 1 error, 3 fenced by another instance. */
export async function runJob(jobFile: string, o: RunOptions): Promise<number> {
  let job: Awaited<ReturnType<typeof loadJob>>;
  let local: LocalServer | undefined;
  let base = o.redis;
  try {
    job = await loadJob(jobFile);
    base ??= job.config.checkpoint;
    if (!base) {
      local = await startLocalServer(o.storePort, o.data, o.log);
      base = local.url;
    }
  } catch (e) {
    o.log(e instanceof Error ? e.message : String(e));
    return 1;
  }
  const name = o.name ?? job.name;
  const url = parseRedisUrl(base).prefix ? base : withPrefix(base, `job:${name}`);
  let current: StreamingContext | undefined;
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) {
      o.log(`${sig} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    o.log(`${sig}: stopping gracefully (processing what was received)`);
    void current?.stop({ stopGracefully: true, timeoutMs: 30_000 });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let code = 0;
  try {
    for (let attempt = 0; !stopping; attempt++) {
      let ssc: StreamingContext;
      let building = false;
      try {
        ssc = await StreamingContext.getOrCreate(url, async () => {
          building = true;
          const c = new StreamingContext({
            batchInterval: o.batch ?? job.config.batchInterval ?? '1s',
            name,
            blockInterval: job.config.blockInterval,
            defaultParallelism: job.config.defaultParallelism,
          });
          await job.build(c);
          building = false;
          return c;
        });
      } catch (e) {
        // A job that cannot be built, or a checkpoint it cannot resume, will not get better by retrying.
        if (building || e instanceof IllegalStateException || e instanceof IllegalArgumentException) throw e;
        o.log(`Cannot start job "${name}" from ${url}: ${errorMessage(e)}; retrying in 1 s`);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (stopping) {
        await ssc.stop();
        break;
      }
      current = ssc;
      ssc.start();
      try {
        await ssc.awaitTermination();
        break;
      } catch (e) {
        await ssc.stop();
        current = undefined;
        if (e instanceof CheckpointFencedException) {
          o.log(`FENCED: ${e.message}`);
          code = 3;
          break;
        }
        if (stopping) break;
        o.log(`Job "${name}" failed: ${errorMessage(e)}; restarting from its checkpoint in 1 s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } catch (e) {
    o.log(`Job "${name}" cannot run: ${e instanceof Error ? e.message : String(e)}`);
    code = 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await local?.stop();
  }
  return code;
}
