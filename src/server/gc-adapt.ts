// Why: --optimize-for-size keeps an idle server's heap small (RSS of many small keys) but makes V8
// collect far more often while data pours in (a pipelined load of a 1M-member zset costs 2.5x the
// CPU). While the server is busy (command or input rate high), V8 runs in throughput mode; after
// two quiet seconds it goes back to optimizing for size.
import { throughputBegin, throughputEnd } from '../persistence/gc-mode.js';

/** Commands per second, or input bytes per second, above which the server counts as busy. */
const BUSY_COMMANDS = 20_000;
const BUSY_BYTES = 2 * 1024 * 1024;
/** Quiet time before leaving throughput mode. */
const QUIET_MS = 2_000;

export class GcAdapt {
  private lastCommands = 0;
  private lastBytes = 0;
  private lastAt = Date.now();
  private quietSince = 0;
  private active = false;

  /** Called from serverCron with the running totals of commands processed and bytes read. */
  tick(commands: number, bytes: number, now: number): void {
    const dt = now - this.lastAt;
    if (dt <= 0) return;
    const busy = ((commands - this.lastCommands) * 1000) / dt >= BUSY_COMMANDS || ((bytes - this.lastBytes) * 1000) / dt >= BUSY_BYTES;
    this.lastCommands = commands;
    this.lastBytes = bytes;
    this.lastAt = now;
    if (busy) {
      this.quietSince = 0;
      if (!this.active) {
        this.active = true;
        throughputBegin();
      }
    } else if (this.active) {
      if (this.quietSince === 0) this.quietSince = now;
      else if (now - this.quietSince >= QUIET_MS) this.stop();
    }
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    this.quietSince = 0;
    throughputEnd();
  }
}
