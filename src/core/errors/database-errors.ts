import { BadRequestError } from './bad-request.ts';
import { ConflictError } from './conflict.ts';
import type { DomainError } from './domain-error.ts';

/**
 * PostgreSQL errors that are the consequence of a request racing another one (a referenced entity deleted
 * meanwhile, a duplicate created meanwhile) or of input PostgreSQL rejects, as domain errors: a 409 or a
 * 400, never a 500. The SQLSTATE is the same on PostgreSQL and PGlite. Messages never carry SQL.
 */
export function fromDatabaseError(err: unknown): DomainError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  switch (code) {
    case '23503':
      return new ConflictError('A related entity does not exist (any more); nothing was changed', {
        sqlstate: code,
      });
    case '23505':
      return new ConflictError('An entity with the same key exists already; nothing was changed', {
        sqlstate: code,
      });
    case '23514':
    case '23502':
      return new BadRequestError('The data violates a rule of the data model; nothing was changed', {
        sqlstate: code,
      });
    case '22P02':
    case '22007':
    case '22008':
    case '22003':
      return new BadRequestError('A value has the wrong format or is out of range; nothing was changed', {
        sqlstate: code,
      });
    case '40001':
    case '40P01':
      return new ConflictError('The request collided with a concurrent change; retry it', { sqlstate: code });
    default:
      return undefined;
  }
}
