/**
 * Record validation against a structure's JSON Schema (draft 2020-12) with ajv. Compiling is the expensive
 * part, so a `ValidatorCache` compiles each schema object once and keeps the validator for as long as the
 * schema object lives (a WeakMap keyed by identity: a new structure version is a new object).
 *
 * Errors come back as `{ path: '/temperature', message: 'must be a number, got string' }`: the path is a
 * JSON Pointer into the record, the message reads on its own.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { BadRequestError } from '../core/errors/bad-request.ts';

export type JsonSchema = Record<string, unknown> | boolean;

export interface RecordError {
  /** JSON Pointer into the record; '' for the record itself. */
  path: string;
  message: string;
}

/** Returns the record's errors; an empty list means valid. */
export type RecordValidator = (record: unknown) => RecordError[];

export interface ValidatorCacheOptions {
  /** Schemas that others `$ref` by their `$id` (e.g. the Smart Data Models common schema). */
  schemas?: readonly Record<string, unknown>[];
  /** At most this many errors per record (default 20): a broken feed should not produce megabytes. */
  maxErrors?: number;
}

export interface ValidatorCache {
  get(schema: JsonSchema): RecordValidator;
}

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as FormatsPlugin;

export function createValidatorCache(options: ValidatorCacheOptions = {}): ValidatorCache {
  // strict: false because real schemas carry annotations ajv does not know ($schemaVersion, modelTags).
  // verbose: true puts the offending value in each error. addUsedSchema: false so two versions of a structure may share one $id.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, addUsedSchema: false });
  addFormats(ajv);
  for (const schema of options.schemas ?? []) ajv.addSchema(schema);
  const maxErrors = options.maxErrors ?? 20;
  const compiled = new WeakMap<object, RecordValidator>();
  const forBoolean = (schema: boolean): RecordValidator =>
    schema ? () => [] : () => [{ path: '', message: 'no record is allowed (schema is false)' }];

  return {
    get(schema) {
      if (typeof schema === 'boolean') return forBoolean(schema);
      let validator = compiled.get(schema);
      if (!validator) {
        validator = toRecordValidator(compileSchema(ajv, schema), maxErrors);
        compiled.set(schema, validator);
      }
      return validator;
    },
  };
}

function compileSchema(ajv: Ajv2020, schema: Record<string, unknown>): ValidateFunction {
  try {
    return ajv.compile(schema);
  } catch (err) {
    throw new BadRequestError(
      `The JSON Schema does not compile: ${(err as Error).message}`,
      {},
      'URBS_INVALID_SCHEMA',
    );
  }
}

function toRecordValidator(validate: ValidateFunction, maxErrors: number): RecordValidator {
  return (record) => {
    if (validate(record)) return [];
    const seen = new Set<string>();
    const errors: RecordError[] = [];
    for (const error of validate.errors ?? []) {
      const formatted = formatError(error);
      const key = `${formatted.path}\u0000${formatted.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      errors.push(formatted);
      if (errors.length >= maxErrors) break;
    }
    return errors;
  };
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

const ARTICLE: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function describeTypes(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => ARTICLE[String(t)] ?? String(t)).join(' or ');
}

function pointerSegment(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** One ajv error as a path and a sentence, by keyword; anything else keeps ajv's own wording. */
export function formatError(error: ErrorObject): RecordError {
  const params = error.params as Record<string, unknown>;
  const path = error.instancePath;
  switch (error.keyword) {
    case 'required':
      return { path: `${path}/${pointerSegment(String(params.missingProperty))}`, message: 'is required' };
    case 'additionalProperties':
      return {
        path: `${path}/${pointerSegment(String(params.additionalProperty))}`,
        message: 'is not allowed here',
      };
    case 'type':
      return { path, message: `must be ${describeTypes(params.type)}, got ${jsonType(error.data)}` };
    case 'enum':
      return {
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'format':
      return { path, message: `must be a valid ${String(params.format)}, got ${JSON.stringify(error.data)}` };
    default:
      return { path, message: error.message ?? `fails '${error.keyword}'` };
  }
}
