import type { FastifyInstance, FastifyRequest } from 'fastify';
import { receivePush } from '../../core/control/data-source-push.ts';
import { BadRequestError } from '../../core/errors/bad-request.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import type { PipelineRuntime } from '../../pipeline/runtime/runtime-types.ts';
import type { Queryable } from '../../store/store.ts';
import { problems } from './schemas.ts';

/**
 * HTTP push (issue 4): `POST /api/v1/ingest/{sourceId}` takes records for an http-push source. It is public
 * (no bearer token): the source's ingest key in `X-Ingest-Key` is the credential, checked in constant time
 * by core/control/data-source-push.ts. Registered in its own context because the body reaches the receiver
 * as text whatever its type (JSON, GeoJSON, CSV), so a bad body is a 400 naming `body`.
 */
export interface IngestRouteOptions {
  db: Queryable;
  box: SecretBox;
  runtime: PipelineRuntime | undefined;
}

export const pushResultSchema = {
  type: 'object',
  description: 'what the pipelines of the source committed (written, filtered or dead-lettered)',
  properties: {
    in: { type: 'integer', description: 'records received' },
    out: { type: 'integer', description: 'written to the sinks, summed over the pipelines' },
    filtered: { type: 'integer' },
    rejected: { type: 'integer', description: 'sent to the dead letters' },
    pipelines: {
      type: 'array',
      items: { type: 'integer' },
      description: 'ids of the pipelines that took them',
    },
  },
  required: ['in', 'out', 'filtered', 'rejected', 'pipelines'],
};

/** The request as logged: without the query string, so nothing sent in the URL reaches a log line. */
function requestForLog(request: FastifyRequest) {
  return { method: request.method, url: request.url.split('?')[0], remoteAddress: request.ip };
}

type IngestRequest = FastifyRequest<{ Params: { sourceId: number }; Querystring: { key?: string } }>;

export async function ingestRoutes(app: FastifyInstance, opts: IngestRouteOptions) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post(
    '/ingest/:sourceId',
    {
      config: { public: true },
      logSerializers: { req: requestForLog },
      schema: {
        tags: ['Ingest'],
        summary:
          'Push records to an http-push DataSource (credential: its ingest key in X-Ingest-Key, no token)',
        description:
          'JSON (an object, an array, or at recordsPath), GeoJSON (a FeatureCollection) or CSV (text/csv). ' +
          'A missing or wrong key, an unknown source and a source that is not http-push all answer 401. ' +
          'Answers when the pipelines committed the records; 409 when none runs the source.',
        params: {
          type: 'object',
          properties: { sourceId: { type: 'integer', minimum: 1 } },
          required: ['sourceId'],
        },
        querystring: {
          type: 'object',
          properties: {
            key: { type: 'string', description: 'refused (400): URLs end up in logs; send X-Ingest-Key' },
          },
          additionalProperties: false,
        },
        consumes: ['application/json', 'application/geo+json', 'text/csv'],
        security: [{ ingestKey: [] }],
        response: { 200: pushResultSchema, ...problems(400, 409) },
      },
    },
    async (request: IngestRequest) => {
      if (request.query.key !== undefined) {
        throw new BadRequestError(
          'Send the ingest key in the X-Ingest-Key header; a key in the URL is refused',
          {
            field: 'key',
            in: 'query',
          },
        );
      }
      const key = request.headers['x-ingest-key'];
      return receivePush(opts, {
        tenant: request.tenant,
        sourceId: request.params.sourceId,
        key: typeof key === 'string' ? key : undefined,
        contentType: request.headers['content-type'],
        body: request.body,
      });
    },
  );
}
