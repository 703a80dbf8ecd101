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

options (each also an environment variable):
  --host HOST            URBS_HOST        bind address (default 127.0.0.1)
  --port PORT            URBS_PORT        HTTP port, 0 = any free port (default 8080)
  --data-dir DIR         URBS_DATA_DIR    embedded database and files (default ./data)
  --database-url URL     DATABASE_URL     PostgreSQL with PostGIS; unset = embedded database
  --mqtt-port PORT|off   URBS_MQTT_PORT   embedded MQTT broker (default 1883)
`;

const KNOWN_FAILURES = [ConfigError, StoreUnavailableError, SchemaTooNewError, SecretDecryptError];

function fail(err: unknown): never {
  const known = KNOWN_FAILURES.some((k) => err instanceof k);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`urbs: ${known ? message : `failed: ${message}`}\n`);
  if (!known && process.env.URBS_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

async function runStart(flags: Flags) {
  const config = loadConfig(flags);
  let platform: Platform;
  try {
    platform = await startPlatform(config);
  } catch (err) {
    fail(err);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`urbs: ${signal} again, exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    platform.close().then(
      () => process.exit(0),
      (err) => fail(err),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
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
