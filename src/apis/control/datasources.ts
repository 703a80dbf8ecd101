import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import type { WriteContext } from '../../core/entities/context.ts';
import { readEntity } from '../../core/entities/read-entities.ts';
import { createEntity, deleteEntity, updateEntity } from '../../core/entities/write-entities.ts';
import { decodeRecord, readRow, requireLinked } from '../../core/entities/write-rows.ts';
import { BadRequestError } from '../../core/errors/bad-request.ts';
import { ConflictError } from '../../core/errors/conflict.ts';
import { DomainError } from '../../core/errors/domain-error.ts';
import { NotFoundError } from '../../core/errors/not-found.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import { connectorTypes } from '../../ingest/connectors/index.ts';
import { DATA_SOURCE_STATUSES } from '../../model/control/data-source.ts';
import { controlRegistry } from '../../model/control/index.ts';
import {
  maskedConfig,
  prepareConfig,
  type StoredConfig,
  sampleStored,
  testStoredConnection,
} from './datasource-config.ts';
import type { ListSpec } from './list-query.ts';
import { apiBase, type ControlDeps, contextOf, listOf, toWire } from './resource-routes.ts';
import {
  anyObject,
  idParams,
  listQuerySchema,
  nullableString,
  pageSchema,
  problems,
  timestamp,
} from './schemas.ts';

/**
 * Data sources (issue 4): a connector type with its config and the DataStructureVersion it delivers.
 * Secrets are sealed at rest and shown as `********` (datasource-config.ts). DRAFT → (release, needs an
 * AVAILABLE structure version) → AVAILABLE → (unrelease) → DRAFT; an AVAILABLE source is neither changed
 * nor deleted. "Test connection" and "sample" run the connector with the opened config.
 */
const SOURCE = controlRegistry.entity('DataSource');
const VERSION = controlRegistry.entity('DataStructureVersion');
const POOL = controlRegistry.entity('DataPool');
/** How long test-connection and sample may take before they give up (each connector has its own timeouts). */
const RUN_TIMEOUT_MS = 30_000;

const name = { type: 'string', minLength: 1, maxLength: 500 };
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
const LIST: ListSpec = {
  sortable: ['name', 'connectorType', 'status', 'createdAt', 'updatedAt', 'id'],
  searchable: ['name', 'description'],
};

interface SourceBody {
  name?: string;
  description?: string | null;
  connectorType?: string;
  config?: Record<string, unknown>;
  dataPoolId?: number | null;
  dataStructureVersionId?: number | null;
}

type Wire = Record<string, unknown>;

/** The wire form with every secret masked. */
function masked(wire: Wire): Wire {
  const stored = { type: String(wire.connectorType), sealed: wire.config as Record<string, unknown> };
  return { ...wire, config: maskedConfig(stored) };
}

/** A wire body as the generic write path takes it: `dataPoolId` → the `dataPool` link. */
function toEntityBody(body: SourceBody, config?: Record<string, unknown>): Record<string, unknown> {
  const { dataPoolId, dataStructureVersionId, ...rest } = body;
  const out: Record<string, unknown> = { ...rest, ...(config ? { config } : {}) };
  const link = (id: number | null | undefined) => (id === null ? null : { '@iot.id': id });
  if (dataPoolId !== undefined) out.dataPool = link(dataPoolId);
  if (dataStructureVersionId !== undefined) out.dataStructureVersion = link(dataStructureVersionId);
  return out;
}

/** Linked ids must exist in this tenant: a 400 naming the member otherwise. */
async function checkLinks(w: WriteContext, body: SourceBody): Promise<void> {
  if (body.dataPoolId) await requireLinked(w, POOL, body.dataPoolId, 'dataPoolId');
  if (body.dataStructureVersionId) {
    await requireLinked(w, VERSION, body.dataStructureVersionId, 'dataStructureVersionId');
  }
}

/** The locked current row of data source `id` (404 when there is none in this tenant). */
async function lockSource(w: WriteContext, id: number) {
  const row = await readRow(w, SOURCE, id, true);
  if (!row) throw new NotFoundError(`DataSource ${id} does not exist`, { entity: 'DataSource', id });
  const { record, links } = decodeRecord(SOURCE, row);
  const stored: StoredConfig = {
    type: String(record.connectorType),
    sealed: record.config as Record<string, unknown>,
  };
  return { status: String(record.status), stored, versionId: links.dataStructureVersion ?? null };
}

function released(id: number, doing: string): DomainError {
  return new DomainError(
    'URBS_DATA_SOURCE_RELEASED',
    409,
    `DataSource ${id} is released (AVAILABLE) and cannot be ${doing}; unrelease it first`,
  );
}

