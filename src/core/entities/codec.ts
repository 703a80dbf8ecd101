import type { EntityDef, PropertyDef } from '../../model/types.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { ident, type Sql, sql } from '../query/sql.ts';

/**
 * Conversion between wire values (JSON) and table columns, derived from property types. Shared by the read
 * path (select + decode) and the write path (validate + encode), so every API stores and shows a property
 * the same way.
 */

/** SQL select list items for a property, reading from table alias `alias`; decoded by `decodeProperty`. */
export function selectColumns(alias: string, p: PropertyDef): Sql[] {
  switch (p.type) {
    case 'geometry':
      return [
        sql`COALESCE(${ident(alias, `${p.column}_geojson`)}, ST_AsGeoJSON(${ident(alias, p.column)})::jsonb) AS ${ident(p.column)}`,
      ];
    case 'timeInterval':
    case 'timeObject':
      return [ident(alias, `${p.column}_start`), ident(alias, `${p.column}_end`)];
    default:
      return [ident(alias, p.column)];
  }
}

/** Wire value of a property from a row selected with `selectColumns`. */
export function decodeProperty(p: PropertyDef, row: Record<string, unknown>): unknown {
  switch (p.type) {
    case 'timeInterval': {
      const s = row[`${p.column}_start`] as string | null;
      const e = row[`${p.column}_end`] as string | null;
      if (!s) return null;
      return `${s}/${e ?? s}`;
    }
    case 'timeObject': {
      const s = row[`${p.column}_start`] as string | null;
      const e = row[`${p.column}_end`] as string | null;
      if (!s) return null;
      return e ? `${s}/${e}` : s;
    }
    default:
      return row[p.column] ?? null;
  }
}

/** A column assignment for INSERT/UPDATE: the column name (from the model) and its SQL value expression. */
export interface ColumnValue {
  column: string;
  value: Sql;
}

const INSTANT =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$|^\d{4}-\d{2}-\d{2}$/;

/** Checks an ISO 8601 instant; returns it normalised to a string PostgreSQL reads as timestamptz. */
export function parseInstant(value: unknown, field: string): string {
  if (typeof value !== 'string' || !INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
    throw new BadRequestError(
      `${field} must be an ISO 8601 date-time with time zone, e.g. 2024-05-01T12:00:00Z`,
      {
        field,
      },
    );
  }
  return value;
}

