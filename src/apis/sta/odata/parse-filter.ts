/**
 * Recursive-descent parser for OData boolean/common expressions as used by SensorThings API 1.1
 * `$filter` (OGC 18-088 §9.3.3.5) and `$orderby` (§9.3.3.1). Grammar (a subset of the OData 4.0 ABNF,
 * one rule per precedence level of OData 4.0 Part 2 §5.1.1.9, loosest first; all binary operators are
 * left-associative):
 *
 *   expr     = andExpr *( "or" andExpr )
 *   andExpr  = eqExpr *( "and" eqExpr )
 *   eqExpr   = relExpr *( ( "eq" / "ne" ) relExpr )                 ; Equality
 *   relExpr  = addExpr *( ( "gt" / "ge" / "lt" / "le" ) addExpr )   ; Relational
 *   addExpr  = mulExpr *( ( "add" / "sub" ) mulExpr )
 *   mulExpr  = unary *( ( "mul" / "div" / "mod" ) unary )
 *   unary    = "not" unary / "-" unary / primary [ "in" list ]      ; `in` is OData 4.01, a primary operator
 *   primary  = literal / "(" expr ")" / call / path
 *   call     = identifier "(" [ expr *( "," expr ) ] ")"            ; name checked against FUNCTIONS
 *   list     = "(" expr *( "," expr ) ")"
 *   path     = identifier *( "/" identifier )                      ; identifiers include `@iot.id`
 *   literal  = string / number / date / datetime / interval / time / duration / geo
 *            / "true" / "false" / "null" / "NaN" / "INF"
 *
 * Consequence of the OData table worth knowing: `not` binds tighter than comparisons, so
 * `not a eq b` means `(not a) eq b`; write `not (a eq b)`.
 * Operators and keyword literals are lower case as in the ABNF; function names are matched
 * case-insensitively (they are unambiguous because of the following parenthesis).
 */
import type { BinaryOp, Expr, LiteralExpr, OrderItem } from '../../../core/query/ast.ts';
import { type Ctx, fail, isDe9imPattern, MAX_DEPTH, type Token, TokenStream } from './lexer.ts';

/**
 * Built-in functions, canonical name → [min, max] arguments (18-088 §9.3.3.5.2 table "built-in query
 * functions", plus OData 4.0 `contains`). Argument order as written by the client is kept in the AST:
 * `substringof(needle, haystack)` and `contains(haystack, needle)` mean the same test with swapped
 * arguments; the compiler must honour each function's own order.
 */
export const FUNCTIONS: ReadonlyMap<string, readonly [number, number]> = new Map<string, [number, number]>([
  // string functions
  ['substringof', [2, 2]],
  ['contains', [2, 2]],
  ['endswith', [2, 2]],
  ['startswith', [2, 2]],
  ['length', [1, 1]],
  ['indexof', [2, 2]],
  ['substring', [2, 3]],
  ['tolower', [1, 1]],
  ['toupper', [1, 1]],
  ['trim', [1, 1]],
  ['concat', [2, 2]],
  // date functions
  ['year', [1, 1]],
  ['month', [1, 1]],
  ['day', [1, 1]],
  ['hour', [1, 1]],
  ['minute', [1, 1]],
  ['second', [1, 1]],
  ['fractionalseconds', [1, 1]],
  ['date', [1, 1]],
  ['time', [1, 1]],
  ['totaloffsetminutes', [1, 1]],
  ['now', [0, 0]],
  ['mindatetime', [0, 0]],
  ['maxdatetime', [0, 0]],
  // date-time interval functions (STA 1.1 additions; half-open intervals, see the table)
  ['before', [2, 2]],
  ['after', [2, 2]],
  ['meets', [2, 2]],
  ['during', [2, 2]],
  ['overlaps', [2, 2]],
  ['starts', [2, 2]],
  ['finishes', [2, 2]],
  // math functions
  ['round', [1, 1]],
  ['floor', [1, 1]],
  ['ceiling', [1, 1]],
  // geospatial functions
  ['geo.distance', [2, 2]],
  ['geo.length', [1, 1]],
  ['geo.intersects', [2, 2]],
  // spatial relationship functions (OGC Simple Features)
  ['st_equals', [2, 2]],
  ['st_disjoint', [2, 2]],
  ['st_touches', [2, 2]],
  ['st_within', [2, 2]],
  ['st_overlaps', [2, 2]],
  ['st_crosses', [2, 2]],
  ['st_intersects', [2, 2]],
  ['st_contains', [2, 2]],
  ['st_relate', [3, 3]],
]);

/** Binary operators per precedence level, loosest first. */
const LEVELS: readonly (readonly BinaryOp[])[] = [
  ['or'],
  ['and'],
  ['eq', 'ne'],
  ['gt', 'ge', 'lt', 'le'],
  ['add', 'sub'],
  ['mul', 'div', 'mod'],
];

/** Words that can never start an operand; a property with such a name is reachable only after a `/`. */
const RESERVED = new Set('and or not eq ne gt ge lt le add sub mul div mod in'.split(' '));

const KEYWORD_LITERALS: ReadonlyMap<string, LiteralExpr> = new Map<string, LiteralExpr>([
  ['true', { kind: 'literal', type: 'boolean', value: true }],
  ['false', { kind: 'literal', type: 'boolean', value: false }],
  ['null', { kind: 'literal', type: 'null', value: null }],
  ['NaN', { kind: 'literal', type: 'number', value: Number.NaN }],
  ['INF', { kind: 'literal', type: 'number', value: Number.POSITIVE_INFINITY }],
]);

export class ExprParser {
  readonly ts: TokenStream;
  private depth = 0;

  constructor(text: string, ctx: Ctx) {
    this.ts = new TokenStream(text, ctx);
  }

