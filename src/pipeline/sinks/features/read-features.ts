/**
 * Reading features tables for OGC API – Features (src/apis/ogc-features): which collections a caller may
 * see and the features of one, with paging, bbox and simple property filters, as bound SQL.
 *
 * Collections are the features sinks of AVAILABLE DataSets of the tenant. Anonymous callers see open-data
 * DataSets only (CONTRACT.md: anonymous callers may only GET the payload of open data); an authenticated
 * caller of the tenant sees every AVAILABLE DataSet of it. A DataSet's first features sink is served under
 * the DataSet's identifier, every further one as `<identifier>~<sinkIndex>` (`~` cannot occur in
 * identifiers).
 */
import type { RequestContext } from '../../../core/entities/context.ts';
import { empty, ident, join, type Sql, sql } from '../../../core/query/sql.ts';
import type { Queryable } from '../../../store/store.ts';
import { COLUMN_TYPE_SQL, type ColumnType } from './column-types.ts';
import { type FeatureTableLayout, featureTable, readFeatureTableLayout } from './feature-table.ts';

export interface FeatureCollectionInfo {
  /** The collection id: the DataSet identifier, `~<sinkIndex>` for further features sinks. */
  id: string;
  dataSetId: number;
  identifier: string;
  name: string;
  description: string | null;
  openData: boolean;
  licence: string | null;
  keywords: string[];
  /** [minx, miny, maxx, maxy] of the DataSet's declared spatial coverage. */
  bbox: [number, number, number, number] | null;
  interval: [string | null, string | null] | null;
  table: string;
  sinkIndex: number;
}

interface CollectionRow {
  data_set_id: number;
  identifier: string;
  name: string;
  description: string | null;
  open_data: boolean;
  licence: string | null;
  keywords: unknown;
  xmin: number | null;
  ymin: number | null;
  xmax: number | null;
  ymax: number | null;
  t_start: string | null;
  t_end: string | null;
  table_name: string;
  sink_index: number;
}

/** The collections the caller may see, ordered by id; `identifier` narrows to one DataSet. */
export async function listFeatureCollections(
  q: Queryable,
  ctx: RequestContext,
  identifier?: string,
): Promise<FeatureCollectionInfo[]> {
  const { rows } = await q.query<CollectionRow>(sql`
    SELECT d.id AS data_set_id, d.identifier, d.name, d.description, d.open_data, d.licence, d.keywords,
      ST_XMin(d.spatial_coverage) AS xmin, ST_YMin(d.spatial_coverage) AS ymin,
      ST_XMax(d.spatial_coverage) AS xmax, ST_YMax(d.spatial_coverage) AS ymax,
      d.temporal_coverage_start AS t_start, d.temporal_coverage_end AS t_end,
      t.table_name, t.sink_index
    FROM ctl_data_sets d
    JOIN urbs_features.sink_tables t ON t.data_set_id = d.id AND t.tenant_id = d.tenant_id
    WHERE d.tenant_id = ${ctx.tenant} AND d.status = 'AVAILABLE'
      AND d.sinks -> t.sink_index ->> 'kind' = 'features'
      ${ctx.principal ? empty : sql`AND d.open_data`}
      ${identifier === undefined ? empty : sql`AND d.identifier = ${identifier}`}
    ORDER BY d.identifier, t.sink_index`);
  const seen = new Set<number>();
  return rows.map((r) => {
    const first = !seen.has(r.data_set_id);
    seen.add(r.data_set_id);
    return {
      id: first ? r.identifier : `${r.identifier}~${r.sink_index}`,
      dataSetId: r.data_set_id,
      identifier: r.identifier,
      name: r.name,
      description: r.description,
      openData: r.open_data,
      licence: r.licence,
      keywords: Array.isArray(r.keywords) ? r.keywords.map(String) : [],
      bbox: r.xmin === null ? null : [r.xmin, r.ymin!, r.xmax!, r.ymax!],
      interval: r.t_start === null && r.t_end === null ? null : [r.t_start, r.t_end],
      table: r.table_name,
      sinkIndex: r.sink_index,
    };
  });
}

/** One collection by id, or undefined when it does not exist or the caller may not see it. */
export async function findFeatureCollection(
  q: Queryable,
  ctx: RequestContext,
  collectionId: string,
): Promise<FeatureCollectionInfo | undefined> {
  const identifier = collectionId.replace(/~\d+$/, '');
  const all = await listFeatureCollections(q, ctx, identifier);
  return all.find((c) => c.id === collectionId);
}

