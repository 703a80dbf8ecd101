/**
 * Conformance class "batch-request" (OGC 18-088 Annex A.7, §11): the multipart/mixed `$batch` of OData 4.0
 * as the standard's example writes it: requests outside a change set run on their own, a change set is
 * atomic, and a later request of the change set refers to an entity created before it by `$<Content-ID>`.
 * (test/http/sta-batch.test.ts covers the JSON batch and the edge cases.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readMultipart } from '../../../support/multipart-batch.ts';
import { countRows, EXAMPLES, type StaClient, startStaSuite } from '../support/sta-client.ts';

const CRLF = '\r\n';

/** An application/http part of a batch (18-088 §11.2.2), with CRLF line ends as OData requires. */
function part(method: string, url: string, body?: unknown, contentId?: string): string {
  const head = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (contentId) head.push(`Content-ID: ${contentId}`);
  const request = [`${method} ${url} HTTP/1.1`, 'Host: localhost'];
  if (body === undefined) return [...head, '', ...request, '', ''].join(CRLF);
  const json = JSON.stringify(body);
  request.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(json)}`);
  return [...head, '', ...request, '', json].join(CRLF);
}

function multipart(boundary: string, parts: string[]): string {
  return `${parts.map((p) => `--${boundary}${CRLF}${p}${CRLF}`).join('')}--${boundary}--${CRLF}`;
}

function changeSet(boundary: string, parts: string[]): string {
  return `Content-Type: multipart/mixed; boundary=${boundary}${CRLF}${CRLF}${multipart(boundary, parts)}`;
}

const BATCH = 'batch_36522ad7-fc75-4b56-8c71-56071383e77b';
const CHANGESET = 'changeset_77162fcd-b8da-41ac-a9f8-9357efbbd';

describe('STA conformance: batch requests (18-088 §11)', () => {
  let sta: StaClient & { dispose(): Promise<void> };
  let existing: number;

  before(async () => {
    sta = await startStaSuite();
    existing = await sta.create('Things', EXAMPLES.Thing);
  });
  after(() => sta?.dispose());

  const send = async (body: string) => {
    const res = await sta.platform.app.inject({
      method: 'POST',
      url: `${sta.root}/$batch`,
      headers: {
        authorization: `Bearer ${await sta.platform.adminToken()}`,
        'content-type': `multipart/mixed; boundary=${BATCH}`,
      },
      payload: body,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^multipart\/mixed; ?boundary=/);
    return readMultipart(res.body, String(res.headers['content-type']));
  };

  test("the standard's example: a GET, a change set with a POST and a PATCH, and a GET of a missing Thing", async () => {
    const parts = await send(
      multipart(BATCH, [
        part('GET', `/v1.1/Things(${existing})`),
        changeSet(CHANGESET, [
          part('POST', '/v1.1/Things', { name: 'New', description: 'Thing created in a batch' }, '1'),
          part('PATCH', `/v1.1/Things(${existing})`, { description: 'patched in a batch' }, '2'),
        ]),
        part('GET', '/v1.1/Things(999999)'),
      ]),
    );
    assert.equal(parts.length, 3);
    assert.equal(parts[0]!.status, 200);
    assert.equal(parts[0]!.json?.['@iot.id'], existing);
    const cs = parts[1]!.changeSet;
    assert.ok(cs, 'a change set answers with a change set');
    assert.deepEqual(
      cs.map((p) => [p.contentId, p.status]),
      [
        ['1', 201],
        ['2', 200],
      ],
    );
    const created = cs[0]!.json?.['@iot.id'] as number;
    assert.equal((await sta.ok(`Things(${created})`)).name, 'New');
    assert.equal((await sta.ok(`Things(${existing})`)).description, 'patched in a batch');
    assert.equal(parts[2]!.status, 404);
  });

  test('$<Content-ID> refers to an entity created earlier in the change set', async () => {
    const parts = await send(
      multipart(BATCH, [
        changeSet(CHANGESET, [
          part('POST', 'Things', { name: 'Station', description: 'created first' }, '1'),
          part(
            'POST',
            '$1/Datastreams',
            {
              ...EXAMPLES.Datastream,
              Sensor: EXAMPLES.Sensor,
              ObservedProperty: EXAMPLES.ObservedProperty,
            },
            '2',
          ),
          part('POST', 'Locations', { ...EXAMPLES.Location, Things: [{ '@iot.id': '$1' }] }, '3'),
        ]),
      ]),
    );
    const cs = parts[0]!.changeSet!;
    assert.deepEqual(
      cs.map((p) => p.status),
      [201, 201, 201],
    );
    const thing = cs[0]!.json?.['@iot.id'] as number;
    assert.deepEqual(await sta.ids(`Things(${thing})/Datastreams`), [cs[1]!.json?.['@iot.id']]);
    assert.deepEqual(await sta.ids(`Things(${thing})/Locations`), [cs[2]!.json?.['@iot.id']]);
  });

  test('a change set is atomic: one failing request and none of it is written', async () => {
    const before = await countRows(sta.platform);
    const parts = await send(
      multipart(BATCH, [
        changeSet(CHANGESET, [
          part('POST', 'Things', { name: 'Doomed', description: 'rolled back' }, '1'),
          part('POST', '$1/Datastreams', { name: 'no unit, no sensor' }, '2'),
        ]),
        part('GET', `Things(${existing})`),
      ]),
    );
    assert.equal(parts.length, 2);
    assert.equal(parts[0]!.status, 400, 'the change set answers with the failing request');
    assert.equal(parts[1]!.status, 200, 'requests after it still run');
    assert.deepEqual(await countRows(sta.platform), before);
  });
});
