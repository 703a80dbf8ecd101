import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sql } from '../core/query/sql.ts';
import type { Store } from './store.ts';

export interface Migration {
  version: number;
  name: string;
  text: string;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Any fixed number: serialises migrations of several urbs nodes on one database. */
const MIGRATION_LOCK = 7_387_001;

export class SchemaTooNewError extends Error {
  constructor(dbVersion: number, codeVersion: number) {
    super(
      `database schema is at version ${dbVersion} but this urbs only knows migrations up to ${codeVersion}; ` +
        'upgrade urbs (migrations are forward-only)',
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Reads `NNNN-name.sql` files in version order. Versions must be unique and contiguous from 1. */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}-[a-z0-9-]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const [i, f] of files.entries()) {
    const version = Number(f.slice(0, 4));
    if (version !== i + 1) throw new Error(`migration ${f} is out of sequence (expected version ${i + 1})`);
    migrations.push({ version, name: f.slice(5, -4), text: await readFile(`${dir}/${f}`, 'utf8') });
  }
  return migrations;
}

async function appliedVersion(store: Store): Promise<number> {
  await store.query(sql`CREATE TABLE IF NOT EXISTS urbs_schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const { rows } = await store.query<{ v: number | null }>(
    sql`SELECT max(version) AS v FROM urbs_schema_migrations`,
  );
  return rows[0]?.v ?? 0;
}

export interface MigrateResult {
  from: number;
  to: number;
  applied: string[];
}

/**
 * Applies pending migrations, each in its own transaction together with its record, so a failure leaves
 * the schema at the last complete version. Refuses a database whose schema is newer than the code.
 */
export async function migrate(store: Store, migrations?: Migration[]): Promise<MigrateResult> {
  const all = migrations ?? (await loadMigrations());
  const latest = all.at(-1)?.version ?? 0;
  const from = await appliedVersion(store);
  if (from > latest) throw new SchemaTooNewError(from, latest);
  const applied: string[] = [];
  for (const m of all) {
    if (m.version <= from) continue;
    const done = await store.transaction(async (tx) => {
      await tx.query(sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      const { rows } = await tx.query(sql`SELECT 1 FROM urbs_schema_migrations WHERE version = ${m.version}`);
      if (rows.length > 0) return false; // another node applied it meanwhile
      // Migration files are fixed text shipped with the code, never built from input.
      await tx.runScript(m.text);
      await tx.query(
        sql`INSERT INTO urbs_schema_migrations (version, name) VALUES (${m.version}, ${m.name})`,
      );
      return true;
    });
    if (done) applied.push(`${String(m.version).padStart(4, '0')}-${m.name}`);
  }
  return { from, to: Math.max(from, latest), applied };
}
