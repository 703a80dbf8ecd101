import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bumpPipelinesOfMapping } from '../../core/control/pipeline-operations.ts';
import type { RequestContext } from '../../core/entities/context.ts';
import type { EntityRecord } from '../../core/entities/entity-record.ts';
import { type ReadDeps, readEntity } from '../../core/entities/read-entities.ts';
import { createEntity, deleteEntity, updateEntity } from '../../core/entities/write-entities.ts';
import { BadRequestError } from '../../core/errors/bad-request.ts';
import { NotFoundError } from '../../core/errors/not-found.ts';
import { controlRegistry } from '../../model/control/index.ts';
import { assertValidMapping } from '../../pipeline/check-mapping.ts';
import { dryRun, preparePipeline, REJECT_STAGES } from '../../pipeline/run-records.ts';
import { createValidatorCache, type JsonSchema } from '../../pipeline/validate-record.ts';
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
  timestamp,
} from './schemas.ts';

/**
 * Mappings (issue 4): a declarative source → target field mapping between two DataStructureVersions
 * (src/pipeline/, docs/mapping.md). Every save checks `filter` and `rules` against both versions' JSON
 * Schemas (400 `urn:urbs:problem:invalid-mapping` naming e.g. `rules[2].from`); the versions must exist in
 * the tenant. Dry runs push sample records through source validation → filter → mapping → target
 * validation and report, writing nothing. Versions a mapping names are "in use" (core/control/mapping-usage.ts).
 */
const MAPPING = controlRegistry.entity('Mapping');
const VERSION = controlRegistry.entity('DataStructureVersion');

/** At most this many sample records per dry run. */
export const MAX_DRY_RUN_RECORDS = 1000;

const name = nameSchema;
const versionId = { type: 'integer', minimum: 1 };
const filter = {
  type: ['string', 'null'],
  maxLength: 10_000,
  description: 'JSONata expression on the source record; the record goes on only when it is true',
};
const rules = {
  type: 'array',
  maxItems: 1000,
  items: anyObject,
  description: 'mapping rules ({target, op, …}), run in order (docs/mapping.md)',
};
const mappingMembers = {
  sourceVersionId: { ...versionId, description: 'id of the source DataStructureVersion' },
  targetVersionId: { ...versionId, description: 'id of the target DataStructureVersion' },
  filter,
  rules,
};

export const mappingItem = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name,
    description: nullableString,
    ...mappingMembers,
    createdAt: timestamp,
    updatedAt: timestamp,
  },
  required: ['id', 'name', 'sourceVersionId', 'targetVersionId', 'rules'],
};

const records = {
  type: 'array',
  maxItems: MAX_DRY_RUN_RECORDS,
  description: `sample source records (at most ${MAX_DRY_RUN_RECORDS})`,
};
const reason = {
  type: 'object',
  properties: {
    path: { type: 'string' },
    rule: { type: 'string' },
    field: { type: 'string' },
    message: { type: 'string' },
  },
  required: ['message'],
};
const dryRunResult = {
  type: 'object',
  properties: {
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        properties: { index: { type: 'integer' }, value: anyObject },
        required: ['index', 'value'],
      },
    },
    rejected: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer' },
          stage: { type: 'string', enum: [...REJECT_STAGES] },
          reasons: { type: 'array', items: reason },
        },
        required: ['index', 'stage', 'reasons'],
      },
    },
    counts: {
      type: 'object',
      properties: Object.fromEntries(
        ['total', 'out', 'filtered', 'rejected', ...REJECT_STAGES].map((k) => [k, { type: 'integer' }]),
      ),
    },
  },
  required: ['outputs', 'rejected', 'counts'],
};

const LIST: ListSpec = {
  sortable: ['name', 'createdAt', 'updatedAt', 'id'],
  searchable: ['name', 'description'],
};

interface MappingBody {
  name?: string;
  description?: string | null;
  sourceVersionId?: number;
  targetVersionId?: number;
  filter?: string | null;
  rules?: unknown[];
}

/** The mapping document of a body or record: `rules` and, when set, `filter`. */
function documentOf(m: { filter?: unknown; rules?: unknown }): Record<string, unknown> {
  return m.filter === null || m.filter === undefined
    ? { rules: m.rules }
    : { filter: m.filter, rules: m.rules };
}

/** The schema of version `id` in this tenant; a version that does not exist is a 400 naming `field`. */
async function versionSchema(
  read: ReadDeps,
  ctx: RequestContext,
  id: number,
  field: string,
): Promise<JsonSchema> {
  try {
    const v = await readEntity(read, ctx, [{ entity: VERSION, id }], {});
    return v.props.schema as JsonSchema;
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new BadRequestError(`${field}: there is no DataStructureVersion ${id}`, { field });
    }
    throw err;
  }
}

interface Checked {
  document: Record<string, unknown>;
  source: JsonSchema;
  target: JsonSchema;
}

/** Loads both versions and checks the mapping document against their schemas (400 naming the rule). */
async function checkAgainstVersions(
  read: ReadDeps,
  ctx: RequestContext,
  m: { sourceVersionId: number; targetVersionId: number; filter?: unknown; rules?: unknown },
): Promise<Checked> {
  const source = await versionSchema(read, ctx, m.sourceVersionId, 'sourceVersionId');
  const target = await versionSchema(read, ctx, m.targetVersionId, 'targetVersionId');
  const document = documentOf(m);
  assertValidMapping(document, source, target);
  return { document, source, target };
}

