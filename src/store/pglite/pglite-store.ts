import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import type { Sql, SqlQuery } from '../../core/query/sql.ts';
import { encodeCopyRow } from '../copy-format.ts';
import type { Queryable, QueryResult, Row, Store } from '../store.ts';
import { resultParsers } from '../type-parsers.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';

type PgliteLike = Pick<PGlite, 'query' | 'exec'> | Transaction;

function render(q: Sql | SqlQuery): SqlQuery {
  return 'toQuery' in q ? q.toQuery() : q;
}

const COPY_TARGET = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

function bind(db: PgliteLike): Queryable {
  return {
    async query<R = Row>(q: Sql | SqlQuery): Promise<QueryResult<R>> {
      const { text, values } = render(q);
      const res = await db.query<R>(text, values, { parsers: resultParsers });
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
    async copy(table, columns, rows) {
      if (!COPY_TARGET.test(table) || !columns.every((c) => COPY_TARGET.test(c))) {
        throw new Error(`Invalid COPY target ${table}`);
      }
      const chunks: string[] = [];
      let n = 0;
      for (const r of rows) {
        chunks.push(encodeCopyRow(r));
        n++;
      }
      if (n === 0) return 0;
      const cols = columns.map((c) => `"${c}"`).join(', ');
      const target = table
        .split('.')
        .map((p) => `"${p}"`)
        .join('.');
      // PGlite streams COPY data through a virtual file; the text itself is never part of the SQL.
      await db.query(`COPY ${target} (${cols}) FROM '/dev/blob'`, [], { blob: new Blob(chunks) });
      return n;
    },
    async runScript(script) {
      await db.exec(script);
    },
  };
}

/** Embedded PostgreSQL (PGlite 0.5.8 + PostGIS) persisted in `<dataDir>/pg`. One process per data dir. */
export async function openPgliteStore(dataDir: string | null): Promise<Store> {
  let lock: DataDirLock | null = null;
  let pgDir: string | undefined;
  if (dataDir) {
    await mkdir(dataDir, { recursive: true });
    lock = await acquireDataDirLock(dataDir);
    pgDir = join(dataDir, 'pg');
  }
  let db: PGlite;
  try {
    db = await PGlite.create({ dataDir: pgDir, extensions: { postgis } });
    await db.exec("SET TimeZone = 'UTC'");
  } catch (err) {
    await lock?.release();
    throw err;
  }
  const base = bind(db);
  return {
    kind: 'pglite',
    description: pgDir ? `embedded PostgreSQL in ${pgDir}` : 'embedded PostgreSQL in memory',
    query: base.query,
    copy: base.copy,
    runScript: base.runScript,
    transaction: (fn) => db.transaction((tx) => fn(bind(tx))),
    async close() {
      try {
        await db.close();
      } finally {
        await lock?.release();
      }
    },
  };
}
