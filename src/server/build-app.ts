import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { tokenRoute } from '../apis/auth/token-route.ts';
import { type ControlPluginOptions, controlPlugin } from '../apis/control/control-plugin.ts';
import { healthzRoute } from '../apis/health/healthz-route.ts';
import { ogcFeaturesPlugin } from '../apis/ogc-features/index.ts';
import { problem, problemErrorHandler, sendProblem } from '../apis/problem-details.ts';
import { type StaPluginOptions, staPlugin } from '../apis/sta/sta-plugin.ts';
import { authenticate } from '../auth/authenticate.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { Store } from '../store/store.ts';
import { DEFAULT_TENANT } from '../tenants/bootstrap.ts';
import { createTenantDirectory } from '../tenants/tenant-directory.ts';

export interface AppDeps {
  store: Store;
  tokens: TokenService;
  bodyLimit: number;
  logger: FastifyServerOptions['logger'];
  sta: StaPluginOptions;
  control: ControlPluginOptions;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Builds the HTTP application: shared plumbing (request ids, problem details, body limits, credentials),
 * then the API trees. Trees that exist per tenant are mounted twice: at `/` for tenant `default` and under
 * `/t/{tenant}/` for every other tenant.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler(problemErrorHandler);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      ...problem(404, 'URBS_NOT_FOUND', `No resource at ${request.method} ${request.url.split('?')[0]}`),
      requestId: request.id,
    }),
  );
  // Bodies are JSON or forms; anything else is 415 unless a tree registers its own parser (e.g. $batch).
  app.removeContentTypeParser('text/plain');
  await app.register(formbody, { bodyLimit: deps.bodyLimit });

  const tenants = createTenantDirectory(deps.store);
  await app.register(authenticate, {
    tokens: deps.tokens,
    tenantExists: tenants.exists,
    defaultTenant: DEFAULT_TENANT,
  });

  await app.register(healthzRoute, { db: deps.store });
  await app.register(tokenRoute, { db: deps.store, tokens: deps.tokens, defaultTenant: DEFAULT_TENANT });

  const tenantTrees = async (tree: FastifyInstance) => {
    await tree.register(controlPlugin, { prefix: '/api/v1', ...deps.control });
    await tree.register(staPlugin, deps.sta);
    await tree.register(ogcFeaturesPlugin, { prefix: '/ogc', db: deps.store });
  };
  await app.register(tenantTrees);
  await app.register(tenantTrees, { prefix: '/t/:tenant' });
  return app;
}
