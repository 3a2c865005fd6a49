// Why: connection-level commands (PING, ECHO, QUIT, SELECT, SWAPDB, AUTH, HELLO, RESET, CLIENT *)
// — everything that changes a client's own state rather than the keyspace.
import type { CommandDef } from './command-table.js';
import type { Client } from './client.js';
import { ReplyMode } from './client.js';
import type { Server } from './server.js';
import { REDIS_VERSION, EDDY_VERSION, unwatchAll } from './server.js';
import { ERR_DB_INDEX, ERR_NOT_INT, ERR_SYNTAX, fail } from './errors.js';
import { getInt } from './args.js';
import { parseLL } from '../resp/request-parser.js';
import { unblockByRequest } from './blocking.js';

function ping(c: Client, argv: string[]): void {
  if (argv.length > 2) fail("ERR wrong number of arguments for 'ping' command");
  if (c.resp === 2 && c.subscriptionCount > 0) {
    c.add('*2\r\n$4\r\npong\r\n');
    c.bulk(argv.length === 2 ? argv[1] : '');
    return;
  }
  if (argv.length === 2) c.bulk(argv[1]);
  else c.add('+PONG\r\n');
}

function select(c: Client, argv: string[]): void {
  const id = parseLL(argv[1]);
  if (id === null) fail(ERR_NOT_INT);
  if (c.server.config.bool('cluster-enabled') && id !== 0) fail('ERR SELECT is not allowed in cluster mode');
  if (id < 0 || id >= c.server.dbs.length) fail(ERR_DB_INDEX);
  c.db = c.server.dbs[id];
  c.ok();
}

function swapdb(c: Client, argv: string[]): void {
  const s = c.server;
  if (s.config.bool('cluster-enabled')) fail('ERR SWAPDB is not allowed in cluster mode');
  const a = parseLL(argv[1]);
  if (a === null) fail('ERR invalid first DB index');
  const b = parseLL(argv[2]);
  if (b === null) fail('ERR invalid second DB index');
  if (a < 0 || a >= s.dbs.length || b < 0 || b >= s.dbs.length) fail(ERR_DB_INDEX);
  if (a !== b) {
    const da = s.dbs[a];
    const db = s.dbs[b];
    // A running snapshot must finish both DBs as they are before their contents trade places.
    if (s.snapshot !== null) {
      s.snapshot.preserveDb(da);
      s.snapshot.preserveDb(db);
    }
    // Watchers of keys that exist in either DB are invalidated (Redis touchAllWatchedKeysInDb).
    da.touchAllWatched(true, db);
    db.touchAllWatched(true, da);
    const swap = <K extends 'dict' | 'expires' | 'rawKeys'>(k: K) => {
      const t = da[k];
      (da as unknown as Record<K, unknown>)[k] = db[k];
      (db as unknown as Record<K, unknown>)[k] = t;
    };
    swap('dict');
    swap('expires');
    swap('rawKeys');
    da.expireCursor = null;
    db.expireCursor = null;
    const t = da.avgTtl;
    da.avgTtl = db.avgTtl;
    db.avgTtl = t;
    s.dirty++;
  }
  c.ok();
}

function checkPassword(s: Server, user: string, pass: string): boolean {
  if (user !== 'default') return false;
  const rp = s.config.requirepass;
  return rp === '' || pass === rp;
}

function auth(c: Client, argv: string[]): void {
  if (argv.length > 3) fail(ERR_SYNTAX);
  const s = c.server;
  if (argv.length === 2 && s.config.requirepass === '') {
    fail(
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    );
  }
  const user = argv.length === 3 ? argv[1] : 'default';
  const pass = argv[argv.length - 1];
  if (checkPassword(s, user, pass)) {
    c.authenticated = true;
    c.user = user;
    c.ok();
  } else {
    fail('WRONGPASS invalid username-password pair or user is disabled.');
  }
}

