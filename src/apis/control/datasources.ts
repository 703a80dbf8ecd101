import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  maskedConfig,
  type StoredConfig,
  sampleStored,
  testStoredConnection,
} from '../../core/control/data-source-config.ts';
import {
  changeDataSource,
  createDataSource,
  DATA_SOURCE_TRANSITIONS,
  type DataSourceInput,
  deleteDataSource,
  rotateIngestKey,
  transitionDataSource,
} from '../../core/control/data-source-lifecycle.ts';
import type { WriteContext } from '../../core/entities/context.ts';
import { readEntity } from '../../core/entities/read-entities.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import { connectorTypes } from '../../ingest/connectors/index.ts';
import { DATA_SOURCE_STATUSES } from '../../model/control/data-source.ts';
import { controlRegistry } from '../../model/control/index.ts';
import type { ListSpec } from './list-query.ts';
import { apiBase, type ControlDeps, contextOf, listOf, toWire } from './resource-routes.ts';
import {
  anyObject,
  idParams,
  listQuerySchema,
  nameSchema,
  nullableString,
  pageSchema,
  problems,
  routesOf,
  timestamp,
} from './schemas.ts';

/**
 * Data sources (issue 4): a connector type with its config and the DataStructureVersion it delivers.
 * The lifecycle rules live in core/control/data-source-lifecycle.ts, the config checks, sealing and
 * masking in core/control/data-source-config.ts; this adapter parses, calls them and formats.
 */
const SOURCE = controlRegistry.entity('DataSource');
/** How long test-connection and sample may take before they give up (each connector has its own timeouts). */
const RUN_TIMEOUT_MS = 30_000;

const name = nameSchema;
const connectorType = { type: 'string', enum: connectorTypes, description: 'see docs/connectors.md' };
const config = {
  ...anyObject,
  description:
    "the connector's config (docs/connectors.md); secrets are write-only and read back as ********",
};
const linkId = (what: string) => ({ type: ['integer', 'null'], minimum: 1, description: what });
const dataPoolId = linkId('the DataPool the source belongs to');
const dataStructureVersionId = linkId('id of the DataStructureVersion it delivers (required to release)');
const writable = {
  name,
  description: nullableString,
  connectorType,
  config,
  dataPoolId,
  dataStructureVersionId,
};

const item = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    ...writable,
    status: { type: 'string', enum: DATA_SOURCE_STATUSES },
    createdAt: timestamp,
    updatedAt: timestamp,
  },
  required: ['id', 'name', 'connectorType', 'config', 'status'],
};
/** An http-push source's ingest URL and key, answered once: when urbs generated the key. */
const withIngest = {
  ...item,
  properties: {
    ...item.properties,
    ingest: {
      type: 'object',
      description:
        'only when urbs generated the ingest key (create without config.key, rotate-key): shown once',
      properties: {
        url: { type: 'string', description: 'POST records here (relative to the server, like Location)' },
        key: { type: 'string', description: 'send it as X-Ingest-Key; every later answer shows ********' },
      },
      required: ['url', 'key'],
    },
  },
};
const LIST: ListSpec = {
  sortable: ['name', 'connectorType', 'status', 'createdAt', 'updatedAt', 'id'],
  searchable: ['name', 'description'],
};

type Wire = Record<string, unknown>;

/** The wire form with every secret masked. */
function masked(wire: Wire): Wire {
  const stored = { type: String(wire.connectorType), sealed: wire.config as Record<string, unknown> };
  return { ...wire, config: maskedConfig(stored) };
}

type IdRequest = FastifyRequest<{ Params: { id: number } }>;

