import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { type ControlClient, controlClient } from '../support/control-client.ts';
import { type Mosquitto, startMosquitto } from '../support/mosquitto.ts';
import {
  buildScenario,
  featureIds,
  fixAndReplay,
  observationCount,
  parkingRecords,
  type Scenario,
  waitForStatus,
} from '../support/pipeline-scenario.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

/**
 * Issue 4 end to end with an MQTT source on a real Mosquitto broker: readings published by sensors reach
 * the features table and SensorThings; a stopped pipeline loses nothing (the broker keeps its persistent
 * session's messages until the restart acknowledges them); dead letters are fixed and replayed.
 */
describe('pipeline from an MQTT broker', () => {
  let broker: Mosquitto;
  let sensor: MqttClient;
  let platform: TestPlatform;
  let token: string;
  let api: ControlClient;
  let s: Scenario;

  const publish = async (records: unknown[]) => {
    for (const [i, r] of records.entries()) {
      await sensor.publishAsync(`jena/parking/${i}`, JSON.stringify(r), { qos: 1 });
    }
  };

  before(async () => {
    broker = await startMosquitto();
    sensor = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'jena-sensors' });
    platform = await startTestPlatform();
    token = await platform.adminToken();
    api = controlClient(platform, token);
    s = await buildScenario(api, 'mqtt', {
      connectorType: 'mqtt-subscribe',
      config: { urls: [`mqtt://127.0.0.1:${broker.port}`], topic: 'jena/parking/#', qos: 1 },
    });
    const released = await api.post(`/datasets/${s.dataSet.id}/release`);
    assert.equal(released.statusCode, 200, released.body);
    await waitForStatus(api, s.pipeline.id, (st) => st.state === 'running');
  });
  after(async () => {
    await sensor?.endAsync();
    await platform?.dispose();
    await broker?.stop();
  });

  test('published readings land in both sinks; a bad one in the dead letters', async () => {
    const records: unknown[] = parkingRecords(30);
    records.push({ ...parkingRecords(1, 0, 30)[0]!, free: 'n/a' });
    await publish(records);
    const status = await waitForStatus(api, s.pipeline.id, (st) => st.counters.in === 31);
    assert.deepEqual(status.counters, { in: 31, out: 30, filtered: 0, rejected: 1 });
    assert.equal(status.state, 'running');
    assert.equal((await featureIds(platform, token, String(s.dataSet.identifier))).size, 30);
    assert.equal(await observationCount(platform, token), 30);
  });

  test('dead letters are fixed by changing the mapping and replayed', async () => {
    await fixAndReplay(api, s, 'P31');
    assert.equal((await featureIds(platform, token, String(s.dataSet.identifier))).size, 31);
  });

  test('the running pipeline uses the changed mapping for new readings', async () => {
    await publish([{ ...parkingRecords(1, 2)[0]!, free: 'n/a' }]);
    const status = await waitForStatus(api, s.pipeline.id, (st) => st.counters.in === 32);
    assert.deepEqual(status.counters, { in: 32, out: 32, filtered: 0, rejected: 0 });
  });

  test('readings published while the pipeline is stopped arrive after the start, none twice', async () => {
    const stopped = await api.post(`/pipelines/${s.pipeline.id}/stop`);
    assert.equal(stopped.statusCode, 200, stopped.body);
    assert.equal(stopped.json().status.state, 'stopped');
    await publish(parkingRecords(40, 10));
    // Nothing is taken while stopped.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await waitForStatus(api, s.pipeline.id, () => true)).counters.in, 32);
    const started = await api.post(`/pipelines/${s.pipeline.id}/restart`);
    assert.equal(started.statusCode, 200, started.body);
    const status = await waitForStatus(api, s.pipeline.id, (st) => st.counters.in >= 72);
    await new Promise((r) => setTimeout(r, 300));
    const settled = await waitForStatus(api, s.pipeline.id, () => true);
    assert.deepEqual(settled.counters, { in: 72, out: 72, filtered: 0, rejected: 0 });
    assert.equal(status.state, 'running');
    assert.equal(await observationCount(platform, token), 30 + 1 + 1 + 40);
  });

  test('a restart of urbs resumes the pipeline and its session: readings sent meanwhile arrive', async () => {
    const before = (await waitForStatus(api, s.pipeline.id, () => true)).counters.in;
    // While urbs is down the sensors keep publishing; the broker keeps them for the persistent session.
    platform = await platform.restart(() => publish(parkingRecords(3, 20)));
    token = await platform.adminToken();
    api = controlClient(platform, token);
    const status = await waitForStatus(api, s.pipeline.id, (st) => st.counters.in === before + 3);
    assert.equal(status.state, 'running');
    assert.equal((await api.get(`/pipelines/${s.pipeline.id}`)).json().desiredState, 'RUNNING');
  });
});
