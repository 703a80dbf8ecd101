/**
 * Control plane, DataSets: CRUD, paging and filters, the DRAFT ⇄ READY ⇄ AVAILABLE lifecycle with every
 * refusal, change and delete only in DRAFT, validation errors naming the member, geometry and interval
 * round-trips, and tenant isolation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/auth/accounts.ts';
import { sql } from '../../src/core/query/sql.ts';
import { assertProblem } from '../support/assert-problem.ts';
import { type ControlClient, controlClient } from '../support/control-client.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const CC_BY = 'https://creativecommons.org/licenses/by/4.0/';

describe('control plane: datasets', () => {
  let platform: TestPlatform;
  let api: ControlClient;
  let other: ControlClient;
  let poolId: number;

  before(async () => {
    platform = await startTestPlatform();
    api = controlClient(platform, await platform.adminToken());
    await platform.store.query(sql`INSERT INTO tenants (id, name) VALUES ('other', 'Other')`);
    await createUser(platform.store, {
      tenant: 'other',
      username: 'olga',
      password: 'olga-pw',
      roles: ['admin'],
    });
    const res = await platform.app.inject({
      method: 'POST',
      url: '/auth/token',
      payload: { grant_type: 'password', username: 'olga', password: 'olga-pw', tenant: 'other' },
    });
    other = controlClient(platform, res.json().access_token, '/t/other/api/v1');
    poolId = (await api.create('/datapools', { name: 'Environment' })).id;
  });
  after(async () => {
    await platform?.dispose();
  });

  test('create, read, change and delete; the identifier defaults to a slug of the name', async () => {
    const res = await api.post('/datasets', { name: 'Neutor Weather (2024)', dataPoolId: poolId });
    assert.equal(res.statusCode, 201, res.body);
    const ds = res.json();
    assert.equal(res.headers.location, `/api/v1/datasets/${ds.id}`);
    assert.equal(ds.identifier, 'neutor-weather-2024');
    assert.equal(ds.status, 'DRAFT');
    assert.equal(ds.openData, false);
    assert.deepEqual(ds.keywords, []);
    assert.equal(ds.dataPoolId, poolId);
    assert.equal(ds.licence, null);
    assert.equal(ds.spatialCoverage, null);
    assert.equal(ds.temporalCoverage, null);
    assert.ok(ds.createdAt && ds.updatedAt);

    const got = await api.get(`/datasets/${ds.id}`);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), ds);

    const patched = await api.patch(`/datasets/${ds.id}`, {
      description: 'weather at Neutor',
      openData: true,
      keywords: ['weather', 'salzburg'],
      licence: CC_BY,
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().openData, true);
    assert.deepEqual(patched.json().keywords, ['weather', 'salzburg']);
    assert.equal(patched.json().licence, CC_BY);
    assert.equal(patched.json().identifier, 'neutor-weather-2024');

    const dup = await api.post('/datasets', {
      name: 'Other name',
      identifier: 'neutor-weather-2024',
      dataPoolId: poolId,
    });
    assertProblem(dup, 409, 'conflict');
    assertProblem(
      await api.post('/datasets', { name: 'Neutor Weather (2024)', identifier: 'x', dataPoolId: poolId }),
      409,
      'conflict',
    );

    assert.equal((await api.del(`/datasets/${ds.id}`)).statusCode, 204);
    assertProblem(await api.get(`/datasets/${ds.id}`), 404, 'not-found');
    assertProblem(await api.del(`/datasets/${ds.id}`), 404, 'not-found');
  });

  test('geometry and interval round-trip', async () => {
    const polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [13.0, 47.7],
          [13.1, 47.7],
          [13.1, 47.8],
          [13.0, 47.7],
        ],
      ],
    };
    const ds = await api.create('/datasets', {
      name: 'Covered',
      identifier: 'covered',
      dataPoolId: poolId,
      spatialCoverage: polygon,
      temporalCoverage: '2024-01-01T00:00:00Z/2024-12-31T23:59:59Z',
    });
    const got = (await api.get(`/datasets/${ds.id}`)).json();
    assert.deepEqual(got.spatialCoverage, polygon);
    const [start, end] = String(got.temporalCoverage).split('/');
    assert.equal(new Date(start!).toISOString(), '2024-01-01T00:00:00.000Z');
    assert.equal(new Date(end!).toISOString(), '2024-12-31T23:59:59.000Z');
    const cleared = await api.patch(`/datasets/${ds.id}`, { spatialCoverage: null, temporalCoverage: null });
    assert.equal(cleared.statusCode, 200, cleared.body);
    assert.equal(cleared.json().spatialCoverage, null);
    assert.equal(cleared.json().temporalCoverage, null);
  });

  test('validation errors name the member', async () => {
    const field = (res: Awaited<ReturnType<ControlClient['post']>>) => assertProblem(res, 400).field;
    assert.equal(
      field(await api.post('/datasets', { name: 'A', dataPoolId: poolId, licence: 'cc-by' })),
      'licence',
    );
    assert.equal(
      field(await api.post('/datasets', { name: 'A', dataPoolId: poolId, licence: '/relative/path' })),
      'licence',
    );
    assert.equal(field(await api.post('/datasets', { name: 'A' })), 'dataPoolId');
    assert.equal(field(await api.post('/datasets', { name: 'A', dataPoolId: 999999 })), 'dataPoolId');
    assert.equal(
      field(await api.post('/datasets', { name: 'A', dataPoolId: poolId, openData: 'yes' })),
      'openData',
    );
    assert.equal(
      field(await api.post('/datasets', { name: 'A', dataPoolId: poolId, keywords: [1] })),
      'keywords[0]',
    );
    assert.equal(
      field(await api.post('/datasets', { name: 'A', dataPoolId: poolId, identifier: 'a b' })),
      'identifier',
    );
    assert.equal(field(await api.post('/datasets', { name: '!!!', dataPoolId: poolId })), 'identifier');
    assert.equal(
      field(await api.post('/datasets', { name: 'A', dataPoolId: poolId, colour: 'red' })),
      'colour',
    );
    assert.match(
      String(
        field(
          await api.post('/datasets', { name: 'A', dataPoolId: poolId, spatialCoverage: { type: 'Point' } }),
        ),
      ),
      /^spatialCoverage/,
    );
    assert.match(
      String(field(await api.post('/datasets', { name: 'A', dataPoolId: poolId, temporalCoverage: 'soon' }))),
      /^temporalCoverage/,
    );
    const ds = await api.create('/datasets', { name: 'Valid', dataPoolId: poolId });
    assert.equal(field(await api.patch(`/datasets/${ds.id}`, { licence: 'not a uri' })), 'licence');
  });

  test('lifecycle: stage, release, unrelease, unstage and every refusal', async () => {
    const ds = await api.create('/datasets', { name: 'Air quality', dataPoolId: poolId });
    const path = (t: string) => `/datasets/${ds.id}/${t}`;

    // Staging needs description and licence; the refusal is remembered in statusReason.
    const refused = assertProblem(await api.post(path('stage')), 409, 'data-set-not-ready');
    assert.equal(refused.field, 'description');
    assert.deepEqual(refused.missing, ['description', 'licence']);
    const after = (await api.get(`/datasets/${ds.id}`)).json();
    assert.equal(after.status, 'DRAFT');
    assert.match(after.statusReason, /description, licence/);

    // Wrong transitions from DRAFT.
    for (const t of ['release', 'unrelease', 'unstage']) {
      const p = assertProblem(await api.post(path(t)), 409, 'data-set-status');
      assert.equal(p.currentStatus, 'DRAFT');
      assert.match(p.detail, /is DRAFT/);
    }

    await api.patch(`/datasets/${ds.id}`, { description: 'NO2 and PM10', licence: CC_BY });
    const staged = await api.post(path('stage'));
    assert.equal(staged.statusCode, 200, staged.body);
    assert.equal(staged.json().status, 'READY');
    assert.equal(staged.json().statusReason, null);

    // READY: no change, no delete, no second stage, no unrelease.
    const noPatch = assertProblem(
      await api.patch(`/datasets/${ds.id}`, { description: 'x' }),
      409,
      'data-set-status',
    );
    assert.match(noPatch.detail, /is READY/);
    assertProblem(await api.del(`/datasets/${ds.id}`), 409, 'data-set-status');
    const twice = assertProblem(await api.post(path('stage')), 409, 'data-set-status');
    assert.match(twice.detail, /is READY.*DRAFT/);
    assert.deepEqual([twice.currentStatus, twice.wantedStatus], ['READY', 'DRAFT']);
    assertProblem(await api.post(path('unrelease')), 409, 'data-set-status');

    const released = await api.post(path('release'));
    assert.equal(released.statusCode, 200, released.body);
    assert.equal(released.json().status, 'AVAILABLE');

    // AVAILABLE: only unrelease.
    for (const t of ['stage', 'release', 'unstage']) {
      assert.match(assertProblem(await api.post(path(t)), 409, 'data-set-status').detail, /is AVAILABLE/);
    }
    assertProblem(await api.patch(`/datasets/${ds.id}`, { description: 'x' }), 409, 'data-set-status');
    assertProblem(await api.del(`/datasets/${ds.id}`), 409, 'data-set-status');

    assert.equal((await api.post(path('unrelease'))).json().status, 'READY');
    assert.equal((await api.post(path('unstage'))).json().status, 'DRAFT');
    assert.equal((await api.patch(`/datasets/${ds.id}`, { description: 'changed' })).statusCode, 200);
    assertProblem(await api.post('/datasets/999999/stage'), 404, 'not-found');
    assert.equal((await api.del(`/datasets/${ds.id}`)).statusCode, 204);
  });

  test('paging, sorting and filters', async () => {
    const pool = await api.create('/datapools', { name: 'Paging pool' });
    for (let i = 1; i <= 5; i++) {
      await api.create('/datasets', {
        name: `Paged ${i}`,
        description: i % 2 ? 'odd one' : 'even one',
        dataPoolId: pool.id,
      });
    }
    const page = (await api.get('/datasets?q=paged&sort=-name&size=2&page=2')).json();
    assert.equal(page.total, 5);
    assert.equal(page.size, 2);
    assert.deepEqual(
      page.items.map((d: { name: string }) => d.name),
      ['Paged 3', 'Paged 2'],
    );
    assert.equal((await api.get('/datasets?q=ODD')).json().total, 3);
    assert.equal((await api.get('/datasets?name=Paged%204')).json().items[0].identifier, 'paged-4');
    assertProblem(await api.get('/datasets?sort=colour'), 400);
  });

  test('a pool that holds datasets cannot be deleted', async () => {
    const pool = await api.create('/datapools', { name: 'Holding pool' });
    const ds = await api.create('/datasets', { name: 'Held', dataPoolId: pool.id });
    const refused = assertProblem(await api.del(`/datapools/${pool.id}`), 409, 'conflict');
    assert.deepEqual(refused.usedBy, [`DataSet ${ds.id} (Held)`]);
    assert.equal((await api.del(`/datasets/${ds.id}`)).statusCode, 204);
    assert.equal((await api.del(`/datapools/${pool.id}`)).statusCode, 204);
  });

  test('tenant isolation', async () => {
    const mine = await api.create('/datasets', { name: 'Mine', dataPoolId: poolId });
    assertProblem(await other.get(`/datasets/${mine.id}`), 404);
    assertProblem(await other.patch(`/datasets/${mine.id}`, { description: 'x' }), 404);
    assertProblem(await other.post(`/datasets/${mine.id}/stage`), 404);
    assertProblem(await other.del(`/datasets/${mine.id}`), 404);
    assert.equal((await other.get('/datasets?name=Mine')).json().total, 0);
    // Another tenant's pool cannot be linked, and names and identifiers are unique per tenant only.
    assert.equal(
      assertProblem(await other.post('/datasets', { name: 'Mine', dataPoolId: poolId }), 400).field,
      'dataPoolId',
    );
    const theirPool = await other.create('/datapools', { name: 'Theirs' });
    const theirs = await other.post('/datasets', { name: 'Mine', dataPoolId: theirPool.id });
    assert.equal(theirs.statusCode, 201, theirs.body);
    assert.equal(theirs.json().identifier, 'mine');
    assert.equal(theirs.headers.location, `/t/other/api/v1/datasets/${theirs.json().id}`);
  });
});
