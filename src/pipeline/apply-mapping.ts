/**
 * Applies a checked mapping to records. `compileMapping` does the per-mapping work once (JSONata parsed,
 * date formats compiled, unit converters built) and returns `map`, which never throws: every failure comes
 * back as a per-rule error naming the rule and the target field, and the other rules still run so that one
 * bad record reports all of its problems at once.
 *
 * `map` is async because JSONata 2 evaluates asynchronously; mappings without `jsonata` rules never wait on
 * anything but the final promise.
 */
import jsonata from 'jsonata';
import { BadRequestError } from '../core/errors/bad-request.ts';
import { describeJsonataError } from './check-mapping.ts';
import { getPath, setPath } from './field-path.ts';
import { concatLiteral, type Mapping, type MappingError, type MappingRule } from './mapping.ts';
import { checkDateFormat, checkTimezone, createDateParser } from './parse-date.ts';
import { parseWkt } from './parse-wkt.ts';
import { checkConversion, createConverter } from './units.ts';

export type MapResult = { ok: true; value: Record<string, unknown> } | { ok: false; errors: MappingError[] };
export type FilterResult = { ok: true; keep: boolean } | { ok: false; errors: MappingError[] };

export interface CompiledMapping {
  map(record: unknown): Promise<MapResult>;
  /** The mapping's own `filter`, when it has one. */
  filter?: CompiledFilter;
}

export type CompiledFilter = (record: unknown) => Promise<FilterResult>;

/** Limits for user expressions: a runaway expression fails its record instead of stalling the pipeline. */
const JSONATA_LIMITS = { timeout: 250, stack: 500 };

/** What one rule yields for one record: a value, nothing (missing source), or an error message. */
type StepResult = { value: unknown } | { skip: true } | { error: string };
type Step = (record: unknown) => StepResult | Promise<StepResult>;

const SKIP: StepResult = { skip: true };

export function compileMapping(mapping: Mapping): CompiledMapping {
  const steps = mapping.rules.map((rule, i) => ({
    rule: `rules[${i}]`,
    target: rule.target,
    step: compileRule(rule, `rules[${i}]`),
  }));
  const map = async (record: unknown): Promise<MapResult> => {
    const value: Record<string, unknown> = {};
    const errors: MappingError[] = [];
    for (const { rule, target, step } of steps) {
      let result: StepResult;
      try {
        const pending = step(record);
        result = pending instanceof Promise ? await pending : pending;
      } catch (err) {
        result = { error: `failed: ${(err as Error).message ?? String(err)}` };
      }
      if ('error' in result) errors.push({ rule, field: target, message: result.error });
      else if ('value' in result) setPath(value, target, result.value);
    }
    return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
  };
  return mapping.filter === undefined ? { map } : { map, filter: compileFilter(mapping.filter) };
}

/** A JSONata boolean expression; `undefined` (e.g. a missing field) counts as false. */
export function compileFilter(expression: string): CompiledFilter {
  const compiled = compileJsonata(expression, 'filter');
  return async (record) => {
    try {
      const result = await compiled.evaluate(record);
      if (typeof result === 'boolean' || result === undefined) return { ok: true, keep: result === true };
      return {
        ok: false,
        errors: [{ rule: 'filter', message: `must give true or false, got ${JSON.stringify(result)}` }],
      };
    } catch (err) {
      return {
        ok: false,
        errors: [{ rule: 'filter', message: `JSONata error: ${describeJsonataError(err)}` }],
      };
    }
  };
}

function compileJsonata(expression: string, at: string): jsonata.Expression {
  try {
    return jsonata(expression, JSONATA_LIMITS);
  } catch (err) {
    throw invalid(`${at}: invalid JSONata: ${describeJsonataError(err)}`, at);
  }
}

function invalid(message: string, field: string): BadRequestError {
  return new BadRequestError(`The mapping is invalid: ${message}`, { field }, 'URBS_INVALID_MAPPING');
}

function compileRule(rule: MappingRule, at: string): Step {
  switch (rule.op) {
    case 'copy':
      return fromStep(rule.from, rule.default, (v) => ({ value: cloneJson(v) }), false);
    case 'constant': {
      const value = rule.value;
      return () => ({ value: cloneJson(value) });
    }
    case 'concat':
      return concatStep(rule.from, rule.separator ?? '');
    case 'toNumber':
      return fromStep(rule.from, rule.default, numberStep(rule, at));
    case 'toString':
      return fromStep(rule.from, rule.default, (v) => toText(v, rule.from), false);
    case 'toDate':
      return fromStep(rule.from, rule.default, dateStep(rule.format, rule.timezone, at, rule.from));
    case 'geoPoint':
      return geoPointStep(rule.from.lat, rule.from.lon);
    case 'geoFromWkt':
      return fromStep(rule.from, rule.default, (v) => {
        if (typeof v !== 'string')
          return { error: `source field '${rule.from}' holds ${describe(v)}, not WKT` };
        const parsed = parseWkt(v);
        return parsed.ok
          ? { value: parsed.value }
          : { error: `source field '${rule.from}': ${parsed.error}` };
      });
    case 'jsonata':
      return jsonataStep(compileJsonata(rule.expression, `${at}.expression`));
    default:
      // Only reachable with an unchecked document; checkMapping reports the op with the list of valid ones.
      throw invalid(`${at}.op: unknown op ${JSON.stringify((rule as { op?: unknown }).op)}`, `${at}.op`);
  }
}