  /** Parses one full expression, stopping before the first token that cannot continue it. */
  expr(): Expr {
    return this.nested(this.ts.peek(), () => this.binary(0));
  }

  /** Recursion guard: every construct that nests (parentheses, calls, unary chains) goes through here. */
  private nested<T>(at: Token, f: () => T): T {
    if (++this.depth > MAX_DEPTH)
      fail(this.ts.ctx, at.pos, at.text, `expression nested deeper than ${MAX_DEPTH} levels`);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private binary(level: number): Expr {
    const ops = LEVELS[level];
    if (!ops) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.ts.peek();
      const op = ops.find((o) => t.kind === 'ident' && t.text === o);
      if (!op) return left;
      this.ts.next();
      const right = this.binary(level + 1);
      left = { kind: 'binary', op, left, right, pos: t.pos };
    }
  }

  private unary(): Expr {
    const t = this.ts.peek();
    if (this.ts.isWord('not')) {
      this.ts.next();
      return { kind: 'unary', op: 'not', operand: this.nested(t, () => this.unary()), pos: t.pos };
    }
    if (this.ts.isPunct('-')) {
      this.ts.next();
      const operand = this.nested(t, () => this.unary());
      // Fold `-5` into a literal, as the OData ABNF reads a signed number as one literal.
      if (operand.kind === 'literal' && operand.type === 'number' && typeof operand.value === 'number') {
        return { ...operand, value: -operand.value, pos: t.pos };
      }
      return { kind: 'unary', op: 'neg', operand, pos: t.pos };
    }
    const primary = this.primary();
    const inTok = this.ts.peek();
    if (!this.ts.isWord('in')) return primary;
    this.ts.next();
    const open = this.ts.expectPunct('(');
    if (this.ts.isPunct(')')) this.ts.unexpected(this.ts.peek(), 'a value'); // OData 4.01 listExpr: 1+ items
    const items = this.nested(open, () => this.args());
    return {
      kind: 'binary',
      op: 'in',
      left: primary,
      right: { kind: 'list', items, pos: open.pos },
      pos: inTok.pos,
    };
  }

  /** Comma-separated expressions up to and including the closing parenthesis (the `(` is consumed). */
  private args(): Expr[] {
    const items: Expr[] = [];
    if (this.ts.isPunct(')')) {
      this.ts.next();
      return items;
    }
    for (;;) {
      items.push(this.binary(0));
      if (!this.ts.isPunct(',')) break;
      this.ts.next();
    }
    this.ts.expectPunct(')');
    return items;
  }

  private primary(): Expr {
    const t = this.ts.peek();
    if (t.kind === 'literal' && t.literal) {
      this.ts.next();
      return t.literal;
    }
    if (this.ts.isPunct('(')) {
      this.ts.next();
      const inner = this.nested(t, () => this.binary(0));
      this.ts.expectPunct(')');
      return inner;
    }
    if (t.kind !== 'ident' || RESERVED.has(t.text)) this.ts.unexpected(t);
    const keyword = KEYWORD_LITERALS.get(t.text);
    if (keyword) {
      this.ts.next();
      return { ...keyword, pos: t.pos };
    }
    if (this.ts.isPunct('(', 1)) return this.call(t);
    this.ts.next();
    const segments = [t.text];
    while (this.ts.isPunct('/')) {
      this.ts.next();
      const seg = this.ts.peek();
      if (seg.kind !== 'ident') this.ts.unexpected(seg, 'a property name');
      this.ts.next();
      segments.push(seg.text);
    }
    return { kind: 'path', segments, pos: t.pos };
  }

  private call(nameTok: Token): Expr {
    const name = nameTok.text.toLowerCase();
    const arity = FUNCTIONS.get(name);
    const ctx = this.ts.ctx;
    if (!arity) fail(ctx, nameTok.pos, nameTok.text, `unknown function '${nameTok.text}'`);
    this.ts.next();
    const open = this.ts.next();
    const args = this.nested(open, () => this.args());
    const [min, max] = arity;
    if (args.length < min || args.length > max) {
      const want = min === max ? `${min}` : `${min} to ${max}`;
      fail(
        ctx,
        nameTok.pos,
        nameTok.text,
        `function '${name}' takes ${want} argument(s), got ${args.length}`,
      );
    }
    const pattern = args[2];
    if (name === 'st_relate' && pattern?.kind === 'literal') {
      if (typeof pattern.value !== 'string' || pattern.type !== 'string' || !isDe9imPattern(pattern.value)) {
        fail(
          ctx,
          pattern.pos ?? nameTok.pos,
          String(pattern.value),
          'st_relate needs a 9-character DE-9IM pattern',
        );
      }
    }
    return { kind: 'call', name, args, pos: nameTok.pos };
  }
}

/** `$filter` value → expression. */
export function parseFilterIn(text: string, ctx: Ctx): Expr {
  const p = new ExprParser(text, ctx);
  const e = p.expr();
  p.ts.expectEnd();
  return e;
}

/** `$orderby` value: `orderbyItem *( "," orderbyItem )`, orderbyItem = expr [ "asc" / "desc" ] (§9.3.3.1). */
export function parseOrderByIn(text: string, ctx: Ctx): OrderItem[] {
  const p = new ExprParser(text, ctx);
  const items: OrderItem[] = [];
  for (;;) {
    const expr = p.expr();
    let direction: OrderItem['direction'] = 'asc';
    if (p.ts.isWord('asc') || p.ts.isWord('desc')) direction = p.ts.next().text as OrderItem['direction'];
    items.push({ expr, direction });
    if (!p.ts.isPunct(',')) break;
    p.ts.next();
  }
  p.ts.expectEnd();
  return items;
}
