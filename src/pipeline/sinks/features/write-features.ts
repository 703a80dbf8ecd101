/**
 * Writes a batch of converted rows in one statement: the rows travel as ONE bound jsonb array and
 * `jsonb_to_recordset` types them by the column list, so the SQL text holds only identifiers and fixed
 * type names. Upsert keeps the latest state per feature id (`ON CONFLICT (fid) DO UPDATE`, and with a time
 * field only when the record is not older than the stored one); append adds a row with a generated id per
 * record.
 */
import { empty, ident, join, raw, type Sql, sql } from '../../../core/query/sql.ts';
import type { Queryable } from '../../../store/store.ts';
import { COLUMN_TYPE_SQL } from './column-types.ts';
import type { ConvertedRow } from './convert-record.ts';
import { excludedAssignments, type FeatureTableLayout, featureTable } from './feature-table.ts';

export async function writeFeatureRows(
  tx: Queryable,
  layout: FeatureTableLayout,
  rows: readonly ConvertedRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const upsert = layout.mode === 'upsert';
  const columns = layout.columns;
  // With a time column, a feature keeps its newest state: a late, older record does not replace it.
  const timeColumn = columns.find((c) => c.property === layout.timeField && c.type === 'timestamptz');
  const newer = (a: ConvertedRow, b: ConvertedRow) => {
    if (!timeColumn) return true;
    const ta = Date.parse(String(a.values.get(timeColumn.property) ?? ''));
    const tb = Date.parse(String(b.values.get(timeColumn.property) ?? ''));
    return Number.isNaN(tb) || !(ta < tb);
  };
  // One statement may not update a row twice: within a batch the newest (else last) record of an id wins.
  const latest = new Map<string | undefined, ConvertedRow>();
  if (upsert) {
    for (const r of rows) {
      const seen = latest.get(r.fid);
      if (!seen || newer(r, seen)) latest.set(r.fid, r);
    }
  }
  const batch = upsert ? [...latest.values()] : rows;
  const payload = batch.map((row) => {
    const out: Record<string, unknown> = { record: row.record };
    if (upsert) out.fid = row.fid;
    if (row.geometry) out.geom = row.geometry;
    for (const c of columns) {
      const v = row.values.get(c.property);
      if (v !== undefined) out[c.column] = v;
    }
    return out;
  });

  const definitions: Sql[] = [
    ...(upsert ? [sql`fid text`] : []),
    sql`geom jsonb`,
    sql`record jsonb`,
    ...columns.map((c) => sql`${ident(c.column)} ${COLUMN_TYPE_SQL[c.type]}`),
  ];
  const targets: Sql[] = [
    ...(upsert ? [raw`fid`] : []),
    raw`geom`,
    raw`record`,
    raw`updated_at`,
    ...columns.map((c) => ident(c.column)),
  ];
  const selected: Sql[] = [
    ...(upsert ? [raw`r.fid`] : []),
    raw`ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(r.geom::text), 4326))`,
    raw`r.record`,
    raw`now()`,
    ...columns.map((c) => sql`r.${ident(c.column)}`),
  ];
  const conflict = upsert
    ? sql` ON CONFLICT (fid) DO UPDATE SET ${excludedAssignments([
        'geom',
        'record',
        'updated_at',
        ...columns.map((c) => c.column),
      ])}${
        timeColumn
          ? sql` WHERE ${featureTable(layout.name)}.${ident(timeColumn.column)} IS NULL
              OR EXCLUDED.${ident(timeColumn.column)} >= ${featureTable(layout.name)}.${ident(timeColumn.column)}`
          : empty
      }`
    : empty;
  await tx.query(sql`INSERT INTO ${featureTable(layout.name)} (${join(targets)})
    SELECT ${join(selected)}
    FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) AS r(${join(definitions)})${conflict}`);
}
