import type { EntityDef, RelationDef } from '../../model/types.ts';
import type { QueryResult, Row } from '../../store/store.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { NotFoundError } from '../errors/not-found.ts';
import type { ChangeEvent } from '../events/change-feed.ts';
import { ident, join, type Sql, sql } from '../query/sql.ts';
import { type ColumnValue, decodeProperty, selectColumns } from './codec.ts';
import type { WriteContext } from './context.ts';

/**
 * Row-level building blocks of the write path, shared by the generic writer (write-entities.ts) and the
 * SensorThings rules (core/sensing). Every statement is scoped to `w.tenant`; all SQL goes through sql.ts.
 */

export type FkRelation = RelationDef & { storage: { kind: 'fk'; column: string } };
export type JunctionRelation = RelationDef & {
  storage: { kind: 'junction'; table: string; sourceColumn: string; targetColumn: string };
};

export function fkRelations(entity: EntityDef): FkRelation[] {
  return entity.relations.filter((r): r is FkRelation => r.storage.kind === 'fk');
}

export function isJunction(r: RelationDef): r is JunctionRelation {
  return r.storage.kind === 'junction';
}

/** Select list of a whole record: id, every property (codec), every to-one foreign key. */
export function recordSelect(entity: EntityDef, alias: string): Sql {
  const cols = [ident(alias, 'id'), ...entity.properties.flatMap((p) => selectColumns(alias, p))];
  for (const r of fkRelations(entity)) cols.push(ident(alias, r.storage.column));
  return join(cols);
}

/** The wire form of a row selected with `recordSelect`: properties and to-one link ids. */
export function decodeRecord(
  entity: EntityDef,
  row: Row,
): { record: Record<string, unknown>; links: Record<string, number | null> } {
  const record: Record<string, unknown> = {};
  for (const p of entity.properties) record[p.name] = decodeProperty(p, row);
  const links: Record<string, number | null> = {};
  for (const r of fkRelations(entity)) links[r.name] = (row[r.storage.column] as number | null) ?? null;
  return { record, links };
}

/** Properties and to-one links whose wire value differs between two rows of an entity. */
export function changedMembers(entity: EntityDef, before: Row, after: Row): string[] {
  const a = decodeRecord(entity, before);
  const b = decodeRecord(entity, after);
  const changed = entity.properties
    .filter((p) => JSON.stringify(a.record[p.name]) !== JSON.stringify(b.record[p.name]))
    .map((p) => p.name);
  for (const name of Object.keys(a.links)) if (a.links[name] !== b.links[name]) changed.push(name);
  return changed;
}

/** Queues a change event for publication after commit. */
export function emit(
  w: WriteContext,
  entity: EntityDef,
  op: ChangeEvent['op'],
  id: number,
  extra: Partial<Pick<ChangeEvent, 'record' | 'links' | 'changed' | 'linkedTo'>> = {},
): void {
  w.events.push({ model: w.registry.model.name, tenant: w.tenant, entity: entity.name, id, op, ...extra });
}

/**
 * Runs an INSERT/UPDATE that writes `columns`. PostGIS still rejects some GeoJSON the codec accepts
 * (XX000 "… GeoJSON …"); that is the client's fault, so it becomes a 400 naming the geometry member.
 */
export async function queryWrite(
  w: WriteContext,
  q: Sql,
  entity: EntityDef,
  columns: readonly ColumnValue[],
  field: string,
): Promise<QueryResult> {
  try {
    return await w.tx.query(q);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code !== 'XX000' || !/geojson/i.test(e.message ?? '')) throw err;
    const written = new Set(columns.map((c) => c.column));
    const p = entity.properties.find((x) => x.type === 'geometry' && written.has(x.column));
    const f = p ? (field ? `${field}.${p.name}` : p.name) : field;
    throw new BadRequestError(`${f} is not a valid GeoJSON geometry: ${e.message}`, { field: f });
  }
}

/** Inserts one row (properties + foreign keys) and queues its create event; returns the new id. */
export async function insertRow(
  w: WriteContext,
  entity: EntityDef,
  columns: readonly ColumnValue[],
  fks: Record<string, number | null>,
  field = '',
): Promise<number> {
  const cols: Sql[] = [ident('tenant_id')];
  const vals: Sql[] = [sql`${w.tenant}`];
  for (const c of columns) {
    cols.push(ident(c.column));
    vals.push(c.value);
  }
  for (const r of fkRelations(entity)) {
    if (fks[r.name] === undefined) continue;
    cols.push(ident(r.storage.column));
    vals.push(sql`${fks[r.name]}`);
  }
  const { rows } = await queryWrite(
    w,
    sql`INSERT INTO ${ident(entity.table)} AS t (${join(cols)}) VALUES (${join(vals)})
        RETURNING ${recordSelect(entity, 't')}`,
    entity,
    columns,
    field,
  );
  const row = rows[0]!;
  const id = row.id as number;
  emit(w, entity, 'create', id, decodeRecord(entity, row));
  return id;
}

/** The current row of an entity in this tenant (record select), or undefined. */
export async function readRow(
  w: WriteContext,
  entity: EntityDef,
  id: number,
  lock = false,
): Promise<Row | undefined> {
  const forUpdate = lock ? sql` FOR UPDATE` : sql``;
  const { rows } = await w.tx.query(
    sql`SELECT ${recordSelect(entity, 't')} FROM ${ident(entity.table)} AS t
        WHERE t.tenant_id = ${w.tenant} AND t.id = ${id}${forUpdate}`,
  );
  return rows[0];
}

/** Which of `ids` exist as `entity` in this tenant. */
export async function existingIds(
  w: WriteContext,
  entity: EntityDef,
  ids: readonly number[],
): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const { rows } = await w.tx.query<{ id: number }>(
    sql`SELECT id FROM ${ident(entity.table)} WHERE tenant_id = ${w.tenant} AND id = ANY(${ids}::bigint[])`,
  );
  return new Set(rows.map((r) => r.id));
}

/** An entity named by the request URL: 404 when it does not exist in this tenant. */
export async function requireEntity(w: WriteContext, entity: EntityDef, id: number): Promise<void> {
  if ((await existingIds(w, entity, [id])).size === 0) {
    throw new NotFoundError(`${entity.name} ${id} does not exist`, { entity: entity.name, id });
  }
}

/**
 * An entity linked from a request body by @iot.id: a 400 naming the member when it does not exist in this
 * tenant (the body is wrong, not the URL). Entities of other tenants are indistinguishable from missing ones.
 */
export async function requireLinked(
  w: WriteContext,
  entity: EntityDef,
  id: number,
  field: string,
): Promise<void> {
  if ((await existingIds(w, entity, [id])).size === 0) {
    throw new BadRequestError(`${field}: ${entity.name} ${id} does not exist`, { field });
  }
}

/** Adds junction rows `source → targets` (existing links are kept). Returns the targets newly linked. */
export async function insertJunctionLinks(
  w: WriteContext,
  r: JunctionRelation,
  sourceId: number,
  targetIds: readonly number[],
): Promise<number[]> {
  if (targetIds.length === 0) return [];
  const s = r.storage;
  const { rows } = await w.tx.query<{ id: number }>(
    sql`INSERT INTO ${ident(s.table)} (tenant_id, ${ident(s.sourceColumn)}, ${ident(s.targetColumn)})
        SELECT ${w.tenant}, ${sourceId}, t FROM unnest(${[...targetIds]}::bigint[]) AS t
        ON CONFLICT DO NOTHING RETURNING ${ident(s.targetColumn)} AS id`,
  );
  return rows.map((x) => x.id);
}
