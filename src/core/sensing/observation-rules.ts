import type { RelationDef } from '../../model/types.ts';
import type { Row } from '../../store/store.ts';
import type { WriteContext } from '../entities/context.ts';
import { fieldOf, type ParsedEntity } from '../entities/validate-body.ts';
import { changedMembers, type FkRelation, readRow } from '../entities/write-rows.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { ident, sql } from '../query/sql.ts';
import { checkMultiResult, createObservations, multiDatastreamSizes } from './create-observations.ts';
import { recomputeStreamExtents, type StreamKind } from './datastream-extents.ts';
import { ensureObservationPartitions } from './observation-partitions.ts';

/** Rules of Observations beyond the model (OGC 18-088 §8.2.7, §14.2): stream, partitions, extents. */

const STREAMS: readonly StreamKind[] = ['Datastream', 'MultiDatastream'];

function streamKey(w: WriteContext, stream: StreamKind): string {
  return (w.registry.relation(w.registry.entity('Observation'), stream) as FkRelation).storage.column;
}

/** An Observation belongs to exactly one Datastream or MultiDatastream (given, or implied by the parent). */
export function checkObservationStream(p: ParsedEntity, implied: RelationDef | undefined): void {
  const n = STREAMS.filter((s) => p.toOne.get(s) || implied?.name === s).length;
  if (n === 1) return;
  const f = fieldOf(p.field, 'Datastream');
  throw new BadRequestError(`${f}: an Observation belongs to exactly one Datastream or MultiDatastream`, {
    field: f,
  });
}

/** createEntity(Observation) goes through the bulk path, so every Observation gets the same treatment. */
export async function insertObservation(
  w: WriteContext,
  p: ParsedEntity,
  fks: Record<string, number | null>,
): Promise<number> {
  return (await insertObservations(w, [p], [fks]))[0]!;
}

/** A deep insert's inline Observations (e.g. `POST Datastreams` with 1,000 of them) in one bulk write. */
export async function insertObservations(
  w: WriteContext,
  ps: readonly ParsedEntity[],
  fks: readonly Record<string, number | null>[],
): Promise<number[]> {
  return createObservations(
    w,
    ps.map((p, i) => ({
      ...(p.values as { result: unknown }),
      datastreamId: fks[i]!.Datastream ?? undefined,
      multiDatastreamId: fks[i]!.MultiDatastream ?? undefined,
      foiId: fks[i]!.FeatureOfInterest ?? undefined,
      field: p.field,
    })),
  );
}

/** The stream ids an update leaves the Observation with. */
function streamsAfter(w: WriteContext, p: ParsedEntity, before: Row): Record<StreamKind, number | null> {
  const out = {} as Record<StreamKind, number | null>;
  for (const s of STREAMS) {
    const v = p.toOne.get(s);
    out[s] = p.toOne.has(s) ? (v?.kind === 'link' ? v.id : null) : (before[streamKey(w, s)] as number | null);
  }
  return out;
}

/** Keeps an updated Observation valid: one stream, a partition for its time, a MultiDatastream-shaped result. */
export async function beforeObservationUpdate(
  w: WriteContext,
  p: ParsedEntity,
  id: number,
  before: Row,
): Promise<void> {
  const s = streamsAfter(w, p, before);
  if ((s.Datastream === null) === (s.MultiDatastream === null)) {
    const f = fieldOf(p.field, 'Datastream');
    throw new BadRequestError(`Observation ${id} must belong to exactly one Datastream or MultiDatastream`, {
      field: f,
    });
  }
  const time = p.values.phenomenonTime;
  if (typeof time === 'string')
    await ensureObservationPartitions(w.tx, [time.split('/')[0]!], w.store ?? w.tx);
  if (s.MultiDatastream !== null && ('result' in p.values || p.toOne.has('MultiDatastream'))) {
    const result = 'result' in p.values ? p.values.result : before.result;
    const size = (await multiDatastreamSizes(w, [s.MultiDatastream])).get(s.MultiDatastream);
    if (size !== undefined) checkMultiResult(result, size, { field: p.field, streamId: s.MultiDatastream });
  }
}

function streamsOf(w: WriteContext, row: Row): Array<[StreamKind, number]> {
  return STREAMS.flatMap((s) => {
    const id = row[streamKey(w, s)] as number | null;
    return id === null ? [] : [[s, id] as [StreamKind, number]];
  });
}

async function recompute(w: WriteContext, streams: Array<[StreamKind, number]>): Promise<void> {
  for (const s of STREAMS) {
    const ids = [...new Set(streams.filter(([k]) => k === s).map(([, id]) => id))];
    await recomputeStreamExtents(w, s, ids);
  }
}

const EXTENT_INPUTS = new Set([
  'phenomenonTime',
  'resultTime',
  'Datastream',
  'MultiDatastream',
  'FeatureOfInterest',
]);

/** A moved or re-timed Observation changes the extents of its old and new stream. */
export async function afterObservationUpdate(w: WriteContext, before: Row, after: Row): Promise<void> {
  const obs = w.registry.entity('Observation');
  if (!changedMembers(obs, before, after).some((m) => EXTENT_INPUTS.has(m))) return;
  await recompute(w, [...streamsOf(w, before), ...streamsOf(w, after)]);
}

/** After an Observation is deleted its stream's extents are recomputed. */
export async function beforeObservationDelete(w: WriteContext, id: number): Promise<() => Promise<void>> {
  const row = await readRow(w, w.registry.entity('Observation'), id);
  const streams = row ? streamsOf(w, row) : [];
  return () => recompute(w, streams);
}

/** Deleting a FeatureOfInterest deletes its Observations (ON DELETE CASCADE): recompute their streams. */
export async function beforeFoiDelete(w: WriteContext, foiId: number): Promise<() => Promise<void>> {
  const obs = w.registry.entity('Observation');
  const foiKey = (w.registry.relation(obs, 'FeatureOfInterest') as FkRelation).storage.column;
  const ds = ident(streamKey(w, 'Datastream'));
  const mds = ident(streamKey(w, 'MultiDatastream'));
  const { rows } = await w.tx.query(
    sql`SELECT DISTINCT ${ds}, ${mds} FROM ${ident(obs.table)}
        WHERE tenant_id = ${w.tenant} AND ${ident(foiKey)} = ${foiId}`,
  );
  const streams = rows.flatMap((r) => streamsOf(w, r));
  return () => recompute(w, streams);
}
