import { DomainError } from '../../../core/errors/domain-error.ts';
import { type BatchEnv, executeBatch } from './execute-batch.ts';
import { formatMultipartBatch } from './format-multipart-batch.ts';
import { formatJsonBatch, parseJsonBatch } from './json-batch.ts';
import { parseMultipartBatch } from './parse-multipart-batch.ts';

export type { BatchEnv } from './execute-batch.ts';

export interface BatchHttpResponse {
  status: number;
  contentType: string;
  payload: string | object;
}

/**
 * `POST {root}/$batch` (18-088 §11): multipart/mixed (OData 4.0) or application/json (OData 4.01 JSON
 * batch, as FROST-Server). The answer is 200 in the request's format with one response per request; only a
 * batch that cannot be read at all is an error of its own (400).
 */
export async function handleBatch(
  env: BatchEnv,
  method: string,
  contentType: string | undefined,
  body: unknown,
): Promise<BatchHttpResponse> {
  if (method !== 'POST') {
    throw new DomainError('URBS_METHOD_NOT_ALLOWED', 405, `${method} is not allowed on $batch; use POST`);
  }
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'multipart/mixed' && typeof body === 'string') {
    const out = formatMultipartBatch(await executeBatch(env, parseMultipartBatch(body, contentType)));
    return { status: 200, contentType: out.contentType, payload: out.body };
  }
  if (type === 'application/json') {
    const out = formatJsonBatch(await executeBatch(env, parseJsonBatch(body)));
    return { status: 200, contentType: 'application/json; charset=utf-8', payload: out };
  }
  throw new DomainError(
    'URBS_UNSUPPORTED_MEDIA_TYPE',
    415,
    'A $batch body is multipart/mixed (with a boundary) or application/json',
  );
}
