/**
 * Checks a mapping document against the source and target structure versions when it is saved, so that a
 * typo fails at save time with a message naming the rule and field, not on every record at run time.
 * First the document's shape (ops, members and their types), then each rule against the schemas (fields
 * exist, op and field types fit, units, date formats, timezones and JSONata parse), then the target's
 * required fields.
 */
import jsonata from 'jsonata';
import { BadRequestError } from '../core/errors/bad-request.ts';
import { checkShape, isRecord } from './check-mapping-shape.ts';
import {
  concatLiteral,
  formatProblem,
  type Mapping,
  type MappingOp,
  type MappingProblem,
  type MappingRule,
} from './mapping.ts';
import { checkDateFormat, checkTimezone } from './parse-date.ts';
import {
  createSchemaIndex,
  type FieldInfo,
  type JsonType,
  type SchemaIndex,
  valueType,
} from './schema-fields.ts';
import { checkConversion } from './units.ts';
import type { JsonSchema } from './validate-record.ts';

export interface CheckMappingOptions {
  /** Schemas that the structures `$ref` by `$id`. */
  schemas?: readonly Record<string, unknown>[];
  /**
   * Where the mapping sits in the request body, e.g. `mapping`: `assertValidMapping` then names
   * `mapping.rules[2].from` as the field of the 400.
   */
  fieldPrefix?: string;
}

/** JSON types each op writes ('any' when it depends on the data). */
const OUTPUT: Readonly<Record<Exclude<MappingOp, 'copy' | 'constant'>, readonly JsonType[] | 'any'>> = {
  concat: ['string'],
  toNumber: ['number'],
  toString: ['string'],
  toDate: ['string'],
  geoPoint: ['object'],
  geoFromWkt: ['object'],
  jsonata: 'any',
};

/** Source types each op can read. */
const SCALAR: readonly JsonType[] = ['string', 'number', 'integer', 'boolean'];
const INPUT: Readonly<Partial<Record<MappingOp, readonly JsonType[]>>> = {
  concat: SCALAR,
  toNumber: ['string', 'number', 'integer'],
  toString: SCALAR,
  toDate: ['string', 'number', 'integer'],
  geoPoint: ['string', 'number', 'integer'],
  geoFromWkt: ['string'],
};

const ARTICLE: Readonly<Record<JsonType, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** Every problem found; an empty list means the mapping can be saved. */
export function checkMapping(
  mapping: unknown,
  sourceSchema: JsonSchema,
  targetSchema: JsonSchema,
  options: CheckMappingOptions = {},
): MappingProblem[] {
  const problems = checkShape(mapping);
  if (!isRecord(mapping) || !Array.isArray(mapping.rules)) return problems;
  const source = createSchemaIndex(sourceSchema, options);
  const target = createSchemaIndex(targetSchema, options);
  const malformed = new Set(problems.map((p) => /^rules\[(\d+)\]/.exec(p.path)?.[1]).filter(Boolean));
  if (typeof mapping.filter === 'string') problems.push(...checkJsonata(mapping.filter, 'filter'));
  const written = new Map<string, number>();
  mapping.rules.forEach((rule: MappingRule, i) => {
    if (malformed.has(String(i))) return;
    problems.push(...checkRule(rule, `rules[${i}]`, source, target));
    const earlier = written.get(rule.target);
    if (earlier !== undefined) {
      problems.push({
        path: `rules[${i}].target`,
        field: rule.target,
        message: `target field '${rule.target}' is already written by rules[${earlier}]`,
      });
    } else written.set(rule.target, i);
  });
  problems.push(...checkRequired(mapping.rules as MappingRule[], target));
  return problems;
}

/** Throws a 400 problem naming the first offending rule and field; `problems` lists all of them. */
export function assertValidMapping(
  mapping: unknown,
  sourceSchema: JsonSchema,
  targetSchema: JsonSchema,
  options: CheckMappingOptions = {},
): asserts mapping is Mapping {
  const prefix = options.fieldPrefix ? `${options.fieldPrefix}.` : '';
  const problems = checkMapping(mapping, sourceSchema, targetSchema, options).map((p) => ({
    ...p,
    path: prefix && p.path ? `${prefix}${p.path}` : p.path || options.fieldPrefix || '',
  }));
  const first = problems[0];
  if (!first) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
  throw new BadRequestError(
    `The mapping is invalid: ${formatProblem(first)}${more}`,
    { field: first.path, problems },
    'URBS_INVALID_MAPPING',
  );
}

function checkRule(
  rule: MappingRule,
  at: string,
  source: SchemaIndex,
  target: SchemaIndex,
): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const targetField = target.field(rule.target);
  if (!targetField) {
    problems.push({
      path: `${at}.target`,
      field: rule.target,
      message: `target has no field '${rule.target}'`,
    });
  }
  const inputs = sourcePaths(rule, at);
  const sourceFields = inputs.map(({ path, field }) => {
    const info = source.field(field);
    if (!info) problems.push({ path, field, message: `source has no field '${field}'` });
    else problems.push(...checkInput(rule.op, info, path, field));
    return info;
  });
  if (targetField) {
    const produced = producedTypes(rule, sourceFields);
    const problem = incompatibility(rule, produced, targetField);
    if (problem) problems.push({ path: `${at}.target`, field: rule.target, message: problem });
  }
  problems.push(...checkOptions(rule, at));
  return problems;
}

