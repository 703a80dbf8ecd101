import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDomainError } from '../../../core/errors/domain-error.ts';
import { formatJsonBatch, parseJsonBatch } from './json-batch.ts';

function rejects(body: unknown): { message: string; extensions: Record<string, unknown> } {
  try {
    parseJsonBatch(body);
  } catch (err) {
    assert.ok(isDomainError(err));
    assert.equal(err.status, 400);
    assert.equal(err.code, 'URBS_BATCH_SYNTAX');
    return err;
  }
  assert.fail('expected a 400');
}

const get = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  method: 'get',
  url: 'Things(1)',
  ...extra,
});

describe('parseJsonBatch', () => {
  test("reads FROST-Server's example: a query, a two-request group, a query", () => {
    const items = parseJsonBatch({
      requests: [
        get('0'),
        { id: '1', atomicityGroup: 'group1', method: 'post', url: 'Things', body: { name: 'n' } },
        {
          id: '2',
          atomicityGroup: 'group1',
          method: 'patch',
          url: 'Things(1)',
          headers: { 'Content-Type': 'application/json' },
          body: { name: 'm' },
        },
        get('3', { url: 'Things(3)', dependsOn: ['group1'] }),
      ],
    });
    assert.deepEqual(items, [
      {
        kind: 'request',
        request: {
          id: '0',
          method: 'GET',
          url: 'Things(1)',
          headers: {},
          dependsOn: undefined,
          where: 'requests[0]',
        },
      },
      {
        kind: 'changeSet',
        group: 'group1',
        requests: [
          {
            id: '1',
            method: 'POST',
            url: 'Things',
            headers: {},
            body: { name: 'n' },
            dependsOn: undefined,
            where: 'requests[1]',
          },
          {
            id: '2',
            method: 'PATCH',
            url: 'Things(1)',
            headers: { 'content-type': 'application/json' },
            body: { name: 'm' },
            dependsOn: undefined,
            where: 'requests[2]',
          },
        ],
      },
      {
        kind: 'request',
        request: {
          id: '3',
          method: 'GET',
          url: 'Things(3)',
          headers: {},
          dependsOn: ['group1'],
          where: 'requests[3]',
        },
      },
    ]);
  });

  test('a body that is not {"requests": [...]} is 400', () => {
    for (const body of [undefined, null, [], 'x', {}, { requests: {} }]) {
      assert.match(rejects(body).message, /^A JSON batch is an object with a "requests" array$/);
    }
  });

  test('a request without id, method or url, or with odd members, is 400 naming the member', () => {
    assert.equal(
      rejects({ requests: [{ method: 'GET', url: 'Things' }] }).message,
      'requests[0].id must be a non-empty string',
    );
    assert.deepEqual(rejects({ requests: [get('a'), { id: 'b', url: 'Things' }] }).extensions, {
      field: 'requests[1].method',
    });
    assert.match(rejects({ requests: [get('a', { url: 7 })] }).message, /requests\[0\]\.url must be/);
    assert.match(
      rejects({ requests: [get('a', { headers: { a: 1 } })] }).message,
      /requests\[0\]\.headers\.a must be a string/,
    );
    assert.match(rejects({ requests: [get('a', { dependsOn: 'b' })] }).message, /dependsOn must be an array/);
    assert.match(rejects({ requests: ['GET Things'] }).message, /requests\[0\] must be an object/);
  });

  test('ids are unique; groups are adjacent and distinct from ids', () => {
    assert.match(rejects({ requests: [get('a'), get('a')] }).message, /requests\[1\]\.id a is used twice/);
    const split = [get('a', { atomicityGroup: 'g' }), get('b'), get('c', { atomicityGroup: 'g' })];
    assert.match(
      rejects({ requests: split }).message,
      /requests\[2\]\.atomicityGroup g: the requests of a group must be adjacent/,
    );
    assert.match(
      rejects({ requests: [get('g'), get('b', { atomicityGroup: 'g' })] }).message,
      /is also a request id/,
    );
    assert.match(
      rejects({ requests: [get('a', { atomicityGroup: 'g' }), get('g')] }).message,
      /requests\[1\]\.id g is also an atomicity group/,
    );
  });

  test('dependsOn names earlier requests or groups only', () => {
    assert.match(
      rejects({ requests: [get('a', { dependsOn: ['b'] }), get('b')] }).message,
      /dependsOn b names no earlier request or group/,
    );
    assert.match(
      rejects({ requests: [get('a', { atomicityGroup: 'g', dependsOn: ['g'] })] }).message,
      /dependsOn g is its own group/,
    );
    const ok = parseJsonBatch({
      requests: [get('a', { atomicityGroup: 'g' }), get('b', { atomicityGroup: 'g', dependsOn: ['a'] })],
    });
    assert.equal(ok.length, 1);
  });

  test('more than 1000 requests is 400', () => {
    const requests = Array.from({ length: 1001 }, (_, i) => get(String(i)));
    assert.match(rejects({ requests }).message, /at most 1000 requests/);
  });
});

describe('formatJsonBatch', () => {
  test('one response per request; group members carry their group; a failed group answers once', () => {
    const out = formatJsonBatch([
      {
        kind: 'response',
        response: { id: '0', status: 200, headers: { 'content-type': 'application/json' }, body: { a: 1 } },
      },
      {
        kind: 'changeSet',
        group: 'g1',
        responses: [
          { id: '1', status: 201, headers: { location: 'http://h/sta/v1.1/Things(9)' }, body: { b: 2 } },
        ],
      },
      {
        kind: 'response',
        group: 'g2',
        response: { id: '3', status: 400, headers: {}, body: { detail: 'x' } },
      },
      { kind: 'response', response: { id: '4', status: 200, headers: {}, text: '42' } },
      { kind: 'response', response: { id: '5', status: 200, headers: {} } },
    ]);
    assert.deepEqual(out, {
      responses: [
        { id: '0', status: 200, headers: { 'content-type': 'application/json' }, body: { a: 1 } },
        {
          id: '1',
          status: 201,
          atomicityGroup: 'g1',
          headers: { location: 'http://h/sta/v1.1/Things(9)' },
          body: { b: 2 },
        },
        { id: '3', status: 400, atomicityGroup: 'g2', body: { detail: 'x' } },
        { id: '4', status: 200, body: '42' },
        { id: '5', status: 200 },
      ],
    });
  });
});
