import { configError } from './config-checks.ts';

/**
 * A small JSONPath subset that says where the records sit in a response: `data.items`, `$.features`,
 * `$.data[0].rows`, `results["the items"]`, or `$` / empty for the root. No wildcards or filters: one
 * path, one place.
 */
export type RecordPath = readonly (string | number)[];

const segment = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\])/;

export function parseRecordPath(text: string | undefined, field = 'recordsPath'): RecordPath {
  let rest = (text ?? '').trim();
  if (rest === '' || rest === '$') return [];
  if (rest.startsWith('$')) rest = rest.slice(1);
  else if (!rest.startsWith('[')) rest = `.${rest}`;
  const out: (string | number)[] = [];
  while (rest.length > 0) {
    const m = segment.exec(rest);
    if (!m) {
      throw configError(field, `${field} is not a path like data.items or $.features[0] near "${rest}"`);
    }
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(`"${m[3]}"`) as string);
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** The value at `path`, or undefined when some step does not exist. */
export function resolveRecordPath(value: unknown, path: RecordPath): unknown {
  let cur = value;
  for (const step of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[step];
  }
  return cur;
}
