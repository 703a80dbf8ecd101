import { BadRequestError } from '../../../core/errors/bad-request.ts';

/**
 * A parsed `$batch` (18-088 §11, OData 4.0 Part 1 §11.7; OData 4.01 JSON batch), the same for both wire
 * formats: an ordered list of requests and change sets. The executor only sees this shape.
 */
export interface BatchRequest {
  /** Content-ID (multipart) or `id` (JSON); `$<id>` later in the same change set names what it created. */
  id?: string | undefined;
  method: string;
  /** As sent: relative to the service root, an absolute path or an absolute URL. */
  url: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Multipart bodies stay text until the request runs, so a bad body fails that request only. */
  bodyText?: string | undefined;
  /** JSON batch bodies arrive parsed. */
  body?: unknown;
  /** Ids of earlier requests or atomicity groups this one needs (JSON batch `dependsOn`). */
  dependsOn?: string[] | undefined;
  /** Where the request sits in the batch, for messages: `part 2.1` or `requests[3]`. */
  where: string;
}

export type BatchItem =
  | { kind: 'request'; request: BatchRequest }
  | { kind: 'changeSet'; group?: string | undefined; requests: BatchRequest[] };

export interface BatchResponse {
  id?: string | undefined;
  status: number;
  /** Lower-case header names, e.g. `content-type`, `location`. */
  headers: Record<string, string>;
  /** JSON payload. */
  body?: unknown;
  /** Plain-text payload (`$value`). */
  text?: string | undefined;
}

/** One entry of the batch response: a response, a failed change set's single error, or a change set. */
export type BatchOutcome =
  | { kind: 'response'; response: BatchResponse; group?: string | undefined }
  | { kind: 'changeSet'; group?: string | undefined; responses: BatchResponse[] };

/** Requests per batch, change set members included; the body limit bounds the bytes. */
export const MAX_BATCH_REQUESTS = 1000;

/** A batch that cannot be read at all: 400, naming where (part, line or JSON member). */
export function batchSyntaxError(message: string, extensions: Record<string, unknown> = {}): BadRequestError {
  return new BadRequestError(message, extensions, 'URBS_BATCH_SYNTAX');
}

/** Client text echoed in a message: printable ASCII only, and not much of it. */
export function printable(text: string, max = 60): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}
