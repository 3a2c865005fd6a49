// Why: what AOF and replicas receive (the propagated form of each command) is observed in-process:
// a socketless Server and client, and the propagation log of one command at a time.
import { Server } from '../../src/server/server.js';
import { Config } from '../../src/server/config.js';
import { processCommand } from '../../src/server/dispatch.js';

/** run(...argv) executes one command and returns what it propagated (MULTI/EXEC included). */
export function propagationRunner(): (...argv: string[]) => string[][] {
  const server = new Server(new Config());
  const log: string[][] = [];
  server.propagators.push((_db, argv) => log.push(argv));
  const c = server.createClient(null);
  return (...argv) => {
    log.length = 0;
    c.out = '';
    processCommand(server, c, argv);
    return log.slice();
  };
}
