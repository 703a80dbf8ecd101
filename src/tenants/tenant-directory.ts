import { sql } from '../core/query/sql.ts';
import type { Queryable } from '../store/store.ts';

/**
 * Which tenants exist, cached for a few seconds so that `/t/{tenant}/…` requests do not cost a query each.
 * A tenant created on another node becomes visible here within the TTL.
 */
export function createTenantDirectory(db: Queryable, ttlMs = 5000) {
  let known = new Set<string>();
  let loadedAt = 0;
  let loading: Promise<void> | null = null;

  async function reload() {
    const { rows } = await db.query<{ id: string }>(sql`SELECT id FROM tenants`);
    known = new Set(rows.map((r) => r.id));
    loadedAt = Date.now();
  }

  return {
    async exists(tenant: string): Promise<boolean> {
      if (Date.now() - loadedAt > ttlMs || !known.has(tenant)) {
        if (Date.now() - loadedAt > 250 || loadedAt === 0) {
          loading ??= reload().finally(() => {
            loading = null;
          });
          await loading;
        }
      }
      return known.has(tenant);
    },
    invalidate() {
      loadedAt = 0;
    },
  };
}
