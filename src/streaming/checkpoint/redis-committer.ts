// Why: eddy's checkpoint committer, `ssc.checkpoint('redis://host:port/db?prefix=job:name')`.
// Each batch commits in ONE MULTI/EXEC guarded by WATCH on the job's epoch key: state deltas
// (HSET/HDEL per state hash), window slices, sink writes, write-ahead-log trims, input offsets and
// the batch time. A starting instance INCRs the epoch, so an older instance's next commit fails
// (fenced) and that instance stops. A commit cut by a lost connection is verified after the
// reconnect (applied, retried, or reported lost), so a restarted server does not break the job.
import type { Redis } from 'ioredis';
import { registerCheckpointScheme, type BatchCommit, type BatchCommitter } from '../commit.js';
import type { StreamingContext } from '../context.js';
import { errorMessage, IllegalStateException, StreamingException } from '../errors.js';
import { ReceiverInputNode } from '../inputs/receiver.js';
import { encodeStateField, encodeStateValue, nextStreamId, toJson } from './codec.js';
import { CheckpointFencedException, CheckpointLostException, CommitCommandException, isConnectionError } from './errors.js';
import { connect, JobKeys, parseRedisUrl, type RedisLocation } from './location.js';
import { checkCompatible, restoreGraph, windowInputs, type Meta, type WindowInput } from './recover.js';
import { RedisBlockLog } from './wal.js';

/** Field/value pairs per HSET (keeps single commands reasonably sized). */
const CHUNK = 1000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface RedisCommitterOptions {
  /** Give up a commit (or connecting) after this long without the store. Default 60 s. */
  timeoutMs?: number;
}

export class RedisCommitter implements BatchCommitter {
  readonly location: RedisLocation;
  readonly keys: JobKeys;
  readonly timeoutMs: number;
  private conn: Redis | undefined;
  private logConn: Redis | undefined;
  private opening: Promise<void> | undefined;
  private epochValue: number | undefined;
  /** Bumped whenever the commit connection closes (a WATCH does not survive it). */
  private generation = 0;
  private recovered = false;
  private lastCommitted: number | undefined;
  private wroteGraph = false;
  private readonly logs = new Map<number, RedisBlockLog<unknown>>();
  private windows: WindowInput[] = [];
  /** Commits made by this instance (tests, monitoring). */
  commits = 0;

