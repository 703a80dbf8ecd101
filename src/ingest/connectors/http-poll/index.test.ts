import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../../../test/support/mosquitto.ts';
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import type { Checkpoint, RawRecord } from '../../connector.ts';
import { httpPollConnector as connector, type HttpPollConfig } from './index.ts';

const waitFor = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('http-poll connector against a local HTTP server', () => {
  let server: Server;
  let base = '';
  let version = 1;
  const requests: IncomingMessage[] = [];
  const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, v: version }));

  before(async () => {
    server = createServer((req, res) => {
      requests.push(req);
      if (req.url === '/secure' && req.headers['x-api-key'] !== 'K3y-Very-Secret') {
        res.writeHead(401).end();
        return;
      }
      const etag = `"v${version}"`;
      if (req.url?.startsWith('/etag') && req.headers['if-none-match'] === etag) {
        res.writeHead(304).end();
        return;
      }
      if (req.url === '/csv') {
        res.writeHead(200, { 'content-type': 'text/csv' }).end('id;name\n1;a\n2;b\n');
        return;
      }
      if (req.url === '/not-json') {
        res.writeHead(200).end('<html>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', etag });
      res.end(JSON.stringify({ data: { items: items(12) } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const config = (over: Partial<HttpPollConfig> = {}): HttpPollConfig =>
    connector.validateConfig({
      url: `${base}/items`,
      intervalSeconds: 1,
      recordsPath: 'data.items',
      ...over,
    });

  test('bad config is a 400 naming the field', () => {
    const bad = (over: Record<string, unknown>, field: string) =>
      assert.throws(
        () => connector.validateConfig({ url: 'https://example.org/x', intervalSeconds: 60, ...over }),
        (err) => err instanceof BadRequestError && err.extensions.field === field,
      );
    bad({ intervalSeconds: undefined, cron: '*/5 * * *x *' }, 'cron');
    bad({ intervalSeconds: undefined, cron: '61 * * * *' }, 'cron');
    bad({ cron: '*/5 * * * *' }, 'intervalSeconds');
    bad({ intervalSeconds: undefined }, 'intervalSeconds');
    bad({ url: 'ftp://example.org/x' }, 'url');
    bad({ url: 'not a url' }, 'url');
    bad({ recordsPath: 'data..items' }, 'recordsPath');
    bad({ format: 'xml' }, 'format');
    bad({ headers: { 'bad header': 'x' } }, 'headers.bad header');
    bad({ intervalSeconds: undefined, cron: '0 * * * *', timezone: 'Mars/Olympus' }, 'timezone');
    connector.validateConfig({
      url: 'https://example.org/x',
      cron: '*/5 * * * *',
      recordsPath: '$.features',
    });
  });

  test('test connection: ok, unreachable names url, 401 names headers without leaking them', async () => {
    const good = await connector.testConnection(config());
    assert.equal(good.ok, true, good.detail);
    assert.match(good.detail, /12 records/);
    const port = await freePort();
    const down = await connector.testConnection(
      config({ url: `http://127.0.0.1:${port}/x?token=T0ken-123` }),
    );
    assert.deepEqual([down.ok, down.field], [false, 'url']);
    assert.ok(!down.detail.includes('T0ken-123'));
    const denied = await connector.testConnection(
      config({ url: `${base}/secure`, headers: { 'X-Api-Key': 'wrong-Key-1' } }),
    );
    assert.deepEqual([denied.ok, denied.field], [false, 'headers']);
    assert.ok(!JSON.stringify(denied).includes('wrong-Key-1'));
    const ok = await connector.testConnection(
      config({ url: `${base}/secure`, headers: { 'X-Api-Key': 'K3y-Very-Secret' } }),
    );
    assert.equal(ok.ok, true, ok.detail);
    const notJson = await connector.testConnection(config({ url: `${base}/not-json` }));
    assert.deepEqual([notJson.ok, notJson.field], [false, 'format']);
    const noPath = await connector.testConnection(config({ recordsPath: 'data.nothing' }));
    assert.deepEqual([noPath.ok, noPath.field], [false, 'recordsPath']);
  });

  test('sample returns 10 records; CSV with a delimiter', async () => {
    const records = await connector.sample(config(), 10);
    assert.equal(records.length, 10);
    assert.deepEqual(records[3]?.data, { id: 3, v: version });
    const csv = await connector.sample(config({ url: `${base}/csv`, format: 'csv', csvDelimiter: ';' }));
    assert.deepEqual(
      csv.map((r) => r.data),
      [
        { id: '1', name: 'a' },
        { id: '2', name: 'b' },
      ],
    );
    await assert.rejects(connector.sample(config({ url: `${base}/not-json` })), BadRequestError);
  });

  test('polls on the interval, skips an unchanged body (ETag checkpoint), delivers a changed one', async () => {
    const saved: Record<string, unknown>[] = [];
    const checkpoint: Checkpoint = {
      load: async () => saved.at(-1),
      save: async (p) => {
        saved.push(p);
      },
    };
    const batches: RawRecord[][] = [];
    const before = requests.length;
    let source = connector.start(
      config({ url: `${base}/etag` }),
      async (r) => {
        batches.push(r);
      },
      { checkpoint },
    );
    await waitFor(() => batches.length === 1 && requests.length >= before + 2);
    assert.equal(batches[0]?.length, 12);
    await source.stop();
    assert.equal(source.status, 'stopped');
    assert.equal(saved.at(-1)?.etag, '"v1"');
    // a restart with the same checkpoint does not deliver the same body again
    source = connector.start(
      config({ url: `${base}/etag` }),
      async (r) => {
        batches.push(r);
      },
      { checkpoint },
    );
    const n = requests.length;
    await waitFor(() => requests.length >= n + 1);
    assert.equal(batches.length, 1);
    version = 2;
    await waitFor(() => batches.length === 2);
    assert.equal(batches[1]?.[0]?.data.v, 2);
    await source.stop();
  });

  test('a broken source does not affect a healthy one running beside it', async () => {
    const port = await freePort();
    const broken = connector.start(config({ url: `http://127.0.0.1:${port}/x` }), async () => {});
    const got: RawRecord[] = [];
    const healthy = connector.start(config({ skipUnchanged: false }), async (r) => {
      got.push(...r);
    });
    await waitFor(() => broken.status === 'error' && got.length >= 24);
    assert.equal(healthy.status, 'running');
    await Promise.all([broken.stop(), healthy.stop()]);
  });

  test('an unreachable URL: status error with the reason, retries, the process keeps running', async () => {
    const port = await freePort();
    const statuses: string[] = [];
    const source = connector.start(config({ url: `http://127.0.0.1:${port}/x` }), async () => {}, {
      onStatus: (s) => statuses.push(s),
    });
    await waitFor(() => source.status === 'error');
    assert.match(source.lastError ?? '', /cannot be reached/);
    await source.stop();
    assert.deepEqual(statuses, ['error', 'stopped']);
  });
});
