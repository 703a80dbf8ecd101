import type { ModelRegistry } from '../../model/registry.ts';
import type { Store } from '../../store/store.ts';
import { decodeRecord, recordSelect } from '../entities/write-rows.ts';
import type { ChangeEvent } from '../events/change-feed.ts';
import { ident, join, prepared as preparedStatement, type Sql, sql } from '../query/sql.ts';
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
  const statement = statementFor(reg, cols);
  const values = statement.slots.map((slot) =>
    slot === TENANT ? tenant : typeof slot === 'number' ? cols[slot]!.values : slot.value,
  );
  const { rows: inserted } = await deps.store.query({ text: statement.text, values, name: statement.name });
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

/** Where each bound value of the cached statement comes from: a column's array, the tenant, a constant. */
type Slot = number | typeof TENANT | { value: unknown };
const TENANT = Symbol('tenant');

interface Statement {
  text: string;
  name: string | undefined;
  columns: readonly string[];
  slots: readonly Slot[];
}

const statements = new WeakMap<ModelRegistry, Statement>();

/**
 * The statement's text depends only on the model, so it is built once (with markers in place of the
 * batch's values) and then only bound: a named prepared statement, which PostgreSQL parses and plans
 * once per connection instead of once per batch (parsing and planning were a third of its time).
 *
 * Two batches may be written at once and share Datastreams. Their rows are locked first, in id order
 * (`lk`), so that the extents UPDATE never waits on a row while holding another that the other batch
 * wants: without it, a cached generic plan that visits the Datastreams in table order deadlocked (each
 * deadlock costs `deadlock_timeout`, 1 s, before one batch is retried).
 */
function statementFor(reg: ModelRegistry, cols: ReturnType<typeof columnArrays>): Statement {
  const columns = cols.map((c) => c.column);
  const cached = statements.get(reg);
  if (cached && cached.columns.length === columns.length && cached.columns.every((c, i) => c === columns[i]))
    return cached;
  const obs = reg.entity('Observation');
  const ds = reg.entity('Datastream');
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
  const markers = cols.map((_, i) => ({ column: i }));
  const query = preparedStatement(sql`WITH ins AS (
          INSERT INTO ${ident(obs.table)} AS t (id, tenant_id, ${join(names)})
          SELECT nextval(${`${obs.table}_id_seq`}::regclass), ${TENANT}, ${join(cols.map((c) => ident('u', c.column)))}
          FROM unnest(${join(cols.map((c, i) => sql`${markers[i]}${c.cast}`))}) WITH ORDINALITY AS u(${join(names)}, ord)
          ORDER BY u.ord
          RETURNING ${recordSelect(obs, 't')}),
        x AS (
          SELECT ${ident(dsKey)} AS id, min(${ident(ps)}) AS ps, max(COALESCE(${ident(pe)}, ${ident(ps)})) AS pe,
                 min(${ident(r)}) AS rs, max(${ident(r)}) AS re, array_agg(DISTINCT ${ident(foiKey)}) AS fois
          FROM ins GROUP BY ${ident(dsKey)}),
        lk AS MATERIALIZED (
          SELECT d.id FROM ${ident(ds.table)} AS d
          WHERE d.tenant_id = ${TENANT} AND d.id IN (SELECT id FROM x) ORDER BY d.id FOR NO KEY UPDATE),
        upd AS (${extentsUpdate(
          { registry: reg, tenant: TENANT as unknown as string },
          'Datastream',
          sql`(SELECT x.* FROM x JOIN lk ON lk.id = x.id) AS x`,
        )})
        SELECT * FROM ins`);
  const slots = query.values.map((v): Slot => {
    if (v === TENANT) return TENANT;
    const i = markers.indexOf(v as (typeof markers)[number]);
    return i >= 0 ? i : { value: v };
  });
  const statement = { text: query.text, name: query.name, columns, slots };
  statements.set(reg, statement);
  return statement;
}
