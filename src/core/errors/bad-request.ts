import { DomainError } from './domain-error.ts';

/** Input that violates the model or a grammar. `field` names the offending member (dotted path). */
export class BadRequestError extends DomainError {
  constructor(message: string, extensions: Record<string, unknown> = {}, code = 'URBS_BAD_REQUEST') {
    super(code, 400, message, extensions);
  }
}

/** A query option that does not parse: names the option, the 0-based position and the offending token. */
export class QuerySyntaxError extends DomainError {
  constructor(message: string, option: string, position: number, token: string) {
    super('URBS_QUERY_SYNTAX', 400, message, { option, position, token });
  }
}
