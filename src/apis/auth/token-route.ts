import type { FastifyInstance } from 'fastify';
import { authenticatePassword } from '../../auth/accounts.ts';
import type { TokenService } from '../../auth/tokens.ts';
import { BadRequestError } from '../../core/errors/bad-request.ts';
import type { Queryable } from '../../store/store.ts';

export interface TokenRouteOptions {
  db: Queryable;
  tokens: TokenService;
  defaultTenant: string;
}

const bodySchema = {
  type: 'object',
  required: ['grant_type'],
  properties: {
    grant_type: { type: 'string' },
    username: { type: 'string', minLength: 1, maxLength: 200 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
    tenant: { type: 'string', minLength: 1, maxLength: 63 },
  },
} as const;

interface TokenBody {
  grant_type: string;
  username?: string;
  password?: string;
  tenant?: string;
}

/**
 * POST /auth/token — OAuth 2.0 token endpoint (RFC 6749 §4.3 password grant) for built-in accounts,
 * accepting JSON and application/x-www-form-urlencoded bodies. Errors are problem details that also carry
 * the OAuth `error` code.
 */
export async function tokenRoute(app: FastifyInstance, opts: TokenRouteOptions) {
  app.post<{ Body: TokenBody }>(
    '/auth/token',
    { schema: { body: bodySchema }, config: { public: true } },
    async (request, reply) => {
      const b = request.body;
      if (b.grant_type !== 'password') {
        throw new BadRequestError(
          `grant_type ${b.grant_type} is not supported; use password`,
          { field: 'grant_type', error: 'unsupported_grant_type' },
          'URBS_UNSUPPORTED_GRANT_TYPE',
        );
      }
      if (!b.username || !b.password) {
        const field = b.username ? 'password' : 'username';
        throw new BadRequestError(`${field} is required for grant_type password`, {
          field,
          error: 'invalid_request',
        });
      }
      const principal = await authenticatePassword(
        opts.db,
        b.tenant ?? opts.defaultTenant,
        b.username,
        b.password,
      );
      reply.header('cache-control', 'no-store');
      return opts.tokens.issue(principal);
    },
  );
}
