import { parse } from 'csv-parse/sync';
import { BadRequestError } from '../core/errors/bad-request.ts';

/**
 * Infers a JSON Schema (2020-12) from a sample: CSV (header row + records), JSON (an array of objects) or a
 * GeoJSON FeatureCollection. Types are widened over all records (integer + number → number; anything mixed
 * in a CSV column → string), string formats (date-time, date) are kept when every value has them, and a
 * member is `required` when every record has it. Pure: no I/O.
 */

export type JsonSchema = { [k: string]: unknown };
export type SampleKind = 'csv' | 'json' | 'geojson';

export const SAMPLE_MEDIA_TYPES: Record<string, SampleKind> = {
  'text/csv': 'csv',
  'application/json': 'json',
  'application/geo+json': 'geojson',
};

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
const DATE = /^\d{4}-\d\d-\d\d$/;
const GEOMETRY_TYPES = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringSchema(s: string): JsonSchema {
  if (DATE_TIME.test(s) && !Number.isNaN(Date.parse(s))) return { type: 'string', format: 'date-time' };
  if (DATE.test(s) && !Number.isNaN(Date.parse(s))) return { type: 'string', format: 'date' };
  return { type: 'string' };
}

/** The schema of one JSON value. */
export function schemaOfValue(v: unknown): JsonSchema {
  if (v === null) return { type: 'null' };
  if (typeof v === 'boolean') return { type: 'boolean' };
  if (typeof v === 'number') return { type: Number.isInteger(v) ? 'integer' : 'number' };
  if (typeof v === 'string') return stringSchema(v);
  if (Array.isArray(v)) {
    const items = v
      .map(schemaOfValue)
      .reduce<JsonSchema | undefined>((a, b) => (a ? mergeSchemas(a, b) : b), undefined);
    return items ? { type: 'array', items } : { type: 'array' };
  }
  if (isObject(v)) {
    const properties: Record<string, JsonSchema> = {};
    for (const [k, x] of Object.entries(v)) properties[k] = schemaOfValue(x);
    return { type: 'object', properties, required: Object.keys(v) };
  }
  return {};
}

function typesOf(s: JsonSchema): string[] {
  return Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
}

/** The narrowest schema that both `a` and `b` describe. */
export function mergeSchemas(a: JsonSchema, b: JsonSchema): JsonSchema {
  const ta = typesOf(a).filter((t) => t !== 'null');
  const tb = typesOf(b).filter((t) => t !== 'null');
  const nullable = typesOf(a).includes('null') || typesOf(b).includes('null');
  let merged: JsonSchema;
  if (ta.length === 0 || tb.length === 0) merged = { ...(ta.length ? a : b) };
  else if (ta.length === 1 && tb.length === 1 && ta[0] === tb[0]) merged = mergeSameType(ta[0]!, a, b);
  else {
    const all = [...new Set([...ta, ...tb])];
    merged = { type: all.every((t) => t === 'integer' || t === 'number') ? 'number' : all.sort() };
  }
  if (nullable) {
    const t = typesOf(merged);
    merged.type = t.length === 0 ? 'null' : [...new Set([...t, 'null'])];
    if (Array.isArray(merged.type) && merged.type.length === 1) merged.type = merged.type[0];
  }
  return merged;
}

function mergeSameType(type: string, a: JsonSchema, b: JsonSchema): JsonSchema {
  if (type === 'string') return a.format === b.format && a.format ? { type, format: a.format } : { type };
  if (type === 'array') {
    if (!a.items || !b.items) return { type, ...(a.items || b.items ? { items: a.items ?? b.items } : {}) };
    return { type, items: mergeSchemas(a.items as JsonSchema, b.items as JsonSchema) };
  }
  if (type !== 'object') return { type };
  const pa = (a.properties ?? {}) as Record<string, JsonSchema>;
  const pb = (b.properties ?? {}) as Record<string, JsonSchema>;
  const properties: Record<string, JsonSchema> = { ...pa };
  for (const [k, s] of Object.entries(pb)) properties[k] = pa[k] ? mergeSchemas(pa[k], s) : s;
  const rb = new Set((b.required ?? []) as string[]);
  const required = ((a.required ?? []) as string[]).filter((k) => rb.has(k));
  return { type, properties, required };
}

