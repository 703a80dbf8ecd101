import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { fromDatabaseError } from '../core/errors/database-errors.ts';
import { isDomainError } from '../core/errors/domain-error.ts';

/**
 * RFC 9457 problem details, shared by every tree that speaks them (control plane, STA, OGC, catalog).
 * `type` is a stable URN per error code; `title` is the status text; `detail` the human message.
 * 5xx never carry internal details: the log has them, under the request id the client gets.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export function problemType(code: string): string {
  return `urn:urbs:problem:${code
    .replace(/^URBS_/, '')
    .toLowerCase()
    .replaceAll('_', '-')}`;
}

export function problem(
  status: number,
  code: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemDetails {
  return { type: problemType(code), title: TITLES[status] ?? 'Error', status, detail, ...extensions };
}

/** Fastify's own 4xx codes (body parsing, routing) mapped to urbs codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'URBS_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'URBS_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'URBS_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'URBS_INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'URBS_INVALID_JSON',
  FST_ERR_VALIDATION: 'URBS_VALIDATION',
};

/** Turns any thrown value into problem details; the only place that decides what a client may see. */
export function toProblem(err: unknown): ProblemDetails {
  if (isDomainError(err)) return problem(err.status, err.code, err.message, err.extensions);
  const db = fromDatabaseError(err);
  if (db) return problem(db.status, db.code, db.message, db.extensions);
  const fe = err as Partial<FastifyError> & { validation?: unknown[]; body?: unknown };
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    if (err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return problem(400, 'URBS_INVALID_JSON', `The request body is not valid JSON: ${fe.message}`);
    }
    const code = (fe.code && FASTIFY_CODES[fe.code]) ?? 'URBS_BAD_REQUEST';
    const ext: Record<string, unknown> = {};
    if (fe.validation) ext.errors = fe.validation;
    return problem(status, code, fe.message ?? TITLES[status] ?? 'Bad request', ext);
  }
  if (status === 503) return problem(503, 'URBS_UNAVAILABLE', 'The service is temporarily unavailable');
  return problem(
    500,
    'URBS_INTERNAL',
    'An internal error occurred; the log has details under the request id',
  );
}

export function sendProblem(reply: FastifyReply, p: ProblemDetails): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}

/** The body types build-app accepts everywhere; a tree with its own parser (e.g. $batch) adds to it. */
export const ACCEPTED_BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded'] as const;

/** 415 names what was sent and what would be accepted, e.g. "Content-Type text/plain is not accepted; …". */
function unsupportedMediaTypeDetail(request: FastifyRequest): string {
  const accepted = `send ${ACCEPTED_BODY_TYPES.join(' or ')}`;
  const header = request.headers['content-type'];
  // Only the media type, and only printable characters of it, is echoed back.
  const sent = (header ?? '')
    .split(';')[0]!
    .trim()
    .replace(/[^\x21-\x7e]/g, '')
    .slice(0, 100);
  return sent
    ? `Content-Type ${sent} is not accepted; ${accepted}`
    : `A request body needs a Content-Type; ${accepted}`;
}

export function problemErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const p = toProblem(err);
  if ((err as Partial<FastifyError>).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    p.detail = unsupportedMediaTypeDetail(request);
  }
  p.instance = request.url.split('?')[0];
  p.requestId = request.id;
  if (p.status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ status: p.status, code: p.type }, p.detail);
  return sendProblem(reply, p);
}
