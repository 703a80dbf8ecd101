/**
 * Text templates of the observations sink: `Weather station {name}` takes `name` from the mapped record.
 * A placeholder is a dotted field path (field-path.ts); `{{` and `}}` are literal braces. A placeholder
 * whose field is missing or null renders as the empty string, objects and arrays as JSON.
 */
import { getPath, isWellFormedPath } from '../../field-path.ts';

export interface Template {
  /** The field paths the template reads, in order of appearance. */
  fields: string[];
  render(record: Record<string, unknown>): string;
}

type Part = { text: string } | { path: string };

const TOKEN = /\{\{|\}\}|\{([^{}]*)\}|[{}]/g;

/** Parses a template; throws an Error (message only) when a brace is unbalanced or a path malformed. */
export function compileTemplate(source: string): Template {
  const parts: Part[] = [];
  let last = 0;
  for (const m of source.matchAll(TOKEN)) {
    if (m.index > last) parts.push({ text: source.slice(last, m.index) });
    last = m.index + m[0].length;
    if (m[0] === '{{' || m[0] === '}}') parts.push({ text: m[0][0]! });
    else if (m[1] === undefined) throw new Error(`unbalanced '${m[0]}' at position ${m.index}`);
    else if (!isWellFormedPath(m[1].trim())) throw new Error(`'{${m[1]}}' is not a field path`);
    else parts.push({ path: m[1].trim() });
  }
  if (last < source.length) parts.push({ text: source.slice(last) });
  return {
    fields: parts.flatMap((p) => ('path' in p ? [p.path] : [])),
    render: (record) => parts.map((p) => ('path' in p ? text(getPath(record, p.path)) : p.text)).join(''),
  };
}

/** A field value as template text. */
export function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
