import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EntityService } from '../../core/entities/entity-service.ts';
import type { ReadDeps } from '../../core/entities/read-entities.ts';
import { UnauthorizedError } from '../../core/errors/auth-errors.ts';
import { NotFoundError } from '../../core/errors/not-found.ts';
import type { ObservationBatcher } from '../../core/sensing/observation-batcher.ts';
import type { ModelRegistry } from '../../model/registry.ts';
import { handleBatch } from './batch/index.ts';
import type { FormatContext } from './format-entity.ts';
import { getResource } from './handlers/get-resource.ts';
import { postObservationFast } from './handlers/post-observation-fast.ts';
import { type StaCall, type StaRequest, sendStaResponse } from './handlers/sta-response.ts';
import { writeResource } from './handlers/write-resource.ts';
import { serviceRoot } from './service-root.ts';

export interface StaPluginOptions {
  registry: ModelRegistry;
  read: ReadDeps;
  entities: EntityService;
  /** Group commit of single Observations (shared with MQTT). */
  observations: ObservationBatcher;
  /** `mqtt://host:port` when the embedded broker runs. */
  mqttEndpoint?: string | undefined;
  extraConformance?: readonly string[];
}

const VERSIONS = ['v1.0', 'v1.1'] as const;
type Version = (typeof VERSIONS)[number];

/**
 * OGC SensorThings API at /sta/v1.1 (and /sta/v1.0): a thin adapter — parse the resource path and query
 * options, call the core read/write path, format the JSON.
 */
export async function staPlugin(app: FastifyInstance, opts: StaPluginOptions) {
  // JSON Patch (RFC 6902) and merge-patch bodies are JSON too.
  app.addContentTypeParser(
    ['application/json-patch+json', 'application/merge-patch+json'],
    { parseAs: 'string' },
    (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (err) {
        (err as { statusCode?: number }).statusCode = 400;
        done(err as Error, undefined);
      }
    },
  );

  // $batch bodies (18-088 §11); the body limit applies as to any body.
  app.addContentTypeParser('multipart/mixed', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const deps = { registry: opts.registry, read: opts.read, entities: opts.entities };
  const formatContext = (request: FastifyRequest, version: Version): FormatContext => {
    const tenant = (request.params as { tenant?: string }).tenant;
    return { base: `${request.protocol}://${request.host}${tenant ? `/t/${tenant}` : ''}/sta/${version}` };
  };
  const versionOf = (request: FastifyRequest): Version => {
    const v = (request.params as { version: string }).version;
    if (!(VERSIONS as readonly string[]).includes(v))
      throw new NotFoundError(`SensorThings API ${v} is not served; use v1.1`);
    return v as Version;
  };

  const root = (request: FastifyRequest, version: Version) =>
    serviceRoot(opts.registry, {
      base: formatContext(request, version).base,
      version,
      mqttEndpoint: opts.mqttEndpoint,
      extraConformance: opts.extraConformance,
    });

  app.get('/sta/:version', async (request) => root(request, versionOf(request)));

  app.route({
    method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
    url: '/sta/:version/*',
    handler: async (request, reply) => {
      const version = versionOf(request);
      const fmt = formatContext(request, version);
      const rawPath = (request.params as { '*': string })['*'];
      if (rawPath === '') return root(request, version);
      // Until datasets can be marked open data, every SensorThings payload needs credentials (CONTRACT.md).
      if (!request.principal) throw new UnauthorizedError('SensorThings data needs credentials');
      const call: StaCall = { deps, fmt, ctx: { tenant: request.tenant, principal: request.principal } };
      const marker = `/sta/${version}/`;
      const url = request.url.slice(request.url.indexOf(marker) + marker.length);
      if (rawPath === '$batch') {
        const root = request.url.slice(0, request.url.indexOf(marker) + marker.length - 1);
        const env = { call, root, log: request.log };
        const res = await handleBatch(env, request.method, request.headers['content-type'], request.body);
        return reply.code(res.status).type(res.contentType).send(res.payload);
      }
      const req: StaRequest = {
        method: request.method,
        url,
        body: request.body,
        contentType: request.headers['content-type'],
      };
      const res =
        request.method === 'GET'
          ? await getResource(call, req)
          : ((await postObservationFast(call, opts.observations, req)) ??
            (await opts.entities.write(call.ctx, (w) => writeResource(call, w, req))));
      return sendStaResponse(reply, res);
    },
  });
}
