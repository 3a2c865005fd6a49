// Why: placeholder until this data type's module lands.
import type { CommandDef } from '../server/command-table.js';

export const commands: CommandDef[] = [];
