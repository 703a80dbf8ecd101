/**
 * The mapping document: how one source record becomes one target record. It is plain JSON, stored with a
 * pipeline and checked against the source and target structure versions when saved (`check-mapping.ts`),
 * then compiled once and applied per record (`apply-mapping.ts`). docs/mapping.md has the user guide.
 *
 * ```json
 * {
 *   "filter": "art = 'Parkhaus'",
 *   "rules": [
 *     { "target": "id", "op": "concat", "from": ["'urn:ngsi-ld:OffStreetParking:'", "id"] },
 *     { "target": "location", "op": "geoPoint", "from": { "lat": "lat", "lon": "lng" } },
 *     { "target": "temperature", "op": "toNumber", "from": "temp", "unit": { "from": "degF", "to": "degC" } },
 *     { "target": "dateObserved", "op": "toDate", "from": "ts", "format": "dd.MM.yyyy HH:mm", "timezone": "Europe/Berlin" }
 *   ]
 * }
 * ```
 *
 * Field paths (`target`, `from`) are dotted member paths: `address.city`. Rules run in order; a later rule
 * may write below an object an earlier one produced. A `from` field that is missing or null (or, except for
 * `copy` and `toString`, an empty string) produces no target member unless the rule has a `default`; target
 * validation then reports a missing required field.
 */

/** Every op, written once: the types, the shape check and the docs table derive from it. */
export const MAPPING_OPS = [
  'copy',
  'constant',
  'concat',
  'toNumber',
  'toString',
  'toDate',
  'geoPoint',
  'geoFromWkt',
  'jsonata',
] as const;

export type MappingOp = (typeof MAPPING_OPS)[number];

interface RuleBase {
  /** Dotted path of the target member to write. */
  target: string;
}

interface FromRule extends RuleBase {
  /** Dotted path of the source member to read. */
  from: string;
  /** Used when the source member is missing or null. Not converted. */
  default?: unknown;
}

/** The source value as it is (objects and arrays are deep-copied). */
export interface CopyRule extends FromRule {
  op: 'copy';
}

/** A fixed value, e.g. `"type": "WeatherObserved"`. */
export interface ConstantRule extends RuleBase {
  op: 'constant';
  value: unknown;
}

/**
 * Joins several parts into a string. Each part is a source path, or a literal in single quotes
 * (`"'urn:ngsi-ld:Parking:'"`). Missing parts are skipped.
 */
export interface ConcatRule extends RuleBase {
  op: 'concat';
  from: string[];
  /** Put between parts; default ''. */
  separator?: string;
}

/** A number from a number or numeric string, optionally converted between units (see `units.ts`). */
export interface ToNumberRule extends FromRule {
  op: 'toNumber';
  unit?: { from: string; to: string };
  /** ',' reads German-style "12,5"; default '.'. */
  decimalSeparator?: '.' | ',';
  /** Round the result to this many decimals. */
  decimals?: number;
}

/** A string from a string, number or boolean. */
export interface ToStringRule extends FromRule {
  op: 'toString';
}

/** An ISO 8601 UTC date-time string, read with a format (see `parse-date.ts`). */
export interface ToDateRule extends FromRule {
  op: 'toDate';
  /** `iso` (default), `epoch`, `epochMillis` or a pattern such as `dd.MM.yyyy HH:mm`. */
  format?: string;
  /** IANA zone for values without an offset; default `UTC`. */
  timezone?: string;
}

/** A GeoJSON Point `[lon, lat]` from two source members (numbers or numeric strings). */
export interface GeoPointRule extends RuleBase {
  op: 'geoPoint';
  from: { lat: string; lon: string };
}

/** A GeoJSON geometry from a WKT / EWKT (SRID 4326) string. */
export interface GeoFromWktRule extends FromRule {
  op: 'geoFromWkt';
}

/**
 * Anything else: a JSONata expression evaluated against the whole source record
 * (https://docs.jsonata.org). An `undefined` result writes nothing.
 */
export interface JsonataRule extends RuleBase {
  op: 'jsonata';
  expression: string;
}

export type MappingRule =
  | CopyRule
  | ConstantRule
  | ConcatRule
  | ToNumberRule
  | ToStringRule
  | ToDateRule
  | GeoPointRule
  | GeoFromWktRule
  | JsonataRule;

export interface Mapping {
  /** JSONata boolean expression on the source record; records for which it is not `true` are dropped. */
  filter?: string;
  rules: MappingRule[];
}

/** A problem with a mapping, found when it is saved. `path` locates it in the mapping document. */
export interface MappingProblem {
  /** e.g. `rules[2].from`, `rules[0].target`, `filter`. */
  path: string;
  /** The source or target field concerned, when there is one. */
  field?: string;
  message: string;
}

/** A per-record failure while applying a mapping. */
export interface MappingError {
  /** e.g. `rules[1]` or `filter`. */
  rule: string;
  /** The target field the rule writes. */
  field?: string;
  message: string;
}

export function formatProblem(problem: MappingProblem): string {
  return `${problem.path}: ${problem.message}`;
}

/** A concat part in single quotes is a literal; anything else is a source path. */
export function concatLiteral(part: string): string | undefined {
  return part.length >= 2 && part.startsWith("'") && part.endsWith("'") ? part.slice(1, -1) : undefined;
}
