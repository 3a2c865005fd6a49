// Why: LATENCY LATEST/HISTORY/RESET/GRAPH/DOCTOR/HISTOGRAM/HELP over server.latencyEvents (the
// latency monitor) and the per-command histograms, with Redis's texts and its sparkline renderer.
import type { Client } from './client.js';
import type { Command, CommandDef } from './command-table.js';
import type { Server } from './server.js';
import { replyHelp } from './help.js';
import { fail } from './errors.js';

type Event = { latest: number; max: number; samples: [number, number][] };

function latest(c: Client): void {
  const ev = c.server.latencyEvents;
  let s = '*' + ev.size + '\r\n';
  for (const [name, e] of ev) {
    const last = e.samples[e.samples.length - 1] ?? [e.latest, 0];
    s += `*4\r\n$${name.length}\r\n${name}\r\n:${last[0]}\r\n:${last[1]}\r\n:${e.max}\r\n`;
  }
  c.add(s);
}

function history(c: Client, argv: string[]): void {
  const e = c.server.latencyEvents.get(argv[2]);
  const samples = e ? e.samples : [];
  let s = '*' + samples.length + '\r\n';
  for (const [t, ms] of samples) s += `*2\r\n:${t}\r\n:${ms}\r\n`;
  c.add(s);
}

function reset(c: Client, argv: string[]): void {
  const ev = c.server.latencyEvents;
  if (argv.length === 2) {
    const n = ev.size;
    ev.clear();
    c.int(n);
    return;
  }
  let n = 0;
  for (let i = 2; i < argv.length; i++) if (ev.delete(argv[i])) n++;
  c.int(n);
}

// ---- Redis's sparkline (sparkline.c), used by LATENCY GRAPH.

interface Sample {
  value: number;
  label: string;
}
const CHARSET_FILL = '_o#';

function renderRange(seq: Sample[], min: number, max: number, rows: number, offset: number, len: number): string {
  let out = '';
  let relmax = max - min;
  if (relmax === 0) relmax = 1;
  const steps = CHARSET_FILL.length * rows;
  const labels = seq.some((s) => s.label !== '');
  for (let row = 0; ; row++) {
    let loop = false;
    const chars: string[] = new Array(len).fill(' ');
    for (let j = 0; j < len; j++) {
      const s = seq[j + offset];
      let step = Math.trunc(((s.value - min) * steps) / relmax);
      if (step < 0) step = 0;
      if (step >= steps) step = steps - 1;
      if (row < rows) {
        const idx = step - (rows - row - 1) * CHARSET_FILL.length;
        loop = true;
        if (idx >= 0 && idx < CHARSET_FILL.length) chars[j] = CHARSET_FILL[idx];
        else if (idx >= CHARSET_FILL.length) chars[j] = '|';
      } else {
        if (labels && row - rows < 1) {
          loop = true;
          break;
        }
        const lc = row - rows - 1;
        if (s.label.length > lc) {
          loop = true;
          chars[j] = s.label[lc];
        }
      }
    }
    if (!loop) break;
    out += chars.join('') + '\n';
  }
  return out;
}

function sparkline(seq: Sample[], min: number, max: number, columns: number, rows: number): string {
  let out = '';
  for (let j = 0; j < seq.length; j += columns) {
    if (j !== 0) out += '\n';
    out += renderRange(seq, min, max, rows, j, Math.min(columns, seq.length - j));
  }
  return out;
}

function ago(t: number): string {
  const el = Math.floor(Date.now() / 1000) - t;
  if (el < 60) return `${el}s`;
  if (el < 3600) return `${Math.floor(el / 60)}m`;
  if (el < 86400) return `${Math.floor(el / 3600)}h`;
  return `${Math.floor(el / 86400)}d`;
}

function graph(c: Client, argv: string[]): void {
  const name = argv[2];
  const e = c.server.latencyEvents.get(name);
  if (!e || e.samples.length === 0) fail(`ERR No samples available for event '${name}'`);
  let min = 0;
  let max = 0;
  const seq: Sample[] = [];
  for (const [t, ms] of e.samples) {
    if (seq.length === 0) min = max = ms;
    else {
      if (ms > max) max = ms;
      if (ms < min) min = ms;
    }
    seq.push({ value: ms, label: ago(t) });
  }
  const text = `${name} - high ${max} ms, low ${min} ms (all time high ${e.max} ms)\n` + '-'.repeat(80) + '\n' + sparkline(seq, min, max, 80, 4);
  c.verbatim(text);
}

