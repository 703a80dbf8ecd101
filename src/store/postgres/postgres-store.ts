import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Sql, SqlQuery } from '../../core/query/sql.ts';
import { encodeCopyRow } from '../copy-format.ts';
import { type Queryable, type QueryResult, type Row, type Store, StoreUnavailableError } from '../store.ts';
import { resultParsers } from '../type-parsers.ts';
import { redactUrl } from './redact-url.ts';

const types = {
  getTypeParser(oid: number, format?: string) {
    const p = resultParsers[oid];
    if (p && format !== 'binary') return p;
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

const COPY_TARGET = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

function render(q: Sql | SqlQuery): SqlQuery {
  return 'toQuery' in q ? q.toQuery() : q;
}

function bind(
  client: pg.Pool | pg.PoolClient,
  connect: () => Promise<pg.PoolClient>,
  owned: boolean,
): Queryable {
  return {
    async query<R = Row>(q: Sql | SqlQuery): Promise<QueryResult<R>> {
      const { text, values, name } = render(q);
      const res = await client.query(
        name === undefined
          ? { text, values: values as unknown[], types }
          : { name, text, values: values as unknown[], types },
      );
      return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
    },
    async copy(table, columns, rows) {
      if (!COPY_TARGET.test(table) || !columns.every((c) => COPY_TARGET.test(c))) {
        throw new Error(`Invalid COPY target ${table}`);
      }
      const target = table
        .split('.')
        .map((p) => `"${p}"`)
        .join('.');
      const cols = columns.map((c) => `"${c}"`).join(', ');
      const conn = owned ? (client as pg.PoolClient) : await connect();
      let n = 0;
      try {
        const stream = conn.query(copyFrom(`COPY ${target} (${cols}) FROM STDIN`));
        const source = Readable.from(
          (function* () {
            for (const r of rows) {
              n++;
              yield encodeCopyRow(r);
            }
          })(),
        );
        await pipeline(source, stream);
      } finally {
        if (!owned) conn.release();
      }
      return n;
    },
    async runScript(script) {
      // No parameters: pg uses the simple query protocol, which accepts several statements.
      await client.query(script);
    },
  };
}

export interface PostgresStoreOptions {
  max?: number;
  applicationName?: string;
}

/** PostgreSQL 15+ with PostGIS 3 through a connection pool. */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 20,
    application_name: options.applicationName ?? 'urbs',
    options: '-c TimeZone=UTC',
    connectionTimeoutMillis: 10_000,
  });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  try {
    const c = await pool.connect();
    c.release();
  } catch (err) {
    await pool.end().catch(() => {});
    const reason = err instanceof Error ? err.message || (err as NodeJS.ErrnoException).code : String(err);
    throw new StoreUnavailableError(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${reason}`);
  }
  const connect = () => pool.connect();
  const base = bind(pool, connect, false);
  return {
    kind: 'postgres',
    description: `PostgreSQL at ${redactUrl(url)}`,
    query: base.query,
    copy: base.copy,
    runScript: base.runScript,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(bind(client, connect, true));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
