// Why: the small server-control commands: TIME, LASTSAVE, MONITOR and SHUTDOWN (which hands over
// to Server.shutdown, where persistence hooks decide whether saving succeeded).
import type { Client } from './client.js';
import type { CommandDef } from './command-table.js';
import { ERR_SYNTAX, fail } from './errors.js';

function time(c: Client): void {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  c.bulks([String(Math.floor(us / 1e6)), String(us % 1e6)]);
}

function monitor(c: Client): void {
  if (c.server.inExec) fail("ERR MONITOR isn't allowed for DENY BLOCKING client");
  if (c.monitor) return; // already monitoring: Redis replies nothing
  c.monitor = true;
  c.server.monitors.add(c);
  c.ok();
}

function shutdown(c: Client, argv: string[]): void {
  let save = false;
  let nosave = false;
  let now = false;
  let force = false;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'nosave') nosave = true;
    else if (a === 'save') save = true;
    else if (a === 'now') now = true;
    else if (a === 'force') force = true;
    else if (a === 'abort') abort = true;
    else fail(ERR_SYNTAX);
  }
  if ((abort && (save || nosave || now || force)) || (save && nosave)) fail(ERR_SYNTAX);
  const s = c.server;
  // eddy's wait for lagging replicas cannot be aborted (yet), so there is never one to abort.
  if (abort) fail('ERR No shutdown in progress.');
  if (!now && s.inExec) fail("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
  const opts = { save: save ? true : nosave ? false : null, force, now };
  if (s.inExec || !c.socket) {
    void s.shutdown(opts);
    return;
  }
  c.blocked = 'shutdown';
  void s.shutdown(opts).then((ok) => {
    if (ok || c.closing) return;
    c.err('ERR Errors trying to SHUTDOWN. Check logs.');
    s.resumeClient(c);
  });
}

export const commands: CommandDef[] = [
  { name: 'time', handler: time },
  { name: 'lastsave', handler: (c) => c.int(c.server.lastSave) },
  { name: 'monitor', handler: monitor },
  { name: 'shutdown', handler: shutdown },
];
