// Why: the string type's commands (placeholder with GET/SET until the full module lands).
import type { CommandDef } from '../server/command-table.js';
import { WRONGTYPE } from './db.js';
import { fail } from '../server/errors.js';

export const commands: CommandDef[] = [
  {
    name: 'get',
    handler: (c, a) => {
      const v = c.db.lookupRead(a[1]);
      if (v === undefined) c.nullBulk();
      else if (typeof v !== 'string') fail(WRONGTYPE);
      else c.bulk(v);
    },
  },
  {
    name: 'set',
    handler: (c, a) => {
      c.db.setKey(a[1], a[2]);
      c.server.notify('$', 'set', a[1], c.db.id);
      c.ok();
    },
  },
];
