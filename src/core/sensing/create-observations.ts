import type { EntityDef } from '../../model/types.ts';
import type { Row } from '../../store/store.ts';
import type { WriteContext } from '../entities/context.ts';
import { fieldOf } from '../entities/validate-body.ts';
import { decodeRecord, emit, fkRelations, recordSelect } from '../entities/write-rows.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { ident, join, type Sql, sql } from '../query/sql.ts';
import { extendStreamExtents, type InsertedObservation, type StreamKind } from './datastream-extents.ts';
import { generatedFoisFor } from './feature-of-interest.ts';
import { ensureObservationPartitions } from './observation-partitions.ts';
import {
  type ObservationRow,
  type PreparedObservation,
  plainColumnsOf,
  prepareObservation,
} from './observation-rows.ts';
import { existingIdsCached } from './recently-seen.ts';

export type { ObservationRow } from './observation-rows.ts';

/** From this many rows on, the batch is streamed with COPY instead of one INSERT … unnest. */
const COPY_THRESHOLD = 5000;

export interface CreateObservationsOptions {
  copyThreshold?: number;
}

/**
 * The one way Observations are created: POST Observations (via createEntity), CreateObservations/dataArray
 * (OGC 18-088 §11.2), MQTT publish and pipelines. Validates every row, checks streams and FOIs (generating
 * missing FOIs, §10.2.1), makes sure the months' partitions exist, inserts the whole batch in one statement,
 * widens the streams' extents and queues one 'create' event per Observation. Returns ids in input order.
 */
export async function createObservations(
  w: WriteContext,
  rows: readonly ObservationRow[],
  field = '',
  options: CreateObservationsOptions = {},
): Promise<number[]> {
  if (rows.length === 0) return [];
  const obs = w.registry.entity('Observation');
  const prepared = rows.map((r, i) => prepareObservation(obs, r, r.field ?? `${field}[${i}]`));
  await checkStreams(w, prepared);
  await resolveFois(w, prepared);
  await ensureObservationPartitions(
    w.tx,
    prepared.map((p) => p.phenomenonStart),
    w.store ?? w.tx,
  );
  const inserted =
    prepared.length >= (options.copyThreshold ?? COPY_THRESHOLD)
      ? await copyObservations(w, obs, prepared)
      : await insertObservations(w, obs, prepared);
  await extendStreamExtents(
    w,
    inserted.map((row) => extentRow(w, obs, row)),
  );
  for (const row of inserted) emit(w, obs, 'create', row.id as number, decodeRecord(obs, row));
  return inserted.map((row) => row.id as number);
}

/** The first row referring to each distinct id of a stream kind. */
function firstByStream(
  prepared: readonly PreparedObservation[],
  stream: StreamKind,
): Map<number, PreparedObservation> {
  const m = new Map<number, PreparedObservation>();
  for (const p of prepared) if (p.stream === stream && !m.has(p.streamId)) m.set(p.streamId, p);
  return m;
}

/** Streams must exist in the tenant; a MultiDatastream's results are arrays matching its unitOfMeasurements. */
async function checkStreams(w: WriteContext, prepared: readonly PreparedObservation[]): Promise<void> {
  const ds = firstByStream(prepared, 'Datastream');
  const found = await existingIdsCached(w, w.registry.entity('Datastream'), [...ds.keys()]);
  for (const [id, p] of ds) if (!found.has(id)) throw missingLink(p.field, 'Datastream', id);
  const mds = firstByStream(prepared, 'MultiDatastream');
  if (mds.size === 0) return;
  const sizes = await multiDatastreamSizes(w, [...mds.keys()]);
  for (const [id, p] of mds) if (!sizes.has(id)) throw missingLink(p.field, 'MultiDatastream', id);
  for (const p of prepared)
    if (p.stream === 'MultiDatastream') checkMultiResult(p.result, sizes.get(p.streamId)!, p);
}

function missingLink(field: string, entity: string, id: number): BadRequestError {
  const f = fieldOf(field, entity);
  return new BadRequestError(`${f}: ${entity} ${id} does not exist`, { field: f });
}

