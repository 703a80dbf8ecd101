/**
 * Control plane, Mappings: CRUD, the save-time check against both structure versions (400 naming the rule
 * and field), dry runs of saved and unsaved mappings (outputs, rejected reasons, counts; nothing written),
 * the "in use" refusal of referenced versions (409) and tenant isolation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/auth/accounts.ts';
import { ident, sql } from '../../src/core/query/sql.ts';
import { assertProblem } from '../support/assert-problem.ts';
import { type ControlClient, controlClient } from '../support/control-client.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

/** One row of the Münster Neutor bicycle counter CSV (every cell a string). */
const counterSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['Stunden', 'Neutor (gesamt)'],
  properties: {
    Stunden: { type: 'string', minLength: 1 },
    'Neutor (gesamt)': { type: 'string', pattern: '^\\d+$' },
    'Temperatur (°C)': { type: 'string' },
    'Windstärke (km/h)': { type: 'string' },
    Wetter: { type: 'string' },
  },
};

/** A simplified WeatherObserved. */
const weatherSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['id', 'type', 'dateObserved'],
  properties: {
    id: { type: 'string' },
    type: { const: 'WeatherObserved' },
    dateObserved: { type: 'string', format: 'date-time' },
    temperature: { type: 'number', minimum: -60, maximum: 60 },
    windSpeed: { type: 'number', minimum: 0 },
    weatherType: { type: 'string' },
    address: { type: 'object', properties: { addressLocality: { type: 'string' } } },
  },
  additionalProperties: false,
};

const rules = [
  { target: 'id', op: 'concat', from: ["'urn:ngsi-ld:WeatherObserved:neutor:'", 'Stunden'] },
  { target: 'type', op: 'constant', value: 'WeatherObserved' },
  {
    target: 'dateObserved',
    op: 'toDate',
    from: 'Stunden',
    format: 'M/d/yyyy H:mm',
    timezone: 'Europe/Berlin',
  },
  { target: 'temperature', op: 'toNumber', from: 'Temperatur (°C)' },
  {
    target: 'windSpeed',
    op: 'toNumber',
    from: 'Windstärke (km/h)',
    unit: { from: 'km/h', to: 'm/s' },
    decimals: 2,
  },
  { target: 'weatherType', op: 'copy', from: 'Wetter' },
  { target: 'address.addressLocality', op: 'constant', value: 'Münster' },
];
const filter = "Stunden != 'Jahressumme'";

const row = (Stunden: string, temp = '3', wind = '9', Wetter = 'Klarer Himmel') => ({
  Stunden,
  'Neutor (gesamt)': '137',
  'Temperatur (°C)': temp,
  'Windstärke (km/h)': wind,
  Wetter,
});
const sample = [
  row('1/1/2016 0:00'), // out
  row('2/30/2016 1:00'), // mapping: no 30 February
  row('Jahressumme'), // filtered
  { ...row(''), Stunden: '' }, // source validation: empty Stunden
  row('3/27/2016 3:00', '99'), // target validation: 99 °C is above the maximum
  row('12/31/2016 23:00', '3', '15', 'wolkig'), // out
];

