import type { CallExpr, Expr } from './ast.ts';
import type { CompileScope } from './compile-path.ts';
import { type Sql, sql } from './sql.ts';
import { coerce, queryError, type Typed, type ValueType } from './typed-sql.ts';

/**
 * The built-in functions of 18-088 §9.3.3.5.2 (string, date, math, geospatial, spatial relationship) as
 * PostgreSQL/PostGIS expressions. Argument order follows the standard: substringof(needle, haystack),
 * contains(haystack, needle) (OData 4.0).
 */
interface FunctionDef {
  returns: ValueType;
  args: ValueType[];
  build(a: Sql[]): Sql;
}

const ST = (fn: Sql): FunctionDef => ({
  returns: 'boolean',
  args: ['geometry', 'geometry'],
  build: ([a, b]) => sql`${fn}(${a}, ${b})`,
});
const DATEPART = (part: Sql): FunctionDef => ({
  returns: 'number',
  args: ['datetime'],
  build: ([a]) => sql`EXTRACT(${part} FROM ${a})::numeric`,
});

const FUNCTIONS: Record<string, FunctionDef> = {
  substringof: {
    returns: 'boolean',
    args: ['string', 'string'],
    build: ([n, h]) => sql`(strpos(${h}, ${n}) > 0)`,
  },
  contains: {
    returns: 'boolean',
    args: ['string', 'string'],
    build: ([h, n]) => sql`(strpos(${h}, ${n}) > 0)`,
  },
  endswith: {
    returns: 'boolean',
    args: ['string', 'string'],
    build: ([a, b]) => sql`(right(${a}, length(${b})) = ${b})`,
  },
  startswith: {
    returns: 'boolean',
    args: ['string', 'string'],
    build: ([a, b]) => sql`starts_with(${a}, ${b})`,
  },
  length: { returns: 'number', args: ['string'], build: ([a]) => sql`char_length(${a})::numeric` },
  indexof: {
    returns: 'number',
    args: ['string', 'string'],
    build: ([a, b]) => sql`(strpos(${a}, ${b}) - 1)::numeric`,
  },
  tolower: { returns: 'string', args: ['string'], build: ([a]) => sql`lower(${a})` },
  toupper: { returns: 'string', args: ['string'], build: ([a]) => sql`upper(${a})` },
  trim: { returns: 'string', args: ['string'], build: ([a]) => sql`btrim(${a})` },
  concat: { returns: 'string', args: ['string', 'string'], build: ([a, b]) => sql`(${a} || ${b})` },
  year: DATEPART(sql`YEAR`),
  month: DATEPART(sql`MONTH`),
  day: DATEPART(sql`DAY`),
  hour: DATEPART(sql`HOUR`),
  minute: DATEPART(sql`MINUTE`),
  second: {
    returns: 'number',
    args: ['datetime'],
    build: ([a]) => sql`floor(EXTRACT(SECOND FROM ${a}))::numeric`,
  },
  fractionalseconds: {
    returns: 'number',
    args: ['datetime'],
    build: ([a]) => sql`(EXTRACT(SECOND FROM ${a}) - floor(EXTRACT(SECOND FROM ${a})))::numeric`,
  },
  date: { returns: 'date', args: ['datetime'], build: ([a]) => sql`((${a}) AT TIME ZONE 'UTC')::date` },
  time: { returns: 'time', args: ['datetime'], build: ([a]) => sql`((${a}) AT TIME ZONE 'UTC')::time` },
  // Stored instants are UTC: the offset of every value is 0.
  totaloffsetminutes: {
    returns: 'number',
    args: ['datetime'],
    build: ([a]) => sql`(CASE WHEN ${a} IS NULL THEN NULL ELSE 0 END)::numeric`,
  },
  now: { returns: 'datetime', args: [], build: () => sql`now()` },
  mindatetime: { returns: 'datetime', args: [], build: () => sql`'-infinity'::timestamptz` },
  maxdatetime: { returns: 'datetime', args: [], build: () => sql`'infinity'::timestamptz` },
  round: { returns: 'number', args: ['number'], build: ([a]) => sql`round(${a})` },
  floor: { returns: 'number', args: ['number'], build: ([a]) => sql`floor(${a})` },
  ceiling: { returns: 'number', args: ['number'], build: ([a]) => sql`ceiling(${a})` },
  'geo.distance': {
    returns: 'number',
    args: ['geometry', 'geometry'],
    build: ([a, b]) => sql`ST_Distance(${a}, ${b})::numeric`,
  },
  'geo.length': { returns: 'number', args: ['geometry'], build: ([a]) => sql`ST_Length(${a})::numeric` },
  'geo.intersects': ST(sql`ST_Intersects`),
  st_equals: ST(sql`ST_Equals`),
  st_disjoint: ST(sql`ST_Disjoint`),
  st_touches: ST(sql`ST_Touches`),
  st_within: ST(sql`ST_Within`),
  st_overlaps: ST(sql`ST_Overlaps`),
  st_crosses: ST(sql`ST_Crosses`),
  st_intersects: ST(sql`ST_Intersects`),
  st_contains: ST(sql`ST_Contains`),
  st_relate: {
    returns: 'boolean',
    args: ['geometry', 'geometry', 'string'],
    build: ([a, b, p]) => sql`ST_Relate(${a}, ${b}, ${p})`,
  },
};

