/**
 * Pure conversion of a mapped record into the values of one features-table row, done in JavaScript so that
 * every value PostgreSQL would refuse is found before the write: a record that converts cannot make the
 * INSERT throw. Reasons name the record field (`{ field, message }`).
 */
import { geometryOf } from '../../../core/entities/codec.ts';
import { getPath } from '../../field-path.ts';
import type { RejectReason } from '../../run-records.ts';
import type { ColumnType } from './column-types.ts';
import type { FeaturesConfig } from './features-config.ts';

export interface RowPlan {
  config: FeaturesConfig;
  /** Top-level properties with columns, and their types. */
  properties: readonly { property: string; type: ColumnType }[];
}

export interface ConvertedRow {
  /** The feature id (upsert), or undefined (append: generated). */
  fid: string | undefined;
  /** Column values by property, as JSON values PostgreSQL reads as the column type. */
  values: Map<string, unknown>;
  /** A clean 2D/3D GeoJSON geometry (no `crs`, no Feature wrapper), or null. */
  geometry: Record<string, unknown> | null;
  record: Record<string, unknown>;
}

export type Conversion = { ok: true; row: ConvertedRow } | { ok: false; reasons: RejectReason[] };

export function convertRecord(plan: RowPlan, record: Record<string, unknown>): Conversion {
  const reasons: RejectReason[] = [];
  const textProblem = findTextProblem(record, '');
  if (textProblem) reasons.push(textProblem);

  let fid: string | undefined;
  const { idField, geometryField, mode } = plan.config;
  if (mode === 'upsert' && idField !== null) {
    const id = getPath(record, idField);
    if (typeof id === 'string' && id.length > 0) fid = id;
    else if (typeof id === 'number' && Number.isFinite(id)) fid = String(id);
    else
      reasons.push({
        field: idField,
        message: `the feature id ${idField} must be a non-empty string or a number`,
      });
  }

  let geometry: Record<string, unknown> | null = null;
  if (geometryField !== null) {
    const value = getPath(record, geometryField);
    if (value !== undefined && value !== null) {
      const result = convertGeometry(value, geometryField);
      if (typeof result === 'string') reasons.push({ field: geometryField, message: result });
      else geometry = result;
    }
  }

  const values = new Map<string, unknown>();
  for (const { property, type } of plan.properties) {
    const value = Object.hasOwn(record, property) ? record[property] : undefined;
    if (value === undefined || value === null) continue;
    const converted = convertValue(type, value);
    if (converted.ok) values.set(property, converted.value);
    else reasons.push({ field: property, message: `${property} ${converted.message}` });
  }
  return reasons.length > 0 ? { ok: false, reasons } : { ok: true, row: { fid, values, geometry, record } };
}

type ValueResult = { ok: true; value: unknown } | { ok: false; message: string };

function convertValue(type: ColumnType, value: unknown): ValueResult {
  switch (type) {
    case 'text':
      return typeof value === 'string' ? { ok: true, value } : { ok: false, message: 'must be a string' };
    case 'double precision':
      return typeof value === 'number' && Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, message: 'must be a number' };
    case 'bigint':
      return Number.isSafeInteger(value)
        ? { ok: true, value }
        : { ok: false, message: 'must be a whole number between -(2^53 - 1) and 2^53 - 1' };
    case 'boolean':
      return typeof value === 'boolean'
        ? { ok: true, value }
        : { ok: false, message: 'must be true or false' };
    case 'timestamptz': {
      const instant = typeof value === 'string' ? normaliseInstant(value) : undefined;
      return instant
        ? { ok: true, value: instant }
        : { ok: false, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2024-05-01T12:00:00Z' };
    }
    case 'date':
      return typeof value === 'string' && isCalendarDate(value)
        ? { ok: true, value }
        : { ok: false, message: 'must be a date YYYY-MM-DD' };
    case 'jsonb':
      return { ok: true, value };
  }
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?([Zz]|[+-]\d{2}(?::?\d{2})?))?$/;

/** A date-time with zone, or a date (midnight UTC), as a string PostgreSQL reads the same in any session. */
export function normaliseInstant(value: string): string | undefined {
  const m = INSTANT.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00', fraction = '', zone] = m;
  if (!isCalendarDate(`${y}-${mo}-${d}`)) return undefined;
  if (h === undefined) return `${y}-${mo}-${d}T00:00:00Z`;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  if (!zone) return undefined;
  let offset = 'Z';
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.replace(':', '');
    const oh = Number(digits.slice(1, 3));
    const om = Number(digits.slice(3, 5) || '0');
    if (oh > 14 || om > 59) return undefined;
    offset = `${zone[0]}${digits.slice(1, 3)}:${String(om).padStart(2, '0')}`;
  }
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${offset}`;
}

/** `YYYY-MM-DD` naming a real day of the years 1 to 9999. */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(2000, mo, 0)).getUTCDate(); // days of the month in a leap year
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (mo === 2 && !leap ? 28 : days);
}

/** A geometry PostGIS takes as is (type and coordinates only, WGS 84 ranges), or why not. */
export function convertGeometry(value: unknown, field: string): Record<string, unknown> | string {
  let geometry: Record<string, unknown>;
  try {
    geometry = geometryOf(value, field);
  } catch (err) {
    return (err as Error).message;
  }
  return cleanGeometry(geometry, field);
}

function cleanGeometry(g: Record<string, unknown>, field: string): Record<string, unknown> | string {
  if (g.type === 'GeometryCollection') {
    const members: Record<string, unknown>[] = [];
    for (const [i, member] of (g.geometries as Record<string, unknown>[]).entries()) {
      if (member.type === 'Feature') return `${field}.geometries[${i}] must be a geometry, not a Feature`;
      const clean = cleanGeometry(member, `${field}.geometries[${i}]`);
      if (typeof clean === 'string') return clean;
      members.push(clean);
    }
    return { type: 'GeometryCollection', geometries: members };
  }
  const bad = outOfRange(g.coordinates);
  if (bad) {
    return `${field} has the position [${bad.join(', ')}] outside WGS 84 longitude -180..180 and latitude -90..90`;
  }
  return { type: g.type, coordinates: g.coordinates };
}

function outOfRange(coordinates: unknown): number[] | undefined {
  if (!Array.isArray(coordinates)) return undefined;
  if (typeof coordinates[0] === 'number') {
    const [x, y] = coordinates as number[];
    return Math.abs(x!) > 180 || Math.abs(y!) > 90 ? (coordinates as number[]) : undefined;
  }
  for (const c of coordinates) {
    const bad = outOfRange(c);
    if (bad) return bad;
  }
  return undefined;
}

/**
 * PostgreSQL text and jsonb refuse NUL characters and unpaired surrogates; JSON from a parser may hold both.
 */
function findTextProblem(value: unknown, path: string, depth = 0): RejectReason | undefined {
  if (typeof value === 'string') {
    return badText(value)
      ? {
          field: path || '(record)',
          message: `${path || 'the record'} holds a NUL character or an unpaired surrogate`,
        }
      : undefined;
  }
  if (value === null || typeof value !== 'object' || depth > 100) return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const problem = findTextProblem(item, `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (badText(key))
      return {
        field: at,
        message: `the member name at ${at} holds a NUL character or an unpaired surrogate`,
      };
    const problem = findTextProblem(item, at, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what PostgreSQL refuses
const NUL = /\u0000/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function badText(s: string): boolean {
  return NUL.test(s) || LONE_SURROGATE.test(s);
}
