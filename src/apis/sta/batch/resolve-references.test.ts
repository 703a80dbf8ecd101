import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDomainError } from '../../../core/errors/domain-error.ts';
import {
  type CreatedRef,
  createdRef,
  resolveBodyReferences,
  resolveUrlReference,
  toServicePath,
} from './resolve-references.ts';

function status(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    assert.ok(isDomainError(err), String(err));
    return err.status;
  }
  assert.fail('expected an error');
}

const refs = new Map<string, CreatedRef>([
  ['1', { path: 'Things(5)', id: 5 }],
  ['sensor1', { path: 'Sensors(7)', id: 7 }],
]);

describe('toServicePath', () => {
  test('relative, absolute-path and absolute URLs under the batch root', () => {
    const root = '/sta/v1.1';
    assert.equal(toServicePath('Things(1)?$top=1', root), 'Things(1)?$top=1');
    assert.equal(toServicePath('/sta/v1.1/Things(1)', root), 'Things(1)');
    assert.equal(toServicePath('/v1.1/Things(1)', root), 'Things(1)');
    assert.equal(
      toServicePath('http://host:8080/sta/v1.1/Things(1)/Datastreams?$top=2', root),
      'Things(1)/Datastreams?$top=2',
    );
    assert.equal(toServicePath('/t/acme/sta/v1.1/Things', '/t/acme/sta/v1.1'), 'Things');
    assert.equal(toServicePath('/v1.1/Things', '/t/acme/sta/v1.1'), 'Things');
  });

  test('another tenant, version or path is 404; a malformed URL 400', () => {
    assert.equal(
      status(() => toServicePath('/t/other/sta/v1.1/Things', '/t/acme/sta/v1.1')),
      404,
    );
    assert.equal(
      status(() => toServicePath('/sta/v1.1/Things', '/t/acme/sta/v1.1')),
      404,
    );
    assert.equal(
      status(() => toServicePath('/sta/v1.0/Things', '/sta/v1.1')),
      404,
    );
    assert.equal(
      status(() => toServicePath('/Things', '/sta/v1.1')),
      404,
    );
    assert.equal(
      status(() => toServicePath('http://[bad/sta/v1.1/Things', '/sta/v1.1')),
      400,
    );
  });
});

describe('Content-ID references', () => {
  test('$id as the first URL segment', () => {
    assert.equal(resolveUrlReference('$1', refs), 'Things(5)');
    assert.equal(resolveUrlReference('$1/Datastreams?$top=1', refs), 'Things(5)/Datastreams?$top=1');
    assert.equal(resolveUrlReference('$sensor1?$select=id', refs), 'Sensors(7)?$select=id');
    assert.equal(resolveUrlReference('Things(1)/$ref', refs), 'Things(1)/$ref');
    assert.equal(
      status(() => resolveUrlReference('$2/Datastreams', refs)),
      404,
    );
  });

  test('"@iot.id": "$id" anywhere in a body', () => {
    const body = {
      name: '$1',
      Thing: { '@iot.id': '$1' },
      Sensor: { '@iot.id': '$sensor1' },
      Locations: [{ '@iot.id': '$1' }, { '@iot.id': 3 }],
    };
    assert.deepEqual(resolveBodyReferences(body, refs), {
      name: '$1',
      Thing: { '@iot.id': 5 },
      Sensor: { '@iot.id': 7 },
      Locations: [{ '@iot.id': 5 }, { '@iot.id': 3 }],
    });
    assert.equal(body.Thing['@iot.id'], '$1', 'the input is not changed');
    assert.equal(resolveBodyReferences(undefined, refs), undefined);
    assert.equal(
      status(() => resolveBodyReferences({ Thing: { '@iot.id': '$9' } }, refs)),
      400,
    );
  });

  test('a deeply nested body is left alone below the search depth', () => {
    let deep: unknown = { '@iot.id': '$nope' };
    for (let i = 0; i < 10_000; i++) deep = [deep];
    assert.equal(resolveBodyReferences(deep, refs) !== undefined, true);
  });

  test('createdRef reads a created entity from its formatted body', () => {
    assert.deepEqual(createdRef({ '@iot.id': 5, '@iot.selfLink': 'http://h/sta/v1.1/Things(5)' }), {
      path: 'Things(5)',
      id: 5,
    });
    assert.equal(createdRef([{ '@iot.id': 5 }]), undefined);
    assert.equal(createdRef(undefined), undefined);
  });
});
