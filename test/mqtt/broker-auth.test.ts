import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectMqtt } from '../support/mqtt-client.ts';
import { startTestPlatform } from '../support/test-platform.ts';
import { primaryKind, storeKinds } from '../support/test-store.ts';
import { ADMIN, ALICE, type MqttFixture, OTHER_ALICE, startMqttFixture } from './mqtt-fixture.ts';

const RECEIVE = 'http://www.opengis.net/spec/iot_sensing/1.1/req/receive-updates-via-mqtt/receive-updates';
const CREATE =
  'http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation';

/** Who may connect, subscribe and publish (CONTRACT.md, MQTT); every refusal is by the broker. */
for (const kind of storeKinds()) {
  describe(`MQTT broker authentication and authorisation (${kind})`, () => {
    let f: MqttFixture;

    before(async () => {
      f = await startMqttFixture(kind);
    });
    after(() => f?.dispose());

    const refusedSubscription = async (c: Awaited<ReturnType<typeof connectMqtt>>, topic: string) => {
      // SUBACK return code 0x80, which mqtt.js reports as "Unspecified error".
      await assert.rejects(
        c.client.subscribeAsync(topic, { qos: 1 }),
        /Subscribe error: Unspecified error/,
        topic,
      );
    };

    test('wrong credentials: CONNACK "bad username or password"', async () => {
      for (const creds of [
        { username: 'alice', password: 'wrong' },
        { username: 'nobody', password: 'x' },
        { username: 'othertenant/alice', password: ALICE.password },
        { username: 'nosuchtenant/alice', password: ALICE.password },
      ]) {
        await assert.rejects(connectMqtt(f.mqttUrl, creds), (err: Error & { code?: number }) => {
          assert.equal(err.code, 4, `${creds.username}: ${err.message}`);
          return true;
        });
      }
    });

    test('built-in accounts of both tenants connect', async () => {
      for (const creds of [ALICE, OTHER_ALICE, ADMIN]) {
        const c = await connectMqtt(f.mqttUrl, creds);
        assert.equal(c.client.connected, true);
        await c.end();
      }
    });

    test('anonymous clients connect but may neither subscribe nor publish', async () => {
      const c = await connectMqtt(f.mqttUrl);
      try {
        await refusedSubscription(c, 'v1.1/Things');
        await refusedSubscription(c, `urbs/errors/${c.clientId}`);
        const before = await f.observationCount();
        c.client.publish(`v1.1/Datastreams(${f.datastream})/Observations`, '{"result":1}', { qos: 1 });
        await c.closed;
        assert.equal(await f.observationCount(), before);
      } finally {
        await c.end();
      }
    });

    test("another tenant's topics, wildcards and foreign error topics are refused", async () => {
      const alice = await connectMqtt(f.mqttUrl, ALICE);
      const other = await connectMqtt(f.mqttUrl, OTHER_ALICE);
      try {
        await refusedSubscription(alice, 't/othertenant/v1.1/Things');
        await refusedSubscription(other, 'v1.1/Things');
        await refusedSubscription(other, 't/default/v1.1/Things');
        for (const topic of ['#', 'v1.1/#', 'v1.1/+', 'v1.1/Datastreams(1)/+', '$SYS/#', 'urbs/errors/+']) {
          await refusedSubscription(alice, topic);
        }
        await refusedSubscription(alice, `urbs/errors/${other.clientId}`);
        await refusedSubscription(alice, 'v1.1/Thingz');
        // …while their own topics are granted.
        assert.equal((await other.client.subscribeAsync('t/othertenant/v1.1/Things', { qos: 1 }))[0]?.qos, 1);
        assert.equal(
          (await alice.client.subscribeAsync(`urbs/errors/${alice.clientId}`, { qos: 1 }))[0]?.qos,
          1,
        );
      } finally {
        await alice.end();
        await other.end();
      }
    });

    test('a refused subscription is explained on the error topic', async () => {
      const alice = await connectMqtt(f.mqttUrl, ALICE);
      try {
        await alice.client.subscribeAsync(`urbs/errors/${alice.clientId}`, { qos: 1 });
        await refusedSubscription(alice, 'v1.1/Things(1)/colour');
        const p = await alice.nextJson(`urbs/errors/${alice.clientId}`);
        assert.equal(p.status, 403);
        assert.equal(p.instance, 'v1.1/Things(1)/colour');
        assert.match(String(p.detail), /colour is not a property or navigation property of Thing/);
      } finally {
        await alice.end();
      }
    });

    test('the service root advertises the endpoint', async () => {
      const root = await f.sta('GET', '');
      const settings = root.body.serverSettings as Record<string, unknown> & { conformance: string[] };
      assert.ok(settings.conformance.includes(RECEIVE));
      assert.ok(settings.conformance.includes(CREATE));
      assert.deepEqual(settings[RECEIVE], { endpoints: [f.mqttUrl] });
      assert.deepEqual(settings[CREATE], { endpoints: [f.mqttUrl] });
    });
  });
}

describe('MQTT off', () => {
  test('no broker, no MQTT conformance', async () => {
    const p = await startTestPlatform(primaryKind(), { mqttPort: null });
    try {
      assert.equal(p.mqttUrl, undefined);
      const res = await p.app.inject({ method: 'GET', url: '/sta/v1.1' });
      const settings = res.json().serverSettings as { conformance: string[] };
      assert.equal(settings.conformance.includes(RECEIVE), false);
    } finally {
      await p.dispose();
    }
  });
});
