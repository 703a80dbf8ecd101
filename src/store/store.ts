import type { Sql, SqlQuery } from '../core/query/sql.ts';

/**
 * The small store interface every part of urbs talks to. Two implementations speak the same PostgreSQL
 * dialect: embedded PGlite (with PostGIS) in the data dir, and a real PostgreSQL + PostGIS through a pool.
 * Type parsing is normalised so both return the same JavaScript values:
 * int8 → number, numeric → number, timestamptz → ISO 8601 string ending in Z, json/jsonb → objects.
 */
export type Row = Record<string, unknown>;

export interface QueryResult<R = Row> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  /** Runs one statement. Accepts a built `Sql` fragment or a rendered `{text, values}`. */
  query<R = Row>(q: Sql | SqlQuery): Promise<QueryResult<R>>;
  /**
   * Bulk-loads rows into a table with COPY (text format). `table` and `columns` must come from the model
   * or a migration; values are encoded by the store, never spliced into SQL.
   */
  copy(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>): Promise<number>;
  /** Runs a fixed multi-statement script shipped with the code (migrations). Never for input. */
  runScript(script: string): Promise<void>;
}

export interface Store extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** A human description without secrets (for logs). */
  readonly description: string;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A connection failure at start-up, reported as one line without a stack. */
export class StoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}
