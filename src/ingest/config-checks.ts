import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { BadRequestError } from '../core/errors/bad-request.ts';
import type { JsonSchema } from './connector.ts';

/**
 * Shape checks of connector configs against their JSON Schema (the same schema the control plane puts in
 * its routes), and the semantic checks several connectors share. Every failure is a BadRequestError whose
 * `field` extension is the dotted path of the offending member, so the API answers a 400 naming it.
 */
const ajv = new Ajv({ allErrors: false, strict: true, useDefaults: false });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

export function configError(field: string, message: string): BadRequestError {
  return new BadRequestError(message, { field }, 'URBS_BAD_CONNECTOR_CONFIG');
}

export function checkShape<C>(schema: JsonSchema, config: unknown): C {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(config)) return config as C;
  const err = validate.errors?.[0];
  throw err ? shapeError(err) : configError('', 'The connector config is invalid');
}

function shapeError(err: ErrorObject): BadRequestError {
  const path = err.instancePath.split('/').filter(Boolean);
  const params = err.params as { missingProperty?: string; additionalProperty?: string };
  if (err.keyword === 'required' && params.missingProperty) {
    const field = [...path, params.missingProperty].join('.');
    return configError(field, `${field} is required`);
  }
  if (err.keyword === 'additionalProperties' && params.additionalProperty) {
    const field = [...path, params.additionalProperty].join('.');
    return configError(field, `${field} is not a known setting`);
  }
  const field = path.join('.');
  return configError(field, `${field || 'the config'} ${err.message ?? 'is invalid'}`);
}

/** Parses a URL and checks its scheme; returns the URL. */
export function checkUrl(value: string, field: string, protocols: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(field, `${field} is not a valid URL`);
  }
  if (!protocols.includes(url.protocol.replace(/:$/, ''))) {
    throw configError(field, `${field} must use one of the schemes ${protocols.join(', ')}`);
  }
  if (!url.hostname) throw configError(field, `${field} has no host`);
  return url;
}

/** A URL for messages: without user info, query or fragment (they may carry credentials). */
export function describeUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'the configured URL';
  }
}