  constructor(
    readonly url: string,
    private readonly ssc: StreamingContext,
    options: RedisCommitterOptions = {},
  ) {
    this.location = parseRedisUrl(url);
    this.keys = new JobKeys(this.location.prefix ?? `job:${ssc.name}`);
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** This instance's epoch (after start/recover). */
  get epoch(): number | undefined {
    return this.epochValue;
  }

  /** Time (ms) of the last batch this instance committed or resumed from. */
  get lastCommittedTime(): number | undefined {
    return this.lastCommitted;
  }

  private where(): string {
    return `${this.location.host}:${this.location.port}/${this.location.db} (${this.keys.tag})`;
  }

  private async ready(conn: Redis): Promise<void> {
    if (conn.status === 'ready') return;
    if (conn.status === 'wait') void conn.connect().catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.off('ready', onReady);
        reject(new StreamingException(`Cannot reach the checkpoint store at ${this.where()} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      conn.once('ready', onReady);
    });
  }

  /** Connects (no side effect on the job's keys). */
  private open(): Promise<void> {
    this.opening ??= (async () => {
      const conn = connect(this.location, { retryCommands: false, name: 'eddy-streaming-commit' });
      conn.on('close', () => this.generation++);
      this.conn = conn;
      this.logConn = connect(this.location, { retryCommands: true, name: 'eddy-streaming-wal' });
      await this.ready(conn);
      this.windows = windowInputs(this.ssc);
    })();
    return this.opening;
  }

  /**
   * Takes ownership of the job: the INCR of the epoch fences every older instance (their next
   * commit fails). Done only once this instance knows it can run the checkpoint.
   */
  private async acquire(): Promise<void> {
    if (this.epochValue === undefined) this.epochValue = await this.conn!.incr(this.keys.epoch);
  }

  private logFor(streamId: number): RedisBlockLog<unknown> {
    let log = this.logs.get(streamId);
    if (!log) {
      log = new RedisBlockLog<unknown>(this.logConn!, this.keys.wal(streamId));
      this.logs.set(streamId, log);
    }
    return log;
  }

  private async replay(node: ReceiverInputNode<unknown>, upto: string | null, lastBatchTime: number): Promise<void> {
    const entries = await this.logFor(node.id).readAfter(upto);
    node.replayLog(upto, entries, lastBatchTime);
    const blocks = entries.filter((e) => e.kind === 'block').length;
    if (blocks > 0) this.ssc.log(`Replaying ${blocks} block(s) of stream ${node.id} from its write-ahead log`);
  }

  /** Receivers whose blocks are written ahead (every receiver of a job with this committer). */
  private receivers(): Array<ReceiverInputNode<unknown>> {
    const out: Array<ReceiverInputNode<unknown>> = [];
    for (const s of this.ssc.graph.inputStreams) if (s.node instanceof ReceiverInputNode) out.push(s.node as ReceiverInputNode<unknown>);
    return out;
  }

  async recover(): Promise<boolean> {
    await this.open();
    const conn = this.conn!;
    // Check compatibility before taking the job over, so a refused deployment leaves a running
    // instance alone; then read the checkpoint again as its owner (it can no longer change).
    let meta = (await conn.hgetall(this.keys.meta)) as Meta;
    if (meta.lastBatchTime !== undefined) checkCompatible(this.ssc, meta, this.url, this.keys.tag);
    await this.acquire();
    meta = (await conn.hgetall(this.keys.meta)) as Meta;
    this.recovered = true;
    if (meta.lastBatchTime === undefined) {
      // A job that died before its first commit may have received blocks: they go to the first batch.
      for (const r of this.receivers()) await this.replay(r, null, Infinity);
      return false;
    }
    checkCompatible(this.ssc, meta, this.url, this.keys.tag);
    const summary = await restoreGraph(this.ssc, conn, this.keys, meta, (node, upto, last) => this.replay(node, upto, last));
    this.lastCommitted = Number(meta.lastBatchTime);
    this.wroteGraph = true;
    this.ssc.log(
      `Resuming from the checkpoint at ${this.where()}: last committed batch ${meta.lastBatchTime} ms, ` +
        `${summary.stateKeys} state key(s), ${summary.slices} window slice(s), epoch ${this.epochValue}`,
    );
    return true;
  }

  async start(): Promise<void> {
    await this.open();
    if (!this.recovered) {
      const last = await this.conn!.hget(this.keys.meta, 'lastBatchTime');
      if (last !== null) {
        throw new IllegalStateException(
          `A checkpoint of job "${this.ssc.name}" already exists at ${this.where()} (last batch ${last} ms): ` +
            `resume it with StreamingContext.getOrCreate("${this.url}", create), or delete its keys (${this.keys.tag}:*) to start over`,
        );
      }
      await this.acquire();
      this.recovered = true;
      for (const r of this.receivers()) await this.replay(r, null, Infinity);
    }
    for (const r of this.receivers()) {
      const log = this.logFor(r.id);
      await log.open();
      r.setWriteAheadLog(log);
    }
  }

  private epochError(current: number): Error {
    const mine = this.epochValue;
    if (current > (mine ?? 0)) {
      return new CheckpointFencedException(
        `Job "${this.ssc.name}" was taken over by another instance (checkpoint epoch ${current}, this instance's is ${mine}): ` +
          'this instance can no longer commit and stops',
      );
    }
    return new CheckpointLostException(
      `The checkpoint store at ${this.where()} lost data of job "${this.ssc.name}" (its epoch is ${Number.isNaN(current) ? 'missing' : current}, ` +
        `this instance's is ${mine}): restart the job to resume from what the store has`,
    );
  }

  private buildCommands(b: BatchCommit): string[][] {
    const t = b.time.milliseconds;
    const keys = this.keys;
    const cmds: string[][] = [];
    const meta: string[] = [
      'lastBatchTime', String(t),
      'zeroTime', String(b.zeroTime.milliseconds),
      'fingerprint', b.graphFingerprint,
      'epoch', String(this.epochValue),
      'updatedAt', String(Date.now()),
    ];
    if (!this.wroteGraph) {
      meta.push('graph', JSON.stringify(this.ssc.graph.describe()), 'batchMs', String(this.ssc.batchDuration.milliseconds), 'name', this.ssc.name);
    }
    for (const s of b.states) {
      const key = keys.state(s.streamId);
      const d = s.delta;
      let hset: string[] = ['hset', key];
      for (const [k, v] of d.updated) {
        hset.push(encodeStateField(k, s.streamId), encodeStateValue(k, v, d.time, s.streamId));
        if (hset.length >= 2 + 2 * CHUNK) {
          cmds.push(hset);
          hset = ['hset', key];
        }
      }
      if (hset.length > 2) cmds.push(hset);
      for (let i = 0; i < d.removed.length; i += CHUNK) {
        cmds.push(['hdel', key, ...d.removed.slice(i, i + CHUNK).map((k) => encodeStateField(k, s.streamId))]);
      }
      meta.push(`version:${s.streamId}`, String(d.time));
    }
    for (const sl of b.slices) {
      const key = keys.slice(sl.streamId, sl.time);
      const hset = ['hset', key, 'n', String(sl.partitions.length)];
      sl.partitions.forEach((p, i) => {
        if (p.length > 0) hset.push(String(i), toJson(p, () => `A batch of stream ${sl.streamId} (read by a window)`));
      });
      cmds.push(['del', key], hset);
    }
    for (const w of this.windows) {
      if (t - w.keepMs > b.zeroTime.milliseconds) cmds.push(['del', keys.slice(w.streamId, t - w.keepMs)]);
    }
    for (const c of b.commands) cmds.push([...c]);
    for (const i of b.inputs) {
      meta.push(`input:${i.streamId}`, JSON.stringify(i.metadata ?? null));
      const upto = (i.metadata as { upto?: unknown } | null | undefined)?.upto;
      if (typeof upto === 'string' && this.logs.has(i.streamId)) {
        cmds.push(['xtrim', keys.wal(i.streamId), 'MINID', nextStreamId(upto)]);
      }
    }
    cmds.push(['hset', keys.meta, ...meta]);
    return cmds;
  }

  async commit(b: BatchCommit): Promise<void> {
    await this.open();
    if (this.epochValue === undefined) throw new IllegalStateException('The checkpoint committer was not started');
    const t = b.time.milliseconds;
    const cmds = this.buildCommands(b);
    const deadline = Date.now() + this.timeoutMs;
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        if (Date.now() > deadline) {
          throw new StreamingException(`Could not commit batch ${t} ms to the checkpoint store at ${this.where()}: ${errorMessage(lastError)}`);
        }
        await sleep(Math.min(50 * attempt, 500));
        try {
          const applied = await this.wasApplied(t);
          this.ssc.log(`Commit of batch ${t} ms was cut by a lost connection (${errorMessage(lastError)}); after reconnecting: ${applied ? 'it was applied' : 'not applied, retrying'}`);
          if (applied) break;
        } catch (e) {
          if (!this.retryable(e)) throw e;
          lastError = e;
          continue;
        }
      }
      try {
        await this.tryCommit(t, cmds);
        break;
      } catch (e) {
        if (!this.retryable(e)) throw e;
        lastError = e;
      }
    }
    this.lastCommitted = t;
    this.wroteGraph = true;
    this.commits++;
  }

