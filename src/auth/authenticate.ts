import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { UnauthorizedError } from '../core/errors/auth-errors.ts';
import type { Principal } from './principal.ts';
import type { TokenService } from './tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, or null for anonymous requests. */
    principal: Principal | null;
    /** The tenant the request addresses: `/t/{tenant}/…`, else `default`. */
    tenant: string;
  }
  interface FastifyContextConfig {
    /** Writes are refused without credentials unless a route opts out (the token endpoint). */
    public?: boolean;
  }
}

export interface AuthenticateOptions {
  tokens: TokenService;
  /** Whether a tenant exists (cached by the caller). */
  tenantExists(tenant: string): Promise<boolean>;
  defaultTenant: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one credential check every route shares. It runs for every request: it resolves the addressed
 * tenant, verifies a bearer token if one is sent (an invalid one is always 401, even on a GET), rejects
 * tokens of another tenant, and refuses any write without credentials unless the route is marked public.
 */
export const authenticate = fp(async function authenticate(app: FastifyInstance, opts: AuthenticateOptions) {
  app.decorateRequest('principal', null);
  app.decorateRequest('tenant', '');
  app.addHook('preHandler', async (request) => {
    // The not-found handler runs these hooks too: an unknown route is 404 for everyone, not 401 on writes.
    if (request.is404) return;
    request.tenant = tenantOf(request) ?? opts.defaultTenant;
    if (request.tenant !== opts.defaultTenant && !(await opts.tenantExists(request.tenant))) {
      throw new UnauthorizedError(`Tenant ${request.tenant} does not exist or you have no access to it`);
    }
    const header = request.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) throw new UnauthorizedError('The Authorization header must be "Bearer <token>"');
      const principal = await opts.tokens.verify(m[1]!);
      if (principal.tenant !== request.tenant) {
        throw new UnauthorizedError(`The access token is for another tenant than ${request.tenant}`);
      }
      request.principal = principal;
    }
    if (!request.principal && !SAFE_METHODS.has(request.method) && !request.routeOptions.config.public) {
      throw new UnauthorizedError('This request changes data and needs credentials');
    }
  });
});

function tenantOf(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, string> | undefined;
  return params?.tenant;
}

/** For handlers that need a caller even on reads. */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError();
  return request.principal;
}
