import type { FastifyInstance } from 'fastify';
import { requirePrincipal } from '../../auth/authenticate.ts';

/** GET /api/v1/me — who the credentials belong to (subject, tenant, roles). */
export async function meRoute(app: FastifyInstance) {
  app.get('/api/v1/me', async (request) => {
    const p = requirePrincipal(request);
    return { subject: p.subject, username: p.username, tenant: p.tenant, roles: p.roles };
  });
}
