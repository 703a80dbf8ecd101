/**
 * The table of a features sink: `urbs_features.ds_<dataSetId>_<sinkIndex>`. DataSet ids are global, so two
 * tenants never share a table; the registry (`urbs_features.sink_tables`, `sink_columns`, migration 0009)
 * records the tenant, the config and which column holds which top-level property of the target structure.
 *
 * Layout: `fid text PRIMARY KEY` (the feature id; generated for append), `geom geometry(Geometry,4326)`
 * with a GiST index, one column per top-level property (column-types.ts), `record jsonb` (the whole mapped
 * record) and `updated_at timestamptz`.
 */
import { ConflictError } from '../../../core/errors/conflict.ts';
import { ident, join, type Sql, sql } from '../../../core/query/sql.ts';
import type { Queryable } from '../../../store/store.ts';
import type { SinkTarget } from '../sink-kind.ts';
import {
  COLUMN_TYPE_SQL,
  type ColumnType,
  columnTypeOf,
  isColumnType,
  uniqueColumnName,
} from './column-types.ts';
import type { FeatureMode, FeaturesConfig } from './features-config.ts';
import { topLevelProperties } from './schema-properties.ts';

export const FEATURES_SCHEMA = 'urbs_features';
/** PostgreSQL allows 1,600 columns per table; keep room for the fixed ones and dropped columns. */
const MAX_PROPERTY_COLUMNS = 1_000;

/** `ds_<dataSetId>_<sinkIndex>`, in schema `urbs_features`. */
export function featureTableName(dataSetId: number, sinkIndex: number): string {
  if (
    !Number.isSafeInteger(dataSetId) ||
    dataSetId < 0 ||
    !Number.isSafeInteger(sinkIndex) ||
    sinkIndex < 0
  ) {
    throw new Error(`no features table for data set ${dataSetId}, sink ${sinkIndex}`);
  }
  return `ds_${dataSetId}_${sinkIndex}`;
}

/** The qualified table identifier for SQL. */
export function featureTable(name: string): Sql {
  return ident(FEATURES_SCHEMA, name);
}

export interface PropertyColumn {
  property: string;
  column: string;
  type: ColumnType;
}

/** A provisioned table as the registry describes it. */
export interface FeatureTableLayout {
  name: string;
  dataSetId: number;
  sinkIndex: number;
  idField: string | null;
  geometryField: string | null;
  timeField: string | null;
  mode: FeatureMode;
  columns: PropertyColumn[];
}

/** The columns the target structure asks for: every top-level property except a top-level geometry field. */
export function plannedColumns(
  schema: Record<string, unknown>,
  config: FeaturesConfig,
): { property: string; type: ColumnType }[] {
  return [...topLevelProperties(schema)]
    .filter(([property]) => property !== config.geometryField)
    .map(([property, shape]) => ({ property, type: columnTypeOf(shape) }));
}

/**
 * Creates the table (or keeps it) and adds columns for properties a newer structure version added. A
 * property whose column has another type refuses with a 409 naming the sink, so the release rolls back.
 */
export async function provisionFeatureTable(
  tx: Queryable,
  target: SinkTarget,
  config: FeaturesConfig,
): Promise<FeatureTableLayout> {
  const name = featureTableName(target.dataSetId, target.sinkIndex);
  const planned = plannedColumns(target.targetSchema, config);
  if (planned.length > MAX_PROPERTY_COLUMNS) {
    throw new ConflictError(
      `The structure of DataSet ${target.dataSetIdentifier} has ${planned.length} top-level properties; ` +
        `a features table takes at most ${MAX_PROPERTY_COLUMNS}`,
      { field: `sinks[${target.sinkIndex}]` },
    );
  }
  await createBaseTable(tx, name, target, config);
  const existing = await readColumns(tx, name);
  const byProperty = new Map(existing.map((c) => [c.property, c]));
  const taken = new Set(existing.map((c) => c.column));
  const added: PropertyColumn[] = [];
  for (const { property, type } of planned) {
    const known = byProperty.get(property);
    if (known && known.type !== type) throw typeConflict(target, known, type);
    if (known) continue;
    const column = uniqueColumnName(property, taken);
    taken.add(column);
    added.push({ property, column, type });
  }
  await addColumns(tx, name, added, existing.length);
  return {
    name,
    dataSetId: target.dataSetId,
    sinkIndex: target.sinkIndex,
    idField: config.idField,
    geometryField: config.geometryField,
    timeField: config.timeField,
    mode: config.mode,
    columns: [...existing, ...added],
  };
}

