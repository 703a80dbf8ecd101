import { DomainError } from '../errors/domain-error.ts';

/** A released (AVAILABLE) DataStructureVersion is immutable: no update, no delete, no second release. */
export class VersionReleasedError extends DomainError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('URBS_VERSION_RELEASED', 409, message, extensions);
  }
}

/** A DataStructureVersion something depends on (a data source, a dataset…) cannot be deleted. */
export class VersionInUseError extends DomainError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('URBS_VERSION_IN_USE', 409, message, extensions);
  }
}
