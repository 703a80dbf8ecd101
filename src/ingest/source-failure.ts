import { BadRequestError } from '../core/errors/bad-request.ts';
import type { ConnectionResult } from './connector.ts';
import { errorMessage } from './source-state.ts';

/** A source that cannot be reached or read, blamed on one config member (`url`, `password`, `query` …). */
export class SourceFailure extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'SourceFailure';
    this.field = field;
  }
}

/** Turns any failure into a SourceFailure, blaming `field` unless it already names one. */
export function asSourceFailure(err: unknown, field: string): SourceFailure {
  return err instanceof SourceFailure ? err : new SourceFailure(field, errorMessage(err));
}

/** `testConnection`'s answer for a failure; `redact` removes secrets from the text. */
export function failedConnection(
  err: unknown,
  field: string,
  redact: (s: string) => string,
): ConnectionResult {
  const f = asSourceFailure(err, field);
  return { ok: false, detail: redact(f.message), field: f.field };
}

/** `sample`'s error for a failure: a 4xx problem naming the field, secrets removed. */
export function sampleError(err: unknown, field: string, redact: (s: string) => string): BadRequestError {
  if (err instanceof BadRequestError) return err;
  const f = asSourceFailure(err, field);
  return new BadRequestError(redact(f.message), { field: f.field }, 'URBS_SOURCE_UNAVAILABLE');
}

/** The sink (the pipeline) rejected a batch: the source position was not advanced. */
export class SinkFailure extends Error {
  constructor(cause: unknown) {
    super(`the pipeline did not take the records: ${errorMessage(cause)}`);
    this.name = 'SinkFailure';
  }
}

/** Calls the sink, marking its failures as SinkFailures (not the source's fault). */
export async function deliver<T>(sink: (records: T) => Promise<void>, records: T): Promise<void> {
  try {
    await sink(records);
  } catch (err) {
    throw new SinkFailure(err);
  }
}
