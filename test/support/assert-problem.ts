import assert from 'node:assert/strict';

/**
 * What `app.inject()` returns (`body` is the raw text), or a client's response with the raw text in `text`
 * and the parsed JSON in `body`.
 */
export interface InjectedResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body?: unknown;
  text?: string;
}

function rawText(res: InjectedResponse): string {
  if (typeof res.text === 'string') return res.text;
  return typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? null);
}

/** No response may carry a stack trace, a source path or SQL text (CONTRACT.md, Errors). */
export function assertNoLeak(res: InjectedResponse): void {
  const text = rawText(res);
  assert.doesNotMatch(text, /\n\s+at |\.ts:\d+|node_modules|"stack"/, `leak in ${text}`);
}

/**
 * Asserts an RFC 9457 problem details response with the given status and returns its body.
 * `type` is `urn:urbs:problem:<code>` and, when given, must equal `code`.
 */
export function assertProblem(
  res: InjectedResponse,
  status: number,
  code?: string,
): Record<string, unknown> & { detail: string } {
  const text = rawText(res);
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${text}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assertNoLeak(res);
  const body = JSON.parse(text) as Record<string, unknown> & { detail: string };
  assert.equal(typeof body.type, 'string');
  assert.match(body.type as string, /^urn:urbs:problem:[a-z0-9-]+$/);
  if (code) assert.equal(body.type, `urn:urbs:problem:${code}`);
  assert.equal(typeof body.title, 'string');
  assert.ok((body.title as string).length > 0);
  assert.equal(body.status, status);
  assert.equal(typeof body.detail, 'string');
  assert.ok(body.detail.length > 0);
  return body;
}
