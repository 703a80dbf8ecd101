import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SourceOpener } from '../../core/control/data-set-release.ts';
import type { StructureUsage } from '../../core/control/structure-usage.ts';
import type { RequestContext, WriteContext } from '../../core/entities/context.ts';
import type { EntityRecord } from '../../core/entities/entity-record.ts';
import type { EntityService } from '../../core/entities/entity-service.ts';
import { type ReadDeps, readCollection, readEntity } from '../../core/entities/read-entities.ts';
import { createEntity, deleteEntity, updateEntity } from '../../core/entities/write-entities.ts';
import type { EntityDef } from '../../model/types.ts';
import type { PipelineRuntimeImpl } from '../../pipeline/runtime/pipeline-runtime.ts';
import { type ListParams, type ListSpec, toEntityQuery } from './list-query.ts';
import { idParams, listQuerySchema, pageSchema, problems } from './schemas.ts';

/**
 * Generic CRUD routes of one control-plane resource, built from a small declaration: the entity of the
 * model, its URL segment and the wire schemas. Every handler is parse → core → format; no SQL here.
 */
type Schema = Record<string, unknown>;

export interface ControlDeps {
  read: ReadDeps;
  entities: EntityService;
  usage: StructureUsage;
  /** The pipeline runtime and how it opens data sources (releases check and start pipelines). */
  pipelines: PipelineDeps;
}

export interface PipelineDeps {
  runtime: PipelineRuntimeImpl;
  openSource: SourceOpener;
}

export interface ResourceDecl {
  entity: EntityDef;
  /** URL segment under /api/v1, e.g. `datapools`. */
  path: string;
  /** OpenAPI tag and human name, e.g. `DataPool`. */
  tag: string;
  /** Response schema of one item (also what the response may contain: nothing else leaks). */
  item: Schema;
  create: Schema;
  update: Schema;
  list: ListSpec;
  /** Extra refusal before a delete, inside its transaction (e.g. a structure whose versions are in use). */
  beforeDelete?(w: WriteContext, id: number): Promise<void>;
}

export function contextOf(request: FastifyRequest): RequestContext {
  return { tenant: request.tenant, principal: request.principal };
}

/** The wire form of a record: id, properties, and to-one links as `<relation>Id`. */
export function toWire(record: EntityRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { id: record.id, ...record.props };
  for (const [name, id] of Object.entries(record.links)) out[`${name}Id`] = id;
  return out;
}

/** `/t/x/api/v1/datapools?…` → `/t/x/api/v1`: links stay in the tenant tree the request came through. */
export function apiBase(request: FastifyRequest): string {
  const url = request.url.split('?')[0]!;
  return url.slice(0, url.indexOf('/api/v1') + '/api/v1'.length);
}

export async function listOf(
  read: ReadDeps,
  request: FastifyRequest,
  entity: EntityDef,
  spec: ListSpec,
  segments = [{ entity }],
) {
  const params = request.query as ListParams;
  const res = await readCollection(read, contextOf(request), segments, toEntityQuery(params, spec));
  return { items: res.records.map(toWire), page: params.page, size: params.size, total: res.count ?? 0 };
}

export function resourceRoutes(app: FastifyInstance, d: ResourceDecl, deps: ControlDeps): void {
  const one = (request: FastifyRequest, id: number) =>
    readEntity(deps.read, contextOf(request), [{ entity: d.entity, id }], {}).then(toWire);
  const tags = [d.tag];

  app.get(
    `/${d.path}`,
    {
      schema: {
        tags,
        summary: `List ${d.tag}s (paged, sorted, filtered)`,
        querystring: listQuerySchema(d.list.sortable),
        response: { 200: pageSchema(d.item), ...problems(400) },
      },
    },
    (request) => listOf(deps.read, request, d.entity, d.list),
  );

  app.get(
    `/${d.path}/:id`,
    {
      schema: {
        tags,
        summary: `Get a ${d.tag}`,
        params: idParams,
        response: { 200: d.item, ...problems(404) },
      },
    },
    (request) => one(request, (request.params as { id: number }).id),
  );

  app.post(
    `/${d.path}`,
    {
      schema: {
        tags,
        summary: `Create a ${d.tag}`,
        body: d.create,
        response: { 201: d.item, ...problems(400, 409) },
      },
    },
    async (request, reply) => {
      const id = await deps.entities.write(contextOf(request), (w) =>
        createEntity(w, d.entity, request.body),
      );
      reply.code(201).header('location', `${apiBase(request)}/${d.path}/${id}`);
      return one(request, id);
    },
  );

  app.patch(
    `/${d.path}/:id`,
    {
      schema: {
        tags,
        summary: `Change members of a ${d.tag}`,
        params: idParams,
        body: d.update,
        response: { 200: d.item, ...problems(400, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      await deps.entities.write(contextOf(request), (w) =>
        updateEntity(w, d.entity, id, request.body, 'merge'),
      );
      return one(request, id);
    },
  );

  app.delete(
    `/${d.path}/:id`,
    {
      schema: {
        tags,
        summary: `Delete a ${d.tag}`,
        params: idParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...problems(404, 409) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      await deps.entities.write(contextOf(request), async (w) => {
        await d.beforeDelete?.(w, id);
        await deleteEntity(w, d.entity, id);
      });
      return reply.code(204).send();
    },
  );
}
