import { BadRequestError } from '../errors/bad-request.ts';
import { type Sql, sql } from './sql.ts';

/**
 * SQL expressions with the type the query language sees. Compilers coerce operands through these helpers,
 * so e.g. a JSON member compared with a number is cast safely (non-numbers become NULL, never an error).
 */
export type ValueType =
  | 'number'
  | 'string'
  | 'boolean'
  | 'datetime'
  | 'date'
  | 'time'
  | 'duration'
  | 'geometry'
  | 'json'
  | 'interval'
  | 'null';

export interface Typed {
  sql: Sql;
  type: ValueType;
  /** For `interval` values (time intervals): start and end (end defaults to start for instants). */
  start?: Sql;
  end?: Sql;
}

export interface QueryErrorSite {
  option: string;
  pos?: number | undefined;
  token?: string;
}

export function queryError(site: QueryErrorSite, message: string): BadRequestError {
  const where = site.pos === undefined ? '' : ` at position ${site.pos}`;
  return new BadRequestError(
    `${site.option}: ${message}${where}`,
    {
      option: site.option,
      ...(site.pos === undefined ? {} : { position: site.pos }),
      ...(site.token === undefined ? {} : { token: site.token }),
    },
    'URBS_QUERY_INVALID',
  );
}

/** Converts a typed value to `want`, or throws a 400 naming the site. JSON converts without errors. */
export function coerce(v: Typed, want: ValueType, site: QueryErrorSite): Sql {
  if (v.type === want || v.type === 'null') return v.sql;
  if (v.type === 'json') {
    switch (want) {
      case 'number':
        return sql`(CASE WHEN jsonb_typeof(${v.sql}) = 'number' THEN (${v.sql})::numeric END)`;
      case 'string':
        return sql`(CASE WHEN jsonb_typeof(${v.sql}) = 'string' THEN ${v.sql} #>> '{}' END)`;
      case 'boolean':
        return sql`(CASE WHEN jsonb_typeof(${v.sql}) = 'boolean' THEN (${v.sql})::boolean END)`;
      case 'datetime':
        return sql`urbs_try_timestamptz(CASE WHEN jsonb_typeof(${v.sql}) = 'string' THEN ${v.sql} #>> '{}' END)`;
      case 'geometry':
        return sql`urbs_try_geometry(${v.sql})`;
      default:
        break;
    }
  }
  if (v.type === 'interval' && want === 'datetime') return v.start!;
  if (v.type === 'datetime' && want === 'date') return sql`((${v.sql}) AT TIME ZONE 'UTC')::date`;
  if (v.type === 'date' && want === 'datetime') return sql`(${v.sql})::timestamptz`;
  if ((v.type === 'number' || v.type === 'boolean') && want === 'string') return sql`(${v.sql})::text`;
  if (v.type === 'string' && want === 'json') return sql`to_jsonb(${v.sql})`;
  if (v.type === 'number' && want === 'json') return sql`to_jsonb(${v.sql})`;
  throw queryError(site, `expected a ${want} value but got a ${v.type}`);
}
