/**
 * Control plane, pushed records: `POST /api/v1/ingest/{sourceId}` (http-push, authenticated by the source's
 * ingest key), the generated key shown once (create, rotate-key), and streamed file uploads with progress
 * (`POST /api/v1/datasources/{id}/uploads`, `GET …/uploads/{uploadId}`). The pipeline runtime is an
 * in-memory implementation of its interface that records what it was handed; the real runtime has its own
 * end-to-end suite. The app runs with a captured log stream: no key may appear in a log line or in any
 * answer after the one that handed it out.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { ControlPluginOptions } from '../../src/apis/control/control-plugin.ts';
import { createUser } from '../../src/auth/accounts.ts';
import { ensureSigningKey } from '../../src/auth/signing-keys.ts';
import { createTokenService } from '../../src/auth/tokens.ts';
import { openDataSource } from '../../src/core/control/data-source-lifecycle.ts';
import { createEntityService } from '../../src/core/entities/entity-service.ts';
import { DomainError } from '../../src/core/errors/domain-error.ts';
import { createChangeFeed } from '../../src/core/events/change-feed.ts';
import { sql } from '../../src/core/query/sql.ts';
import { createObservationBatcher } from '../../src/core/sensing/observation-batcher.ts';
import { createSecretBox, loadInstanceSecret, type SecretBox } from '../../src/crypto/secret-box.ts';
import type { RawRecord } from '../../src/ingest/connector.ts';
import { controlRegistry } from '../../src/model/control/index.ts';
import { staRegistry } from '../../src/model/sta/index.ts';
import type {
  PipelineRuntime,
  PipelineStatus,
  PushResult,
} from '../../src/pipeline/runtime/runtime-types.ts';
import { buildApp } from '../../src/server/build-app.ts';
import type { Queryable } from '../../src/store/store.ts';
import { assertProblem } from '../support/assert-problem.ts';
import { ADMIN_PASSWORD, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const MASK = '********';
const MAX_UPLOAD = 4 * 1024 * 1024;

/**
 * The runtime interface with pipelines kept in memory: `push` hands records to the running pipelines of
 * the source (a record with `bad` is rejected, i.e. dead-lettered) and remembers every batch.
 */
class RecordingRuntime implements PipelineRuntime {
  readonly batches: { tenant: string; sourceId: number; records: RawRecord[] }[] = [];
  private readonly pipelines = new Map<number, PipelineStatus & { tenant: string; sourceId: number }>();

  add(tenant: string, sourceId: number, pipelineId: number): void {
    const counters = { in: 0, out: 0, filtered: 0, rejected: 0 };
    this.pipelines.set(pipelineId, {
      tenant,
      sourceId,
      pipelineId,
      state: 'stopped',
      node: null,
      counters,
      lastError: null,
      lastErrorAt: null,
      lastBatchAt: null,
      lagMs: null,
    });
  }
  received(sourceId: number): RawRecord[] {
    return this.batches.filter((b) => b.sourceId === sourceId).flatMap((b) => b.records);
  }
  async push(tenant: string, sourceId: number, records: RawRecord[]): Promise<PushResult> {
    const running = [...this.pipelines.values()].filter(
      (p) => p.tenant === tenant && p.sourceId === sourceId && p.state === 'running',
    );
    if (running.length === 0) {
      throw new DomainError('URBS_NO_RUNNING_PIPELINE', 409, `No pipeline runs DataSource ${sourceId}`);
    }
    this.batches.push({ tenant, sourceId, records });
    const rejected = records.filter((r) => 'bad' in r.data).length;
    for (const p of running) {
      p.counters.in += records.length;
      p.counters.out += records.length - rejected;
      p.counters.rejected += rejected;
      p.lastBatchAt = new Date().toISOString();
    }
    return {
      in: records.length,
      out: (records.length - rejected) * running.length,
      filtered: 0,
      rejected: rejected * running.length,
      pipelines: running.map((p) => p.pipelineId),
    };
  }
  async status(tenant: string, pipelineId: number): Promise<PipelineStatus> {
    const p = this.pipeline(tenant, pipelineId);
    const { tenant: _t, sourceId: _s, ...status } = p;
    return structuredClone(status);
  }
  async start(tenant: string, pipelineId: number): Promise<void> {
    this.pipeline(tenant, pipelineId).state = 'running';
  }
  async stop(tenant: string, pipelineId: number): Promise<void> {
    this.pipeline(tenant, pipelineId).state = 'stopped';
  }
  async resumeAll(): Promise<void> {}
  async close(): Promise<void> {
    for (const p of this.pipelines.values()) p.state = 'stopped';
  }
  private pipeline(tenant: string, id: number) {
    const p = this.pipelines.get(id);
    if (!p || p.tenant !== tenant)
      throw new DomainError('URBS_NOT_FOUND', 404, `Pipeline ${id} does not exist`);
    return p;
  }
}

