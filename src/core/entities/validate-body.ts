import type { ModelRegistry } from '../../model/registry.ts';
import type { EntityDef, PropertyDef, RelationDef } from '../../model/types.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { type ColumnValue, encodeProperty, writableProperties } from './codec.ts';

/**
 * Checks a JSON body against an EntityDef before anything is written, so a deep insert fails as a whole
 * with one 400 naming the offending member by its dotted path (`Datastreams[1].Sensor.name`).
 * OGC 18-088 §10.2 (create, deep insert, links by @iot.id) and §10.3 (update: PATCH merges, PUT replaces;
 * only links, never related entities' properties, may be changed by an update).
 */

/** A related entity given in a body: a link to an existing one, or a new one to create (deep insert). */
export type RelationValue =
  | { kind: 'link'; id: number; field: string }
  | { kind: 'create'; body: ParsedEntity };

export interface ParsedEntity {
  entity: EntityDef;
  /** Dotted path of this entity in the request body ('' at the top). */
  field: string;
  /** Wire values of the properties that will be written (given ones and defaults), by property name. */
  values: Record<string, unknown>;
  /** Column assignments for those properties (via the codec). */
  columns: ColumnValue[];
  /** To-one relations given, by relation name (`null` unlinks; updates only). */
  toOne: Map<string, RelationValue | null>;
  /** To-many relations given, by relation name. */
  toMany: Map<string, RelationValue[]>;
}

export interface ValidateOptions {
  /** Path prefix for error messages. */
  field?: string;
  /** On create: the relation of the new entity that the navigation parent fills in (e.g. Datastream.Thing). */
  implied?: RelationDef;
  /** Required to-one relations the server fills in when absent (e.g. Observation.FeatureOfInterest). */
  serverFilled?: (entity: EntityDef, relation: RelationDef) => boolean;
  /** Model-specific checks of each entity to create (e.g. one Datastream or MultiDatastream). */
  check?: (parsed: ParsedEntity, implied: RelationDef | undefined) => void;
}

export type UpdateMode = 'merge' | 'replace';

export function fieldOf(parent: string, member: string): string {
  return parent ? `${parent}.${member}` : member;
}

/** "a Thing", "an Observation": messages read as sentences. */
export function aOrAn(name: string): string {
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string, field: string): BadRequestError {
  return new BadRequestError(message, { field });
}

/** Annotations a client may send back from a GET (`@iot.selfLink`, `Things@iot.navigationLink`, …). */
function isAnnotation(key: string): boolean {
  return key !== '@iot.id' && key.includes('@');
}

/** An entity id as a positive integer (numbers, or digit strings as some clients send them). */
export function parseId(value: unknown, field: string): number {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw bad(`${field} must be a positive integer id`, field);
  }
  return n;
}

function emptyParsed(entity: EntityDef, field: string): ParsedEntity {
  return { entity, field, values: {}, columns: [], toOne: new Map(), toMany: new Map() };
}

function setProperty(out: ParsedEntity, p: PropertyDef, value: unknown): void {
  out.columns.push(...encodeProperty(p, value, fieldOf(out.field, p.name)));
  out.values[p.name] = value;
}

/** A related entity in a body: `{"@iot.id": n}` links, any other object is created (create only). */
function parseRelated(
  registry: ModelRegistry,
  relation: RelationDef,
  value: unknown,
  field: string,
  create: { opts: ValidateOptions; implied?: RelationDef } | null,
): RelationValue {
  const target = registry.entity(relation.target);
  if (!isObject(value)) throw bad(`${field} must be ${aOrAn(target.name)} object or {"@iot.id": …}`, field);
  if ('@iot.id' in value) {
    const extra = Object.keys(value).filter((k) => k !== '@iot.id' && !isAnnotation(k));
    if (extra.length > 0) {
      throw bad(
        `${field} links ${target.name} ${String(value['@iot.id'])} by @iot.id and cannot also set ${extra.join(', ')}`,
        field,
      );
    }
    return { kind: 'link', id: parseId(value['@iot.id'], `${field}.@iot.id`), field };
  }
  if (!create)
    throw bad(`${field}: an update may only link an existing ${target.name} ({"@iot.id": …})`, field);
  const opts = { ...create.opts, field, implied: create.implied };
  return { kind: 'create', body: validateCreate(registry, target, value, opts) };
}

function parseRelation(
  registry: ModelRegistry,
  out: ParsedEntity,
  r: RelationDef,
  value: unknown,
  opts: ValidateOptions | null,
): void {
  const field = fieldOf(out.field, r.name);
  if (!r.many) {
    if (value === null) {
      if (opts) return; // create: null is "not given"
      if (r.required)
        throw bad(`${field} is required for ${aOrAn(out.entity.name)} and cannot be removed`, field);
      out.toOne.set(r.name, null);
      return;
    }
    out.toOne.set(r.name, parseRelated(registry, r, value, field, opts && { opts }));
    return;
  }
  if (!Array.isArray(value)) throw bad(`${field} must be an array`, field);
  // Children of a to-many relation get the link back to this entity from the parent (§10.2 deep insert).
  const implied = registry.inverseOf(out.entity, r);
  out.toMany.set(
    r.name,
    value.map((v, i) => parseRelated(registry, r, v, `${field}[${i}]`, opts && { opts, implied })),
  );
}

