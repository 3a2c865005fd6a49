// Why: SLOWLOG GET/LEN/RESET/HELP over server.slowlog (filled by dispatch), in Redis's reply format:
// [id, unix time, microseconds, argv, client addr, client name], newest first.
import type { Client } from './client.js';
import type { CommandDef } from './command-table.js';
import { replyHelp, subcommandSyntaxError } from './help.js';
import { parseBigLL } from './args.js';
import { fail } from './errors.js';

function slowlogGet(c: Client, argv: string[]): void {
  if (argv.length > 3) subcommandSyntaxError(argv);
  const log = c.server.slowlog;
  let count = 10;
  if (argv.length === 3) {
    const v = parseBigLL(argv[2]);
    if (v === null || v < -1n) fail('ERR count should be greater than or equal to -1');
    count = v === -1n ? log.length : Number(v);
  }
  const n = Math.min(count, log.length);
  let s = '*' + n + '\r\n';
  for (let i = 0; i < n; i++) {
    const e = log[i];
    s += `*6\r\n:${e.id}\r\n:${e.time}\r\n:${e.usec}\r\n*${e.argv.length}\r\n`;
    for (const a of e.argv) s += '$' + a.length + '\r\n' + a + '\r\n';
    s += '$' + e.addr.length + '\r\n' + e.addr + '\r\n$' + e.name.length + '\r\n' + e.name + '\r\n';
  }
  c.add(s);
}

const HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

export const commands: CommandDef[] = [
  { name: 'slowlog|get', handler: slowlogGet },
  { name: 'slowlog|len', handler: (c) => c.int(c.server.slowlog.length) },
  {
    name: 'slowlog|reset',
    handler: (c) => {
      c.server.slowlog = [];
      c.ok();
    },
  },
  { name: 'slowlog|help', handler: (c) => replyHelp(c, 'SLOWLOG', HELP) },
];
