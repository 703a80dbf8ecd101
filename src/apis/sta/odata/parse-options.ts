/**
 * `$select`, `$expand` and the dispatch of one system query option to its parser (OGC 18-088 §9.3.2,
 * §9.3.3). Grammar:
 *
 *   select     = selectItem *( "," selectItem )
 *   selectItem = identifier *( "/" identifier )        ; `id`, `@iot.id`, `properties/owner`
 *   expand     = expandItem *( "," expandItem )
 *   expandItem = navProp *( "/" navProp ) [ "(" option *( ";" option ) ")" ]
 *   option     = "$" optionName "=" value              ; value ends at the next ";" or ")" that is
 *                                                      ; outside quotes and parentheses
 *
 * `$select` paths into complex properties follow OData 4.01 (`$select=properties/owner`), which
 * FROST-Server supports too. `$expand=Datastreams/Observations` is a shorthand for
 * `Datastreams($expand=Observations)`; items for the same navigation property are merged, so
 * `Datastreams/Sensor,Datastreams/ObservedProperty` is one Datastreams item with two nested expands.
 * Nested option values are parsed in place, so every error position is an offset in the `$expand` text.
 */
import type { EntityQuery, ExpandItem } from '../../../core/query/ast.ts';
import { type Ctx, clip, fail, MAX_DEPTH, readName, TokenStream, wordAt } from './lexer.ts';
import { parseFilterIn, parseOrderByIn } from './parse-filter.ts';

export function parseSelectIn(text: string, ctx: Ctx): string[][] {
  const ts = new TokenStream(text, ctx);
  const items: string[][] = [];
  for (;;) {
    const path: string[] = [];
    for (;;) {
      const t = ts.peek();
      if (t.kind !== 'ident') ts.unexpected(t, 'a property name');
      ts.next();
      path.push(t.text);
      if (!ts.isPunct('/')) break;
      ts.next();
    }
    items.push(path);
    if (!ts.isPunct(',')) break;
    ts.next();
  }
  ts.expectEnd();
  return items;
}

function nonNegativeInteger(value: string, ctx: Ctx): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    fail(ctx, 0, value, `expected a non-negative integer, got '${clip(value)}'`);
  }
  return n;
}

/**
 * Parses one system query option into `query`. Returns false for an option name this level does not
 * know (the caller reports it where the name stands); `$resultFormat` exists only at the top level
 * (the dataArray format of the 18-088 Data Array extension). Option names are matched
 * case-insensitively, as OData 4.01 allows.
 */
export function applyOption(
  query: EntityQuery,
  name: string,
  value: string,
  ctx: Ctx,
  depth: number,
  nested: boolean,
): boolean {
  switch (name.toLowerCase()) {
    case '$filter':
      query.filter = parseFilterIn(value, ctx);
      return true;
    case '$select':
      query.select = parseSelectIn(value, ctx);
      return true;
    case '$expand':
      query.expand = parseExpandIn(value, ctx, depth);
      return true;
    case '$orderby':
      query.orderby = parseOrderByIn(value, ctx);
      return true;
    case '$top':
      query.top = nonNegativeInteger(value, ctx);
      return true;
    case '$skip':
      query.skip = nonNegativeInteger(value, ctx);
      return true;
    case '$count':
      if (value !== 'true' && value !== 'false')
        fail(ctx, 0, value, `expected true or false, got '${clip(value)}'`);
      query.count = value === 'true';
      return true;
    case '$resultformat':
      if (nested) return false;
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(value))
        fail(ctx, 0, value, `invalid result format '${clip(value)}'`);
      query.resultFormat = value;
      return true;
    default:
      return false;
  }
}

/** A cursor over raw `$expand` text; `$expand` is scanned by hand because option values are kept as text. */
class Scanner {
  i = 0;
  constructor(
    readonly text: string,
    readonly ctx: Ctx,
  ) {}

  skipSpace(): void {
    while (this.text[this.i] === ' ') this.i++;
  }