function sourcePaths(rule: MappingRule, at: string): { path: string; field: string }[] {
  switch (rule.op) {
    case 'constant':
    case 'jsonata':
      return [];
    case 'concat':
      return rule.from.flatMap((part, i) =>
        concatLiteral(part) === undefined ? [{ path: `${at}.from[${i}]`, field: part }] : [],
      );
    case 'geoPoint':
      return [
        { path: `${at}.from.lat`, field: rule.from.lat },
        { path: `${at}.from.lon`, field: rule.from.lon },
      ];
    default:
      return [{ path: `${at}.from`, field: rule.from }];
  }
}

function checkInput(op: MappingOp, info: FieldInfo, path: string, field: string): MappingProblem[] {
  const accepted = INPUT[op];
  if (!accepted || info.types === 'any') return [];
  if ([...info.types].some((t) => accepted.includes(t))) return [];
  const held = [...info.types].map((t) => ARTICLE[t]).join(' or ');
  return [{ path, field, message: `op '${op}' cannot read source field '${field}', which holds ${held}` }];
}

function producedTypes(
  rule: MappingRule,
  sourceFields: (FieldInfo | undefined)[],
): readonly JsonType[] | 'any' {
  if (rule.op === 'constant') return [valueType(rule.value)];
  if (rule.op === 'copy') {
    const types = sourceFields[0]?.types ?? 'any';
    return types === 'any' ? 'any' : [...types];
  }
  return OUTPUT[rule.op];
}

function incompatibility(
  rule: MappingRule,
  produced: readonly JsonType[] | 'any',
  field: FieldInfo,
): string | undefined {
  if (produced === 'any' || field.types === 'any') return undefined;
  const accepted = field.types;
  const fits = (t: JsonType) =>
    accepted.has(t) ||
    (t === 'integer' && accepted.has('number')) ||
    (t === 'number' && accepted.has('integer'));
  if (produced.some(fits)) return undefined;
  const what = produced.map((t) => ARTICLE[t]).join(' or ');
  const holds = [...accepted].map((t) => ARTICLE[t]).join(' or ');
  return `op '${rule.op}' produces ${what} but target field '${rule.target}' holds ${holds}`;
}

function checkOptions(rule: MappingRule, at: string): MappingProblem[] {
  const problems: MappingProblem[] = [];
  if (rule.op === 'toNumber' && rule.unit) {
    const problem = checkConversion(rule.unit.from, rule.unit.to);
    if (problem) problems.push({ path: `${at}.unit`, message: problem });
  }
  if (rule.op === 'toDate') {
    const format = rule.format === undefined ? undefined : checkDateFormat(rule.format);
    if (format) problems.push({ path: `${at}.format`, message: format });
    const zone = rule.timezone === undefined ? undefined : checkTimezone(rule.timezone);
    if (zone) problems.push({ path: `${at}.timezone`, message: zone });
  }
  if (rule.op === 'jsonata') problems.push(...checkJsonata(rule.expression, `${at}.expression`));
  return problems;
}

/** JSONata syntax errors carry a position and a message; both reach the user. */
export function checkJsonata(expression: string, path: string): MappingProblem[] {
  try {
    jsonata(expression);
    return [];
  } catch (err) {
    return [{ path, message: `invalid JSONata: ${describeJsonataError(err)}` }];
  }
}

export function describeJsonataError(err: unknown): string {
  const e = err as { message?: string; position?: number; token?: string };
  const at = typeof e.position === 'number' ? ` at position ${e.position}` : '';
  return `${e.message ?? String(err)}${at}`;
}

function checkRequired(rules: MappingRule[], target: SchemaIndex): MappingProblem[] {
  const targets = rules.filter((r) => isRecord(r) && typeof r.target === 'string').map((r) => r.target);
  const produces = (path: string) => targets.some((t) => t === path || t.startsWith(`${path}.`));
  // The record itself, and every object that rules write below (e.g. 'address' for 'address.city').
  const objects = new Set(['']);
  for (const t of targets) {
    const segments = t.split('.');
    for (let n = 1; n < segments.length; n++) objects.add(segments.slice(0, n).join('.'));
  }
  const problems: MappingProblem[] = [];
  for (const object of objects) {
    if (object !== '' && targets.includes(object)) continue; // written whole by one rule
    for (const name of target.required(object)) {
      const path = object === '' ? name : `${object}.${name}`;
      if (!produces(path)) {
        problems.push({
          path: 'rules',
          field: path,
          message: `required target field '${path}' is not produced by any rule`,
        });
      }
    }
  }
  return problems;
}
