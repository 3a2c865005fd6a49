// Why: Redis's processCommand()/call() — the checks every request passes in Redis's order
// (lookup, arity, auth, pub/sub context, pause, MULTI queuing), then the call with statistics,
// slowlog and the single propagation point. Decisions read the command table's flags only.
import type { Server } from './server.js';
import type { Client } from './client.js';
import { ReplyMode } from './client.js';
import type { Command } from './command-table.js';
import { ReplyError, ERR_NOAUTH } from './errors.js';
import { handleBlockedClients } from './blocking.js';
import { recordLatency } from './latency-track.js';

function reject(server: Server, c: Client, msg: string, cmd?: Command): void {
  if (cmd) cmd.rejectedCalls++;
  if (c.multi) c.multiDirty = true;
  c.err(msg);
  void server;
}

function sanitize(s: string): string {
  return s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0 ? s.replace(/[\r\n]/g, ' ') : s;
}

export function unknownCommandError(argv: string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${argv[i].slice(0, 128 - args.length)}' `;
  return sanitize(`ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`);
}

/** Is this command held back by CLIENT PAUSE? */
function pausedFor(server: Server, c: Client, cmd: Command): boolean {
  const p = server.pause;
  if (!p) return false;
  if (p.until <= Date.now()) {
    server.unpause();
    return false;
  }
  if (p.all) return true;
  if (cmd.write || cmd.flags.has('may_replicate')) return true;
  // EXEC of a transaction that queued writes counts as a write.
  return cmd.internal.has('runs-queued') && c.multi !== null && c.multi.some(([q]) => q.write || q.flags.has('may_replicate'));
}

