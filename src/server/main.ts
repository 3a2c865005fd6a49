// Why: the eddy-server executable: redis-server style arguments (config file, `--directive value`
// overrides, `-` for stdin, --version, --help), daemonize, pidfile, signals, start-up log.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { Config, ConfigError } from './config.js';
import { Server, EDDY_VERSION, REDIS_VERSION } from './server.js';
import { loadOnStartup } from '../persistence/rdb-commands.js';
import { aofStartup } from '../persistence/aof-commands.js';
import { replicationStartup } from '../replication/commands.js';

const USAGE = `Usage: eddy-server [/path/to/redis.conf] [options] [-]
       eddy-server - (read config from stdin)
       eddy-server -v or --version
       eddy-server -h or --help

Examples:
       eddy-server (run the server with default conf)
       echo 'maxmemory 128mb' | eddy-server -
       eddy-server /etc/redis/6379.conf
       eddy-server --port 7777
       eddy-server /etc/myredis.conf --loglevel verbose -
       eddy-server /etc/myredis.conf --loglevel verbose
`;

function quote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r') + '"';
}

/** Turn redis-server style argv into config text, as redis-server's main() does. */
export function argsToConfig(args: string[]): { file: string | null; stdin: boolean; text: string } {
  let file: string | null = null;
  let stdin = false;
  let i = 0;
  if (args.length && !args[0].startsWith('-')) file = args[i++];
  let text = '';
  let lineOpen = false;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '-') {
      stdin = true;
      continue;
    }
    if (a.startsWith('--') && a.length > 2) {
      if (lineOpen) text += '\n';
      text += a.slice(2);
      lineOpen = true;
    } else {
      text += ' ' + quote(a);
    }
  }
  if (lineOpen) text += '\n';
  return { file, stdin, text };
}

async function main(): Promise<void> {
  const program = new Command();
  program
    .name('eddy-server')
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .option('-v, --version')
    .option('-h, --help')
    .argument('[args...]');
  const raw = process.argv.slice(2);
  if (raw[0] === '-v' || raw[0] === '--version') {
    console.log(`eddy-server v=${EDDY_VERSION} redis_version=${REDIS_VERSION} node=${process.version} bits=64`);
    return;
  }
  if (raw[0] === '-h' || raw[0] === '--help') {
    process.stderr.write(USAGE);
    return;
  }
  program.parse(process.argv);

  const { file, stdin, text } = argsToConfig(raw);
  const config = new Config();
  let confText = '';
  if (file) {
    try {
      confText += fs.readFileSync(file, 'latin1') + '\n';
    } catch (e) {
      console.error(`Fatal error, can't open config file '${path.resolve(file)}': ${(e as NodeJS.ErrnoException).message}`);
      process.exit(1);
    }
  }
  if (stdin) confText += fs.readFileSync(0, 'latin1') + '\n';
  confText += text;
  try {
    config.load(confText);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  if (file) config.values.set('configfile' as never, path.resolve(file));

  if (config.bool('daemonize') && !process.env.EDDY_DAEMON_CHILD) {
    // Node cannot fork(): re-run ourselves detached, and exit once the child is listening.
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...raw, '--daemonize', 'no'], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { ...process.env, EDDY_DAEMON_CHILD: '1', EDDY_DAEMON_PIDFILE: config.str('pidfile') || `/var/run/redis_${config.port}.pid` },
    });
    child.once('message', () => {
      child.disconnect();
      child.unref();
      process.exit(0);
    });
    child.once('exit', (code) => process.exit(code ?? 1));
    return;
  }

  const dir = config.str('dir');
  if (dir) {
    try {
      process.chdir(dir);
    } catch (e) {
      console.error(`Can't chdir to '${dir}': ${(e as NodeJS.ErrnoException).message}`);
      process.exit(1);
    }
  }
  config.values.set('dir', process.cwd());

  const server = new Server(config);
  server.log.notice('oO0OoO0OoO0Oo eddy is starting oO0OoO0OoO0Oo');
  server.log.notice(`eddy version=${EDDY_VERSION}, redis_version=${REDIS_VERSION}, bits=64, pid=${process.pid}, just started`);
  // Data is loaded before accepting connections; with appendonly yes the AOF wins over the RDB.
  if (aofStartup(server) === 'failed') process.exit(1);
  // The RDB (when appendonly is no), before accepting connections; a bad file is fatal.
  if (!loadOnStartup(server)) process.exit(1);
  let port: number;
  try {
    port = await server.listen();
  } catch (e) {
    server.log.warning(`Failed listening on port ${config.port} (tcp), aborting: ${(e as Error).message}`);
    process.exit(1);
  }
  const pidfile = process.env.EDDY_DAEMON_PIDFILE || config.str('pidfile');
  if (pidfile) {
    try {
      fs.writeFileSync(pidfile, process.pid + '\n');
    } catch (e) {
      server.log.warning(`Failed to write PID file: ${(e as Error).message}`);
    }
  }
  server.log.notice('Server initialized');
  server.log.notice(`Ready to accept connections tcp on port ${port}`);
  // Replication hooks in; with `replicaof` set, the link to the master starts now.
  replicationStartup(server);
  if (process.send) {
    process.send('ready');
  }

  const shutdown = async (sig: string) => {
    server.log.warning(`Received ${sig} scheduling shutdown...`);
    await server.shutdown({ save: null });
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  server.onExit = (code: number) => {
    if (pidfile) {
      try {
        fs.unlinkSync(pidfile);
      } catch {
        /* already gone */
      }
    }
    server.log.warning('eddy is now ready to exit, bye bye...');
    process.exit(code);
  };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
