import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDomainError } from '../../../core/errors/domain-error.ts';
import { MAX_BATCH_REQUESTS } from './batch-request.ts';
import { parseMultipartBatch } from './parse-multipart-batch.ts';

const CT = 'multipart/mixed;boundary=batch_36522ad7-fc75-4b56-8c71-56071383e77b';

/** The batch request example of 18-088 §11 (placeholders filled in), with LF line ends. */
const SPEC_EXAMPLE = `--batch_36522ad7-fc75-4b56-8c71-56071383e77b
Content-Type: application/http
Content-Transfer-Encoding:binary

GET /v1.1/Things(1) HTTP/1.1
Host: host

--batch_36522ad7-fc75-4b56-8c71-56071383e77b
Content-Type: multipart/mixed;boundary=changeset_77162fcd-b8da-41ac-a9f8-9357efbbd

--changeset_77162fcd-b8da-41ac-a9f8-9357efbbd
Content-Type: application/http
Content-Transfer-Encoding:binary
Content-ID: 1

POST /v1.1/Things HTTP/1.1
Host: host
Content-Type: application/json
Content-Length: 38

{"name": "Thing 1", "description": "x"}

--changeset_77162fcd-b8da-41ac-a9f8-9357efbbd
Content-Type: application/http
Content-Transfer-Encoding:binary
Content-ID: 2

PATCH /v1.1/Things(1) HTTP/1.1
Host: host
Content-Type: application/json
If-Match: W/"etag-17"
Content-Length: 18

{"name": "Thing 2"}

--changeset_77162fcd-b8da-41ac-a9f8-9357efbbd--

--batch_36522ad7-fc75-4b56-8c71-56071383e77b
Content-Type: application/http
Content-Transfer-Encoding:binary

GET /v1.1/Things(3) HTTP/1.1
Host: host

--batch_36522ad7-fc75-4b56-8c71-56071383e77b--
`;

const crlf = (s: string) => s.replace(/\n/g, '\r\n');

/** Asserts a 400 batch-syntax error and returns it. */
function rejects(body: string, contentType = 'multipart/mixed; boundary=b') {
  try {
    parseMultipartBatch(body, contentType);
  } catch (err) {
    assert.ok(isDomainError(err), `not a domain error: ${err}`);
    assert.equal(err.status, 400);
    assert.equal(err.code, 'URBS_BATCH_SYNTAX');
    return err;
  }
  assert.fail('expected a 400');
}

const part = (request: string, headers = '') =>
  `--b\nContent-Type: application/http\n${headers}\n${request}\n`;

