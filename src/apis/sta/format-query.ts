import type { EntityQuery, ExpandItem, Expr, LiteralExpr } from '../../core/query/ast.ts';

/**
 * EntityQuery → OData query option text, the inverse of parse-odata-query.ts. Used for the `@iot.nextLink`
 * of an expanded collection (18-088 §9.3.3.4), which must repeat the nested $filter, $orderby, $select and
 * $expand or the next page would be a different list. Every operation is parenthesised, so the text parses
 * back to the same tree whatever the precedence.
 */
export function queryOptionEntries(q: EntityQuery): [string, string][] {
  const parts: [string, string][] = [];
  if (q.filter) parts.push(['$filter', formatExpr(q.filter)]);
  if (q.select?.length) parts.push(['$select', q.select.map((p) => p.join('/')).join(',')]);
  if (q.expand?.length) parts.push(['$expand', q.expand.map(formatExpand).join(',')]);
  if (q.orderby?.length) {
    parts.push(['$orderby', q.orderby.map((o) => `${formatExpr(o.expr)} ${o.direction}`).join(',')]);
  }
  if (q.top !== undefined) parts.push(['$top', String(q.top)]);
  if (q.skip !== undefined) parts.push(['$skip', String(q.skip)]);
  if (q.count !== undefined) parts.push(['$count', String(q.count)]);
  return parts;
}

/** A query string, percent-encoded but keeping OData's reserved characters readable, as clients and FROST write them. */
export function encodeQuery(params: URLSearchParams | [string, string][]): string {
  const p = params instanceof URLSearchParams ? params : new URLSearchParams(params);
  return p.toString().replace(/%24|%2F|%28|%29|%2C|%27/g, (m) => decodeURIComponent(m));
}

function formatExpand(item: ExpandItem): string {
  const nested = queryOptionEntries(item.query)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
  return nested ? `${item.path}(${nested})` : item.path;
}

export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return formatLiteral(e);
    case 'path':
      return e.segments.join('/');
    case 'list':
      return `(${e.items.map(formatExpr).join(',')})`;
    case 'call':
      return `${e.name}(${e.args.map(formatExpr).join(',')})`;
    case 'unary':
      return e.op === 'not' ? `(not ${formatExpr(e.operand)})` : `(-${formatExpr(e.operand)})`;
    case 'binary':
      return `(${formatExpr(e.left)} ${e.op} ${formatExpr(e.right)})`;
  }
}

function formatLiteral(l: LiteralExpr): string {
  switch (l.type) {
    case 'string':
      return `'${String(l.value).replaceAll("'", "''")}'`;
    case 'number': {
      const n = l.value as number;
      if (Number.isNaN(n)) return 'NaN';
      if (!Number.isFinite(n)) return n > 0 ? 'INF' : '-INF';
      return String(n);
    }
    case 'duration':
      return `duration'${l.value}'`;
    case 'geometry':
      return l.srid === undefined ? `geometry'${l.value}'` : `geography'SRID=${l.srid};${l.value}'`;
    default:
      // boolean, null, and the date/time types, whose value is their source text.
      return String(l.value);
  }
}
