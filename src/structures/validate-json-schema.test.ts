import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BadRequestError } from '../core/errors/bad-request.ts';
import { validateAgainst, validateJsonSchema } from './validate-json-schema.ts';

function fieldOfError(schema: unknown): unknown {
  try {
    validateJsonSchema(schema);
  } catch (err) {
    assert.ok(err instanceof BadRequestError);
    assert.equal(err.code, 'URBS_INVALID_JSON_SCHEMA');
    return err.extensions.field;
  }
  return undefined;
}

describe('validateJsonSchema (draft 2020-12)', () => {
  test('accepts valid schemas, including unknown annotation keywords and booleans', () => {
    validateJsonSchema({ type: 'object', properties: { a: { type: 'string', format: 'date-time' } } });
    validateJsonSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', 'x-ngsi': { a: 1 } });
    validateJsonSchema(true);
  });

  test('names the offending member as a dotted path below `schema`', () => {
    assert.equal(fieldOfError({ type: 'strin' }), 'schema.type');
    assert.equal(
      fieldOfError({ properties: { temperature: { type: 'numbr' } } }),
      'schema.properties.temperature.type',
    );
    assert.equal(fieldOfError({ required: 'name' }), 'schema.required');
    assert.equal(
      fieldOfError({ type: 'object', properties: { a: { minimum: 'x' } } }),
      'schema.properties.a.minimum',
    );
  });

  test('refuses non-objects, other drafts and references it cannot resolve offline', () => {
    assert.equal(fieldOfError('a string'), 'schema');
    assert.equal(fieldOfError([]), 'schema');
    assert.equal(fieldOfError({ $schema: 'http://json-schema.org/draft-07/schema#' }), 'schema.$schema');
    assert.equal(fieldOfError({ $ref: 'https://example.org/elsewhere.json' }), 'schema');
  });

  test('validateAgainst reports instance errors', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    assert.deepEqual(validateAgainst(schema, { n: 1 }), []);
    assert.equal(validateAgainst(schema, { n: 'x' }).length, 1);
  });
});
