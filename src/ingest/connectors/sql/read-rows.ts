import pg from 'pg';
import { SourceFailure } from '../../source-failure.ts';
import { errorMessage } from '../../source-state.ts';
import type { SqlConfig } from './config.ts';

// Dates and times stay text as PostgreSQL prints them: a JavaScript Date drops microseconds, and a key
// that loses precision would skip or repeat rows.
const TEXT_TYPES = new Set([1082, 1083, 1114, 1184, 1266]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    TEXT_TYPES.has(oid)
      ? (v: string) => v
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export async function connectSource(config: SqlConfig): Promise<pg.Client> {
  const timeout = (config.statementTimeoutSeconds ?? 30) * 1000;
  const client = new pg.Client({
    connectionString: config.url,
    connectionTimeoutMillis: 10_000,
    options: `-c default_transaction_read_only=on -c statement_timeout=${timeout}`,
    application_name: 'urbs-ingest',
    types,
  });
  client.on('error', () => {}); // a dropped connection fails the next query, which the caller handles
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw sqlFailure(err, config);
  }
  return client;
}

/**
 * The next batch after `after`: the user's query as a subquery, ordered by the key. The key column is a
 * validated plain name, quoted; the batch size a validated integer; `$1` is bound.
 */
export async function readRows(
  client: pg.Client,
  config: SqlConfig,
  after: unknown,
  limit: number,
): Promise<{ rows: Record<string, unknown>[]; columns: string[] }> {
  const text = `SELECT * FROM (${config.query}\n) AS urbs_source ORDER BY "${config.keyColumn}" LIMIT ${Math.trunc(limit)}`;
  try {
    const res = await client.query({ text, values: [after ?? null] });
    const columns = res.fields.map((f) => f.name);
    if (!columns.includes(config.keyColumn)) {
      throw new SourceFailure('keyColumn', `the query has no column ${config.keyColumn}`);
    }
    return { rows: res.rows.map(jsonRow), columns };
  } catch (err) {
    throw sqlFailure(err, config);
  }
}

function jsonRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : typeof v === 'bigint' ? String(v) : v;
  }
  return out;
}

/** Blames a pg error on `url` (connection, login, database) or `query`/`keyColumn` (the statement). */
export function sqlFailure(err: unknown, config: SqlConfig): SourceFailure {
  if (err instanceof SourceFailure) return err;
  const code = (err as { code?: unknown }).code;
  const text = errorMessage(err);
  if (typeof code === 'string' && /^(08|28|3D|57P0|53)/.test(code)) {
    return new SourceFailure('url', `the database cannot be used: ${text}`);
  }
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    const field = code === '42703' && text.includes(`"${config.keyColumn}"`) ? 'keyColumn' : 'query';
    return new SourceFailure(field, `the query failed: ${text}`);
  }
  return new SourceFailure('url', `the database cannot be reached: ${text}`);
}
