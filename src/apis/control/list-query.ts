import { BadRequestError } from '../../core/errors/bad-request.ts';
import type { EntityQuery, Expr, OrderItem } from '../../core/query/ast.ts';

/**
 * The list parameters of the control plane (`page`, `size`, `sort`, `q`, `name`) as the core's query AST,
 * so the same read path (and the same SQL compiler) serves them as serves SensorThings.
 */
export interface ListParams {
  page: number;
  size: number;
  sort?: string;
  q?: string;
  name?: string;
}

export interface ListSpec {
  /** Wire names a client may sort by (`name`, `-createdAt`). */
  sortable: readonly string[];
  /** Members `q` searches, case-insensitively, as substrings. */
  searchable: readonly string[];
  /** Order when no `sort` is given. */
  defaultSort?: string;
}

export const DEFAULT_SIZE = 20;
export const MAX_SIZE = 500;
/** `sort`: comma-separated names, each optionally prefixed by `-` for descending. */
export const SORT_PATTERN = '^-?[A-Za-z][A-Za-z0-9]*(,-?[A-Za-z][A-Za-z0-9]*)*$';

const path = (name: string): Expr => ({ kind: 'path', segments: [name] });
const str = (value: string): Expr => ({ kind: 'literal', type: 'string', value });

/** `member eq 'value'`. */
export function eqFilter(member: string, value: string): Expr {
  return { kind: 'binary', op: 'eq', left: path(member), right: str(value) };
}

export function parseSort(sort: string, spec: ListSpec): OrderItem[] {
  return sort.split(',').map((key) => {
    const desc = key.startsWith('-');
    const name = desc ? key.slice(1) : key;
    if (!spec.sortable.includes(name)) {
      throw new BadRequestError(`sort: ${name} is not sortable; use one of ${spec.sortable.join(', ')}`, {
        field: 'sort',
      });
    }
    return { expr: path(name), direction: desc ? 'desc' : 'asc' };
  });
}

/** `q`: any searchable member contains the text, ignoring case. */
function searchFilter(q: string, spec: ListSpec): Expr {
  const needle = str(q.toLowerCase());
  const matches = spec.searchable.map(
    (m): Expr => ({
      kind: 'call',
      name: 'contains',
      args: [{ kind: 'call', name: 'tolower', args: [path(m)] }, needle],
    }),
  );
  return matches.reduce((a, b) => ({ kind: 'binary', op: 'or', left: a, right: b }));
}

function and(filters: Expr[]): Expr | undefined {
  return filters.reduce<Expr | undefined>(
    (a, b) => (a ? { kind: 'binary', op: 'and', left: a, right: b } : b),
    undefined,
  );
}

/** List parameters → EntityQuery (always counted: a page carries `total`). `extra` narrows further. */
export function toEntityQuery(params: ListParams, spec: ListSpec, extra: Expr[] = []): EntityQuery {
  const filters = [...extra];
  if (params.name !== undefined) filters.push(eqFilter('name', params.name));
  if (params.q !== undefined && params.q !== '') filters.push(searchFilter(params.q, spec));
  const sort = params.sort ?? spec.defaultSort;
  const query: EntityQuery = { top: params.size, skip: (params.page - 1) * params.size, count: true };
  const filter = and(filters);
  if (filter) query.filter = filter;
  if (sort) query.orderby = parseSort(sort, spec);
  return query;
}