/** Release needs the structure version the source delivers, and that version must be AVAILABLE. */
async function checkReleasable(w: WriteContext, id: number, versionId: number | null): Promise<void> {
  const field = 'dataStructureVersionId';
  if (versionId === null) {
    throw new DomainError('URBS_DATA_SOURCE_NOT_READY', 409, `DataSource ${id} has no ${field}`, { field });
  }
  const version = await readRow(w, VERSION, Number(versionId));
  if (version?.status !== 'AVAILABLE') {
    throw new DomainError(
      'URBS_DATA_SOURCE_NOT_READY',
      409,
      `DataSource ${id} delivers DataStructureVersion ${versionId}, which is not released (AVAILABLE) yet`,
      { field },
    );
  }
}

type IdRequest = FastifyRequest<{ Params: { id: number } }>;

export function dataSourceRoutes(app: FastifyInstance, deps: ControlDeps, box: SecretBox): void {
  const tags = ['DataSource'];
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
  const route = (summary: string, extra: Record<string, unknown>) => ({
    schema: { tags, summary, ...extra } as FastifySchema,
  });

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
    route('Create a DRAFT DataSource', {
      body: {
        type: 'object',
        properties: writable,
        required: ['name', 'connectorType', 'config'],
        additionalProperties: false,
      },
      response: { 201: item, ...problems(400, 409) },
    }),
    async (request, reply) => {
      const body = request.body as SourceBody & { connectorType: string; config: Record<string, unknown> };
      const id = await write(request, async (w) => {
        await checkLinks(w, body);
        const sealed = prepareConfig(body.connectorType, body.config, undefined, box);
        return createEntity(w, SOURCE, { ...toEntityBody(body, sealed), status: 'DRAFT' });
      });
      reply.code(201).header('location', `${apiBase(request)}/datasources/${id}`);
      return one(request, id);
    },
  );

  app.patch(
    '/datasources/:id',
    route('Change members of a DRAFT DataSource (a secret sent as ******** keeps the stored one)', {
      params: idParams,
      body: { type: 'object', properties: writable, additionalProperties: false },
      response: { 200: item, ...problems(400, 404, 409) },
    }),
    async (request: IdRequest) => {
      const { id } = request.params;
      const body = request.body as SourceBody;
      await write(request, async (w) => {
        const current = await lockSource(w, id);
        if (current.status === 'AVAILABLE') throw released(id, 'changed');
        await checkLinks(w, body);
        const type = body.connectorType ?? current.stored.type;
        if (body.config === undefined && type !== current.stored.type) {
          throw new BadRequestError('config is required when connectorType changes', { field: 'config' });
        }
        const sealed = body.config && prepareConfig(type, body.config, current.stored, box);
        await updateEntity(w, SOURCE, id, toEntityBody(body, sealed), 'merge');
      });
      return one(request, id);
    },
  );

  app.delete(
    '/datasources/:id',
    route('Delete a DRAFT DataSource', {
      params: idParams,
      response: { 204: { type: 'null', description: 'Deleted' }, ...problems(404, 409) },
    }),
    async (request: IdRequest, reply) => {
      const { id } = request.params;
      await write(request, async (w) => {
        if ((await lockSource(w, id)).status === 'AVAILABLE') throw released(id, 'deleted');
        await deleteEntity(w, SOURCE, id);
      });
      return reply.code(204).send();
    },
  );

  app.post(
    '/datasources/:id/release',
    route('Release a DRAFT DataSource: it becomes AVAILABLE (needs an AVAILABLE structure version)', {
      params: idParams,
      response: { 200: item, ...problems(404, 409) },
    }),
    async (request: IdRequest) => {
      const { id } = request.params;
      await write(request, async (w) => {
        const current = await lockSource(w, id);
        if (current.status === 'AVAILABLE') throw released(id, 'released again');
        await checkReleasable(w, id, current.versionId);
        await updateEntity(w, SOURCE, id, { status: 'AVAILABLE' }, 'merge');
      });
      return one(request, id);
    },
  );

  app.post(
    '/datasources/:id/unrelease',
    route('Take an AVAILABLE DataSource back to DRAFT', {
      params: idParams,
      response: { 200: item, ...problems(404, 409) },
    }),
    async (request: IdRequest) => {
      const { id } = request.params;
      await write(request, async (w) => {
        if ((await lockSource(w, id)).status !== 'AVAILABLE') {
          throw new ConflictError(`DataSource ${id} is not released (it is a DRAFT)`);
        }
        await updateEntity(w, SOURCE, id, { status: 'DRAFT' }, 'merge');
      });
      return one(request, id);
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
