// Why: placeholder until this module's commands land.
import type { CommandDef } from '../server/command-table.js';

export const commands: CommandDef[] = [];
