import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { staRegistry } from '../model/sta/index.ts';
import { createSubscriptionIndex, type IndexedTopic } from './subscription-index.ts';
import { parseStaTopic } from './topic-to-query.ts';

const topic = (name: string) => parseStaTopic(staRegistry, name, 'default').topic!;
const names = (it: Iterable<IndexedTopic>) => [...it].map((t) => t.name).sort();

describe('subscription index', () => {
  test('matches by kind, tenant and id', () => {
    const index = createSubscriptionIndex();
    for (const n of [
      'v1.1/Observations',
      'v1.1/Observations?$select=result',
      't/other/v1.1/Observations',
      'v1.1/Things(1)',
      'v1.1/Things(1)/name',
      'v1.1/Datastreams(5)/Observations',
      'v1.1/Things(1)/Locations',
    ]) {
      index.add('c1', n, topic(n));
    }
    assert.equal(index.size, 7);
    assert.deepEqual(names(index.sets('default', 'Observation')), [
      'v1.1/Observations',
      'v1.1/Observations?$select=result',
    ]);
    assert.deepEqual(names(index.sets('other', 'Observation')), ['t/other/v1.1/Observations']);
    assert.deepEqual(names(index.entity('default', 'Thing', 1)), ['v1.1/Things(1)', 'v1.1/Things(1)/name']);
    assert.deepEqual(names(index.entity('default', 'Thing', 2)), []);
    assert.deepEqual(names(index.navigation('default', 'Datastream', 5, 'Observations')), [
      'v1.1/Datastreams(5)/Observations',
    ]);
    assert.deepEqual(names(index.navigation('other', 'Datastream', 5, 'Observations')), []);
    assert.deepEqual(names(index.junctions('default', 'Location')), ['v1.1/Things(1)/Locations']);
    assert.deepEqual(names(index.junctions('default', 'Observation')), []);
  });

  test('a topic stays while any client has it; clients can be dropped at once', () => {
    const index = createSubscriptionIndex();
    const n = 'v1.1/Things(1)/Locations';
    index.add('a', n, topic(n));
    index.add('b', n, topic(n));
    index.add('b', 'v1.1/Things', topic('v1.1/Things'));
    index.remove('a', n);
    assert.equal(index.size, 2);
    index.removeClient('b');
    assert.equal(index.size, 0);
    assert.deepEqual(names(index.junctions('default', 'Location')), []);
    assert.deepEqual(names(index.sets('default', 'Thing')), []);
    index.remove('nobody', 'v1.1/Nothing');
  });
});
