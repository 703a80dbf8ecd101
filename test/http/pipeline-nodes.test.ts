import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { sql } from '../../src/core/query/sql.ts';
import { controlClient } from '../support/control-client.ts';
import { type Mosquitto, startMosquitto } from '../support/mosquitto.ts';
import {
  buildScenario,
  observationCount,
  parkingRecords,
  type Scenario,
  waitForStatus,
} from '../support/pipeline-scenario.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/test-store.ts';

/**
 * Two urbs nodes on one PostgreSQL database: a pipeline with a pull source (MQTT) runs on exactly one of
 * them; when that node goes away the other takes the pipeline over and nothing is lost; push pipelines take
 * records on every node; a stop made through one node stops the pipeline on the other.
 */
describe('pipelines on several urbs nodes', {
  skip: !TEST_DATABASE_URL && 'needs URBS_TEST_DATABASE_URL',
}, () => {
  const LEASE_MS = 1500;
  let db: TestDatabase & { url: string };
  let broker: Mosquitto;
  let sensor: MqttClient;
  let nodes: TestPlatform[] = [];
  let token: string;
  let s: Scenario;

  const api = (i: number) => controlClient(nodes[i]!, token);
  const publish = async (records: unknown[]) => {
    for (const r of records) await sensor.publishAsync('nodes/parking', JSON.stringify(r), { qos: 1 });
  };
  const leases = async () =>
    (
      await nodes[0]!.store.query<{ node: string }>(sql`
        SELECT node FROM ctl_pipeline_leases WHERE pipeline_id = ${s.pipeline.id} AND lease_until > now()`)
    ).rows.map((r) => r.node);

  before(async () => {
    db = await createTestDatabase();
    broker = await startMosquitto();
    sensor = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'nodes-sensors' });
    // Nodes of one installation share the database and the instance secret (sealed source configs).
    const secretKey = randomBytes(32).toString('base64');
    const config = { databaseUrl: db.url, pipelineLeaseMs: LEASE_MS, secretKey };
    nodes = [await startTestPlatform('pglite', config), await startTestPlatform('pglite', config)];
    token = await nodes[0]!.adminToken();
    s = await buildScenario(api(0), 'nodes', {
      connectorType: 'mqtt-subscribe',
      config: { urls: [`mqtt://127.0.0.1:${broker.port}`], topic: 'nodes/#', qos: 1 },
    });
    const res = await api(0).post(`/datasets/${s.dataSet.id}/release`);
    assert.equal(res.statusCode, 200, res.body);
  });
  after(async () => {
    await sensor?.endAsync();
    for (const n of nodes) await n.dispose().catch(() => {});
    await broker?.stop();
    await db?.drop();
  });

  test('the MQTT pipeline runs on exactly one node; both nodes report which', async () => {
    const onA = await waitForStatus(api(0), s.pipeline.id, (st) => st.state === 'running');
    const onB = await waitForStatus(api(1), s.pipeline.id, (st) => st.state === 'running');
    const running = (onA as unknown as { node: string }).node;
    assert.ok(running);
    assert.equal((onB as unknown as { node: string }).node, running);
    // Give the other node a few lease rounds: it must not take the pipeline as well.
    await new Promise((r) => setTimeout(r, LEASE_MS));
    assert.deepEqual(await leases(), [running]);
    await publish(parkingRecords(20));
    const st = await waitForStatus(api(1), s.pipeline.id, (x) => x.counters.in === 20);
    assert.deepEqual(st.counters, { in: 20, out: 20, filtered: 0, rejected: 0 });
    assert.equal(await observationCount(nodes[1]!, token), 20);
  });

  test('a push pipeline takes records on every node', async () => {
    const push = await buildScenario(api(0), 'nodes push', { connectorType: 'http-push', config: {} });
    assert.equal((await api(0).post(`/datasets/${push.dataSet.id}/release`)).statusCode, 200);
    const key = (push.dataSource.ingest as { key: string }).key;
    for (const [i, n] of nodes.entries()) {
      // The other node learns of the release on its next round.
      await waitForStatus(api(i), push.pipeline.id, (st) => st.state === 'running');
      const res = await n.app.inject({
        method: 'POST',
        url: `/api/v1/ingest/${push.dataSource.id}`,
        headers: { 'x-ingest-key': key, 'content-type': 'application/json' },
        payload: JSON.stringify(parkingRecords(2, 30 + i, 100)),
      });
      assert.equal(res.statusCode, 200, `node ${i}: ${res.body}`);
    }
    const st = await waitForStatus(api(0), push.pipeline.id, () => true);
    assert.deepEqual(st.counters, { in: 4, out: 4, filtered: 0, rejected: 0 });
  });

  test('a stop made through the node that does not run it stops it on the other', async () => {
    const owner = (await leases())[0]!;
    const other = nodes.findIndex((n) => n.pipelineNode !== owner);
    assert.equal((await api(other).post(`/pipelines/${s.pipeline.id}/stop`)).statusCode, 200);
    await waitForStatus(api(1 - other), s.pipeline.id, (st) => st.state === 'stopped', 10_000);
    assert.deepEqual(await leases(), []);
    const started = await api(other).post(`/pipelines/${s.pipeline.id}/start`);
    assert.equal(started.statusCode, 200, started.body);
    await waitForStatus(api(0), s.pipeline.id, (st) => st.state === 'running');
    assert.equal((await leases()).length, 1);
  });

  test('when the node running it goes away, the other takes the pipeline over; nothing is lost', async () => {
    const owner = (await leases())[0]!;
    const ownerIndex = nodes.findIndex((n) => n.pipelineNode === owner);
    assert.ok(ownerIndex >= 0, `${owner} is one of the two nodes`);
    const survivor = 1 - ownerIndex;
    await nodes[ownerIndex]!.dispose();
    // Readings published while nobody runs the pipeline wait in the broker's persistent session.
    await publish(parkingRecords(10, 5));
    const st = await waitForStatus(
      api(survivor),
      s.pipeline.id,
      (x) => x.state === 'running' && x.counters.in === 30,
      20_000,
    );
    assert.notEqual((st as unknown as { node: string }).node, owner);
    assert.deepEqual(st.counters, { in: 30, out: 30, filtered: 0, rejected: 0 });
    // 30 read from MQTT, plus the 4 pushed through both nodes.
    assert.equal(await observationCount(nodes[survivor]!, token), 34);
    nodes = [nodes[survivor]!];
  });
});