/** Number of unitOfMeasurements entries of each MultiDatastream (only those in the tenant). */
export async function multiDatastreamSizes(
  w: WriteContext,
  ids: readonly number[],
): Promise<Map<number, number>> {
  const md = w.registry.entity('MultiDatastream');
  const uoms = ident(w.registry.property(md, 'unitOfMeasurements')!.column);
  const { rows } = await w.tx.query<{ id: number; n: number }>(
    sql`SELECT id, jsonb_array_length(${uoms}) AS n FROM ${ident(md.table)}
        WHERE tenant_id = ${w.tenant} AND id = ANY(${[...ids]}::bigint[])`,
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

/** OGC 18-088 §14.2.2: a MultiDatastream Observation's result has one element per unitOfMeasurements entry. */
export function checkMultiResult(
  result: unknown,
  size: number,
  p: { field: string; streamId: number },
): void {
  if (Array.isArray(result) && result.length === size) return;
  const f = fieldOf(p.field, 'result');
  throw new BadRequestError(
    `${f} must be an array of ${size} values, one per unitOfMeasurements entry of MultiDatastream ${p.streamId}`,
    { field: f },
  );
}

/** Given FOIs must exist in the tenant; missing ones are generated per stream (cached). */
async function resolveFois(w: WriteContext, prepared: PreparedObservation[]): Promise<void> {
  const given = [...new Set(prepared.flatMap((p) => (p.foiId === undefined ? [] : [p.foiId])))];
  const found = await existingIdsCached(w, w.registry.entity('FeatureOfInterest'), given);
  for (const p of prepared) {
    if (p.foiId !== undefined && !found.has(p.foiId))
      throw missingLink(p.field, 'FeatureOfInterest', p.foiId);
  }
  const without = prepared.filter((p) => p.foiId === undefined);
  if (without.length === 0) return;
  const generated = await generatedFoisFor(
    w,
    without.map((p) => ({ stream: p.stream, streamId: p.streamId, field: p.field })),
  );
  for (const p of without) p.foiId = generated.get(`${p.stream}:${p.streamId}`);
}

/** Foreign key columns by relation name (Datastream, MultiDatastream, FeatureOfInterest). */
export function keyColumns(obs: EntityDef): Record<string, string> {
  return Object.fromEntries(fkRelations(obs).map((r) => [r.name, r.storage.column]));
}

/** Per-column value arrays of a batch: property columns, then the foreign keys. */
export function columnArrays(obs: EntityDef, prepared: readonly PreparedObservation[]) {
  const keys = keyColumns(obs);
  const cols: Array<{ column: string; cast: Sql; values: unknown[] }> = plainColumnsOf(obs).map((c) => ({
    ...c,
    values: prepared.map((p) => p.columns[c.column] ?? null),
  }));
  const key = (name: string, pick: (p: PreparedObservation) => number | null) => ({
    column: keys[name]!,
    cast: sql`::bigint[]`,
    values: prepared.map(pick),
  });
  cols.push(
    key('Datastream', (p) => (p.stream === 'Datastream' ? p.streamId : null)),
    key('MultiDatastream', (p) => (p.stream === 'MultiDatastream' ? p.streamId : null)),
    key('FeatureOfInterest', (p) => p.foiId!),
  );
  return cols;
}

/** Ids drawn ahead from the table's sequence, so rows map back to the input order. */
async function allocateIds(w: WriteContext, obs: EntityDef, n: number): Promise<number[]> {
  const { rows } = await w.tx.query<{ id: number }>(
    sql`SELECT nextval(${`${obs.table}_id_seq`}::regclass) AS id FROM generate_series(1, ${n}::int)`,
  );
  return rows.map((r) => r.id);
}

function inInputOrder(ids: readonly number[], rows: readonly Row[]): Row[] {
  const byId = new Map(rows.map((r) => [r.id as number, r]));
  return ids.map((id) => byId.get(id)!);
}

/** One INSERT … SELECT FROM unnest(…) for the whole batch. */
async function insertObservations(
  w: WriteContext,
  obs: EntityDef,
  prepared: PreparedObservation[],
): Promise<Row[]> {
  const cols = columnArrays(obs, prepared);
  const names: Sql[] = cols.map((c) => ident(c.column));
  const arrays: Sql[] = cols.map((c) => sql`${c.values}${c.cast}`);
  // Ids come from the sequence inside the statement (one round trip less): rows are read from unnest in
  // input order and nextval() rises with every call, so sorting the returned rows by id restores the
  // input order.
  const { rows } = await w.tx.query(
    sql`INSERT INTO ${ident(obs.table)} AS t (id, tenant_id, ${join(names)})
        SELECT nextval(${`${obs.table}_id_seq`}::regclass), ${w.tenant}, ${join(cols.map((c) => ident('u', c.column)))}
        FROM unnest(${join(arrays)}) WITH ORDINALITY AS u(${join(names)}, ord) ORDER BY u.ord
        RETURNING ${recordSelect(obs, 't')}`,
  );
  return [...rows].sort((a, b) => (a.id as number) - (b.id as number));
}

/** Very large batches: COPY (no RETURNING), then one SELECT of the new rows for events and extents. */
async function copyObservations(
  w: WriteContext,
  obs: EntityDef,
  prepared: PreparedObservation[],
): Promise<Row[]> {
  const ids = await allocateIds(w, obs, prepared.length);
  const cols = columnArrays(obs, prepared);
  await w.tx.copy(
    obs.table,
    ['id', 'tenant_id', ...cols.map((c) => c.column)],
    ids.map((id, i) => [id, w.tenant, ...cols.map((c) => c.values[i])]),
  );
  const { rows } = await w.tx.query(
    sql`SELECT ${recordSelect(obs, 't')} FROM ${ident(obs.table)} AS t
        WHERE t.tenant_id = ${w.tenant} AND t.id = ANY(${ids}::bigint[])`,
  );
  return inInputOrder(ids, rows);
}

function extentRow(w: WriteContext, obs: EntityDef, row: Row): InsertedObservation {
  const keys = keyColumns(obs);
  const pt = w.registry.property(obs, 'phenomenonTime')!.column;
  const ds = row[keys.Datastream!] as number | null;
  return {
    stream: ds === null ? 'MultiDatastream' : 'Datastream',
    streamId: ds ?? (row[keys.MultiDatastream!] as number),
    foiId: row[keys.FeatureOfInterest!] as number,
    phenomenonStart: row[`${pt}_start`] as string,
    phenomenonEnd: row[`${pt}_end`] as string | null,
    resultTime: row[w.registry.property(obs, 'resultTime')!.column] as string | null,
  };
}