export function dataSourceRoutes(app: FastifyInstance, deps: ControlDeps, box: SecretBox): void {
  const _tags = ['DataSource'];
  const one = (request: FastifyRequest, id: number) =>
    readEntity(deps.read, contextOf(request), [{ entity: SOURCE, id }], {})
      .then(toWire)
      .then(masked);
  const write = <T>(request: FastifyRequest, fn: (w: WriteContext) => Promise<T>) =>
    deps.entities.write(contextOf(request), fn);
  const storedOf = async (request: FastifyRequest, id: number): Promise<StoredConfig> => {
    const wire = await readEntity(deps.read, contextOf(request), [{ entity: SOURCE, id }], {}).then(toWire);
    return { type: String(wire.connectorType), sealed: wire.config as Record<string, unknown> };
  };
  /** The source as answered, plus its ingest URL and the key urbs just generated. */
  const withKey = async (request: FastifyRequest, id: number, key: string | undefined) => {
    const wire = await one(request, id);
    return key === undefined ? wire : { ...wire, ingest: { url: `${apiBase(request)}/ingest/${id}`, key } };
  };
  const route = routesOf('DataSource');

  app.get(
    '/datasources',
    route('List DataSources (paged, sorted, filtered)', {
      querystring: listQuerySchema(LIST.sortable),
      response: { 200: pageSchema(item), ...problems(400) },
    }),
    async (request) => {
      const page = await listOf(deps.read, request, SOURCE, LIST);
      return { ...page, items: page.items.map(masked) };
    },
  );

  app.get(
    '/datasources/:id',
    route('Get a DataSource (secrets masked)', {
      params: idParams,
      response: { 200: item, ...problems(404) },
    }),
    (request: IdRequest) => one(request, request.params.id),
  );

  app.post(
    '/datasources',
    route('Create a DRAFT DataSource (an http-push source without config.key gets one, answered once)', {
      body: {
        type: 'object',
        properties: writable,
        required: ['name', 'connectorType', 'config'],
        additionalProperties: false,
      },
      response: { 201: withIngest, ...problems(400, 409) },
    }),
    async (request, reply) => {
      const body = request.body as DataSourceInput & { connectorType: string; config: Wire };
      const { id, ingestKey } = await write(request, (w) => createDataSource(w, body, box));
      reply.code(201).header('location', `${apiBase(request)}/datasources/${id}`);
      return withKey(request, id, ingestKey);
    },
  );

  app.patch(
    '/datasources/:id',
    route('Change members of a DRAFT DataSource (a secret sent as ******** keeps the stored one)', {
      params: idParams,
      body: { type: 'object', properties: writable, additionalProperties: false },
      response: { 200: withIngest, ...problems(400, 404, 409) },
    }),
    async (request: IdRequest) => {
      const { id } = request.params;
      const body = request.body as DataSourceInput;
      const { ingestKey } = await write(request, (w) => changeDataSource(w, id, body, box));
      return withKey(request, id, ingestKey);
    },
  );

  app.delete(
    '/datasources/:id',
    route('Delete a DRAFT DataSource', {
      params: idParams,
      response: { 204: { type: 'null', description: 'Deleted' }, ...problems(404, 409) },
    }),
    async (request: IdRequest, reply) => {
      await write(request, (w) => deleteDataSource(w, request.params.id));
      return reply.code(204).send();
    },
  );

  for (const t of DATA_SOURCE_TRANSITIONS) {
    app.post(
      `/datasources/:id/${t.action}`,
      route(t.summary, { params: idParams, response: { 200: item, ...problems(404, 409) } }),
      async (request: IdRequest) => {
        const { id } = request.params;
        await write(request, (w) => transitionDataSource(w, id, t));
        return one(request, id);
      },
    );
  }

  app.post(
    '/datasources/:id/rotate-key',
    route('Give an http-push source a new generated ingest key (answered once; the old one stops working)', {
      params: idParams,
      response: { 200: withIngest, ...problems(400, 404) },
    }),
    async (request: IdRequest) => {
      const { id } = request.params;
      const key = await write(request, (w) => rotateIngestKey(w, id, box));
      return withKey(request, id, key);
    },
  );

  app.post(
    '/datasources/:id/test-connection',
    route('Test the connection to the source (an unreachable source is ok: false, naming the member)', {
      params: idParams,
      response: {
        200: {
          type: 'object',
          properties: {
            ok: { type: 'boolean' },
            detail: { type: 'string' },
            field: { type: 'string', description: 'the config member at fault, e.g. config.urls' },
          },
          required: ['ok', 'detail'],
        },
        ...problems(400, 404),
      },
    }),
    async (request: IdRequest) =>
      testStoredConnection(
        await storedOf(request, request.params.id),
        box,
        AbortSignal.timeout(RUN_TIMEOUT_MS),
      ),
  );

  app.post(
    '/datasources/:id/sample',
    route('Read up to n records from the source without committing any position', {
      params: idParams,
      querystring: {
        type: 'object',
        properties: { n: { type: 'integer', minimum: 1, maximum: 100, default: 10, description: 'records' } },
        additionalProperties: false,
      },
      response: {
        200: {
          type: 'object',
          properties: {
            records: {
              type: 'array',
              items: {
                type: 'object',
                properties: { data: anyObject, receivedAt: { type: 'string' }, position: anyObject },
              },
            },
          },
          required: ['records'],
        },
        ...problems(400, 404),
      },
    }),
    async (request: IdRequest) => {
      const { n } = request.query as { n: number };
      const stored = await storedOf(request, request.params.id);
      return { records: await sampleStored(stored, box, n, AbortSignal.timeout(RUN_TIMEOUT_MS)) };
    },
  );
}
