import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../../../core/errors/auth-errors.ts';
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import { checkShape } from '../../config-checks.ts';
import type { JsonSchema, PushConnector, RawRecord } from '../../connector.ts';
import { type BodyFormat, parseBody, recordsOf } from '../../parse-body.ts';
import { toRecordData } from '../../record-data.ts';
import { parseRecordPath } from '../../record-path.ts';
import { SourceFailure } from '../../source-failure.ts';

/**
 * HTTP push: the source POSTs records to urbs. No transport here: the control plane mounts
 * `POST /api/v1/ingest/{sourceId}`, reads the key from the `X-Ingest-Key` header (never from the URL,
 * which ends up in logs) and hands
 * key, content type and body to the receiver, which checks the key and returns the records.
 */
export interface HttpPushConfig {
  /** The per-source ingest key (secret); generate one with `generatePushKey()`. */
  key: string;
  /** Where the records sit in a JSON body; default: the array, a FeatureCollection's features, or the object. */
  recordsPath?: string;
  csvDelimiter?: string;
}

export const httpPushSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: {
    key: { type: 'string', minLength: 16, maxLength: 256, writeOnly: true },
    recordsPath: { type: 'string', maxLength: 500 },
    csvDelimiter: { type: 'string', minLength: 1, maxLength: 1 },
  },
};

function validateHttpPushConfig(input: unknown): HttpPushConfig {
  const config = checkShape<HttpPushConfig>(httpPushSchema, input);
  parseRecordPath(config.recordsPath);
  return config;
}

export const httpPushConnector: PushConnector<HttpPushConfig> = {
  type: 'http-push',
  kind: 'push',
  title: 'HTTP push',
  configSchema: httpPushSchema,
  validateConfig: validateHttpPushConfig,
};

/** A fresh random ingest key (256 bits, base64url). */
export function generatePushKey(): string {
  return randomBytes(32).toString('base64url');
}

export interface PushRequest {
  key: string | undefined;
  contentType: string | undefined;
  /** A parsed JSON value, or the raw body as text or bytes. */
  body: unknown;
}

export interface PushReceiver {
  /** Throws UnauthorizedError for a wrong key, BadRequestError for a body that holds no records. */
  receive(request: PushRequest): RawRecord[];
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function createPushReceiver(config: HttpPushConfig): PushReceiver {
  const expected = digest(config.key);
  const path = parseRecordPath(config.recordsPath);
  return {
    receive({ key, contentType, body }) {
      // Comparing fixed-length digests keeps the time independent of where the keys differ and of length.
      if (typeof key !== 'string' || !timingSafeEqual(digest(key), expected)) {
        throw new UnauthorizedError('The ingest key is missing or wrong');
      }
      const values = bodyValues(body, contentType, path, config.csvDelimiter);
      const receivedAt = new Date().toISOString();
      return values.map((v, index) => ({ data: toRecordData(v), receivedAt, position: { index } }));
    },
  };
}

function bodyValues(
  body: unknown,
  contentType: string | undefined,
  path: ReturnType<typeof parseRecordPath>,
  delimiter: string | undefined,
): unknown[] {
  try {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const format: BodyFormat = /\b(csv|text\/plain)\b/i.test(contentType ?? '') ? 'csv' : 'json';
      return parseBody(body.toString(), format, format === 'json' ? path : [], delimiter);
    }
    if (body === undefined || body === null) throw new SourceFailure('body', 'the body is empty');
    return recordsOf(body, path);
  } catch (err) {
    if (err instanceof SourceFailure) {
      throw new BadRequestError(err.message, { field: err.field === 'format' ? 'body' : err.field });
    }
    throw err;
  }
}
