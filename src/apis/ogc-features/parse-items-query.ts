/**
 * The query parameters of `/collections/{collectionId}/items` (OGC API – Features – Part 1: Core,
 * OGC 17-069r4 §7.15): limit, bbox with bbox-crs, datetime on the sink's time property, property=value
 * filters on the collection's columns, plus offset and cursor for paging. Any other parameter is a 400 naming it
 * (§7.15.1, /req/core/query-param-unknown). Pure: no database.
 */
import { BadRequestError } from '../../core/errors/bad-request.ts';
import type { ColumnType } from '../../pipeline/sinks/features/column-types.ts';
import { isCalendarDate, normaliseInstant } from '../../pipeline/sinks/features/convert-record.ts';
import type { FeatureQuery, PropertyFilter } from '../../pipeline/sinks/features/read-features.ts';

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 10_000;
export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const CRS84H = 'http://www.opengis.net/def/crs/OGC/0/CRS84h';

/** Parameters every items request may carry besides property filters. */
const KNOWN = new Set(['limit', 'offset', 'cursor', 'bbox', 'bbox-crs', 'datetime', 'f']);

export interface QueryableColumn {
  property: string;
  column: string;
  type: ColumnType;
}

type Params = Record<string, string | string[] | undefined>;

function bad(parameter: string, message: string): BadRequestError {
  return new BadRequestError(`${parameter}: ${message}`, { parameter });
}

function single(params: Params, name: string): string | undefined {
  const v = params[name];
  if (Array.isArray(v)) throw bad(name, 'give this parameter once');
  return v;
}

/** `f` may ask for JSON only (HTML is not served). Shared by every /ogc resource. */
export function checkFormat(params: Params): void {
  const f = single(params, 'f');
  if (f !== undefined && !['json', 'geojson'].includes(f))
    throw bad('f', `format ${f} is not served; use f=json`);
}

/** Resources other than items take no parameter but `f`. */
export function checkNoParameters(params: Params): void {
  for (const name of Object.keys(params)) {
    if (name !== 'f') throw bad(name, `unknown parameter ${name}`);
  }
  checkFormat(params);
}

/** `timeColumn` is the column of the sink's `timeField` (a timestamptz or date), if it has one. */
export function parseItemsQuery(
  params: Params,
  columns: readonly QueryableColumn[],
  timeColumn?: QueryableColumn,
): FeatureQuery {
  checkFormat(params);
  const byProperty = new Map(columns.map((c) => [c.property, c]));
  const filters: PropertyFilter[] = [];
  for (const name of Object.keys(params)) {
    if (KNOWN.has(name)) continue;
    const column = byProperty.get(name);
    if (!column) {
      const known = columns.filter((c) => c.type !== 'jsonb').map((c) => c.property);
      throw bad(name, `unknown parameter ${name}; filterable properties: ${known.join(', ') || 'none'}`);
    }
    filters.push(filterOf(column, single(params, name) ?? ''));
  }
  const query: FeatureQuery = {
    limit: parseLimit(single(params, 'limit')),
    offset: parseOffset(single(params, 'offset')),
    filters,
  };
  const datetime = single(params, 'datetime');
  if (datetime !== undefined) {
    if (!timeColumn) throw bad('datetime', 'this collection has no time property to filter by');
    const time = parseDatetime(datetime);
    if (time) query.time = { column: timeColumn.column, type: timeColumn.type, ...time };
  }
  const cursor = single(params, 'cursor');
  if (cursor !== undefined) query.after = decodeCursor(cursor);
  const bbox = single(params, 'bbox');
  const crs = single(params, 'bbox-crs');
  if (crs !== undefined && crs !== CRS84 && crs !== CRS84H) {
    throw bad('bbox-crs', `only ${CRS84} is supported`);
  }
  if (bbox !== undefined) query.bbox = parseBbox(bbox);
  else if (crs !== undefined) throw bad('bbox-crs', 'given without bbox');
  return query;
}

/**
 * `datetime` (§7.15.4): an instant, or an interval `start/end` where `..` or nothing is open. A date alone
 * stands for its whole day (UTC). Returns the closed range, or undefined for `../..` (no restriction).
 */
