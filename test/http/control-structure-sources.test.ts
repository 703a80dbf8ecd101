/**
 * Control plane: creating DataStructures from a FIWARE Smart Data Model (bundled, offline) and by
 * inferring the JSON Schema from a CSV, JSON or GeoJSON sample (real open-data excerpts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { smartDataModelExample } from '../../src/structures/import-smart-data-model.ts';
import { validateAgainst } from '../../src/structures/validate-json-schema.ts';
import { assertProblem } from '../support/assert-problem.ts';
import { type ControlClient, controlClient } from '../support/control-client.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/samples/${name}`, import.meta.url), 'utf8');

describe('control plane: structures from Smart Data Models and samples', () => {
  let platform: TestPlatform;
  let api: ControlClient;

  before(async () => {
    platform = await startTestPlatform();
    api = controlClient(platform, await platform.adminToken());
  });
  after(() => platform?.dispose());

  for (const model of ['WeatherObserved', 'OffStreetParking']) {
    test(`import ${model}: a DRAFT version whose schema resolves offline and accepts the model's example`, async () => {
      const res = await api.post('/datastructures/import', { smartDataModel: model });
      assert.equal(res.statusCode, 201, res.body);
      const { structure, version } = res.json();
      assert.equal(res.headers.location, `/api/v1/datastructures/${structure.id}`);
      assert.equal(structure.name, model);
      assert.equal(structure.origin.kind, 'smart-data-model');
      assert.equal(structure.origin.model, model);
      assert.equal(version.status, 'DRAFT');
      assert.match(version.version, /^\d+\.\d+\.\d+/);
      assert.ok(version.schema.$defs['common-schema'], 'common definitions are embedded');
      assert.deepEqual(validateAgainst(version.schema, smartDataModelExample(model)), []);
      assert.notDeepEqual(validateAgainst(version.schema, { id: 'x', type: 'NotThisModel' }), []);
      // The stored version reads back the same.
      const stored = (await api.get(`/datastructures/${structure.id}/versions/${version.version}`)).json();
      assert.deepEqual(stored.schema, version.schema);
    });
  }

  test('import under another name and version; unknown models are 404', async () => {
    const res = await api.post('/datastructures/import', {
      smartDataModel: 'ParkingSpot',
      name: 'Parking spots Jena',
      version: '1.0.0',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(
      [res.json().structure.name, res.json().version.version],
      ['Parking spots Jena', '1.0.0'],
    );
    const p = assertProblem(await api.post('/datastructures/import', { smartDataModel: 'NoSuchModel' }), 404);
    assert.equal(p.field, 'smartDataModel');
    assertProblem(await api.post('/datastructures/import', { smartDataModel: '../../package' }), 404);
    assertProblem(await api.post('/datastructures/import', {}), 400, 'validation');
    // The same name twice is a conflict, and the second import leaves nothing behind.
    assertProblem(
      await api.post('/datastructures/import', { smartDataModel: 'ParkingSpot', name: 'Parking spots Jena' }),
      409,
    );
    assert.equal((await api.get('/datastructures?name=Parking%20spots%20Jena')).json().total, 1);
  });

  test('infer from CSV (Münster bicycle counts)', async () => {
    const res = await api.post(
      '/datastructures/infer?name=Neutor%20counts',
      fixture('neutor-2016-excerpt.csv'),
      {
        'content-type': 'text/csv; charset=utf-8',
      },
    );
    assert.equal(res.statusCode, 201, res.body);
    const { structure, version } = res.json();
    assert.deepEqual(structure.origin, { kind: 'inferred', sample: 'csv' });
    assert.equal(version.status, 'DRAFT');
    assert.equal(version.schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual(version.schema.properties['Neutor (gesamt)'], { type: 'integer' });
    assert.deepEqual(version.schema.required, ['Stunden', 'Neutor (gesamt)']);
  });

  test('infer from JSON (array of objects)', async () => {
    const res = await api.post(
      '/datastructures/infer?name=Parking%20JSON',
      fixture('jena-parken-excerpt.json'),
      {
        'content-type': 'application/json',
      },
    );
    assert.equal(res.statusCode, 201, res.body);
    const schema = res.json().version.schema;
    assert.deepEqual(schema.properties.checkedAt, { type: 'string', format: 'date-time' });
    assert.deepEqual(schema.properties.lat, { type: 'number' });
    assert.ok(schema.required.includes('name'));
    assert.ok(!schema.required.includes('note'));
  });

  test('infer from GeoJSON (Jena car parks)', async () => {
    const sample = fixture('jena-parken-excerpt.geojson');
    const res = await api.post('/datastructures/infer?name=Parking%20GeoJSON&version=0.1.0', sample, {
      'content-type': 'application/geo+json',
    });
    assert.equal(res.statusCode, 201, res.body);
    const { version } = res.json();
    assert.equal(version.version, '0.1.0');
    assert.deepEqual(version.schema.properties.geometry.properties.type, { const: 'Point' });
    assert.deepEqual(version.schema.properties.properties.properties.art, { type: 'string' });
    for (const f of JSON.parse(sample).features) assert.deepEqual(validateAgainst(version.schema, f), []);
  });

  test('bad samples are 4xx problems', async () => {
    assertProblem(
      await api.post('/datastructures/infer?name=x', '[1,2]', { 'content-type': 'application/json' }),
      400,
      'invalid-sample',
    );
    assertProblem(
      await api.post('/datastructures/infer?name=x', '{"type":', { 'content-type': 'application/geo+json' }),
      400,
      'invalid-json',
    );
    assertProblem(
      await api.post('/datastructures/infer?name=x', '{"type":"Feature"}', {
        'content-type': 'application/geo+json',
      }),
      400,
      'invalid-sample',
    );
    assertProblem(
      await api.post('/datastructures/infer?name=x', 'a,b', { 'content-type': 'text/plain' }),
      415,
    );
    assertProblem(
      await api.post('/datastructures/infer', 'a\n1\n', { 'content-type': 'text/csv' }),
      400,
      'validation',
    );
    assert.equal((await api.get('/datastructures?name=x')).json().total, 0);
  });
});
