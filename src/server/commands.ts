// Why: the list of modules that contribute commands to the one command table. Adding a data type
// = adding its module here; its CommandDefs carry the handlers, Redis's metadata the rest.
import type { CommandDef } from './command-table.js';
import { commands as connection } from './connection.js';
import { commands as multi } from './multi.js';
import { commands as pubsub } from './pubsub-commands.js';
import { commands as admin } from './admin.js';
import { commands as generic } from '../datatypes/generic.js';
import { commands as expire } from '../datatypes/expire.js';
import { commands as string } from '../datatypes/string.js';
import { commands as hash } from '../datatypes/hash.js';
import { commands as list } from '../datatypes/list.js';
import { commands as set } from '../datatypes/set.js';
import { commands as zset } from '../datatypes/zset.js';
import { commands as stream } from '../datatypes/stream.js';
import { commands as rdb } from '../persistence/rdb-commands.js';
import { commands as aof } from '../persistence/aof-commands.js';
import { commands as replication } from '../replication/commands.js';

export function allCommands(): CommandDef[] {
  return [...connection, ...multi, ...pubsub, ...admin, ...generic, ...expire, ...string, ...hash, ...list, ...set, ...zset, ...stream, ...aof, ...rdb, ...replication];
}
