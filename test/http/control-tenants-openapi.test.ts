/**
 * Control plane: tenant isolation (`/api/v1` is tenant default, `/t/{tenant}/api/v1` the others) and the
 * OpenAPI 3.1 document generated from the route schemas.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createUser } from '../../src/auth/accounts.ts';
import { sql } from '../../src/core/query/sql.ts';
import { assertProblem } from '../support/assert-problem.ts';
import { type ControlClient, controlClient } from '../support/control-client.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

interface Operation {
  operationId: string;
  parameters: Array<{ name: string; in: string; schema: object }>;
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

const ROUTES = [
  'get /api/v1/openapi.json',
  'get /api/v1/me',
  'get /api/v1/datapools',
  'post /api/v1/datapools',
  'get /api/v1/datapools/{id}',
  'patch /api/v1/datapools/{id}',
  'delete /api/v1/datapools/{id}',
  'get /api/v1/datastructures',
  'post /api/v1/datastructures',
  'get /api/v1/datastructures/{id}',
  'patch /api/v1/datastructures/{id}',
  'delete /api/v1/datastructures/{id}',
  'post /api/v1/datastructures/import',
  'post /api/v1/datastructures/infer',
  'get /api/v1/datastructures/{id}/versions',
  'post /api/v1/datastructures/{id}/versions',
  'get /api/v1/datastructures/{id}/versions/{version}',
  'patch /api/v1/datastructures/{id}/versions/{version}',
  'delete /api/v1/datastructures/{id}/versions/{version}',
  'post /api/v1/datastructures/{id}/versions/{version}/release',
  'get /api/v1/datasources',
  'post /api/v1/datasources',
  'get /api/v1/datasources/{id}',
  'patch /api/v1/datasources/{id}',
  'delete /api/v1/datasources/{id}',
  'post /api/v1/datasources/{id}/release',
  'post /api/v1/datasources/{id}/unrelease',
  'post /api/v1/datasources/{id}/test-connection',
  'post /api/v1/datasources/{id}/sample',
  'post /api/v1/datasources/{id}/rotate-key',
  'post /api/v1/datasources/{id}/uploads',
  'get /api/v1/datasources/{id}/uploads/{uploadId}',
  'post /api/v1/ingest/{sourceId}',
  'get /api/v1/mappings',
  'post /api/v1/mappings',
  'get /api/v1/mappings/{id}',
  'patch /api/v1/mappings/{id}',
  'delete /api/v1/mappings/{id}',
  'post /api/v1/mappings/{id}/dry-run',
  'post /api/v1/mappings/dry-run',
  'get /api/v1/datasets',
  'post /api/v1/datasets',
  'get /api/v1/datasets/{id}',
  'patch /api/v1/datasets/{id}',
  'delete /api/v1/datasets/{id}',
  'post /api/v1/datasets/{id}/stage',
  'post /api/v1/datasets/{id}/release',
  'post /api/v1/datasets/{id}/unrelease',
  'post /api/v1/datasets/{id}/unstage',
  'get /api/v1/pipelines',
  'post /api/v1/pipelines',
  'get /api/v1/pipelines/{id}',
  'patch /api/v1/pipelines/{id}',
  'delete /api/v1/pipelines/{id}',
  'post /api/v1/pipelines/{id}/start',
  'post /api/v1/pipelines/{id}/stop',
  'post /api/v1/pipelines/{id}/restart',
  'get /api/v1/pipelines/{id}/status',
  'post /api/v1/pipelines/{id}/dry-run',
  'get /api/v1/pipelines/{id}/deadletters',
  'post /api/v1/pipelines/{id}/deadletters/replay',
  'post /api/v1/pipelines/{id}/deadletters/discard',
];

describe('control plane: tenants and OpenAPI', () => {
  let platform: TestPlatform;
  let main: ControlClient;
  let other: ControlClient;
  let otherToken: string;

  before(async () => {
    platform = await startTestPlatform();
    await platform.store.query(sql`INSERT INTO tenants (id, name) VALUES ('other', 'Other')`);
    await createUser(platform.store, {
      tenant: 'other',
      username: 'olga',
      password: 'olga-password',
      roles: ['admin'],
    });
    const res = await platform.app.inject({
      method: 'POST',
      url: '/auth/token',
      payload: { grant_type: 'password', username: 'olga', password: 'olga-password', tenant: 'other' },
    });
    otherToken = res.json().access_token;
    main = controlClient(platform, await platform.adminToken());
    other = controlClient(platform, otherToken, '/t/other/api/v1');
  });
  after(() => platform?.dispose());

  test('each tenant sees and changes only its own resources', async () => {
    const mine = await main.create('/datapools', { name: 'Shared name' });
    const res = await other.post('/datapools', { name: 'Shared name' });
    assert.equal(res.statusCode, 201, 'names are unique per tenant only');
    const theirs = res.json();
    assert.equal(res.headers.location, `/t/other/api/v1/datapools/${theirs.id}`);
    assert.deepEqual(
      (await other.get('/datapools')).json().items.map((p: { id: number }) => p.id),
      [theirs.id],
    );
    assertProblem(await other.get(`/datapools/${mine.id}`), 404);
    assertProblem(await other.patch(`/datapools/${mine.id}`, { name: 'stolen' }), 404);
    assertProblem(await other.del(`/datapools/${mine.id}`), 404);
    assert.equal((await main.get(`/datapools/${mine.id}`)).json().name, 'Shared name');

    const s = await main.create('/datastructures', { name: 'Main structure' });
    await main.create(`/datastructures/${s.id}/versions`, { version: '1.0.0', schema: {} });
    assertProblem(await other.get(`/datastructures/${s.id}/versions`), 404);
    assertProblem(
      await other.post(`/datastructures/${s.id}/versions`, { version: '2.0.0', schema: {} }),
      404,
    );
    assertProblem(await other.post(`/datastructures/${s.id}/versions/1.0.0/release`), 404);
    assert.equal((await other.get('/datastructures')).json().total, 0);
  });

  test("a token of one tenant is 401 on the other's tree", async () => {
    const wrongWay = controlClient(platform, otherToken);
    assertProblem(await wrongWay.get('/datapools'), 401, 'unauthorized');
  });

  test('openapi.json is an OpenAPI 3.1 document listing every control-plane route', async () => {
    const res = await controlClient(platform, undefined).get('/openapi.json');
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    assert.deepEqual(doc.servers, [{ url: '/' }]);
    const listed: string[] = [];
    const ids = new Set<string>();
    const ajv = new Ajv2020({ strict: false });
    for (const [path, ops] of Object.entries<Record<string, Operation>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        listed.push(`${method} ${path}`);
        assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} is unique`);
        ids.add(op.operationId);
        assert.ok(Object.keys(op.responses).length > 0);
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const declared = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
        assert.deepEqual(declared.sort(), inPath.sort(), `${method} ${path} declares its path parameters`);
        // Every schema in the document is a valid JSON Schema 2020-12 (the OpenAPI 3.1 dialect).
        const schemas = [
          ...op.parameters.map((p) => p.schema),
          ...Object.values(op.requestBody?.content ?? {}).map((c) => c.schema),
          ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {}).map((c) => c.schema)),
        ];
        for (const s of schemas) assert.ok(ajv.validateSchema(s), `${method} ${path}: ${ajv.errorsText()}`);
        if (!path.endsWith('openapi.json')) assert.ok(op.responses['401'], `${method} ${path} documents 401`);
      }
    }
    assert.deepEqual(listed.sort(), [...ROUTES].sort());
    const list = doc.paths['/api/v1/datapools'].get;
    assert.deepEqual(
      list.parameters.map((p: { name: string }) => p.name),
      ['page', 'size', 'sort', 'q', 'name'],
    );
    assert.ok(doc.paths['/api/v1/datastructures/infer'].post.requestBody.content['text/csv']);
    assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
  });

  test("a tenant's document points at its own tree", async () => {
    const doc = (await controlClient(platform, undefined, '/t/other/api/v1').get('/openapi.json')).json();
    assert.deepEqual(doc.servers, [{ url: '/t/other' }]);
    assert.ok(doc.paths['/api/v1/datapools']);
  });
});