describe('parseMultipartBatch', () => {
  for (const [name, body] of [
    ['LF', SPEC_EXAMPLE],
    ['CRLF', crlf(SPEC_EXAMPLE)],
  ] as const) {
    test(`reads the 18-088 §11 example (${name})`, () => {
      const items = parseMultipartBatch(body, CT);
      assert.equal(items.length, 3);
      const [first, changeSet, last] = items;
      assert.equal(first?.kind, 'request');
      assert.equal(last?.kind, 'request');
      if (first?.kind !== 'request' || last?.kind !== 'request' || changeSet?.kind !== 'changeSet') return;
      assert.deepEqual(first.request, {
        method: 'GET',
        url: '/v1.1/Things(1)',
        headers: { host: 'host' },
        where: 'part 1',
      });
      assert.equal(last.request.url, '/v1.1/Things(3)');
      assert.equal(last.request.where, 'part 3');
      const [post, patch] = changeSet.requests;
      assert.equal(changeSet.requests.length, 2);
      assert.equal(post?.id, '1');
      assert.equal(post?.method, 'POST');
      assert.equal(post?.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(post!.bodyText!), { name: 'Thing 1', description: 'x' });
      assert.equal(post?.where, 'part 2.1');
      assert.equal(patch?.id, '2');
      assert.equal(patch?.method, 'PATCH');
      assert.equal(patch?.headers['if-match'], 'W/"etag-17"');
      assert.equal(patch?.bodyText, '{"name": "Thing 2"}');
    });
  }

  test('ignores preamble, epilogue and transport padding; accepts a quoted boundary', () => {
    const body = `preamble\n--b  \nContent-Type: application/http\n\nDELETE Things(1)\n--b-- \nepilogue\n`;
    const items = parseMultipartBatch(body, 'multipart/mixed; boundary="b"');
    assert.deepEqual(items, [
      { kind: 'request', request: { method: 'DELETE', url: 'Things(1)', headers: {}, where: 'part 1' } },
    ]);
  });

  test('takes a Content-ID from the request headers too, and folds continued header lines', () => {
    const body = `${part('POST Things HTTP/1.1\nContent-ID: a\nX-Long: one\n  two\n\n{}')}--b--`;
    const [item] = parseMultipartBatch(body, 'multipart/mixed; boundary=b');
    assert.equal(item?.kind === 'request' && item.request.id, 'a');
    assert.equal(item?.kind === 'request' && item.request.headers['x-long'], 'one two');
  });

  test('keeps a multi-line body and drops the blank lines before the next delimiter', () => {
    const body = `${part('POST Things\nContent-Type: application/json\n\n{\n  "name": "n"\n}\n\n')}--b--`;
    const [item] = parseMultipartBatch(crlf(body), 'multipart/mixed; boundary=b');
    assert.equal(item?.kind === 'request' && item.request.bodyText, '{\n  "name": "n"\n}');
  });

  test('an empty batch is no requests', () => {
    assert.deepEqual(parseMultipartBatch('--b--\r\n', 'multipart/mixed; boundary=b'), []);
  });

  test('a missing or invalid boundary is 400', () => {
    assert.match(rejects('--b--', 'multipart/mixed').message, /needs a boundary parameter/);
    assert.match(
      rejects('--b--', `multipart/mixed; boundary=${'x'.repeat(71)}`).message,
      /1 to 70 characters/,
    );
  });

  test('a body without parts or without the closing delimiter is 400 naming the line', () => {
    const none = rejects('hello\nworld\n');
    assert.match(none.message, /^Batch line 1: The batch has no part starting with --b$/);
    const open = rejects(part('GET Things'));
    assert.match(open.message, /^Batch line 5: The batch does not end with --b--$/);
    assert.deepEqual(open.extensions, { line: 5 });
  });

  test('a bad request line names the part and the line', () => {
    const err = rejects(`${part('GET Things(1) HTTP/1.1')}${part('FETCH ME Things(1) HTTP/1.1')}--b--`);
    assert.equal(
      err.message,
      "Batch part 2, line 8: 'FETCH ME Things(1) HTTP/1.1' is not a request line such as 'GET Things(1) HTTP/1.1'",
    );
    assert.deepEqual(err.extensions, { part: '2', line: 8 });
  });

  test('a part without a request line is 400', () => {
    assert.match(
      rejects(`--b\nContent-Type: application/http\n\n\n--b--`).message,
      /^Batch part 1, line 1: the part has no request line/,
    );
  });

  test('a bad header line names the part and the line', () => {
    const err = rejects(`--b\nContent-Type: application/http\nno colon here\n\nGET Things\n--b--`);
    assert.match(err.message, /^Batch part 1, line 3: 'no colon here' is not a header line/);
  });

  test('a part that is neither application/http nor multipart/mixed is 400', () => {
    const err = rejects(`--b\nContent-Type: text/plain\n\nGET Things\n--b--`);
    assert.match(err.message, /^Batch part 1, line 1: Content-Type text\/plain; a part is application\/http/);
    assert.match(rejects(`--b\n\nGET Things\n--b--`).message, /no Content-Type/);
    assert.match(rejects(`--b\nContent-Type: application/http\n`).message, /does not end with --b--/);
  });

  test('an unsupported transfer encoding is 400', () => {
    const err = rejects(
      `--b\nContent-Type: application/http\nContent-Transfer-Encoding: base64\n\nR0VU\n--b--`,
    );
    assert.match(err.message, /Content-Transfer-Encoding base64 is not supported/);
  });

  test('change sets: nested ones, empty ones and unclosed ones are 400 naming the part', () => {
    const nested = `--b\nContent-Type: multipart/mixed; boundary=c\n\n--c\nContent-Type: multipart/mixed; boundary=d\n\n--d--\n--c--\n--b--`;
    assert.equal(rejects(nested).message, 'Batch part 1.1, line 4: change sets cannot be nested');
    const empty = `--b\nContent-Type: multipart/mixed; boundary=c\n\n--c--\n--b--`;
    assert.match(rejects(empty).message, /^Batch part 1, line 1: a change set needs at least one request/);
    const unclosed = `--b\nContent-Type: multipart/mixed; boundary=c\n\n--c\nContent-Type: application/http\n\nGET Things\n--b--`;
    assert.match(rejects(unclosed).message, /^Batch part 1, line 7: The change set does not end with --c--/);
    const noBoundary = `--b\nContent-Type: multipart/mixed\n\n--b--`;
    assert.match(
      rejects(noBoundary).message,
      /^Batch part 1, line 1: Content-Type multipart\/mixed needs a boundary/,
    );
  });

  test('a Content-ID used twice in a batch is 400', () => {
    const cs = (id: string) =>
      `--c\nContent-Type: application/http\nContent-ID: ${id}\n\nPOST Things\n\n{}\n`;
    const body = `--b\nContent-Type: multipart/mixed; boundary=c\n\n${cs('1')}${cs('1')}--c--\n--b--`;
    assert.match(rejects(body).message, /^Batch part 1\.2, line 11: Content-ID 1 is used twice/);
  });

  test(`more than ${MAX_BATCH_REQUESTS} requests is 400`, () => {
    const body = `${part('GET Things').repeat(MAX_BATCH_REQUESTS + 1)}--b--`;
    assert.match(rejects(body).message, /a batch holds at most 1000 requests/);
  });

  test('client text echoed in messages is printable and short', () => {
    const err = rejects(`--b\nContent-Type: application/http\n\n\u0000${'x'.repeat(200)}\n--b--`);
    assert.ok(err.message.length < 200);
    assert.ok(!err.message.includes('\u0000'));
  });
});
