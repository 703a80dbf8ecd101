import { DomainError } from './domain-error.ts';

/** No or invalid credentials. The message never says which part was wrong beyond what is safe. */
export class UnauthorizedError extends DomainError {
  constructor(message = 'Valid credentials are required', extensions: Record<string, unknown> = {}) {
    super('URBS_UNAUTHORIZED', 401, message, extensions);
  }
}

/** Valid credentials that do not grant the requested action. */
export class ForbiddenError extends DomainError {
  constructor(message = 'You are not allowed to do this', extensions: Record<string, unknown> = {}) {
    super('URBS_FORBIDDEN', 403, message, extensions);
  }
}
