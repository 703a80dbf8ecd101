import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnauthorizedError } from '../../../core/errors/auth-errors.ts';
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import { createPushReceiver, generatePushKey, httpPushConnector } from './index.ts';

const key = generatePushKey();
const receiver = createPushReceiver(httpPushConnector.validateConfig({ key }));

test('http-push: the key is checked, a wrong or missing one is a 401', () => {
  assert.throws(
    () => receiver.receive({ key: 'x'.repeat(43), contentType: undefined, body: {} }),
    UnauthorizedError,
  );
  assert.throws(
    () => receiver.receive({ key: undefined, contentType: undefined, body: {} }),
    UnauthorizedError,
  );
  assert.throws(
    () => receiver.receive({ key: `${key}x`, contentType: undefined, body: {} }),
    UnauthorizedError,
  );
  const ok = receiver.receive({ key, contentType: 'application/json', body: { a: 1 } });
  assert.deepEqual(ok[0]?.data, { a: 1 });
});

test('http-push: JSON object, array, GeoJSON, CSV text, records path', () => {
  const recv = (body: unknown, contentType = 'application/json', r = receiver) =>
    r.receive({ key, contentType, body }).map((x) => x.data);
  assert.deepEqual(recv([{ a: 1 }, { a: 2 }]), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(recv('[{"a":1}]'), [{ a: 1 }]);
  const feature = { type: 'Feature', geometry: null, properties: { p: 1 } };
  assert.deepEqual(recv({ type: 'FeatureCollection', features: [feature] }, 'application/geo+json'), [
    feature,
  ]);
  assert.deepEqual(recv(Buffer.from('a,b\n1,2\n'), 'text/csv; charset=utf-8'), [{ a: '1', b: '2' }]);
  const nested = createPushReceiver(httpPushConnector.validateConfig({ key, recordsPath: '$.payload.rows' }));
  assert.deepEqual(recv({ payload: { rows: [{ r: 1 }] } }, 'application/json', nested), [{ r: 1 }]);
  const [first] = receiver.receive({ key, contentType: undefined, body: { a: 1 } });
  assert.equal(first?.position.index, 0);
  assert.ok(!Number.isNaN(Date.parse(first?.receivedAt ?? '')));
});

test('http-push: bad bodies and configs are 400s naming the field', () => {
  const bad = (body: unknown, contentType: string, field: string) =>
    assert.throws(
      () => receiver.receive({ key, contentType, body }),
      (err) => err instanceof BadRequestError && err.extensions.field === field,
    );
  bad('{not json', 'application/json', 'body');
  bad('a,b\n1,2,3\n', 'text/csv', 'body');
  bad(undefined, 'application/json', 'body');
  const nested = createPushReceiver({ key, recordsPath: 'rows' });
  assert.throws(
    () => nested.receive({ key, contentType: 'application/json', body: { other: [] } }),
    (err) => err instanceof BadRequestError && err.extensions.field === 'recordsPath',
  );
  assert.throws(
    () => httpPushConnector.validateConfig({ key: 'short' }),
    (err) => err instanceof BadRequestError && err.extensions.field === 'key',
  );
});
