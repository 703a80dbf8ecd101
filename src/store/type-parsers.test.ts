import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTimestamptz } from './type-parsers.ts';

test('timestamptz becomes ISO 8601 in UTC with at least millisecond digits', () => {
  assert.equal(parseTimestamptz('2024-05-01 12:00:00+00'), '2024-05-01T12:00:00.000Z');
  assert.equal(parseTimestamptz('2024-05-01 12:00:00.5+00'), '2024-05-01T12:00:00.500Z');
  assert.equal(parseTimestamptz('2024-05-01 12:00:00.123456+00'), '2024-05-01T12:00:00.123456Z');
  assert.equal(parseTimestamptz('2024-05-01 14:00:00+02'), '2024-05-01T12:00:00.000Z');
  assert.equal(parseTimestamptz('2024-05-01 14:30:00.25+02:30'), '2024-05-01T12:00:00.250Z');
  assert.equal(parseTimestamptz('infinity'), 'infinity');
});
