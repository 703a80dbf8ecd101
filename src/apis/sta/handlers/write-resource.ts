import type { WriteContext } from '../../../core/entities/context.ts';
import { readEntity } from '../../../core/entities/read-entities.ts';
import {
  applyJsonPatch,
  createEntity,
  deleteEntity,
  linkEntities,
  unlinkEntities,
  updateEntity,
} from '../../../core/entities/write-entities.ts';
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import { DomainError } from '../../../core/errors/domain-error.ts';
import { NotFoundError } from '../../../core/errors/not-found.ts';
import type { RelationDef } from '../../../model/types.ts';
import { formatEntity } from '../format-entity.ts';
import { parseResourcePath, type ResourcePath } from '../parse-resource-path.ts';
import { createObservationsFromDataArray } from './create-observations.ts';
import { type StaCall, type StaRequest, type StaResponse, splitUrl } from './sta-response.ts';

/**
 * POST, PATCH, PUT, DELETE on a resource path (18-088 §10) inside the caller's transaction `w`: the HTTP
 * route runs one per transaction, a $batch change set several.
 */
export async function writeResource(call: StaCall, w: WriteContext, req: StaRequest): Promise<StaResponse> {
  const read = { ...call.deps.read, db: w.tx };
  const { path: rawPath, query } = splitUrl(req.url);
  if (rawPath === 'CreateObservations' && req.method === 'POST') {
    return { status: 201, body: await createObservationsFromDataArray(w, call.fmt, req.body) };
  }
  const path = parseResourcePath(call.deps.registry, rawPath);
  if (path.property) throw notAllowed(`${req.method} is not allowed on a property; PATCH the entity`);
  if (path.ref) return writeRef(call, w, path, req, query);
  switch (req.method) {
    case 'POST': {
      const { entity, id } = await post(call, w, path, req);
      const out = formatEntity(call.fmt, await readEntity(read, call.ctx, [{ entity, id }], {}));
      return { status: 201, body: out, headers: { location: out['@iot.selfLink'] as string } };
    }
    case 'PATCH':
    case 'PUT': {
      const { entity, id } = await target(call, w, path);
      if (req.method === 'PATCH' && req.contentType?.startsWith('application/json-patch+json')) {
        if (!Array.isArray(req.body))
          throw new BadRequestError('A JSON Patch body is an array of operations', { field: '' });
        await applyJsonPatch(w, entity, id, req.body);
      } else {
        await updateEntity(
          w,
          entity,
          id,
          requireObject(req.body),
          req.method === 'PUT' ? 'replace' : 'merge',
        );
      }
      return {
        status: 200,
        body: formatEntity(call.fmt, await readEntity(read, call.ctx, [{ entity, id }], {})),
      };
    }
    case 'DELETE': {
      const { entity, id } = await target(call, w, path);
      await deleteEntity(w, entity, id);
      return { status: 200 };
    }
    default:
      throw notAllowed(`${req.method} is not allowed here`);
  }
}

function notAllowed(message: string) {
  return new DomainError('URBS_METHOD_NOT_ALLOWED', 405, message);
}

/** The single entity a path addresses, resolving to-one hops (`Datastreams(1)/Thing`) to an id. */
async function target(call: StaCall, w: WriteContext, path: ResourcePath) {
  if (!path.single) throw notAllowed('This method needs a single entity, e.g. Things(1)');
  const last = path.segments.at(-1)!;
  const r = await readEntity({ ...call.deps.read, db: w.tx }, call.ctx, path.segments, { select: [['id']] });
  return { entity: last.entity, id: r.id };
}

async function post(call: StaCall, w: WriteContext, path: ResourcePath, req: StaRequest) {
  if (path.single) throw notAllowed('POST creates in a collection, e.g. POST Things');
  const last = path.segments.at(-1)!;
  let parent: { relation: RelationDef; id: number } | undefined;
  if (path.segments.length > 1) {
    const p = await target(call, w, { segments: path.segments.slice(0, -1), single: true });
    parent = { relation: call.deps.registry.inverseOf(p.entity, last.via!), id: p.id };
  }
  const id = await createEntity(w, last.entity, requireObject(req.body), parent);
  return { entity: last.entity, id };
}

/** $ref (18-088 §10.3.3, §10.4.2): link or unlink existing entities. */
async function writeRef(
  call: StaCall,
  w: WriteContext,
  path: ResourcePath,
  req: StaRequest,
  query: URLSearchParams,
): Promise<StaResponse> {
  const last = path.segments.at(-1)!;
  const relation = last.via;
  if (!relation || path.segments.length < 2)
    throw new NotFoundError('$ref needs a navigation property, e.g. Things(1)/Locations/$ref');
  const owner = await target(call, w, { segments: path.segments.slice(0, -1), single: true });
  if (req.method === 'DELETE') {
    await unlinkEntities(w, owner.entity, owner.id, relation, last.id ?? refIdFromQuery(query));
    return { status: 200 };
  }
  if (req.method !== 'POST' && req.method !== 'PUT') throw notAllowed(`${req.method} is not allowed on $ref`);
  await linkEntities(w, owner.entity, owner.id, relation, refIdFromBody(call, req.body));
  return { status: req.method === 'POST' ? 201 : 200 };
}

function refIdFromBody(call: StaCall, body: unknown): number {
  const b = requireObject(body);
  const id = b['@iot.id'];
  if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
  const link = b['@iot.selfLink'];
  if (typeof link === 'string') {
    const m = /\/([A-Za-z]+)\((\d+)\)$/.exec(link);
    if (m && call.deps.registry.bySetName(m[1]!)) return Number(m[2]);
  }
  throw new BadRequestError('A $ref body needs "@iot.id" (an integer) or "@iot.selfLink"', {
    field: '@iot.id',
  });
}

function refIdFromQuery(query: URLSearchParams): number | undefined {
  const id = query.get('$id');
  if (id === null) return undefined;
  const m = /\((\d+)\)$/.exec(id) ?? /^(\d+)$/.exec(id);
  if (!m) throw new BadRequestError('$id must name an entity, e.g. $id=../Locations(2)', { option: '$id' });
  return Number(m[1]);
}

function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('The request body must be a JSON object', { field: '' });
  }
  return body as Record<string, unknown>;
}
