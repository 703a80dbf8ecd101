import type { FastifyInstance, RouteOptions } from 'fastify';

/**
 * The OpenAPI 3.1 document of the control plane, generated from the schemas the routes are registered with
 * (the same ones fastify validates and serialises with), so the document cannot drift from the behaviour.
 */
type Schema = Record<string, unknown>;

interface RouteSchema {
  tags?: string[];
  summary?: string;
  description?: string;
  params?: Schema;
  querystring?: Schema;
  body?: Schema;
  /** Request media types of a route whose body is not JSON (e.g. a CSV sample). */
  consumes?: string[];
  response?: Record<string, Schema>;
  /** Overrides the document's default security, e.g. `[{ ingestKey: [] }]` for the HTTP push route. */
  security?: Schema[];
}

export interface CollectedRoute {
  method: string;
  /** OpenAPI path, e.g. `/api/v1/datapools/{id}`. */
  path: string;
  schema: RouteSchema;
}

const STATUS_TEXT: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
};

/** `/t/:tenant/api/v1/datapools/:id` → `/api/v1/datapools/{id}`. */
export function openApiPath(url: string): string {
  const at = url.indexOf('/api/v1');
  return (at >= 0 ? url.slice(at) : url).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Collects the routes registered after this call in `app`'s context (HEAD twins of GETs excluded). */
export function collectRoutes(app: FastifyInstance): CollectedRoute[] {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) {
      if (m === 'HEAD') continue;
      routes.push({
        method: m.toLowerCase(),
        path: openApiPath(route.url),
        schema: (route.schema ?? {}) as RouteSchema,
      });
    }
  });
  return routes;
}

function parameters(s: RouteSchema): Schema[] {
  const out: Schema[] = [];
  for (const [where, schema] of [
    ['path', s.params],
    ['query', s.querystring],
  ] as const) {
    const props = (schema?.properties ?? {}) as Record<string, Schema>;
    const required = new Set((schema?.required ?? []) as string[]);
    for (const [name, p] of Object.entries(props)) {
      const { description, ...rest } = p;
      out.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  }
  return out;
}

function requestBody(s: RouteSchema): Schema | undefined {
  if (s.consumes) {
    const content = Object.fromEntries(
      s.consumes.map((t) => [t, { schema: t.startsWith('text/') ? { type: 'string' } : {} }]),
    );
    return { required: true, content };
  }
  if (!s.body) return undefined;
  return { required: true, content: { 'application/json': { schema: s.body } } };
}

function responses(s: RouteSchema): Schema {
  const out: Schema = {};
  for (const [status, schema] of Object.entries(s.response ?? { 200: {} })) {
    const description = (schema.description as string | undefined) ?? STATUS_TEXT[status] ?? 'Response';
    if (status === '204') out[status] = { description };
    else {
      const type = Number(status) >= 400 ? 'application/problem+json' : 'application/json';
      out[status] = { description, content: { [type]: { schema } } };
    }
  }
  return out;
}

function operationId(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v1\//, '')
    .split('/')
    .map((seg) => (seg.startsWith('{') ? `By${seg.slice(1, 2).toUpperCase()}${seg.slice(2, -1)}` : seg))
    .map((seg) => seg.charAt(0).toUpperCase() + seg.slice(1));
  return `${method}${words.join('')}`;
}

export function openApiDocument(
  routes: readonly CollectedRoute[],
  serverUrl: string,
  version: string,
): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const r of routes) {
    const s = r.schema;
    const op: Schema = {
      operationId: operationId(r.method, r.path),
      ...(s.tags ? { tags: s.tags } : {}),
      ...(s.summary ? { summary: s.summary } : {}),
      ...(s.description ? { description: s.description } : {}),
      parameters: parameters(s),
      responses: responses(s),
      ...(s.security ? { security: s.security } : {}),
    };
    const body = requestBody(s);
    if (body) op.requestBody = body;
    paths[r.path] ??= {};
    paths[r.path]![r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'urbs control plane',
      version,
      description:
        'Errors are RFC 9457 problem details with stable urn:urbs:problem:… types (docs/control-plane.md).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: serverUrl }],
    security: [{ bearerAuth: [] }, { apiKey: [] }],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'POST /auth/token' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        ingestKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Ingest-Key',
          description: 'the ingest key of an http-push data source (POST /api/v1/ingest/{sourceId})',
        },
      },
    },
    paths,
  };
}
