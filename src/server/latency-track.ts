// Why: the glue between dispatch and the per-command latency histograms (latency-tracking,
// latency-tracking-info-percentiles), shared by INFO latencystats, LATENCY HISTOGRAM and
// CONFIG RESETSTAT.
import type { Command } from './command-table.js';
import type { Server } from './server.js';
import { LatencyHistogram } from './latency-hist.js';

/** Called by dispatch after every call (Redis: updateCommandLatencyHistogram). */
export function recordLatency(server: Server, cmd: Command, usec: number): void {
  if (!server.config.hot.latencyTracking) return;
  (cmd.latencyHist ??= new LatencyHistogram()).record(usec);
}

export function latencyHistogram(cmd: Command): LatencyHistogram | null {
  return cmd.latencyHist;
}

export function latencyPercentiles(server: Server): number[] {
  const v = server.config.values.get('latency-tracking-info-percentiles');
  if (typeof v !== 'string') return [50, 99, 99.9];
  return v.split(' ').filter(Boolean).map(Number);
}
