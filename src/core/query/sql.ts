import { createHash } from 'node:crypto';

/**
 * The only SQL builder of urbs. Values are always bound parameters ($1, $2, …); identifiers can only enter
 * through `ident()`, which accepts names that the model registry or a migration defined (checked against a
 * strict pattern and quoted). There is deliberately no way to splice a raw runtime string into the text:
 * `raw()` takes a template-literal-only string (TemplateStringsArray) so a value cannot reach it by accident.
 */

export interface SqlQuery {
  readonly text: string;
  readonly values: unknown[];
  /**
   * Optional: run as a named prepared statement, which PostgreSQL parses (and may plan) once per connection
   * instead of for every call. Only for fixed texts on hot paths (see `prepared()`); stores without
   * prepared statements ignore it.
   */
  readonly name?: string;
}

type Part = { t: 'text'; s: string } | { t: 'value'; v: unknown } | { t: 'ident'; s: string };

export class Sql {
  /** @internal */ readonly parts: readonly Part[];
  constructor(parts: readonly Part[]) {
    this.parts = parts;
  }

  /** Renders to `{text, values}` with placeholders numbered from `offset + 1`. */
  toQuery(offset = 0): SqlQuery {
    const values: unknown[] = [];
    let text = '';
    for (const p of this.parts) {
      if (p.t === 'text') text += p.s;
      else if (p.t === 'ident') text += quoteIdent(p.s);
      else {
        values.push(p.v);
        text += `$${offset + values.length}`;
      }
    }
    return { text, values };
  }

  get isEmpty(): boolean {
    return this.parts.every((p) => p.t === 'text' && p.s.trim() === '');
  }
}

export type SqlArg = Sql | unknown;

/** Tagged template: interpolated `Sql` fragments are inlined, everything else becomes a bound value. */
export function sql(strings: TemplateStringsArray, ...args: SqlArg[]): Sql {
  const parts: Part[] = [];
  strings.forEach((s, i) => {
    if (s) parts.push({ t: 'text', s });
    if (i < args.length) {
      const a = args[i];
      if (a instanceof Sql) parts.push(...a.parts);
      else parts.push({ t: 'value', v: a });
    }
  });
  return new Sql(parts);
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/** A quoted identifier (table, column). Accepts only lower-case snake_case names defined by the model. */
export function ident(...names: string[]): Sql {
  const parts: Part[] = [];
  names.forEach((n, i) => {
    if (!IDENT.test(n)) throw new Error(`Invalid SQL identifier: ${JSON.stringify(n)}`);
    if (i > 0) parts.push({ t: 'text', s: '.' });
    parts.push({ t: 'ident', s: n });
  });
  return new Sql(parts);
}

function quoteIdent(s: string): string {
  return `"${s}"`;
}

/** A bound value, for building fragments programmatically. */
export function value(v: unknown): Sql {
  return new Sql([{ t: 'value', v }]);
}

/** Fixed SQL text. Only callable as a tagged template, so runtime strings cannot reach it. */
export function raw(strings: TemplateStringsArray): Sql {
  if (strings.length !== 1) throw new Error('raw`` takes no interpolations');
  return new Sql([{ t: 'text', s: strings[0]! }]);
}

/** Joins fragments with a fixed separator (',', ' AND ', …). */
export function join(
  fragments: readonly Sql[],
  separator: ', ' | ' AND ' | ' OR ' | ' ' | ',\n' = ', ',
): Sql {
  const parts: Part[] = [];
  fragments.forEach((f, i) => {
    if (i > 0) parts.push({ t: 'text', s: separator });
    parts.push(...f.parts);
  });
  return new Sql(parts);
}

export const empty = new Sql([]);

const statementNames = new Map<string, string>();

/**
 * The query as a named prepared statement. The name is derived from the text, so the same text always
 * gets the same name and different texts never share one; the number of distinct texts must be small
 * (each one is kept per connection by the server).
 */
export function prepared(q: Sql): SqlQuery {
  const { text, values } = q.toQuery();
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `urbs_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    if (statementNames.size < 1000) statementNames.set(text, name);
  }
  return { text, values, name };
}
