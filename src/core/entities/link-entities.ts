import type { EntityDef, RelationDef } from '../../model/types.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { NotFoundError } from '../errors/not-found.ts';
import { ident, sql } from '../query/sql.ts';
import type { WriteContext } from './context.ts';
import { addLinks, linkOnly, updateParsed } from './update-entity.ts';
import { hooksFor } from './write-hooks.ts';
import {
  decodeRecord,
  emit,
  type FkRelation,
  isJunction,
  readRow,
  requireEntity,
  requireLinked,
} from './write-rows.ts';

/**
 * Association links (`$ref`, OGC 18-088 §9.2.7 / OData 4.01 §11.4.6): POST adds a link to a to-many
 * relation, PUT sets a to-one one, DELETE removes one. The entity in the URL must exist (404); the target
 * given in the body must exist in the same tenant (400, member `@iot.id`).
 */
export async function linkEntities(
  w: WriteContext,
  entity: EntityDef,
  id: number,
  relation: RelationDef,
  targetId: number,
): Promise<void> {
  hooksFor(w).checkLinkChange?.(entity, relation, 'link');
  await requireEntity(w, entity, id);
  await requireLinked(w, w.registry.entity(relation.target), targetId, '@iot.id');
  await addLinks(w, entity, id, relation, [targetId]);
  // fk and inverse links are updates of the entity holding the key and emitted there; junction rows here,
  // on both ends, so subscribers of the navigation set (`Things(1)/Locations`) get the linked entity.
  if (isJunction(relation)) {
    await emitLinkUpdate(w, entity, id, relation);
    const target = w.registry.entity(relation.target);
    const row = await readRow(w, target, targetId);
    if (row) {
      emit(w, target, 'update', targetId, {
        ...decodeRecord(target, row),
        changed: [relation.inverse],
        linkedTo: { entity: entity.name, id, relation: relation.name },
      });
    }
  }
}

/**
 * Removes a link. A required to-one link cannot be removed (400: the entity cannot exist without it);
 * `targetId` names the link to remove from a to-many relation (all links when absent).
 */
export async function unlinkEntities(
  w: WriteContext,
  entity: EntityDef,
  id: number,
  relation: RelationDef,
  targetId?: number,
): Promise<void> {
  hooksFor(w).checkLinkChange?.(entity, relation, 'unlink');
  await requireEntity(w, entity, id);
  if (isJunction(relation)) {
    await unlinkJunction(w, entity, id, relation, targetId);
  } else if (relation.storage.kind === 'fk') {
    await unlinkToOne(w, entity, id, relation as FkRelation, targetId);
  } else {
    await unlinkInverse(w, entity, id, relation, targetId);
  }
}

function notLinked(entity: EntityDef, id: number, relation: RelationDef, targetId: number): NotFoundError {
  return new NotFoundError(`${entity.name} ${id} is not linked to ${relation.target} ${targetId}`, {
    entity: entity.name,
    id,
    relation: relation.name,
  });
}

function requiredLink(entity: EntityDef, relation: RelationDef): BadRequestError {
  return new BadRequestError(`${entity.name}.${relation.name} is required and cannot be unlinked`, {
    field: relation.name,
  });
}

async function unlinkToOne(
  w: WriteContext,
  entity: EntityDef,
  id: number,
  relation: FkRelation,
  targetId: number | undefined,
): Promise<void> {
  if (relation.required) throw requiredLink(entity, relation);
  const row = await readRow(w, entity, id);
  const current = row?.[relation.storage.column] as number | null;
  if (current === null || (targetId !== undefined && current !== targetId)) {
    throw notLinked(entity, id, relation, targetId ?? 0);
  }
  await updateParsed(w, id, linkOnly(entity, relation, null));
}

/** Unlinking a child of an inverse relation clears the child's foreign key (if it may be empty). */
async function unlinkInverse(
  w: WriteContext,
  entity: EntityDef,
  id: number,
  relation: RelationDef,
  targetId: number | undefined,
): Promise<void> {
  const target = w.registry.entity(relation.target);
  const inverse = w.registry.inverseOf(entity, relation) as FkRelation;
  if (inverse.required) throw requiredLink(target, inverse);
  const { rows } = await w.tx.query<{ id: number }>(
    sql`SELECT id FROM ${ident(target.table)} WHERE tenant_id = ${w.tenant}
        AND ${ident(inverse.storage.column)} = ${id} AND (${targetId ?? null}::bigint IS NULL OR id = ${targetId ?? null})`,
  );
  if (targetId !== undefined && rows.length === 0) throw notLinked(entity, id, relation, targetId);
  for (const r of rows) await updateParsed(w, r.id, linkOnly(target, inverse, null));
}

async function unlinkJunction(
  w: WriteContext,
  entity: EntityDef,
  id: number,
  relation: RelationDef & { storage: { kind: 'junction' } },
  targetId: number | undefined,
): Promise<void> {
  const s = relation.storage;
  const { rowCount } = await w.tx.query(
    sql`DELETE FROM ${ident(s.table)} WHERE tenant_id = ${w.tenant} AND ${ident(s.sourceColumn)} = ${id}
        AND (${targetId ?? null}::bigint IS NULL OR ${ident(s.targetColumn)} = ${targetId ?? null})`,
  );
  if (targetId !== undefined && rowCount === 0) throw notLinked(entity, id, relation, targetId);
  await emitLinkUpdate(w, entity, id, relation);
}

async function emitLinkUpdate(
  w: WriteContext,
  entity: EntityDef,
  id: number,
  relation: RelationDef,
): Promise<void> {
  const row = await readRow(w, entity, id);
  if (row) emit(w, entity, 'update', id, { ...decodeRecord(entity, row), changed: [relation.name] });
}
