import type { EntityDef, PropertyDef } from '../../model/types.ts';
import { encodeProperty } from '../entities/codec.ts';
import { fieldOf, parseId } from '../entities/validate-body.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { raw, type Sql } from '../query/sql.ts';
import type { StreamKind } from './datastream-extents.ts';

/**
 * Validation and column values of Observations for the bulk path (create-observations.ts). Values are
 * checked by the codec (encodeProperty, the one validator) and then kept as plain text per column, so a
 * whole batch can be bound as one array per column (unnest) or streamed with COPY.
 */

/** An Observation to create, in wire form, plus the ids of its stream and (optionally) its FOI. */
export interface ObservationRow {
  datastreamId?: number;
  multiDatastreamId?: number;
  foiId?: number;
  phenomenonTime?: unknown;
  resultTime?: unknown;
  result: unknown;
  resultQuality?: unknown;
  validTime?: unknown;
  parameters?: unknown;
  /** Path of this Observation in the request, for error messages (default `<field>[i]`). */
  field?: string;
}

export interface PreparedObservation {
  field: string;
  stream: StreamKind;
  streamId: number;
  foiId?: number;
  result: unknown;
  /** Plain text value of every property column (null = SQL NULL), by column name. */
  columns: Record<string, string | null>;
  phenomenonStart: string;
}

export interface PlainColumn {
  column: string;
  /** Array cast of the column's unnest parameter. */
  cast: Sql;
}

/** The property columns of an entity with the array cast each needs (no geometries in this path). */
export function plainColumnsOf(entity: EntityDef): PlainColumn[] {
  return entity.properties.flatMap((p): PlainColumn[] => {
    switch (p.type) {
      case 'time':
        return [{ column: p.column, cast: raw`::timestamptz[]` }];
      case 'timeInterval':
      case 'timeObject':
        return [
          { column: `${p.column}_start`, cast: raw`::timestamptz[]` },
          { column: `${p.column}_end`, cast: raw`::timestamptz[]` },
        ];
      case 'string':
        return [{ column: p.column, cast: raw`::text[]` }];
      case 'geometry':
        throw new Error(`${entity.name}.${p.name}: geometries are not supported by the bulk path`);
      default:
        return [{ column: p.column, cast: raw`::jsonb[]` }];
    }
  });
}

/** Plain column values of a value the codec accepted (absent = all NULL). */
function plainValues(p: PropertyDef, value: unknown): Record<string, string | null> {
  const interval = p.type === 'timeInterval' || p.type === 'timeObject';
  if (value === undefined || (value === null && p.type !== 'any')) {
    return interval ? { [`${p.column}_start`]: null, [`${p.column}_end`]: null } : { [p.column]: null };
  }
  if (interval) {
    const [start, end] = (value as string).split('/') as [string, string | undefined];
    return { [`${p.column}_start`]: start, [`${p.column}_end`]: end ?? null };
  }
  if (p.type === 'time' || p.type === 'string') return { [p.column]: value as string };
  return { [p.column]: JSON.stringify(value) };
}

function streamOf(input: ObservationRow, field: string): { stream: StreamKind; streamId: number } {
  const ds = input.datastreamId;
  const mds = input.multiDatastreamId;
  if ((ds === undefined) === (mds === undefined)) {
    const f = fieldOf(field, 'Datastream');
    throw new BadRequestError(`${f}: an Observation belongs to exactly one Datastream or MultiDatastream`, {
      field: f,
    });
  }
  return ds !== undefined
    ? { stream: 'Datastream', streamId: parseId(ds, fieldOf(field, 'Datastream')) }
    : { stream: 'MultiDatastream', streamId: parseId(mds, fieldOf(field, 'MultiDatastream')) };
}

/** Validates one Observation (OGC 18-088 §8.2.7) and computes its column values. */
export function prepareObservation(
  entity: EntityDef,
  input: ObservationRow,
  field: string,
): PreparedObservation {
  const values = input as unknown as Record<string, unknown>;
  const columns: Record<string, string | null> = {};
  for (const p of entity.properties) {
    let v = values[p.name];
    const f = fieldOf(field, p.name);
    if (v === undefined && p.defaultOnCreate === 'now') v = new Date().toISOString();
    if (v === undefined && p.required)
      throw new BadRequestError(`${f} is required for an Observation`, { field: f });
    if (v !== undefined) encodeProperty(p, v, f);
    Object.assign(columns, plainValues(p, v));
  }
  const foiId =
    input.foiId === undefined ? undefined : parseId(input.foiId, fieldOf(field, 'FeatureOfInterest'));
  const start = columns[`${entity.properties.find((p) => p.name === entity.partitionBy)!.column}_start`]!;
  return { field, ...streamOf(input, field), foiId, result: input.result, columns, phenomenonStart: start };
}
