import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWkt } from './parse-wkt.ts';

const ok = (value: unknown) => ({ ok: true, value });

describe('WKT', () => {
  it('reads points, with Z, M and EWKT SRID 4326', () => {
    assert.deepEqual(
      parseWkt('POINT (11.585954366 50.928491667)'),
      ok({ type: 'Point', coordinates: [11.585954366, 50.928491667] }),
    );
    assert.deepEqual(parseWkt('point z (1 2 3)'), ok({ type: 'Point', coordinates: [1, 2, 3] }));
    assert.deepEqual(parseWkt('POINT M (1 2 99)'), ok({ type: 'Point', coordinates: [1, 2] }));
    assert.deepEqual(parseWkt('POINT ZM (1 2 3 4)'), ok({ type: 'Point', coordinates: [1, 2, 3] }));
    assert.deepEqual(parseWkt('SRID=4326;POINT(1e1 -3.5E1)'), ok({ type: 'Point', coordinates: [10, -35] }));
  });

  it('reads lines, polygons with holes and multi geometries', () => {
    assert.deepEqual(
      parseWkt('LINESTRING (30 10, 10 30, 40 40)'),
      ok({
        type: 'LineString',
        coordinates: [
          [30, 10],
          [10, 30],
          [40, 40],
        ],
      }),
    );
    assert.deepEqual(
      parseWkt('POLYGON ((35 10, 45 45, 15 40, 10 20, 35 10), (20 30, 35 35, 30 20, 20 30))'),
      ok({
        type: 'Polygon',
        coordinates: [
          [
            [35, 10],
            [45, 45],
            [15, 40],
            [10, 20],
            [35, 10],
          ],
          [
            [20, 30],
            [35, 35],
            [30, 20],
            [20, 30],
          ],
        ],
      }),
    );
    assert.deepEqual(parseWkt('MULTIPOINT ((10 40), (40 30))'), parseWkt('MULTIPOINT (10 40, 40 30)'));
    assert.deepEqual(
      parseWkt('MULTILINESTRING ((10 10, 20 20), (40 40, 30 30))'),
      ok({
        type: 'MultiLineString',
        coordinates: [
          [
            [10, 10],
            [20, 20],
          ],
          [
            [40, 40],
            [30, 30],
          ],
        ],
      }),
    );
    const multiPolygon = parseWkt(
      'MULTIPOLYGON (((30 20, 45 40, 10 40, 30 20)), ((15 5, 40 10, 10 20, 5 10, 15 5)))',
    );
    assert.equal(multiPolygon.ok && multiPolygon.value.type, 'MultiPolygon');
    assert.deepEqual(
      parseWkt('GEOMETRYCOLLECTION (POINT (40 10), LINESTRING (10 10, 20 20))'),
      ok({
        type: 'GeometryCollection',
        geometries: [
          { type: 'Point', coordinates: [40, 10] },
          {
            type: 'LineString',
            coordinates: [
              [10, 10],
              [20, 20],
            ],
          },
        ],
      }),
    );
    assert.deepEqual(parseWkt('MULTIPOLYGON EMPTY'), ok({ type: 'MultiPolygon', coordinates: [] }));
  });

  it('explains what is wrong', () => {
    const error = (text: string) => {
      const r = parseWkt(text);
      return r.ok ? 'parsed' : r.error;
    };
    assert.equal(error('POINT (200 50)'), 'invalid WKT: longitude 200 is outside -180..180');
    assert.equal(error('POINT (10 95)'), 'invalid WKT: latitude 95 is outside -90..90');
    assert.equal(error('POINT (1 2'), 'invalid WKT: unexpected end of text');
    assert.equal(error('POINT (1 2) extra'), "invalid WKT: unexpected 'extra' after the geometry");
    assert.equal(error('CIRCLE (1 2)'), "invalid WKT: unknown geometry type 'CIRCLE'");
    assert.equal(
      error('POLYGON ((0 0, 1 0, 1 1, 0 1))'),
      'invalid WKT: a polygon ring needs at least 4 positions and must end where it starts',
    );
    assert.equal(error('LINESTRING (1 2)'), 'invalid WKT: a linestring needs at least 2 positions');
    assert.equal(error('POINT Z (1 2)'), 'invalid WKT: a position has 2 values, expected 3');
    assert.equal(
      error('SRID=25832;POINT (681721.5 5645057.6)'),
      'SRID 25832 is not supported; only 4326 (WGS 84)',
    );
    assert.equal(error('POINT (1 2) ; #'), "invalid WKT: unexpected character '#' at position 14");
  });
});