/** An ISO 8601 interval `start/end` (end not before start). */
export function parseInterval(value: unknown, field: string): { start: string; end: string } {
  if (typeof value !== 'string' || value.split('/').length !== 2) {
    throw new BadRequestError(`${field} must be an ISO 8601 interval start/end`, { field });
  }
  const [a, b] = value.split('/') as [string, string];
  const start = parseInstant(a, field);
  const end = parseInstant(b, field);
  if (Date.parse(end) < Date.parse(start)) {
    throw new BadRequestError(`${field} ends before it starts`, { field });
  }
  return { start, end };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const GEOJSON_TYPES = new Set([
  'Point',
  'MultiPoint',
  'LineString',
  'MultiLineString',
  'Polygon',
  'MultiPolygon',
  'GeometryCollection',
  'Feature',
]);

/** The geometry part of a GeoJSON value (a Feature is accepted and its geometry used). */
export function geometryOf(value: unknown, field: string): Record<string, unknown> {
  if (!isObject(value) || typeof value.type !== 'string' || !GEOJSON_TYPES.has(value.type)) {
    throw new BadRequestError(`${field} must be a GeoJSON geometry or Feature`, { field });
  }
  if (value.type === 'Feature') return geometryOf(value.geometry, `${field}.geometry`);
  if (value.type === 'GeometryCollection') {
    if (!Array.isArray(value.geometries))
      throw new BadRequestError(`${field}.geometries must be an array`, { field });
    value.geometries.forEach((g, i) => {
      geometryOf(g, `${field}.geometries[${i}]`);
    });
  } else {
    const problem = coordinatesProblem(value.type, value.coordinates);
    if (problem) throw new BadRequestError(`${field}.coordinates: ${problem}`, { field });
  }
  return value;
}

/** RFC 7946 §3.1: a position is 2 or 3 finite numbers. */
function isPosition(p: unknown): boolean {
  return (
    Array.isArray(p) &&
    p.length >= 2 &&
    p.length <= 3 &&
    p.every((x) => typeof x === 'number' && Number.isFinite(x))
  );
}

function isLine(c: unknown): boolean {
  return Array.isArray(c) && c.length >= 2 && c.every(isPosition);
}

/** A linear ring (RFC 7946 §3.1.6): four or more positions, the first and last identical. */
function isRing(c: unknown): boolean {
  if (!Array.isArray(c) || c.length < 4 || !c.every(isPosition)) return false;
  const a = c[0] as number[];
  const b = c[c.length - 1] as number[];
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function isPolygon(c: unknown): boolean {
  return Array.isArray(c) && c.length >= 1 && c.every(isRing);
}

const SHAPES: Record<string, [check: (c: unknown) => boolean, expected: string]> = {
  Point: [isPosition, 'a Point is one position [x, y] or [x, y, z]'],
  MultiPoint: [(c) => Array.isArray(c) && c.every(isPosition), 'a MultiPoint is an array of positions'],
  LineString: [isLine, 'a LineString has two or more positions'],
  MultiLineString: [
    (c) => Array.isArray(c) && c.every(isLine),
    'a MultiLineString is an array of LineStrings',
  ],
  Polygon: [isPolygon, 'a Polygon is an array of closed rings of four or more positions'],
  MultiPolygon: [(c) => Array.isArray(c) && c.every(isPolygon), 'a MultiPolygon is an array of Polygons'],
};

/** Why `coordinates` do not fit the geometry type (RFC 7946 §3.1), or undefined when they do. */
function coordinatesProblem(type: string, coordinates: unknown): string | undefined {
  const shape = SHAPES[type];
  if (!shape) return `unknown geometry type ${type}`;
  return shape[0](coordinates) ? undefined : shape[1];
}

/**
 * Validates a wire value against the property and returns the column assignments. `field` is the dotted
 * path used in error messages (e.g. `Datastreams[0].unitOfMeasurement`).
 */
export function encodeProperty(p: PropertyDef, value: unknown, field: string): ColumnValue[] {
  if (value === null) {
    if (!p.nullable && p.required) throw new BadRequestError(`${field} must not be null`, { field });
    return nullColumns(p);
  }
  switch (p.type) {
    case 'string':
      if (typeof value !== 'string') throw new BadRequestError(`${field} must be a string`, { field });
      if (p.allowedValues && !p.allowedValues.includes(value)) {
        throw new BadRequestError(`${field} must be one of ${p.allowedValues.join(', ')}`, { field });
      }
      return [{ column: p.column, value: sql`${value}` }];
    case 'json':
      if (!isObject(value)) throw new BadRequestError(`${field} must be a JSON object`, { field });
      return [{ column: p.column, value: sql`${JSON.stringify(value)}::jsonb` }];
    case 'jsonArray':
      if (!Array.isArray(value)) throw new BadRequestError(`${field} must be a JSON array`, { field });
      return [{ column: p.column, value: sql`${JSON.stringify(value)}::jsonb` }];
    case 'any':
      return [{ column: p.column, value: sql`${JSON.stringify(value)}::jsonb` }];
    case 'boolean':
      if (typeof value !== 'boolean') throw new BadRequestError(`${field} must be true or false`, { field });
      return [{ column: p.column, value: sql`${value}::boolean` }];
    case 'integer':
      if (!Number.isSafeInteger(value))
        throw new BadRequestError(`${field} must be a whole number`, { field });
      return [{ column: p.column, value: sql`${value}::bigint` }];
    case 'geometry': {
      const geom = geometryOf(value, field);
      return [
        // The columns are 2D; an altitude (RFC 7946 §3.1.1) is kept in the GeoJSON copy only.
        {
          column: p.column,
          value: sql`ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geom)}), 4326))`,
        },
        { column: `${p.column}_geojson`, value: sql`${JSON.stringify(value)}::jsonb` },
      ];
    }
    case 'time':
      return [{ column: p.column, value: sql`${parseInstant(value, field)}::timestamptz` }];
    case 'timeInterval': {
      const { start, end } = parseInterval(value, field);
      return [
        { column: `${p.column}_start`, value: sql`${start}::timestamptz` },
        { column: `${p.column}_end`, value: sql`${end}::timestamptz` },
      ];
    }
    case 'timeObject': {
      if (typeof value === 'string' && value.includes('/')) {
        const { start, end } = parseInterval(value, field);
        return [
          { column: `${p.column}_start`, value: sql`${start}::timestamptz` },
          { column: `${p.column}_end`, value: sql`${end}::timestamptz` },
        ];
      }
      return [
        { column: `${p.column}_start`, value: sql`${parseInstant(value, field)}::timestamptz` },
        { column: `${p.column}_end`, value: sql`NULL::timestamptz` },
      ];
    }
  }
}

function nullColumns(p: PropertyDef): ColumnValue[] {
  switch (p.type) {
    case 'geometry':
      return [
        { column: p.column, value: sql`NULL` },
        { column: `${p.column}_geojson`, value: sql`NULL` },
      ];
    case 'timeInterval':
    case 'timeObject':
      return [
        { column: `${p.column}_start`, value: sql`NULL` },
        { column: `${p.column}_end`, value: sql`NULL` },
      ];
    case 'any':
      return [{ column: p.column, value: sql`'null'::jsonb` }];
    default:
      return [{ column: p.column, value: sql`NULL` }];
  }
}

/** Names of the properties a client may write on an entity (not read-only). */
export function writableProperties(e: EntityDef): PropertyDef[] {
  return e.properties.filter((p) => !p.readOnly);
}
