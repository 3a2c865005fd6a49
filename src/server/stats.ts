// Why: the counters INFO stats / errorstats / commandstats report, kept in one object so
// CONFIG RESETSTAT can zero them in one place.
export class Stats {
  startTime = Date.now();
  totalConnections = 0;
  rejectedConnections = 0;
  totalCommands = 0;
  netInput = 0;
  netOutput = 0;
  expiredKeys = 0;
  expiredStalePerc = 0;
  expiredTimeCapReached = 0;
  evictedKeys = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  pubsubChannels = 0;
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  /** error prefix ("ERR", "WRONGTYPE") -> count */
  errors = new Map<string, number>();
  /** ops/sec sampling */
  private samples: number[] = [];
  private lastSampleCmds = 0;
  private lastSampleTime = Date.now();
  private lastNetIn = 0;
  private lastNetOut = 0;
  private inSamples: number[] = [];
  private outSamples: number[] = [];

  countError(msg: string): void {
    this.totalErrorReplies++;
    const sp = msg.indexOf(' ');
    const prefix = sp > 0 ? msg.slice(0, sp) : msg;
    // Redis counts only upper-case-ish prefixes; anything else goes under ERR.
    const key = /^[A-Z]+$/.test(prefix) ? prefix : 'ERR';
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  /** Called from the server cron: instantaneous_ops_per_sec and friends over the last 16 samples. */
  sample(): void {
    const now = Date.now();
    const dt = now - this.lastSampleTime;
    if (dt < 100) return;
    const push = (arr: number[], v: number) => {
      arr.push(v);
      if (arr.length > 16) arr.shift();
    };
    push(this.samples, ((this.totalCommands - this.lastSampleCmds) * 1000) / dt);
    push(this.inSamples, ((this.netInput - this.lastNetIn) * 1000) / dt / 1024);
    push(this.outSamples, ((this.netOutput - this.lastNetOut) * 1000) / dt / 1024);
    this.lastSampleCmds = this.totalCommands;
    this.lastNetIn = this.netInput;
    this.lastNetOut = this.netOutput;
    this.lastSampleTime = now;
  }

  private avg(a: number[]): number {
    return a.length ? a.reduce((x, y) => x + y, 0) / a.length : 0;
  }
  get opsPerSec(): number {
    return Math.round(this.avg(this.samples));
  }
  get inputKbps(): number {
    return this.avg(this.inSamples);
  }
  get outputKbps(): number {
    return this.avg(this.outSamples);
  }

  reset(): void {
    const fresh = new Stats();
    fresh.startTime = this.startTime;
    Object.assign(this, fresh);
  }
}
