import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { BatchOutcome, BatchResponse } from './batch-request.ts';

const CRLF = '\r\n';

export interface MultipartBody {
  /** `multipart/mixed; boundary=batchresponse_…` */
  contentType: string;
  body: string;
}

/**
 * The multipart/mixed batch response (18-088 §11, OData 4.0 Part 1 §11.7.4): one `application/http` part
 * per request, in request order, carrying `HTTP/1.1 <status> <reason>`, its headers (Location, …) and a JSON
 * body; a successful change set is a nested multipart/mixed with one part per request; a failed change set
 * is the single error response of the request that failed. Lines end in CRLF as RFC 2046 requires.
 */
export function formatMultipartBatch(
  outcomes: BatchOutcome[],
  newId: () => string = randomUUID,
): MultipartBody {
  const boundary = `batchresponse_${newId()}`;
  const parts = outcomes.map((o) => {
    if (o.kind === 'response') return httpPart(o.response);
    const inner = `changesetresponse_${newId()}`;
    return `Content-Type: multipart/mixed; boundary=${inner}${CRLF}${CRLF}${multipart(inner, o.responses.map(httpPart))}`;
  });
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: multipart(boundary, parts) };
}

/** RFC 2046 §5.1.1: the CRLF before each delimiter belongs to the delimiter, not to the part. */
function multipart(boundary: string, parts: string[]): string {
  const delimited = parts.map((p) => `--${boundary}${CRLF}${p}${CRLF}`).join('');
  return `${delimited}--${boundary}--${CRLF}`;
}

function httpPart(res: BatchResponse): string {
  const outer = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (res.id !== undefined) outer.push(`Content-ID: ${res.id}`);
  const payload = payloadOf(res);
  const headers = { ...res.headers };
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  const inner = [`HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? 'Unknown'}`];
  for (const [name, value] of Object.entries(headers)) inner.push(`${headerName(name)}: ${value}`);
  return [...outer, '', ...inner, '', payload ?? ''].join(CRLF);
}

function payloadOf(res: BatchResponse): string | undefined {
  if (res.text !== undefined) return res.text;
  if (res.body !== undefined) return JSON.stringify(res.body);
  return undefined;
}

/** `content-type` → `Content-Type`, as the spec's examples write them. */
function headerName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
