import {
  type BatchItem,
  type BatchRequest,
  batchSyntaxError,
  MAX_BATCH_REQUESTS,
  printable,
} from './batch-request.ts';

/**
 * Reads a multipart/mixed `$batch` body (18-088 §11, OData 4.0 Part 1 §11.7.2, RFC 2046 §5.1):
 *
 *   --b                                     a part: MIME headers, blank line, content
 *   Content-Type: application/http          one request: request line, headers, blank line, body
 *   Content-ID: 1                           (in the MIME headers; accepted in the request headers too)
 *
 *   POST Things HTTP/1.1
 *   Content-Type: application/json
 *
 *   {"name": "…"}
 *   --b
 *   Content-Type: multipart/mixed; boundary=cs   a change set: the same again one level down
 *   …
 *   --b--
 *
 * CRLF and bare LF both end a line. Text before the first and after the last delimiter is ignored, as RFC
 * 2046 says. Anything that is not this shape is a 400 naming the part (`2.1` = request 1 of change set 2)
 * and the 1-based line of the body. Bodies stay text: a body that is not JSON fails its request only.
 */
export function parseMultipartBatch(body: string, contentType: string | undefined): BatchItem[] {
  const boundary = boundaryOf(contentType, undefined, 1);
  const lines = body.split(/\r?\n/).map((text, i) => ({ text, no: i + 1 }));
  const state: ParseState = { count: 0, ids: new Set() };
  return splitParts(lines, boundary, undefined).map((part, i) => parsePart(part, `${i + 1}`, state, true));
}

interface Line {
  text: string;
  no: number;
}

interface Part {
  lines: Line[];
  /** Line of the delimiter that opened the part. */
  start: number;
}

interface ParseState {
  count: number;
  ids: Set<string>;
}

type Headers = Record<string, string>;

function fail(part: string | undefined, line: number, message: string) {
  const where = part === undefined ? `Batch line ${line}` : `Batch part ${part}, line ${line}`;
  return batchSyntaxError(`${where}: ${message}`, part === undefined ? { line } : { part, line });
}

/** The parts between `--boundary` lines, up to the closing `--boundary--`. */
function splitParts(lines: Line[], boundary: string, where: string | undefined): Part[] {
  const open = `--${boundary}`;
  const close = `--${boundary}--`;
  const parts: Part[] = [];
  let current: Part | undefined;
  for (const line of lines) {
    // Delimiter lines may carry trailing whitespace (RFC 2046 "transport padding").
    const text = line.text.trimEnd();
    if (text === open || text === close) {
      if (current) parts.push(current);
      if (text === close) return parts;
      current = { lines: [], start: line.no };
    } else {
      current?.lines.push(line);
    }
  }
  const last = lines.at(-1)?.no ?? 1;
  const what = where === undefined ? 'The batch' : 'The change set';
  if (!current) throw fail(where, lines[0]?.no ?? 1, `${what} has no part starting with --${boundary}`);
  throw fail(where, last, `${what} does not end with --${boundary}--`);
}

function parsePart(part: Part, where: string, state: ParseState, topLevel: boolean): BatchItem {
  const { headers, next } = readHeaders(part.lines, 0, where, part.start);
  const type = mediaType(headers['content-type']);
  if (type === 'multipart/mixed') {
    if (!topLevel) throw fail(where, part.start, 'change sets cannot be nested');
    const boundary = boundaryOf(headers['content-type'], where, part.start);
    const inner = splitParts(part.lines.slice(next), boundary, where);
    if (inner.length === 0) throw fail(where, part.start, 'a change set needs at least one request');
    const requests = inner.map((p, i) => {
      const item = parsePart(p, `${where}.${i + 1}`, state, false);
      return (item as Extract<BatchItem, { kind: 'request' }>).request;
    });
    return { kind: 'changeSet', requests };
  }
  if (type !== 'application/http') {
    const sent = type ? `Content-Type ${printable(type)}` : 'no Content-Type';
    throw fail(where, part.start, `${sent}; a part is application/http or multipart/mixed (a change set)`);
  }
  const encoding = headers['content-transfer-encoding']?.toLowerCase();
  if (encoding !== undefined && !['binary', '8bit', '7bit'].includes(encoding)) {
    throw fail(
      where,
      part.start,
      `Content-Transfer-Encoding ${printable(encoding)} is not supported; use binary`,
    );
  }
  if (++state.count > MAX_BATCH_REQUESTS) {
    throw fail(where, part.start, `a batch holds at most ${MAX_BATCH_REQUESTS} requests`);
  }
  const request = readHttpRequest(part, next, where);
  const id = headers['content-id'] ?? request.headers['content-id'];
  if (id !== undefined) {
    if (id === '' || state.ids.has(id)) {
      throw fail(
        where,
        part.start,
        id === '' ? 'Content-ID is empty' : `Content-ID ${printable(id)} is used twice`,
      );
    }
    state.ids.add(id);
    request.id = id;
  }
  return { kind: 'request', request };
}