/** Walks the members of a body: properties are encoded, relations parsed, anything else is a 400. */
function parseMembers(
  registry: ModelRegistry,
  out: ParsedEntity,
  body: Record<string, unknown>,
  opts: ValidateOptions | null,
): void {
  for (const [key, value] of Object.entries(body)) {
    // `undefined` only comes from in-process callers (pipelines); JSON has no such value: not given.
    if (key === '@iot.id' || isAnnotation(key) || value === undefined) continue;
    const p = registry.property(out.entity, key);
    if (p) {
      // Server-maintained values (e.g. Datastream.phenomenonTime) are ignored, so a GET result can be sent back.
      if (!p.readOnly) setProperty(out, p, value);
      continue;
    }
    const r = registry.relation(out.entity, key);
    if (!r)
      throw bad(
        `${fieldOf(out.field, key)} is not a property of ${out.entity.name}`,
        fieldOf(out.field, key),
      );
    parseRelation(registry, out, r, value, opts);
  }
}

/** Fills the server-maintained times (PropertyDef.serverTime) of the given kinds with now. */
function setServerTimes(out: ParsedEntity, kinds: readonly string[]): void {
  const now = new Date().toISOString();
  for (const p of out.entity.properties) {
    if (p.serverTime && kinds.includes(p.serverTime)) setProperty(out, p, now);
  }
}

/** Validates a body for creating `entity` (and, recursively, the entities it creates inline). */
export function validateCreate(
  registry: ModelRegistry,
  entity: EntityDef,
  body: unknown,
  opts: ValidateOptions = {},
): ParsedEntity {
  const field = opts.field ?? '';
  if (!isObject(body))
    throw bad(`${field || 'The body'} must be a JSON object describing ${aOrAn(entity.name)}`, field);
  if ('@iot.id' in body) {
    const f = fieldOf(field, '@iot.id');
    throw bad(`${f}: ids are assigned by the server; give @iot.id only to link an existing entity`, f);
  }
  const out = emptyParsed(entity, field);
  parseMembers(registry, out, body, opts);
  setServerTimes(out, ['created', 'updated']);
  for (const p of writableProperties(entity)) {
    if (p.name in out.values) continue;
    if (p.defaultOnCreate === 'now') setProperty(out, p, new Date().toISOString());
    else if (p.required)
      throw bad(`${fieldOf(field, p.name)} is required for ${aOrAn(entity.name)}`, fieldOf(field, p.name));
  }
  checkRequiredRelations(out, opts);
  opts.check?.(out, opts.implied);
  return out;
}

function checkRequiredRelations(out: ParsedEntity, opts: ValidateOptions): void {
  for (const r of out.entity.relations) {
    const implied = opts.implied?.name === r.name;
    const given = out.toOne.has(r.name) || out.toMany.has(r.name);
    const f = fieldOf(out.field, r.name);
    if (implied && given) throw bad(`${f} is given by the parent entity and must not be repeated`, f);
    if (!r.required || implied || given) continue;
    if (opts.serverFilled?.(out.entity, r)) continue;
    throw bad(`${f} is required for ${aOrAn(out.entity.name)}`, f);
  }
}

/**
 * Validates an update body. `merge` (PATCH) writes the given properties only; `replace` (PUT) writes all
 * writable properties, setting missing optional ones to null. Relations may only be given as links.
 */
export function validateUpdate(
  registry: ModelRegistry,
  entity: EntityDef,
  id: number,
  body: unknown,
  mode: UpdateMode,
  field = '',
): ParsedEntity {
  if (!isObject(body)) throw bad(`${field || 'The body'} must be a JSON object`, field);
  if ('@iot.id' in body && parseId(body['@iot.id'], fieldOf(field, '@iot.id')) !== id) {
    const f = fieldOf(field, '@iot.id');
    throw bad(`${f} (${String(body['@iot.id'])}) differs from the id of ${entity.name} ${id}`, f);
  }
  const out = emptyParsed(entity, field);
  parseMembers(registry, out, body, null);
  setServerTimes(out, ['updated']);
  if (mode === 'replace') {
    for (const p of writableProperties(entity)) {
      if (p.name in out.values) continue;
      const f = fieldOf(field, p.name);
      if (p.required)
        throw bad(`${f} is required for ${aOrAn(entity.name)} (PUT replaces the whole entity)`, f);
      setProperty(out, p, null);
    }
  }
  return out;
}
