import { parseArgs } from 'node:util';
import { ConfigError, type Flags, loadConfig } from './config.ts';
import { SecretDecryptError } from './crypto/secret-box.ts';
import { type Platform, startPlatform } from './server/platform.ts';
import { migrate, SchemaTooNewError } from './store/migrate.ts';
import { openStore } from './store/open-store.ts';
import { StoreUnavailableError } from './store/store.ts';

/** The `urbs` command line: flags and environment only, everything else is wired in server/. */
const USAGE = `usage: urbs <command> [options]

commands:
  start     run the platform (HTTP, MQTT, pipelines) in this process
  migrate   apply database migrations and exit
  bench     run the benchmark suite against --database-url (see docs/benchmarks.md)

options (each also an environment variable):
  --host HOST            URBS_HOST        bind address (default 127.0.0.1)
  --port PORT            URBS_PORT        HTTP port, 0 = any free port (default 8080)
  --data-dir DIR         URBS_DATA_DIR    embedded database and files (default ./data)
  --database-url URL     DATABASE_URL     PostgreSQL with PostGIS; unset = embedded database
  --mqtt-port PORT|off   URBS_MQTT_PORT   embedded MQTT broker (default 1883)
`;

const KNOWN_FAILURES = [ConfigError, StoreUnavailableError, SchemaTooNewError, SecretDecryptError];

function fail(err: unknown): never {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.code === 'EADDRINUSE' || e?.code === 'EACCES') {
    const what = e.code === 'EADDRINUSE' ? 'is in use' : 'may not be opened by this user';
    process.stderr.write(
      `urbs: ${e.address ?? ''}:${e.port ?? ''} ${what}; choose another with --port / --mqtt-port\n`,
    );
    process.exit(1);
  }
  const known = KNOWN_FAILURES.some((k) => err instanceof k);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`urbs: ${known ? message : `failed: ${message}`}\n`);
  if (!known && process.env.URBS_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

async function runStart(flags: Flags) {
  const config = loadConfig(flags);
  const signals = handleStopSignals();
  let platform: Platform;
  try {
    platform = await startPlatform(config);
  } catch (err) {
    fail(err);
  }
  signals.started(platform);
}

/**
 * SIGINT/SIGTERM drain open requests, close the database and exit 0. The handlers are installed before
 * start-up, so a Ctrl-C during a (slow, first) start lets it finish and then closes the embedded database
 * cleanly instead of killing it mid-write. One Ctrl-C often arrives twice (from the terminal and forwarded
 * by `npm start`), so a repeat within a second is ignored; a later second signal stops waiting for open
 * requests (the database is still closed cleanly), a third exits at once.
 */
function handleStopSignals() {
  let platform: Platform | undefined;
  let count = 0;
  let firstAt = 0;
  const shutdown = (p: Platform) =>
    p.close().then(
      () => process.exit(0),
      (err) => fail(err),
    );
  const onSignal = (signal: NodeJS.Signals) => {
    if (count > 0 && Date.now() - firstAt < 1000) return;
    count++;
    if (count === 1) {
      firstAt = Date.now();
      if (platform) shutdown(platform);
      else process.stderr.write(`urbs: ${signal} during start-up, stopping once started\n`);
    } else if (count === 2 && platform) {
      process.stderr.write(`urbs: ${signal} again, closing open connections\n`);
      platform.app.server.closeAllConnections();
    } else {
      process.stderr.write(`urbs: ${signal} again, exiting without waiting\n`);
      process.exit(1);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    started(p: Platform) {
      platform = p;
      if (count > 0) shutdown(p);
    },
  };
}

async function runMigrate(flags: Flags) {
  const config = loadConfig(flags);
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const r = await migrate(store);
    process.stdout.write(
      r.applied.length
        ? `urbs migrated ${store.description} from version ${r.from} to ${r.to}: ${r.applied.join(', ')}\n`
        : `urbs: ${store.description} is up to date at version ${r.to}\n`,
    );
  } finally {
    await store.close();
  }
}

export async function main(argv: string[]) {
  if (argv[0] === 'bench') {
    // The benchmark suite lives in bench/ (dev tooling) and parses its own options.
    try {
      const { runBench } = await import('../bench/run-bench.ts');
      await runBench(argv.slice(1));
      process.exit(0);
    } catch (err) {
      fail(err);
    }
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`urbs: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  const [command] = parsed.positionals;
  const flags = parsed.values as Flags & { help?: boolean };
  if (flags.help || !command) {
    process.stdout.write(USAGE);
    process.exit(command || flags.help ? 0 : 2);
  }
  try {
    if (command === 'start') await runStart(flags);
    else if (command === 'migrate') await runMigrate(flags);
    else {
      process.stderr.write(`urbs: unknown command ${command}\n\n${USAGE}`);
      process.exit(2);
    }
  } catch (err) {
    fail(err);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      'mqtt-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
