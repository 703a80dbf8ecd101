import type { OrderItem } from './ast.ts';
import { compileValue } from './compile-filter.ts';
import { type CompileScope, compileScalarPath, type Wrap } from './compile-path.ts';
import { ident, join, type Sql, sql } from './sql.ts';
import { queryError } from './typed-sql.ts';

/**
 * $orderby → ORDER BY items. The entity id is always the last key, so that paging with $skip is stable
 * and every row is visited exactly once.
 */
export function compileOrderBy(scope: CompileScope, items: readonly OrderItem[] | undefined): Sql {
  const keys: Sql[] = [];
  let hasId = false;
  for (const item of items ?? []) {
    const e = item.expr;
    let value: Sql;
    let notNull = false;
    if (e.kind === 'path') {
      const single = e.segments.length === 1 ? e.segments[0] : undefined;
      if (single === 'id' || single === '@iot.id') hasId = true;
      const prop = single ? scope.registry.property(scope.entity, single) : undefined;
      notNull = hasId || (!!prop?.required && !prop.nullable && !prop.readOnly);
      value = compileScalarPath(scope, e).sql;
    } else {
      const wraps: Wrap[] = [];
      value = compileValue(scope, e, wraps).sql;
      if (wraps.length)
        throw queryError({ option: scope.option, pos: e.pos }, 'navigation to a collection cannot order');
    }
    keys.push(orderKey(value, item.direction, notNull));
  }
  // The tie-breaker follows the last key's direction so that an index on (…, time DESC, id DESC) serves
  // the whole ordering (e.g. the latest Observation of a Datastream).
  if (!hasId) keys.push(orderKey(ident(scope.alias, 'id'), items?.at(-1)?.direction ?? 'asc', true));
  return join(keys);
}

/**
 * OData sorts null first in ascending order (OData 4.0 Part 2 §5.1.1.9? $orderby). For columns that cannot
 * be null the plain direction is emitted, which is what lets PostgreSQL walk an index instead of sorting.
 */
function orderKey(value: Sql, direction: 'asc' | 'desc', notNull: boolean): Sql {
  if (notNull) return direction === 'desc' ? sql`${value} DESC` : sql`${value} ASC`;
  return direction === 'desc' ? sql`${value} DESC NULLS LAST` : sql`${value} ASC NULLS FIRST`;
}
