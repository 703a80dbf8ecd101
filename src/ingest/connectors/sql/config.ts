import { checkShape, checkUrl, configError } from '../../config-checks.ts';
import type { JsonSchema } from '../../connector.ts';

export interface SqlConfig {
  /** postgres://user:password@host:port/db?sslmode=… — secret as a whole (it holds the password). */
  url: string;
  /**
   * One SELECT (or WITH … SELECT). `$1` is the last key delivered (or `initialKey`; NULL on the very first
   * run without one), e.g. `SELECT * FROM readings WHERE $1::bigint IS NULL OR id > $1`.
   */
  query: string;
  /** The column of the result that increases with every new row (serial id, insertion time). */
  keyColumn: string;
  initialKey?: string | number;
  batchSize?: number;
  intervalSeconds?: number;
  statementTimeoutSeconds?: number;
}

export const sqlSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'query', 'keyColumn'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2048, writeOnly: true },
    query: { type: 'string', minLength: 1, maxLength: 20_000 },
    keyColumn: { type: 'string', minLength: 1, maxLength: 63 },
    initialKey: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'number' }] },
    batchSize: { type: 'integer', minimum: 1, maximum: 10_000 },
    intervalSeconds: { type: 'integer', minimum: 1, maximum: 86_400 },
    statementTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
  },
};

export function validateSqlConfig(input: unknown): SqlConfig {
  const config = checkShape<SqlConfig>(sqlSchema, input);
  checkUrl(config.url, 'url', ['postgres', 'postgresql']);
  config.query = checkQuery(config.query);
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(config.keyColumn)) {
    throw configError('keyColumn', 'keyColumn must be a plain column name (letters, digits, _)');
  }
  return config;
}

/** Comments, string literals and quoted names blanked out, so keywords and `;` are found only in code. */
function codeOnly(query: string): string {
  return query.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"(?:[^"]|"")*"/g, (m) =>
    ' '.repeat(m.length),
  );
}

/**
 * One read-only statement with `$1` as its only parameter. The statement also runs in a read-only
 * transaction on the source, so this is the friendly 400, not the protection.
 */
function checkQuery(input: string): string {
  const query = input.trim().replace(/;\s*$/, '');
  const code = codeOnly(query);
  if (!/^\s*\(?\s*(select|with)\b/i.test(code)) {
    throw configError('query', 'query must be a single SELECT statement');
  }
  if (code.includes(';')) throw configError('query', 'query must be a single statement (no ;)');
  if (/\b(insert|update|delete|merge|truncate|drop|alter|create|grant|copy)\b/i.test(code)) {
    throw configError('query', 'query must only read (SELECT), not change data');
  }
  if (!/\$1\b/.test(code)) throw configError('query', 'query must use $1, the last key delivered');
  if (/\$([2-9]|\d\d+)/.test(code)) throw configError('query', 'query may only use the parameter $1');
  return query;
}
