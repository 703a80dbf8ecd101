import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { freePort } from '../../../../test/support/mosquitto.ts';
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import type { Checkpoint, RawRecord } from '../../connector.ts';
import { sqlConnector as connector, type SqlConfig } from './index.ts';

const adminUrl = process.env.URBS_TEST_DATABASE_URL;
const skip = adminUrl
  ? false
  : 'URBS_TEST_DATABASE_URL is unset: the SQL connector needs a real PostgreSQL to read from';

const waitFor = async (cond: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

function memoryCheckpoint(): Checkpoint & { value?: Record<string, unknown> } {
  const cp: Checkpoint & { value?: Record<string, unknown> } = {
    load: async () => cp.value,
    save: async (v) => {
      cp.value = v;
    },
  };
  return cp;
}

test('sql config: non-SELECT, several statements, bad URL or key column are 400s naming the field', () => {
  const ok = { url: 'postgres://u:p@127.0.0.1/db', query: 'SELECT * FROM t WHERE id > $1', keyColumn: 'id' };
  const bad = (over: Record<string, unknown>, field: string) =>
    assert.throws(
      () => connector.validateConfig({ ...ok, ...over }),
      (err) => err instanceof BadRequestError && err.extensions.field === field,
    );
  connector.validateConfig(ok);
  connector.validateConfig({
    ...ok,
    query: "-- new rows\nSELECT * FROM t WHERE note <> 'drop;' AND id > $1;",
  });
  bad({ query: 'DELETE FROM t WHERE id > $1' }, 'query');
  bad({ query: 'SELECT * FROM t WHERE id > $1; DROP TABLE t' }, 'query');
  bad({ query: 'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d WHERE id > $1' }, 'query');
  bad({ query: 'SELECT * FROM t' }, 'query');
  bad({ query: 'SELECT * FROM t WHERE id > $1 AND x = $2' }, 'query');
  bad({ url: 'mysql://h/db' }, 'url');
  bad({ keyColumn: 'id"; drop' }, 'keyColumn');
  bad({ batchSize: 0 }, 'batchSize');
});

describe('sql connector against a second real PostgreSQL database', { skip }, () => {
  const dbName = `urbs_ingest_src_${randomBytes(4).toString('hex')}`;
  let sourceUrl = '';
  let db: pg.Client;
  const config = (over: Partial<SqlConfig> = {}): SqlConfig =>
    connector.validateConfig({
      url: sourceUrl,
      query: 'SELECT id, at, reading FROM readings WHERE $1::bigint IS NULL OR id > $1',
      keyColumn: 'id',
      batchSize: 10,
      intervalSeconds: 1,
      ...over,
    });
  const insert = (n: number) =>
    db.query('INSERT INTO readings (reading) SELECT random() FROM generate_series(1, $1::int)', [n]);

  before(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(adminUrl ?? '');
    url.pathname = `/${dbName}`;
    sourceUrl = url.toString();
    db = new pg.Client({ connectionString: sourceUrl });
    await db.connect();
    await db.query(
      'CREATE TABLE readings (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), reading float8)',
    );
    await db.query('CREATE SEQUENCE side_effect');
    await insert(25);
  });
  after(async () => {
    await db?.end();
    if (!adminUrl) return;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  test('test connection: ok, unreachable, wrong column, write attempt', async () => {
    const good = await connector.testConnection(config());
    assert.equal(good.ok, true, good.detail);
    assert.match(good.detail, /id, at, reading/);
    const port = await freePort();
    const down = await connector.testConnection(
      config({ url: `postgres://reader:Hidden-Pw-42@127.0.0.1:${port}/x` }),
    );
    assert.equal(down.ok, false);
    assert.equal(down.field, 'url');
    assert.ok(!JSON.stringify(down).includes('Hidden-Pw-42'));
    const noKey = await connector.testConnection(config({ keyColumn: 'nope' }));
    assert.deepEqual([noKey.ok, noKey.field], [false, 'keyColumn']);
    const writes = await connector.testConnection(
      config({
        query: "SELECT id FROM readings WHERE id > $1::bigint AND nextval('side_effect') > 0",
        initialKey: 0,
      }),
    );
    assert.deepEqual([writes.ok, writes.field], [false, 'query']);
    assert.match(writes.detail, /read-only/);
  });

  test('sample returns 10 rows, timestamps as text with full precision', async () => {
    const rows = await connector.sample(config({ batchSize: 1000 }), 10);
    assert.equal(rows.length, 10);
    assert.equal(typeof rows[0]?.data.at, 'string');
    assert.equal(rows[0]?.position.key, '1');
  });

  test('records flow in ordered batches; restart resumes from the checkpoint without loss or repeats', async () => {
    const checkpoint = memoryCheckpoint();
    const got: RawRecord[] = [];
    let active = 0;
    let maxActive = 0;
    const sink = async (records: RawRecord[]) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 20));
      // the checkpoint moves only after the sink resolved
      assert.notEqual(checkpoint.value?.key, records.at(-1)?.data.id);
      got.push(...records);
      active--;
    };
    let source = connector.start(config(), sink, { checkpoint });
    await waitFor(() => got.length === 25);
    await source.stop();
    assert.equal(source.status, 'stopped');
    assert.equal(maxActive, 1);
    assert.equal(checkpoint.value?.key, '25'); // int8 arrives as text: no precision lost
    await insert(5);
    source = connector.start(config(), sink, { checkpoint });
    await waitFor(() => got.length === 30);
    await new Promise((r) => setTimeout(r, 300));
    await source.stop();
    assert.deepEqual(
      got.map((r) => Number(r.data.id)),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
  });

  test('a failing sink sets status error and the batch comes again', async () => {
    const checkpoint = memoryCheckpoint();
    checkpoint.value = { key: 28 };
    const got: unknown[] = [];
    let fail = true;
    const source = connector.start(
      config(),
      async (records) => {
        if (fail) {
          fail = false;
          throw new Error('pipeline is full');
        }
        got.push(...records.map((r) => Number(r.data.id)));
      },
      { checkpoint },
    );
    await waitFor(() => source.status === 'error');
    assert.match(source.lastError ?? '', /pipeline is full/);
    await waitFor(() => got.length === 2);
    await source.stop();
    assert.deepEqual(got, [29, 30]);
  });

  test('an unreachable database: status error naming the cause, the process keeps running', async () => {
    const port = await freePort();
    const source = connector.start(
      config({ url: `postgres://reader:Hidden-Pw-42@127.0.0.1:${port}/x` }),
      async () => {},
    );
    await waitFor(() => source.status === 'error');
    assert.match(source.lastError ?? '', /database/);
    assert.ok(!(source.lastError ?? '').includes('Hidden-Pw-42'));
    await source.stop();
  });
});