/** The platform's app again, on the same database, with the runtime and a log stream of our own. */
async function startIngestApp(
  platform: TestPlatform,
  runtime: PipelineRuntime,
  logs: string[],
): Promise<{ app: FastifyInstance; box: SecretBox }> {
  const store = platform.store;
  const box = createSecretBox(await loadInstanceSecret(undefined, platform.dataDir));
  const tokens = await createTokenService({
    db: store,
    signingKey: await ensureSigningKey(store, box),
    ttlSeconds: 3600,
  });
  const sta = createEntityService({ store, registry: staRegistry, feed: createChangeFeed() });
  const control = {
    read: {
      db: store,
      registry: controlRegistry,
      options: { defaultTop: 20, maxTop: 500, countEstimateAbove: 0 },
    },
    entities: createEntityService({ store, registry: controlRegistry, feed: createChangeFeed() }),
    usage: platform.structureUsage,
    secretBox: box,
    runtime,
    // The pipeline routes want the runtime too; this suite does not call them.
    pipelines: {
      runtime,
      openSource: (db: Queryable, t: string, id: number) => openDataSource(db, t, id, box),
    },
    uploads: { maxBytes: MAX_UPLOAD },
  } as unknown as ControlPluginOptions;
  const app = await buildApp({
    store,
    tokens,
    bodyLimit: 1024 * 1024,
    control,
    sta: {
      registry: staRegistry,
      read: {
        db: store,
        registry: staRegistry,
        options: { defaultTop: 100, maxTop: 10_000, countEstimateAbove: 1e6 },
      },
      entities: sta,
      observations: createObservationBatcher(sta),
    },
    logger: {
      level: 'info',
      stream: new Writable({
        write(chunk, _enc, done) {
          logs.push(String(chunk));
          done();
        },
      }),
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, box };
}

/** `n` CSV lines after the header, about 30 bytes each. */
function csvLines(n: number, from = 0): string {
  let out = '';
  for (let i = from; i < from + n; i++) out += `${i},station-${i % 17},${(i % 1000) / 10}\n`;
  return out;
}

/**
 * POSTs `parts` over a real connection, one write per part; after each write `between(written)` runs (the
 * test polls there). Resolves with the answer.
 */
function streamParts(
  url: string,
  headers: Record<string, string | number>,
  parts: Buffer[],
  between: (written: number) => Promise<void> = async () => {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    (async () => {
      let written = 0;
      for (const part of parts) {
        if (req.destroyed || req.writableEnded) break;
        req.write(part);
        written += part.length;
        await between(written);
      }
      req.end();
    })().catch(reject);
  });
}

/** Polls `get` until `ok` holds for its JSON (at most 5 s). */
async function until<T>(
  get: () => Promise<{ statusCode: number; json(): T }>,
  ok: (v: T) => boolean,
): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const res = await get();
    if (res.statusCode === 200 && ok(res.json())) return res.json();
    await sleep(10);
  }
  throw new Error('the condition was not reached in 5 s');
}

