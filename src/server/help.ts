// Why: Redis's addReplyHelp / addReplySubcommandSyntaxError in one place, so every container
// command (CONFIG, COMMAND, DEBUG, SLOWLOG, LATENCY, MEMORY, FUNCTION) answers HELP and unknown
// subcommands with the same bytes as Redis.
import type { Client } from './client.js';
import { fail } from './errors.js';

/** HELP reply: the header line, the given lines, then Redis's standard HELP entry. */
export function replyHelp(c: Client, name: string, lines: readonly string[]): void {
  let s = '*' + (lines.length + 3) + '\r\n';
  s += `+${name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n`;
  for (const l of lines) s += '+' + l + '\r\n';
  s += '+HELP\r\n+    Prints this help.\r\n';
  c.add(s);
}

/** "ERR unknown subcommand or wrong number of arguments for 'x'. Try CMD HELP." */
export function subcommandSyntaxError(argv: string[]): never {
  const sub = argv[1] ?? '';
  const msg = `ERR unknown subcommand or wrong number of arguments for '${sub.slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`;
  fail(msg.replace(/[\r\n]/g, ' '));
}