/** The stored mapping as the body members the checks take. */
function membersOf(record: EntityRecord) {
  return {
    sourceVersionId: record.links.sourceVersion as number,
    targetVersionId: record.links.targetVersion as number,
    filter: record.props.filter,
    rules: record.props.rules,
  };
}

function runDry(checked: Checked, sample: readonly unknown[]) {
  const parts = preparePipeline({
    mapping: checked.document,
    sourceSchema: checked.source,
    targetSchema: checked.target,
    // Per request: a cached ajv would keep every schema object it ever compiled.
    validators: createValidatorCache(),
  });
  return dryRun(sample, parts);
}

export function mappingRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const tags = ['Mapping'];
  const one = (request: FastifyRequest, id: number) =>
    readEntity(deps.read, contextOf(request), [{ entity: MAPPING, id }], {}).then(toWire);

  app.get(
    '/mappings',
    {
      schema: {
        tags,
        summary: 'List Mappings (paged, sorted, filtered)',
        querystring: listQuerySchema(LIST.sortable),
        response: { 200: pageSchema(mappingItem), ...problems(400) },
      },
    },
    (request) => listOf(deps.read, request, MAPPING, LIST),
  );

  app.get(
    '/mappings/:id',
    {
      schema: {
        tags,
        summary: 'Get a Mapping',
        params: idParams,
        response: { 200: mappingItem, ...problems(404) },
      },
    },
    (request) => one(request, (request.params as { id: number }).id),
  );

  app.post(
    '/mappings',
    {
      schema: {
        tags,
        summary: 'Create a Mapping (checked against both structure versions)',
        body: {
          type: 'object',
          properties: { name, description: nullableString, ...mappingMembers },
          required: ['name', 'sourceVersionId', 'targetVersionId', 'rules'],
          additionalProperties: false,
        },
        response: { 201: mappingItem, ...problems(400, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body as Required<Pick<MappingBody, 'sourceVersionId' | 'targetVersionId'>> &
        MappingBody;
      const id = await deps.entities.write(contextOf(request), async (w) => {
        await checkAgainstVersions({ ...deps.read, db: w.tx }, w, body);
        return createEntity(w, MAPPING, {
          name: body.name,
          description: body.description ?? null,
          filter: body.filter ?? null,
          rules: body.rules,
          sourceVersion: { '@iot.id': body.sourceVersionId },
          targetVersion: { '@iot.id': body.targetVersionId },
        });
      });
      reply.code(201).header('location', `${apiBase(request)}/mappings/${id}`);
      return one(request, id);
    },
  );

  app.patch(
    '/mappings/:id',
    {
      schema: {
        tags,
        summary: 'Change members of a Mapping (the result is checked again)',
        params: idParams,
        body: {
          type: 'object',
          properties: { name, description: nullableString, ...mappingMembers },
          additionalProperties: false,
        },
        response: { 200: mappingItem, ...problems(400, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const body = request.body as MappingBody;
      const pipelines = await deps.entities.write(contextOf(request), async (w) => {
        const read = { ...deps.read, db: w.tx };
        const current = membersOf(await readEntity(read, w, [{ entity: MAPPING, id }], {}));
        await checkAgainstVersions(read, w, { ...current, ...body });
        const change: Record<string, unknown> = {};
        for (const k of ['name', 'description', 'filter', 'rules'] as const) {
          if (body[k] !== undefined) change[k] = body[k];
        }
        if (body.sourceVersionId !== undefined) change.sourceVersion = { '@iot.id': body.sourceVersionId };
        if (body.targetVersionId !== undefined) change.targetVersion = { '@iot.id': body.targetVersionId };
        await updateEntity(w, MAPPING, id, change, 'merge');
        // Pipelines using the mapping pick the change up before their next batch (and must still fit).
        return bumpPipelinesOfMapping(w, id);
      });
      deps.pipelines.runtime.invalidate(request.tenant, pipelines);
      return one(request, id);
    },
  );

  app.delete(
    '/mappings/:id',
    {
      schema: {
        tags,
        summary: 'Delete a Mapping',
        params: idParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...problems(404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      await deps.entities.write(contextOf(request), (w) => deleteEntity(w, MAPPING, id));
      return reply.code(204).send();
    },
  );

  app.post(
    '/mappings/:id/dry-run',
    {
      schema: {
        tags,
        summary: 'Run a saved Mapping on sample records; writes nothing',
        params: idParams,
        body: {
          type: 'object',
          properties: { records },
          required: ['records'],
          additionalProperties: false,
        },
        response: { 200: dryRunResult, ...problems(400, 404) },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const ctx = contextOf(request);
      const saved = await readEntity(deps.read, ctx, [{ entity: MAPPING, id }], {});
      const checked = await checkAgainstVersions(deps.read, ctx, membersOf(saved));
      return runDry(checked, (request.body as { records: unknown[] }).records);
    },
  );

  app.post(
    '/mappings/dry-run',
    {
      schema: {
        tags,
        summary: 'Run an unsaved mapping on sample records; writes nothing',
        body: {
          type: 'object',
          properties: { ...mappingMembers, records },
          required: ['sourceVersionId', 'targetVersionId', 'rules', 'records'],
          additionalProperties: false,
        },
        response: { 200: dryRunResult, ...problems(400) },
      },
    },
    async (request) => {
      const body = request.body as Required<Pick<MappingBody, 'sourceVersionId' | 'targetVersionId'>> &
        MappingBody & { records: unknown[] };
      const checked = await checkAgainstVersions(deps.read, contextOf(request), body);
      return runDry(checked, body.records);
    },
  );
}
