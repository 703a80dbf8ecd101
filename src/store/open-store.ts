import { openPgliteStore } from './pglite/pglite-store.ts';
import { openPostgresStore } from './postgres/postgres-store.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  databaseUrl?: string | undefined;
  /** Data dir of the embedded database; `null` = in memory (tests). */
  dataDir: string | null;
}

/** DATABASE_URL set → PostgreSQL; unset → embedded PGlite in the data dir. */
export function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.databaseUrl) return openPostgresStore(options.databaseUrl);
  return openPgliteStore(options.dataDir);
}
