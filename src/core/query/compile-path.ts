import type { ModelRegistry } from '../../model/registry.ts';
import type { EntityDef, PropertyDef } from '../../model/types.ts';
import type { PathExpr } from './ast.ts';
import { relationJoin, tenantOf } from './relation-join.ts';
import { ident, type Sql, sql } from './sql.ts';
import { queryError, type Typed } from './typed-sql.ts';

/** What compilers share while turning one query option into SQL. */
export interface CompileScope {
  registry: ModelRegistry;
  tenant: string;
  entity: EntityDef;
  alias: string;
  option: string;
  /** Fresh table aliases for subqueries. */
  nextAlias(): string;
}

/** A condition that must hold for some related row: `EXISTS (SELECT 1 FROM … WHERE … AND <cond>)`. */
export type Wrap = (cond: Sql) => Sql;

export function aliasGenerator(prefix = 'q'): () => string {
  let n = 0;
  return () => `${prefix}${n++}`;
}

/** The typed SQL of a property on `alias`. */
export function propertyValue(alias: string, p: PropertyDef): Typed {
  const col = ident(alias, p.column);
  switch (p.type) {
    case 'string':
      return { sql: col, type: 'string' };
    case 'json':
    case 'any':
    case 'jsonArray':
      return { sql: col, type: 'json' };
    case 'geometry':
      return { sql: col, type: 'geometry' };
    case 'time':
      return { sql: col, type: 'datetime' };
    case 'boolean':
      return { sql: col, type: 'boolean' };
    case 'integer':
      return { sql: col, type: 'number' };
    case 'timeInterval':
    case 'timeObject': {
      const start = ident(alias, `${p.column}_start`);
      const end = sql`COALESCE(${ident(alias, `${p.column}_end`)}, ${start})`;
      return { sql: start, type: 'interval', start, end };
    }
  }
}

/**
 * Resolves a path (`name`, `properties/owner/name`, `Datastream/Thing/name`, `Datastreams/name`) on the
 * scope's entity. Navigation adds a wrap per hop (EXISTS over the related rows), so to-one and to-many
 * hops read the same way: "some related row satisfies the condition".
 */
export function compilePath(scope: CompileScope, path: PathExpr, wraps: Wrap[]): Typed {
  let entity = scope.entity;
  let alias = scope.alias;
  const segs = path.segments;
  const site = { option: scope.option, pos: path.pos, token: segs.join('/') };
  for (let i = 0; i < segs.length; i++) {
    const name = segs[i]!;
    if (name === 'id' || name === '@iot.id') {
      if (i !== segs.length - 1) throw queryError(site, `${name} has no members`);
      return { sql: ident(alias, 'id'), type: 'number' };
    }
    const prop = scope.registry.property(entity, name);
    if (prop) {
      const value = propertyValue(alias, prop);
      const rest = segs.slice(i + 1);
      if (rest.length === 0) return value;
      if (value.type !== 'json') throw queryError(site, `${entity.name}.${name} has no member ${rest[0]}`);
      return { sql: sql`(${value.sql} #> ${rest}::text[])`, type: 'json' };
    }
    const rel = scope.registry.relation(entity, name);
    if (!rel) throw queryError(site, `${name} is not a property of ${entity.name}`);
    const child = scope.nextAlias();
    const join = relationJoin(scope.registry, rel, alias, child);
    const parentWhere = join.where;
    wraps.push(
      (cond) =>
        sql`EXISTS (SELECT 1 FROM ${join.from} WHERE ${parentWhere} AND ${tenantOf(child, scope.tenant)} AND ${cond})`,
    );
    entity = join.target;
    alias = child;
  }
  throw queryError(site, `${segs.join('/')} names an entity, not a value`);
}

/**
 * A path as a single value for $orderby / $select: only properties and to-one hops, as scalar subqueries.
 */
export function compileScalarPath(scope: CompileScope, path: PathExpr): Typed {
  const wraps: Wrap[] = [];
  const inner = compilePath(scope, path, wraps);
  if (wraps.length === 0) return inner;
  // Re-resolve with scalar subqueries: every hop must be to-one.
  let entity = scope.entity;
  let alias = scope.alias;
  const hops: Array<{ from: Sql; where: Sql; alias: string }> = [];
  for (const name of path.segments) {
    const rel = scope.registry.relation(entity, name);
    if (!rel) break;
    if (rel.many) {
      throw queryError(
        { option: scope.option, pos: path.pos, token: path.segments.join('/') },
        `${name} is a collection and cannot be used here`,
      );
    }
    const child = scope.nextAlias();
    const join = relationJoin(scope.registry, rel, alias, child);
    hops.push({ from: join.from, where: join.where, alias: child });
    entity = join.target;
    alias = child;
  }
  const last = compilePath(
    { ...scope, entity, alias },
    { ...path, segments: path.segments.slice(hops.length) },
    [],
  );
  let value = last.sql;
  for (const h of hops.reverse()) {
    value = sql`(SELECT ${value} FROM ${h.from} WHERE ${h.where} LIMIT 1)`;
  }
  return { ...last, sql: value, start: undefined, end: undefined };
}