describe('control plane: HTTP push and file uploads', () => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let box: SecretBox;
  let base: string;
  let auth: Record<string, string>;
  let otherAuth: Record<string, string>;
  const runtime = new RecordingRuntime();
  const logs: string[] = [];
  /** Every key urbs handed out, and every raw answer after the one that handed it out. */
  const keys: string[] = [];
  const bodies: string[] = [];
  let versionId: number;

  async function call(opts: InjectOptions) {
    const res = await app.inject(opts);
    bodies.push(res.body);
    return res;
  }
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers = {}) =>
    call({
      method,
      url: `/api/v1${url}`,
      headers: { ...auth, ...headers },
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
  const push = (id: number, payload: unknown, headers: Record<string, string>, prefix = '/api/v1') =>
    call({ method: 'POST', url: `${prefix}/ingest/${id}`, payload: payload as string, headers });

  /** A released source of `type`; an http-push one is created without a key, so urbs makes one. */
  async function releasedSource(name: string, connectorType: string, config: Record<string, unknown>) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/datasources',
      headers: auth,
      payload: { name, connectorType, config, dataStructureVersionId: versionId },
    });
    assert.equal(res.statusCode, 201, res.body);
    const created = res.json();
    if (created.ingest) keys.push(created.ingest.key);
    assert.equal((await api('POST', `/datasources/${created.id}/release`)).statusCode, 200);
    return created as { id: number; config: Record<string, unknown>; ingest?: { url: string; key: string } };
  }

  async function token(username: string, password: string, tenant?: string) {
    const res = await app.inject({
      method: 'POST',
      url: '/auth/token',
      payload: { grant_type: 'password', username, password, ...(tenant ? { tenant } : {}) },
    });
    return { authorization: `Bearer ${res.json().access_token}` };
  }

  before(async () => {
    platform = await startTestPlatform();
    ({ app, box } = await startIngestApp(platform, runtime, logs));
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await platform.store.query(sql`INSERT INTO tenants (id, name) VALUES ('other', 'Other')`);
    await createUser(platform.store, {
      tenant: 'other',
      username: 'olga',
      password: 'olga-pw',
      roles: ['admin'],
    });
    auth = await token('admin', ADMIN_PASSWORD);
    otherAuth = await token('olga', 'olga-pw', 'other');
    const s = (await api('POST', '/datastructures', { name: 'Counts' })).json();
    const v = await api('POST', `/datastructures/${s.id}/versions`, {
      version: '1.0.0',
      schema: { type: 'object', properties: { id: { type: 'string' } } },
    });
    versionId = v.json().id;
    await api('POST', `/datastructures/${s.id}/versions/1.0.0/release`);
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  test('an http-push source created without a key gets one, shown once; later answers mask it', async () => {
    const source = await releasedSource('Counter push', 'http-push', { recordsPath: 'items' });
    assert.equal(source.ingest?.url, `/api/v1/ingest/${source.id}`);
    assert.ok(source.ingest!.key.length >= 40, 'a 256-bit key');
    assert.equal(source.config.key, MASK);
    const read = await api('GET', `/datasources/${source.id}`);
    assert.equal(read.json().config.key, MASK);
    assert.equal(read.json().ingest, undefined);
    // A key the client chose is the client's: nothing is answered back.
    const own = await api('POST', '/datasources', {
      name: 'Own key',
      connectorType: 'http-push',
      config: { key: 'a-push-key-of-enough-length' },
    });
    assert.equal(own.statusCode, 201);
    assert.equal(own.json().ingest, undefined);
    // A DRAFT that becomes http-push without a key gets one too, shown in that answer only.
    const files = (
      await api('POST', '/datasources', {
        name: 'Was files',
        connectorType: 'file-upload',
        config: { format: 'csv' },
      })
    ).json();
    const changed = await app.inject({
      method: 'PATCH',
      url: `/api/v1/datasources/${files.id}`,
      headers: auth,
      payload: { connectorType: 'http-push', config: {} },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    keys.push(changed.json().ingest.key);
    assert.equal(changed.json().config.key, MASK);
    const again = await api('PATCH', `/datasources/${files.id}`, { description: 'now pushed' });
    assert.equal(again.json().ingest, undefined);
    assert.equal(
      assertProblem(await api('PATCH', `/datasources/${files.id}`, { config: {} }), 400).field,
      'config.key',
    );
  });

  test('openDataSource: the config validated with secrets open, masked in JSON and inspect', async () => {
    const source = await releasedSource('Opened push', 'http-push', { recordsPath: 'items' });
    const opened = await openDataSource(platform.store, 'default', source.id, box);
    assert.equal(opened.connectorType, 'http-push');
    assert.equal(opened.connector.type, 'http-push');
    assert.equal(opened.status, 'AVAILABLE');
    assert.equal(opened.dataStructureVersionId, versionId);
    assert.deepEqual(opened.config, { recordsPath: 'items', key: source.ingest!.key });
    const shown = `${JSON.stringify(opened)} ${JSON.stringify({ source: opened })} ${inspect(opened)}`;
    assert.ok(!shown.includes(source.ingest!.key), shown);
    assert.equal(JSON.parse(JSON.stringify(opened)).config.key, MASK);
    await assert.rejects(openDataSource(platform.store, 'other', source.id, box), { code: 'URBS_NOT_FOUND' });
    await assert.rejects(openDataSource(platform.store, 'default', 99_999, box), { status: 404 });
  });

  test('push: 409 while no pipeline runs the source, then JSON, CSV and GeoJSON bodies', async () => {
    const source = await releasedSource('Weather push', 'http-push', {});
    const key = { 'x-ingest-key': source.ingest!.key };
    const json = { ...key, 'content-type': 'application/json' };
    assertProblem(await push(source.id, [{ id: 'a' }], json), 409, 'no-running-pipeline');

    runtime.add('default', source.id, 11);
    await runtime.start('default', 11);
    const res = await push(
      source.id,
      [
        { id: 'a', t: 1.5 },
        { id: 'b', bad: true },
      ],
      json,
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { in: 2, out: 1, filtered: 0, rejected: 1, pipelines: [11] });
    const csv = await push(source.id, 'id,t\nc,2.5\nd,3\n', { ...key, 'content-type': 'text/csv' });
    assert.equal(csv.statusCode, 200, csv.body);
    assert.equal(csv.json().in, 2);
    const geo = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [7.6, 51.9] }, properties: { id: 'e' } },
      ],
    };
    const geoRes = await push(source.id, JSON.stringify(geo), {
      ...key,
      'content-type': 'application/geo+json',
    });
    assert.equal(geoRes.json().in, 1, geoRes.body);
    const data = runtime.received(source.id).map((r) => r.data);
    assert.deepEqual(data.slice(0, 4), [
      { id: 'a', t: 1.5 },
      { id: 'b', bad: true },
      { id: 'c', t: '2.5' },
      { id: 'd', t: '3' },
    ]);
    assert.equal((data[4] as { type: string }).type, 'Feature');

    // An empty or broken body is a 400 naming `body` (after the key was checked).
    assert.equal(assertProblem(await push(source.id, '', json), 400).field, 'body');
    assert.equal(assertProblem(await push(source.id, '{"id": ', json), 400).field, 'body');
    assert.equal(assertProblem(await push(source.id, undefined, key), 400).field, 'body');
  });

  test('push: wrong or missing key, unknown id, other tenant, other type all answer the same 401', async () => {
    const source = await releasedSource('Parking push', 'http-push', {});
    const upload = await releasedSource('Parking files', 'file-upload', { format: 'csv' });
    const right = { 'x-ingest-key': source.ingest!.key, 'content-type': 'application/json' };
    const refusals = [
      await push(source.id, [{ id: 'x' }], { ...right, 'x-ingest-key': `${source.ingest!.key}x` }),
      await push(source.id, [{ id: 'x' }], { 'content-type': 'application/json' }),
      await push(99_999, [{ id: 'x' }], right),
      await push(upload.id, [{ id: 'x' }], right),
      await push(source.id, [{ id: 'x' }], right, '/t/other/api/v1'),
      await push(source.id, [{ id: 'x' }], { ...right, ...otherAuth }, '/t/other/api/v1'),
    ];
    const details = refusals.map((r) => assertProblem(r, 401, 'unauthorized').detail);
    assert.equal(new Set(details).size, 1, details.join(' | '));
    // A key in the URL is refused (URLs end up in logs), even the right one.
    const inUrl = await call({
      method: 'POST',
      url: `/api/v1/ingest/${source.id}?key=${encodeURIComponent(source.ingest!.key)}`,
      payload: [{ id: 'x' }],
    });
    assert.equal(assertProblem(inUrl, 400).field, 'key');
    // With the right key a DRAFT says what it is.
    await api('POST', `/datasources/${source.id}/unrelease`);
    assertProblem(await push(source.id, [{ id: 'x' }], right), 409, 'data-source-not-available');
  });

  test('rotate-key: a new key, shown once; the old one stops working', async () => {
    const source = await releasedSource('Rotating push', 'http-push', {});
    runtime.add('default', source.id, 12);
    await runtime.start('default', 12);
    const old = { 'x-ingest-key': source.ingest!.key, 'content-type': 'application/json' };
    assert.equal((await push(source.id, [{ id: '1' }], old)).statusCode, 200);
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/datasources/${source.id}/rotate-key`,
      headers: auth,
    });
    assert.equal(res.statusCode, 200, res.body);
    const { ingest, config, status } = res.json();
    keys.push(ingest.key);
    assert.notEqual(ingest.key, source.ingest!.key);
    assert.equal(config.key, MASK);
    assert.equal(status, 'AVAILABLE', 'rotating needs no unrelease');
    assertProblem(await push(source.id, [{ id: '2' }], old), 401);
    assert.equal(
      (await push(source.id, [{ id: '3' }], { ...old, 'x-ingest-key': ingest.key })).statusCode,
      200,
    );
    const files = await releasedSource('Files, no key', 'file-upload', { format: 'csv' });
    assert.equal(
      assertProblem(await api('POST', `/datasources/${files.id}/rotate-key`), 400).field,
      'connectorType',
    );
    assertProblem(
      await call({
        method: 'POST',
        url: `/t/other/api/v1/datasources/${source.id}/rotate-key`,
        headers: otherAuth,
      }),
      404,
    );
  });

  test('upload: a 50,000-line CSV is streamed while another connection polls its progress', async () => {
    const source = await releasedSource('Counts file', 'file-upload', { format: 'csv', batchSize: 1000 });
    runtime.add('default', source.id, 13);
    await runtime.start('default', 13);
    const parts = Array.from({ length: 10 }, (_, i) =>
      Buffer.from((i === 0 ? 'id,station,value\n' : '') + csvLines(5000, i * 5000)),
    );
    const total = parts.reduce((n, p) => n + p.length, 0);
    const uploadId = randomUUID();
    const progress = () => api('GET', `/datasources/${source.id}/uploads/${uploadId}`);

    const seen: number[] = [];
    const headers = { ...auth, 'content-type': 'text/csv', 'content-length': total, 'upload-id': uploadId };
    const url = `${base}/api/v1/datasources/${source.id}/uploads`;
    const answer = streamParts(url, headers, parts, async (written) => {
      // The server reads what was sent as it arrives (nothing is buffered until the end).
      const state = await until(
        progress,
        (s: { bytesRead: number; status: string }) => s.bytesRead >= written,
      );
      seen.push(state.bytesRead);
      if (written < total) assert.equal(state.status, 'running');
    });
    const done = await answer;
    assert.equal(done.status, 201, done.body);
    const state = JSON.parse(done.body);
    assert.equal(state.id, uploadId);
    assert.equal(state.status, 'done');
    assert.equal(state.bytesRead, total);
    assert.equal(state.totalBytes, total);
    assert.equal(state.records, 50_000);
    assert.equal(state.in, 50_000);
    assert.equal(state.out, 50_000);
    assert.equal(state.error, null);
    assert.ok(state.finishedAt >= state.startedAt);
    assert.equal(seen.length, 10);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `bytesRead grows: ${seen}`);
    assert.ok(seen[0]! < total / 2, 'progress was seen early');
    assert.deepEqual((await progress()).json(), state);
    const records = runtime.received(source.id);
    assert.equal(records.length, 50_000);
    assert.deepEqual(records[49_999]!.data, { id: '49999', station: 'station-2', value: '99.9' });
    // Another tenant sees no such upload.
    assertProblem(
      await call({
        method: 'GET',
        url: `/t/other/api/v1/datasources/${source.id}/uploads/${uploadId}`,
        headers: otherAuth,
      }),
      404,
    );
    // An upload id is used once.
    const again = await api('POST', `/datasources/${source.id}/uploads?uploadId=${uploadId}`, 'id\n1\n', {
      'content-type': 'text/csv',
    });
    assert.equal(assertProblem(again, 409).field, 'uploadId');
  });

  test('upload: a JSON array and a GeoJSON FeatureCollection, id chosen by the server', async () => {
    const json = await releasedSource('JSON file', 'file-upload', { format: 'json', batchSize: 2 });
    const geo = await releasedSource('GeoJSON file', 'file-upload', { format: 'geojson' });
    runtime.add('default', json.id, 16);
    runtime.add('default', geo.id, 17);
    await runtime.start('default', 16);
    await runtime.start('default', 17);
    const type = { 'content-type': 'application/json' };
    const res = await api(
      'POST',
      `/datasources/${json.id}/uploads`,
      [{ id: 'a' }, { id: 'b' }, { id: 'c', bad: 1 }],
      type,
    );
    assert.equal(res.statusCode, 201, res.body);
    const state = res.json();
    assert.match(state.id, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.location, `/api/v1/datasources/${json.id}/uploads/${state.id}`);
    assert.deepEqual([state.records, state.in, state.out, state.rejected], [3, 3, 2, 1]);
    assert.equal(runtime.batches.filter((b) => b.sourceId === json.id).length, 2, 'batches of 2');
    const features = {
      type: 'FeatureCollection',
      features: [1, 2].map((i) => ({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [i, i] },
        properties: { id: i },
      })),
    };
    const geoRes = await api('POST', `/datasources/${geo.id}/uploads`, JSON.stringify(features), {
      'content-type': 'application/geo+json',
    });
    assert.equal(geoRes.json().records, 2, geoRes.body);
    assert.deepEqual(runtime.received(geo.id)[1]!.data.properties, { id: 2 });
    const broken = await api(
      'POST',
      `/datasources/${geo.id}/uploads`,
      '{"type":"FeatureCollection","features":[{',
      {
        'content-type': 'application/geo+json',
      },
    );
    assert.equal(assertProblem(broken, 400).field, 'file');
  });

  test('upload: a bad line halfway is a 400 on file with the records committed before it', async () => {
    const source = await releasedSource('Broken file', 'file-upload', { format: 'csv', batchSize: 1000 });
    runtime.add('default', source.id, 14);
    await runtime.start('default', 14);
    const uploadId = randomUUID();
    const progress = () => api('GET', `/datasources/${source.id}/uploads/${uploadId}`);
    const parts = [
      Buffer.from(`id,station,value\n${csvLines(20_500)}`),
      Buffer.from(`20500,too,many,columns\n${csvLines(1000, 20_501)}`),
    ];
    const url = `${base}/api/v1/datasources/${source.id}/uploads?uploadId=${uploadId}`;
    const answer = await streamParts(url, { ...auth, 'content-type': 'text/csv' }, parts, async (written) => {
      // 20 batches of the good part are committed before the bad line is even sent; 500 records wait.
      if (written === parts[0]!.length)
        await until(progress, (s: { records: number }) => s.records === 20_000);
    });
    const res = { statusCode: answer.status, headers: answer.headers, body: answer.body };
    const p = assertProblem(res, 400);
    assert.equal(p.field, 'file');
    assert.match(p.detail, /line 20502/);
    // Everything parsed before the bad line is committed (at most the last line's record may still sit in
    // the parser); the answer says exactly how many, so a client knows where to resume.
    const records = Number(p.records);
    assert.ok(records >= 20_499 && records <= 20_500, String(records));
    assert.equal(p.uploadId, uploadId);
    assert.equal(runtime.received(source.id).length, p.records);
    const state = (await api('GET', `/datasources/${source.id}/uploads/${uploadId}`)).json();
    assert.equal(state.status, 'failed');
    assert.equal(state.records, p.records);
    assert.equal(state.error.field, 'file');
    assert.equal(state.error.type, 'urn:urbs:problem:bad-request');
  });

  test('upload: refusals (no pipeline, wrong type, wrong media type, too large, bad id)', async () => {
    const source = await releasedSource('Idle file', 'file-upload', { format: 'csv' });
    const csv = { 'content-type': 'text/csv' };
    const idle = await api(
      'POST',
      `/datasources/${source.id}/uploads`,
      `id,station,value\n${csvLines(10)}`,
      csv,
    );
    assert.equal(assertProblem(idle, 409, 'no-running-pipeline').records, 0);
    const pushSource = await releasedSource('Not a file source', 'http-push', {});
    assert.equal(
      assertProblem(await api('POST', `/datasources/${pushSource.id}/uploads`, 'id\n1\n', csv), 400).field,
      'connectorType',
    );
    assertProblem(
      await api('POST', `/datasources/${source.id}/uploads`, '[]', { 'content-type': 'application/json' }),
      415,
    );
    assertProblem(await api('POST', '/datasources/99999/uploads', 'id\n1\n', csv), 404);
    assert.equal(
      assertProblem(
        await api('POST', `/datasources/${source.id}/uploads`, 'id\n1\n', { ...csv, 'upload-id': 'nope' }),
        400,
      ).field,
      'Upload-Id',
    );
    assertProblem(await api('GET', `/datasources/${source.id}/uploads/${randomUUID()}`), 404);
    assertProblem(
      await call({
        method: 'POST',
        url: `/api/v1/datasources/${source.id}/uploads`,
        payload: 'id\n1\n',
        headers: csv,
      }),
      401,
    );

    // Beyond the limit: refused up front by Content-Length, and mid-stream for a chunked body.
    runtime.add('default', source.id, 15);
    await runtime.start('default', 15);
    const big = Buffer.from(`id,station,value\n${csvLines(200_000)}`);
    assert.ok(big.length > MAX_UPLOAD);
    assertProblem(await api('POST', `/datasources/${source.id}/uploads`, big, csv), 413);
    const chunks = [];
    for (let at = 0; at < big.length; at += 64 * 1024) chunks.push(big.subarray(at, at + 64 * 1024));
    const url = `${base}/api/v1/datasources/${source.id}/uploads`;
    const chunked = await streamParts(url, { ...auth, ...csv, 'transfer-encoding': 'chunked' }, chunks);
    assert.equal(chunked.status, 413, chunked.body);
    const p = JSON.parse(chunked.body);
    assert.equal(p.field, 'file');
    assert.ok(p.records > 0 && p.records < 200_000, `records committed before the limit: ${p.records}`);
  });

  test('the routes are in the OpenAPI document; no key in any later answer nor in any log line', async () => {
    const doc = (await api('GET', '/openapi.json')).json();
    for (const [path, method] of [
      ['/api/v1/ingest/{sourceId}', 'post'],
      ['/api/v1/datasources/{id}/rotate-key', 'post'],
      ['/api/v1/datasources/{id}/uploads', 'post'],
      ['/api/v1/datasources/{id}/uploads/{uploadId}', 'get'],
    ] as const) {
      assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
    }
    assert.ok(doc.paths['/api/v1/ingest/{sourceId}'].post.requestBody.content['text/csv']);
    assert.ok(keys.length >= 6);
    assert.ok(bodies.length > 50);
    for (const key of keys) {
      for (const body of bodies) assert.ok(!body.includes(key), `key in ${body.slice(0, 200)}`);
    }
    const text = logs.join('');
    assert.match(text, /incoming request/);
    assert.match(text, /\/ingest\//);
    for (const key of keys) {
      assert.ok(!text.includes(key), 'key in the log');
      assert.ok(!text.includes(encodeURIComponent(key)), 'URL-encoded key in the log');
    }
  });
});
