// Why: every timer of the engine (batch ticks, receiver block cuts) goes through a Clock, so tests
// can use a ManualClock (as Spark's test suites do) and drive batches deterministically without
// waiting real time; RecurringTimer is Spark's tick source on top of it.

export interface Clock {
  /** Current time in milliseconds. */
  now(): number;
  /**
   * Runs `fn` once the clock reaches `at` (at once-ish if already past). Timers due at the same
   * time run lower `priority` first (receivers cut their blocks before the batch tick takes them).
   * Returns a cancel function.
   */
  schedule(at: number, fn: () => void, priority?: number): () => void;
}

/**
 * Wall clock (Date.now) with setTimeout; never fires before `at`, and never inside schedule()
 * itself, even when `at` is past: after an event loop blocked past several batch ticks, a
 * RecurringTimer re-arms from its tick callback, and an immediate call would run the next tick
 * before the current one.
 */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  schedule(at: number, fn: () => void): () => void {
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const check = (): void => {
      const wait = at - Date.now();
      if (wait <= 0) {
        handle = undefined;
        if (!cancelled) fn();
        return;
      }
      handle = setTimeout(check, wait);
    };
    handle = setTimeout(check, Math.max(0, at - Date.now()));
    return () => {
      cancelled = true;
      if (handle) clearTimeout(handle);
    };
  }
}

interface ManualTimer {
  at: number;
  priority: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. Timers due at or before the new time fire synchronously
 * inside advance()/setTime(), in time order (ties in scheduling order); timers they schedule that
 * are also due fire in the same call.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(startTime = 0) {
    this.time = startTime;
  }

  now(): number {
    return this.time;
  }

  schedule(at: number, fn: () => void, priority = 0): () => void {
    const t: ManualTimer = { at, priority, seq: this.seq++, fn, cancelled: false };
    this.timers.push(t);
    return () => {
      t.cancelled = true;
    };
  }

  advance(ms: number): void {
    this.setTime(this.time + ms);
  }

  setTime(target: number): void {
    for (;;) {
      let next: ManualTimer | undefined;
      let nextIdx = -1;
      for (let i = 0; i < this.timers.length; i++) {
        const t = this.timers[i];
        if (t.cancelled || t.at > target) continue;
        if (
          !next ||
          t.at < next.at ||
          (t.at === next.at && (t.priority < next.priority || (t.priority === next.priority && t.seq < next.seq)))
        ) {
          next = t;
          nextIdx = i;
        }
      }
      if (!next) break;
      this.timers.splice(nextIdx, 1);
      if (next.at > this.time) this.time = next.at;
      next.fn();
    }
    this.timers = this.timers.filter((t) => !t.cancelled);
    if (target > this.time) this.time = target;
  }

  /** Number of pending timers (tests). */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}

/**
 * Calls `callback(time)` at every multiple of `period` (Spark's RecurringTimer). The first tick is
 * the first multiple of the period strictly after the clock's current time.
 */
export class RecurringTimer {
  private cancel: (() => void) | undefined;
  private nextTime = -1;
  private stopAfter = Infinity;
  private running = false;

  constructor(
    private readonly clock: Clock,
    readonly period: number,
    private readonly callback: (time: number) => void,
    private readonly priority = 0,
  ) {}

  /** The first time this timer would fire if started now. */
  getStartTime(): number {
    return (Math.floor(this.clock.now() / this.period) + 1) * this.period;
  }

  /** Starts ticking at `startTime` (default getStartTime()); returns it. */
  start(startTime = this.getStartTime()): number {
    this.nextTime = startTime;
    this.running = true;
    this.arm();
    return startTime;
  }

  /** Time of the next tick (valid while running). */
  get next(): number {
    return this.nextTime;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Lets the timer fire ticks up to and including `time`, then stop. */
  stopAfterTick(time: number): void {
    this.stopAfter = time;
  }

  /** Stops at once; returns the time of the last tick that fired. */
  stop(): number {
    this.running = false;
    this.cancel?.();
    this.cancel = undefined;
    return this.nextTime - this.period;
  }

  private arm(): void {
    const at = this.nextTime;
    this.cancel = this.clock.schedule(at, () => {
      if (!this.running) return;
      this.nextTime = at + this.period;
      const last = at >= this.stopAfter;
      if (last) this.running = false;
      else this.arm();
      this.callback(at);
    }, this.priority);
  }
}
