import { parse as parseCsv } from 'csv-parse/sync';
import { type RecordPath, resolveRecordPath } from './record-path.ts';
import { SourceFailure } from './source-failure.ts';

export type BodyFormat = 'json' | 'csv';

/**
 * The records in a whole response or request body. JSON: the value at `path`, or, without a path, the
 * array itself, the `features` of a GeoJSON FeatureCollection, or the one object. CSV: one object per
 * line, named by the header line, values as text (typing is the pipeline's job).
 */
export function parseBody(text: string, format: BodyFormat, path: RecordPath, delimiter = ','): unknown[] {
  if (format === 'csv') {
    try {
      return parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, delimiter }) as unknown[];
    } catch (err) {
      throw new SourceFailure('format', `the body is not valid CSV: ${(err as Error).message}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SourceFailure('format', 'the body is not valid JSON');
  }
  return recordsOf(value, path);
}

export function recordsOf(value: unknown, path: RecordPath): unknown[] {
  const at = resolveRecordPath(value, path);
  if (at === undefined) throw new SourceFailure('recordsPath', 'the body has nothing at recordsPath');
  if (Array.isArray(at)) return at;
  if (path.length === 0 && isFeatureCollection(at)) return at.features;
  return [at];
}

function isFeatureCollection(v: unknown): v is { features: unknown[] } {
  const o = v as { type?: unknown; features?: unknown } | null;
  return o !== null && typeof o === 'object' && o.type === 'FeatureCollection' && Array.isArray(o.features);
}
