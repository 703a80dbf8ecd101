/**
 * The first half of checking a mapping: is the document well formed? Known ops, the members each op needs
 * and allows (a typo such as `formt` is reported, not ignored), and their JSON types. Rules that fail here
 * are not checked against the schemas.
 */
import { isWellFormedPath } from './field-path.ts';
import { MAPPING_OPS, type MappingOp, type MappingProblem } from './mapping.ts';

/** The members each op needs and those it may have, besides `target` and `op`. */
const MEMBERS: Readonly<Record<MappingOp, { required: readonly string[]; optional: readonly string[] }>> = {
  copy: { required: ['from'], optional: ['default'] },
  constant: { required: ['value'], optional: [] },
  concat: { required: ['from'], optional: ['separator'] },
  toNumber: { required: ['from'], optional: ['default', 'unit', 'decimalSeparator', 'decimals'] },
  toString: { required: ['from'], optional: ['default'] },
  toDate: { required: ['from'], optional: ['default', 'format', 'timezone'] },
  geoPoint: { required: ['from'], optional: [] },
  geoFromWkt: { required: ['from'], optional: ['default'] },
  jsonata: { required: ['expression'], optional: [] },
};

/** Problems with the document's shape; an empty list means it is a `Mapping`. */
export function checkShape(mapping: unknown): MappingProblem[] {
  if (!isRecord(mapping)) return [{ path: '', message: 'a mapping must be an object with a rules list' }];
  const problems: MappingProblem[] = [];
  for (const key of Object.keys(mapping)) {
    if (key !== 'rules' && key !== 'filter') problems.push({ path: key, message: `unknown member '${key}'` });
  }
  if (mapping.filter !== undefined && typeof mapping.filter !== 'string') {
    problems.push({ path: 'filter', message: 'must be a JSONata expression (a string)' });
  }
  if (!Array.isArray(mapping.rules)) {
    problems.push({ path: 'rules', message: 'must be a list of rules' });
    return problems;
  }
  mapping.rules.forEach((rule, i) => {
    problems.push(...checkRuleShape(rule, `rules[${i}]`));
  });
  return problems;
}

function checkRuleShape(rule: unknown, at: string): MappingProblem[] {
  if (!isRecord(rule)) return [{ path: at, message: 'a rule must be an object' }];
  const problems: MappingProblem[] = [];
  if (typeof rule.target !== 'string' || !isWellFormedPath(rule.target)) {
    problems.push({ path: `${at}.target`, message: "must be a dotted field path such as 'address.city'" });
  }
  const op = rule.op as MappingOp;
  if (!MAPPING_OPS.includes(op)) {
    problems.push({
      path: `${at}.op`,
      message: `unknown op ${JSON.stringify(rule.op)}; expected one of ${MAPPING_OPS.join(', ')}`,
    });
    return problems;
  }
  const { required, optional } = MEMBERS[op];
  for (const key of required) {
    if (!(key in rule)) problems.push({ path: `${at}.${key}`, message: `op '${op}' needs '${key}'` });
  }
  for (const key of Object.keys(rule)) {
    if (key !== 'target' && key !== 'op' && !required.includes(key) && !optional.includes(key)) {
      problems.push({ path: `${at}.${key}`, message: `op '${op}' has no member '${key}'` });
    }
  }
  problems.push(...checkMemberTypes(rule, op, at));
  return problems;
}

function checkMemberTypes(rule: Record<string, unknown>, op: MappingOp, at: string): MappingProblem[] {
  const bad = (key: string, expected: string): MappingProblem => ({
    path: `${at}.${key}`,
    message: `must be ${expected}`,
  });
  const problems: MappingProblem[] = [];
  const from = rule.from;
  if (op === 'concat') {
    if (!Array.isArray(from) || from.length === 0 || !from.every((p) => typeof p === 'string')) {
      problems.push(bad('from', 'a non-empty list of source paths or quoted literals'));
    }
  } else if (op === 'geoPoint') {
    if (!isRecord(from) || typeof from.lat !== 'string' || typeof from.lon !== 'string') {
      problems.push(bad('from', "an object { lat: 'path', lon: 'path' }"));
    }
  } else if ('from' in rule && typeof from !== 'string') problems.push(bad('from', 'a source field path'));
  for (const key of ['separator', 'format', 'timezone', 'expression']) {
    if (key in rule && typeof rule[key] !== 'string') problems.push(bad(key, 'a string'));
  }
  if (
    'unit' in rule &&
    (!isRecord(rule.unit) || typeof rule.unit.from !== 'string' || typeof rule.unit.to !== 'string')
  ) {
    problems.push(bad('unit', "an object { from: 'degF', to: 'degC' }"));
  }
  if ('decimalSeparator' in rule && rule.decimalSeparator !== '.' && rule.decimalSeparator !== ',') {
    problems.push(bad('decimalSeparator', "'.' or ','"));
  }
  const decimals = rule.decimals;
  if (
    'decimals' in rule &&
    !(Number.isInteger(decimals) && (decimals as number) >= 0 && (decimals as number) <= 15)
  ) {
    problems.push(bad('decimals', 'an integer from 0 to 15'));
  }
  return problems;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
