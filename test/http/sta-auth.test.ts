/**
 * Who may use /sta: credentials are required for SensorThings payloads (CONTRACT.md, Auth), and tenants
 * never see each other's entities, whatever the path, filter or expansion.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/auth/accounts.ts';
import { sql } from '../../src/core/query/sql.ts';
import { type StaClient, staClient } from '../conformance/sta/support/sta-client.ts';
import { assertProblem } from '../support/assert-problem.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const OTHER_PASSWORD = 'other-tenant-password';

const thingBody = (name: string) => ({
  name,
  description: `${name} thing`,
  Locations: [
    {
      name: `${name} place`,
      description: 'here',
      encodingType: 'application/geo+json',
      location: { type: 'Point', coordinates: [1, 2] },
    },
  ],
  Datastreams: [
    {
      name: `${name} stream`,
      description: 'a stream',
      observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
      unitOfMeasurement: { name: 'n', symbol: 'n', definition: 'urn:n' },
      Sensor: { name: `${name} sensor`, description: 's', encodingType: 'application/pdf', metadata: 'm' },
      ObservedProperty: { name: `${name} property`, definition: 'urn:p', description: 'p' },
      Observations: [{ phenomenonTime: '2024-01-01T00:00:00Z', result: 1 }],
    },
  ],
});

describe('STA: authentication and tenant isolation', () => {
  let platform: TestPlatform;
  let main: StaClient;
  let other: StaClient;
  let otherToken: string;
  let mainToken: string;
  let mainThing: number;
  let otherThing: number;

  before(async () => {
    platform = await startTestPlatform();
    await platform.store.query(sql`INSERT INTO tenants (id, name) VALUES ('other', 'Other')`);
    await createUser(platform.store, {
      tenant: 'other',
      username: 'olga',
      password: OTHER_PASSWORD,
      roles: ['admin'],
    });
    const res = await platform.app.inject({
      method: 'POST',
      url: '/auth/token',
      payload: { grant_type: 'password', username: 'olga', password: OTHER_PASSWORD, tenant: 'other' },
    });
    assert.equal(res.statusCode, 200, res.body);
    otherToken = res.json().access_token;
    mainToken = await platform.adminToken();
    main = staClient(platform, mainToken);
    other = staClient(platform, otherToken, '/t/other/sta/v1.1');
    mainThing = await main.create('Things', thingBody('main'));
    otherThing = await other.create('Things', thingBody('other'));
  });
  after(() => platform?.dispose());

  test('anonymous GET and POST on SensorThings entities are 401', async () => {
    for (const path of [
      'Things',
      `Things(${mainThing})`,
      'Observations?$top=1',
      `Things(${mainThing})/name/$value`,
    ]) {
      assertProblem(await main.get(path, null), 401);
    }
    const post = await platform.app.inject({
      method: 'POST',
      url: '/sta/v1.1/Things',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x', description: 'y' }),
    });
    assertProblem(post, 401);
    for (const method of ['PATCH', 'DELETE'] as const) {
      const res = await platform.app.inject({
        method,
        url: `/sta/v1.1/Things(${mainThing})`,
        ...(method === 'PATCH'
          ? { headers: { 'content-type': 'application/json' }, payload: '{"name":"x"}' }
          : {}),
      });
      assertProblem(res, 401);
    }
    assert.equal((await main.ok(`Things(${mainThing})`)).name, 'main', 'nothing changed');
  });

  test('an invalid bearer token is 401', async () => {
    assertProblem(await main.get('Things', 'not-a-token'), 401);
    assertProblem(await main.get('Things', `${mainToken.slice(0, -4)}AAAA`), 401);
  });

  test('each tenant sees its own entities only', async () => {
    assert.deepEqual(await main.ids('Things'), [mainThing]);
    assert.deepEqual(await other.ids('Things'), [otherThing]);
    assertProblem(await main.get(`Things(${otherThing})`), 404);
    assertProblem(await other.get(`Things(${mainThing})`), 404);
    const sets = [
      'Locations',
      'HistoricalLocations',
      'Datastreams',
      'Sensors',
      'ObservedProperties',
      'Observations',
      'FeaturesOfInterest',
    ];
    for (const set of sets) {
      const mine = await main.all(set);
      const theirs = await other.all(set);
      assert.equal(mine.length, 1, `${set} of default`);
      assert.equal(theirs.length, 1, `${set} of other`);
      assertProblem(await other.get(`${set}(${mine[0]!['@iot.id']})`), 404);
      assertProblem(await main.get(`${set}(${theirs[0]!['@iot.id']})`), 404);
    }
  });

  test('counts, filters, expansions and navigation do not cross tenants', async () => {
    assert.equal((await main.ok('Things?$count=true'))['@iot.count'], 1);
    assert.equal((await other.ok('Observations?$count=true'))['@iot.count'], 1);
    assert.deepEqual(await main.ids("Things?$filter=Datastreams/name eq 'other stream'"), []);
    assert.deepEqual(await other.ids('Things?$filter=Datastreams/Observations/result eq 1'), [otherThing]);
    const expanded = await other.ok(
      `Things(${otherThing})?$expand=Datastreams($expand=Observations,Sensor),Locations`,
    );
    assert.equal(expanded.Datastreams.length, 1);
    assert.equal(expanded.Datastreams[0].Observations.length, 1);
    assert.equal(expanded.Datastreams[0].Sensor.name, 'other sensor');
    const mainDs = (await main.ids(`Things(${mainThing})/Datastreams`))[0]!;
    assertProblem(await other.get(`Datastreams(${mainDs})/Observations`), 404);
    assertProblem(await other.get(`Things(${otherThing})/Datastreams(${mainDs})`), 404);
  });

  test('selfLinks of another tenant carry its /t/{tenant} prefix', async () => {
    const t = await other.ok(`Things(${otherThing})`);
    assert.equal(t['@iot.selfLink'], `http://localhost:80/t/other/sta/v1.1/Things(${otherThing})`);
  });

  test('writes cannot reach into another tenant', async () => {
    const mainDs = (await main.ids(`Things(${mainThing})/Datastreams`))[0]!;
    const mainSensor = (await main.ok(`Datastreams(${mainDs})/Sensor`))['@iot.id'];
    const link = await other.post('Datastreams', {
      name: 'sneaky',
      description: 'links a Thing of default',
      observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
      unitOfMeasurement: {},
      Thing: { '@iot.id': mainThing },
      Sensor: { '@iot.id': mainSensor },
      ObservedProperty: { name: 'p', definition: 'p', description: 'p' },
    });
    assertProblem(link, 400);
    assertProblem(await other.post(`Datastreams(${mainDs})/Observations`, { result: 2 }), 404);
    assertProblem(await other.patch(`Things(${mainThing})`, { name: 'hijacked' }), 404);
    assertProblem(await other.del(`Things(${mainThing})`), 404);
    assert.equal((await main.ok(`Things(${mainThing})`)).name, 'main');
    assert.equal((await main.ok(`Datastreams(${mainDs})/Observations?$count=true`))['@iot.count'], 1);
  });

  test("a token of one tenant is 401 on the other's tree", async () => {
    const wrongWay = staClient(platform, mainToken, '/t/other/sta/v1.1');
    assertProblem(await wrongWay.get('Things'), 401);
    assertProblem(await wrongWay.post('Things', { name: 'x', description: 'y' }), 401);
    const otherWay = staClient(platform, otherToken);
    assertProblem(await otherWay.get('Things'), 401);
    assertProblem(await otherWay.post('Things', { name: 'x', description: 'y' }), 401);
    const nowhere = staClient(platform, mainToken, '/t/nowhere/sta/v1.1');
    assertProblem(await nowhere.get('Things'), 401);
    assert.deepEqual(await other.ids('Things'), [otherThing]);
  });
});
