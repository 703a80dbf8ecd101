import type { ModelRegistry } from '../../model/registry.ts';
import type { EntityDef, RelationDef } from '../../model/types.ts';
import { tenantOf } from './relation-join.ts';
import { ident, join, type Sql, sql } from './sql.ts';

/**
 * A resource path as the core sees it: `Things(1)/Datastreams(2)/Observations` is three segments, each an
 * entity set reached from the previous one through a relation, optionally narrowed to one id.
 */
export interface PathSegment {
  entity: EntityDef;
  id?: number;
  /** Relation on the previous segment's entity that leads here (absent for the first segment). */
  via?: RelationDef;
}

/**
 * The condition a row (alias `alias`) of the last segment must meet to be addressed by the path: its id,
 * the tenant, and being related to a row addressed by the path before it (recursively, as EXISTS).
 */
export function compileScope(
  registry: ModelRegistry,
  tenant: string,
  segments: readonly PathSegment[],
  alias: string,
  nextAlias: () => string,
): Sql {
  const last = segments.at(-1)!;
  const conds: Sql[] = [tenantOf(alias, tenant)];
  if (last.id !== undefined) conds.push(sql`${ident(alias, 'id')} = ${last.id}::bigint`);
  if (segments.length > 1 && last.via) {
    const parentSegs = segments.slice(0, -1);
    const parent = parentSegs.at(-1)!;
    const p = nextAlias();
    const link = linkCondition(registry, last.via, p, alias, nextAlias);
    const parentCond = compileScope(registry, tenant, parentSegs, p, nextAlias);
    // Direct key predicates let the planner use the child's foreign-key index.
    if (parent.id !== undefined && last.via.storage.kind === 'inverse') {
      conds.push(sql`${ident(alias, registry.childForeignKey(last.via))} = ${parent.id}::bigint`);
    }
    conds.push(
      sql`EXISTS (SELECT 1 FROM ${ident(parent.entity.table)} AS ${ident(p)}${link.from} WHERE ${parentCond} AND ${link.where})`,
    );
  }
  return join(conds, ' AND ');
}

/** Ties a parent row (alias `p`) to a child row (alias `c`) through `relation` (a relation of the parent). */
function linkCondition(
  registry: ModelRegistry,
  relation: RelationDef,
  p: string,
  c: string,
  nextAlias: () => string,
): { from: Sql; where: Sql } {
  const s = relation.storage;
  if (s.kind === 'fk') return { from: sql``, where: sql`${ident(c, 'id')} = ${ident(p, s.column)}` };
  if (s.kind === 'junction') {
    const l = nextAlias();
    return {
      from: sql`, ${ident(s.table)} AS ${ident(l)}`,
      where: sql`${ident(l, s.sourceColumn)} = ${ident(p, 'id')} AND ${ident(l, s.targetColumn)} = ${ident(c, 'id')}`,
    };
  }
  // inverse: the child holds the foreign key.
  return { from: sql``, where: sql`${ident(c, registry.childForeignKey(relation))} = ${ident(p, 'id')}` };
}
