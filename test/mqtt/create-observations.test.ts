import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectMqtt, settle, type TestMqttClient } from '../support/mqtt-client.ts';
import { storeKinds } from '../support/test-store.ts';
import { ALICE, type MqttFixture, startMqttFixture } from './mqtt-fixture.ts';

/**
 * OGC 18-088 §14.1, create Observations via MQTT: a QoS 1 PUBLISH is acknowledged only after its commit,
 * subscribers get the committed entity (never the raw packet), invalid payloads are reported on
 * `urbs/errors/{clientId}` with nothing written, and a burst of publishes from one client loses nothing.
 */
for (const kind of storeKinds()) {
  describe(`MQTT create Observations (${kind})`, () => {
    let f: MqttFixture;
    let sensor: TestMqttClient;
    let errors: string;

    before(async () => {
      f = await startMqttFixture(kind);
      sensor = await connectMqtt(f.mqttUrl, ALICE);
      errors = `urbs/errors/${sensor.clientId}`;
      await sensor.client.subscribeAsync(errors, { qos: 1 });
    });
    after(async () => {
      await sensor?.end();
      await f?.dispose();
    });

    const publish = (topic: string, body: unknown) =>
      sensor.client.publishAsync(topic, typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });

    test('publish, then read via HTTP and via a subscription; the raw packet is not forwarded', async () => {
      const watcher = await connectMqtt(f.mqttUrl, ALICE);
      try {
        const topic = `v1.1/Datastreams(${f.datastream})/Observations`;
        await watcher.client.subscribeAsync([topic, 'v1.1/Observations'], { qos: 1 });
        const before = await f.observationCount();
        await publish(topic, { result: 21.5, phenomenonTime: '2024-06-01T12:00:00Z' });
        // PUBACK came after the commit: the Observation is readable right away.
        assert.equal(await f.observationCount(), before + 1);
        const got = await watcher.nextJson(topic);
        const id = got['@iot.id'];
        assert.equal(typeof id, 'number');
        const http = await f.sta('GET', `Observations(${id})`);
        assert.equal(http.status, 200);
        assert.equal(http.body.result, 21.5);
        assert.deepEqual(got, http.body);
        assert.deepEqual(await watcher.nextJson('v1.1/Observations'), http.body);
        await settle();
        assert.equal(watcher.pending(topic).length, 0, 'exactly one message: no raw packet');
        assert.equal(sensor.pending(errors).length, 0);
      } finally {
        await watcher.end();
      }
    });

    test('the other creation topics', async () => {
      const before = await f.observationCount();
      await publish('v1.1/Observations', { result: 1, Datastream: { '@iot.id': f.datastream } });
      const fois = await f.sta('GET', 'FeaturesOfInterest?$top=1');
      const foi = fois.body.value![0]!['@iot.id'];
      await publish(`v1.1/FeaturesOfInterest(${foi})/Observations`, {
        result: 2,
        Datastream: { '@iot.id': f.datastream },
      });
      // An inline FeatureOfInterest takes createEntity's deep-insert path.
      await publish(`v1.1/Datastreams(${f.datastream})/Observations`, {
        result: 3,
        FeatureOfInterest: {
          name: 'spot',
          description: 'a spot',
          encodingType: 'application/geo+json',
          feature: { type: 'Point', coordinates: [8.41, 49.01] },
        },
      });
      assert.equal(await f.observationCount(), before + 3);
      const last = await f.sta(
        'GET',
        `Datastreams(${f.datastream})/Observations?$orderby=id desc&$top=1&$expand=FeatureOfInterest`,
      );
      assert.equal((last.body.value![0]!.FeatureOfInterest as Record<string, unknown>).name, 'spot');
      const atFoi = await f.sta('GET', `FeaturesOfInterest(${foi})/Observations?$filter=result eq 2`);
      assert.equal(atFoi.body.value!.length, 1);
      assert.equal(sensor.pending(errors).length, 0);
    });

    test('QoS 0 and QoS 2 publishes create too', async () => {
      const before = await f.observationCount();
      const topic = `v1.1/Datastreams(${f.datastream})/Observations`;
      await sensor.client.publishAsync(topic, JSON.stringify({ result: 'qos2' }), { qos: 2 });
      // PUBCOMP came after the commit.
      assert.equal(await f.observationCount(), before + 1);
      await sensor.client.publishAsync(topic, JSON.stringify({ result: 'qos0' }), { qos: 0 });
      for (let i = 0; i < 50 && (await f.observationCount()) < before + 2; i++) await settle(100);
      assert.equal(await f.observationCount(), before + 2);
    });

    test('invalid payloads: problem details on urbs/errors/{clientId}, nothing written, connection stays', async () => {
      const before = await f.observationCount();
      const topic = `v1.1/Datastreams(${f.datastream})/Observations`;
      await publish(topic, 'not json');
      const json = await sensor.nextJson(errors);
      assert.equal(json.status, 400);
      assert.equal(json.type, 'urn:urbs:problem:invalid-json');
      assert.equal(json.instance, topic);
      assert.equal(typeof json.messageId, 'number');

      await publish(topic, { phenomenonTime: '2024-06-01T12:00:00Z' });
      const missing = await sensor.nextJson(errors);
      assert.equal(missing.status, 400);
      assert.equal(missing.field, 'result');

      await publish('v1.1/Datastreams(999999)/Observations', { result: 5 });
      assert.match(String((await sensor.nextJson(errors)).detail), /Datastream 999999 does not exist/);

      await publish(`v1.1/Datastreams(${f.foreignDatastream})/Observations`, { result: 5 });
      assert.match(
        String((await sensor.nextJson(errors)).detail),
        /does not exist/,
        "another tenant's Datastream",
      );

      await publish(topic, [{ result: 1 }]);
      assert.match(String((await sensor.nextJson(errors)).detail), /JSON object/);

      assert.equal(await f.observationCount(), before);
      assert.equal(sensor.client.connected, true);
    });

    test('one bad message among many: the others land, the bad one is reported', async () => {
      const before = await f.observationCount();
      const topic = `v1.1/Datastreams(${f.datastream})/Observations`;
      const sends = Array.from({ length: 40 }, (_, i) =>
        publish(topic, i === 17 ? { result: 1, phenomenonTime: 'yesterday' } : { result: i }),
      );
      await Promise.all(sends);
      assert.equal(await f.observationCount(), before + 39);
      const err = await sensor.nextJson(errors);
      assert.equal(err.status, 400);
      assert.equal(err.field, 'phenomenonTime');
      await settle();
      assert.equal(sensor.pending(errors).length, 0);
    });

    test('500 QoS 1 publishes from one client all land', async () => {
      const before = await f.observationCount();
      const topic = `v1.1/Datastreams(${f.otherDatastream})/Observations`;
      const start = Date.parse('2024-01-01T00:00:00Z');
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          publish(topic, { result: i, phenomenonTime: new Date(start + i * 1000).toISOString() }),
        ),
      );
      assert.equal(await f.observationCount(), before + 500);
      const res = await f.sta('GET', `Datastreams(${f.otherDatastream})/Observations?$count=true&$top=0`);
      assert.equal(res.body['@iot.count'], 500);
      assert.equal(sensor.pending(errors).length, 0);
    });

    test('publishing to anything but an Observations collection closes the connection', async () => {
      for (const topic of [
        'v1.1/Things',
        'v1.1/Observations(1)',
        'some/topic',
        `t/othertenant/v1.1/Observations`,
      ]) {
        const c = await connectMqtt(f.mqttUrl, ALICE);
        c.client.publish(topic, JSON.stringify({ name: 'x', description: 'y' }), { qos: 1 });
        await c.closed;
        await c.end();
      }
    });
  });
}
