import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type ControlClient, controlClient } from '../support/control-client.ts';
import { freePort } from '../support/mosquitto.ts';
import {
  assertNoSecret,
  buildScenario,
  captureLogs,
  deadLetters,
  expectAllWritten,
  expectSourceReadable,
  featureIds,
  fixAndReplay,
  observationCount,
  observationCountOf,
  type ParkingRecord,
  parkingCsv,
  parkingRecords,
  pipelineStatus,
  recordAnswers,
  releaseAndLand,
  type Scenario,
  waitForStatus,
} from '../support/pipeline-scenario.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { primaryKind } from '../support/test-store.ts';

/**
 * Issue 4 end to end with an HTTP polling source: a local `node:http` server (started here) serves the car
 * parks as JSON and as CSV and answers only with the right bearer token, which the data source holds as a
 * secret header. The lifecycle runs through the REST API: release → polled records in both sinks → a bad
 * record dead-lettered, fixed and replayed → stop/start from the checkpoint → an unreachable URL is one
 * pipeline in `error` while the others go on. The platform logs at debug level into a captured stream:
 * the token must never appear in a log line nor in any answer of the suite.
 */
const SECRET = `poll-token-${randomBytes(12).toString('hex')}`;
const MASK = '********';

/** Car parks named `Garage n`, so their observations can be counted apart from the `Parkhaus` ones. */
const garages = (n: number, minute: number): ParkingRecord[] =>
  parkingRecords(n, minute).map((r, i) => ({ ...r, id: `G${i + 1}`, name: `Garage ${i + 1}` }));

