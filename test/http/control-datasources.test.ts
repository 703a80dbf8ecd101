/**
 * Control plane, DataSources: CRUD, secrets sealed at rest and never answered, connector config checks (400
 * naming `config.<member>`), test-connection against a real Mosquitto, sampling a local HTTP server, the
 * DRAFT/AVAILABLE lifecycle, the "in use" rule for structure versions, and tenant isolation.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/auth/accounts.ts';
import { sql } from '../../src/core/query/sql.ts';
import { assertProblem } from '../support/assert-problem.ts';
import { type ControlClient, controlClient } from '../support/control-client.ts';
import { freePort, type Mosquitto, startMosquitto } from '../support/mosquitto.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const SECRET = 'sk-live-7f3c9a1e-very-secret';
const MASK = '********';

describe('control plane: datasources', () => {
  let platform: TestPlatform;
  let api: ControlClient;
  let other: ControlClient;
  let mosquitto: Mosquitto;
  let http: Server;
  let httpUrl: string;
  /** Every raw response body of the suite: none may contain the secret. */
  const bodies: string[] = [];

  /** A client that keeps every raw response body. */
  function recording(client: ControlClient): ControlClient {
    const keep = async <T extends { body: string }>(res: Promise<T>) => {
      const r = await res;
      bodies.push(r.body);
      return r;
    };
    return {
      get: (p) => keep(client.get(p)),
      post: (p, b, h) => keep(client.post(p, b, h)),
      patch: (p, b) => keep(client.patch(p, b)),
      del: (p) => keep(client.del(p)),
      async create(p, b) {
        const res = await keep(client.post(p, b));
        if (res.statusCode !== 201) throw new Error(`POST ${p}: ${res.statusCode} ${res.body}`);
        return res.json();
      },
    };
  }

  const pollConfig = (url: string, extra: Record<string, unknown> = {}) => ({
    url,
    headers: { 'X-Api-Key': SECRET },
    intervalSeconds: 60,
    ...extra,
  });

  /** A structure with a DRAFT version 1.0.0; returns the version's id and the structure's. */
  async function structureVersion(name: string): Promise<{ structureId: number; versionId: number }> {
    const s = await api.create('/datastructures', { name });
    const v = await api.create(`/datastructures/${s.id}/versions`, {
      version: '1.0.0',
      schema: { type: 'object', properties: { id: { type: 'integer' } } },
    });
    return { structureId: s.id, versionId: v.id };
  }

  before(async () => {
    platform = await startTestPlatform();
    api = recording(controlClient(platform, await platform.adminToken()));
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
    other = recording(controlClient(platform, res.json().access_token, '/t/other/api/v1'));
    mosquitto = await startMosquitto();
    // 15 records, only for the right API key.
    http = createServer((req, res) => {
      if (req.headers['x-api-key'] !== SECRET) {
        res.writeHead(401).end();
        return;
      }
      const items = Array.from({ length: 15 }, (_, i) => ({ id: i + 1, free: 10 * i }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { items } }));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/parking`;
  });
  after(async () => {
    await platform?.dispose();
    await mosquitto?.stop();
    await new Promise((resolve) => http?.close(resolve));
  });

  test('create, read, list, change and delete; secrets are masked', async () => {
    const pool = await api.create('/datapools', { name: 'Mobility' });
    const res = await api.post('/datasources', {
      name: 'Parking API',
      description: 'free spaces',
      connectorType: 'http-poll',
      config: pollConfig(httpUrl, { recordsPath: 'data.items' }),
      dataPoolId: pool.id,
    });
    assert.equal(res.statusCode, 201, res.body);
    const source = res.json();
    assert.equal(res.headers.location, `/api/v1/datasources/${source.id}`);
    assert.equal(source.status, 'DRAFT');
    assert.equal(source.connectorType, 'http-poll');
    assert.equal(source.dataPoolId, pool.id);
    assert.equal(source.dataStructureVersionId, null);
    assert.deepEqual(
      source.config,
      pollConfig(httpUrl, { recordsPath: 'data.items', headers: { 'X-Api-Key': MASK } }),
    );
    assert.deepEqual((await api.get(`/datasources/${source.id}`)).json(), source);

    const list = (await api.get('/datasources?q=parking&sort=-createdAt')).json();
    assert.equal(list.total, 1);
    assert.equal(list.items[0].config.headers['X-Api-Key'], MASK);

    const changed = await api.patch(`/datasources/${source.id}`, { description: 'free spaces, Jena' });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().description, 'free spaces, Jena');
    assert.equal(changed.json().config.headers['X-Api-Key'], MASK);

    const temp = await api.create('/datasources', {
      name: 'Temporary',
      connectorType: 'http-push',
      config: { key: 'a-push-key-of-enough-length' },
    });
    assert.equal((temp.config as { key: string }).key, MASK);
    assert.equal((await api.del(`/datasources/${temp.id}`)).statusCode, 204);
    assertProblem(await api.get(`/datasources/${temp.id}`), 404, 'not-found');
    assertProblem(
      await api.post('/datasources', {
        name: 'Parking API',
        connectorType: 'http-push',
        config: { key: 'another-long-push-key' },
      }),
      409,
      'conflict',
    );
  });

  test('secrets are stored sealed, and a masked secret sent back keeps the stored one', async () => {
    const source = await api.create('/datasources', {
      name: 'Sealed',
      connectorType: 'http-poll',
      config: pollConfig('http://127.0.0.1:9/nothing', { recordsPath: 'data.items' }),
    });
    const stored = async () => {
      const { rows } = await platform.store.query<{ config: { headers: Record<string, string> } }>(
        sql`SELECT config FROM ctl_data_sources WHERE id = ${source.id}`,
      );
      return rows[0]!.config;
    };
    const sealed = await stored();
    assert.ok(!JSON.stringify(sealed).includes(SECRET), 'no plain text at rest');
    assert.match(sealed.headers['X-Api-Key']!, /^v1\./);

    // The client sends back what it was shown, with a new URL: the secret is kept (the server wants it).
    const shown = (await api.get(`/datasources/${source.id}`)).json();
    const res = await api.patch(`/datasources/${source.id}`, { config: { ...shown.config, url: httpUrl } });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(!JSON.stringify(await stored()).includes(SECRET));
    const sample = await api.post(`/datasources/${source.id}/sample?n=3`);
    assert.equal(sample.statusCode, 200, sample.body);
    assert.equal(sample.json().records.length, 3);

    // A mask where nothing is stored is refused, naming the member.
    const p = assertProblem(
      await api.post('/datasources', {
        name: 'Masked',
        connectorType: 'http-poll',
        config: pollConfig(httpUrl, { headers: { 'X-Api-Key': MASK } }),
      }),
      400,
    );
    assert.equal(p.field, 'config.headers.X-Api-Key');
  });

  test('bad configs are 400 problems naming config.<member>', async () => {
    const bad = async (connectorType: string, config: unknown) =>
      assertProblem(await api.post('/datasources', { name: 'Bad', connectorType, config }), 400);
    const cron = await bad('http-poll', { url: httpUrl, cron: '61 * * * *' });
    assert.equal(cron.field, 'config.cron');
    assert.match(cron.detail, /^config\.cron /);
    assert.equal(cron.type, 'urn:urbs:problem:bad-connector-config');
    const mqtt = { urls: [`mqtt://127.0.0.1:${mosquitto.port}`], topic: 'city/#' };
    assert.equal((await bad('mqtt-subscribe', { ...mqtt, qos: 3 })).field, 'config.qos');
    assert.equal((await bad('mqtt-subscribe', { ...mqtt, topic: 'a/#/b' })).field, 'config.topic');
    assert.equal(
      (await bad('http-poll', { url: 'ftp://x.example/', intervalSeconds: 5 })).field,
      'config.url',
    );
    assert.equal((await bad('nope', {})).field, 'connectorType');
    assert.equal((await bad('http-poll', 'x')).field, 'config');
    const link = await api.post('/datasources', {
      name: 'B',
      connectorType: 'http-push',
      config: { key: 'a-push-key-of-enough-length' },
      dataPoolId: 99999,
    });
    assert.equal(assertProblem(link, 400).field, 'dataPoolId');
    assert.equal((await api.get('/datasources?total=1')).statusCode, 400);
  });

  test('test-connection: a real Mosquitto is ok, a closed port is ok:false naming the member', async () => {
    const up = await api.create('/datasources', {
      name: 'Broker',
      connectorType: 'mqtt-subscribe',
      config: { urls: [`mqtt://127.0.0.1:${mosquitto.port}`], topic: 'city/sensors/#', qos: 1 },
    });
    const ok = await api.post(`/datasources/${up.id}/test-connection`);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().ok, true, ok.body);

    const down = await api.create('/datasources', {
      name: 'Broker down',
      connectorType: 'mqtt-subscribe',
      config: {
        urls: [`mqtt://127.0.0.1:${await freePort()}`],
        topic: 'city/#',
        username: 'urbs',
        password: SECRET,
        connectTimeoutSeconds: 2,
      },
    });
    assert.equal((down.config as { password: string }).password, MASK);
    const failed = await api.post(`/datasources/${down.id}/test-connection`);
    assert.equal(failed.statusCode, 200, failed.body);
    assert.equal(failed.json().ok, false);
    assert.equal(failed.json().field, 'config.urls');
    const sample = assertProblem(await api.post(`/datasources/${down.id}/sample`), 400);
    assert.equal(sample.field, 'config.urls');

    const push = await api.create('/datasources', {
      name: 'Push',
      connectorType: 'http-push',
      config: { key: 'a-push-key-of-enough-length' },
    });
    assert.equal(
      assertProblem(await api.post(`/datasources/${push.id}/test-connection`), 400).field,
      'connectorType',
    );
  });

  test('sample: n records (default 10, at most 100) from a local HTTP server', async () => {
    const source = await api.create('/datasources', {
      name: 'Sampled',
      connectorType: 'http-poll',
      config: pollConfig(httpUrl, {
        cron: '*/5 * * * *',
        intervalSeconds: undefined,
        recordsPath: 'data.items',
      }),
    });
    const ten = await api.post(`/datasources/${source.id}/sample`);
    assert.equal(ten.statusCode, 200, ten.body);
    const records = ten.json().records;
    assert.equal(records.length, 10);
    assert.deepEqual(records[0].data, { id: 1, free: 0 });
    assert.match(records[0].receivedAt, /^\d{4}-/);
    assert.equal((await api.post(`/datasources/${source.id}/sample?n=100`)).json().records.length, 15);
    assert.equal(assertProblem(await api.post(`/datasources/${source.id}/sample?n=101`), 400).field, 'n');
    // A wrong key (the server answers 401) is a 4xx naming the headers.
    await api.patch(`/datasources/${source.id}`, {
      config: pollConfig(httpUrl, { headers: { 'X-Api-Key': 'wrong' }, recordsPath: 'data.items' }),
    });
    const p = assertProblem(await api.post(`/datasources/${source.id}/sample`), 400);
    assert.match(String(p.field), /^config\./);
    assertProblem(await api.post('/datasources/99999/sample'), 404);
  });

  test('release needs an AVAILABLE structure version; a released source is immutable until unreleased', async () => {
    const { structureId, versionId } = await structureVersion('Parking');
    const source = await api.create('/datasources', {
      name: 'Lifecycle',
      connectorType: 'http-push',
      config: { key: 'a-push-key-of-enough-length' },
    });
    const path = `/datasources/${source.id}`;
    assert.equal(
      assertProblem(await api.post(`${path}/release`), 409, 'data-source-not-ready').field,
      'dataStructureVersionId',
    );
    assert.equal(
      (await api.patch(path, { dataStructureVersionId: versionId })).json().dataStructureVersionId,
      versionId,
    );
    assertProblem(await api.post(`${path}/release`), 409, 'data-source-not-ready');
    assert.equal((await api.post(`/datastructures/${structureId}/versions/1.0.0/release`)).statusCode, 200);
    const released = await api.post(`${path}/release`);
    assert.equal(released.statusCode, 200, released.body);
    assert.equal(released.json().status, 'AVAILABLE');
    assertProblem(await api.post(`${path}/release`), 409, 'data-source-released');
    assertProblem(await api.patch(path, { description: 'x' }), 409, 'data-source-released');
    assertProblem(await api.del(path), 409, 'data-source-released');
    const back = await api.post(`${path}/unrelease`);
    assert.equal(back.json().status, 'DRAFT');
    assertProblem(await api.post(`${path}/unrelease`), 409, 'conflict');
    assert.equal((await api.del(path)).statusCode, 204);
  });

  test('a structure version a data source delivers cannot be deleted', async () => {
    const { structureId, versionId } = await structureVersion('Counts');
    const source = await api.create('/datasources', {
      name: 'Counter',
      connectorType: 'http-push',
      config: { key: 'a-push-key-of-enough-length' },
      dataStructureVersionId: versionId,
    });
    const p = assertProblem(
      await api.del(`/datastructures/${structureId}/versions/1.0.0`),
      409,
      'version-in-use',
    );
    assert.deepEqual(p.usedBy, [`DataSource ${source.id} (Counter)`]);
    assertProblem(await api.del(`/datastructures/${structureId}`), 409, 'version-in-use');
    await api.patch(`/datasources/${source.id}`, { dataStructureVersionId: null });
    assert.equal((await api.del(`/datastructures/${structureId}/versions/1.0.0`)).statusCode, 204);
  });

  test('tenants see only their own data sources', async () => {
    const mine = await api.create('/datasources', {
      name: 'Mine',
      connectorType: 'http-push',
      config: { key: 'a-push-key-of-enough-length' },
    });
    assertProblem(await other.get(`/datasources/${mine.id}`), 404);
    assertProblem(await other.patch(`/datasources/${mine.id}`, { description: 'x' }), 404);
    assertProblem(await other.post(`/datasources/${mine.id}/sample`), 404);
    assertProblem(await other.del(`/datasources/${mine.id}`), 404);
    assert.equal((await other.get('/datasources')).json().total, 0);
    const pool = await api.create('/datapools', { name: 'Default pool' });
    const res = await other.post('/datasources', {
      name: 'Mine',
      connectorType: 'http-push',
      config: { key: 'a-push-key-of-enough-length' },
      dataPoolId: pool.id,
    });
    assert.equal(assertProblem(res, 400).field, 'dataPoolId');
  });

  test('the routes are in the OpenAPI document, and no response ever carried the secret', async () => {
    const doc = (await api.get('/openapi.json')).json();
    for (const p of [
      '/api/v1/datasources',
      '/api/v1/datasources/{id}',
      '/api/v1/datasources/{id}/release',
      '/api/v1/datasources/{id}/unrelease',
      '/api/v1/datasources/{id}/test-connection',
      '/api/v1/datasources/{id}/sample',
    ]) {
      assert.ok(doc.paths[p], p);
    }
    assert.ok(doc.paths['/api/v1/datasources'].post.requestBody);
    assert.ok(bodies.length > 40);
    for (const body of bodies) assert.ok(!body.includes(SECRET), `secret in ${body}`);
  });
});
