import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { BadRequestError } from '../core/errors/bad-request.ts';

/**
 * Checks that a value is a JSON Schema of draft 2020-12: valid against the meta-schema, and compilable
 * (every `$ref` resolves inside the document; nothing is fetched). Unknown keywords are annotations in
 * 2020-12 (§6.5) and are allowed, so vendor members such as Smart Data Models' `x-ngsi` pass.
 */

// ajv-formats is CommonJS; under ESM its default export is the module object on some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

export const INVALID_JSON_SCHEMA = 'URBS_INVALID_JSON_SCHEMA';

function newAjv(): Ajv2020 {
  // A fresh instance per schema: compiled schemas are cached by $id, and two structures may share one.
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats(ajv);
  return ajv;
}

/** `/properties/a/type` under member `schema` → `schema.properties.a.type`. */
function fieldOf(base: string, pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  return [base, ...parts].filter(Boolean).join('.');
}

/** The deepest meta-schema error is the most specific one (e.g. the bad `type`, not the `anyOf` around it). */
function mostSpecific(errors: readonly ErrorObject[]): ErrorObject {
  return [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]!;
}

/**
 * Throws a 400 (`urn:urbs:problem:invalid-json-schema`) naming the offending member (dotted path below
 * `field`) unless `schema` is a valid JSON Schema 2020-12.
 */
export function validateJsonSchema(schema: unknown, field = 'schema'): void {
  if (
    typeof schema !== 'boolean' &&
    (typeof schema !== 'object' || schema === null || Array.isArray(schema))
  ) {
    throw new BadRequestError(`${field} must be a JSON Schema (an object)`, { field }, INVALID_JSON_SCHEMA);
  }
  const ajv = newAjv();
  const $schema = (schema as { $schema?: unknown }).$schema;
  if (
    $schema !== undefined &&
    !/^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/.test(String($schema))
  ) {
    const f = `${field}.$schema`;
    throw new BadRequestError(
      `${f} must be https://json-schema.org/draft/2020-12/schema (or absent)`,
      { field: f },
      INVALID_JSON_SCHEMA,
    );
  }
  if (!ajv.validateSchema(schema as object) && ajv.errors?.length) {
    const e = mostSpecific(ajv.errors);
    const f = fieldOf(field, e.instancePath);
    throw new BadRequestError(`${f} ${e.message ?? 'is invalid'}`, { field: f }, INVALID_JSON_SCHEMA);
  }
  try {
    ajv.compile(schema as object);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new BadRequestError(`${field} cannot be used: ${message}`, { field }, INVALID_JSON_SCHEMA);
  }
}

/** Validates `value` against a (valid) schema; returns error messages with their instance paths. */
export function validateAgainst(schema: object, value: unknown): string[] {
  const validate = newAjv().compile(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}
