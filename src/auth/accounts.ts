import { UnauthorizedError } from '../core/errors/auth-errors.ts';
import { sql } from '../core/query/sql.ts';
import type { Queryable } from '../store/store.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.ts';
import type { Principal } from './principal.ts';

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  roles: string[];
  disabled: boolean;
}

/**
 * Checks a built-in account's password. An unknown user, a disabled user and a wrong password all give the
 * same 401 after the same amount of work (a scrypt verification), so the answer does not reveal which
 * usernames exist.
 */
export async function authenticatePassword(
  db: Queryable,
  tenant: string,
  username: string,
  password: string,
): Promise<Principal> {
  const { rows } = await db.query<UserRow>(
    sql`SELECT id, username, password_hash, roles, disabled FROM users
        WHERE tenant_id = ${tenant} AND username = ${username}`,
  );
  const user = rows[0];
  const ok = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
  if (!user || !ok || user.disabled) throw new UnauthorizedError('Invalid username or password');
  return { subject: `user:${user.id}`, tenant, username: user.username, roles: user.roles, via: 'password' };
}

export async function createUser(
  db: Queryable,
  user: { tenant: string; username: string; password: string; roles: string[] },
): Promise<number> {
  const hash = await hashPassword(user.password);
  const { rows } = await db.query<{ id: number }>(
    sql`INSERT INTO users (tenant_id, username, password_hash, roles)
        VALUES (${user.tenant}, ${user.username}, ${hash}, ${user.roles}) RETURNING id`,
  );
  return rows[0]!.id;
}