/** Interval relations (STA 1.1 temporal functions, Allen's algebra); an instant is a zero-length interval. */
const INTERVAL_RELATIONS: Record<string, (a: { s: Sql; e: Sql }, b: { s: Sql; e: Sql }) => Sql> = {
  before: (a, b) => sql`(${a.e} < ${b.s})`,
  after: (a, b) => sql`(${a.s} > ${b.e})`,
  meets: (a, b) => sql`(${a.e} = ${b.s} OR ${b.e} = ${a.s})`,
  during: (a, b) => sql`(${a.s} >= ${b.s} AND ${a.e} <= ${b.e})`,
  overlaps: (a, b) => sql`(${a.s} < ${b.e} AND ${a.e} > ${b.s})`,
  starts: (a, b) => sql`(${a.s} = ${b.s})`,
  finishes: (a, b) => sql`(${a.e} = ${b.e})`,
};

function intervalRelation(scope: CompileScope, call: CallExpr, compileArg: (e: Expr) => Typed): Typed {
  const bounds = (e: Expr) => {
    const v = compileArg(e);
    if (v.type === 'interval') return { s: v.start!, e: v.end! };
    const t = coerce(v, 'datetime', { option: scope.option, pos: e.pos ?? call.pos });
    return { s: t, e: t };
  };
  const [a, b] = call.args as [Expr, Expr];
  return { sql: INTERVAL_RELATIONS[call.name]!(bounds(a), bounds(b)), type: 'boolean' };
}

export function compileCall(scope: CompileScope, call: CallExpr, compileArg: (e: Expr) => Typed): Typed {
  if (call.name === 'substring') return substring(scope, call, compileArg);
  if (call.name in INTERVAL_RELATIONS) return intervalRelation(scope, call, compileArg);
  const def = FUNCTIONS[call.name];
  const site = { option: scope.option, pos: call.pos, token: call.name };
  if (!def) throw queryError(site, `unknown function ${call.name}`);
  if (call.args.length !== def.args.length) {
    throw queryError(site, `${call.name} takes ${def.args.length} argument(s)`);
  }
  const compiled = call.args.map((a, i) => {
    const v = compileArg(a);
    return coerce(v, def.args[i]!, { option: scope.option, pos: a.pos ?? call.pos });
  });
  return { sql: def.build(compiled), type: def.returns };
}

function substring(scope: CompileScope, call: CallExpr, compileArg: (e: Expr) => Typed): Typed {
  const s = (e: Expr, t: ValueType) =>
    coerce(compileArg(e), t, { option: scope.option, pos: e.pos ?? call.pos });
  const [str, from, len] = call.args as [Expr, Expr, Expr | undefined];
  // OData positions are 0-based, SQL's substr 1-based.
  if (!len) return { sql: sql`substr(${s(str, 'string')}, (${s(from, 'number')})::int + 1)`, type: 'string' };
  return {
    sql: sql`substr(${s(str, 'string')}, (${s(from, 'number')})::int + 1, (${s(len, 'number')})::int)`,
    type: 'string',
  };
}
