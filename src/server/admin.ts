// Why: the server/admin command family (INFO, CONFIG, COMMAND, DEBUG, SLOWLOG, LATENCY, MEMORY,
// MONITOR, SHUTDOWN, TIME, LASTSAVE, FUNCTION, LOLWUT) gathered from its small modules.
import type { CommandDef } from './command-table.js';
import { infoCommand } from './info.js';
import { commands as config } from './config-cmd.js';
import { commands as command } from './command-cmd.js';
import { commands as debug } from './debug.js';
import { commands as slowlog } from './slowlog-cmd.js';
import { commands as latency } from './latency-cmd.js';
import { commands as memory } from './memory-cmd.js';
import { commands as server } from './server-cmd.js';
import { commands as functions } from './function-cmd.js';
import { commands as lolwut } from './lolwut.js';

export const commands: CommandDef[] = [
  { name: 'info', handler: infoCommand },
  ...config,
  ...command,
  ...debug,
  ...slowlog,
  ...latency,
  ...memory,
  ...server,
  ...functions,
  ...lolwut,
];
