import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { BadRequestError } from '../core/errors/bad-request.ts';
import {
  inferFromCsv,
  inferFromGeoJson,
  inferFromJson,
  inferSchema,
  mergeSchemas,
  schemaOfValue,
} from './infer-schema.ts';
import { validateAgainst, validateJsonSchema } from './validate-json-schema.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/samples/${name}`, import.meta.url), 'utf8');

describe('schemaOfValue / mergeSchemas', () => {
  test('types and string formats', () => {
    assert.deepEqual(schemaOfValue(1), { type: 'integer' });
    assert.deepEqual(schemaOfValue(1.5), { type: 'number' });
    assert.deepEqual(schemaOfValue('2024-05-01T12:00:00Z'), { type: 'string', format: 'date-time' });
    assert.deepEqual(schemaOfValue('2024-05-01'), { type: 'string', format: 'date' });
    assert.deepEqual(schemaOfValue('x'), { type: 'string' });
    assert.deepEqual(schemaOfValue([1, 2.5]), { type: 'array', items: { type: 'number' } });
  });

  test('widens, keeps nullability and requires only members present everywhere', () => {
    assert.deepEqual(mergeSchemas({ type: 'integer' }, { type: 'number' }), { type: 'number' });
    assert.deepEqual(mergeSchemas({ type: 'string' }, { type: 'null' }), { type: ['string', 'null'] });
    assert.deepEqual(mergeSchemas({ type: 'string', format: 'date' }, { type: 'string' }), {
      type: 'string',
    });
    const merged = mergeSchemas(schemaOfValue({ a: 1, b: 'x' }), schemaOfValue({ a: 2 }));
    assert.deepEqual(merged.required, ['a']);
  });
});

describe('inference from samples', () => {
  test('CSV (Münster bicycle counts): integer columns, optional columns, every header a member', () => {
    const s = inferFromCsv(fixture('neutor-2016-excerpt.csv'));
    const props = s.properties as Record<string, { type: unknown }>;
    assert.deepEqual(props['Neutor (gesamt)'], { type: 'integer' });
    assert.deepEqual(props.Wetter, { type: 'string' });
    assert.deepEqual(props.Stunden, { type: 'string' });
    // The trailing "Jahressumme" row has only a total: the directional counts are not always present.
    assert.deepEqual(s.required, ['Stunden', 'Neutor (gesamt)']);
    assert.equal(Object.keys(props).length, 7);
  });

  test('CSV: a column of mixed values is a string column', () => {
    const s = inferFromCsv('a,b\n1,2024-01-01T00:00:00Z\nx,2024-01-02T00:00:00Z\n');
    assert.deepEqual(s.properties, { a: { type: 'string' }, b: { type: 'string', format: 'date-time' } });
  });

  test('JSON array of objects', () => {
    const s = inferFromJson(JSON.parse(fixture('jena-parken-excerpt.json')));
    const props = s.properties as Record<string, unknown>;
    assert.deepEqual(props.checkedAt, { type: 'string', format: 'date-time' });
    assert.deepEqual(props.lon, { type: 'number' });
    assert.deepEqual(props.id, { type: 'integer' });
    assert.ok(!(s.required as string[]).includes('note'));
  });

  test('GeoJSON FeatureCollection: Feature with the geometry types seen and inferred properties', () => {
    const sample = JSON.parse(fixture('jena-parken-excerpt.geojson'));
    const s = inferFromGeoJson(sample);
    const props = s.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(props.geometry!.properties, {
      type: { const: 'Point' },
      coordinates: { type: 'array' },
    });
    assert.deepEqual((props.properties!.required as string[]).sort(), [
      'art',
      'gid',
      'id',
      'name',
      'the_geom',
    ]);
    for (const f of sample.features) assert.deepEqual(validateAgainst(s, f), []);
  });

  test('inferSchema gives a valid 2020-12 schema that accepts its own sample', () => {
    const records = JSON.parse(fixture('jena-parken-excerpt.json'));
    const s = inferSchema('json', records, 'Parking');
    assert.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(s.title, 'Parking');
    validateJsonSchema(s);
    for (const r of records) assert.deepEqual(validateAgainst(s, r), []);
  });

  test('bad samples are 400s', () => {
    const is400 = (e: unknown) => e instanceof BadRequestError && e.code === 'URBS_INVALID_SAMPLE';
    assert.throws(() => inferFromJson([]), is400);
    assert.throws(() => inferFromJson([1, 2]), is400);
    assert.throws(() => inferFromGeoJson({ type: 'Feature' }), is400);
    assert.throws(() => inferFromCsv(''), is400);
    assert.throws(() => inferSchema('csv', { a: 1 }, 't'), is400);
  });
});
