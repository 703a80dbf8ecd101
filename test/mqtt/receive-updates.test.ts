import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectMqtt, settle, type TestMqttClient } from '../support/mqtt-client.ts';
import { storeKinds } from '../support/test-store.ts';
import {
  ADMIN,
  ALICE,
  datastreamBody,
  type MqttFixture,
  OTHER_ALICE,
  startMqttFixture,
} from './mqtt-fixture.ts';

/**
 * OGC 18-088 §14.2, receive updates via MQTT: subscribe first, then write over HTTP; the notification is
 * the entity exactly as HTTP GET shows it, only on the topics that match, only after a commit, and never
 * across tenants.
 */
for (const kind of storeKinds()) {
  describe(`MQTT receive updates (${kind})`, () => {
    let f: MqttFixture;
    let alice: TestMqttClient;

    before(async () => {
      f = await startMqttFixture(kind);
      alice = await connectMqtt(f.mqttUrl, ALICE);
    });
    after(async () => {
      await alice?.end();
      await f?.dispose();
    });

    const subscribe = async (c: TestMqttClient, topic: string) => {
      const granted = await c.client.subscribeAsync(topic, { qos: 1 });
      assert.equal(granted[0]?.qos, 1, `subscription to ${topic} granted`);
    };

    test('entity set: a Thing created over HTTP arrives as HTTP GET shows it', async () => {
      await subscribe(alice, 'v1.1/Things');
      const res = await f.sta('POST', 'Things', { name: 'lamp post 7', description: 'a lamp post' });
      assert.equal(res.status, 201);
      const got = await alice.nextJson('v1.1/Things');
      const id = res.body['@iot.id'];
      assert.deepEqual(got, (await f.sta('GET', `Things(${id})`)).body);
      await alice.client.unsubscribeAsync('v1.1/Things');
    });

    test('$select on a topic keeps only the named members', async () => {
      const topic = `v1.1/Datastreams(${f.datastream})/Observations?$select=id,result,phenomenonTime`;
      await subscribe(alice, topic);
      const res = await f.sta('POST', `Datastreams(${f.datastream})/Observations`, {
        result: 17.25,
        phenomenonTime: '2024-05-01T10:00:00Z',
      });
      assert.equal(res.status, 201);
      const got = await alice.nextJson(topic);
      const id = res.body['@iot.id'];
      assert.deepEqual(
        got,
        (await f.sta('GET', `Observations(${id})?$select=id,result,phenomenonTime`)).body,
      );
      assert.deepEqual(Object.keys(got).sort(), ['@iot.id', '@iot.selfLink', 'phenomenonTime', 'result']);
      // Without id in $select there is no @iot.id either (18-088 §9.3.2.2), as over HTTP.
      const bare = `v1.1/Datastreams(${f.datastream})/Observations?$select=result`;
      await subscribe(alice, bare);
      const again = await f.sta('POST', `Datastreams(${f.datastream})/Observations`, { result: 18 });
      assert.deepEqual(await alice.nextJson(bare), { result: 18 });
      assert.deepEqual((await f.sta('GET', `Observations(${again.body['@iot.id']})?$select=result`)).body, {
        result: 18,
      });
      assert.equal((await alice.nextJson(topic)).result, 18);
      await alice.client.unsubscribeAsync([topic, bare]);
    });

    test('navigation set: only Observations of that Datastream', async () => {
      const topic = `v1.1/Datastreams(${f.datastream})/Observations`;
      await subscribe(alice, topic);
      const other = await f.sta('POST', 'Observations', {
        result: 1,
        Datastream: { '@iot.id': f.otherDatastream },
      });
      const mine = await f.sta('POST', 'Observations', {
        result: 2,
        Datastream: { '@iot.id': f.datastream },
      });
      assert.equal(other.status, 201);
      assert.equal(mine.status, 201);
      const got = await alice.nextJson(topic);
      assert.equal(got['@iot.id'], mine.body['@iot.id']);
      assert.deepEqual(got, (await f.sta('GET', `Observations(${mine.body['@iot.id']})`)).body);
      await settle();
      assert.equal(alice.pending(topic).length, 0);
    });

    test('navigation set over a junction: a Location created for the Thing', async () => {
      const topic = `v1.1/Things(${f.thing})/Locations`;
      await subscribe(alice, topic);
      const res = await f.sta('POST', `Things(${f.thing})/Locations`, {
        name: 'there',
        description: 'moved',
        encodingType: 'application/geo+json',
        location: { type: 'Point', coordinates: [8.5, 49.1] },
      });
      assert.equal(res.status, 201);
      const got = await alice.nextJson(topic);
      assert.deepEqual(got, (await f.sta('GET', `Locations(${res.body['@iot.id']})`)).body);
    });

    test('navigation set over a junction: an existing Location linked with $ref', async () => {
      const topic = `v1.1/Things(${f.thing})/Locations`;
      await subscribe(alice, topic);
      const loc = await f.sta('POST', 'Locations', {
        name: 'depot',
        description: 'where it stays overnight',
        encodingType: 'application/geo+json',
        location: { type: 'Point', coordinates: [8.6, 49.2] },
      });
      assert.equal(loc.status, 201);
      const link = await f.sta('POST', `Things(${f.thing})/Locations/$ref`, {
        '@iot.id': loc.body['@iot.id'],
      });
      assert.ok(link.status === 201 || link.status === 204, JSON.stringify(link.body));
      const got = await alice.nextJson(topic);
      assert.deepEqual(got, (await f.sta('GET', `Locations(${loc.body['@iot.id']})`)).body);
      // The other end: the Thing joined the Location's Things.
      const back = `v1.1/Locations(${loc.body['@iot.id']})/Things`;
      await subscribe(alice, back);
      const other = await f.sta('POST', 'Things', { name: 'second lamp', description: 'x' });
      await f.sta('POST', `Locations(${loc.body['@iot.id']})/Things/$ref`, {
        '@iot.id': other.body['@iot.id'],
      });
      const thing = await alice.nextJson(back);
      assert.equal(thing['@iot.id'], other.body['@iot.id']);
      await alice.client.unsubscribeAsync([topic, back]);
    });

    test('entity and property topics: updates; a property topic only when that property changed', async () => {
      const created = await f.sta('POST', 'Things', { name: 'bench', description: 'wooden' });
      const id = created.body['@iot.id'];
      await subscribe(alice, `v1.1/Things(${id})`);
      await subscribe(alice, `v1.1/Things(${id})/name`);
      assert.equal((await f.sta('PATCH', `Things(${id})`, { description: 'metal' })).status, 200);
      assert.equal((await alice.nextJson(`v1.1/Things(${id})`)).description, 'metal');
      assert.equal((await f.sta('PATCH', `Things(${id})`, { name: 'bench 2' })).status, 200);
      assert.deepEqual(await alice.nextJson(`v1.1/Things(${id})/name`), { name: 'bench 2' });
      const entity = await alice.nextJson(`v1.1/Things(${id})`);
      assert.deepEqual(entity, (await f.sta('GET', `Things(${id})`)).body);
      await settle();
      assert.equal(alice.pending(`v1.1/Things(${id})/name`).length, 0, 'no name message for the description');
    });

    test('a rolled-back write notifies nobody', async () => {
      await subscribe(alice, 'v1.1/Things');
      await subscribe(alice, 'v1.1/Sensors');
      // The Thing, the first Datastream and its Sensor are inserted before the second Datastream's link to a
      // Sensor that does not exist fails the transaction.
      const bad = await f.sta('POST', 'Things', {
        name: 'rolled back',
        description: 'never committed',
        Datastreams: [datastreamBody('ok'), { ...datastreamBody('broken'), Sensor: { '@iot.id': 999999 } }],
      });
      assert.equal(bad.status, 400);
      const good = await f.sta('POST', 'Things', { name: 'committed', description: 'after the failure' });
      assert.equal(good.status, 201);
      assert.equal((await alice.nextJson('v1.1/Things'))['@iot.id'], good.body['@iot.id']);
      await settle();
      assert.equal(alice.pending('v1.1/Sensors').length, 0);
      assert.equal(alice.pending('v1.1/Things').length, 0);
      await alice.client.unsubscribeAsync(['v1.1/Things', 'v1.1/Sensors']);
    });

    test('tenants: an event of one tenant never reaches a subscriber of another', async () => {
      const other = await connectMqtt(f.mqttUrl, OTHER_ALICE);
      const admin = await connectMqtt(f.mqttUrl, ADMIN);
      try {
        await subscribe(other, 't/othertenant/v1.1/Things');
        await subscribe(admin, 'v1.1/Things');
        const theirs = await f.sta('POST', 'Things', { name: 'theirs', description: 'x' }, 'other');
        assert.equal(theirs.status, 201);
        const got = await other.nextJson('t/othertenant/v1.1/Things');
        assert.equal(got.name, 'theirs');
        assert.match(String(got['@iot.selfLink']), /\/t\/othertenant\/sta\/v1\.1\/Things\(\d+\)$/);
        assert.deepEqual(
          got,
          (await f.sta('GET', `Things(${theirs.body['@iot.id']})`, undefined, 'other')).body,
        );
        const ours = await f.sta('POST', 'Things', { name: 'ours', description: 'y' });
        assert.equal((await admin.nextJson('v1.1/Things')).name, 'ours');
        await settle();
        assert.equal(other.pending('t/othertenant/v1.1/Things').length, 0);
        assert.equal(admin.pending('v1.1/Things').length, 0);
        assert.ok(ours.body['@iot.id']);
      } finally {
        await other.end();
        await admin.end();
      }
    });

    test('a persistent session gets what happened while it was away (QoS 1)', async () => {
      const clientId = `persistent-${kind}`;
      const first = await connectMqtt(f.mqttUrl, { ...ALICE, clientId, clean: false });
      await subscribe(first, 'v1.1/Sensors');
      await first.end();
      const res = await f.sta('POST', 'Sensors', {
        name: 'offline',
        description: 'x',
        encodingType: 'text/html',
        metadata: 'm',
      });
      assert.equal(res.status, 201);
      const back = await connectMqtt(f.mqttUrl, { ...ALICE, clientId, clean: false });
      try {
        assert.equal((await back.nextJson('v1.1/Sensors'))['@iot.id'], res.body['@iot.id']);
      } finally {
        await back.client.unsubscribeAsync('v1.1/Sensors');
        await back.end();
      }
    });

    test('v1.0 topics link to the v1.0 tree', async () => {
      await subscribe(alice, 'v1.0/ObservedProperties');
      const res = await f.sta('POST', 'ObservedProperties', {
        name: 'noise',
        description: 'dB',
        definition: 'x',
      });
      const got = await alice.nextJson('v1.0/ObservedProperties');
      assert.equal(got['@iot.id'], res.body['@iot.id']);
      assert.match(String(got['@iot.selfLink']), /\/sta\/v1\.0\/ObservedProperties\(\d+\)$/);
    });
  });
}
