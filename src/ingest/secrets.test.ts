import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import Fastify from 'fastify';
import { createSecretBox } from '../crypto/secret-box.ts';
import { connectors } from './connectors/index.ts';
import {
  keepMaskedSecrets,
  maskSecrets,
  openSecrets,
  redactSecrets,
  SECRET_MASK,
  sealSecrets,
  secretPaths,
} from './secrets.ts';

const box = createSecretBox(randomBytes(32));
const mqttSchema = connectors['mqtt-subscribe'].configSchema;
const pollSchema = connectors['http-poll'].configSchema;
const mqttConfig = {
  urls: ['mqtts://broker.example:8883'],
  topic: 'a/#',
  username: 'sensor',
  password: 'Pa55-word',
  tls: { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' },
};

test('secret paths come from the schemas (writeOnly), maps included', () => {
  assert.deepEqual(secretPaths(mqttSchema), [['password'], ['tls', 'key']]);
  assert.deepEqual(secretPaths(pollSchema), [['headers', '*']]);
  assert.deepEqual(secretPaths(connectors.sql.configSchema), [['url']]);
  assert.deepEqual(secretPaths(connectors['http-push'].configSchema), [['key']]);
});

test('seal → store → open round trip; sealed text holds no plain secret', () => {
  const sealed = sealSecrets(mqttConfig, mqttSchema, box);
  assert.match(sealed.password, /^v1\./);
  assert.match(sealed.tls.key, /^v1\./);
  assert.equal(sealed.tls.ca, 'CA PEM');
  assert.equal(sealed.username, 'sensor');
  assert.ok(!JSON.stringify(sealed).includes('Pa55-word'));
  assert.equal(mqttConfig.password, 'Pa55-word', 'the input is not changed');
  assert.deepEqual(openSecrets(sealed, mqttSchema, box), mqttConfig);
  const headers = {
    url: 'https://x.example',
    intervalSeconds: 5,
    headers: { 'X-Api-Key': 'k-1', Accept: 'a' },
  };
  const sealedHeaders = sealSecrets(headers, pollSchema, box);
  assert.match(sealedHeaders.headers['X-Api-Key'], /^v1\./);
  assert.deepEqual(openSecrets(sealedHeaders, pollSchema, box), headers);
});

test('masking for answers and logs; a masked value sent back keeps the stored secret', () => {
  const masked = maskSecrets(sealSecrets(mqttConfig, mqttSchema, box), mqttSchema);
  assert.equal(masked.password, SECRET_MASK);
  assert.equal(masked.tls.key, SECRET_MASK);
  assert.equal(masked.tls.cert, 'CERT PEM');
  const stored = sealSecrets(mqttConfig, mqttSchema, box);
  const update = { ...masked, topic: 'b/#' };
  const merged = keepMaskedSecrets(update, stored, mqttSchema);
  assert.equal(merged.password, stored.password);
  assert.equal(merged.topic, 'b/#');
  const changed = keepMaskedSecrets({ ...masked, password: 'new-Pass' }, stored, mqttSchema);
  assert.equal(changed.password, 'new-Pass');
});

test('redaction removes plain and URL-encoded secrets from messages', () => {
  const msg = redactSecrets('login as sensor:Pa55-word failed (Pa55-word)', mqttConfig, mqttSchema);
  assert.equal(msg, `login as sensor:${SECRET_MASK} failed (${SECRET_MASK})`);
  const enc = redactSecrets('GET /?p=p%40ss%2Fw', { password: 'p@ss/w' }, mqttSchema);
  assert.equal(enc, `GET /?p=${SECRET_MASK}`);
});

test('every connector schema works as a fastify route schema (writeOnly is standard, no custom keyword)', async () => {
  const app = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: false } } });
  for (const [type, connector] of Object.entries(connectors)) {
    app.post(`/${type}`, { schema: { body: connector.configSchema } }, async () => ({ ok: true }));
  }
  await app.ready();
  const res = await app.inject({
    method: 'POST',
    url: '/mqtt-subscribe',
    payload: { ...mqttConfig, qos: 3 },
  });
  assert.equal(res.statusCode, 400);
  const good = await app.inject({ method: 'POST', url: '/mqtt-subscribe', payload: mqttConfig });
  assert.equal(good.statusCode, 200);
  await app.close();
});
