import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ControlClient, controlClient } from '../support/control-client.ts';
import {
  buildScenario,
  deadLetters,
  featureIds,
  fixAndReplay,
  observationCount,
  parkingRecords,
  type Scenario,
  waitForStatus,
} from '../support/pipeline-scenario.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

/**
 * Issue 4 end to end with an HTTP push source: records POSTed to /api/v1/ingest/{sourceId} go through
 * the pipeline into a PostGIS features table (OGC API – Features) and SensorThings, dead letters are
 * fixed and replayed, and stop/start/unrelease behave.
 */
describe('pipeline from an HTTP push source', () => {
  let platform: TestPlatform;
  let token: string;
  let api: ControlClient;
  let s: Scenario;
  let key: string;

  const push = (records: unknown, ingestKey = key) =>
    platform.app.inject({
      method: 'POST',
      url: `/api/v1/ingest/${s.dataSource.id}`,
      headers: { 'x-ingest-key': ingestKey, 'content-type': 'application/json' },
      payload: JSON.stringify(records),
    });

  before(async () => {
    platform = await startTestPlatform();
    token = await platform.adminToken();
    api = controlClient(platform, token);
    s = await buildScenario(api, 'push', { connectorType: 'http-push', config: {} });
    key = (s.dataSource.ingest as { key: string }).key;
    assert.ok(key.length >= 16);
  });
  after(() => platform.dispose());

  test('before the release nothing runs: pushed records are refused, not lost silently', async () => {
    const res = await push(parkingRecords(2));
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().type, 'urn:urbs:problem:no-running-pipeline');
    const status = (await api.get(`/pipelines/${s.pipeline.id}`)).json();
    assert.equal(status.desiredState, 'STOPPED');
    assert.equal(status.status.state, 'stopped');
  });

  test('a dry run of the whole pipeline shows outputs, sink results and rejections, writing nothing', async () => {
    const records = [...parkingRecords(2), { ...parkingRecords(1, 0, 2)[0]!, free: 'n/a' }, { id: 'P9' }];
    const res = await api.post(`/pipelines/${s.pipeline.id}/dry-run`, { records });
    assert.equal(res.statusCode, 200, res.body);
    const dry = res.json();
    assert.deepEqual(dry.counts, { total: 4, out: 2, filtered: 0, rejected: 2 });
    assert.equal(dry.outputs[0].value.availableSpotNumber, 0);
    assert.deepEqual(dry.outputs[0].value.location, { type: 'Point', coordinates: [11.58, 50.92] });
    // What each sink would make of the record: the features row, the Thing and Datastream of SensorThings.
    assert.equal(dry.outputs[1].sinks.length, 2);
    assert.match(JSON.stringify(dry.outputs[1].sinks[1]), /Parkhaus 2/);
    assert.deepEqual(
      dry.rejected.map((r: { index: number; stage: string }) => [r.index, r.stage]),
      [
        [2, 'mapping'],
        [3, 'source-validation'],
      ],
    );
    const nothing = (await api.get(`/pipelines/${s.pipeline.id}/status`)).json();
    assert.deepEqual(nothing.counters, { in: 0, out: 0, filtered: 0, rejected: 0 });
    assert.equal((await deadLetters(api, s.pipeline.id)).total, 0);
  });

  test('release provisions the sinks and starts the pipeline', async () => {
    const res = await api.post(`/datasets/${s.dataSet.id}/release`);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'AVAILABLE');
    await waitForStatus(api, s.pipeline.id, (st) => st.state === 'running');
    assert.equal((await api.get(`/pipelines/${s.pipeline.id}`)).json().desiredState, 'RUNNING');
    // The dataset says where it is served; both entry points answer.
    const servedBy = res.json().servedBy as { api: string; href: string }[];
    assert.deepEqual(
      servedBy.map((x) => x.api),
      ['ogc-features', 'sensorthings'],
    );
    assert.equal(servedBy[0]!.href, `/ogc/collections/${s.dataSet.identifier}`);
    for (const { href } of servedBy) {
      const got = await platform.app.inject({ url: href, headers: { authorization: `Bearer ${token}` } });
      assert.equal(got.statusCode, 200, `${href}: ${got.body}`);
    }
  });

  test('good records land in both sinks, a bad one in the dead letters', async () => {
    const records: unknown[] = parkingRecords(20);
    records.push({ ...parkingRecords(1, 0, 20)[0]!, free: 'n/a' });
    const res = await push(records);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { in: 21, out: 20, filtered: 0, rejected: 1, pipelines: [s.pipeline.id] });
    const features = await featureIds(platform, token, String(s.dataSet.identifier));
    assert.equal(features.size, 20);
    assert.equal(features.get('P3')?.availableSpotNumber, 14);
    assert.equal(await observationCount(platform, token), 20);
    const status = await waitForStatus(api, s.pipeline.id, (st) => st.counters.in === 21);
    assert.deepEqual(status.counters, { in: 21, out: 20, filtered: 0, rejected: 1 });
  });

  test('a wrong ingest key is a 401 and takes nothing', async () => {
    const res = await push(parkingRecords(1), `${key}x`);
    assert.equal(res.statusCode, 401, res.body);
    assert.equal((await waitForStatus(api, s.pipeline.id, () => true)).counters.in, 21);
  });

  test('fixing the mapping and replaying writes the dead letter', async () => {
    await fixAndReplay(api, s, 'P21');
    const features = await featureIds(platform, token, String(s.dataSet.identifier));
    assert.equal(features.get('P21')?.availableSpotNumber, 0);
    const status = await waitForStatus(api, s.pipeline.id, () => true);
    assert.deepEqual(status.counters, { in: 21, out: 21, filtered: 0, rejected: 0 });
    assert.equal((await api.get(`/pipelines/${s.pipeline.id}`)).json().version, 2);
  });

  test('a stopped pipeline takes nothing; started again it writes the next readings', async () => {
    assert.equal((await api.post(`/pipelines/${s.pipeline.id}/stop`)).statusCode, 200);
    assert.equal((await push(parkingRecords(5, 5))).statusCode, 409);
    const started = await api.post(`/pipelines/${s.pipeline.id}/start`);
    assert.equal(started.statusCode, 200, started.body);
    const res = await push(parkingRecords(5, 5));
    assert.equal(res.json().out, 5);
    // Features are upserted by id (latest state); observations are a time series.
    const features = await featureIds(platform, token, String(s.dataSet.identifier));
    assert.equal(features.size, 21);
    assert.equal(features.get('P1')?.availableSpotNumber, 5);
    assert.equal(await observationCount(platform, token), 26);
    assert.equal((await deadLetters(api, s.pipeline.id)).total, 0);
  });

  test('unrelease stops the pipeline and takes the collection offline; data stays', async () => {
    const res = await api.post(`/datasets/${s.dataSet.id}/unrelease`);
    assert.equal(res.statusCode, 200, res.body);
    const p = (await api.get(`/pipelines/${s.pipeline.id}`)).json();
    assert.equal(p.desiredState, 'STOPPED');
    assert.equal(p.status.state, 'stopped');
    assert.equal((await push(parkingRecords(1))).statusCode, 409);
    const ogc = await platform.app.inject({
      method: 'GET',
      url: `/ogc/collections/${s.dataSet.identifier}/items`,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(ogc.statusCode, 404);
    assert.deepEqual(res.json().servedBy, []);
    assert.equal(await observationCount(platform, token), 26);
  });
});
