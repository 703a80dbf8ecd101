/**
 * Control plane, DataStructures and their versions: CRUD and paging, the DRAFT → AVAILABLE lifecycle,
 * immutability of released versions (409), the "in use" refusal (409) and JSON Schema validation (400).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../support/assert-problem.ts';
import { type ControlClient, controlClient } from '../support/control-client.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const schemaV1 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: { count: { type: 'integer' }, observedAt: { type: 'string', format: 'date-time' } },
  required: ['count'],
};

describe('control plane: datastructures', () => {
  let platform: TestPlatform;
  let api: ControlClient;

  before(async () => {
    platform = await startTestPlatform();
    api = controlClient(platform, await platform.adminToken());
  });
  after(() => platform?.dispose());

  test('CRUD of a structure', async () => {
    const res = await api.post('/datastructures', { name: 'Bicycle counts', description: 'Hourly counts' });
    assert.equal(res.statusCode, 201, res.body);
    const s = res.json();
    assert.equal(res.headers.location, `/api/v1/datastructures/${s.id}`);
    assert.deepEqual([s.name, s.description, s.origin], ['Bicycle counts', 'Hourly counts', null]);
    const patched = (await api.patch(`/datastructures/${s.id}`, { name: 'Bicycle counts (hourly)' })).json();
    assert.equal(patched.name, 'Bicycle counts (hourly)');
    assert.deepEqual((await api.get(`/datastructures/${s.id}`)).json(), patched);
    assert.equal((await api.del(`/datastructures/${s.id}`)).statusCode, 204);
    assertProblem(await api.get(`/datastructures/${s.id}`), 404, 'not-found');
  });

  test('paging, sorting and filtering of structures', async () => {
    for (const name of ['Zeta', 'Alpha', 'Gamma'])
      await api.create('/datastructures', { name, description: `${name} data` });
    const all = (await api.get('/datastructures?sort=name&q=data')).json();
    assert.deepEqual(
      all.items.map((s: { name: string }) => s.name),
      ['Alpha', 'Gamma', 'Zeta'],
    );
    const second = (await api.get('/datastructures?sort=-name&q=data&size=1&page=2')).json();
    assert.deepEqual([second.items[0].name, second.total], ['Gamma', 3]);
    assert.equal((await api.get('/datastructures?name=Alpha')).json().items[0].name, 'Alpha');
  });

  test('version lifecycle: DRAFT, change, release, then immutable', async () => {
    const s = await api.create('/datastructures', { name: 'Lifecycle' });
    const res = await api.post(`/datastructures/${s.id}/versions`, { version: '1.0.0', schema: schemaV1 });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers.location, `/api/v1/datastructures/${s.id}/versions/1.0.0`);
    const v = res.json();
    assert.deepEqual([v.version, v.status, v.dataStructureId, v.releasedAt], ['1.0.0', 'DRAFT', s.id, null]);
    assert.deepEqual(v.schema, schemaV1);

    const changedSchema = { ...schemaV1, required: ['count', 'observedAt'] };
    const patched = await api.patch(`/datastructures/${s.id}/versions/1.0.0`, { schema: changedSchema });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(patched.json().schema.required, ['count', 'observedAt']);

    const released = await api.post(`/datastructures/${s.id}/versions/1.0.0/release`);
    assert.equal(released.statusCode, 200, released.body);
    assert.equal(released.json().status, 'AVAILABLE');
    assert.match(released.json().releasedAt, /^\d{4}-/);

    const p1 = assertProblem(
      await api.patch(`/datastructures/${s.id}/versions/1.0.0`, { schema: schemaV1 }),
      409,
      'version-released',
    );
    assert.match(p1.detail, /1\.0\.0 is released/);
    assertProblem(await api.del(`/datastructures/${s.id}/versions/1.0.0`), 409, 'version-released');
    assertProblem(await api.post(`/datastructures/${s.id}/versions/1.0.0/release`), 409, 'version-released');
    const after = (await api.get(`/datastructures/${s.id}/versions/1.0.0`)).json();
    assert.deepEqual(after.schema.required, ['count', 'observedAt']);
    assert.equal(after.status, 'AVAILABLE');

    await api.create(`/datastructures/${s.id}/versions`, { version: '1.1.0', schema: schemaV1 });
    const list = (await api.get(`/datastructures/${s.id}/versions?sort=-version`)).json();
    assert.deepEqual(
      list.items.map((x: { version: string; status: string }) => `${x.version} ${x.status}`),
      ['1.1.0 DRAFT', '1.0.0 AVAILABLE'],
    );
    assert.equal(list.total, 2);
    assert.equal((await api.del(`/datastructures/${s.id}/versions/1.1.0`)).statusCode, 204);
    assertProblem(await api.get(`/datastructures/${s.id}/versions/1.1.0`), 404, 'not-found');
  });

  test('version numbers are semver and unique per structure', async () => {
    const s = await api.create('/datastructures', { name: 'Semver' });
    const bad = assertProblem(
      await api.post(`/datastructures/${s.id}/versions`, { version: 'v1', schema: {} }),
      400,
    );
    assert.equal(bad.field, 'version');
    await api.create(`/datastructures/${s.id}/versions`, { version: '2.0.0-rc.1', schema: {} });
    assertProblem(
      await api.post(`/datastructures/${s.id}/versions`, { version: '2.0.0-rc.1', schema: {} }),
      409,
    );
    assertProblem(await api.post('/datastructures/999999/versions', { version: '1.0.0', schema: {} }), 404);
    assertProblem(await api.get(`/datastructures/${s.id}/versions/9.9.9`), 404, 'not-found');
  });

  test('an invalid JSON Schema is a 400 naming the member, and nothing is written', async () => {
    const s = await api.create('/datastructures', { name: 'Invalid schemas' });
    const p = assertProblem(
      await api.post(`/datastructures/${s.id}/versions`, {
        version: '1.0.0',
        schema: { type: 'object', properties: { temperature: { type: 'decimal' } } },
      }),
      400,
      'invalid-json-schema',
    );
    assert.equal(p.field, 'schema.properties.temperature.type');
    assert.match(p.detail, /schema\.properties\.temperature\.type/);
    const q = assertProblem(
      await api.post(`/datastructures/${s.id}/versions`, { version: '1.0.0', schema: { required: 'count' } }),
      400,
      'invalid-json-schema',
    );
    assert.equal(q.field, 'schema.required');
    assert.equal((await api.get(`/datastructures/${s.id}/versions`)).json().total, 0);
    await api.create(`/datastructures/${s.id}/versions`, { version: '1.0.0', schema: schemaV1 });
    const r = assertProblem(
      await api.patch(`/datastructures/${s.id}/versions/1.0.0`, { schema: { minProperties: -1 } }),
      400,
      'invalid-json-schema',
    );
    assert.equal(r.field, 'schema.minProperties');
    const missing = assertProblem(
      await api.post(`/datastructures/${s.id}/versions`, { version: '1.0.1' }),
      400,
    );
    assert.equal(missing.field, 'schema');
  });

  test('a version in use cannot be deleted, nor its structure (checks registered by other modules)', async () => {
    const s = await api.create('/datastructures', { name: 'Used' });
    await api.create(`/datastructures/${s.id}/versions`, { version: '1.0.0', schema: schemaV1 });
    await api.create(`/datastructures/${s.id}/versions`, { version: '1.0.1', schema: schemaV1 });
    // A fake dataset module: dataset 7 uses version 1.0.0 of this structure.
    const unregister = platform.structureUsage.register(async (_w, ref) =>
      ref.structureId === s.id && ref.version === '1.0.0' ? ['Dataset 7'] : [],
    );
    try {
      const p = assertProblem(await api.del(`/datastructures/${s.id}/versions/1.0.0`), 409, 'version-in-use');
      assert.match(p.detail, /Dataset 7/);
      assert.deepEqual(p.usedBy, ['Dataset 7']);
      assertProblem(await api.del(`/datastructures/${s.id}`), 409, 'version-in-use');
      assert.equal((await api.del(`/datastructures/${s.id}/versions/1.0.1`)).statusCode, 204);
      assert.equal((await api.get(`/datastructures/${s.id}/versions/1.0.0`)).statusCode, 200);
    } finally {
      unregister();
    }
    assert.equal((await api.del(`/datastructures/${s.id}/versions/1.0.0`)).statusCode, 204);
    assert.equal((await api.del(`/datastructures/${s.id}`)).statusCode, 204);
  });

  test('deleting a structure deletes its versions', async () => {
    const s = await api.create('/datastructures', { name: 'Cascade' });
    await api.create(`/datastructures/${s.id}/versions`, { version: '1.0.0', schema: schemaV1 });
    assert.equal((await api.del(`/datastructures/${s.id}`)).statusCode, 204);
    assertProblem(await api.get(`/datastructures/${s.id}/versions`), 404, 'not-found');
  });
});
