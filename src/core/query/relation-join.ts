import type { ModelRegistry } from '../../model/registry.ts';
import type { EntityDef, RelationDef } from '../../model/types.ts';
import { ident, type Sql, sql } from './sql.ts';

/**
 * How rows of a relation's target relate to a parent row, whatever the storage (foreign key on either side
 * or a link table). Filters, navigation paths and $expand all build on this one function.
 */
export interface RelationJoin {
  target: EntityDef;
  /** FROM items for the target (aliased `childAlias`), including a link table when there is one. */
  from: Sql;
  /** Condition tying the child rows to `parentKey` (an SQL expression yielding the parent's id). */
  where: Sql;
}

/**
 * `parentAlias` is the parent's table alias; the condition references `parentAlias.id` or the fk column.
 * `linkAlias` names the link table for junction relations.
 */
export function relationJoin(
  registry: ModelRegistry,
  relation: RelationDef,
  parentAlias: string,
  childAlias: string,
): RelationJoin {
  const target = registry.entity(relation.target);
  const s = relation.storage;
  const child = sql`${ident(target.table)} AS ${ident(childAlias)}`;
  if (s.kind === 'fk') {
    return { target, from: child, where: sql`${ident(childAlias, 'id')} = ${ident(parentAlias, s.column)}` };
  }
  if (s.kind === 'inverse') {
    const fk = registry.childForeignKey(relation);
    return { target, from: child, where: sql`${ident(childAlias, fk)} = ${ident(parentAlias, 'id')}` };
  }
  const link = `${childAlias}_l`;
  return {
    target,
    from: sql`${ident(s.table)} AS ${ident(link)} JOIN ${child} ON ${ident(childAlias, 'id')} = ${ident(link, s.targetColumn)}`,
    where: sql`${ident(link, s.sourceColumn)} = ${ident(parentAlias, 'id')}`,
  };
}

/** Same, but keyed by a set of parent ids (`parentIds` an SQL expression of type bigint). */
export function relationJoinToKey(
  registry: ModelRegistry,
  relation: RelationDef,
  parentKey: Sql,
  childAlias: string,
): RelationJoin & { parentKeyOf: Sql } {
  const target = registry.entity(relation.target);
  const s = relation.storage;
  const child = sql`${ident(target.table)} AS ${ident(childAlias)}`;
  if (s.kind === 'fk') throw new Error('relationJoinToKey is for to-many relations');
  if (s.kind === 'inverse') {
    const fk = ident(childAlias, registry.childForeignKey(relation));
    return { target, from: child, where: sql`${fk} = ${parentKey}`, parentKeyOf: fk };
  }
  const link = `${childAlias}_l`;
  return {
    target,
    from: sql`${ident(s.table)} AS ${ident(link)} JOIN ${child} ON ${ident(childAlias, 'id')} = ${ident(link, s.targetColumn)}`,
    where: sql`${ident(link, s.sourceColumn)} = ${parentKey}`,
    parentKeyOf: ident(link, s.sourceColumn),
  };
}

/** Tenant condition for an alias: every query on every table carries it. */
export function tenantOf(alias: string, tenant: string): Sql {
  return sql`${ident(alias, 'tenant_id')} = ${tenant}`;
}
