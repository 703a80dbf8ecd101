import type { FastifyInstance } from 'fastify';
import { requirePrincipal } from '../../auth/authenticate.ts';
import { problems } from './schemas.ts';

/** GET /api/v1/me — who the credentials belong to (subject, tenant, roles). Registered by control-plugin. */
export async function meRoute(app: FastifyInstance) {
  app.get(
    '/me',
    {
      schema: {
        tags: ['Session'],
        summary: 'Who the credentials belong to',
        response: {
          200: {
            type: 'object',
            properties: {
              subject: { type: 'string' },
              username: { type: 'string' },
              tenant: { type: 'string' },
              roles: { type: 'array', items: { type: 'string' } },
            },
            required: ['subject', 'tenant', 'roles'],
          },
          ...problems(),
        },
      },
    },
    async (request) => {
      const p = requirePrincipal(request);
      return { subject: p.subject, username: p.username, tenant: p.tenant, roles: p.roles };
    },
  );
}
