import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Principal } from '../auth/principal.ts';
import { staRegistry } from '../model/sta/index.ts';
import { authorizeSubscribe } from './authorize-subscribe.ts';
import { parseStaTopic, type StaTopic, whyNotObservationTopic } from './topic-to-query.ts';

const parse = (topic: string) => parseStaTopic(staRegistry, topic, 'default');
const ok = (topic: string): StaTopic => {
  const r = parse(topic);
  assert.equal(r.error, undefined, `${topic}: ${r.error}`);
  return r.topic!;
};
const refused = (topic: string, pattern: RegExp) => {
  const r = parse(topic);
  assert.ok(r.error, `${topic} should be refused`);
  assert.match(r.error!, pattern);
};

describe('parseStaTopic', () => {
  test('entity set', () => {
    const t = ok('v1.1/Things');
    assert.equal(t.kind, 'entitySet');
    assert.equal(t.entity.name, 'Thing');
    assert.equal(t.tenant, 'default');
    assert.equal(t.tenantPrefix, '');
    assert.equal(t.version, 'v1.1');
    assert.equal(t.select, undefined);
  });

  test('entity, property, navigation set', () => {
    const e = ok('v1.1/Datastreams(5)');
    assert.deepEqual([e.kind, e.entity.name, e.id], ['entity', 'Datastream', 5]);
    const p = ok('v1.1/Things(12)/name');
    assert.deepEqual([p.kind, p.entity.name, p.id, p.property?.name], ['property', 'Thing', 12, 'name']);
    const n = ok('v1.1/Datastreams(5)/Observations');
    assert.equal(n.kind, 'navigationSet');
    assert.equal(n.entity.name, 'Observation');
    assert.equal(n.parent?.entity.name, 'Datastream');
    assert.equal(n.parent?.id, 5);
    assert.equal(n.parent?.relation.name, 'Observations');
  });

  test('v1.0 and tenant prefix', () => {
    assert.equal(ok('v1.0/Things').version, 'v1.0');
    const t = ok('t/othertenant/v1.1/Observations');
    assert.equal(t.tenant, 'othertenant');
    assert.equal(t.tenantPrefix, 't/othertenant/');
  });

  test('$select keeps first path segments, deduplicated', () => {
    assert.deepEqual(ok('v1.1/Observations?$select=result,phenomenonTime').select, [
      'result',
      'phenomenonTime',
    ]);
    assert.deepEqual(ok('v1.1/Things(1)?$select=id,name,Datastreams').select, ['id', 'name', 'Datastreams']);
    assert.deepEqual(ok('v1.1/Things?$select=properties/owner,properties').select, ['properties']);
    assert.deepEqual(ok('v1.1/Datastreams(1)/Observations?$select=result').select, ['result']);
  });

  test('refusals name the problem', () => {
    refused('v1.1/#', /wildcards/);
    refused('v1.1/+/Observations', /wildcards/);
    refused('v1.1/Datastreams(+)/Observations', /wildcards/);
    refused('v2.0/Things', /unknown version/);
    refused('v1.1/Thingz', /not an entity set/);
    refused('v1.1/Things(1)/colour', /not a property or navigation property of Thing/);
    refused('v1.1/Datastreams(1)/Thing', /single entity/);
    refused('v1.1/Things/Datastreams', /needs an id/);
    refused('v1.1/Things(1)/Datastreams(2)/Observations', /expected/);
    refused('v1.1/Things(abc)', /not an entity set/);
    refused('v1.1/', /expected/);
    refused('v1.1/Things?$filter=name eq 1', /only one \$select/);
    refused('v1.1/Things?$select=name&$select=description', /only one \$select/);
    refused('v1.1/Things?$select=colour', /colour is not a property of Thing/);
    refused('v1.1/Things?$select=', /\$select/);
    refused('v1.1/Things(1)/name?$select=name', /no \$select/);
    refused('t//v1.1/Things', /tenant/);
  });

  test('publish topics: Observations collections only', () => {
    assert.equal(whyNotObservationTopic(ok('v1.1/Observations')), undefined);
    assert.equal(whyNotObservationTopic(ok('v1.1/Datastreams(1)/Observations')), undefined);
    assert.equal(whyNotObservationTopic(ok('v1.1/MultiDatastreams(1)/Observations')), undefined);
    assert.equal(whyNotObservationTopic(ok('t/x/v1.1/FeaturesOfInterest(1)/Observations')), undefined);
    assert.match(whyNotObservationTopic(ok('v1.1/Things'))!, /only Observations/);
    assert.match(whyNotObservationTopic(ok('v1.1/Observations(1)'))!, /collection/);
    assert.match(whyNotObservationTopic(ok('v1.1/Observations?$select=result'))!, /no query/);
  });
});

describe('authorizeSubscribe', () => {
  const alice: Principal = {
    subject: 'user:2',
    tenant: 'default',
    username: 'alice',
    roles: [],
    via: 'password',
  };
  const check = (principal: Principal | null, topic: string, clientId = 'c1') =>
    authorizeSubscribe(staRegistry, 'default', { principal }, clientId, topic);

  test('anonymous clients may subscribe to nothing', () => {
    assert.equal(check(null, 'v1.1/Things').allowed, false);
    assert.equal(check(null, 'urbs/errors/c1').allowed, false);
  });

  test('own tenant topics and own error topic', () => {
    assert.equal(check(alice, 'v1.1/Things').allowed, true);
    assert.equal(check(alice, 't/default/v1.1/Things').allowed, true);
    assert.equal(check(alice, 'urbs/errors/c1').allowed, true);
    assert.equal(check(alice, 'urbs/errors/c2').allowed, false);
  });

  test('other tenants, wildcards and other topics are refused', () => {
    assert.match(String(check(alice, 't/othertenant/v1.1/Things').reason), /another tenant/);
    const other = { ...alice, tenant: 'othertenant' };
    assert.match(String(check(other, 'v1.1/Things').reason), /another tenant/);
    assert.equal(check(other, 't/othertenant/v1.1/Things').allowed, true);
    assert.match(String(check(alice, '#').reason), /not a SensorThings topic/);
    assert.match(String(check(alice, 'v1.1/#').reason), /wildcards/);
    assert.match(String(check(alice, '$SYS/#').reason), /not a SensorThings topic/);
    assert.match(String(check(alice, '$urbs/published/v1.1/Observations').reason), /not a SensorThings/);
  });
});
