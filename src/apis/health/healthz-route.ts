import type { FastifyInstance } from 'fastify';
import { sql } from '../../core/query/sql.ts';
import type { Queryable } from '../../store/store.ts';

/** GET /healthz — 200 {"status":"ok"} when the database answers within 2 s, 503 otherwise. */
export async function healthzRoute(app: FastifyInstance, opts: { db: Queryable }) {
  app.get('/healthz', async (_request, reply) => {
    try {
      await withTimeout(opts.db.query(sql`SELECT 1`), 2000);
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', detail: 'the database does not answer' });
    }
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
