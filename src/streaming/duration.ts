// Why: Spark Streaming's Duration/Time/Interval value types (batch interval, window and slide
// lengths, batch times), with the same arithmetic and the same "<n> ms" string form that error
// messages and print() use.
import { IllegalArgumentException } from './errors.js';

function checkMs(ms: number, what: string): number {
  if (!Number.isSafeInteger(ms)) throw new IllegalArgumentException(`${what} must be an integer number of milliseconds, got ${ms}`);
  return ms;
}

/** A length of time in whole milliseconds (Spark's org.apache.spark.streaming.Duration). */
export class Duration {
  readonly milliseconds: number;
  constructor(milliseconds: number) {
    this.milliseconds = checkMs(milliseconds, 'Duration');
  }
  plus(that: Duration): Duration { return new Duration(this.milliseconds + that.milliseconds); }
  minus(that: Duration): Duration { return new Duration(this.milliseconds - that.milliseconds); }
  times(n: number): Duration { return new Duration(this.milliseconds * n); }
  /** Ratio of two durations (Spark's `/`). */
  div(that: Duration): number { return this.milliseconds / that.milliseconds; }
  less(that: Duration): boolean { return this.milliseconds < that.milliseconds; }
  lessEq(that: Duration): boolean { return this.milliseconds <= that.milliseconds; }
  greater(that: Duration): boolean { return this.milliseconds > that.milliseconds; }
  greaterEq(that: Duration): boolean { return this.milliseconds >= that.milliseconds; }
  equals(that: Duration): boolean { return this.milliseconds === that.milliseconds; }
  /** True when this is a whole multiple of `that` (false for a zero `that`, as in Spark). */
  isMultipleOf(that: Duration): boolean {
    return that.milliseconds !== 0 && this.milliseconds % that.milliseconds === 0;
  }
  isZero(): boolean { return this.milliseconds === 0; }
  min(that: Duration): Duration { return this.milliseconds <= that.milliseconds ? this : that; }
  max(that: Duration): Duration { return this.milliseconds >= that.milliseconds ? this : that; }
  toSeconds(): number { return this.milliseconds / 1000; }
  toString(): string { return `${this.milliseconds} ms`; }
  /** Human form: "200 ms", "1.5 s", "20 min", "2 h". */
  prettyPrint(): string {
    const ms = this.milliseconds;
    if (Math.abs(ms) < 1000) return `${ms} ms`;
    if (Math.abs(ms) < 60_000 || ms % 60_000 !== 0) return `${ms / 1000} s`;
    if (Math.abs(ms) < 3_600_000 || ms % 3_600_000 !== 0) return `${ms / 60_000} min`;
    return `${ms / 3_600_000} h`;
  }
  toJSON(): number { return this.milliseconds; }
}

export function Milliseconds(n: number): Duration { return new Duration(n); }
export function Seconds(n: number): Duration { return new Duration(Math.round(n * 1000)); }
export function Minutes(n: number): Duration { return new Duration(Math.round(n * 60_000)); }
export function Hours(n: number): Duration { return new Duration(Math.round(n * 3_600_000)); }

/** Parses "500ms", "1s", "1.5s", "2m"/"2min", "1h" or a bare number of milliseconds (CLI flags, job configs). */
export function parseDuration(text: string | number | Duration): Duration {
  if (text instanceof Duration) return text;
  if (typeof text === 'number') return new Duration(text);
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?\s*$/i.exec(text);
  if (!m) throw new IllegalArgumentException(`Invalid duration: ${text}`);
  const n = Number(m[1]);
  switch ((m[2] ?? 'ms').toLowerCase()) {
    case 'ms': return new Duration(Math.round(n));
    case 's': case 'sec': return Seconds(n);
    case 'm': case 'min': return Minutes(n);
    default: return Hours(n);
  }
}

/** A point in time in milliseconds (Spark's Time); batch times are multiples of the batch interval. */
export class Time {
  readonly milliseconds: number;
  constructor(milliseconds: number) {
    this.milliseconds = checkMs(milliseconds, 'Time');
  }
  plus(d: Duration): Time { return new Time(this.milliseconds + d.milliseconds); }
  minus(d: Duration): Time { return new Time(this.milliseconds - d.milliseconds); }
  /** The duration between two times (this - that). */
  since(that: Time): Duration { return new Duration(this.milliseconds - that.milliseconds); }
  less(that: Time): boolean { return this.milliseconds < that.milliseconds; }
  lessEq(that: Time): boolean { return this.milliseconds <= that.milliseconds; }
  greater(that: Time): boolean { return this.milliseconds > that.milliseconds; }
  greaterEq(that: Time): boolean { return this.milliseconds >= that.milliseconds; }
  equals(that: Time): boolean { return this.milliseconds === that.milliseconds; }
  isMultipleOf(d: Duration): boolean { return d.milliseconds !== 0 && this.milliseconds % d.milliseconds === 0; }
  /** Largest time <= this that is zeroTime plus a multiple of `d` (Scala's truncating division). */
  floor(d: Duration, zeroTime: Time = new Time(0)): Time {
    const t = d.milliseconds;
    return new Time(Math.trunc((this.milliseconds - zeroTime.milliseconds) / t) * t + zeroTime.milliseconds);
  }
  min(that: Time): Time { return this.milliseconds <= that.milliseconds ? this : that; }
  max(that: Time): Time { return this.milliseconds >= that.milliseconds ? this : that; }
  /** Times from this to `that` inclusive, stepping by `interval` (Spark's `to`). */
  to(that: Time, interval: Duration): Time[] {
    const out: Time[] = [];
    for (let t = this.milliseconds; t <= that.milliseconds; t += interval.milliseconds) out.push(new Time(t));
    return out;
  }
  /** Times from this to `that` exclusive (Spark's `until`). */
  until(that: Time, interval: Duration): Time[] {
    const out: Time[] = [];
    for (let t = this.milliseconds; t < that.milliseconds; t += interval.milliseconds) out.push(new Time(t));
    return out;
  }
  toString(): string { return `${this.milliseconds} ms`; }
  toJSON(): number { return this.milliseconds; }
}

/** A closed time interval [beginTime, endTime] (Spark's Interval). */
export class Interval {
  constructor(readonly beginTime: Time, readonly endTime: Time) {}
  duration(): Duration { return this.endTime.since(this.beginTime); }
  minus(d: Duration): Interval { return new Interval(this.beginTime.minus(d), this.endTime.minus(d)); }
  plus(d: Duration): Interval { return new Interval(this.beginTime.plus(d), this.endTime.plus(d)); }
  toString(): string { return `[${this.beginTime}, ${this.endTime}]`; }
}