async function createBaseTable(tx: Queryable, name: string, target: SinkTarget, config: FeaturesConfig) {
  const table = featureTable(name);
  await tx.query(sql`CREATE TABLE IF NOT EXISTS ${table} (
    fid text PRIMARY KEY DEFAULT gen_random_uuid()::text,
    geom geometry(Geometry,4326),
    record jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`);
  await tx.query(sql`CREATE INDEX IF NOT EXISTS ${ident(`${name}_geom_idx`)} ON ${table} USING gist (geom)`);
  await tx.query(sql`INSERT INTO urbs_features.sink_tables
      (table_name, tenant_id, data_set_id, sink_index, id_field, geometry_field, time_field, mode)
    VALUES (${name}, ${target.tenant}, ${target.dataSetId}, ${target.sinkIndex}, ${config.idField},
      ${config.geometryField}, ${config.timeField}, ${config.mode})
    ON CONFLICT (table_name) DO UPDATE SET id_field = EXCLUDED.id_field,
      geometry_field = EXCLUDED.geometry_field, time_field = EXCLUDED.time_field, mode = EXCLUDED.mode,
      provisioned_at = now()`);
}

/**
 * One ALTER TABLE for all new columns and one INSERT for their registry rows. Without IF NOT EXISTS: a
 * column of that name that the registry does not know (a table made by hand) fails the release.
 */
async function addColumns(tx: Queryable, name: string, added: readonly PropertyColumn[], from: number) {
  if (added.length === 0) return;
  const clauses = added.map((c) => sql`ADD COLUMN ${ident(c.column)} ${COLUMN_TYPE_SQL[c.type]}`);
  await tx.query(sql`ALTER TABLE ${featureTable(name)} ${join(clauses)}`);
  const rows = added.map((c, i) => ({ ...c, position: from + i }));
  await tx.query(sql`INSERT INTO urbs_features.sink_columns
      (table_name, property, column_name, column_type, position)
    SELECT ${name}, r.property, r.column, r.type, r.position
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(property text, "column" text, type text, position integer)`);
}

function typeConflict(target: SinkTarget, known: PropertyColumn, type: ColumnType): ConflictError {
  const field = `sinks[${target.sinkIndex}]`;
  return new ConflictError(
    `The features table of DataSet ${target.dataSetIdentifier} (${field}) stores property ${known.property} ` +
      `as ${known.type}, but the structure now makes it ${type}; keep the property's type or use a new property name`,
    { field, property: known.property, columnType: known.type, structureType: type },
  );
}

/** Drops the table and its registry rows. */
export async function dropFeatureTable(tx: Queryable, target: SinkTarget): Promise<void> {
  const name = featureTableName(target.dataSetId, target.sinkIndex);
  await tx.query(sql`DROP TABLE IF EXISTS ${featureTable(name)}`);
  await tx.query(sql`DELETE FROM urbs_features.sink_tables WHERE table_name = ${name}`);
}

/** Drops every features table provisioned for a dataset, also of sinks no longer listed. */
export async function dropFeatureTablesOf(tx: Queryable, tenant: string, dataSetId: number): Promise<void> {
  const { rows } = await tx.query<{ table_name: string }>(sql`
    SELECT table_name FROM urbs_features.sink_tables
    WHERE tenant_id = ${tenant} AND data_set_id = ${dataSetId} ORDER BY table_name`);
  for (const { table_name: name } of rows) {
    await tx.query(sql`DROP TABLE IF EXISTS ${featureTable(name)}`);
    await tx.query(sql`DELETE FROM urbs_features.sink_tables WHERE table_name = ${name}`);
  }
}

async function readColumns(q: Queryable, name: string): Promise<PropertyColumn[]> {
  const { rows } = await q.query<{ property: string; column_name: string; column_type: string }>(
    sql`SELECT property, column_name, column_type FROM urbs_features.sink_columns
      WHERE table_name = ${name} ORDER BY position`,
  );
  return rows.map((r) => {
    if (!isColumnType(r.column_type)) throw new Error(`unknown column type ${r.column_type} in ${name}`);
    return { property: r.property, column: r.column_name, type: r.column_type };
  });
}

/** The registry's description of a provisioned table, or undefined when there is none. */
export async function readFeatureTableLayout(
  q: Queryable,
  name: string,
): Promise<FeatureTableLayout | undefined> {
  const { rows } = await q.query<{
    data_set_id: number;
    sink_index: number;
    id_field: string | null;
    geometry_field: string | null;
    time_field: string | null;
    mode: FeatureMode;
  }>(sql`SELECT data_set_id, sink_index, id_field, geometry_field, time_field, mode
    FROM urbs_features.sink_tables WHERE table_name = ${name}`);
  const row = rows[0];
  if (!row) return undefined;
  return {
    name,
    dataSetId: row.data_set_id,
    sinkIndex: row.sink_index,
    idField: row.id_field,
    geometryField: row.geometry_field,
    timeField: row.time_field,
    mode: row.mode,
    columns: await readColumns(q, name),
  };
}

/** `SET col = EXCLUDED.col, …` for an upsert. */
export function excludedAssignments(columns: readonly string[]): Sql {
  return join(columns.map((c) => sql`${ident(c)} = EXCLUDED.${ident(c)}`));
}
