import type { FastifySchema } from 'fastify';
import { DEFAULT_SIZE, MAX_SIZE, SORT_PATTERN } from './list-query.ts';

/**
 * JSON Schemas shared by the control-plane routes. Fastify validates and serialises with them, and the
 * OpenAPI document is generated from them, so each is written once. Plain JSON Schema (no `$ref`s), valid
 * both for fastify's validator and as OpenAPI 3.1 schema objects.
 */
type Schema = Record<string, unknown>;

export const problemSchema: Schema = {
  type: 'object',
  description: 'RFC 9457 problem details; `type` is a stable urn:urbs:problem:… URI',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    field: { type: 'string' },
  },
  required: ['type', 'title', 'status', 'detail'],
  additionalProperties: true,
};

export const idParams: Schema = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
};

/** page/size/sort, and (unless `search` is false) the `q` and `name` filters. */
export function listQuerySchema(sortable: readonly string[], search = true): Schema {
  const filters = {
    q: { type: 'string', maxLength: 200, description: 'free text in name or description' },
    name: { type: 'string', maxLength: 500, description: 'exact name' },
  };
  return {
    type: 'object',
    properties: {
      page: { type: 'integer', minimum: 1, default: 1, description: '1-based page number' },
      size: { type: 'integer', minimum: 1, maximum: MAX_SIZE, default: DEFAULT_SIZE },
      sort: {
        type: 'string',
        pattern: SORT_PATTERN,
        description: `comma-separated; prefix - for descending; one of ${sortable.join(', ')}`,
      },
      ...(search ? filters : {}),
    },
    additionalProperties: false,
  };
}

export function pageSchema(item: Schema): Schema {
  return {
    type: 'object',
    properties: {
      items: { type: 'array', items: item },
      page: { type: 'integer' },
      size: { type: 'integer' },
      total: { type: 'integer' },
    },
    required: ['items', 'page', 'size', 'total'],
  };
}

/** Problem responses by status, for the response map of a route. */
export function problems(...statuses: number[]): Record<number, Schema> {
  return Object.fromEntries([401, ...statuses].map((s) => [s, problemSchema]));
}

/** The `name` of every control-plane resource. */
export const nameSchema: Schema = { type: 'string', minLength: 1, maxLength: 500 };
export const nullableString: Schema = { type: ['string', 'null'], maxLength: 10_000 };
export const anyObject: Schema = { type: 'object', additionalProperties: true };
export const nullableObject: Schema = { type: ['object', 'null'], additionalProperties: true };
export const timestamp: Schema = { type: ['string', 'null'], format: 'date-time' };
export const SEMVER =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$';

/** Route options of one OpenAPI tag: `route('List …', { querystring, response })`. */
export function routesOf(tag: string) {
  return (summary: string, extra: Record<string, unknown>) => ({
    schema: { tags: [tag], summary, ...extra } as FastifySchema,
  });
}