export function parseDatetime(value: string): { start: string | null; end: string | null } | undefined {
  const parts = value.split('/');
  if (parts.length > 2) throw bad('datetime', 'give an instant or an interval start/end');
  const bound = (text: string, edge: 'start' | 'end'): string | null => {
    if (parts.length === 2 && (text === '..' || text === '')) return null;
    const instant = normaliseInstant(text);
    if (!instant) {
      throw bad(
        'datetime',
        `${JSON.stringify(text)} is not an RFC 3339 date-time with a time zone or a date`,
      );
    }
    return /^\d{4}-\d{2}-\d{2}$/.test(text) && edge === 'end' ? `${text}T23:59:59.999999Z` : instant;
  };
  if (parts.length === 1) return { start: bound(value, 'start'), end: bound(value, 'end') };
  const start = bound(parts[0]!, 'start');
  const end = bound(parts[1]!, 'end');
  if (start === null && end === null) return undefined;
  if (start !== null && end !== null && Date.parse(start) > Date.parse(end)) {
    throw bad('datetime', 'the interval ends before it starts');
  }
  return { start, end };
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1)
    throw bad('limit', `must be a whole number from 1 to ${MAX_LIMIT}`);
  // §7.15.3 permits a server maximum: larger limits are served as the maximum.
  return Math.min(Number(value), MAX_LIMIT);
}

function parseOffset(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,15}$/.test(value)) throw bad('offset', 'must be a whole number of 0 or more');
  return Number(value);
}

/** bbox=minx,miny,maxx,maxy (or with minz and maxz, which are ignored). */
export function parseBbox(value: string): [number, number, number, number] {
  const parts = value.split(',');
  if (parts.length !== 4 && parts.length !== 6)
    throw bad('bbox', 'give 4 numbers minLon,minLat,maxLon,maxLat');
  const n = parts.map((p) =>
    /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(p) ? Number(p) : Number.NaN,
  );
  if (n.some((x) => !Number.isFinite(x))) throw bad('bbox', `${value} is not a list of numbers`);
  const [minx, miny, maxx, maxy] = parts.length === 4 ? n : [n[0], n[1], n[3], n[4]];
  if ([minx, maxx].some((x) => Math.abs(x!) > 180) || [miny, maxy].some((y) => Math.abs(y!) > 90)) {
    throw bad('bbox', 'longitudes must be within -180..180 and latitudes within -90..90');
  }
  if (miny! > maxy!) throw bad('bbox', 'the lower latitude is greater than the upper one');
  return [minx!, miny!, maxx!, maxy!];
}

function filterOf(c: QueryableColumn, value: string): PropertyFilter {
  const invalid = (what: string) => bad(c.property, `${JSON.stringify(value)} is not ${what}`);
  switch (c.type) {
    case 'text':
      if (!isSafeText(value)) throw invalid('valid text');
      return { column: c.column, type: c.type, value };
    case 'bigint':
      if (!/^-?\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value)))
        throw invalid('a whole number');
      return { column: c.column, type: c.type, value: Number(value) };
    case 'double precision': {
      const n = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
      if (!Number.isFinite(n)) throw invalid('a number');
      return { column: c.column, type: c.type, value: n };
    }
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw invalid('true or false');
      return { column: c.column, type: c.type, value: value === 'true' };
    case 'date':
      if (!isCalendarDate(value)) throw invalid('a date YYYY-MM-DD');
      return { column: c.column, type: c.type, value };
    case 'timestamptz': {
      const instant = normaliseInstant(value);
      if (!instant) throw invalid('an ISO 8601 date-time with a time zone');
      return { column: c.column, type: c.type, value: instant };
    }
    case 'jsonb':
      throw bad(
        c.property,
        `${c.property} holds objects or arrays and cannot be filtered with property=value`,
      );
  }
}

/** The next link's position: the last feature id of the page, base64url-encoded. */
export function encodeCursor(fid: string): string {
  return Buffer.from(fid, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const fid = /^[A-Za-z0-9_-]{1,4000}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (fid === '' || !isSafeText(fid) || encodeCursor(fid) !== cursor) {
    throw bad('cursor', 'not a cursor of this API; follow the next link as given');
  }
  return fid;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: PostgreSQL text cannot hold NUL
const UNSAFE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** PostgreSQL text refuses NUL and unpaired surrogates; such a value cannot match anything stored. */
export function isSafeText(value: string): boolean {
  return !UNSAFE_TEXT.test(value);
}
