import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BatchOutcome } from './batch-request.ts';
import { formatMultipartBatch } from './format-multipart-batch.ts';
import { parseMultipartBatch } from './parse-multipart-batch.ts';

const ids = () => {
  let n = 0;
  return () => `id${++n}`;
};

const thing = { '@iot.id': 99, '@iot.selfLink': 'http://host/sta/v1.1/Things(99)', name: 'T' };
const json = { 'content-type': 'application/json; charset=utf-8' };

describe('formatMultipartBatch', () => {
  test('writes a response part per request and a nested multipart per change set, with CRLF', () => {
    const outcomes: BatchOutcome[] = [
      { kind: 'response', response: { status: 200, headers: json, body: { name: 'A' } } },
      {
        kind: 'changeSet',
        responses: [
          {
            id: '1',
            status: 201,
            headers: { ...json, location: 'http://host/sta/v1.1/Things(99)' },
            body: thing,
          },
          { id: '2', status: 200, headers: {} },
        ],
      },
    ];
    const out = formatMultipartBatch(outcomes, ids());
    assert.equal(out.contentType, 'multipart/mixed; boundary=batchresponse_id1');
    const body = JSON.stringify(thing);
    const expected = [
      '--batchresponse_id1',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 200 OK',
      'Content-Type: application/json; charset=utf-8',
      'Content-Length: 12',
      '',
      '{"name":"A"}',
      '--batchresponse_id1',
      'Content-Type: multipart/mixed; boundary=changesetresponse_id2',
      '',
      '--changesetresponse_id2',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 1',
      '',
      'HTTP/1.1 201 Created',
      'Content-Type: application/json; charset=utf-8',
      'Location: http://host/sta/v1.1/Things(99)',
      `Content-Length: ${body.length}`,
      '',
      body,
      '--changesetresponse_id2',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 2',
      '',
      'HTTP/1.1 200 OK',
      '',
      '',
      '--changesetresponse_id2--',
      '',
      '--batchresponse_id1--',
      '',
    ].join('\r\n');
    assert.equal(out.body, expected);
  });

  test('a failed change set is one application/http part carrying the error', () => {
    const problem = { type: 'urn:urbs:problem:bad-request', title: 'Bad Request', status: 400, detail: 'x' };
    const out = formatMultipartBatch(
      [
        {
          kind: 'response',
          response: {
            id: '2',
            status: 400,
            headers: { 'content-type': 'application/problem+json' },
            body: problem,
          },
        },
      ],
      ids(),
    );
    assert.match(out.body, /^--batchresponse_id1\r\nContent-Type: application\/http\r\n/);
    assert.match(
      out.body,
      /Content-ID: 2\r\n\r\nHTTP\/1\.1 400 Bad Request\r\nContent-Type: application\/problem\+json\r\n/,
    );
    assert.doesNotMatch(out.body, /changesetresponse/);
  });

  test('text payloads, statuses without reason phrase and multi-byte lengths', () => {
    const out = formatMultipartBatch(
      [
        {
          kind: 'response',
          response: { status: 200, headers: { 'content-type': 'text/plain' }, text: 'Zürich' },
        },
        { kind: 'response', response: { status: 599, headers: {} } },
      ],
      ids(),
    );
    assert.match(out.body, /Content-Length: 7\r\n\r\nZürich\r\n--batchresponse_id1\r\n/);
    assert.match(out.body, /HTTP\/1\.1 599 Unknown\r\n/);
  });

  test('its output reads back as a multipart body with the same structure', () => {
    const out = formatMultipartBatch(
      [
        { kind: 'response', response: { status: 404, headers: json, body: { detail: 'gone' } } },
        { kind: 'changeSet', responses: [{ id: 'a', status: 201, headers: json, body: thing }] },
      ],
      ids(),
    );
    // The request parser checks the same envelope: boundaries, part headers, a first line, headers, body.
    const asRequests = out.body.replace(/HTTP\/1\.1 (\d+) [^\r]*/g, 'GET status/$1 HTTP/1.1');
    const items = parseMultipartBatch(asRequests, out.contentType);
    assert.equal(items.length, 2);
    assert.equal(items[0]?.kind === 'request' && items[0].request.url, 'status/404');
    assert.equal(items[1]?.kind === 'changeSet' && items[1].requests[0]?.id, 'a');
    assert.deepEqual(items[1]?.kind === 'changeSet' && JSON.parse(items[1].requests[0]!.bodyText!), thing);
  });
});