describe('pipeline from an HTTP polling source', () => {
  let server: Server;
  let base = '';
  let platform: TestPlatform;
  let token: string;
  let api: ControlClient;
  let s: Scenario;
  let csv: Scenario;
  const logs = captureLogs();
  let answers: string[] = [];
  /** What the server serves now. */
  let feed: unknown[] = parkingRecords(20);
  let csvFeed: ParkingRecord[] = garages(8, 0);
  const hits = { json: 0, csv: 0, denied: 0 };

  /** Waits until the server has answered `n` more polls of `path` (the poller works on its own clock). */
  async function polls(path: 'json' | 'csv', n: number, timeoutMs = 15_000) {
    const target = hits[path] + n;
    const deadline = Date.now() + timeoutMs;
    while (hits[path] < target) {
      if (Date.now() > deadline) assert.fail(`${n} polls of ${path} not seen in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const sourceConfig = (path: string, extra: Record<string, unknown> = {}) => ({
    url: `${base}${path}`,
    headers: { Authorization: `Bearer ${SECRET}` },
    intervalSeconds: 1,
    ...extra,
  });

  before(async () => {
    server = createServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${SECRET}`) {
        hits.denied++;
        res.writeHead(401, { 'content-type': 'text/plain' }).end('token required');
        return;
      }
      if (req.url === '/parking.json') {
        hits.json++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { items: feed } }));
      } else if (req.url === '/parking.csv') {
        hits.csv++;
        res.writeHead(200, { 'content-type': 'text/csv' }).end(parkingCsv(csvFeed));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const started = await startTestPlatform(primaryKind(), { logLevel: 'debug' }, { logStream: logs.stream });
    const recorded = recordAnswers(started);
    platform = recorded.platform;
    answers = recorded.answers;
    token = await platform.adminToken();
    api = controlClient(platform, token);
    s = await buildScenario(api, 'poll', {
      connectorType: 'http-poll',
      config: sourceConfig('/parking.json', { recordsPath: 'data.items' }),
    });
  });
  after(async () => {
    await platform?.dispose();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('the token is kept as a secret: masked in answers; test connection and sample use it', async () => {
    assert.deepEqual((s.dataSource.config as { headers: unknown }).headers, { Authorization: MASK });
    const read = await api.get(`/datasources/${s.dataSource.id}`);
    assert.equal(read.statusCode, 200, read.body);
    assert.deepEqual(read.json().config.headers, { Authorization: MASK });
    // Test connection, a sample and a dry run of the whole pipeline on it, writing nothing.
    await expectSourceReadable(api, s);
    assert.equal(hits.denied, 0, 'urbs sent the real token, not the mask');
  });

  test('release starts polling: the records land in both sinks', async () => {
    const features = await releaseAndLand({ api, platform, token }, s, 20);
    assert.equal(features.get('P3')?.availableSpotNumber, 14);
  });

  test('an unchanged body is not delivered again (skipUnchanged)', async () => {
    await polls('json', 2);
    const status = await pipelineStatus(api, s.pipeline.id);
    assert.deepEqual(status.counters, { in: 20, out: 20, filtered: 0, rejected: 0 });
    assert.equal(await observationCount(platform, token), 20);
  });

  test('a bad record in the next body goes to the dead letters; fixing the mapping and replaying writes it', async () => {
    feed = [...parkingRecords(20, 1), { ...parkingRecords(1, 1, 20)[0]!, free: 'n/a' }];
    const status = await waitForStatus(api, s.pipeline.id, (st) => st.counters.in >= 41);
    assert.deepEqual(status.counters, { in: 41, out: 40, filtered: 0, rejected: 1 });
    assert.equal(await observationCount(platform, token), 40);
    assert.equal((await featureIds(platform, token, String(s.dataSet.identifier))).size, 20);
    await fixAndReplay(api, s, 'P21');
    const features = await featureIds(platform, token, String(s.dataSet.identifier));
    assert.equal(features.size, 21);
    assert.equal(features.get('P21')?.availableSpotNumber, 0);
    assert.equal(features.get('P3')?.availableSpotNumber, 15);
    await expectAllWritten({ api, platform, token }, s, 41);
  });

  test('stop and start: the stored checkpoint skips the body already delivered; new data arrives once', async () => {
    const stopped = await api.post(`/pipelines/${s.pipeline.id}/stop`);
    assert.equal(stopped.statusCode, 200, stopped.body);
    assert.equal(stopped.json().status.state, 'stopped');
    const started = await api.post(`/pipelines/${s.pipeline.id}/start`);
    assert.equal(started.statusCode, 200, started.body);
    await polls('json', 2);
    assert.equal(
      (await pipelineStatus(api, s.pipeline.id)).counters.in,
      41,
      'the same body again after a restart',
    );

    assert.equal((await api.post(`/pipelines/${s.pipeline.id}/stop`)).statusCode, 200);
    const whileStopped = hits.json;
    feed = parkingRecords(21, 5);
    assert.equal((await api.post(`/pipelines/${s.pipeline.id}/start`)).statusCode, 200);
    const status = await waitForStatus(api, s.pipeline.id, (st) => st.counters.in >= 62);
    assert.ok(hits.json > whileStopped);
    assert.deepEqual(status.counters, { in: 62, out: 62, filtered: 0, rejected: 0 });
    await polls('json', 2);
    assert.deepEqual((await pipelineStatus(api, s.pipeline.id)).counters, {
      in: 62,
      out: 62,
      filtered: 0,
      rejected: 0,
    });
    const features = await featureIds(platform, token, String(s.dataSet.identifier));
    assert.equal(features.size, 21);
    assert.equal(features.get('P1')?.availableSpotNumber, 5);
    assert.equal(await observationCount(platform, token), 62);
    assert.equal((await deadLetters(api, s.pipeline.id)).total, 0);
  });

  test('a CSV feed: text values are typed by the mapping and land in both sinks', async () => {
    csv = await buildScenario(api, 'poll csv', {
      connectorType: 'http-poll',
      config: sourceConfig('/parking.csv', { format: 'csv' }),
    });
    const res = await api.post(`/datasets/${csv.dataSet.id}/release`);
    assert.equal(res.statusCode, 200, res.body);
    const status = await waitForStatus(
      api,
      csv.pipeline.id,
      (st) => st.state === 'running' && st.counters.in >= 8,
    );
    assert.deepEqual(status.counters, { in: 8, out: 8, filtered: 0, rejected: 0 });
    const features = await featureIds(platform, token, String(csv.dataSet.identifier));
    assert.equal(features.size, 8);
    assert.equal(features.get('G2')?.availableSpotNumber, 7);
    assert.equal(features.get('G2')?.name, 'Garage 2');
    assert.equal(await observationCountOf(platform, token, 'Garage'), 8);
    assert.equal(await observationCount(platform, token), 62, 'the other dataset is untouched');
  });

  test('an unreachable URL: that pipeline is in error naming the source, the others go on; it recovers', async () => {
    const port = await freePort();
    const down = await buildScenario(api, 'poll down', {
      connectorType: 'http-poll',
      config: {
        ...sourceConfig('/parking.json', { recordsPath: 'data.items' }),
        url: `http://127.0.0.1:${port}/parking.json`,
      },
    });
    const res = await api.post(`/datasets/${down.dataSet.id}/release`);
    assert.equal(res.statusCode, 200, 'an unreachable source does not fail the release');
    const failed = await waitForStatus(api, down.pipeline.id, (st) => st.state === 'error');
    assert.match(
      failed.lastError ?? '',
      new RegExp(
        `^DataSource ${down.dataSource.id} \\(poll down source\\): .*127\\.0\\.0\\.1:${port}/parking\\.json cannot be reached`,
      ),
    );
    assert.deepEqual(failed.counters, { in: 0, out: 0, filtered: 0, rejected: 0 });
    const listed = (await api.get(`/pipelines/${down.pipeline.id}`)).json();
    assert.equal(listed.status.state, 'error');
    assert.equal(listed.desiredState, 'RUNNING');

    // The process keeps running and the other pipelines keep working.
    assert.equal((await platform.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.equal((await pipelineStatus(api, s.pipeline.id)).state, 'running');
    csvFeed = garages(8, 9);
    const status = await waitForStatus(api, csv.pipeline.id, (st) => st.counters.in >= 16);
    assert.deepEqual(status.counters, { in: 16, out: 16, filtered: 0, rejected: 0 });
    assert.equal(
      (await featureIds(platform, token, String(csv.dataSet.identifier))).get('G1')?.availableSpotNumber,
      9,
    );
    assert.equal(await observationCountOf(platform, token, 'Garage'), 16);
    assert.equal((await pipelineStatus(api, down.pipeline.id)).state, 'error', 'still retrying');

    // Once the URL answers, the retrying source recovers by itself.
    const halls = parkingRecords(3).map((r, i) => ({ ...r, id: `H${i + 1}`, name: `Halle ${i + 1}` }));
    const late = createServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${SECRET}`) {
        res.writeHead(401).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ data: { items: halls } }));
    });
    await new Promise<void>((r) => late.listen(port, '127.0.0.1', r));
    try {
      const recovered = await waitForStatus(
        api,
        down.pipeline.id,
        (st) => st.state === 'running' && st.counters.in >= 3,
      );
      assert.deepEqual(recovered.counters, { in: 3, out: 3, filtered: 0, rejected: 0 });
      assert.equal(await observationCountOf(platform, token, 'Halle'), 3);
      const stopped = await api.post(`/pipelines/${down.pipeline.id}/stop`);
      assert.equal(stopped.statusCode, 200, stopped.body);
      assert.equal(stopped.json().status.state, 'stopped');
    } finally {
      late.closeAllConnections();
      await new Promise<void>((r) => late.close(() => r()));
    }
  });

  test('a feed of the current state of every car park: one changed reading adds one observation', async () => {
    const next = parkingRecords(21, 5);
    next[0] = parkingRecords(1, 6)[0]!;
    feed = next;
    const status = await waitForStatus(api, s.pipeline.id, (st) => st.counters.in > 62);
    assert.equal(
      (await featureIds(platform, token, String(s.dataSet.identifier))).get('P1')?.availableSpotNumber,
      6,
    );
    // http-poll delivers the whole changed body again (21 records); the observations sink stores only the
    // reading it does not have yet (docs/sinks-observations.md, "Repeated readings").
    assert.equal(status.counters.in, 83);
    assert.equal(await observationCount(platform, token), 63, 'one new reading, one new Observation');
  });

  test('the token never appears in any answer of this suite nor in any log line', async () => {
    assert.ok(answers.length > 50, `answers recorded: ${answers.length}`);
    assert.ok(
      logs.lines.some((l) => l.includes('incoming request')),
      'the platform logged every request (at level debug)',
    );
    assert.ok(
      logs.lines.some((l) => l.includes('pipeline error') && l.includes('cannot be reached')),
      'the failing source was logged',
    );
    assertNoSecret([SECRET], { 'an answer': answers, 'a log line': logs.lines });
  });
});
