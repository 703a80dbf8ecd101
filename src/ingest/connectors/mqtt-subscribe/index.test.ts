import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import {
  freePort,
  type Mosquitto,
  makeTlsFiles,
  startMosquitto,
} from '../../../../test/support/mosquitto.ts';
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import type { RawRecord } from '../../connector.ts';
import { mqttSubscribeConnector as connector, type MqttSubscribeConfig } from './index.ts';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const waitFor = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('mqtt-subscribe connector against a real Mosquitto', () => {
  let broker: Mosquitto;
  let publisher: MqttClient;
  let tlsDir: string;
  let tls: ReturnType<typeof makeTlsFiles> | undefined;
  const config = (over: Partial<MqttSubscribeConfig> = {}): MqttSubscribeConfig =>
    connector.validateConfig({ urls: [`mqtt://127.0.0.1:${broker.port}`], topic: 'city/#', qos: 1, ...over });
  const publish = (topic: string, body: unknown, retain = false) =>
    publisher.publishAsync(topic, JSON.stringify(body), { qos: 1, retain });

  before(async () => {
    tlsDir = mkdtempSync(join(tmpdir(), 'urbs-tls-'));
    tls = hasOpenssl ? makeTlsFiles(tlsDir) : undefined;
    broker = await startMosquitto({ tls, users: { sensor: 's3cret-Passw0rd' } });
    publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'test-publisher' });
  });
  after(async () => {
    await publisher?.endAsync();
    await broker?.stop();
    rmSync(tlsDir, { recursive: true, force: true });
  });

  test('bad config is a 400 naming the field', () => {
    const bad = (input: unknown, field: string) =>
      assert.throws(
        () => connector.validateConfig(input),
        (err) => err instanceof BadRequestError && err.extensions.field === field,
      );
    const ok = { urls: ['mqtt://127.0.0.1:1883'], topic: 'a/b' };
    bad({ ...ok, qos: 3 }, 'qos');
    bad({ ...ok, urls: ['http://broker'] }, 'urls.0');
    bad({ ...ok, urls: ['not a url'] }, 'urls.0');
    bad({ ...ok, topic: 'a/#/b' }, 'topic');
    bad({ ...ok, topic: 'a/b+' }, 'topic');
    bad({ topic: 'a' }, 'urls');
    bad({ ...ok, tls: { key: 'k' } }, 'tls.cert');
  });

  test('test connection: ok, and an unreachable broker names urls', async () => {
    const good = await connector.testConnection(config());
    assert.equal(good.ok, true, good.detail);
    const port = await freePort();
    const bad = await connector.testConnection(config({ urls: [`mqtt://127.0.0.1:${port}`] }));
    assert.equal(bad.ok, false);
    assert.equal(bad.field, 'urls');
    assert.match(bad.detail, /cannot be reached/);
  });

  test('sample returns up to 10 records (retained messages)', async () => {
    for (let i = 0; i < 12; i++) await publish(`sample/${i}`, { i }, true);
    const records = await connector.sample(config({ topic: 'sample/#' }), 10);
    assert.equal(records.length, 10);
    assert.equal(typeof records[0]?.data.i, 'number');
    assert.match(String(records[0]?.position.topic), /^sample\/\d+$/);
    for (let i = 0; i < 12; i++) await publisher.publishAsync(`sample/${i}`, '', { qos: 1, retain: true });
  });

  test('one sink call at a time (back-pressure), text payloads as { text }', async () => {
    const got: RawRecord[] = [];
    let active = 0;
    let maxActive = 0;
    const source = connector.start(config({ topic: 'flow/+' }), async (records) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 10));
      got.push(...records);
      active--;
    });
    await waitFor(() => source.status === 'running');
    for (let i = 0; i < 20; i++) await publish(`flow/${i % 3}`, { i });
    await publisher.publishAsync('flow/x', 'not json', { qos: 1 });
    await waitFor(() => got.length === 21);
    await source.stop();
    assert.equal(source.status, 'stopped');
    assert.equal(maxActive, 1);
    assert.deepEqual(
      got.slice(0, 20).map((r) => r.data.i),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.deepEqual(got[20]?.data, { text: 'not json' });
    assert.ok(!Number.isNaN(Date.parse(got[0]?.receivedAt ?? '')));
  });

  test('QoS 1 bursts arrive in batches, in order, each acknowledged once its batch is written', async () => {
    const got: number[] = [];
    const batches: number[] = [];
    const sink = async (records: RawRecord[]) => {
      batches.push(records.length);
      await new Promise((r) => setTimeout(r, 20));
      for (const r of records) got.push(r.data.n as number);
    };
    const cfg = config({ topic: 'burst/#' });
    let source = connector.start(cfg, sink, { sourceId: 'burst-source' });
    await waitFor(() => source.status === 'running');
    await Promise.all(Array.from({ length: 200 }, (_, n) => publish('burst/a', { n })));
    await waitFor(() => got.length === 200);
    await source.stop();
    assert.deepEqual(
      got,
      Array.from({ length: 200 }, (_, n) => n),
    );
    assert.ok(batches.length < 100, `200 messages in ${batches.length} sink calls`);
    assert.ok(Math.max(...batches) > 1);
    // Everything was acknowledged: the persistent session has nothing to deliver again.
    source = connector.start(cfg, sink, { sourceId: 'burst-source' });
    await waitFor(() => source.status === 'running');
    await publish('burst/a', { n: 200 });
    await waitFor(() => got.length === 201);
    await new Promise((r) => setTimeout(r, 200));
    await source.stop();
    assert.equal(got.length, 201);
    assert.equal(got[200], 200);
  });

  test('QoS 2 subscription: exactly-once flow is acknowledged after the sink', async () => {
    const got: RawRecord[] = [];
    const source = connector.start(config({ topic: 'q2/#', qos: 2 }), async (r) => {
      await new Promise((res) => setTimeout(res, 5));
      got.push(...r);
    });
    await waitFor(() => source.status === 'running');
    for (let i = 0; i < 5; i++) await publisher.publishAsync('q2/a', JSON.stringify({ i }), { qos: 2 });
    await waitFor(() => got.length === 5);
    await source.stop();
    assert.deepEqual(
      got.map((r) => [r.data.i, r.position.qos]),
      [0, 1, 2, 3, 4].map((i) => [i, 2]),
    );
  });

  test('restart without loss: persistent session keeps messages sent while stopped; none twice', async () => {
    const seen: number[] = [];
    let slow = false;
    const sink = async (records: RawRecord[]) => {
      if (slow) await new Promise((r) => setTimeout(r, 300));
      for (const r of records) seen.push(r.data.n as number);
    };
    const cfg = config({ topic: 'restart/#' });
    let source = connector.start(cfg, sink, { sourceId: 'restart-source' });
    await waitFor(() => source.status === 'running');
    for (let n = 0; n < 5; n++) await publish('restart/a', { n });
    await waitFor(() => seen.length === 5);
    slow = true;
    await publish('restart/a', { n: 5 });
    await new Promise((r) => setTimeout(r, 50)); // n=5 is in the sink, not acknowledged yet
    // stop() waits for the sink; what it committed is acknowledged before the connection ends.
    await source.stop();
    slow = false;
    for (let n = 6; n < 10; n++) await publish('restart/a', { n });
    source = connector.start(cfg, sink, { sourceId: 'restart-source' });
    try {
      await waitFor(() => seen.length >= 10);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await source.stop();
    }
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: 10 }, (_, n) => n),
    );
  });

  test('a failing sink sets status error with the reason, then the broker redelivers', async () => {
    const seen: number[] = [];
    let failures = 1;
    const statuses: string[] = [];
    const source = connector.start(
      config({ topic: 'failing/#' }),
      async (records) => {
        if (failures-- > 0) throw new Error('database is down');
        for (const r of records) seen.push(r.data.n as number);
      },
      { sourceId: 'failing-source', onStatus: (s, e) => statuses.push(e ? `${s}: ${e}` : s) },
    );
    await waitFor(() => source.status === 'running');
    await publish('failing/a', { n: 1 });
    await waitFor(() => seen.includes(1));
    assert.ok(
      statuses.some((s) => s.startsWith('error') && s.includes('database is down')),
      String(statuses),
    );
    assert.match(source.lastError ?? '', /database is down/);
    await waitFor(() => source.status === 'running');
    await source.stop();
  });

  const noTls = !hasOpenssl && 'openssl is not installed: no certificates for the mqtts test';
  test('mqtts with a private CA and credentials; the password never appears in results', {
    skip: noTls,
  }, async () => {
    const secure = (password: string) =>
      config({
        urls: [`mqtts://127.0.0.1:${broker.securePort}`],
        topic: 'secure/#',
        username: 'sensor',
        password,
        tls: { ca: readFileSync(tls?.caFile ?? '', 'utf8') },
      });
    const good = await connector.testConnection(secure('s3cret-Passw0rd'));
    assert.equal(good.ok, true, good.detail);
    const wrong = await connector.testConnection(secure('wr0ng-Passw0rd'));
    assert.equal(wrong.ok, false);
    assert.equal(wrong.field, 'password');
    assert.ok(!JSON.stringify(wrong).includes('wr0ng-Passw0rd'));
    const noCa = await connector.testConnection({ ...secure('s3cret-Passw0rd'), tls: {} });
    assert.equal(noCa.ok, false);
    assert.equal(noCa.field, 'tls');

    const got: RawRecord[] = [];
    const source = connector.start(secure('s3cret-Passw0rd'), async (r) => {
      got.push(...r);
    });
    await waitFor(() => source.status === 'running');
    await publish('secure/x', { ok: true });
    await waitFor(() => got.length === 1);
    await source.stop();
  });
});