const DOCTOR_DISABLED =
  'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
const DOCTOR_NOTHING =
  'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';

function eventStats(e: Event): { avg: number; mad: number; period: number } {
  const n = e.samples.length;
  let sum = 0;
  for (const [, ms] of e.samples) sum += ms;
  const avg = n ? sum / n : 0;
  let dev = 0;
  for (const [, ms] of e.samples) dev += Math.abs(ms - avg);
  const oldest = n ? e.samples[0][0] : 0;
  const span = Math.floor(Date.now() / 1000) - oldest;
  return { avg: Math.floor(avg), mad: Math.floor(n ? dev / n : 0), period: n ? Math.max(1, span) / n : 0 };
}

function doctorText(s: Server): string {
  const threshold = s.config.num('latency-monitor-threshold');
  if (threshold === 0) return DOCTOR_DISABLED;
  if (s.latencyEvents.size === 0) return DOCTOR_NOTHING;
  let out = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
  let i = 1;
  let commandEvents = false;
  for (const [name, e] of s.latencyEvents) {
    const st = eventStats(e);
    out += `${i++}. ${name}: ${e.samples.length} latency spikes (average ${st.avg}ms, mean deviation ${st.mad}ms, period ${st.period.toFixed(2)} sec). Worst all time event ${e.max}ms.\n`;
    if (name === 'command' || name === 'fast-command') commandEvents = true;
  }
  out += '\nI have a few advices for you:\n\n';
  const slower = s.config.num('slowlog-log-slower-than');
  if (commandEvents) {
    if (slower < 0 || slower / 1000 > threshold) {
      out += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${threshold * 1000}'.\n`;
    }
    out +=
      '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
    out +=
      '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  } else {
    out += '- Check the latency monitor documentation at https://redis.io/topics/latency-monitor for the meaning of each event.\n';
  }
  return out;
}

function histogram(c: Client, argv: string[]): void {
  const table = c.server.commands;
  const picked: Command[] = [];
  const add = (cmd: Command) => {
    if (cmd.latencyHist && cmd.latencyHist.total > 0 && !picked.includes(cmd)) picked.push(cmd);
  };
  if (argv.length === 2) {
    for (const cmd of table.commands.values()) {
      add(cmd);
      if (cmd.subcommands) for (const sub of cmd.subcommands.values()) add(sub);
    }
  } else {
    for (let i = 2; i < argv.length; i++) {
      const parts = argv[i].toLowerCase().split('|');
      if (parts.length > 2) continue;
      const base = table.commands.get(parts[0]);
      if (!base) continue;
      if (parts.length === 2) {
        const sub = base.subcommands?.get(parts[1]);
        if (sub) add(sub);
        continue;
      }
      add(base);
      if (base.subcommands) for (const sub of base.subcommands.values()) add(sub);
    }
  }
  c.mapLen(picked.length);
  for (const cmd of picked) {
    c.bulk(cmd.fullName);
    const h = cmd.latencyHist!;
    const buckets = h.cumulativeUsec();
    c.mapLen(2);
    c.bulk('calls');
    c.int(h.total);
    c.bulk('histogram_usec');
    c.mapLen(buckets.length);
    let s = '';
    for (const [us, n] of buckets) s += `:${us}\r\n:${n}\r\n`;
    c.add(s);
  }
}

const HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

export const commands: CommandDef[] = [
  { name: 'latency|latest', handler: latest },
  { name: 'latency|history', handler: history },
  { name: 'latency|reset', handler: reset },
  { name: 'latency|graph', handler: graph },
  { name: 'latency|doctor', handler: (c) => c.verbatim(doctorText(c.server)) },
  { name: 'latency|histogram', handler: histogram },
  { name: 'latency|help', handler: (c) => replyHelp(c, 'LATENCY', HELP) },
];