  /** Only a lost connection leaves a commit's outcome unknown; anything else is final. */
  private retryable(e: unknown): boolean {
    if (e instanceof CheckpointFencedException || e instanceof CheckpointLostException || e instanceof CommitCommandException) return false;
    return isConnectionError(e);
  }

  private async tryCommit(t: number, cmds: string[][]): Promise<void> {
    const conn = this.conn!;
    const gen = this.generation;
    const [watched, got] = (await conn.pipeline().watch(this.keys.epoch).get(this.keys.epoch).exec()) ?? [];
    if (watched?.[0]) throw watched[0];
    if (got?.[0]) throw got[0];
    const current = Number(got?.[1] ?? NaN);
    if (current !== this.epochValue) {
      await conn.unwatch().catch(() => undefined);
      throw this.epochError(current);
    }
    if (gen !== this.generation) throw new Error('the connection was re-established after WATCH');
    const tx = conn.multi();
    for (const c of cmds) tx.call(c[0], ...c.slice(1));
    const res = await tx.exec();
    if (res === null) {
      // Only the epoch is watched: another instance took the job over (or the store lost it).
      throw this.epochError(Number((await conn.get(this.keys.epoch)) ?? NaN));
    }
    const failed = res.findIndex(([err]) => err);
    if (failed >= 0) {
      const n = res.filter(([err]) => err).length;
      throw new CommitCommandException(
        `Batch ${t} ms was committed, but ${n} of its ${cmds.length} commands failed; the first: ` +
          `${cmds[failed].slice(0, 3).join(' ')}${cmds[failed].length > 3 ? ' ...' : ''} -> ${errorMessage(res[failed][0])}`,
      );
    }
  }

  /** After a failed attempt: did the commit of batch `t` reach the store? (throws if the job cannot go on) */
  private async wasApplied(t: number): Promise<boolean> {
    const conn = this.conn!;
    await this.ready(conn);
    const [ep, last] = (await conn.pipeline().get(this.keys.epoch).hget(this.keys.meta, 'lastBatchTime').exec()) ?? [];
    if (ep?.[0]) throw ep[0];
    if (last?.[0]) throw last[0];
    const current = Number(ep?.[1] ?? NaN);
    if (current !== this.epochValue) throw this.epochError(current);
    const stored = last?.[1] === null || last?.[1] === undefined ? undefined : Number(last[1]);
    if (stored === t) return true;
    if (stored === this.lastCommitted) return false;
    throw new CheckpointLostException(
      `The checkpoint store at ${this.where()} lost committed batches of job "${this.ssc.name}" ` +
        `(its last batch is ${stored ?? 'none'}, this instance committed ${this.lastCommitted ?? 'none'}): restart the job to resume from what the store has`,
    );
  }

  async close(): Promise<void> {
    const conns = [this.conn, this.logConn];
    this.conn = undefined;
    this.logConn = undefined;
    this.opening = undefined;
    await Promise.all(
      conns.map(async (c) => {
        if (!c) return;
        if (c.status !== 'ready') {
          c.disconnect();
          return;
        }
        await Promise.race([c.quit().catch(() => undefined), sleep(1000)]);
        c.disconnect();
      }),
    );
  }
}

registerCheckpointScheme('redis', (url, ssc) => new RedisCommitter(url, ssc));
