/**
 * Control plane, DataPools: CRUD with schema-first validation, paging (`page`, `size`, `sort`), filters
 * (`q`, `name`) and RFC 9457 problems with stable types.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../support/assert-problem.ts';
import { type ControlClient, controlClient } from '../support/control-client.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

describe('control plane: datapools', () => {
  let platform: TestPlatform;
  let api: ControlClient;

  before(async () => {
    platform = await startTestPlatform();
    api = controlClient(platform, await platform.adminToken());
  });
  after(() => platform?.dispose());

  test('create answers 201 with Location and the stored pool', async () => {
    const res = await api.post('/datapools', {
      name: 'Mobility',
      description: 'Traffic counts and parking',
      contact: { name: 'Verkehrsamt', email: 'verkehr@example.org' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const pool = res.json();
    assert.equal(res.headers.location, `/api/v1/datapools/${pool.id}`);
    assert.equal(pool.name, 'Mobility');
    assert.deepEqual(pool.contact, { name: 'Verkehrsamt', email: 'verkehr@example.org' });
    assert.match(pool.createdAt, /^\d{4}-\d\d-\d\dT/);
    assert.equal(pool.createdAt, pool.updatedAt);
    const got = await api.get(`/datapools/${pool.id}`);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), pool);
  });

  test('PATCH changes the given members and updatedAt only', async () => {
    const pool = await api.create('/datapools', { name: 'Environment', description: 'Air' });
    const res = await api.patch(`/datapools/${pool.id}`, { description: 'Air and noise' });
    assert.equal(res.statusCode, 200, res.body);
    const changed = res.json();
    assert.equal(changed.description, 'Air and noise');
    assert.equal(changed.name, 'Environment');
    assert.equal(changed.createdAt, pool.createdAt);
    assert.ok(changed.updatedAt >= pool.updatedAt);
  });

  test('DELETE answers 204, then the pool is 404', async () => {
    const pool = await api.create('/datapools', { name: 'Temporary' });
    assert.equal((await api.del(`/datapools/${pool.id}`)).statusCode, 204);
    assertProblem(await api.get(`/datapools/${pool.id}`), 404, 'not-found');
    assertProblem(await api.del(`/datapools/${pool.id}`), 404, 'not-found');
  });

  test('paging, sorting and filtering', async () => {
    for (const name of ['Pool C', 'Pool A', 'Pool B', 'Pool E', 'Pool D']) {
      await api.create('/datapools', { name, description: name === 'Pool B' ? 'has Bike data' : 'other' });
    }
    const page1 = (await api.get('/datapools?q=pool&sort=name&size=2')).json();
    assert.deepEqual(
      page1.items.map((p: { name: string }) => p.name),
      ['Pool A', 'Pool B'],
    );
    assert.deepEqual([page1.page, page1.size, page1.total], [1, 2, 5]);
    const page3 = (await api.get('/datapools?q=pool&sort=name&size=2&page=3')).json();
    assert.deepEqual(
      page3.items.map((p: { name: string }) => p.name),
      ['Pool E'],
    );
    const desc = (await api.get('/datapools?q=Pool&sort=-name&size=1')).json();
    assert.equal(desc.items[0].name, 'Pool E');
    const newest = (await api.get('/datapools?sort=-createdAt&size=1')).json();
    assert.equal(newest.items[0].name, 'Pool D');
    const byName = (await api.get('/datapools?name=Pool%20C')).json();
    assert.deepEqual([byName.total, byName.items[0].name], [1, 'Pool C']);
    assert.equal((await api.get('/datapools?name=pool%20c')).json().total, 0, 'name is exact');
    const byDescription = (await api.get('/datapools?q=BIKE')).json();
    assert.deepEqual(
      byDescription.items.map((p: { name: string }) => p.name),
      ['Pool B'],
    );
    const defaults = (await api.get('/datapools')).json();
    assert.deepEqual([defaults.page, defaults.size], [1, 20]);
  });

  test('bad list parameters are 400 problems naming the parameter', async () => {
    assert.equal(assertProblem(await api.get('/datapools?size=501'), 400, 'validation').field, 'size');
    assert.equal(assertProblem(await api.get('/datapools?page=0'), 400, 'validation').field, 'page');
    assert.equal(assertProblem(await api.get('/datapools?sort=password'), 400, 'bad-request').field, 'sort');
    assert.equal(assertProblem(await api.get('/datapools?sort=na-me'), 400, 'validation').field, 'sort');
    assert.equal(assertProblem(await api.get('/datapools?limit=3'), 400, 'validation').field, 'limit');
  });

  test('bad bodies are 400 problems naming the member', async () => {
    assert.equal(assertProblem(await api.post('/datapools', {}), 400, 'validation').field, 'name');
    assert.equal(assertProblem(await api.post('/datapools', { name: 3 }), 400, 'validation').field, 'name');
    assert.equal(
      assertProblem(await api.post('/datapools', { name: 'x', owner: 'me' }), 400, 'validation').field,
      'owner',
    );
    assert.equal(
      assertProblem(await api.post('/datapools', { name: 'x', contact: 'me' }), 400, 'validation').field,
      'contact',
    );
    assertProblem(
      await api.post('/datapools', '{"name":', { 'content-type': 'application/json' }),
      400,
      'invalid-json',
    );
    assert.equal(assertProblem(await api.get('/datapools/abc'), 400, 'validation').field, 'id');
  });

  test('a duplicate name is a 409 and writes nothing', async () => {
    await api.create('/datapools', { name: 'Unique' });
    assertProblem(await api.post('/datapools', { name: 'Unique' }), 409, 'conflict');
    assert.equal((await api.get('/datapools?name=Unique')).json().total, 1);
  });

  test('reads and writes need credentials', async () => {
    const anonymous = controlClient(platform, undefined);
    assertProblem(await anonymous.get('/datapools'), 401, 'unauthorized');
    assertProblem(await anonymous.get('/datapools/1'), 401, 'unauthorized');
    assertProblem(await anonymous.post('/datapools', { name: 'x' }), 401, 'unauthorized');
  });
});
