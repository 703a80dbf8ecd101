/**
 * Makes the observations sink idempotent (docs/sinks-observations.md, "Repeated readings"). Pipelines
 * deliver at least once, and some sources deliver a whole body again when one record in it changed, so the
 * same reading (Datastream, phenomenonTime) arrives more than once. An Observation is written only when its
 * Datastream has no Observation with the same phenomenonTime (start and end) yet and no earlier row of the
 * batch has it: the first one wins, a later one with another result is dropped too.
 *
 * One statement per batch answers both questions. PostgreSQL compares the times (so `…T10:00:00+02:00`
 * and `…T08:00:00.000Z` are one instant, exactly as the insert would store them). Each row probes the
 * per-Datastream time index (`sta_observations_datastream_time_idx`), and the batch's time range is a
 * constant of the statement so only the partitions (months) of the batch are read.
 */
import type { WriteContext } from '../../../core/entities/context.ts';
import type { FkRelation } from '../../../core/entities/write-rows.ts';
import { ident, sql } from '../../../core/query/sql.ts';

/** What identifies a reading: the Datastream and the phenomenonTime (instant or `start/end`). */
export interface Reading {
  datastreamId: number;
  phenomenonTime: string;
}

/** Margin around the batch's time range: `Date.parse` and PostgreSQL may read an instant differently
 * (a date without a time is midnight in the session's time zone, digits beyond milliseconds). */
const MARGIN_MS = 24 * 3600 * 1000;

const split = (t: string) => {
  const [start, end] = t.split('/') as [string, string | undefined];
  return { start, end: end ?? null };
};

/** The batch's phenomenonTime starts, widened by the margin, as ISO instants (for partition pruning). */
function range(starts: readonly string[]): { lo: string; hi: string } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const s of starts) {
    const t = Date.parse(s);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return { lo: new Date(lo - MARGIN_MS).toISOString(), hi: new Date(hi + MARGIN_MS).toISOString() };
}

/**
 * The rows to write: those whose reading is neither stored yet nor repeated from an earlier row of
 * `rows`, in their order. One statement, however long the batch.
 */
export async function withoutStoredReadings<R extends Reading>(
  w: WriteContext,
  rows: readonly R[],
): Promise<R[]> {
  if (rows.length === 0) return [];
  const obs = w.registry.entity('Observation');
  const time = w.registry.property(obs, 'phenomenonTime')!.column;
  const start = ident('o', `${time}_start`);
  const end = ident('o', `${time}_end`);
  const stream = ident('o', (w.registry.relation(obs, 'Datastream') as FkRelation).storage.column);
  const times = rows.map((r) => split(r.phenomenonTime));
  const { lo, hi } = range(times.map((t) => t.start));
  // `ord` is 1-based; a row is a repeat when an earlier one has the same (Datastream, start, end) — NULL
  // ends group together in the window, as they match with IS NOT DISTINCT FROM in the lookup.
  const { rows: repeated } = await w.tx.query<{ ord: number }>(sql`
    SELECT u.ord::int AS ord FROM (
      SELECT ds, s, e, ord, row_number() OVER (PARTITION BY ds, s, e ORDER BY ord) AS n
      FROM unnest(${rows.map((r) => r.datastreamId)}::bigint[], ${times.map((t) => t.start)}::timestamptz[],
                  ${times.map((t) => t.end)}::timestamptz[]) WITH ORDINALITY AS u(ds, s, e, ord)) u
    WHERE u.n > 1 OR EXISTS (
      SELECT 1 FROM ${ident(obs.table)} o
      WHERE ${stream} = u.ds AND ${start} = u.s AND ${end} IS NOT DISTINCT FROM u.e
        AND ${start} >= ${lo}::timestamptz AND ${start} <= ${hi}::timestamptz
        AND o.tenant_id = ${w.tenant})`);
  if (repeated.length === 0) return [...rows];
  const skip = new Set(repeated.map((r) => r.ord - 1));
  return rows.filter((_, i) => !skip.has(i));
}