/** Merges the schemas of all records; `undefined` for none. */
function mergeAll(schemas: JsonSchema[]): JsonSchema | undefined {
  return schemas.reduce<JsonSchema | undefined>((acc, s) => (acc ? mergeSchemas(acc, s) : s), undefined);
}

function bad(message: string): BadRequestError {
  return new BadRequestError(message, { field: 'body' }, 'URBS_INVALID_SAMPLE');
}

/** A CSV cell as the value it most likely stands for; `undefined` for an empty cell. */
function cellValue(cell: string): unknown {
  const s = cell.trim();
  if (s === '') return undefined;
  if (/^-?\d{1,15}$/.test(s)) return Number(s);
  if (/^-?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (s === 'true' || s === 'false') return s === 'true';
  return s;
}

/** In a CSV every column has one type: mixed types fall back to string. */
function flattenCsvTypes(schema: JsonSchema): JsonSchema {
  const props = schema.properties as Record<string, JsonSchema>;
  for (const [k, s] of Object.entries(props)) {
    if (Array.isArray(s.type)) props[k] = { type: 'string' };
  }
  return schema;
}

export function inferFromCsv(text: string): JsonSchema {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      bom: true,
      trim: true,
    }) as Record<string, string>[];
  } catch (err) {
    throw bad(`The CSV sample cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (records.length === 0) throw bad('The CSV sample needs a header row and at least one record');
  const rows = records.map((r) => {
    const o: Record<string, unknown> = {};
    for (const [k, cell] of Object.entries(r)) {
      const v = cellValue(cell);
      if (v !== undefined) o[k] = v;
    }
    return schemaOfValue(o);
  });
  // Every header is a member, even one that is always empty.
  const merged = mergeAll(rows)!;
  const props = merged.properties as Record<string, JsonSchema>;
  for (const h of Object.keys(records[0]!)) props[h] ??= { type: 'string' };
  return flattenCsvTypes(merged);
}

export function inferFromJson(value: unknown): JsonSchema {
  const records = Array.isArray(value) ? value : [value];
  if (records.length === 0 || !records.every(isObject)) {
    throw bad('The JSON sample must be an object or a non-empty array of objects');
  }
  return mergeAll(records.map(schemaOfValue))!;
}

function geometrySchema(types: string[]): JsonSchema {
  return {
    type: 'object',
    properties: {
      type: types.length === 1 ? { const: types[0] } : { enum: types },
      coordinates: { type: 'array' },
    },
    required: ['type', 'coordinates'],
  };
}

export function inferFromGeoJson(value: unknown): JsonSchema {
  if (!isObject(value) || value.type !== 'FeatureCollection' || !Array.isArray(value.features)) {
    throw bad('The GeoJSON sample must be a FeatureCollection');
  }
  const features = value.features.filter(isObject);
  if (features.length === 0) throw bad('The GeoJSON sample has no features');
  const types = new Set<string>();
  let nullGeometry = false;
  for (const f of features) {
    const t = isObject(f.geometry) ? f.geometry.type : undefined;
    if (typeof t === 'string' && GEOMETRY_TYPES.includes(t)) types.add(t);
    else nullGeometry = true;
  }
  const props = mergeAll(features.map((f) => schemaOfValue(isObject(f.properties) ? f.properties : {})))!;
  const geometry = types.size ? geometrySchema([...types].sort()) : { type: 'null' };
  return {
    type: 'object',
    properties: {
      type: { const: 'Feature' },
      geometry: nullGeometry && types.size ? { anyOf: [geometry, { type: 'null' }] } : geometry,
      properties: props,
    },
    required: ['type', 'geometry', 'properties'],
  };
}

/** The schema of a sample (a JSON body already parsed, a CSV body as text), with `$schema` and `title`. */
export function inferSchema(kind: SampleKind, sample: unknown, title: string): JsonSchema {
  let body: JsonSchema;
  if (kind === 'csv') {
    if (typeof sample !== 'string') throw bad('The CSV sample must be text');
    body = inferFromCsv(sample);
  } else body = kind === 'geojson' ? inferFromGeoJson(sample) : inferFromJson(sample);
  return { $schema: DRAFT, title, ...body };
}
