import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requirePrincipal } from '../../auth/authenticate.ts';
import { createUploadTracker, type UploadTracker } from '../../core/control/data-source-uploads.ts';
import { DomainError } from '../../core/errors/domain-error.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import type { PipelineRuntime } from '../../pipeline/runtime/runtime-types.ts';
import { dataSetRoutes } from './datasets.ts';
import { dataSourceRoutes } from './datasources.ts';
import { importRoutes } from './datastructure-import.ts';
import { versionRoutes } from './datastructure-versions.ts';
import { ingestRoutes } from './ingest-routes.ts';
import { mappingRoutes } from './mappings.ts';
import { meRoute } from './me-route.ts';
import { collectRoutes, openApiDocument } from './openapi.ts';
import { pipelineRoutes } from './pipelines.ts';
import { type ControlDeps, resourceRoutes } from './resource-routes.ts';
import { dataPoolResource, dataStructureResource } from './resources.ts';
import { uploadRoutes } from './upload-routes.ts';

/**
 * The control-plane REST API under /api/v1 (register with that prefix, once per tenant tree). Every route
 * is schema-first; /api/v1/openapi.json is generated from exactly those schemas. Reads need credentials as
 * much as writes do; only the OpenAPI document is public.
 */
/** `secretBox` seals the secrets of data-source configs (the platform's instance SecretBox). */
export type ControlPluginOptions = ControlDeps & {
  apiVersion?: string;
  secretBox: SecretBox;
  /** Takes pushed records (HTTP push, file uploads); without it those answer 409 URBS_NO_RUNNING_PIPELINE. */
  runtime?: PipelineRuntime;
  /**
   * File uploads: `tracker` keeps the upload states (pass one for the process, so `/api/v1` and
   * `/t/default/api/v1` share them; default: one per registration), `maxBytes` the largest file (1 GiB).
   */
  uploads?: { tracker?: UploadTracker; maxBytes?: number };
};

/** The default upload limit: far above the JSON body limit, because uploads are streamed. */
const MAX_UPLOAD_BYTES = 1024 ** 3;

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

function validatorCompilers() {
  const make = (coerceTypes: boolean) =>
    addFormats(
      new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, strict: false }),
    );
  // Query strings and path segments are text: they are coerced to the declared types; bodies never are.
  const coercing = make(true);
  const strict = make(false);
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema);
}

/** `body` + `/contact/email` → `contact.email`, `/sinks/0/kind` → `sinks[0].kind`; query and path parameters by their name. */
function fieldOf(part: string, e: ErrorObject): string {
  const segs = e.instancePath.split('/').slice(1);
  const p = e.params as { missingProperty?: string; additionalProperty?: string };
  if (p.missingProperty) segs.push(p.missingProperty);
  if (p.additionalProperty) segs.push(p.additionalProperty);
  if (segs.length === 0) return part === 'body' ? 'body' : part;
  // Array positions as the core names them: `sinks[0].kind`, `keywords[1]`.
  return segs.reduce(
    (path, seg) => (/^\d+$/.test(seg) ? `${path}[${seg}]` : path ? `${path}.${seg}` : seg),
    '',
  );
}

/** A schema violation as a 400 naming the member (`field`), like the core's own validation errors. */
function schemaError(errors: ErrorObject[], part: string): Error {
  const e = errors[0]!;
  const field = fieldOf(part, e);
  const p = e.params as { additionalProperty?: string; allowedValues?: unknown[] };
  let message = `${field} ${e.message ?? 'is invalid'}`;
  if (p.additionalProperty) message = `${field} is not a member of this resource`;
  else if (p.allowedValues) message = `${field} must be one of ${p.allowedValues.join(', ')}`;
  return new DomainError('URBS_VALIDATION', 400, message, {
    field,
    in: part === 'querystring' ? 'query' : part,
  });
}

function parseJsonText(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new DomainError(
      'URBS_INVALID_JSON',
      400,
      `The request body is not valid JSON: ${(err as Error).message}`,
    );
  }
}

export async function controlPlugin(app: FastifyInstance, opts: ControlPluginOptions) {
  const deps: ControlDeps = {
    read: opts.read,
    entities: opts.entities,
    usage: opts.usage,
    pipelines: opts.pipelines,
  };
  app.setValidatorCompiler(validatorCompilers());
  app.setSchemaErrorFormatter(schemaError);
  // Samples for inference (POST /datastructures/infer) arrive as CSV or GeoJSON besides JSON.
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/geo+json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonText(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('preHandler', async (request: FastifyRequest) => {
    if (!request.routeOptions.config.public) requirePrincipal(request);
  });

  const routes = collectRoutes(app);
  app.get(
    '/openapi.json',
    {
      config: { public: true },
      schema: {
        tags: ['Meta'],
        summary: 'This OpenAPI 3.1 document',
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    async (request) => {
      const url = request.url.split('?')[0]!;
      const server = url.slice(0, url.indexOf('/api/v1')) || '/';
      return openApiDocument(routes, server, opts.apiVersion ?? '1.0.0');
    },
  );
  await app.register(meRoute);
  resourceRoutes(app, dataPoolResource(), deps);
  // Fixed paths (import, infer) before the resource's `/:id` routes is not needed: fastify prefers statics.
  resourceRoutes(app, dataStructureResource(deps), deps);
  importRoutes(app, deps);
  versionRoutes(app, deps);
  mappingRoutes(app, deps);
  dataSourceRoutes(app, deps, opts.secretBox);
  const push = { db: opts.read.db, box: opts.secretBox, runtime: opts.runtime };
  await app.register(ingestRoutes, push);
  await app.register(uploadRoutes, {
    ...push,
    tracker: opts.uploads?.tracker ?? createUploadTracker(),
    maxBytes: opts.uploads?.maxBytes ?? MAX_UPLOAD_BYTES,
  });
  dataSetRoutes(app, deps);
  pipelineRoutes(app, deps);
}
