import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VersionInUseError } from '../../core/control/control-errors.ts';
import type { RequestContext, WriteContext } from '../../core/entities/context.ts';
import type { EntityRecord } from '../../core/entities/entity-record.ts';
import { type ReadDeps, readCollection } from '../../core/entities/read-entities.ts';
import { createEntity, deleteEntity, updateEntity } from '../../core/entities/write-entities.ts';
import { NotFoundError } from '../../core/errors/not-found.ts';
import type { PathSegment } from '../../core/query/compile-scope.ts';
import { controlRegistry } from '../../model/control/index.ts';
import { validateJsonSchema } from '../../structures/validate-json-schema.ts';
import { eqFilter, type ListSpec } from './list-query.ts';
import { apiBase, type ControlDeps, contextOf, listOf, toWire } from './resource-routes.ts';
import { anyObject, idParams, listQuerySchema, pageSchema, problems, SEMVER, timestamp } from './schemas.ts';

/**
 * Versions of a DataStructure, addressed by their semver string: DRAFT → (release) → AVAILABLE. A released
 * version is immutable (control-hooks.ts refuses the write: 409); a version in use (StructureUsage) cannot
 * be deleted (409). The JSON Schema of a version must be valid draft 2020-12 (400 naming the member).
 */
const STRUCTURE = controlRegistry.entity('DataStructure');
const VERSION = controlRegistry.entity('DataStructureVersion');
const VERSIONS = controlRegistry.relation(STRUCTURE, 'versions')!;
const TO_STRUCTURE = controlRegistry.relation(VERSION, 'dataStructure')!;

const version = { type: 'string', pattern: SEMVER, maxLength: 100, description: 'semver, e.g. 1.0.0' };
export const versionItem = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    dataStructureId: { type: 'integer' },
    version,
    status: { type: 'string', enum: VERSION.properties.find((p) => p.name === 'status')!.allowedValues },
    schema: { ...anyObject, description: 'JSON Schema (draft 2020-12)' },
    releasedAt: timestamp,
    createdAt: timestamp,
    updatedAt: timestamp,
  },
  required: ['id', 'version', 'status', 'schema'],
};
const versionParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 }, version },
  required: ['id', 'version'],
};
const LIST: ListSpec = {
  sortable: ['version', 'status', 'createdAt', 'id'],
  searchable: [],
  defaultSort: 'createdAt',
};

function versionsOf(structureId: number): PathSegment[] {
  return [
    { entity: STRUCTURE, id: structureId },
    { entity: VERSION, via: VERSIONS },
  ];
}

/** The version `v` of structure `id` (404 when the structure or the version does not exist). */
export async function findVersion(
  read: ReadDeps,
  ctx: RequestContext,
  id: number,
  v: string,
): Promise<EntityRecord> {
  const res = await readCollection(read, ctx, versionsOf(id), { filter: eqFilter('version', v), top: 1 });
  const found = res.records[0];
  if (!found) throw new NotFoundError(`DataStructure ${id} has no version ${v}`, { field: 'version' });
  return found;
}

async function refuseInUse(
  deps: ControlDeps,
  w: WriteContext,
  structureId: number,
  v: string,
): Promise<void> {
  const users = await deps.usage.usersOf(w, { structureId, version: v });
  if (users.length > 0) {
    throw new VersionInUseError(
      `Version ${v} of DataStructure ${structureId} is used by ${users.join(', ')}`,
      {
        version: v,
        usedBy: users,
      },
    );
  }
}

/** Before a structure is deleted (with all its versions): none of them may be in use. */
export async function refuseVersionsInUse(
  deps: ControlDeps,
  w: WriteContext,
  structureId: number,
): Promise<void> {
  const read = { ...deps.read, db: w.tx };
  for (let skip = 0; ; skip += deps.read.options.maxTop) {
    const page = await readCollection(read, w, versionsOf(structureId), {
      top: deps.read.options.maxTop,
      skip,
    });
    for (const r of page.records) await refuseInUse(deps, w, structureId, String(r.props.version));
    if (!page.hasMore) return;
  }
}

