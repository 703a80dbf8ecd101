import { createUser } from '../auth/accounts.ts';
import { generatePassword } from '../auth/passwords.ts';
import { sql } from '../core/query/sql.ts';
import type { Store } from '../store/store.ts';

export const DEFAULT_TENANT = 'default';
export const ADMIN_USER = 'admin';

export interface BootstrapResult {
  /** Set only when the admin was created just now with a generated password: to be shown once. */
  generatedAdminPassword?: string;
}

/**
 * First start: creates tenant `default` and its user `admin` (role admin) with URBS_ADMIN_PASSWORD or a
 * generated password. Later starts change nothing: the admin password is not reset by the variable.
 */
export async function bootstrapTenancy(
  store: Store,
  adminPassword: string | undefined,
): Promise<BootstrapResult> {
  return store.transaction(async (tx) => {
    // Several nodes may start at once on one database: the first one creates, the others see its rows.
    await tx.query(sql`SELECT pg_advisory_xact_lock(7387002)`);
    await tx.query(
      sql`INSERT INTO tenants (id, name) VALUES (${DEFAULT_TENANT}, 'Default') ON CONFLICT DO NOTHING`,
    );
    const { rows } = await tx.query(
      sql`SELECT 1 FROM users WHERE tenant_id = ${DEFAULT_TENANT} AND username = ${ADMIN_USER}`,
    );
    if (rows.length > 0) return {};
    const password = adminPassword || generatePassword();
    await createUser(tx, { tenant: DEFAULT_TENANT, username: ADMIN_USER, password, roles: ['admin'] });
    return adminPassword ? {} : { generatedAdminPassword: password };
  });
}
