import type { PullConnector, RawRecord } from '../../connector.ts';
import { redactSecrets, SECRET_MASK } from '../../secrets.ts';
import { deliver, failedConnection, SinkFailure, sampleError } from '../../source-failure.ts';
import { runPollLoop } from '../../source-state.ts';
import { type SqlConfig, sqlSchema, validateSqlConfig } from './config.ts';
import { connectSource, readRows, sqlFailure } from './read-rows.ts';

export type { SqlConfig } from './config.ts';

/** Removes the URL and its password (plain or encoded) from a message. */
function redactor(config: SqlConfig): (s: string) => string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(config.url).password);
  } catch {}
  return (s) => {
    const out = redactSecrets(s, config, sqlSchema);
    return password.length > 0 ? out.split(password).join(SECRET_MASK) : out;
  };
}

function toRecords(config: SqlConfig, rows: Record<string, unknown>[]): RawRecord[] {
  const receivedAt = new Date().toISOString();
  return rows.map((data) => ({ data, receivedAt, position: { key: String(data[config.keyColumn]) } }));
}

/** Where the source is, without credentials: `host:port/database`. */
function where(config: SqlConfig): string {
  const url = new URL(config.url);
  return `${url.host}${url.pathname}`;
}

/** Reads new rows from an external PostgreSQL database by an increasing key column. */
export const sqlConnector: PullConnector<SqlConfig> = {
  type: 'sql',
  kind: 'pull',
  title: 'SQL (PostgreSQL)',
  configSchema: sqlSchema,
  validateConfig: validateSqlConfig,

  async testConnection(config) {
    const client = await connectSource(config).catch((err) => err as Error);
    if (client instanceof Error) return failedConnection(client, 'url', redactor(config));
    try {
      // LIMIT 1, not 0: with 0 the planner skips evaluating the select list and misses runtime errors.
      const { columns } = await readRows(client, config, config.initialKey, 1);
      return { ok: true, detail: `connected to ${where(config)}; the query returns ${columns.join(', ')}` };
    } catch (err) {
      return failedConnection(err, 'query', redactor(config));
    } finally {
      await client.end().catch(() => {});
    }
  },

  async sample(config, limit = 10) {
    try {
      const client = await connectSource(config);
      try {
        return toRecords(config, (await readRows(client, config, config.initialKey, limit)).rows);
      } finally {
        await client.end().catch(() => {});
      }
    } catch (err) {
      throw sampleError(err, 'url', redactor(config));
    }
  },

  start(config, sink, options = {}) {
    type Client = Awaited<ReturnType<typeof connectSource>>;
    let client: Client | undefined;
    let loaded = false;
    let lastKey: unknown = config.initialKey ?? null;
    const batchSize = config.batchSize ?? 1000;
    const drop = async () => {
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    };
    return runPollLoop(
      {
        async round() {
          if (!loaded) {
            const saved = await options.checkpoint?.load();
            if (saved && 'key' in saved) lastKey = saved.key;
            loaded = true;
          }
          try {
            client ??= await connectSource(config);
            const { rows } = await readRows(client, config, lastKey, batchSize);
            if (rows.length === 0) return (config.intervalSeconds ?? 60) * 1000;
            await deliver(sink, toRecords(config, rows));
            lastKey = rows.at(-1)?.[config.keyColumn] ?? lastKey;
            await options.checkpoint?.save({ key: lastKey });
            return rows.length === batchSize ? 0 : (config.intervalSeconds ?? 60) * 1000;
          } catch (err) {
            await drop();
            throw err;
          }
        },
        describe: (err) =>
          redactor(config)(err instanceof SinkFailure ? err.message : sqlFailure(err, config).message),
        close: drop,
      },
      options,
    );
  },
};
