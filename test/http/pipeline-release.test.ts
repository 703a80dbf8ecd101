import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from '../../src/core/query/sql.ts';
import { FEATURES_SCHEMA, featureTableName } from '../../src/pipeline/sinks/features/index.ts';
import { type ControlClient, controlClient } from '../support/control-client.ts';
import { buildScenario, type Scenario, SINKS, SOURCE_SCHEMA } from '../support/pipeline-scenario.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

/**
 * Issue 4: "Release provisions tables, routes and pipeline runs atomically: either all of it is live or
 * nothing changed, and the reason is stored on the dataset." Each failure here happens after the first
 * sink's table was created inside the release transaction.
 */
describe('dataset release is all or nothing', () => {
  let platform: TestPlatform;
  let token: string;
  let api: ControlClient;
  let s: Scenario;

  const tableExists = async (name: string) => {
    const { rows } = await platform.store.query<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM information_schema.tables
      WHERE table_schema = ${FEATURES_SCHEMA} AND table_name = ${name}`);
    return Number(rows[0]!.n) === 1;
  };
  const collection = () =>
    platform.app.inject({
      method: 'GET',
      url: `/ogc/collections/${s.dataSet.identifier}`,
      headers: { authorization: `Bearer ${token}` },
    });
  const assertNothingChanged = async (reason: RegExp) => {
    const set = (await api.get(`/datasets/${s.dataSet.id}`)).json();
    assert.equal(set.status, 'READY');
    assert.match(set.statusReason, reason);
    assert.equal(await tableExists(featureTableName(Number(s.dataSet.id), 0)), false);
    const p = (await api.get(`/pipelines/${s.pipeline.id}`)).json();
    assert.equal(p.desiredState, 'STOPPED');
    assert.equal(p.status.state, 'stopped');
    assert.equal((await collection()).statusCode, 404);
  };

  before(async () => {
    platform = await startTestPlatform();
    token = await platform.adminToken();
    api = controlClient(platform, token);
    s = await buildScenario(api, 'release', { connectorType: 'http-push', config: {} });
  });
  after(() => platform.dispose());

  test('a pipeline whose source is not released: 409 naming it, nothing provisioned', async () => {
    assert.equal((await api.post(`/datasources/${s.dataSource.id}/unrelease`)).statusCode, 200);
    const res = await api.post(`/datasets/${s.dataSet.id}/release`);
    assert.equal(res.statusCode, 409, res.body);
    const problem = res.json();
    assert.equal(problem.type, 'urn:urbs:problem:release-failed');
    assert.equal(problem.field, 'dataSourceId');
    assert.match(problem.detail, new RegExp(`DataSource ${s.dataSource.id} is not released`));
    await assertNothingChanged(/release failed: .*DataSource/);
    assert.equal((await api.post(`/datasources/${s.dataSource.id}/release`)).statusCode, 200);
  });

  test('a table the features sink cannot adopt: the database refuses, everything rolls back', async () => {
    // Someone made an incompatible table of that name by hand: the sink cannot add its columns to it.
    const table = featureTableName(Number(s.dataSet.id), 0);
    await platform.store.query(sql`CREATE SCHEMA IF NOT EXISTS urbs_features`);
    await platform.store.runScript(
      `CREATE TABLE ${FEATURES_SCHEMA}.${table} (fid integer PRIMARY KEY, available_spot_number text)`,
    );
    const res = await api.post(`/datasets/${s.dataSet.id}/release`);
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().type, 'urn:urbs:problem:release-failed');
    const set = (await api.get(`/datasets/${s.dataSet.id}`)).json();
    assert.equal(set.status, 'READY');
    assert.match(set.statusReason, /release failed/);
    // The foreign table is untouched: still its two columns.
    const { rows } = await platform.store.query<{ column_name: string }>(sql`
      SELECT column_name FROM information_schema.columns
      WHERE table_schema = ${FEATURES_SCHEMA} AND table_name = ${table} ORDER BY column_name`);
    assert.deepEqual(
      rows.map((r) => r.column_name),
      ['available_spot_number', 'fid'],
    );
    await platform.store.runScript(`DROP TABLE ${FEATURES_SCHEMA}.${table}`);
  });

  test('with the causes gone, the release provisions everything and clears the reason', async () => {
    const res = await api.post(`/datasets/${s.dataSet.id}/release`);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'AVAILABLE');
    assert.equal(res.json().statusReason ?? null, null);
    assert.equal(await tableExists(featureTableName(Number(s.dataSet.id), 0)), true);
    assert.equal((await collection()).statusCode, 200);
    const p = (await api.get(`/pipelines/${s.pipeline.id}`)).json();
    assert.equal(p.desiredState, 'RUNNING');
    assert.equal(p.status.state, 'running');
  });

  test('a released dataset refuses changes; unrelease, unstage and delete drop its table', async () => {
    const patch = await api.patch(`/datasets/${s.dataSet.id}`, { sinks: [] });
    assert.equal(patch.statusCode, 409, patch.body);
    assert.equal((await api.post(`/datasets/${s.dataSet.id}/unrelease`)).statusCode, 200);
    assert.equal((await api.post(`/datasets/${s.dataSet.id}/unstage`)).statusCode, 200);
    // The features sink is edited away: its table (with the data written so far) stays until the delete.
    const edited = await api.patch(`/datasets/${s.dataSet.id}`, { sinks: [SINKS[1]] });
    assert.equal(edited.statusCode, 200, edited.body);
    assert.equal(await tableExists(featureTableName(Number(s.dataSet.id), 0)), true);
    assert.equal((await api.del(`/datasets/${s.dataSet.id}`)).statusCode, 204);
    assert.equal(await tableExists(featureTableName(Number(s.dataSet.id), 0)), false);
    assert.equal((await api.get(`/pipelines/${s.pipeline.id}`)).statusCode, 404);
  });
});

describe('dataset sinks are checked against the dataset structure when saved', () => {
  let platform: TestPlatform;
  let api: ControlClient;
  let s: Scenario;

  before(async () => {
    platform = await startTestPlatform();
    api = controlClient(platform, await platform.adminToken());
    s = await buildScenario(api, 'sinks', { connectorType: 'http-push', config: {} });
    assert.equal((await api.post(`/datasets/${s.dataSet.id}/unstage`)).statusCode, 200);
  });
  after(() => platform.dispose());

  const cases: [string, unknown, string][] = [
    ['an unknown kind', [{ kind: 'tiles' }], 'sinks[0].kind'],
    ['a thing key the structure lacks', [{ ...SINKS[1], thing: { key: 'nope' } }], 'sinks[0].thing.key'],
    [
      'a geometry field the structure lacks',
      [{ kind: 'features', geometryField: 'where' }],
      'sinks[0].geometryField',
    ],
  ];
  for (const [what, sinks, field] of cases) {
    test(`${what} is a 400 naming ${field}, and nothing is saved`, async () => {
      const res = await api.patch(`/datasets/${s.dataSet.id}`, { sinks });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().field, field);
      assert.equal((await api.get(`/datasets/${s.dataSet.id}`)).json().sinks.length, 2);
    });
  }

  test('sinks without a structure version are refused', async () => {
    const res = await api.patch(`/datasets/${s.dataSet.id}`, { dataStructureVersionId: null });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().field, 'dataStructureVersionId');
  });

  test('a pipeline whose mapping does not produce the dataset structure is refused', async () => {
    const other = await api.create('/mappings', {
      name: 'feed to feed',
      sourceVersionId: s.sourceVersionId,
      targetVersionId: s.sourceVersionId,
      rules: Object.keys(SOURCE_SCHEMA.properties).map((f) => ({ target: f, op: 'copy', from: f })),
    });
    const res = await api.post('/pipelines', {
      name: 'misfit',
      dataSourceId: s.dataSource.id,
      mappingId: other.id,
      dataSetId: s.dataSet.id,
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().field, 'mappingId');
  });
});
