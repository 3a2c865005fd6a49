// Why: Redis-style log lines ("pid:M 21 Nov 2026 05:43:49.123 * message") to stdout or `logfile`,
// filtered by `loglevel`.
import fs from 'node:fs';
import type { Config } from './config.js';

const LEVELS: Record<string, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const MARK = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class Logger {
  role = 'M';
  constructor(private config: Config) {}

  private write(level: number, msg: string): void {
    if (level < (LEVELS[this.config.str('loglevel')] ?? 2)) return;
    const d = new Date();
    const p2 = (n: number) => String(n).padStart(2, '0');
    const ts = `${p2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
    const line = `${process.pid}:${this.role} ${ts} ${MARK[level]} ${msg}\n`;
    const file = this.config.str('logfile');
    if (file) {
      try {
        fs.appendFileSync(file, line);
      } catch {
        process.stdout.write(line);
      }
    } else {
      process.stdout.write(line);
    }
  }
  debug(m: string) {
    this.write(0, m);
  }
  verbose(m: string) {
    this.write(1, m);
  }
  notice(m: string) {
    this.write(2, m);
  }
  warning(m: string) {
    this.write(3, m);
  }
}
