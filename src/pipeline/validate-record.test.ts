import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../core/errors/domain-error.ts';
import {
  smartDataModelSchemas,
  weatherObservedExample,
  weatherObservedSchema,
} from './fixtures/load-fixtures.ts';
import { createValidatorCache } from './validate-record.ts';

describe('record validation', () => {
  const cache = createValidatorCache({ schemas: smartDataModelSchemas });

  it('accepts the Smart Data Models WeatherObserved example (with $refs to the common schemas)', () => {
    assert.deepEqual(cache.get(weatherObservedSchema)(weatherObservedExample), []);
  });

  it('reports readable errors with JSON Pointer paths', () => {
    const validate = cache.get(weatherObservedSchema);
    const { location: _dropped, ...rest } = weatherObservedExample;
    const errors = validate({ ...rest, temperature: '3.3', type: 'Weather', dateObserved: '30.11.2016' });
    assert.deepEqual(errors, [
      { path: '/temperature', message: 'must be a number, got string' },
      { path: '/type', message: 'must be one of "WeatherObserved"' },
      { path: '/dateObserved', message: 'must be a valid date-time, got "30.11.2016"' },
      { path: '/location', message: 'is required' },
    ]);
  });

  it('names nested and additional members and keeps ajv wording for other keywords', () => {
    const validate = cache.get({
      type: 'object',
      additionalProperties: false,
      properties: {
        address: { type: 'object', required: ['city'], properties: { city: { type: 'string' } } },
        count: { type: 'integer', minimum: 0 },
        kind: { const: 'car' },
      },
    });
    assert.deepEqual(validate({ address: {}, count: -1, kind: 'bus', colour: 'red' }), [
      { path: '/colour', message: 'is not allowed here' },
      { path: '/address/city', message: 'is required' },
      { path: '/count', message: 'must be >= 0' },
      { path: '/kind', message: 'must be "car"' },
    ]);
    assert.deepEqual(validate(7), [{ path: '', message: 'must be an object, got integer' }]);
  });

  it('compiles each schema object once', () => {
    const schema = { type: 'object' };
    assert.equal(cache.get(schema), cache.get(schema));
    assert.notEqual(cache.get(schema), cache.get({ type: 'object' }));
  });

  it('lets two versions of a structure share an $id', () => {
    const v1 = { $id: 'urn:urbs:structure:parking', type: 'object', required: ['name'] };
    const v2 = { $id: 'urn:urbs:structure:parking', type: 'object', required: ['name', 'capacity'] };
    assert.deepEqual(cache.get(v1)({ name: 'P1' }), []);
    assert.deepEqual(cache.get(v2)({ name: 'P1' }), [{ path: '/capacity', message: 'is required' }]);
  });

  it('caps the number of errors per record', () => {
    const small = createValidatorCache({ maxErrors: 2 });
    const validate = small.get({ type: 'object', required: ['a', 'b', 'c'] });
    assert.equal(validate({}).length, 2);
  });

  it('turns a schema that does not compile into a 400', () => {
    assert.throws(
      () => cache.get({ type: 'object', properties: { a: { type: 'strin' } } }),
      (err: unknown) => isDomainError(err) && err.status === 400 && err.code === 'URBS_INVALID_SCHEMA',
    );
  });
});
