/**
 * Entry point of the SensorThings API 1.1 query-option parser (OGC 18-088 §9.3, built on the OData 4.0
 * URL conventions). Turns `$filter $select $expand $orderby $top $skip $count $resultFormat` into the
 * storage-agnostic `EntityQuery` of `core/query/ast.ts`; it knows nothing about entity types, so whether
 * `Datastream/Thing/name` exists is checked later by whoever resolves paths.
 *
 * Every failure is a `QuerySyntaxError` (HTTP 400) naming the option, the 0-based position in the option
 * value and the offending token; input is bounded (MAX_OPTION_LENGTH characters, MAX_DEPTH nesting) so
 * no request can exhaust the stack. The grammars are documented in `odata/parse-filter.ts` and
 * `odata/parse-options.ts`, the tokens in `odata/lexer.ts`.
 */
import type { EntityQuery, ExpandItem, Expr, OrderItem } from '../../core/query/ast.ts';
import { type Ctx, checkLength, clip, fail } from './odata/lexer.ts';
import { parseFilterIn, parseOrderByIn } from './odata/parse-filter.ts';
import { applyOption, parseExpandIn, parseSelectIn } from './odata/parse-options.ts';

export { MAX_DEPTH, MAX_OPTION_LENGTH } from './odata/lexer.ts';
export { FUNCTIONS } from './odata/parse-filter.ts';

function start(text: string, option: string): Ctx {
  const ctx = { option, offset: 0 };
  checkLength(text, ctx);
  return ctx;
}

/** Parses a `$filter` value (18-088 §9.3.3.5). `option` names the option in error messages. */
export function parseFilter(text: string, option = '$filter'): Expr {
  return parseFilterIn(text, start(text, option));
}

/** Parses an `$orderby` value (§9.3.3.1): comma-separated expressions, each optionally `asc`/`desc`. */
export function parseOrderBy(text: string, option = '$orderby'): OrderItem[] {
  return parseOrderByIn(text, start(text, option));
}

/** Parses a `$select` value (§9.3.2.2) into property paths, e.g. `id,properties/owner` → `[['id'], ['properties', 'owner']]`. */
export function parseSelect(text: string, option = '$select'): string[][] {
  return parseSelectIn(text, start(text, option));
}

/** Parses an `$expand` value (§9.3.2.1) with nested options, slash paths and merging of repeated items. */
export function parseExpand(text: string, option = '$expand'): ExpandItem[] {
  return parseExpandIn(text, start(text, option), 0);
}

/**
 * Query string parameters as `URLSearchParams` or as a parsed object; arrays (what Fastify produces for a
 * repeated parameter) are accepted so that a repeated option is reported instead of silently merged.
 */
export type QueryParams = URLSearchParams | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Parses all system query options of a request. Parameters not starting with `$` are ignored (they belong
 * to other layers, e.g. an API key); unknown or repeated `$` options are rejected, because silently
 * ignoring a misspelt `$fitler` would return unfiltered data.
 */
export function parseQueryOptions(params: QueryParams): EntityQuery {
  const query: EntityQuery = {};
  const seen = new Set<string>();
  const entries: [string, unknown][] =
    params instanceof URLSearchParams ? [...params] : Object.entries(params);
  for (const [key, raw] of entries) {
    if (!key.startsWith('$')) continue;
    const ctx: Ctx = { option: key, offset: 0 };
    const values: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    if (values.length === 0) continue;
    const name = key.toLowerCase();
    if (values.length > 1 || seen.has(name)) fail(ctx, 0, key, `duplicate query option '${clip(key)}'`);
    seen.add(name);
    const value = values[0];
    if (typeof value !== 'string') fail(ctx, 0, key, `invalid value for query option '${clip(key)}'`);
    checkLength(value, ctx);
    if (!applyOption(query, key, value, ctx, 0, false))
      fail(ctx, 0, key, `unknown query option '${clip(key)}'`);
  }
  return query;
}
