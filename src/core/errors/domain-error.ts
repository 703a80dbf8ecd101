/**
 * The one error family of the core. Every failure the core reports to a caller is a DomainError with a
 * stable `URBS_*` code and an HTTP-ish status; each API adapter maps it to its own wire format (RFC 9457
 * problem details, ETSI NGSI-LD errors, MQTT disconnect). Messages read like "Datastream 42 does not exist"
 * and never contain a stack, SQL or a secret.
 */
export class DomainError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra members for problem details, e.g. `{ field: 'name' }` or `{ position: 12, token: 'eqq' }`. */
  readonly extensions: Record<string, unknown>;

  constructor(code: string, status: number, message: string, extensions: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.status = status;
    this.extensions = extensions;
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