function hello(c: Client, argv: string[]): void {
  let ver = c.resp;
  let i = 1;
  if (argv.length >= 2) {
    const v = parseLL(argv[1]);
    if (v === null) fail('ERR Protocol version is not an integer or out of range');
    if (v < 2 || v > 3) fail('NOPROTO unsupported protocol version');
    ver = v;
    i = 2;
  }
  let authUser: string | null = null;
  let authPass = '';
  let setName: string | null = null;
  for (; i < argv.length; i++) {
    const opt = argv[i].toLowerCase();
    const more = argv.length - i - 1;
    if (opt === 'auth' && more >= 2) {
      authUser = argv[i + 1];
      authPass = argv[i + 2];
      i += 2;
    } else if (opt === 'setname' && more >= 1) {
      setName = argv[i + 1];
      i += 1;
    } else {
      fail(`ERR Syntax error in HELLO option '${argv[i]}'`);
    }
  }
  if (authUser !== null) {
    if (!checkPassword(c.server, authUser, authPass)) fail('WRONGPASS invalid username-password pair or user is disabled.');
    c.authenticated = true;
    c.user = authUser;
  }
  if (!c.authenticated) {
    fail(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (setName !== null) {
    if (!validName(setName)) fail('ERR Client names cannot contain spaces, newlines or special characters.');
    c.name = setName;
  }
  c.resp = ver;
  c.mapLen(7);
  c.bulk('server');
  c.bulk('redis');
  c.bulk('version');
  c.bulk(REDIS_VERSION);
  c.bulk('proto');
  c.int(ver);
  c.bulk('id');
  c.int(c.id);
  c.bulk('mode');
  c.bulk(c.server.config.bool('cluster-enabled') ? 'cluster' : 'standalone');
  c.bulk('role');
  c.bulk(c.server.isReplica() ? 'replica' : 'master');
  c.bulk('modules');
  c.arrayLen(0);
  void EDDY_VERSION;
}

function validName(n: string): boolean {
  for (let i = 0; i < n.length; i++) {
    const ch = n.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

/** RESET: back to a fresh connection's state. */
function reset(c: Client): void {
  const s = c.server;
  c.multi = null;
  c.multiDirty = false;
  unwatchAll(c);
  s.pubsub.removeClient(c);
  s.monitors.delete(c);
  c.monitor = false;
  c.db = s.dbs[0];
  c.resp = 2;
  c.name = '';
  c.replyMode = ReplyMode.On;
  c.skipNext = false;
  c.noEvict = false;
  c.authenticated = !s.config.requirepass;
  c.user = 'default';
  c.add('+RESET\r\n');
}

export function clientInfoLine(c: Client): string {
  const now = Date.now();
  const qbuf = (c as Client & { parser?: { pendingBytes(): number } }).parser?.pendingBytes() ?? 0;
  const omem = c.socket ? c.socket.writableLength : 0;
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name} age=${Math.floor((now - c.createdAt) / 1000)} ` +
    `idle=${Math.floor((now - c.lastInteraction) / 1000)} flags=${c.flagString()} db=${c.db.id} sub=${c.subscriptions.size} ` +
    `psub=${c.patterns.size} ssub=${c.shardChannels.size} multi=${c.multi ? c.multi.length : -1} qbuf=${qbuf} qbuf-free=${Math.max(0, 20474 - qbuf)} ` +
    `argv-mem=${c.argv.reduce((a, x) => a + x.length, 0)} multi-mem=0 rbs=16384 rbp=16384 obl=${c.out.length} oll=0 omem=${omem} ` +
    `tot-mem=${37658 + omem} events=r cmd=${c.lastCmd} user=${c.user} redir=-1 resp=${c.resp}` +
    (c.libName || c.libVer ? ` lib-name=${c.libName} lib-ver=${c.libVer}` : '')
  );
}

function clientType(c: Client): string {
  if (c.replRole !== '') return c.replRole;
  if (c.subscriptionCount > 0) return 'pubsub';
  return 'normal';
}

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  '    * ID <client-id>',
  '      Kill connections by client id.',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'SETINFO <LIB-NAME|LIB-VER> <value>',
  '    Set client library name or version.',
  'HELP',
  '    Print this help.',
];

function clientList(c: Client, argv: string[]): void {
  let list = [...c.server.clients.values()];
  let i = 2;
  while (i < argv.length) {
    const opt = argv[i].toLowerCase();
    if (opt === 'type' && i + 1 < argv.length) {
      const t = argv[i + 1].toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) fail(`ERR Unknown client type '${argv[i + 1]}'`);
      list = list.filter((x) => clientType(x) === (t === 'slave' ? 'replica' : t));
      i += 2;
    } else if (opt === 'id' && i + 1 < argv.length) {
      const ids = new Set<number>();
      for (let j = i + 1; j < argv.length; j++) {
        const id = parseLL(argv[j]);
        if (id === null || id <= 0) fail('ERR Invalid client ID');
        ids.add(id);
      }
      list = list.filter((x) => ids.has(x.id));
      i = argv.length;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  c.verbatim(list.map((x) => clientInfoLine(x) + '\n').join(''));
}

function clientKill(c: Client, argv: string[]): void {
  const s = c.server;
  if (argv.length === 3) {
    // Old form: CLIENT KILL addr
    const target = [...s.clients.values()].find((x) => x.addr === argv[2]);
    if (!target) fail('ERR No such client');
    killClient(c, target);
    c.ok();
    return;
  }
  if (argv.length % 2 !== 0) fail(ERR_SYNTAX);
  let id: number | null = null;
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: string | null = null;
  let user: string | null = null;
  let skipme = true;
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase();
    const v = argv[i + 1];
    if (opt === 'id') {
      const n = parseLL(v);
      if (n === null || n <= 0) fail('ERR client-id should be greater than 0');
      id = n;
    } else if (opt === 'type') {
      const t = v.toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) fail(`ERR Unknown client type '${v}'`);
      type = t === 'slave' ? 'replica' : t;
    } else if (opt === 'addr') addr = v;
    else if (opt === 'laddr') laddr = v;
    else if (opt === 'user') user = v;
    else if (opt === 'skipme') {
      const l = v.toLowerCase();
      if (l === 'yes') skipme = true;
      else if (l === 'no') skipme = false;
      else fail(ERR_SYNTAX);
    } else fail(ERR_SYNTAX);
  }
  let killed = 0;
  for (const x of [...s.clients.values()]) {
    if (id !== null && x.id !== id) continue;
    if (addr !== null && x.addr !== addr) continue;
    if (laddr !== null && x.laddr !== laddr) continue;
    if (type !== null && clientType(x) !== type) continue;
    if (user !== null && x.user !== user) continue;
    if (x === c && skipme) continue;
    killClient(c, x);
    killed++;
  }
  c.int(killed);
}

/** Killing yourself closes after this reply; others close now. */
function killClient(self: Client, target: Client): void {
  if (target === self) target.closeAfterReply = true;
  else self.server.closeClient(target);
}

function clientPause(c: Client, argv: string[]): void {
  const ms = parseLL(argv[2]);
  if (ms === null) fail('ERR timeout is not an integer or out of range');
  if (ms < 0) fail('ERR timeout is negative');
  let all = true;
  if (argv.length === 4) {
    const m = argv[3].toLowerCase();
    if (m === 'write') all = false;
    else if (m !== 'all') fail('ERR CLIENT PAUSE mode must be WRITE or ALL');
  } else if (argv.length > 4) fail(ERR_SYNTAX);
  c.server.setPause(ms, all);
  c.ok();
}

function clientReply(c: Client, argv: string[]): void {
  const m = argv[2].toLowerCase();
  if (m === 'on') {
    c.replyMode = ReplyMode.On;
    c.skipNext = false;
    c.ok();
  } else if (m === 'off') {
    c.replyMode = ReplyMode.Off;
  } else if (m === 'skip') {
    if (c.replyMode === ReplyMode.On) c.skipNext = true;
  } else fail(ERR_SYNTAX);
}

export const commands: CommandDef[] = [
  { name: 'ping', handler: ping, internal: ['pubsub-context'] },
  { name: 'echo', handler: (c, a) => c.bulk(a[1]) },
  {
    name: 'quit',
    handler: (c) => {
      c.ok();
      c.closeAfterReply = true;
    },
    internal: ['pubsub-context', 'multi-immediate'],
  },
  { name: 'select', handler: select },
  { name: 'swapdb', handler: swapdb },
  { name: 'auth', handler: auth },
  { name: 'hello', handler: hello },
  { name: 'reset', handler: reset, internal: ['pubsub-context', 'multi-immediate'] },
  { name: 'client|id', handler: (c) => c.int(c.id) },
  { name: 'client|help', handler: (c) => c.add(CLIENT_HELP.map((l) => '+' + l + '\r\n').reduce((a, b) => a + b, '*' + CLIENT_HELP.length + '\r\n')) },
  {
    name: 'client|setname',
    handler: (c, a) => {
      if (!validName(a[2])) fail('ERR Client names cannot contain spaces, newlines or special characters.');
      c.name = a[2];
      c.ok();
    },
  },
  { name: 'client|getname', handler: (c) => (c.name ? c.bulk(c.name) : c.nullBulk()) },
  { name: 'client|list', handler: clientList },
  { name: 'client|info', handler: (c) => c.verbatim(clientInfoLine(c) + '\n') },
  { name: 'client|kill', handler: clientKill },
  {
    name: 'client|setinfo',
    handler: (c, a) => {
      const attr = a[2].toLowerCase();
      if (attr !== 'lib-name' && attr !== 'lib-ver') fail(`ERR Unrecognized option '${a[2]}'`);
      if (!validName(a[3]) && a[3] !== '') fail(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
      if (attr === 'lib-name') c.libName = a[3];
      else c.libVer = a[3];
      c.ok();
    },
    // Redis 7.2's entry; 7.0.15 has no CLIENT SETINFO but clients (node-redis, redis-py) send it.
    meta: { arity: 4, flags: ['noscript', 'loading', 'stale'], firstKey: 0, lastKey: 0, step: 0 },
  },
  {
    name: 'client|no-evict',
    handler: (c, a) => {
      const m = a[2].toLowerCase();
      if (m === 'on') c.noEvict = true;
      else if (m === 'off') c.noEvict = false;
      else fail(ERR_SYNTAX);
      c.ok();
    },
  },
  { name: 'client|reply', handler: clientReply },
  {
    name: 'client|unblock',
    handler: (c, a) => {
      const id = parseLL(a[2]);
      if (id === null) fail(ERR_NOT_INT);
      let withError = false;
      if (a.length === 4) {
        const m = a[3].toLowerCase();
        if (m === 'error') withError = true;
        else if (m !== 'timeout') fail('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      } else if (a.length > 4) fail(ERR_SYNTAX);
      const target = c.server.clients.get(id);
      c.int(target && unblockByRequest(c.server, target, withError) ? 1 : 0);
    },
  },
  { name: 'client|pause', handler: clientPause },
  {
    name: 'client|unpause',
    handler: (c) => {
      c.server.unpause();
      c.ok();
    },
  },
];

void getInt;
