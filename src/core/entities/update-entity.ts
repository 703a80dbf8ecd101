import type { EntityDef, RelationDef } from '../../model/types.ts';
import type { Row } from '../../store/store.ts';
import { NotFoundError } from '../errors/not-found.ts';
import { ident, join, type Sql, sql } from '../query/sql.ts';
import type { ColumnValue } from './codec.ts';
import type { WriteContext } from './context.ts';
import { type ParsedEntity, type UpdateMode, validateUpdate } from './validate-body.ts';
import { hooksFor } from './write-hooks.ts';
import {
  changedMembers,
  decodeRecord,
  emit,
  type FkRelation,
  insertJunctionLinks,
  isJunction,
  queryWrite,
  readRow,
  recordSelect,
  requireLinked,
} from './write-rows.ts';

/**
 * Updates (OGC 18-088 §10.3): PATCH merges the given properties, PUT replaces all writable ones; links may
 * change (`{"Thing": {"@iot.id": 5}}`), related entities' properties may not. One 'update' event per entity.
 */
export async function updateEntity(
  w: WriteContext,
  entity: EntityDef,
  id: number,
  body: unknown,
  mode: UpdateMode,
): Promise<void> {
  const parsed = validateUpdate(w.registry, entity, id, body, mode);
  const hooks = hooksFor(w);
  for (const name of [...parsed.toOne.keys(), ...parsed.toMany.keys()]) {
    hooks.checkLinkChange?.(entity, w.registry.relation(entity, name)!, 'link');
  }
  await updateParsed(w, id, parsed);
}

/** A parsed update that only sets (or clears) one to-one link. */
export function linkOnly(entity: EntityDef, relation: RelationDef, targetId: number | null): ParsedEntity {
  const value = targetId === null ? null : { kind: 'link' as const, id: targetId, field: relation.name };
  return {
    entity,
    field: '',
    values: {},
    columns: [],
    toOne: new Map([[relation.name, value]]),
    toMany: new Map(),
  };
}

/** Writes a validated update of `parsed.entity` `id`: properties, to-one links, then added to-many links. */
export async function updateParsed(w: WriteContext, id: number, parsed: ParsedEntity): Promise<void> {
  const { entity } = parsed;
  const before = await readRow(w, entity, id, true);
  if (!before) throw new NotFoundError(`${entity.name} ${id} does not exist`, { entity: entity.name, id });
  const hooks = hooksFor(w);
  await hooks.beforeUpdate?.(w, parsed, id, before);
  const sets = [...parsed.columns, ...(await toOneAssignments(w, parsed))];
  const after = sets.length > 0 ? await writeColumns(w, parsed, id, sets) : before;
  const linked: string[] = [];
  for (const [name, values] of parsed.toMany) {
    const r = w.registry.relation(entity, name)!;
    const target = w.registry.entity(r.target);
    const links = values.flatMap((v) => (v.kind === 'link' ? [v] : []));
    for (const v of links) await requireLinked(w, target, v.id, v.field);
    await addLinks(
      w,
      entity,
      id,
      r,
      links.map((v) => v.id),
    );
    linked.push(name);
  }
  emit(w, entity, 'update', id, {
    ...decodeRecord(entity, after),
    changed: [...changedMembers(entity, before, after), ...linked],
  });
  await hooks.afterUpdate?.(w, entity, id, before, after);
}

async function toOneAssignments(w: WriteContext, parsed: ParsedEntity): Promise<ColumnValue[]> {
  const sets: ColumnValue[] = [];
  for (const [name, v] of parsed.toOne) {
    const r = w.registry.relation(parsed.entity, name) as FkRelation;
    if (v?.kind === 'link') await requireLinked(w, w.registry.entity(r.target), v.id, v.field);
    sets.push({ column: r.storage.column, value: sql`${v?.kind === 'link' ? v.id : null}` });
  }
  return sets;
}

async function writeColumns(
  w: WriteContext,
  parsed: ParsedEntity,
  id: number,
  sets: ColumnValue[],
): Promise<Row> {
  const { entity } = parsed;
  const assignments: Sql[] = sets.map((c) => sql`${ident(c.column)} = ${c.value}`);
  const { rows } = await queryWrite(
    w,
    sql`UPDATE ${ident(entity.table)} AS t SET ${join(assignments)}
        WHERE t.tenant_id = ${w.tenant} AND t.id = ${id} RETURNING ${recordSelect(entity, 't')}`,
    entity,
    sets,
    parsed.field,
  );
  return rows[0]!;
}

/**
 * Links existing `targetIds` to `entity(id)` through `relation` (targets already checked): junction rows are
 * added (then the model's afterLinked rule runs), an inverse relation moves the targets' foreign key to `id`,
 * a to-one relation sets this entity's foreign key.
 */
export async function addLinks(
  w: WriteContext,
  entity: EntityDef,
  id: number,
  relation: RelationDef,
  targetIds: readonly number[],
): Promise<void> {
  if (targetIds.length === 0) return;
  if (isJunction(relation)) {
    await insertJunctionLinks(w, relation, id, targetIds);
    await hooksFor(w).afterLinked?.(w, entity, id, relation, targetIds);
    return;
  }
  if (relation.storage.kind === 'fk') {
    await updateParsed(w, id, linkOnly(entity, relation, targetIds[0]!));
    return;
  }
  const target = w.registry.entity(relation.target);
  const inverse = w.registry.inverseOf(entity, relation);
  for (const t of targetIds) await updateParsed(w, t, linkOnly(target, inverse, id));
}
