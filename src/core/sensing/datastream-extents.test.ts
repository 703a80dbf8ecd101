import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type InsertedObservation, summarise } from './datastream-extents.ts';

const row = (over: Partial<InsertedObservation>): InsertedObservation => ({
  stream: 'Datastream',
  streamId: 1,
  foiId: 1,
  phenomenonStart: '2024-01-01T00:00:00.000Z',
  phenomenonEnd: null,
  resultTime: null,
  ...over,
});

test('a batch is summarised per stream: min start, max of end-or-start, result time range, FOIs', () => {
  const s = summarise([
    row({ phenomenonStart: '2024-01-02T00:00:00.000Z', resultTime: '2024-01-05T00:00:00.000Z' }),
    row({ phenomenonStart: '2024-01-01T00:00:00.000Z', phenomenonEnd: '2024-01-03T00:00:00.000Z', foiId: 2 }),
    row({ stream: 'MultiDatastream', phenomenonStart: '2020-01-01T00:00:00.000Z' }),
    row({ phenomenonStart: '2024-01-02T12:00:00.000Z', resultTime: '2024-01-04T00:00:00.000Z' }),
  ]);
  const ds = s.get('Datastream:1')!;
  assert.equal(ds.phenomenonStart, '2024-01-01T00:00:00.000Z');
  assert.equal(ds.phenomenonEnd, '2024-01-03T00:00:00.000Z');
  assert.equal(ds.resultStart, '2024-01-04T00:00:00.000Z');
  assert.equal(ds.resultEnd, '2024-01-05T00:00:00.000Z');
  assert.deepEqual([...ds.fois], [1, 2]);
  assert.equal(s.get('MultiDatastream:1')?.phenomenonEnd, '2020-01-01T00:00:00.000Z');
});

test('fractions of different lengths compare by value, not as text', () => {
  const s = summarise([
    row({ phenomenonStart: '2024-01-01T00:00:00.500Z' }),
    row({ phenomenonStart: '2024-01-01T00:00:00.500001Z' }),
    row({ phenomenonStart: '2024-01-01T00:00:00.4999Z' }),
  ]);
  assert.equal(s.get('Datastream:1')?.phenomenonStart, '2024-01-01T00:00:00.4999Z');
  assert.equal(s.get('Datastream:1')?.phenomenonEnd, '2024-01-01T00:00:00.500001Z');
});
