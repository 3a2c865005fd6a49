// Why: FUNCTION for a server without a scripting engine: the library set is always empty, so
// LIST/STATS/DUMP/FLUSH answer as Redis does when no library is loaded, and LOAD parses the
// library metadata like Redis before refusing the code.
import type { Client } from './client.js';
import type { CommandDef } from './command-table.js';
import { replyHelp, subcommandSyntaxError } from './help.js';
import { splitArgs } from '../resp/request-parser.js';
import { fail } from './errors.js';

/** FUNCTION DUMP of an empty library set: RDB version 10 + CRC64 of those two bytes. */
export const EMPTY_FUNCTIONS_PAYLOAD = '\x0a\x00\x5d\x9b\x5c\x40\x0f\x7f\xa2\xda';

function flush(c: Client, argv: string[]): void {
  if (argv.length > 3) subcommandSyntaxError(argv);
  if (argv.length === 3) {
    const m = argv[2].toLowerCase();
    if (m !== 'sync' && m !== 'async') fail('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  c.ok();
}

function list(c: Client, argv: string[]): void {
  let withCode = false;
  let lib: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (!withCode && a === 'withcode') {
      withCode = true;
      continue;
    }
    if (lib === null && a === 'libraryname') {
      if (i >= argv.length - 1) fail('ERR library name argument was not given');
      lib = argv[++i];
      continue;
    }
    fail(`ERR Unknown argument ${argv[i]}`);
  }
  c.arrayLen(0);
}

function stats(c: Client): void {
  c.mapLen(2);
  c.bulk('running_script');
  c.nullBulk();
  c.bulk('engines');
  c.mapLen(1);
  c.bulk('LUA');
  c.mapLen(2);
  c.bulk('libraries_count');
  c.int(0);
  c.bulk('functions_count');
  c.int(0);
}

function load(c: Client, argv: string[]): void {
  let pos = 2;
  for (; pos < argv.length - 1; pos++) {
    if (argv[pos].toLowerCase() !== 'replace') fail(`ERR Unknown option given: ${argv[pos]}`);
  }
  if (pos >= argv.length) fail('ERR Function code is missing');
  const code = argv[pos];
  if (!code.startsWith('#!')) fail('ERR Missing library metadata');
  const nl = code.indexOf('\n');
  if (nl < 0) fail('ERR Invalid library metadata');
  const parts = splitArgs(code.slice(0, nl));
  if (!parts || parts.length === 0) fail('ERR Invalid library metadata');
  const engine = parts[0].slice(2);
  let name: string | null = null;
  for (const p of parts.slice(1)) {
    if (p.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) fail('ERR Invalid metadata value, name argument was given multiple times');
      name = p.slice(5);
      continue;
    }
    fail(`ERR Invalid metadata value given: ${p}`);
  }
  if (name === null) fail('ERR Library name was not given');
  if (engine.toUpperCase() !== 'LUA') fail(`ERR Engine '${engine}' not found`);
  fail('ERR Error compiling function: eddy has no Lua engine');
}

function restore(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    const p = argv[3].toLowerCase();
    if (p !== 'append' && p !== 'replace' && p !== 'flush') fail('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
  }
  if (argv[2] !== EMPTY_FUNCTIONS_PAYLOAD) fail('ERR DUMP payload version or checksum are wrong');
  c.ok();
}

const HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

export const commands: CommandDef[] = [
  { name: 'function|flush', handler: flush },
  { name: 'function|list', handler: list },
  { name: 'function|stats', handler: stats },
  { name: 'function|dump', handler: (c) => c.bulk(EMPTY_FUNCTIONS_PAYLOAD) },
  { name: 'function|restore', handler: restore },
  { name: 'function|load', handler: load },
  { name: 'function|delete', handler: () => fail('ERR Library not found') },
  { name: 'function|kill', handler: () => fail('NOTBUSY No scripts in execution right now.') },
  { name: 'function|help', handler: (c) => replyHelp(c, 'FUNCTION', HELP) },
];
