import type { EntityDef } from '../../model/types.ts';
import type { WriteContext } from '../entities/context.ts';
import { ident, type Sql, sql } from '../query/sql.ts';

/**
 * Datastream and MultiDatastream phenomenonTime, resultTime and observedArea (OGC 18-088 §8.2.4 Table 12,
 * §14.2) summarise their Observations and are maintained by the server. Inserts widen them with one UPDATE
 * per stream per batch (the batch is summarised in JS; LEAST/GREATEST keep it correct under concurrent
 * batches, which queue on the stream's row lock). Deletes and moves recompute them exactly.
 */

export type StreamKind = 'Datastream' | 'MultiDatastream';

/** What the extents need from an inserted Observation (times as returned by the store: UTC ISO strings). */
export interface InsertedObservation {
  stream: StreamKind;
  streamId: number;
  foiId: number;
  phenomenonStart: string;
  phenomenonEnd: string | null;
  resultTime: string | null;
}

interface Extent {
  phenomenonStart: string;
  phenomenonEnd: string;
  resultStart: string | null;
  resultEnd: string | null;
  fois: Set<number>;
}

/** UTC ISO strings from the store differ in fraction length; padded they compare as strings. */
function sortable(t: string): string {
  return t.replace(/(\.\d+)?Z$/, (_, f: string | undefined) => (f ?? '.').padEnd(8, '0'));
}

function min(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  return sortable(b) < sortable(a) ? b : a;
}

function max(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  return sortable(b) > sortable(a) ? b : a;
}

/** Summarises a batch per stream (`Datastream:7`). */
export function summarise(
  rows: readonly InsertedObservation[],
): Map<string, Extent & { stream: StreamKind; id: number }> {
  const out = new Map<string, Extent & { stream: StreamKind; id: number }>();
  for (const r of rows) {
    const key = `${r.stream}:${r.streamId}`;
    const end = r.phenomenonEnd ?? r.phenomenonStart;
    const e = out.get(key);
    if (!e) {
      out.set(key, {
        stream: r.stream,
        id: r.streamId,
        phenomenonStart: r.phenomenonStart,
        phenomenonEnd: end,
        resultStart: r.resultTime,
        resultEnd: r.resultTime,
        fois: new Set([r.foiId]),
      });
      continue;
    }
    e.phenomenonStart = min(e.phenomenonStart, r.phenomenonStart)!;
    e.phenomenonEnd = max(e.phenomenonEnd, end)!;
    e.resultStart = min(e.resultStart, r.resultTime);
    e.resultEnd = max(e.resultEnd, r.resultTime);
    e.fois.add(r.foiId);
  }
  return out;
}

/** Column names of a stream's summary properties and of the FOI geometry, from the model. */
function columns(w: Pick<WriteContext, 'registry'>, stream: StreamKind) {
  const e = w.registry.entity(stream);
  const col = (name: string) => w.registry.property(e, name)!.column;
  const foi = w.registry.entity('FeatureOfInterest');
  return {
    e,
    pt: col('phenomenonTime'),
    rt: col('resultTime'),
    area: col('observedArea'),
    foi,
    feature: w.registry.property(foi, 'feature')!.column,
  };
}

/**
 * Widens the extents of every stream that received Observations in this batch: one UPDATE per stream kind
 * for the whole batch, touching (and locking) only the streams whose extents actually grow.
 */
export async function extendStreamExtents(
  w: WriteContext,
  rows: readonly InsertedObservation[],
): Promise<void> {
  const all = [...summarise(rows).values()].sort((a, b) => a.id - b.id);
  for (const stream of ['Datastream', 'MultiDatastream'] as const) {
    const xs = all.filter((x) => x.stream === stream);
    if (xs.length === 0) continue;
    const source = sql`unnest(${xs.map((x) => x.id)}::bigint[], ${xs.map((x) => x.phenomenonStart)}::timestamptz[],
        ${xs.map((x) => x.phenomenonEnd)}::timestamptz[], ${xs.map((x) => x.resultStart)}::timestamptz[],
        ${xs.map((x) => x.resultEnd)}::timestamptz[], ${xs.map((x) => `{${[...x.fois].join(',')}}`)}::text[])
      AS x(id, ps, pe, rs, re, fois)`;
    await w.tx.query(extentsUpdate(w, stream, source));
  }
}

