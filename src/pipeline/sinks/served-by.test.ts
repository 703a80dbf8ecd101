import assert from 'node:assert/strict';
import { test } from 'node:test';
import { featureCollectionId, servedApis } from './served-by.ts';

const sinks = [{ kind: 'observations' }, { kind: 'features' }, { kind: 'features' }];

test('a released dataset is served by one entry point per sink', () => {
  assert.deepEqual(servedApis({ id: 7, identifier: 'parking', status: 'AVAILABLE', sinks }), [
    { api: 'sensorthings', path: '/sta/v1.1/Things?$filter=properties%2FurbsDataSet%20eq%207', sinkIndex: 0 },
    { api: 'ogc-features', path: '/ogc/collections/parking', sinkIndex: 1 },
    { api: 'ogc-features', path: '/ogc/collections/parking~2', sinkIndex: 2 },
  ]);
});

test('before the release nothing serves it', () => {
  for (const status of ['DRAFT', 'READY']) {
    assert.deepEqual(servedApis({ id: 7, identifier: 'parking', status, sinks }), []);
  }
});

test('the first features sink takes the identifier as collection id', () => {
  assert.equal(featureCollectionId('p', sinks, 1), 'p');
  assert.equal(featureCollectionId('p', sinks, 2), 'p~2');
});
