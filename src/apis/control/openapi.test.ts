import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openApiDocument, openApiPath } from './openapi.ts';

interface Operation {
  operationId: string;
  parameters: unknown[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

describe('OpenAPI generation', () => {
  test('paths drop the tenant prefix and use {param}', () => {
    assert.equal(openApiPath('/t/:tenant/api/v1/datapools/:id'), '/api/v1/datapools/{id}');
    assert.equal(
      openApiPath('/api/v1/datastructures/:id/versions/:version'),
      '/api/v1/datastructures/{id}/versions/{version}',
    );
  });

  test('operations carry parameters, bodies and responses from the route schemas', () => {
    const doc = openApiDocument(
      [
        {
          method: 'get',
          path: '/api/v1/things/{id}',
          schema: {
            tags: ['Thing'],
            params: { type: 'object', properties: { id: { type: 'integer' } } },
            querystring: { type: 'object', properties: { page: { type: 'integer', description: 'p' } } },
            response: { 200: { type: 'object' }, 404: { type: 'object' } },
          },
        },
        {
          method: 'post',
          path: '/api/v1/samples',
          schema: { consumes: ['text/csv'], response: { 204: {} } },
        },
      ],
      '/',
      '1.0.0',
    ) as unknown as OpenApiDoc;
    assert.equal(doc.openapi, '3.1.0');
    const get = doc.paths['/api/v1/things/{id}']!.get!;
    assert.equal(get.operationId, 'getThingsById');
    assert.deepEqual(get.parameters[0], {
      name: 'id',
      in: 'path',
      required: true,
      schema: { type: 'integer' },
    });
    assert.deepEqual(get.parameters[1], {
      name: 'page',
      in: 'query',
      required: false,
      description: 'p',
      schema: { type: 'integer' },
    });
    assert.ok(get.responses['404']!.content!['application/problem+json']);
    const post = doc.paths['/api/v1/samples']!.post!;
    assert.deepEqual(post.requestBody!.content['text/csv'], { schema: { type: 'string' } });
    assert.deepEqual(post.responses['204'], { description: 'No Content' });
  });
});
