/**
 * Storage-agnostic query AST shared by the query languages of the platform (SensorThings/OData `$filter`,
 * later NGSI-LD `q` and CQL2). Parsers produce it, compilers (SQL, in-memory matchers for MQTT
 * subscriptions) consume it. It deliberately knows nothing about tables or columns: a `path` is the name
 * chain as the client wrote it and is resolved against an entity model by the compiler.
 *
 * Every node may carry `pos`, the 0-based offset in the option text it came from, so that later phases
 * (type checks, unknown properties) can report errors at the same place a syntax error would be reported.
 */

/** Kinds of literal values. Temporal and geometry literals keep their source text (see `LiteralExpr`). */
export type LiteralType =
  | 'string'
  | 'number'
  | 'boolean'
  | 'null'
  | 'datetime'
  | 'interval'
  | 'date'
  | 'time'
  | 'duration'
  | 'geometry';

/**
 * A constant. `value` is
 * - `string` for `string`, and the ISO 8601 source text for `datetime` (always with a zone, e.g.
 *   `2010-06-01T00:00:00.000Z`, `…+02:00`), `interval` (`start/end`, two such date-times), `date`
 *   (`2010-06-01`), `time` (`12:00:00`) and `duration` (`P1DT3H`); kept as text so no precision or
 *   offset is lost before the compiler sees it;
 * - WKT text for `geometry` (without any `SRID=n;` prefix; the SRID goes to `srid`);
 * - a JS number for `number` (`NaN`/`Infinity` possible), with `isInteger` set when the source was an
 *   integer literal that fits a safe integer;
 * - a boolean for `boolean`, `null` for `null`.
 */
export interface LiteralExpr {
  kind: 'literal';
  type: LiteralType;
  value: string | number | boolean | null;
  isInteger?: boolean;
  /** Spatial reference of a `geometry` literal when known (explicit `SRID=`, or implied by the syntax). */
  srid?: number;
  pos?: number;
}

/** A property path, e.g. `['Datastream', 'Thing', 'name']`, `['properties', 'owner', 'name']`, `['@iot.id']`. */
export interface PathExpr {
  kind: 'path';
  segments: string[];
  pos?: number;
}

export type ComparisonOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type LogicalOp = 'and' | 'or';
export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'mod';
/** `in`: membership test; its right operand is always a `list`. */
export type BinaryOp = ComparisonOp | LogicalOp | ArithmeticOp | 'in';

/** A binary operation. `pos` is the operator's position. */
export interface BinaryExpr {
  kind: 'binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
  pos?: number;
}

/** `not` (logical negation) or `neg` (arithmetic negation, unary minus). */
export interface UnaryExpr {
  kind: 'unary';
  op: 'not' | 'neg';
  operand: Expr;
  pos?: number;
}

/** A function call; `name` is the canonical lower-case name, e.g. `substringof`, `st_within`, `geo.distance`. */
export interface CallExpr {
  kind: 'call';
  name: string;
  args: Expr[];
  pos?: number;
}

/** A parenthesised list of values, the right operand of `in`. */
export interface ListExpr {
  kind: 'list';
  items: Expr[];
  pos?: number;
}

export type Expr = LiteralExpr | PathExpr | BinaryExpr | UnaryExpr | CallExpr | ListExpr;

/** One sort key. */
export interface OrderItem {
  expr: Expr;
  direction: 'asc' | 'desc';
}

/** One expanded navigation property (a single segment); deeper levels live in `query.expand`. */
export interface ExpandItem {
  path: string;
  query: EntityQuery;
}

/**
 * The query options that apply to one entity set (top level or one expand level). All members are
 * optional: absent means "not given", so a compiler can apply its own defaults (e.g. server `$top`).
 */
export interface EntityQuery {
  filter?: Expr;
  /** Selected properties as paths, e.g. `[['id'], ['properties', 'owner']]`, in request order. */
  select?: string[][];
  expand?: ExpandItem[];
  orderby?: OrderItem[];
  top?: number;
  skip?: number;
  count?: boolean;
  /** Response encoding requested by the client, e.g. `dataArray` (STA); only meaningful at the top level. */
  resultFormat?: string;
}
