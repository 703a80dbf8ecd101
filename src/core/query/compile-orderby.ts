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
    if (e.kind === 'path') {
      if (e.segments.length === 1 && (e.segments[0] === 'id' || e.segments[0] === '@iot.id')) hasId = true;
      value = compileScalarPath(scope, e).sql;
    } else {
      const wraps: Wrap[] = [];
      value = compileValue(scope, e, wraps).sql;
      if (wraps.length)
        throw queryError({ option: scope.option, pos: e.pos }, 'navigation to a collection cannot order');
    }
    keys.push(item.direction === 'desc' ? sql`${value} DESC NULLS LAST` : sql`${value} ASC NULLS FIRST`);
  }
  if (!hasId) keys.push(sql`${ident(scope.alias, 'id')} ASC`);
  return join(keys);
}
