import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importSmartDataModel } from '../structures/import-smart-data-model.ts';
import {
  parkingTargetSchema,
  smartDataModelSchemas,
  weatherObservedSchema,
} from './fixtures/load-fixtures.ts';
import { createSchemaIndex } from './schema-fields.ts';

const types = (info: ReturnType<ReturnType<typeof createSchemaIndex>['field']>) =>
  info === undefined ? 'missing' : info.types === 'any' ? 'any' : [...info.types].sort();

describe('schema field lookup', () => {
  const weather = createSchemaIndex(weatherObservedSchema, { schemas: smartDataModelSchemas });

  it('resolves an imported Smart Data Model on its own: the referenced schemas are in its $defs', () => {
    const imported = createSchemaIndex(importSmartDataModel('WeatherObserved').schema);
    assert.deepEqual(types(imported.field('temperature')), ['number']);
    assert.deepEqual(types(imported.field('id')), ['string']);
    assert.deepEqual(types(imported.field('address.addressLocality')), ['string']);
    assert.equal(types(imported.field('temprature')), 'missing');
  });

  it('follows allOf and $ref into the Smart Data Models common schemas', () => {
    assert.deepEqual(types(weather.field('temperature')), ['number']);
    assert.deepEqual(types(weather.field('dateObserved')), ['string']);
    assert.deepEqual(types(weather.field('location')), ['object']);
    assert.deepEqual(types(weather.field('address.addressLocality')), ['string']);
    assert.deepEqual(types(weather.field('pressureTendency')), ['number', 'string']);
    assert.equal(types(weather.field('temprature')), 'missing');
    assert.equal(types(weather.field('address.town')), 'missing');
  });

  it('lists required members through allOf', () => {
    assert.deepEqual(weather.required('').sort(), ['dateObserved', 'id', 'location', 'type']);
    const parking = createSchemaIndex(parkingTargetSchema);
    assert.deepEqual(parking.required('address'), ['addressLocality']);
  });

  it('treats objects that declare no members, and unresolvable $refs, as open', () => {
    const index = createSchemaIndex({
      type: 'object',
      properties: {
        extra: { type: 'object' },
        remote: { $ref: 'https://example.org/unknown.json' },
        tags: { type: 'object', additionalProperties: { type: 'string' } },
        codes: { type: 'object', patternProperties: { '^x-': { type: 'integer' } } },
      },
    });
    assert.equal(types(index.field('extra.anything.below')), 'any');
    assert.equal(types(index.field('remote.x')), 'any');
    assert.deepEqual(types(index.field('tags.colour')), ['string']);
    assert.deepEqual(types(index.field('codes.x-a')), ['integer']);
    assert.equal(types(index.field('codes.y')), 'missing');
    assert.equal(types(index.field('other')), 'missing');
  });

  it('resolves local $defs and infers types from const and enum', () => {
    const index = createSchemaIndex({
      $defs: { kind: { enum: ['a', 'b'] }, n: { const: 3 } },
      properties: { kind: { $ref: '#/$defs/kind' }, n: { $ref: '#/$defs/n' } },
    });
    assert.deepEqual(types(index.field('kind')), ['string']);
    assert.deepEqual(types(index.field('n')), ['integer']);
  });
});
