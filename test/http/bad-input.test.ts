import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { sql } from '../../src/core/query/sql.ts';
import { assertNoLeak, assertProblem } from '../support/assert-problem.ts';
import { ADMIN_PASSWORD, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const ONE_MB = 1024 * 1024;
const ACCEPTED = 'send application/json or application/x-www-form-urlencoded';

describe('bad input: problem details and no writes', () => {
  let platform: TestPlatform;
  let counts: Record<string, number>;

  const countRows = async () => {
    const { rows } = await platform.store.query<{ users: number; tenants: number; keys: number }>(
      sql`SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM tenants) AS tenants,
                 (SELECT count(*) FROM signing_keys) AS keys`,
    );
    return rows[0]!;
  };
  const post = (url: string, contentType: string | undefined, payload: string | Buffer | Readable) =>
    platform.app.inject({
      method: 'POST',
      url,
      headers: contentType ? { 'content-type': contentType } : {},
      payload,
    });

  before(async () => {
    platform = await startTestPlatform(undefined, { bodyLimit: ONE_MB });
  });
  after(() => platform?.dispose());
  beforeEach(async () => {
    counts = await countRows();
  });
  afterEach(async () => {
    assert.deepEqual(await countRows(), counts, 'the request wrote nothing');
  });

  test('malformed JSON is 400 invalid-json', async () => {
    for (const body of ['{"grant_type": "password",', '{grant_type: password}', "{'a': 1}", '[1, 2', 'nul']) {
      const p = assertProblem(await post('/auth/token', 'application/json', body), 400, 'invalid-json');
      assert.match(p.detail, /^The request body is not valid JSON/);
    }
  });

  test('an empty JSON body is 400', async () => {
    assertProblem(await post('/auth/token', 'application/json', ''), 400, 'invalid-json');
  });

  test('JSON that tries prototype poisoning is 400', async () => {
    const res = await post(
      '/auth/token',
      'application/json',
      '{"grant_type":"password","username":"admin","password":"x","__proto__":{"isAdmin":true}}',
    );
    assertProblem(res, 400);
  });

  test('JSON of the wrong shape is 400 validation', async () => {
    for (const body of [
      '[]',
      '"password"',
      '42',
      '{"grant_type": 7}',
      '{"grant_type":"password","username":""}',
    ]) {
      assertProblem(await post('/auth/token', 'application/json', body), 400);
    }
  });

  test('a wrong content type is 415 naming it and what is accepted', async () => {
    const form = 'grant_type=password&username=admin&password=x';
    const cases: [string, string][] = [
      ['text/plain', 'text/plain'],
      ['application/xml', 'application/xml'],
      ['text/plain; charset=utf-8', 'text/plain'],
      ['multipart/form-data; boundary=x', 'multipart/form-data'],
    ];
    for (const [contentType, named] of cases) {
      const p = assertProblem(await post('/auth/token', contentType, form), 415, 'unsupported-media-type');
      assert.equal(p.detail, `Content-Type ${named} is not accepted; ${ACCEPTED}`);
      assert.equal(p.title, 'Unsupported Media Type');
    }
  });

  test('a body without a content type, or with an invalid one, is 415', async () => {
    const none = assertProblem(await post('/auth/token', undefined, '{"grant_type":"password"}'), 415);
    assert.equal(none.detail, `A request body needs a Content-Type; ${ACCEPTED}`);
    const invalid = assertProblem(await post('/auth/token', 'not a type', '{}'), 415);
    assert.match(invalid.detail, /is not accepted; send application\/json/);
  });

  test('an oversize body is 413, declared or streamed, JSON or form', async () => {
    const big = JSON.stringify({
      grant_type: 'password',
      username: 'admin',
      password: 'x',
      pad: 'x'.repeat(2 * ONE_MB),
    });
    assertProblem(await post('/auth/token', 'application/json', big), 413, 'body-too-large');
    const bigForm = `grant_type=password&username=admin&password=x&pad=${'x'.repeat(2 * ONE_MB)}`;
    assertProblem(
      await post('/auth/token', 'application/x-www-form-urlencoded', bigForm),
      413,
      'body-too-large',
    );
    // Without a Content-Length the limit is enforced while reading.
    const streamed = Readable.from(
      (function* () {
        yield '{"grant_type":"password","pad":"';
        for (let i = 0; i < 32; i++) yield 'x'.repeat(64 * 1024);
        yield '"}';
      })(),
    );
    assertProblem(await post('/auth/token', 'application/json', streamed), 413, 'body-too-large');
  });

  test('a body just under the limit is parsed (the limit is not too tight)', async () => {
    const pad = 'x'.repeat(ONE_MB - 200);
    const res = await post(
      '/auth/token',
      'application/json',
      JSON.stringify({ grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD, pad }),
    );
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  });

  test('an unknown route is a 404 problem, for any method', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const) {
      const res = await platform.app.inject({ method, url: '/no/such/thing?x=1' });
      const p = assertProblem(res, 404, 'not-found');
      assert.equal(p.detail, `No resource at ${method} /no/such/thing`);
    }
    assertProblem(await platform.app.inject({ method: 'DELETE', url: '/auth/token' }), 404, 'not-found');
  });

  test('every problem carries the request id, echoed when the client sent a sane one', async () => {
    const res = await platform.app.inject({
      method: 'GET',
      url: '/nowhere',
      headers: { 'x-request-id': 'abc-123' },
    });
    assert.equal(res.headers['x-request-id'], 'abc-123');
    assert.equal(assertProblem(res, 404).requestId, 'abc-123');
    const odd = await platform.app.inject({
      method: 'GET',
      url: '/nowhere',
      headers: { 'x-request-id': 'a b<c>' },
    });
    assert.notEqual(odd.headers['x-request-id'], 'a b<c>');
    assert.match(String(odd.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  test('no response carries a stack trace', async () => {
    const responses = await Promise.all([
      post('/auth/token', 'application/json', '{"a":'),
      post('/auth/token', 'text/plain', 'x'),
      post('/auth/token', 'application/json', '{"grant_type":"password","username":"admin","password":"x"}'),
      platform.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Bearer a.b.c' } }),
      platform.app.inject({ method: 'GET', url: '/%E0%A4%A' }),
      platform.app.inject({ method: 'GET', url: '/healthz' }),
    ]);
    for (const res of responses) assertNoLeak(res);
  });
});
