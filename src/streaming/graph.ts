// Why: Spark's DStreamGraph — the registry of input streams, operator streams and output
// operations of one context; starts them (zero time, remember durations, start-time checks),
// clears old batches, and describes the graph (fingerprint) so a checkpoint taken by a different
// graph can be refused with a message saying what changed.
import { createHash } from 'node:crypto';
import type { DStream, OutputFunction } from './dstream.js';
import type { Duration, Time } from './duration.js';
import { IllegalStateException, requireArg } from './errors.js';
import type { JsonValue } from './keys.js';
import { isInputNode, isStatefulNode, type InputNode, type StatefulNode } from './node.js';

export interface OutputOperation {
  /** Position in definition order (Spark's output op id). */
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly stream: DStream<unknown>;
  readonly fn: OutputFunction<unknown>;
  /** Writes through the batch's commit (eddy sinks): needs StreamingContext.checkpoint(). */
  readonly requiresCommit?: boolean;
}

export interface GraphNodeDescription {
  id: number;
  kind: string;
  parents: number[];
  slideMs: number;
  params: { [key: string]: JsonValue };
  input?: string;
}

export interface GraphDescription {
  batchMs: number;
  nodes: GraphNodeDescription[];
  outputs: Array<{ id: number; name: string; stream: number }>;
}

export class DStreamGraph {
  private readonly streams: Array<DStream<unknown>> = [];
  readonly outputs: OutputOperation[] = [];
  zeroTime: Time | undefined;
  startTime: Time | undefined;
  rememberDuration: Duration | undefined;

  constructor(readonly batchDuration: Duration) {}

  registerStream(s: DStream<unknown>): number {
    this.streams.push(s);
    return this.streams.length - 1;
  }

  addOutputOperation(
    stream: DStream<unknown>,
    name: string,
    description: string,
    fn: OutputFunction<unknown>,
    requiresCommit = false,
  ): OutputOperation {
    const st = stream.ssc.getState();
    if (st !== 'INITIALIZED') {
      throw new IllegalStateException(
        `Adding new inputs, transformations, and output operations after ${st === 'ACTIVE' ? 'starting' : 'stopping'} a context is not supported`,
      );
    }
    const op: OutputOperation = { id: this.outputs.length, name, description, stream, fn, requiresCommit };
    this.outputs.push(op);
    return op;
  }

  get allStreams(): ReadonlyArray<DStream<unknown>> {
    return this.streams;
  }

  get inputStreams(): Array<DStream<unknown>> {
    return this.streams.filter((s) => isInputNode(s.node));
  }

  inputNode(s: DStream<unknown>): InputNode<unknown> {
    return s.node as InputNode<unknown>;
  }

  /** Streams with keyed state (updateStateByKey, mapWithState, incremental windows) by stream id. */
  get statefulStreams(): Array<{ stream: DStream<unknown>; node: StatefulNode<unknown, unknown> }> {
    const out: Array<{ stream: DStream<unknown>; node: StatefulNode<unknown, unknown> }> = [];
    for (const s of this.streams) if (isStatefulNode(s.node)) out.push({ stream: s, node: s.node });
    return out;
  }

  /** Spark's DStreamGraph.validate. */
  validate(): void {
    requireArg(this.outputs.length > 0, 'No output operations registered, so nothing to execute');
    for (const o of this.outputs) {
      requireArg(
        !o.requiresCommit || o.stream.ssc.isCheckpointPresent,
        `${o.name} writes through the batch commit, but no checkpoint is set. Please set it by StreamingContext.checkpoint("redis://host:port/db?prefix=job:name").`,
      );
    }
  }

  /** Initializes every stream reachable from an output, then checks them (Spark's graph.start). */
  start(zeroTime: Time, startTime: Time): void {
    this.zeroTime = zeroTime;
    this.startTime = startTime;
    for (const o of this.outputs) o.stream.initialize(zeroTime);
    for (const s of this.inputStreams) if (!s.zeroTime) s.initialize(zeroTime);
    for (const o of this.outputs) o.stream.remember(this.rememberDuration);
    for (const o of this.outputs) o.stream.validateAtStart();
  }

  remember(duration: Duration): void {
    this.rememberDuration = duration;
  }

  clearMetadata(time: Time): void {
    for (const o of this.outputs) o.stream.clearMetadata(time);
    for (const s of this.inputStreams) s.clearMetadata(time);
  }

  describe(): GraphDescription {
    return {
      batchMs: this.batchDuration.milliseconds,
      nodes: this.streams.map((s) => {
        const d: GraphNodeDescription = {
          id: s.id,
          kind: s.node.kind,
          parents: s.dependencies.map((p) => p.id),
          slideMs: s.slideDuration.milliseconds,
          params: s.node.params ?? {},
        };
        if (isInputNode(s.node)) d.input = s.node.name;
        return d;
      }),
      outputs: this.outputs.map((o) => ({ id: o.id, name: o.name, stream: o.stream.id })),
    };
  }

  /** A short hash of describe(): equal for graphs a checkpoint can be resumed with. */
  fingerprint(): string {
    return createHash('sha1').update(JSON.stringify(this.describe())).digest('hex').slice(0, 16);
  }
}

function nodeText(n: GraphNodeDescription): string {
  const params = Object.entries(n.params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  const slide = 'slide' in n.params ? '' : `${params ? ', ' : ''}slide=${n.slideMs}`;
  return `${n.kind}(${params}${slide}${n.parents.length ? `, parents=${n.parents.join('+')}` : ''})`;
}

/** Human-readable differences between a checkpoint's graph and the current one (empty if compatible). */
export function describeGraphChanges(before: GraphDescription, after: GraphDescription): string[] {
  const out: string[] = [];
  if (before.batchMs !== after.batchMs) out.push(`batch interval changed from ${before.batchMs} ms to ${after.batchMs} ms`);
  const n = Math.max(before.nodes.length, after.nodes.length);
  for (let i = 0; i < n; i++) {
    const a = before.nodes[i];
    const b = after.nodes[i];
    if (!a) out.push(`stream ${i} added: ${nodeText(b)}`);
    else if (!b) out.push(`stream ${i} removed: ${nodeText(a)}`);
    else if (nodeText(a) !== nodeText(b) || a.input !== b.input) out.push(`stream ${i} changed from ${nodeText(a)} to ${nodeText(b)}`);
  }
  const m = Math.max(before.outputs.length, after.outputs.length);
  for (let i = 0; i < m; i++) {
    const a = before.outputs[i];
    const b = after.outputs[i];
    if (!a) out.push(`output operation ${i} added: ${b.name} of stream ${b.stream}`);
    else if (!b) out.push(`output operation ${i} removed: ${a.name} of stream ${a.stream}`);
    else if (a.name !== b.name || a.stream !== b.stream) {
      out.push(`output operation ${i} changed from ${a.name} of stream ${a.stream} to ${b.name} of stream ${b.stream}`);
    }
  }
  return out;
}
