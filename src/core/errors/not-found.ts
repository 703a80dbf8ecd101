import { DomainError } from './domain-error.ts';

export class NotFoundError extends DomainError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('URBS_NOT_FOUND', 404, message, extensions);
  }
}
