import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/auth/accounts.ts';
import { sql } from '../../src/core/query/sql.ts';
import { assertNoLeak, assertProblem } from '../support/assert-problem.ts';
import { changeSet, httpPart, type Json, multipart, readMultipart } from '../support/multipart-batch.ts';
import { datastream, location, sensor, thing } from '../support/sta-bodies.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

describe('STA $batch (18-088 §11)', () => {
  let platform: TestPlatform;
  let token: string;

  before(async () => {
    platform = await startTestPlatform();
    token = await platform.adminToken();
  });
  after(() => platform?.dispose());

  const post = (payload: string | object, contentType: string, root = '/sta/v1.1', auth = true) =>
    platform.app.inject({
      method: 'POST',
      url: `${root}/$batch`,
      headers: { 'content-type': contentType, ...(auth ? { authorization: `Bearer ${token}` } : {}) },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const sendMultipart = async (parts: string[], root = '/sta/v1.1') => {
    const res = await post(multipart('batch_1', parts), 'multipart/mixed; boundary=batch_1', root);
    assert.equal(res.statusCode, 200, res.body);
    assertNoLeak(res);
    return readMultipart(res.body, String(res.headers['content-type']));
  };
  const sendJson = async (requests: object[]) => {
    const res = await post({ requests }, 'application/json');
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assertNoLeak(res);
    return res.json().responses as Json[];
  };
  const get = async (path: string) => {
    const res = await platform.app.inject({
      method: 'GET',
      url: `/sta/v1.1/${path}`,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  const count = async (set: string) => (await get(`${set}?$count=true&$top=1`))['@iot.count'] as number;
  const counts = async () => ({
    things: await count('Things'),
    datastreams: await count('Datastreams'),
    sensors: await count('Sensors'),
    locations: await count('Locations'),
  });

  test('multipart: a change set creates a Thing and, via $1, its Datastream; GETs run around it', async () => {
    const existing = (
      await (
        await platform.app.inject({
          method: 'POST',
          url: '/sta/v1.1/Things',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: JSON.stringify(thing('Existing')),
        })
      ).json()
    )['@iot.id'] as number;
    const before = await counts();
    const parts = await sendMultipart([
      httpPart('GET', `/v1.1/Things(${existing})`),
      changeSet('changeset_1', [
        httpPart('POST', '/sta/v1.1/Things', thing('Batch thing'), '1'),
        httpPart('POST', '$1/Datastreams', datastream({ name: 'Batch DS' }), '2'),
        httpPart('PATCH', '$1', { description: 'patched in the batch' }, '3'),
      ]),
      httpPart('GET', `http://localhost/sta/v1.1/Things(${existing})/Datastreams?$count=true`),
    ]);
    assert.equal(parts.length, 3);
    assert.equal(parts[0]!.status, 200);
    assert.equal(parts[0]!.json?.name, 'Existing');
    const cs = parts[1]!.changeSet!;
    assert.deepEqual(
      cs.map((p) => [p.contentId, p.status]),
      [
        ['1', 201],
        ['2', 201],
        ['3', 200],
      ],
    );
    const thingId = cs[0]!.json?.['@iot.id'] as number;
    assert.equal(cs[0]!.headers.location, cs[0]!.json?.['@iot.selfLink']);
    assert.match(cs[0]!.headers.location!, /\/sta\/v1\.1\/Things\(\d+\)$/);
    assert.match(cs[1]!.headers.location!, /\/sta\/v1\.1\/Datastreams\(\d+\)$/);
    assert.equal(cs[2]!.json?.description, 'patched in the batch');
    assert.equal(parts[2]!.json?.['@iot.count'], 0);

    const ds = await get(`Things(${thingId})/Datastreams`);
    assert.deepEqual(
      ds.value.map((d: { name: string }) => d.name),
      ['Batch DS'],
    );
    assert.equal((await get(`Things(${thingId})`)).description, 'patched in the batch');
    const afterCounts = await counts();
    assert.equal(afterCounts.things, before.things + 1);
    assert.equal(afterCounts.datastreams, before.datastreams + 1);
  });

  test('multipart: a change set whose 2nd request fails writes nothing and answers once', async () => {
    const before = await counts();
    const parts = await sendMultipart([
      changeSet('cs_a', [
        httpPart('POST', 'Things', thing('Rolled back'), '1'),
        httpPart('POST', '$1/Datastreams', { name: 'no unit, no sensor' }, '2'),
        httpPart('POST', 'Sensors', sensor(), '3'),
      ]),
      httpPart('GET', 'Things?$top=1'),
      changeSet('cs_b', [httpPart('PATCH', 'Things(999999999)', { name: 'x' }, 'p')]),
    ]);
    assert.equal(parts.length, 3);
    const [failed, getAfter, notFound] = parts;
    assert.equal(failed!.changeSet, undefined, 'a failed change set is a single response');
    assert.equal(failed!.contentId, '2');
    assert.equal(failed!.status, 400);
    assert.equal(failed!.headers['content-type'], 'application/problem+json');
    assert.equal(failed!.json?.status, 400);
    assert.equal(failed!.json?.batchRequest, 'part 1.2');
    assert.equal(getAfter!.status, 200);
    assert.equal(notFound!.status, 404);
    assert.equal(notFound!.contentId, 'p');
    assert.match(String(notFound!.json?.type), /^urn:urbs:problem:not-found$/);
    assert.deepEqual(await counts(), before, 'nothing of the failed change sets was written');
  });

  test('multipart: requests outside change sets run on their own; a bad one fails alone', async () => {
    const before = await counts();
    const parts = await sendMultipart([
      httpPart('POST', 'Things', thing('Alone 1', false)),
      httpPart('POST', 'Things', '{"name": "broken JSON",'),
      httpPart('POST', 'Things', { name: 7 }),
      httpPart('GET', 'Things(999999999)'),
      httpPart('GET', 'Nothings'),
      httpPart('GET', '/t/other/sta/v1.1/Things'),
      httpPart('DELETE', '$1'),
      httpPart('POST', 'Things', thing('Alone 2', false)),
    ]);
    assert.deepEqual(
      parts.map((p) => p.status),
      [201, 400, 400, 404, 404, 404, 404, 201],
    );
    assert.match(String(parts[1]!.json?.type), /invalid-json$/);
    assert.match(String(parts[5]!.json?.detail), /not under the service root \/sta\/v1\.1/);
    assert.match(
      String(parts[6]!.json?.detail),
      /\$1 does not name an entity created earlier in this change set/,
    );
    for (const p of parts.slice(1, 7)) assert.ok(p.status < 500 && typeof p.json?.detail === 'string');
    assert.equal((await counts()).things, before.things + 2);
  });

  test('multipart: LF line ends and the v1.0 root work too', async () => {
    const body = `--b\nContent-Type: application/http\n\nGET Things?$top=1 HTTP/1.1\n\n--b--\n`;
    const res = await post(body, 'multipart/mixed; boundary=b', '/sta/v1.0');
    assert.equal(res.statusCode, 200, res.body);
    const [part] = readMultipart(res.body, String(res.headers['content-type']));
    assert.equal(part!.status, 200);
    assert.ok(Array.isArray(part!.json?.value));
  });

  test('JSON: a group creates a Thing and, referencing it by id, a Datastream and a Location', async () => {
    const before = await counts();
    const responses = await sendJson([
      { id: 'q', method: 'get', url: 'Things?$top=1' },
      { id: 'thing', atomicityGroup: 'g1', method: 'post', url: 'Things', body: thing('JSON thing', false) },
      {
        id: 'ds',
        atomicityGroup: 'g1',
        method: 'post',
        url: 'Datastreams',
        body: datastream({ Thing: { '@iot.id': '$thing' } }),
      },
      { id: 'loc', atomicityGroup: 'g1', method: 'post', url: '$thing/Locations', body: location() },
      { id: 'missing', method: 'get', url: 'Things(999999999)' },
      { id: 'after', method: 'get', url: 'Things?$top=1', dependsOn: ['g1'] },
    ]);
    assert.deepEqual(
      responses.map((r) => [r.id, r.status, r.atomicityGroup]),
      [
        ['q', 200, undefined],
        ['thing', 201, 'g1'],
        ['ds', 201, 'g1'],
        ['loc', 201, 'g1'],
        ['missing', 404, undefined],
        ['after', 200, undefined],
      ],
    );
    const thingId = responses[1]!.body['@iot.id'] as number;
    assert.equal(responses[1]!.headers.location, responses[1]!.body['@iot.selfLink']);
    assert.equal(responses[4]!.headers['content-type'], 'application/problem+json');
    const ds = await get(`Datastreams(${responses[2]!.body['@iot.id']})/Thing`);
    assert.equal(ds['@iot.id'], thingId);
    const locs = await get(`Things(${thingId})/Locations`);
    assert.equal(locs.value.length, 1);
    const afterCounts = await counts();
    assert.equal(afterCounts.things, before.things + 1);
    assert.equal(afterCounts.datastreams, before.datastreams + 1);
    assert.equal(afterCounts.locations, before.locations + 1);
  });

  test('JSON: a failing group writes nothing; what depends on it is 424; the rest runs', async () => {
    const before = await counts();
    const responses = await sendJson([
      { id: 't', atomicityGroup: 'g', method: 'post', url: 'Things', body: thing('Never') },
      { id: 's', atomicityGroup: 'g', method: 'post', url: 'Sensors', body: sensor() },
      {
        id: 'bad',
        atomicityGroup: 'g',
        method: 'post',
        url: 'Datastreams',
        body: datastream({ Thing: { '@iot.id': '$nope' } }),
      },
      { id: 'dep', method: 'get', url: 'Things', dependsOn: ['g'] },
      { id: 'dep2', method: 'get', url: 'Things', dependsOn: ['dep'] },
      { id: 'free', method: 'get', url: 'Things?$top=1' },
    ]);
    assert.deepEqual(
      responses.map((r) => [r.id, r.status]),
      [
        ['bad', 400],
        ['dep', 424],
        ['dep2', 424],
        ['free', 200],
      ],
    );
    assert.equal(responses[0]!.atomicityGroup, 'g');
    assert.match(responses[0]!.body.detail, /"@iot\.id": "\$nope" does not name an entity created earlier/);
    assert.equal(responses[1]!.body.title, 'Failed Dependency');
    assert.deepEqual(await counts(), before);
  });

  test("under /t/{tenant}/ a batch runs as that tenant and cannot address another tenant's root", async () => {
    await platform.store.query(sql`INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')`);
    await createUser(platform.store, {
      tenant: 'acme',
      username: 'ann',
      password: 'ann-pw',
      roles: ['admin'],
    });
    const login = await platform.app.inject({
      method: 'POST',
      url: '/auth/token',
      payload: { grant_type: 'password', tenant: 'acme', username: 'ann', password: 'ann-pw' },
    });
    assert.equal(login.statusCode, 200, login.body);
    const acmeToken = login.json().access_token as string;
    const defaultThings = await count('Things');
    const body = multipart('b', [
      changeSet('cs', [
        httpPart('POST', '/t/acme/sta/v1.1/Things', thing('Acme thing', false), 'new'),
        httpPart('GET', '$new?$select=name', undefined, 'read'),
      ]),
      httpPart('GET', '/sta/v1.1/Things'),
    ]);
    const res = await platform.app.inject({
      method: 'POST',
      url: '/t/acme/sta/v1.1/$batch',
      headers: { authorization: `Bearer ${acmeToken}`, 'content-type': 'multipart/mixed; boundary=b' },
      payload: body,
    });
    assert.equal(res.statusCode, 200, res.body);
    const [cs, other] = readMultipart(res.body, String(res.headers['content-type']));
    assert.deepEqual(
      cs!.changeSet!.map((p) => p.status),
      [201, 200],
    );
    assert.match(cs!.changeSet![0]!.headers.location!, /\/t\/acme\/sta\/v1\.1\/Things\(\d+\)$/);
    assert.equal(cs!.changeSet![1]!.json?.name, 'Acme thing');
    assert.equal(other!.status, 404);
    assert.equal(await count('Things'), defaultThings, 'nothing landed in the default tenant');
  });

  test('a batch that cannot be read is 400 naming the part; other misuse is 4xx', async () => {
    const bad = `--b\r\nContent-Type: application/http\r\n\r\nGET Things(1)\r\n--b\r\nContent-Type: application/http\r\n\r\nNOT A REQUEST LINE\r\n--b--\r\n`;
    const p = assertProblem(await post(bad, 'multipart/mixed; boundary=b'), 400, 'batch-syntax');
    assert.equal(p.part, '2');
    assert.equal(p.line, 8);
    assert.match(p.detail, /^Batch part 2, line 8: /);
    assertProblem(await post('--b--', 'multipart/mixed'), 400, 'batch-syntax');
    assertProblem(await post({ requests: [{ id: 'a' }] }, 'application/json'), 400, 'batch-syntax');
    assertProblem(await post('{"requests": [', 'application/json'), 400, 'invalid-json');
    assertProblem(await post('GET Things', 'text/plain'), 415);
    const huge = `--b\r\nContent-Type: application/http\r\n\r\nGET Things\r\n${'x'.repeat(1024 * 1024)}\r\n--b--\r\n`;
    assertProblem(await post(huge, 'multipart/mixed; boundary=b'), 413);
    const noAuth = await post('--b--', 'multipart/mixed; boundary=b', '/sta/v1.1', false);
    assertProblem(noAuth, 401);
    const getBatch = await platform.app.inject({
      method: 'GET',
      url: '/sta/v1.1/$batch',
      headers: { authorization: `Bearer ${token}` },
    });
    assertProblem(getBatch, 405);
  });
});