describe('control plane: mappings', () => {
  let platform: TestPlatform;
  let api: ControlClient;
  let other: ControlClient;
  let source: number;
  let target: number;
  let sourceStructure: number;

  async function version(client: ControlClient, name: string, schema: object): Promise<[number, number]> {
    const s = await client.create('/datastructures', { name });
    const v = await client.create(`/datastructures/${s.id}/versions`, { version: '1.0.0', schema });
    return [s.id, v.id];
  }

  /** Rows in every table of the database, by table. */
  async function rowCounts(): Promise<Record<string, number>> {
    const { rows } = await platform.store.query<{ t: string }>(
      sql`SELECT table_name AS t FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const counts: Record<string, number> = {};
    for (const { t } of rows) {
      const res = await platform.store.query<{ n: string | number }>(
        sql`SELECT count(*) AS n FROM ${ident(t)}`,
      );
      counts[t] = Number(res.rows[0]!.n);
    }
    return counts;
  }

  before(async () => {
    platform = await startTestPlatform();
    api = controlClient(platform, await platform.adminToken());
    [sourceStructure, source] = await version(api, 'Neutor bicycle counts', counterSchema);
    [, target] = await version(api, 'Weather (simplified)', weatherSchema);
    await platform.store.query(sql`INSERT INTO tenants (id, name) VALUES ('other', 'Other')`);
    await createUser(platform.store, {
      tenant: 'other',
      username: 'olga',
      password: 'olga-password',
      roles: ['admin'],
    });
    const res = await platform.app.inject({
      method: 'POST',
      url: '/auth/token',
      payload: { grant_type: 'password', username: 'olga', password: 'olga-password', tenant: 'other' },
    });
    assert.equal(res.statusCode, 200, res.body);
    other = controlClient(platform, res.json().access_token, '/t/other/api/v1');
  });
  after(() => platform?.dispose());

  test('CRUD of a mapping', async () => {
    const body = { name: 'Neutor weather', sourceVersionId: source, targetVersionId: target, filter, rules };
    const res = await api.post('/mappings', body);
    assert.equal(res.statusCode, 201, res.body);
    const m = res.json();
    assert.equal(res.headers.location, `/api/v1/mappings/${m.id}`);
    assert.deepEqual(
      [m.name, m.description, m.sourceVersionId, m.targetVersionId, m.filter, m.rules],
      ['Neutor weather', null, source, target, filter, rules],
    );
    assert.deepEqual((await api.get(`/mappings/${m.id}`)).json(), m);
    const list = (await api.get('/mappings?q=neutor')).json();
    assert.deepEqual([list.total, list.items[0].id], [1, m.id]);
    assertProblem(await api.post('/mappings', body), 409, 'conflict');

    const patched = await api.patch(`/mappings/${m.id}`, {
      description: 'Weather columns of the counter',
      filter: null,
      rules: rules.slice(0, 3),
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(
      [patched.json().description, patched.json().filter, patched.json().rules.length],
      ['Weather columns of the counter', null, 3],
    );
    assert.equal((await api.del(`/mappings/${m.id}`)).statusCode, 204);
    assertProblem(await api.get(`/mappings/${m.id}`), 404, 'not-found');
    assertProblem(await api.del(`/mappings/${m.id}`), 404, 'not-found');
  });

  test('a rule naming an unknown field is a 400 naming the rule', async () => {
    const bad = [...rules];
    bad[3] = { target: 'temprature', op: 'toNumber', from: 'Temperatur (°C)' };
    const res = await api.post('/mappings', {
      name: 'Typo',
      sourceVersionId: source,
      targetVersionId: target,
      rules: bad,
    });
    const p = assertProblem(res, 400, 'invalid-mapping');
    assert.equal(p.field, 'rules[3].target');
    assert.match(p.detail, /temprature/);
    const listed = p.problems as { path: string; field?: string; message: string }[];
    assert.deepEqual(listed[0], {
      path: 'rules[3].target',
      field: 'temprature',
      message: "target has no field 'temprature'",
    });

    const badSource = [...rules];
    badSource[2] = { target: 'dateObserved', op: 'toDate', from: 'Stunde' };
    const res2 = await api.post('/mappings', {
      name: 'Typo',
      sourceVersionId: source,
      targetVersionId: target,
      rules: badSource,
    });
    assert.equal(assertProblem(res2, 400, 'invalid-mapping').field, 'rules[2].from');
    assert.equal((await api.get('/mappings?name=Typo')).json().total, 0);
  });

  test('invalid JSONata is a 400 naming the filter or the rule', async () => {
    const base = { name: 'JSONata', sourceVersionId: source, targetVersionId: target };
    const p = assertProblem(
      await api.post('/mappings', { ...base, rules, filter: 'Stunden = (' }),
      400,
      'invalid-mapping',
    );
    assert.equal(p.field, 'filter');
    assert.match(p.detail, /invalid JSONata/);
    const withExpr: object[] = [...rules];
    withExpr[5] = { target: 'weatherType', op: 'jsonata', expression: '$uppercase(Wetter' };
    const p2 = assertProblem(await api.post('/mappings', { ...base, rules: withExpr }), 400);
    assert.equal(p2.field, 'rules[5].expression');
  });

  test('versions must exist in the tenant; a patch is checked as a whole', async () => {
    const p = assertProblem(
      await api.post('/mappings', {
        name: 'Nowhere',
        sourceVersionId: 999_999,
        targetVersionId: target,
        rules,
      }),
      400,
    );
    assert.equal(p.field, 'sourceVersionId');
    assert.equal(
      assertProblem(
        await api.post('/mappings', { name: 'x', sourceVersionId: source, targetVersionId: target }),
        400,
      ).field,
      'rules',
    );
    const m = await api.create('/mappings', {
      name: 'Patched',
      sourceVersionId: source,
      targetVersionId: target,
      rules,
    });
    // Swapping source and target makes every rule wrong: refused, nothing changed.
    const res = await api.patch(`/mappings/${m.id}`, { sourceVersionId: target, targetVersionId: source });
    assertProblem(res, 400, 'invalid-mapping');
    assert.deepEqual((await api.get(`/mappings/${m.id}`)).json(), m);
    assertProblem(await api.patch('/mappings/999999', { name: 'y' }), 404, 'not-found');
    assert.equal((await api.del(`/mappings/${m.id}`)).statusCode, 204);
  });

  test('dry run of a saved mapping: outputs, rejected reasons and counts; nothing is written', async () => {
    const m = await api.create('/mappings', {
      name: 'Dry',
      sourceVersionId: source,
      targetVersionId: target,
      filter,
      rules,
    });
    const before = await rowCounts();
    const res = await api.post(`/mappings/${m.id}/dry-run`, { records: sample });
    assert.equal(res.statusCode, 200, res.body);
    const out = res.json();
    assert.deepEqual(out.counts, {
      total: 6,
      out: 2,
      filtered: 1,
      rejected: 3,
      'source-validation': 1,
      filter: 0,
      mapping: 1,
      'target-validation': 1,
    });
    assert.deepEqual(
      out.outputs.map((o: { index: number }) => o.index),
      [0, 5],
    );
    assert.deepEqual(out.outputs[0].value, {
      id: 'urn:ngsi-ld:WeatherObserved:neutor:1/1/2016 0:00',
      type: 'WeatherObserved',
      dateObserved: '2015-12-31T23:00:00.000Z',
      temperature: 3,
      windSpeed: 2.5,
      weatherType: 'Klarer Himmel',
      address: { addressLocality: 'Münster' },
    });
    const byIndex = new Map(out.rejected.map((r: { index: number }) => [r.index, r]));
    assert.deepEqual(byIndex.get(3), {
      index: 3,
      stage: 'source-validation',
      reasons: [{ path: '/Stunden', message: 'must NOT have fewer than 1 characters' }],
    });
    const mapping = byIndex.get(1) as {
      stage: string;
      reasons: { rule: string; field: string; message: string }[];
    };
    assert.equal(mapping.stage, 'mapping');
    assert.deepEqual([mapping.reasons[0]!.rule, mapping.reasons[0]!.field], ['rules[2]', 'dateObserved']);
    assert.match(mapping.reasons[0]!.message, /day 30 is out of range/);
    const targetReject = byIndex.get(4) as { stage: string; reasons: { path: string }[] };
    assert.equal(targetReject.stage, 'target-validation');
    assert.equal(targetReject.reasons[0]!.path, '/temperature');
    assert.deepEqual(await rowCounts(), before);
    assertProblem(await api.post('/mappings/999999/dry-run', { records: [] }), 404, 'not-found');
    assert.equal((await api.del(`/mappings/${m.id}`)).statusCode, 204);
  });

  test('dry run of an unsaved mapping, with the same 400 as saving; at most 1000 records', async () => {
    const body = {
      sourceVersionId: source,
      targetVersionId: target,
      filter,
      rules,
      records: sample.slice(0, 3),
    };
    const before = await rowCounts();
    const res = await api.post('/mappings/dry-run', body);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      [res.json().counts.out, res.json().counts.filtered, res.json().counts.mapping],
      [1, 1, 1],
    );
    assert.deepEqual(await rowCounts(), before);
    const bad = [...rules, { target: 'humidity', op: 'copy', from: 'Wetter' }];
    const p = assertProblem(
      await api.post('/mappings/dry-run', { ...body, rules: bad }),
      400,
      'invalid-mapping',
    );
    assert.equal(p.field, 'rules[7].target');
    const many = Array.from({ length: 1001 }, () => row('1/1/2016 0:00'));
    assert.equal(
      assertProblem(await api.post('/mappings/dry-run', { ...body, records: many }), 400).field,
      'records',
    );
  });

  test('a version a mapping uses cannot be deleted, nor its structure', async () => {
    const m = await api.create('/mappings', {
      name: 'Uses',
      sourceVersionId: source,
      targetVersionId: target,
      rules,
    });
    const p = assertProblem(
      await api.del(`/datastructures/${sourceStructure}/versions/1.0.0`),
      409,
      'version-in-use',
    );
    assert.deepEqual(p.usedBy, [`Mapping ${m.id} (Uses)`]);
    assertProblem(await api.del(`/datastructures/${sourceStructure}`), 409, 'version-in-use');
    assert.equal((await api.del(`/mappings/${m.id}`)).statusCode, 204);
    // A mapping on another version of the same structure does not hold this one.
    const v2 = await api.create(`/datastructures/${sourceStructure}/versions`, {
      version: '2.0.0',
      schema: counterSchema,
    });
    const m2 = await api.create('/mappings', {
      name: 'Uses v2',
      sourceVersionId: v2.id,
      targetVersionId: target,
      rules,
    });
    assert.equal((await api.del(`/datastructures/${sourceStructure}/versions/2.0.0`)).statusCode, 409);
    assert.equal((await api.del(`/mappings/${m2.id}`)).statusCode, 204);
    assert.equal((await api.del(`/datastructures/${sourceStructure}/versions/2.0.0`)).statusCode, 204);
  });

  test('tenant isolation: mappings and versions of another tenant are invisible', async () => {
    const m = await api.create('/mappings', {
      name: 'Mine',
      sourceVersionId: source,
      targetVersionId: target,
      rules,
    });
    assertProblem(await other.get(`/mappings/${m.id}`), 404, 'not-found');
    assertProblem(await other.del(`/mappings/${m.id}`), 404, 'not-found');
    assertProblem(await other.post(`/mappings/${m.id}/dry-run`, { records: [] }), 404, 'not-found');
    assert.equal((await other.get('/mappings')).json().total, 0);
    // Ids of the default tenant's versions do not resolve in "other".
    const p = assertProblem(
      await other.post('/mappings', {
        name: 'Theirs',
        sourceVersionId: source,
        targetVersionId: target,
        rules,
      }),
      400,
    );
    assert.equal(p.field, 'sourceVersionId');
    const [, otherSource] = await version(other, 'Counts', counterSchema);
    const p2 = assertProblem(
      await other.post('/mappings/dry-run', {
        sourceVersionId: otherSource,
        targetVersionId: target,
        rules,
        records: [],
      }),
      400,
    );
    assert.equal(p2.field, 'targetVersionId');
    assert.equal((await api.get(`/mappings/${m.id}`)).statusCode, 200);
  });

  test('the mapping routes are in the OpenAPI document', async () => {
    const doc = (await platform.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    assert.ok(doc.paths['/api/v1/mappings'].post.requestBody);
    assert.ok(doc.paths['/api/v1/mappings/{id}/dry-run'].post);
    assert.ok(doc.paths['/api/v1/mappings/dry-run'].post.responses['200']);
  });
});