  unexpected(expected: string): never {
    if (this.i >= this.text.length)
      fail(this.ctx, this.i, '', `unexpected end of input, expected ${expected}`);
    const word = wordAt(this.text, this.i);
    fail(this.ctx, this.i, word, `unexpected token '${clip(word)}', expected ${expected}`);
  }

  /** Index of the `;` or `)` that ends the option value starting at `from`, or the text length. */
  valueEnd(from: number): number {
    let depth = 0;
    for (let i = from; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === "'") {
        // Skip a quoted string; '' inside it is an escaped quote and simply restarts the skip.
        const close = this.text.indexOf("'", i + 1);
        if (close < 0) return this.text.length;
        i = close;
      } else if (c === '(') depth++;
      else if (c === ')' && depth-- === 0) return i;
      else if (c === ';' && depth === 0) return i;
    }
    return this.text.length;
  }
}

export function parseExpandIn(text: string, ctx: Ctx, depth: number): ExpandItem[] {
  const s: Scanner = new Scanner(text, ctx);
  const items: ExpandItem[] = [];
  for (;;) {
    s.skipSpace();
    const start = s.i;
    const segments: string[] = [];
    for (;;) {
      const name = readName(text, s.i);
      if (name === null) s.unexpected('a navigation property');
      if (depth + segments.length >= MAX_DEPTH)
        fail(ctx, s.i, name, `$expand nested deeper than ${MAX_DEPTH} levels`);
      segments.push(name);
      s.i += name.length;
      if (text[s.i] !== '/') break;
      s.i++;
    }
    let item: ExpandItem = { path: segments.at(-1)!, query: {} };
    if (text[s.i] === '(') item.query = expandOptions(s, depth + segments.length);
    for (let k = segments.length - 2; k >= 0; k--) item = { path: segments[k]!, query: { expand: [item] } };
    mergeItem(items, item, ctx, start);
    s.skipSpace();
    if (s.i >= text.length) return items;
    if (text[s.i] !== ',') s.unexpected("',' or '('");
    s.i++;
  }
}

/** `( option *( ";" option ) )` after an expanded navigation property; `s.i` is at the `(`. */
function expandOptions(s: Scanner, depth: number): EntityQuery {
  const query: EntityQuery = {};
  const seen = new Set<string>();
  s.i++;
  for (;;) {
    s.skipSpace();
    const namePos = s.i;
    const name = /^\$[A-Za-z]+/.exec(s.text.slice(s.i, s.i + 40))?.[0];
    if (!name) s.unexpected('a query option such as $select');
    s.i += name.length;
    if (s.text[s.i] !== '=') s.unexpected("'='");
    const from = ++s.i;
    s.i = s.valueEnd(from);
    if (seen.has(name.toLowerCase())) fail(s.ctx, namePos, name, `duplicate option '${name}'`);
    seen.add(name.toLowerCase());
    const value = s.text.slice(from, s.i);
    const ctx = { option: s.ctx.option, offset: s.ctx.offset + from, terminator: s.text.charAt(s.i) };
    if (!applyOption(query, name, value, ctx, depth, true)) {
      fail(s.ctx, namePos, name, `unknown option '${clip(name)}' in $expand`);
    }
    if (s.text[s.i] === ')') {
      s.i++;
      return query;
    }
    if (s.text[s.i] !== ';') s.unexpected("';' or ')'");
    s.i++;
  }
}

function mergeItem(items: ExpandItem[], item: ExpandItem, ctx: Ctx, pos: number): void {
  const same = items.find((x) => x.path === item.path);
  if (!same) {
    items.push(item);
    return;
  }
  const into = same.query;
  const from = item.query;
  for (const key of ['filter', 'orderby', 'top', 'skip', 'count', 'resultFormat'] as const) {
    if (from[key] === undefined) continue;
    // Two different filters (or page sizes) for one navigation property cannot both hold.
    if (into[key] !== undefined) fail(ctx, pos, item.path, `conflicting options for expanded '${item.path}'`);
    Object.assign(into, { [key]: from[key] });
  }
  if (from.select) into.select = [...(into.select ?? []), ...from.select];
  if (from.expand) {
    into.expand ??= [];
    for (const sub of from.expand) mergeItem(into.expand, sub, ctx, pos);
  }
}