export function processCommand(server: Server, c: Client, argv: string[]): void {
  const table = server.commands;
  let cmd = table.lookup(argv);
  if (!cmd || (!cmd.handler && !cmd.subcommands)) {
    reject(server, c, unknownCommandError(argv));
    return;
  }
  if (cmd.subcommands && !(argv.length === 1 && cmd.handler)) {
    // A container command whose subcommand was not found (or that has no bare form).
    if (argv.length === 1) {
      reject(server, c, `ERR wrong number of arguments for '${cmd.fullName}' command`, cmd);
    } else {
      reject(
        server,
        c,
        sanitize(`ERR unknown subcommand '${argv[1].slice(0, 128)}'. Try ${cmd.fullName.toUpperCase()} HELP.`),
        cmd,
      );
    }
    return;
  }
  const n = argv.length;
  if ((cmd.arity > 0 && n !== cmd.arity) || n < -cmd.arity) {
    reject(server, c, `ERR wrong number of arguments for '${cmd.fullName}' command`, cmd);
    return;
  }
  if (!c.authenticated && !cmd.flags.has('no_auth')) {
    reject(server, c, ERR_NOAUTH, cmd);
    return;
  }
  const checks = server.commandChecks;
  for (let i = 0; i < checks.length; i++) {
    const e = checks[i](c, cmd);
    if (e !== null) {
      reject(server, c, e, cmd);
      return;
    }
  }
  if (c.resp === 2 && c.subscriptionCount > 0 && !cmd.internal.has('pubsub-context')) {
    reject(
      server,
      c,
      `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      cmd,
    );
    return;
  }
  if (server.pause && pausedFor(server, c, cmd)) {
    // Hold this request (and everything after it) until the pause ends.
    c.qpos--;
    c.blocked = 'pause';
    server.pausedClients.add(c);
    return;
  }
  if (c.multi && !cmd.internal.has('multi-immediate')) {
    if (cmd.flags.has('no_multi')) {
      reject(server, c, 'ERR Command not allowed inside a transaction', cmd);
      return;
    }
    c.multi.push([cmd, argv]);
    c.add('+QUEUED\r\n');
    return;
  }
  call(server, c, cmd, argv);
  server.flushPropagation();
  handleBlockedClients(server);
}

/**
 * Execute one command: time it, count it, slowlog it, and propagate it if it changed the dataset
 * (server.dirty moved) — in the form the handler left in c.argv (handlers may rewrite it, e.g.
 * EXPIRE -> PEXPIREAT) unless the handler propagated explicitly and set c.suppressPropagation.
 */
export function call(server: Server, c: Client, cmd: Command, argv: string[]): void {
  const topLevel = server.cmdTime === 0;
  if (topLevel) server.cmdTime = Date.now();
  const dirtyBefore = server.dirty;
  c.argv = argv;
  c.cmd = cmd;
  c.errored = false;
  c.suppressPropagation = false;
  // Point-in-time snapshots (BGSAVE, AOF rewrite, full sync) serialize a key's old value before
  // the first write to it: the command table knows which arguments are keys.
  if (server.snapshot !== null && cmd.write) {
    for (const i of server.commands.keyIndexes(cmd, argv)) server.snapshot.preserve(c.db, argv[i]);
  }
  c.lastCmd = cmd.fullName;
  const skipThis = c.skipNext;
  if (skipThis) {
    c.skipNext = false;
    c.replyMode = ReplyMode.Skip;
  }
  const t0 = performance.now();
  try {
    cmd.handler!(c, argv);
  } catch (e) {
    if (e instanceof ReplyError) {
      c.err(e.message);
    } else {
      server.log.warning(`Internal error in '${cmd.fullName}': ${(e as Error).stack ?? e}`);
      c.err('ERR internal error: ' + sanitize(String((e as Error).message ?? e)));
    }
  }
  const usec = Math.round((performance.now() - t0) * 1000);
  if (skipThis && c.replyMode === ReplyMode.Skip) c.replyMode = ReplyMode.On;
  cmd.calls++;
  cmd.usec += usec;
  recordLatency(server, cmd, usec);
  if (c.errored) cmd.failedCalls++;
  server.stats.totalCommands++;
  c.totCmds++;
  const slower = server.config.hot.slowlogLogSlowerThan;
  if (slower >= 0 && usec >= slower && !cmd.flags.has('skip_slowlog')) server.addSlowlog(c, argv, usec);
  if (usec >= 1000) server.latencyAdd('command', Math.round(usec / 1000));
  if (server.dirty !== dirtyBefore && cmd.write && !c.suppressPropagation && server.propagators.length !== 0) {
    server.queuePropagation(c.db.id, c.argv, false);
  }
  if (server.monitors.size && !cmd.flags.has('skip_monitor') && !cmd.flags.has('admin')) feedMonitors(server, c, argv);
  if (topLevel) server.cmdTime = 0;
}

/** sdscatrepr: a quoted, escaped representation (MONITOR lines, AOF manifest file names). */
export function reprArg(a: string): string {
  let s = '"';
  for (let i = 0; i < a.length; i++) {
    const ch = a.charCodeAt(i);
    if (ch === 92) s += '\\\\';
    else if (ch === 34) s += '\\"';
    else if (ch === 10) s += '\\n';
    else if (ch === 13) s += '\\r';
    else if (ch === 9) s += '\\t';
    else if (ch === 7) s += '\\a';
    else if (ch === 8) s += '\\b';
    else if (ch < 32 || ch >= 127) s += '\\x' + ch.toString(16).padStart(2, '0');
    else s += a[i];
  }
  return s + '"';
}

/** MONITOR line: +1700000000.123456 [0 127.0.0.1:5555] "set" "a" "b" */
export function feedMonitors(server: Server, c: Client, argv: string[]): void {
  const now = Date.now() * 1000 + Math.floor((performance.now() % 1) * 1000);
  const ts = `${Math.floor(now / 1e6)}.${String(now % 1e6).padStart(6, '0')}`;
  const line = `+${ts} [${c.db.id} ${c.socket ? c.addr : 'lua'}] ${argv.map(reprArg).join(' ')}\r\n`;
  for (const m of server.monitors) m.push(line);
}
