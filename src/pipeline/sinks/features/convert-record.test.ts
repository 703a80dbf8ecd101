import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convertGeometry, isCalendarDate, normaliseInstant } from './convert-record.ts';

describe('features record conversion', () => {
  test('instants are normalised to strings every session reads alike; impossible ones refused', () => {
    assert.equal(normaliseInstant('2024-05-01T12:00:00Z'), '2024-05-01T12:00:00Z');
    assert.equal(normaliseInstant('2024-05-01 12:00+0200'), '2024-05-01T12:00:00+02:00');
    assert.equal(normaliseInstant('2024-05-01T12:00:00.5-03:30'), '2024-05-01T12:00:00.5-03:30');
    assert.equal(normaliseInstant('2024-05-01'), '2024-05-01T00:00:00Z');
    for (const bad of [
      '2024-05-01T12:00:00',
      '2023-02-29T00:00:00Z',
      '2024-13-01',
      '0000-01-01',
      '2024-05-01T24:00:00Z',
      '2024-05-01T12:60:00Z',
      '2024-05-01T12:00:00+15:00',
      'yesterday',
      '',
    ]) {
      assert.equal(normaliseInstant(bad), undefined, bad);
    }
    assert.ok(isCalendarDate('2000-02-29'));
    assert.ok(!isCalendarDate('1900-02-29'));
    assert.ok(!isCalendarDate('2024-04-31'));
  });

  test('geometries are reduced to type and coordinates; out-of-range positions refused', () => {
    assert.deepEqual(
      convertGeometry(
        {
          type: 'Point',
          coordinates: [11.5, 50.9],
          crs: { type: 'name', properties: { name: 'EPSG:4326' } },
        },
        'location',
      ),
      { type: 'Point', coordinates: [11.5, 50.9] },
    );
    assert.match(
      String(convertGeometry({ type: 'Point', coordinates: [681721.5, 5645057.6] }, 'location')),
      /location has the position \[681721.5, 5645057.6\] outside WGS 84/,
    );
    assert.match(
      String(
        convertGeometry(
          { type: 'GeometryCollection', geometries: [{ type: 'Feature', geometry: null, properties: {} }] },
          'g',
        ),
      ),
      /g.geometries\[0\]/,
    );
    assert.match(String(convertGeometry('POINT(1 2)', 'g')), /GeoJSON geometry/);
  });
});
