// Why: placeholder until this module's commands land.
import type { CommandDef } from './command-table.js';

export const commands: CommandDef[] = [];