/** The table layout (property columns) of a collection. */
export function collectionLayout(
  q: Queryable,
  c: FeatureCollectionInfo,
): Promise<FeatureTableLayout | undefined> {
  return readFeatureTableLayout(q, c.table);
}

/** `property = value` on a column; the value already converted to what the column type reads. */
export interface PropertyFilter {
  column: string;
  type: ColumnType;
  value: string | number | boolean;
}

export interface FeatureQuery {
  limit: number;
  offset: number;
  /** Only features with a feature id after this one (the next link's position). */
  after?: string;
  /** [minx, miny, maxx, maxy] in WGS 84 longitude/latitude; minx > maxx crosses the antimeridian. */
  bbox?: [number, number, number, number];
  filters: PropertyFilter[];
  /** `datetime`: the time column within [start, end] (instants with zone; null = open). */
  time?: { column: string; type: ColumnType; start: string | null; end: string | null };
}

export interface FeatureRow {
  fid: string;
  geometry: Record<string, unknown> | null;
  record: Record<string, unknown>;
}

export interface FeaturePage {
  features: FeatureRow[];
  /** True when more features follow the last one. */
  more: boolean;
  /** How many features match, counted on the first page only (it costs a scan). */
  matched?: number;
}

/** A page of features in feature-id order; reads one more row than asked to know whether more follow. */
export async function readFeaturePage(
  q: Queryable,
  table: string,
  query: FeatureQuery,
): Promise<FeaturePage> {
  const where = conditions(query);
  const { rows } = await q.query<FeatureRow>(sql`
    SELECT fid, ST_AsGeoJSON(geom)::jsonb AS geometry, record FROM ${featureTable(table)}
    ${where} ORDER BY fid LIMIT ${query.limit + 1} OFFSET ${query.offset}`);
  const more = rows.length > query.limit;
  const page: FeaturePage = { features: rows.slice(0, query.limit), more };
  if (query.after === undefined) {
    const counted = await q.query<{ n: number }>(
      sql`SELECT count(*)::bigint AS n FROM ${featureTable(table)} ${where}`,
    );
    page.matched = counted.rows[0]!.n;
  }
  return page;
}

/** One feature by id, or undefined. */
export async function readFeature(q: Queryable, table: string, fid: string): Promise<FeatureRow | undefined> {
  const { rows } = await q.query<FeatureRow>(sql`
    SELECT fid, ST_AsGeoJSON(geom)::jsonb AS geometry, record FROM ${featureTable(table)} WHERE fid = ${fid}`);
  return rows[0];
}

function conditions(query: FeatureQuery): Sql {
  const parts: Sql[] = [];
  if (query.after !== undefined) parts.push(sql`fid > ${query.after}`);
  if (query.bbox) parts.push(bboxCondition(query.bbox));
  for (const f of query.filters) parts.push(sql`${ident(f.column)} = ${f.value}::${COLUMN_TYPE_SQL[f.type]}`);
  if (query.time) parts.push(...timeConditions(query.time));
  return parts.length === 0 ? empty : sql`WHERE ${join(parts, ' AND ')}`;
}

function timeConditions(time: NonNullable<FeatureQuery['time']>): Sql[] {
  const column = ident(time.column);
  // A date column compares with the UTC day of the instant.
  const bound = (v: string) =>
    time.type === 'date' ? sql`(${v}::timestamptz AT TIME ZONE 'UTC')::date` : sql`${v}::timestamptz`;
  const out: Sql[] = [];
  if (time.start !== null) out.push(sql`${column} >= ${bound(time.start)}`);
  if (time.end !== null) out.push(sql`${column} <= ${bound(time.end)}`);
  return out;
}

function bboxCondition([minx, miny, maxx, maxy]: [number, number, number, number]): Sql {
  const box = (x1: number, x2: number) =>
    sql`(geom && ST_MakeEnvelope(${x1}, ${miny}, ${x2}, ${maxy}, 4326) AND ST_Intersects(geom, ST_MakeEnvelope(${x1}, ${miny}, ${x2}, ${maxy}, 4326)))`;
  // OGC API – Features §7.15.3: a bbox whose lower longitude is greater than the upper one spans ±180°.
  return minx <= maxx ? box(minx, maxx) : sql`(${box(minx, 180)} OR ${box(-180, maxx)})`;
}