/**
 * The UPDATE that widens stream extents from `source`, a FROM item aliased `x` with columns
 * (id, ps, pe, rs, re, fois): stream id, phenomenon start/end, result time start/end, FOI ids (bigint[]
 * or its text form).
 * Shared by the batch path above and the single-statement ingest (ingest-in-one-statement.ts).
 */
export function extentsUpdate(
  w: Pick<WriteContext, 'registry' | 'tenant'>,
  stream: StreamKind,
  source: Sql,
): Sql {
  const c = columns(w, stream);
  const d = (col: string) => ident('d', col);
  const area = d(c.area);
  const covered = sql`(f.g IS NULL OR ST_Covers(${area}, f.g))`;
  const [ps, pe, rs, re] = [`${c.pt}_start`, `${c.pt}_end`, `${c.rt}_start`, `${c.rt}_end`];
  return sql`UPDATE ${ident(c.e.table)} AS d SET
      ${ident(ps)} = LEAST(${d(ps)}, x.ps), ${ident(pe)} = GREATEST(${d(pe)}, x.pe),
      ${ident(rs)} = LEAST(${d(rs)}, x.rs), ${ident(re)} = GREATEST(${d(re)}, x.re),
      ${ident(c.area)} = CASE WHEN ${covered} THEN ${area} ELSE ST_ConvexHull(ST_Collect(${area}, f.g)) END,
      ${ident(`${c.area}_geojson`)} = CASE WHEN ${covered} THEN ${d(`${c.area}_geojson`)} END
    FROM ${source}
    CROSS JOIN LATERAL (SELECT ST_ConvexHull(ST_Collect(${ident(c.feature)})) AS g FROM ${ident(c.foi.table)}
          WHERE tenant_id = ${w.tenant} AND id = ANY(x.fois::bigint[])) AS f
    WHERE d.tenant_id = ${w.tenant} AND d.id = x.id
      AND (${d(ps)} IS NULL OR x.ps < ${d(ps)} OR x.pe > ${d(pe)}
           OR (x.rs IS NOT NULL AND (${d(rs)} IS NULL OR x.rs < ${d(rs)} OR x.re > ${d(re)}))
           OR NOT ${covered})`;
}

/** The Observation foreign key column pointing to `target` (a stream kind or FeatureOfInterest). */
function observationKey(w: WriteContext, target: EntityDef): string {
  const r = w.registry.inverseOf(target, w.registry.relation(target, 'Observations')!);
  if (r.storage.kind !== 'fk') throw new Error(`Observation.${r.name} is not a foreign key`);
  return r.storage.column;
}

/** Recomputes the extents of the given streams from their remaining Observations (after deletes/moves). */
export async function recomputeStreamExtents(
  w: WriteContext,
  stream: StreamKind,
  ids: readonly number[],
): Promise<void> {
  if (ids.length === 0) return;
  const c = columns(w, stream);
  const obs = w.registry.entity('Observation');
  const key = ident('o', observationKey(w, c.e));
  const oc = (name: string) => w.registry.property(obs, name)!.column;
  const ps = ident('o', `${oc('phenomenonTime')}_start`);
  const pe = ident('o', `${oc('phenomenonTime')}_end`);
  const rt = ident('o', oc('resultTime'));
  const foiKey = ident('o', observationKey(w, c.foi));
  const area: Sql = sql`(SELECT ST_ConvexHull(ST_Collect(${ident('f', c.feature)})) FROM ${ident(c.foi.table)} AS f
      WHERE f.id IN (SELECT ${foiKey} FROM ${ident(obs.table)} AS o WHERE ${key} = d.id))`;
  await w.tx.query(sql`UPDATE ${ident(c.e.table)} AS d SET
      (${ident(`${c.pt}_start`)}, ${ident(`${c.pt}_end`)}, ${ident(`${c.rt}_start`)}, ${ident(`${c.rt}_end`)},
       ${ident(c.area)}, ${ident(`${c.area}_geojson`)}) =
      (SELECT min(${ps}), max(COALESCE(${pe}, ${ps})), min(${rt}), max(${rt}), ${area}, NULL::jsonb
       FROM ${ident(obs.table)} AS o WHERE ${key} = d.id)
    WHERE d.tenant_id = ${w.tenant} AND d.id = ANY(${[...ids]}::bigint[])`);
}