/**
 * Reads `from`; a missing or null source (and for parsing ops an empty string, as in CSV) gives the
 * default, or writes nothing.
 */
function fromStep(
  from: string,
  fallback: unknown,
  convert: (value: unknown) => StepResult,
  emptyIsMissing = true,
): Step {
  return (record) => {
    const value = getPath(record, from);
    if (value === undefined || value === null || (emptyIsMissing && value === '')) {
      return fallback === undefined ? SKIP : { value: cloneJson(fallback) };
    }
    return convert(value);
  };
}

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A finite number from a number or numeric string, or an error message. */
function readNumber(value: unknown, decimalSeparator: '.' | ','): number | string {
  if (typeof value === 'number') return Number.isFinite(value) ? value : `${value} is not a finite number`;
  if (typeof value !== 'string') return `${describe(value)} is not a number`;
  const text = decimalSeparator === ',' ? value.trim().replace(',', '.') : value.trim();
  if (!NUMBER.test(text)) return `${JSON.stringify(value)} is not a number`;
  return Number(text);
}

function numberStep(rule: Extract<MappingRule, { op: 'toNumber' }>, at: string): (v: unknown) => StepResult {
  let convert = (n: number) => n;
  if (rule.unit) {
    const problem = checkConversion(rule.unit.from, rule.unit.to);
    if (problem) throw invalid(`${at}.unit: ${problem}`, `${at}.unit`);
    convert = createConverter(rule.unit.from, rule.unit.to);
  }
  const scale = rule.decimals === undefined ? undefined : 10 ** rule.decimals;
  const separator = rule.decimalSeparator ?? '.';
  return (value) => {
    const n = readNumber(value, separator);
    if (typeof n === 'string') return { error: `source field '${rule.from}': ${n}` };
    const converted = convert(n);
    return { value: scale === undefined ? converted : Math.round(converted * scale) / scale };
  };
}

function dateStep(format: string | undefined, timezone: string | undefined, at: string, from: string) {
  const problem =
    (format === undefined ? undefined : checkDateFormat(format)) ??
    (timezone === undefined ? undefined : checkTimezone(timezone));
  if (problem) throw invalid(`${at}: ${problem}`, at);
  const parse = createDateParser(format, timezone);
  return (value: unknown): StepResult => {
    const parsed = parse(value);
    return parsed.ok ? { value: parsed.value } : { error: `source field '${from}': ${parsed.error}` };
  };
}

function concatStep(parts: readonly string[], separator: string): Step {
  const readers = parts.map((part) => {
    const literal = concatLiteral(part);
    return literal === undefined ? (r: unknown) => getPath(r, part) : () => literal;
  });
  const hasPaths = parts.some((p) => concatLiteral(p) === undefined);
  return (record) => {
    const values: string[] = [];
    let found = false;
    for (const [i, read] of readers.entries()) {
      const v = read(record);
      if (v === undefined || v === null) continue;
      if (!isScalar(v)) return { error: `source field '${parts[i]}' holds ${describe(v)}, not text` };
      if (concatLiteral(parts[i]!) === undefined) found = true;
      values.push(String(v));
    }
    return hasPaths && !found ? SKIP : { value: values.join(separator) };
  };
}

function geoPointStep(latPath: string, lonPath: string): Step {
  return (record) => {
    const rawLat = getPath(record, latPath);
    const rawLon = getPath(record, lonPath);
    const missing = (v: unknown) => v === undefined || v === null || v === '';
    if (missing(rawLat) && missing(rawLon)) return SKIP;
    const lat = missing(rawLat) ? `is missing` : readNumber(rawLat, '.');
    const lon = missing(rawLon) ? `is missing` : readNumber(rawLon, '.');
    if (typeof lat === 'string') return { error: `latitude (source field '${latPath}') ${lat}` };
    if (typeof lon === 'string') return { error: `longitude (source field '${lonPath}') ${lon}` };
    if (lat < -90 || lat > 90)
      return { error: `latitude ${lat} (source field '${latPath}') is outside -90..90` };
    if (lon < -180 || lon > 180) {
      return { error: `longitude ${lon} (source field '${lonPath}') is outside -180..180` };
    }
    return { value: { type: 'Point', coordinates: [lon, lat] } };
  };
}

function jsonataStep(expression: jsonata.Expression): Step {
  return async (record) => {
    try {
      const result = await expression.evaluate(record);
      return result === undefined ? SKIP : { value: cloneJson(result) };
    } catch (err) {
      return { error: `JSONata error: ${describeJsonataError(err)}` };
    }
  };
}

function toText(value: unknown, from: string): StepResult {
  return isScalar(value)
    ? { value: String(value) }
    : { error: `source field '${from}' holds ${describe(value)}, not text` };
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value) ?? String(value);
}

/** A JSON copy: no shared objects between records, and no JSONata sequence flags or functions in output. */
function cloneJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  return JSON.parse(JSON.stringify(value));
}
