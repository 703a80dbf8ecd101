import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  DATA_SET_TRANSITIONS,
  requireDraftDataSet,
  transitionDataSet,
} from '../../core/control/data-set-lifecycle.ts';
import { checkSinksOfChange, dropDataSetSinks } from '../../core/control/data-set-release.ts';
import type { WriteContext } from '../../core/entities/context.ts';
import { readEntity } from '../../core/entities/read-entities.ts';
import { createEntity, deleteEntity, updateEntity } from '../../core/entities/write-entities.ts';
import { requireLinked } from '../../core/entities/write-rows.ts';
import { BadRequestError } from '../../core/errors/bad-request.ts';
import { DATA_SET_STATUSES } from '../../model/control/data-set.ts';
import { controlRegistry } from '../../model/control/index.ts';
import { servedApis } from '../../pipeline/sinks/served-by.ts';
import { sinkKindNames } from '../../pipeline/sinks/sink-kinds.ts';
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
 * Datasets (issue 4): what a data pool publishes, with the metadata the catalog takes. The lifecycle
 * rules live in core/control/data-set-lifecycle.ts; sinks and serving APIs come with pipelines.
 */
const SET = controlRegistry.entity('DataSet');
const POOL = controlRegistry.entity('DataPool');

const IDENTIFIER = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
const name = nameSchema;
const identifier = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: IDENTIFIER,
  description: 'unique per tenant; letters, digits, . _ -; defaults to a slug of the name',
};
const licence = {
  type: ['string', 'null'],
  maxLength: 2000,
  description: 'absolute URI of the licence, e.g. https://creativecommons.org/licenses/by/4.0/',
};
const keywords = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 100 };
const spatialCoverage = {
  ...anyObject,
  type: ['object', 'null'],
  description: 'a GeoJSON geometry (WGS 84)',
};
const temporalCoverage = {
  type: ['string', 'null'],
  maxLength: 100,
  description: 'an ISO 8601 interval start/end',
};
const dataPoolId = { type: 'integer', minimum: 1, description: 'the DataPool the dataset belongs to' };
const dataStructureVersionId = {
  type: ['integer', 'null'],
  minimum: 1,
  description: 'the DataStructureVersion of the dataset’s records (what its sinks take; needed for sinks)',
};
const sinks = {
  type: 'array',
  maxItems: 20,
  items: {
    type: 'object',
    required: ['kind'],
    properties: { kind: { type: 'string', enum: sinkKindNames } },
    additionalProperties: true,
  },
  description:
    'where the records go: {"kind": "observations", …} into SensorThings, {"kind": "features", …} into a PostGIS table (docs/pipelines.md)',
};
const writable = {
  name,
  description: nullableString,
  identifier,
  dataPoolId,
  dataStructureVersionId,
  sinks,
  openData: { type: 'boolean' },
  licence,
  keywords,
  spatialCoverage,
  temporalCoverage,
};

const item = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    ...writable,
    status: { type: 'string', enum: DATA_SET_STATUSES },
    statusReason: { ...nullableString, description: 'why the last lifecycle transition was refused' },
    servedBy: {
      type: 'array',
      description: 'where the released dataset can be read, one entry per sink (empty before the release)',
      items: {
        type: 'object',
        properties: {
          api: { type: 'string', enum: ['ogc-features', 'sensorthings'] },
          href: { type: 'string' },
          sinkIndex: { type: 'integer' },
        },
        required: ['api', 'href', 'sinkIndex'],
      },
    },
    createdAt: timestamp,
    updatedAt: timestamp,
  },
  required: ['id', 'name', 'identifier', 'dataPoolId', 'openData', 'keywords', 'sinks', 'status', 'servedBy'],
};
const LIST: ListSpec = {
  sortable: ['name', 'identifier', 'status', 'createdAt', 'updatedAt', 'id'],
  searchable: ['name', 'description'],
};

interface SetBody {
  name?: string;
  description?: string | null;
  identifier?: string;
  dataPoolId?: number;
  dataStructureVersionId?: number | null;
  sinks?: Record<string, unknown>[];
  openData?: boolean;
  licence?: string | null;
  keywords?: string[];
  spatialCoverage?: Record<string, unknown> | null;
  temporalCoverage?: string | null;
}

/** `Neutor Weather (2024)` → `neutor-weather-2024`. */
export function slugOf(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 200);
}

