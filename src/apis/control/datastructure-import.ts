import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readEntity } from '../../core/entities/read-entities.ts';
import { createEntity } from '../../core/entities/write-entities.ts';
import { DomainError } from '../../core/errors/domain-error.ts';
import { controlRegistry } from '../../model/control/index.ts';
import { importSmartDataModel, listSmartDataModels } from '../../structures/import-smart-data-model.ts';
import { inferSchema, SAMPLE_MEDIA_TYPES } from '../../structures/infer-schema.ts';
import { createVersion, findVersion, versionItem } from './datastructure-versions.ts';
import { apiBase, type ControlDeps, contextOf, toWire } from './resource-routes.ts';
import { dataStructureItem } from './resources.ts';
import { nameSchema, nullableString, problems, SEMVER } from './schemas.ts';

/**
 * Two ways to create a DataStructure with a first DRAFT version in one request: import a FIWARE Smart Data
 * Model (bundled, offline) or infer the schema from a sample (CSV, JSON array, GeoJSON FeatureCollection).
 */
const STRUCTURE = controlRegistry.entity('DataStructure');
const name = nameSchema;
const version = { type: 'string', pattern: SEMVER, maxLength: 100, default: '1.0.0' };
const created = {
  type: 'object',
  properties: { structure: dataStructureItem, version: versionItem },
  required: ['structure', 'version'],
};

interface NewStructure {
  name: string;
  description: string | null;
  origin: Record<string, unknown>;
  version: string;
  schema: Record<string, unknown>;
}

/** Structure + first version in one transaction; replies 201 with both and the structure's Location. */
async function createWithVersion(deps: ControlDeps, request: FastifyRequest, n: NewStructure) {
  const ctx = contextOf(request);
  const id = await deps.entities.write(ctx, async (w) => {
    const sid = await createEntity(w, STRUCTURE, {
      name: n.name,
      description: n.description,
      origin: n.origin,
    });
    await createVersion(w, sid, n.version, n.schema);
    return sid;
  });
  const structure = await readEntity(deps.read, ctx, [{ entity: STRUCTURE, id }], {});
  const v = await findVersion(deps.read, ctx, id, n.version);
  return { id, body: { structure: toWire(structure), version: toWire(v) } };
}

/** The media type of a request without parameters, lower-case. */
function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export function importRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const tags = ['DataStructure'];
  app.post(
    '/datastructures/import',
    {
      schema: {
        tags,
        summary: 'Create a DataStructure from a FIWARE Smart Data Model',
        description: `Available models: ${listSmartDataModels().join(', ')}`,
        body: {
          type: 'object',
          properties: {
            smartDataModel: { type: 'string', minLength: 1, maxLength: 100, examples: ['WeatherObserved'] },
            name,
            description: nullableString,
            version,
          },
          required: ['smartDataModel'],
          additionalProperties: false,
        },
        response: { 201: created, ...problems(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body as {
        smartDataModel: string;
        name?: string;
        description?: string | null;
        version: string;
      };
      const sdm = importSmartDataModel(body.smartDataModel);
      const { id, body: out } = await createWithVersion(deps, request, {
        name: body.name ?? sdm.model,
        description: body.description ?? sdm.description,
        origin: { kind: 'smart-data-model', model: sdm.model, schemaId: sdm.sourceId, license: 'CC-BY-4.0' },
        version: body.version,
        schema: sdm.schema,
      });
      reply.code(201).header('location', `${apiBase(request)}/datastructures/${id}`);
      return out;
    },
  );

  app.post(
    '/datastructures/infer',
    {
      schema: {
        tags,
        summary: 'Create a DataStructure by inferring its JSON Schema from a sample',
        description:
          'The body is the sample: text/csv (header row + records), application/json (an array of objects) ' +
          'or application/geo+json (a FeatureCollection). The first version is a DRAFT to review.',
        consumes: Object.keys(SAMPLE_MEDIA_TYPES),
        querystring: {
          type: 'object',
          properties: { name, description: { type: 'string', maxLength: 10_000 }, version },
          required: ['name'],
          additionalProperties: false,
        },
        response: { 201: created, ...problems(400, 409, 415) },
      },
    },
    async (request, reply) => {
      const q = request.query as { name: string; description?: string; version: string };
      const kind = SAMPLE_MEDIA_TYPES[mediaType(request)];
      if (!kind) {
        const accepted = Object.keys(SAMPLE_MEDIA_TYPES).join(', ');
        throw new DomainError('URBS_UNSUPPORTED_MEDIA_TYPE', 415, `A sample must be sent as ${accepted}`);
      }
      const { id, body } = await createWithVersion(deps, request, {
        name: q.name,
        description: q.description ?? null,
        origin: { kind: 'inferred', sample: kind },
        version: q.version,
        schema: inferSchema(kind, request.body, q.name),
      });
      reply.code(201).header('location', `${apiBase(request)}/datastructures/${id}`);
      return body;
    },
  );
}
