import { DomainError } from './domain-error.ts';

export class ConflictError extends DomainError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('URBS_CONFLICT', 409, message, extensions);
  }
}
