/**
 * The SensorThings service root (OGC 18-088 §9.2.1): every entity set with its URL, and in v1.1
 * `serverSettings.conformance` listing exactly the conformance classes urbs claims (STA_CONFORMANCE), each of
 * which has a suite under test/conformance/sta/.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { STA_CONFORMANCE } from '../../src/apis/sta/service-root.ts';
import { type StaClient, staClient } from '../conformance/sta/support/sta-client.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const ENTITY_SETS = [
  'Things',
  'Locations',
  'HistoricalLocations',
  'Datastreams',
  'MultiDatastreams',
  'Sensors',
  'ObservedProperties',
  'Observations',
  'FeaturesOfInterest',
];

/** Requirement class (18-088 Annex A) → the suite folder that tests it. */
const SUITES: Record<string, string> = {
  'http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel': 'c01-datamodel',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities':
    'c02-resource-path',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/request-data': 'c03-request-data',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete': 'c04-create-update-delete',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/multi-datastream': 'c05-multi-datastream',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array': 'c06-data-array',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/batch-request/batch-request': 'c07-batch-request',
};

const CONFORMANCE_DIR = fileURLToPath(new URL('../conformance/sta/', import.meta.url));

describe('STA service root', () => {
  let platform: TestPlatform;
  let v11: StaClient;
  let v10: StaClient;

  before(async () => {
    platform = await startTestPlatform();
    const token = await platform.adminToken();
    v11 = staClient(platform, token);
    v10 = staClient(platform, token, '/sta/v1.0');
  });
  after(() => platform?.dispose());

  const root = async (sta: StaClient, path = sta.root) => {
    const res = await platform.app.inject({
      method: 'GET',
      url: path,
      headers: { authorization: `Bearer ${await platform.adminToken()}` },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    return res.json();
  };

  test('v1.1 lists every entity set with its URL', async () => {
    const body = await root(v11);
    assert.deepEqual(body.value.map((v: { name: string }) => v.name).sort(), [...ENTITY_SETS].sort());
    for (const v of body.value) assert.equal(v.url, `${v11.base}/${v.name}`);
  });

  test('every listed URL answers with a collection', async () => {
    for (const v of (await root(v11)).value) {
      const set = await v11.ok(v11.relative(v.url));
      assert.ok(Array.isArray(set.value), v.url);
    }
  });

  test('v1.1 serverSettings.conformance lists exactly STA_CONFORMANCE', async () => {
    const body = await root(v11);
    assert.ok(body.serverSettings, 'serverSettings is present in v1.1');
    assert.deepEqual([...body.serverSettings.conformance].sort(), [...STA_CONFORMANCE].sort());
    assert.deepEqual(
      (await root(v11, '/sta/v1.1/')).serverSettings,
      body.serverSettings,
      'with a trailing slash too',
    );
  });

  test('each conformance class listed has its suite folder under test/conformance/sta/', () => {
    const folders = new Set(readdirSync(CONFORMANCE_DIR));
    for (const c of STA_CONFORMANCE) {
      const folder = SUITES[c];
      assert.ok(folder, `no suite is known for ${c}; add one under test/conformance/sta/ and to SUITES`);
      assert.ok(folders.has(folder), `${folder} is missing`);
      const tests = readdirSync(`${CONFORMANCE_DIR}${folder}`).filter((f) => f.endsWith('.test.ts'));
      assert.ok(tests.length > 0, `${folder} has no *.test.ts`);
    }
  });

  test('v1.0 works: entity sets with v1.0 URLs, and the collections behind them', async () => {
    const body = await root(v10);
    assert.deepEqual(body.value.map((v: { name: string }) => v.name).sort(), [...ENTITY_SETS].sort());
    for (const v of body.value) assert.equal(v.url, `${v10.base}/${v.name}`);
    const id = await v10.create('Things', { name: 'old client', description: 'speaks 1.0' });
    const t = await v10.ok(`Things(${id})`);
    assert.equal(t['@iot.selfLink'], `${v10.base}/Things(${id})`);
    assert.equal(
      (await v11.ok(`Things(${id})`))['@iot.selfLink'],
      `${v11.base}/Things(${id})`,
      'the same data in v1.1',
    );
  });

  test('an unknown version is 404', async () => {
    const res = await platform.app.inject({ method: 'GET', url: '/sta/v2.0' });
    assert.equal(res.statusCode, 404);
  });
});
