import type { BinaryExpr, CallExpr, Expr, LiteralExpr } from './ast.ts';
import { compileCall } from './compile-functions.ts';
import { type CompileScope, compilePath, type Wrap } from './compile-path.ts';
import { type Sql, sql } from './sql.ts';
import { coerce, queryError, type Typed, type ValueType } from './typed-sql.ts';

/**
 * $filter (and any boolean expression of the query AST) → a parameterised SQL condition.
 * Every literal is a bound value; every identifier comes from the model via compilePath.
 */
export function compileFilter(scope: CompileScope, expr: Expr): Sql {
  return compileBoolean(scope, expr);
}

/** A boolean node: collects the navigation wraps of its operands and applies them around itself. */
function compileBoolean(scope: CompileScope, expr: Expr): Sql {
  if (expr.kind === 'binary' && (expr.op === 'and' || expr.op === 'or')) {
    const l = compileBoolean(scope, expr.left);
    const r = compileBoolean(scope, expr.right);
    return expr.op === 'and' ? sql`(${l} AND ${r})` : sql`(${l} OR ${r})`;
  }
  if (expr.kind === 'unary' && expr.op === 'not')
    return sql`(NOT COALESCE(${compileBoolean(scope, expr.operand)}, false))`;
  const wraps: Wrap[] = [];
  const v = compileValue(scope, expr, wraps);
  let cond = coerce(v, 'boolean', site(scope, expr));
  for (const w of wraps.reverse()) cond = w(cond);
  return cond;
}

function site(scope: CompileScope, e: Expr) {
  return { option: scope.option, pos: e.pos };
}

/** Any expression to a typed SQL value; navigation hops are pushed onto `wraps`. */
export function compileValue(scope: CompileScope, expr: Expr, wraps: Wrap[]): Typed {
  switch (expr.kind) {
    case 'literal':
      return compileLiteral(expr);
    case 'path':
      return compilePath(scope, expr, wraps);
    case 'call':
      return compileCall(scope, expr as CallExpr, (e) => compileValue(scope, e, wraps));
    case 'unary':
      if (expr.op === 'neg') {
        return {
          sql: sql`(- ${coerce(compileValue(scope, expr.operand, wraps), 'number', site(scope, expr))})`,
          type: 'number',
        };
      }
      return { sql: compileBoolean(scope, expr), type: 'boolean' };
    case 'binary':
      return compileBinary(scope, expr, wraps);
    case 'list':
      throw queryError(site(scope, expr), 'a list is only allowed after in');
  }
}

export function compileLiteral(l: LiteralExpr): Typed {
  switch (l.type) {
    case 'string':
      return { sql: sql`${l.value}::text`, type: 'string' };
    case 'number':
      if (typeof l.value === 'number' && !Number.isFinite(l.value)) {
        return {
          sql: sql`${String(l.value === Number.POSITIVE_INFINITY ? 'Infinity' : l.value === Number.NEGATIVE_INFINITY ? '-Infinity' : 'NaN')}::float8::numeric`,
          type: 'number',
        };
      }
      return { sql: sql`${String(l.value)}::numeric`, type: 'number' };
    case 'boolean':
      return { sql: sql`${l.value}::boolean`, type: 'boolean' };
    case 'null':
      return { sql: sql`NULL`, type: 'null' };
    case 'datetime':
      return { sql: sql`${l.value}::timestamptz`, type: 'datetime' };
    case 'date':
      return { sql: sql`${l.value}::date`, type: 'date' };
    case 'time':
      return { sql: sql`${l.value}::time`, type: 'time' };
    case 'duration':
      return { sql: sql`${l.value}::interval`, type: 'duration' };
    case 'interval': {
      const [a, b] = String(l.value).split('/');
      const start = sql`${a}::timestamptz`;
      const end = sql`${b}::timestamptz`;
      return { sql: start, type: 'interval', start, end };
    }
    case 'geometry':
      return { sql: sql`ST_GeomFromText(${l.value}, ${l.srid ?? 4326}::int)`, type: 'geometry' };
  }
}

const CMP: Record<string, Sql> = {
  eq: sql`=`,
  ne: sql`<>`,
  gt: sql`>`,
  ge: sql`>=`,
  lt: sql`<`,
  le: sql`<=`,
};
const ARITH: Record<string, Sql> = { add: sql`+`, sub: sql`-`, mul: sql`*`, div: sql`/`, mod: sql`%` };

function compileBinary(scope: CompileScope, e: BinaryExpr, wraps: Wrap[]): Typed {
  if (e.op === 'and' || e.op === 'or') return { sql: compileBoolean(scope, e), type: 'boolean' };
  const l = compileValue(scope, e.left, wraps);
  if (e.op === 'in') {
    if (e.right.kind !== 'list') throw queryError(site(scope, e), 'in needs a list');
    const items = e.right.items.map((i) => compileValue(scope, i, wraps));
    return {
      sql: sql`(${items.map((i) => compareSql(scope, e, l, i, 'eq')).reduce((a, b) => sql`${a} OR ${b}`)})`,
      type: 'boolean',
    };
  }
  const r = compileValue(scope, e.right, wraps);
  if (e.op in ARITH) return arithmetic(scope, e, l, r);
  return { sql: compareSql(scope, e, l, r, e.op), type: 'boolean' };
}