/** Creates a DRAFT version of structure `structureId` (in the caller's transaction); returns its id. */
export function createVersion(
  w: WriteContext,
  structureId: number,
  v: string,
  schema: unknown,
): Promise<number> {
  validateJsonSchema(schema);
  return createEntity(
    w,
    VERSION,
    { version: v, status: 'DRAFT', schema },
    { relation: TO_STRUCTURE, id: structureId },
  );
}

type VersionRequest = FastifyRequest<{ Params: { id: number; version: string } }>;

export function versionRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const tags = ['DataStructureVersion'];
  const get = (request: FastifyRequest, id: number, v: string) =>
    findVersion(deps.read, contextOf(request), id, v).then(toWire);
  /** Runs `fn` on the version named by the URL inside one write transaction. */
  const withVersion = (request: VersionRequest, fn: (w: WriteContext, versionId: number) => Promise<void>) =>
    deps.entities.write(contextOf(request), async (w) => {
      const { id, version: v } = request.params;
      const found = await findVersion({ ...deps.read, db: w.tx }, w, id, v);
      await fn(w, found.id);
    });

  app.get(
    '/datastructures/:id/versions',
    {
      schema: {
        tags,
        summary: 'List the versions of a DataStructure',
        params: idParams,
        querystring: listQuerySchema(LIST.sortable, false),
        response: { 200: pageSchema(versionItem), ...problems(400, 404) },
      },
    },
    (request) => listOf(deps.read, request, VERSION, LIST, versionsOf((request.params as { id: number }).id)),
  );

  app.get(
    '/datastructures/:id/versions/:version',
    {
      schema: {
        tags,
        summary: 'Get a version',
        params: versionParams,
        response: { 200: versionItem, ...problems(404) },
      },
    },
    (request: VersionRequest) => get(request, request.params.id, request.params.version),
  );

  app.post(
    '/datastructures/:id/versions',
    {
      schema: {
        tags,
        summary: 'Add a DRAFT version (a JSON Schema 2020-12)',
        params: idParams,
        body: {
          type: 'object',
          properties: { version, schema: anyObject },
          required: ['version', 'schema'],
          additionalProperties: false,
        },
        response: { 201: versionItem, ...problems(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      const body = request.body as { version: string; schema: unknown };
      await deps.entities.write(contextOf(request), (w) => createVersion(w, id, body.version, body.schema));
      reply.code(201).header('location', `${apiBase(request)}/datastructures/${id}/versions/${body.version}`);
      return get(request, id, body.version);
    },
  );

  app.patch(
    '/datastructures/:id/versions/:version',
    {
      schema: {
        tags,
        summary: 'Change the schema of a DRAFT version (409 once released)',
        params: versionParams,
        body: {
          type: 'object',
          properties: { schema: anyObject },
          required: ['schema'],
          additionalProperties: false,
        },
        response: { 200: versionItem, ...problems(400, 404, 409) },
      },
    },
    async (request: VersionRequest) => {
      const { schema } = request.body as { schema: unknown };
      validateJsonSchema(schema);
      await withVersion(request, (w, vid) => updateEntity(w, VERSION, vid, { schema }, 'merge'));
      return get(request, request.params.id, request.params.version);
    },
  );

  app.delete(
    '/datastructures/:id/versions/:version',
    {
      schema: {
        tags,
        summary: 'Delete a DRAFT version that nothing uses (409 otherwise)',
        params: versionParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...problems(404, 409) },
      },
    },
    async (request: VersionRequest, reply) => {
      await withVersion(request, async (w, vid) => {
        await refuseInUse(deps, w, request.params.id, request.params.version);
        await deleteEntity(w, VERSION, vid);
      });
      return reply.code(204).send();
    },
  );

  app.post(
    '/datastructures/:id/versions/:version/release',
    {
      schema: {
        tags,
        summary: 'Release a DRAFT version: it becomes AVAILABLE and immutable',
        params: versionParams,
        response: { 200: versionItem, ...problems(404, 409) },
      },
    },
    async (request: VersionRequest) => {
      const releasedAt = new Date().toISOString();
      await withVersion(request, (w, vid) =>
        updateEntity(w, VERSION, vid, { status: 'AVAILABLE', releasedAt }, 'merge'),
      );
      return get(request, request.params.id, request.params.version);
    },
  );
}
