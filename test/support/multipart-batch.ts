// Builds multipart/mixed `$batch` requests and reads their responses, for HTTP suites.
import assert from 'node:assert/strict';

// biome-ignore lint/suspicious/noExplicitAny: JSON responses are checked by the asserts
export type Json = Record<string, any>;

/** One part of a multipart batch response: a response, or a change set of responses. */
export interface ResponsePart {
  contentId?: string | undefined;
  status: number;
  headers: Record<string, string>;
  body: string;
  json?: Record<string, unknown>;
  changeSet?: ResponsePart[];
}

/** A deliberately simple reader of the server's multipart/mixed answer (it always writes CRLF). */
export function readMultipart(text: string, contentType: string): ResponsePart[] {
  const boundary = /boundary=([^;\s]+)/.exec(contentType)?.[1];
  assert.ok(boundary, `no boundary in ${contentType}`);
  assert.ok(text.endsWith(`--${boundary}--\r\n`), 'the body ends with the close delimiter');
  const chunks = text.split(`--${boundary}`).slice(1, -1);
  return chunks.map((chunk) => {
    const inner = chunk.replace(/^\r\n/, '').replace(/\r\n$/, '');
    const [head = '', ...rest] = inner.split('\r\n\r\n');
    const outer = headerMap(head.split('\r\n'));
    const content = rest.join('\r\n\r\n');
    if (outer['content-type']?.startsWith('multipart/mixed')) {
      return {
        status: 0,
        headers: outer,
        body: content,
        changeSet: readMultipart(content, outer['content-type']),
      };
    }
    assert.equal(outer['content-type'], 'application/http');
    const [statusBlock = '', ...body] = content.split('\r\n\r\n');
    const [statusLine = '', ...headerLines] = statusBlock.split('\r\n');
    const m = /^HTTP\/1\.1 (\d{3}) .+$/.exec(statusLine);
    assert.ok(m, `status line: ${statusLine}`);
    const headers = headerMap(headerLines);
    const bodyText = body.join('\r\n\r\n');
    const json = /json/.test(headers['content-type'] ?? '') ? JSON.parse(bodyText) : undefined;
    return { contentId: outer['content-id'], status: Number(m[1]), headers, body: bodyText, json };
  });
}

function headerMap(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

/** A multipart request part; `body` is JSON-encoded. */
export const httpPart = (method: string, url: string, body?: unknown, contentId?: string) =>
  [
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    ...(contentId ? [`Content-ID: ${contentId}`] : []),
    '',
    `${method} ${url} HTTP/1.1`,
    'Host: localhost',
    ...(body === undefined ? [] : ['Content-Type: application/json']),
    '',
    body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body),
  ].join('\r\n');

export const multipart = (boundary: string, parts: string[]) =>
  `${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`;

export const changeSet = (boundary: string, parts: string[]) =>
  `Content-Type: multipart/mixed; boundary=${boundary}\r\n\r\n${multipart(boundary, parts)}`;
