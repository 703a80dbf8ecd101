import type { ModelRegistry } from '../../model/registry.ts';
import type { Store } from '../../store/store.ts';
import { decodeRecord, recordSelect } from '../entities/write-rows.ts';
import type { ChangeEvent } from '../events/change-feed.ts';
import { ident, join, type Sql, sql } from '../query/sql.ts';
import { columnArrays, keyColumns, type ObservationRow } from './create-observations.ts';
import { extentsUpdate } from './datastream-extents.ts';
import { partitionsKnown } from './observation-partitions.ts';
import { prepareObservation } from './observation-rows.ts';
import { knownToExist } from './recently-seen.ts';

export interface OneStatementResult {
  ids: number[];
  events: ChangeEvent[];
}

/**
 * The hot path of single Observations (HTTP POST, MQTT): when every row names its Datastream and its
 * FeatureOfInterest, both recently seen in this tenant, and every month's partition is known, the whole
 * batch is ONE autocommit statement — the INSERT and the Datastream extents in one CTE — instead of a
 * transaction of several round trips. Atomic like any single statement. Returns null when a precondition
 * does not hold; the caller then takes the general transactional path (which also fills the caches).
 */
export async function insertInOneStatement(
  deps: { store: Store; registry: ModelRegistry },
  tenant: string,
  rows: readonly ObservationRow[],
): Promise<OneStatementResult | null> {
  if (
    rows.some(
      (r) => r.datastreamId === undefined || r.multiDatastreamId !== undefined || r.foiId === undefined,
    )
  ) {
    return null;
  }
  const reg = deps.registry;
  const obs = reg.entity('Observation');
  const prepared = rows.map((r, i) => prepareObservation(obs, r, r.field ?? `[${i}]`));
  if (
    !partitionsKnown(
      deps.store,
      prepared.map((p) => p.phenomenonStart),
    )
  )
    return null;
  const ds = [...new Set(prepared.map((p) => p.streamId))];
  const fois = [...new Set(prepared.map((p) => p.foiId!))];
  if (!knownToExist(deps.store, tenant, reg.entity('Datastream'), ds)) return null;
  if (!knownToExist(deps.store, tenant, reg.entity('FeatureOfInterest'), fois)) return null;

  const cols = columnArrays(obs, prepared);
  const names: Sql[] = cols.map((c) => ident(c.column));
  const keys = keyColumns(obs);
  const pt = reg.property(obs, 'phenomenonTime')!.column;
  const rt = reg.property(obs, 'resultTime')!.column;
  const [ps, pe, r, dsKey, foiKey] = [
    `${pt}_start`,
    `${pt}_end`,
    rt,
    keys.Datastream!,
    keys.FeatureOfInterest!,
  ];
  const { rows: inserted } = await deps.store.query(
    sql`WITH ins AS (
          INSERT INTO ${ident(obs.table)} AS t (id, tenant_id, ${join(names)})
          SELECT nextval(${`${obs.table}_id_seq`}::regclass), ${tenant}, ${join(cols.map((c) => ident('u', c.column)))}
          FROM unnest(${join(cols.map((c) => sql`${c.values}${c.cast}`))}) WITH ORDINALITY AS u(${join(names)}, ord)
          ORDER BY u.ord
          RETURNING ${recordSelect(obs, 't')}),
        x AS (
          SELECT ${ident(dsKey)} AS id, min(${ident(ps)}) AS ps, max(COALESCE(${ident(pe)}, ${ident(ps)})) AS pe,
                 min(${ident(r)}) AS rs, max(${ident(r)}) AS re, array_agg(DISTINCT ${ident(foiKey)}) AS fois
          FROM ins GROUP BY ${ident(dsKey)}),
        upd AS (${extentsUpdate({ registry: reg, tenant }, 'Datastream', sql`x`)})
        SELECT * FROM ins`,
  );
  // Ids rise with the input order (nextval per row, read in order), so sorting restores it.
  const sorted = [...inserted].sort((a, b) => (a.id as number) - (b.id as number));
  const events: ChangeEvent[] = sorted.map((row) => ({
    model: reg.model.name,
    tenant,
    entity: obs.name,
    id: row.id as number,
    op: 'create',
    ...decodeRecord(obs, row),
  }));
  return { ids: sorted.map((row) => row.id as number), events };
}
