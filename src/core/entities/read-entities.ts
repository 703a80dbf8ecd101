import type { ModelRegistry } from '../../model/registry.ts';
import type { EntityDef, PropertyDef } from '../../model/types.ts';
import type { Queryable } from '../../store/store.ts';
import { NotFoundError } from '../errors/not-found.ts';
import type { EntityQuery, ExpandItem } from '../query/ast.ts';
import { compileFilter } from '../query/compile-filter.ts';
import { compileOrderBy } from '../query/compile-orderby.ts';
import { aliasGenerator, type CompileScope } from '../query/compile-path.ts';
import { compileScope, type PathSegment } from '../query/compile-scope.ts';
import { relationJoinToKey, tenantOf } from '../query/relation-join.ts';
import { ident, join, type Sql, sql } from '../query/sql.ts';
import { queryError } from '../query/typed-sql.ts';
import { decodeProperty } from './codec.ts';
import type { RequestContext } from './context.ts';
import type { EntityRecord, ExpandedCollection } from './entity-record.ts';
import { recordSelect } from './write-rows.ts';

/**
 * The read path shared by every API: resource path + query options → a bounded number of parameterised
 * statements (one for the page, one per $expand level, one per requested count) → EntityRecords.
 */
export interface ReadOptions {
  /** Page size when the client gives no $top. */
  defaultTop: number;
  /** Largest page a client may ask for. */
  maxTop: number;
  /** Above this many rows (planner estimate), $count is reported as an estimate. 0 = always exact. */
  countEstimateAbove: number;
}

export interface CollectionResult {
  records: EntityRecord[];
  count?: number;
  countIsEstimate?: boolean;
  hasMore: boolean;
  top: number;
  skip: number;
}

export interface ReadDeps {
  db: Queryable;
  registry: ModelRegistry;
  options: ReadOptions;
}

/** A page of the collection addressed by `segments`, with $filter/$orderby/$top/$skip/$count/$expand. */
export async function readCollection(
  deps: ReadDeps,
  ctx: RequestContext,
  segments: readonly PathSegment[],
  query: EntityQuery,
): Promise<CollectionResult> {
  const entity = segments.at(-1)!.entity;
  // Things(1)/Datastreams of a Thing 1 that does not exist (here, or under its own parent) is a 404, not [].
  if (segments.length > 1) await readEntity(deps, ctx, segments.slice(0, -1), { select: [['id']] });
  const nextAlias = aliasGenerator();
  const scope: CompileScope = {
    registry: deps.registry,
    tenant: ctx.tenant,
    entity,
    alias: 't',
    option: '$filter',
    nextAlias,
  };
  const where = [compileScope(deps.registry, ctx.tenant, segments, 't', nextAlias)];
  if (query.filter) where.push(compileFilter(scope, query.filter));
  const cond = join(where, ' AND ');
  const top = pageSize(deps.options, query.top);
  const skip = query.skip ?? 0;
  const order = compileOrderBy({ ...scope, option: '$orderby' }, query.orderby);
  const { rows } = await deps.db.query(
    sql`SELECT ${recordSelect(entity, 't')} FROM ${ident(entity.table)} AS t WHERE ${cond}
        ORDER BY ${order} LIMIT ${top + 1}::bigint OFFSET ${skip}::bigint`,
  );
  const records = rows.slice(0, top).map((r) => toRecord(entity, r, query));
  await expandAll(deps, ctx, entity, records, query.expand);
  const result: CollectionResult = { records, hasMore: rows.length > top, top, skip };
  if (query.count) Object.assign(result, await countRows(deps, entity, cond));
  return result;
}

/** One entity addressed by `segments` (the last one carries the id, or is reached through a to-one). */
export async function readEntity(
  deps: ReadDeps,
  ctx: RequestContext,
  segments: readonly PathSegment[],
  query: EntityQuery,
): Promise<EntityRecord> {
  const entity = segments.at(-1)!.entity;
  const nextAlias = aliasGenerator();
  const cond = compileScope(deps.registry, ctx.tenant, segments, 't', nextAlias);
  const { rows } = await deps.db.query(
    sql`SELECT ${recordSelect(entity, 't')} FROM ${ident(entity.table)} AS t WHERE ${cond} LIMIT 1`,
  );
  if (!rows[0]) throw new NotFoundError(notFoundMessage(segments));
  const record = toRecord(entity, rows[0], query);
  await expandAll(deps, ctx, entity, [record], query.expand);
  return record;
}