const REQUEST_LINE = /^([A-Za-z]+) +(\S+)(?: +HTTP\/\d+(?:\.\d+)?)?$/;

/** `METHOD url [HTTP/1.1]`, headers, a blank line and the body (18-088 §11 example). */
function readHttpRequest(part: Part, from: number, where: string): BatchRequest {
  let i = from;
  // Some clients put an extra blank line before the request line.
  while (i < part.lines.length && part.lines[i]!.text.trim() === '') i++;
  const line = part.lines[i];
  if (!line) throw fail(where, part.start, "the part has no request line such as 'GET Things(1) HTTP/1.1'");
  const m = REQUEST_LINE.exec(line.text.trim());
  if (!m) {
    throw fail(
      where,
      line.no,
      `'${printable(line.text)}' is not a request line such as 'GET Things(1) HTTP/1.1'`,
    );
  }
  const { headers, next } = readHeaders(part.lines, i + 1, where, line.no, true);
  const bodyText = part.lines
    .slice(next)
    .map((l) => l.text)
    .join('\n')
    .trimEnd();
  return {
    method: m[1]!.toUpperCase(),
    url: m[2]!,
    headers,
    ...(bodyText === '' ? {} : { bodyText }),
    where: `part ${where}`,
  };
}

const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:[ \t]*(.*)$/;

/** Header lines up to a blank line; `optionalEnd` lets a request without body end after its headers. */
function readHeaders(lines: Line[], from: number, where: string, start: number, optionalEnd = false) {
  const headers: Headers = {};
  let last: string | undefined;
  for (let i = from; i < lines.length; i++) {
    const { text, no } = lines[i]!;
    if (text.trim() === '') return { headers, next: i + 1 };
    if ((text.startsWith(' ') || text.startsWith('\t')) && last) {
      headers[last] = `${headers[last]} ${text.trim()}`;
      continue;
    }
    const m = HEADER.exec(text);
    if (!m)
      throw fail(
        where,
        no,
        `'${printable(text)}' is not a header line such as 'Content-Type: application/http'`,
      );
    last = m[1]!.toLowerCase();
    headers[last] = m[2]!.trim();
  }
  if (optionalEnd) return { headers, next: lines.length };
  throw fail(where, start, 'the part headers must end with a blank line');
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** The `boundary` parameter of a multipart/mixed Content-Type (RFC 2046 §5.1.1: 1 to 70 characters). */
export function boundaryOf(contentType: string | undefined, where: string | undefined, line: number): string {
  const param = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = param?.[1] ?? param?.[2];
  if (boundary === undefined) {
    const message = 'Content-Type multipart/mixed needs a boundary parameter, e.g. boundary=batch_1';
    if (where === undefined) throw batchSyntaxError(message);
    throw fail(where, line, message);
  }
  if (!BOUNDARY.test(boundary)) {
    const message = `boundary ${printable(boundary)} is not 1 to 70 characters allowed by RFC 2046`;
    if (where === undefined) throw batchSyntaxError(`The ${message}`);
    throw fail(where, line, message);
  }
  return boundary;
}
