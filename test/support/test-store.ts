import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../src/store/migrate.ts';
import { openPgliteStore } from '../../src/store/pglite/pglite-store.ts';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { Store } from '../../src/store/store.ts';

/**
 * Stores for tests. With URBS_TEST_DATABASE_URL (CI: a throwaway PostgreSQL + PostGIS cluster) every call
 * creates a fresh database and drops it on close, so suites never see each other's rows. Without it the
 * suites run on an in-memory PGlite, so a laptop with nothing but Node can run them too.
 */
export type StoreKind = 'pglite' | 'postgres';

export const TEST_DATABASE_URL = process.env.URBS_TEST_DATABASE_URL;

/** The store kinds a contract suite runs on: always PGlite, and PostgreSQL when one is configured. */
export function storeKinds(): StoreKind[] {
  return TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** The kind for suites that run once: the real PostgreSQL when configured (as in CI), else PGlite. */
export function primaryKind(): StoreKind {
  return TEST_DATABASE_URL ? 'postgres' : 'pglite';
}

export interface TestDatabase {
  /** A URL for DATABASE_URL (postgres only). */
  url?: string;
  drop(): Promise<void>;
}

/** Creates an empty PostgreSQL database with a random name on the test server. */
export async function createTestDatabase(): Promise<TestDatabase & { url: string }> {
  if (!TEST_DATABASE_URL) throw new Error('URBS_TEST_DATABASE_URL is not set');
  const name = `urbs_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface OpenedTestStore {
  store: Store;
  close(): Promise<void>;
}

/** A migrated store of the given kind; `close()` closes it and drops its database. */
export async function openTestStore(
  kind: StoreKind = primaryKind(),
  { migrated = true } = {},
): Promise<OpenedTestStore> {
  if (kind === 'pglite') {
    const store = await openPgliteStore(null);
    if (migrated) await migrate(store);
    return { store, close: () => store.close() };
  }
  const db = await createTestDatabase();
  const store = await openPostgresStore(db.url, { max: 10 });
  if (migrated) await migrate(store);
  return {
    store,
    async close() {
      await store.close();
      await db.drop();
    },
  };
}