function notFoundMessage(segments: readonly PathSegment[]): string {
  const path = segments.map((s) =>
    s.id === undefined ? (s.via?.name ?? s.entity.setName) : `${s.via?.name ?? s.entity.setName}(${s.id})`,
  );
  const last = segments.at(-1)!;
  return last.id !== undefined && segments.length === 1
    ? `${last.entity.name} ${last.id} does not exist`
    : `Nothing exists at ${path.join('/')}`;
}

function pageSize(o: ReadOptions, top: number | undefined): number {
  if (top === undefined) return o.defaultTop;
  return Math.min(top, o.maxTop);
}

function selectedProperties(entity: EntityDef, query: EntityQuery): { props: PropertyDef[]; nav: string[] } {
  if (!query.select || query.select.length === 0) {
    return { props: [...entity.properties], nav: entity.relations.map((r) => r.name) };
  }
  const names = new Set(query.select.map((p) => p[0]!));
  const props = entity.properties.filter((p) => names.has(p.name));
  const nav = entity.relations.filter((r) => names.has(r.name)).map((r) => r.name);
  for (const n of names) {
    if (n !== 'id' && n !== '@iot.id' && !props.some((p) => p.name === n) && !nav.includes(n)) {
      throw queryError({ option: '$select', token: n }, `${n} is not a property of ${entity.name}`);
    }
  }
  return { props, nav };
}

function toRecord(entity: EntityDef, row: Record<string, unknown>, query: EntityQuery): EntityRecord {
  const { props, nav } = selectedProperties(entity, query);
  const record: EntityRecord = {
    entity,
    id: Number(row.id),
    props: {},
    links: {},
    expanded: {},
    navigation: nav,
  };
  for (const p of props) record.props[p.name] = decodeProperty(p, row);
  if (query.select?.length && !query.select.some((p) => p[0] === 'id' || p[0] === '@iot.id'))
    record.hideId = true;
  for (const r of entity.relations) {
    if (r.storage.kind === 'fk') record.links[r.name] = (row[r.storage.column] as number | null) ?? null;
  }
  return record;
}

async function countRows(
  deps: ReadDeps,
  entity: EntityDef,
  cond: Sql,
): Promise<{ count: number; countIsEstimate?: boolean }> {
  const countSql = sql`SELECT count(*) AS n FROM ${ident(entity.table)} AS t WHERE ${cond}`;
  if (deps.options.countEstimateAbove > 0) {
    // The planner's row estimate of the plain scan (not of count(*), whose plan may be a parallel
    // aggregate whose top nodes count partial results, not rows).
    const { rows } = await deps.db.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(
      sql`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${ident(entity.table)} AS t WHERE ${cond}`,
    );
    const estimate = rows[0]?.['QUERY PLAN']?.[0]?.Plan?.['Plan Rows'] ?? 0;
    if (estimate > deps.options.countEstimateAbove)
      return { count: Math.round(estimate), countIsEstimate: true };
  }
  const { rows } = await deps.db.query<{ n: number }>(countSql);
  return { count: rows[0]?.n ?? 0 };
}

/** One statement per expanded relation per level, whatever the number of parent records. */
async function expandAll(
  deps: ReadDeps,
  ctx: RequestContext,
  entity: EntityDef,
  parents: EntityRecord[],
  items: readonly ExpandItem[] | undefined,
): Promise<void> {
  if (!items || parents.length === 0) return;
  for (const item of items) {
    const rel = deps.registry.relation(entity, item.path);
    if (!rel)
      throw queryError(
        { option: '$expand', token: item.path },
        `${item.path} is not a navigation property of ${entity.name}`,
      );
    if (rel.storage.kind === 'fk') await expandToOne(deps, ctx, rel.target, rel.name, parents, item.query);
    else await expandToMany(deps, ctx, entity, rel.name, parents, item.query);
  }
}