/** A licence must be an absolute URI (a scheme and something after it). */
function checkLicence(licence: string | null | undefined): void {
  if (licence === undefined || licence === null) return;
  let ok = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(licence);
  if (ok) {
    try {
      new URL(licence);
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new BadRequestError('licence must be an absolute URI', { field: 'licence' });
}

/** A wire body as the generic write path takes it: `dataPoolId` → the `dataPool` link. */
function toEntityBody(body: SetBody): Record<string, unknown> {
  const { dataPoolId, dataStructureVersionId, ...rest } = body;
  const out: Record<string, unknown> = { ...rest };
  if (dataPoolId !== undefined) out.dataPool = { '@iot.id': dataPoolId };
  if (dataStructureVersionId !== undefined) {
    out.dataStructureVersion = dataStructureVersionId === null ? null : { '@iot.id': dataStructureVersionId };
  }
  return out;
}

type IdRequest = FastifyRequest<{ Params: { id: number } }>;

/** The wire form plus `servedBy`, with links into the tenant tree the request came through. */
function withServedBy(request: FastifyRequest, wire: Record<string, unknown>): Record<string, unknown> {
  const tree = apiBase(request).slice(0, -'/api/v1'.length);
  const served = servedApis({
    id: Number(wire.id),
    identifier: String(wire.identifier),
    status: String(wire.status),
    sinks: (wire.sinks as { kind?: unknown }[]) ?? [],
  });
  return {
    ...wire,
    servedBy: served.map((s) => ({ api: s.api, href: `${tree}${s.path}`, sinkIndex: s.sinkIndex })),
  };
}

export function dataSetRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const _tags = ['DataSet'];
  const one = (request: FastifyRequest, id: number) =>
    readEntity(deps.read, contextOf(request), [{ entity: SET, id }], {}).then((r) =>
      withServedBy(request, toWire(r)),
    );
  const write = <T>(request: FastifyRequest, fn: (w: WriteContext) => Promise<T>) =>
    deps.entities.write(contextOf(request), fn);
  const route = routesOf('DataSet');

  app.get(
    '/datasets',
    route('List DataSets (paged, sorted, filtered)', {
      querystring: listQuerySchema(LIST.sortable),
      response: { 200: pageSchema(item), ...problems(400) },
    }),
    async (request) => {
      const page = await listOf(deps.read, request, SET, LIST);
      return { ...page, items: page.items.map((wire) => withServedBy(request, wire)) };
    },
  );

  app.get(
    '/datasets/:id',
    route('Get a DataSet', { params: idParams, response: { 200: item, ...problems(404) } }),
    (request: IdRequest) => one(request, request.params.id),
  );

  app.post(
    '/datasets',
    route('Create a DRAFT DataSet (identifier defaults to a slug of the name)', {
      body: {
        type: 'object',
        properties: writable,
        required: ['name', 'dataPoolId'],
        additionalProperties: false,
      },
      response: { 201: item, ...problems(400, 409) },
    }),
    async (request, reply) => {
      const body = request.body as SetBody & { name: string; dataPoolId: number };
      checkLicence(body.licence);
      const ident = body.identifier ?? slugOf(body.name);
      if (!ident) {
        throw new BadRequestError('identifier is required when the name has no letters or digits', {
          field: 'identifier',
        });
      }
      const id = await write(request, async (w) => {
        await requireLinked(w, POOL, body.dataPoolId, 'dataPoolId');
        await checkSinksOfChange(w, undefined, body);
        return createEntity(w, SET, {
          openData: false,
          keywords: [],
          sinks: [],
          ...toEntityBody(body),
          identifier: ident,
          status: 'DRAFT',
        });
      });
      reply.code(201).header('location', `${apiBase(request)}/datasets/${id}`);
      return one(request, id);
    },
  );

  app.patch(
    '/datasets/:id',
    route('Change members of a DRAFT DataSet', {
      params: idParams,
      body: { type: 'object', properties: writable, additionalProperties: false },
      response: { 200: item, ...problems(400, 404, 409) },
    }),
    async (request: IdRequest) => {
      const { id } = request.params;
      const body = request.body as SetBody;
      checkLicence(body.licence);
      await write(request, async (w) => {
        await requireDraftDataSet(w, id, 'a change');
        if (body.dataPoolId !== undefined) await requireLinked(w, POOL, body.dataPoolId, 'dataPoolId');
        await checkSinksOfChange(w, id, body);
        await updateEntity(w, SET, id, toEntityBody(body), 'merge');
      });
      return one(request, id);
    },
  );

  app.delete(
    '/datasets/:id',
    route('Delete a DRAFT DataSet', {
      params: idParams,
      response: { 204: { type: 'null', description: 'Deleted' }, ...problems(404, 409) },
    }),
    async (request: IdRequest, reply) => {
      const { id } = request.params;
      await write(request, async (w) => {
        await requireDraftDataSet(w, id, 'a delete');
        await dropDataSetSinks(w, id);
        await deleteEntity(w, SET, id);
      });
      return reply.code(204).send();
    },
  );

  for (const t of DATA_SET_TRANSITIONS) {
    app.post(
      `/datasets/:id/${t.action}`,
      route(t.summary, { params: idParams, response: { 200: item, ...problems(404, 409) } }),
      async (request: IdRequest) => {
        const { id } = request.params;
        await transitionDataSet(
          {
            entities: deps.entities,
            registry: controlRegistry,
            openSource: deps.pipelines.openSource,
            pipelines: deps.pipelines.runtime,
            log: request.log,
          },
          contextOf(request),
          id,
          t,
        );
        return one(request, id);
      },
    );
  }
}