function arithmetic(scope: CompileScope, e: BinaryExpr, l: Typed, r: Typed): Typed {
  const s = site(scope, e);
  const op = ARITH[e.op]!;
  // Date arithmetic: datetime ± duration, datetime - datetime.
  if ((l.type === 'datetime' || l.type === 'interval') && (e.op === 'add' || e.op === 'sub')) {
    if (r.type === 'duration')
      return { sql: sql`(${coerce(l, 'datetime', s)} ${op} ${r.sql})`, type: 'datetime' };
    if (e.op === 'sub' && (r.type === 'datetime' || r.type === 'interval')) {
      return { sql: sql`(${coerce(l, 'datetime', s)} - ${coerce(r, 'datetime', s)})`, type: 'duration' };
    }
  }
  if (l.type === 'duration' && r.type === 'duration' && (e.op === 'add' || e.op === 'sub')) {
    return { sql: sql`(${l.sql} ${op} ${r.sql})`, type: 'duration' };
  }
  const a = coerce(l, 'number', s);
  const b = coerce(r, 'number', s);
  // Division by zero yields NULL (no match) instead of failing the request.
  if (e.op === 'div' || e.op === 'mod') return { sql: sql`(${a} ${op} NULLIF(${b}, 0))`, type: 'number' };
  return { sql: sql`(${a} ${op} ${b})`, type: 'number' };
}

/** The comparison type for two operands: a concrete type wins over JSON (JSON is coerced to it). */
function commonType(l: Typed, r: Typed): ValueType {
  const concrete = (t: ValueType) => t !== 'json' && t !== 'null';
  if (l.type === 'interval' || r.type === 'interval') return 'interval';
  if (l.type === 'date' && r.type === 'datetime') return 'datetime';
  if (concrete(l.type)) return l.type;
  if (concrete(r.type)) return r.type;
  return l.type === 'null' && r.type === 'null' ? 'null' : 'json';
}

function compareSql(scope: CompileScope, e: Expr, l: Typed, r: Typed, op: string): Sql {
  const s = site(scope, e);
  if (l.type === 'null' || r.type === 'null') {
    const other = l.type === 'null' ? r : l;
    const isNull =
      other.type === 'json'
        ? sql`(${other.sql} IS NULL OR ${other.sql} = 'null'::jsonb)`
        : sql`(${other.sql} IS NULL)`;
    if (op === 'eq') return isNull;
    if (op === 'ne') return sql`(NOT ${isNull})`;
    throw queryError(s, `null can only be compared with eq or ne`);
  }
  const t = commonType(l, r);
  if (t === 'interval') return compareIntervals(s, l, r, op);
  if (t === 'geometry') {
    if (op !== 'eq' && op !== 'ne') throw queryError(s, 'geometries can only be compared with eq or ne');
    const eq = sql`ST_Equals(${coerce(l, t, s)}, ${coerce(r, t, s)})`;
    return op === 'eq' ? eq : sql`(NOT ${eq})`;
  }
  return sql`(${coerce(l, t, s)} ${CMP[op]!} ${coerce(r, t, s)})`;
}

/**
 * Comparisons involving time intervals (18-088 §9.3.3.5.2: "time interval" semantics as FROST implements
 * them): a gt b when a starts after b ends; a lt b when a ends before b starts; eq when both ends match.
 */
function compareIntervals(
  s: { option: string; pos?: number | undefined },
  l: Typed,
  r: Typed,
  op: string,
): Sql {
  const start = (v: Typed) => (v.type === 'interval' ? v.start! : coerce(v, 'datetime', s));
  const end = (v: Typed) => (v.type === 'interval' ? v.end! : coerce(v, 'datetime', s));
  switch (op) {
    case 'eq':
      return sql`(${start(l)} = ${start(r)} AND ${end(l)} = ${end(r)})`;
    case 'ne':
      return sql`(${start(l)} <> ${start(r)} OR ${end(l)} <> ${end(r)})`;
    case 'gt':
      return sql`(${start(l)} > ${end(r)})`;
    case 'ge':
      return sql`(${start(l)} >= ${end(r)})`;
    // start <= end always, so the extra condition on the start changes nothing but lets an index on the
    // start column bound the scan (e.g. "phenomenonTime lt T" on one Datastream's Observations).
    case 'lt':
      return sql`(${start(l)} < ${start(r)} AND ${end(l)} < ${start(r)})`;
    default:
      return sql`(${start(l)} <= ${start(r)} AND ${end(l)} <= ${start(r)})`;
  }
}