async function expandToOne(
  deps: ReadDeps,
  ctx: RequestContext,
  targetName: string,
  relName: string,
  parents: EntityRecord[],
  query: EntityQuery,
): Promise<void> {
  const target = deps.registry.entity(targetName);
  const ids = [...new Set(parents.map((p) => p.links[relName]).filter((x): x is number => x != null))];
  const byId = new Map<number, EntityRecord>();
  if (ids.length > 0) {
    const nextAlias = aliasGenerator();
    const scope: CompileScope = {
      registry: deps.registry,
      tenant: ctx.tenant,
      entity: target,
      alias: 'c',
      option: '$expand',
      nextAlias,
    };
    const where = [tenantOf('c', ctx.tenant), sql`c.id = ANY(${ids}::bigint[])`];
    if (query.filter) where.push(compileFilter(scope, query.filter));
    const { rows } = await deps.db.query(
      sql`SELECT ${recordSelect(target, 'c')} FROM ${ident(target.table)} AS c WHERE ${join(where, ' AND ')}`,
    );
    for (const r of rows) byId.set(Number(r.id), toRecord(target, r, query));
    await expandAll(deps, ctx, target, [...byId.values()], query.expand);
  }
  for (const p of parents) {
    const id = p.links[relName];
    p.expanded[relName] = id == null ? null : (byId.get(id) ?? null);
  }
}

async function expandToMany(
  deps: ReadDeps,
  ctx: RequestContext,
  entity: EntityDef,
  relName: string,
  parents: EntityRecord[],
  query: EntityQuery,
): Promise<void> {
  const rel = deps.registry.relation(entity, relName)!;
  const join_ = relationJoinToKey(deps.registry, rel, sql`p.pid`, 'c');
  const target = join_.target;
  const nextAlias = aliasGenerator();
  const scope: CompileScope = {
    registry: deps.registry,
    tenant: ctx.tenant,
    entity: target,
    alias: 'c',
    option: '$expand',
    nextAlias,
  };
  const where = [join_.where, tenantOf('c', ctx.tenant)];
  if (query.filter) where.push(compileFilter({ ...scope, option: '$filter' }, query.filter));
  const cond = join(where, ' AND ');
  const top = pageSize(deps.options, query.top);
  const skip = query.skip ?? 0;
  const order = compileOrderBy({ ...scope, option: '$orderby' }, query.orderby);
  const ids = parents.map((p) => p.id);
  // LATERAL: per parent an index-ordered, limited scan (e.g. the latest Observation of every Datastream).
  const { rows } = await deps.db.query(
    sql`SELECT p.pid AS urbs_parent, x.* FROM unnest(${ids}::bigint[]) AS p(pid)
        CROSS JOIN LATERAL (SELECT ${recordSelect(target, 'c')} FROM ${join_.from} WHERE ${cond}
          ORDER BY ${order} LIMIT ${top + 1}::bigint OFFSET ${skip}::bigint) AS x`,
  );
  const groups = new Map<number, EntityRecord[]>(ids.map((id) => [id, []]));
  for (const r of rows) groups.get(Number(r.urbs_parent))!.push(toRecord(target, r, query));
  let counts: Map<number, number> | undefined;
  if (query.count) {
    const res = await deps.db.query<{ pid: number; n: number }>(
      sql`SELECT p.pid, (SELECT count(*) FROM ${join_.from} WHERE ${cond}) AS n FROM unnest(${ids}::bigint[]) AS p(pid)`,
    );
    counts = new Map(res.rows.map((r) => [Number(r.pid), Number(r.n)]));
  }
  const all: EntityRecord[] = [];
  for (const p of parents) {
    const list = groups.get(p.id) ?? [];
    const page: ExpandedCollection = {
      records: list.slice(0, top),
      hasMore: list.length > top,
      top,
      skip,
      query,
    };
    if (counts) page.count = counts.get(p.id) ?? 0;
    p.expanded[relName] = page;
    all.push(...page.records);
  }
  await expandAll(deps, ctx, target, all, query.expand);
}
