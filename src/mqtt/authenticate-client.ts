import type { Client } from 'aedes';
import { authenticatePassword } from '../auth/accounts.ts';
import type { Principal } from '../auth/principal.ts';
import { isDomainError } from '../core/errors/domain-error.ts';
import type { Queryable } from '../store/store.ts';

/**
 * Who an MQTT connection is (CONTRACT.md, MQTT): CONNECT's username/password is a built-in account
 * (`alice` = tenant default, `othertenant/alice` = tenant othertenant) or, later, an API key. A connection
 * without username is anonymous. The result is kept per connection for every later authorisation.
 */

/**
 * One way to turn CONNECT credentials into a Principal. Returns undefined when the credentials are not of
 * its kind (so the next resolver may try), throws UnauthorizedError when they are but are wrong.
 * API keys plug in here as a second resolver (username = key id, password = key secret).
 */
export type CredentialResolver = (username: string, password: string) => Promise<Principal | undefined>;

/** Built-in accounts: `user` (default tenant) or `tenant/user`. */
export function passwordAccounts(db: Queryable, defaultTenant: string): CredentialResolver {
  return async (username, password) => {
    const slash = username.indexOf('/');
    const tenant = slash < 0 ? defaultTenant : username.slice(0, slash);
    const user = slash < 0 ? username : username.slice(slash + 1);
    if (!tenant || !user) return undefined;
    return authenticatePassword(db, tenant, user, password);
  };
}

/** MQTT 3.1.1 CONNACK return codes (§3.2.2.3). */
export const CONNACK = { serverUnavailable: 3, badUsernameOrPassword: 4, notAuthorized: 5 } as const;

export class ConnectRefused extends Error {
  readonly returnCode: number;
  constructor(returnCode: number, message: string) {
    super(message);
    this.name = 'ConnectRefused';
    this.returnCode = returnCode;
  }
}

export interface Session {
  /** null = anonymous. */
  principal: Principal | null;
}

/** Sessions by connection; a WeakMap so nothing is kept once aedes drops the client. */
const sessions = new WeakMap<Client, Session>();

export function sessionOf(client: Client | null): Session | undefined {
  return client ? sessions.get(client) : undefined;
}

/**
 * Resolves the credentials of a CONNECT and remembers the session; throws ConnectRefused with the CONNACK
 * return code. Unexpected failures (database down) are "server unavailable", so the client retries.
 */
export async function authenticateClient(
  resolvers: readonly CredentialResolver[],
  client: Client,
  username: string | undefined,
  password: Buffer | undefined,
): Promise<Session> {
  let principal: Principal | null = null;
  if (username !== undefined && username !== '') {
    if (!password) throw new ConnectRefused(CONNACK.badUsernameOrPassword, 'a username needs a password');
    principal = await resolve(resolvers, username, password.toString('utf8'));
  } else if (password) {
    throw new ConnectRefused(CONNACK.badUsernameOrPassword, 'a password needs a username');
  }
  const session: Session = { principal };
  sessions.set(client, session);
  return session;
}

async function resolve(resolvers: readonly CredentialResolver[], username: string, password: string) {
  try {
    for (const r of resolvers) {
      const p = await r(username, password);
      if (p) return p;
    }
  } catch (err) {
    if (isDomainError(err) && err.status === 401) {
      throw new ConnectRefused(CONNACK.badUsernameOrPassword, 'bad username or password');
    }
    throw new ConnectRefused(CONNACK.serverUnavailable, `credentials could not be checked: ${String(err)}`);
  }
  throw new ConnectRefused(CONNACK.badUsernameOrPassword, 'bad username or password');
}
