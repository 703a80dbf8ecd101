/**
 * How a top-level property of the target structure becomes a column of the features table: its SQL type
 * (from the JSON types and string format the schema allows) and its name (snake_case of the property).
 */
import { raw, type Sql } from '../../../core/query/sql.ts';
import type { JsonType } from '../../schema-fields.ts';
import type { PropertyShape } from './schema-properties.ts';

export const COLUMN_TYPES = [
  'text',
  'timestamptz',
  'date',
  'double precision',
  'bigint',
  'boolean',
  'jsonb',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** The only way a column type reaches SQL text: a fixed fragment per type. */
export const COLUMN_TYPE_SQL: Readonly<Record<ColumnType, Sql>> = {
  text: raw`text`,
  timestamptz: raw`timestamptz`,
  date: raw`date`,
  'double precision': raw`double precision`,
  bigint: raw`bigint`,
  boolean: raw`boolean`,
  jsonb: raw`jsonb`,
};

export function isColumnType(value: unknown): value is ColumnType {
  return (COLUMN_TYPES as readonly unknown[]).includes(value);
}

/**
 * string → text (date-time → timestamptz, date → date when every string branch has that format), number →
 * double precision, integer → bigint, integer or number → double precision, boolean → boolean; objects,
 * arrays, mixed types and untyped properties → jsonb. `null` beside a type only makes the column nullable
 * (every column is).
 */
export function columnTypeOf(shape: PropertyShape): ColumnType {
  if (shape.types === 'any') return 'jsonb';
  const types = new Set<JsonType>([...shape.types].filter((t) => t !== 'null'));
  if (types.size === 0) return 'jsonb';
  if (types.size === 2 && types.has('integer') && types.has('number')) return 'double precision';
  if (types.size > 1) return 'jsonb';
  const [only] = types;
  switch (only) {
    case 'string': {
      const formats = [...shape.formats];
      if (formats.length > 0 && formats.every((f) => f === 'date-time')) return 'timestamptz';
      if (formats.length > 0 && formats.every((f) => f === 'date')) return 'date';
      return 'text';
    }
    case 'number':
      return 'double precision';
    case 'integer':
      return 'bigint';
    case 'boolean':
      return 'boolean';
    default:
      return 'jsonb';
  }
}

/** Columns every features table has, and PostgreSQL's system columns: never a property's name. */
export const RESERVED_COLUMNS: ReadonlySet<string> = new Set([
  'fid',
  'geom',
  'record',
  'updated_at',
  'tableoid',
  'xmin',
  'cmin',
  'xmax',
  'cmax',
  'ctid',
]);

/** snake_case of a property name, ASCII only, at most 50 characters: `availableSpotNumber` → `available_spot_number`. */
export function baseColumnName(property: string): string {
  const snake = property
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const named = snake === '' ? 'property' : /^[0-9]/.test(snake) ? `p_${snake}` : snake;
  return named.slice(0, 50).replace(/_+$/, '');
}

/** The base name, or with `_2`, `_3`, … when it is reserved or taken by another property. */
export function uniqueColumnName(property: string, taken: ReadonlySet<string>): string {
  const base = baseColumnName(property);
  let name = base;
  for (let n = 2; RESERVED_COLUMNS.has(name) || taken.has(name); n++) name = `${base}_${n}`;
  return name;
}
