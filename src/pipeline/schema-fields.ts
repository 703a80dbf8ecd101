/**
 * Field lookup in a JSON Schema (2020-12) for checking mappings: does `address.city` exist, and which JSON
 * types can it hold? Follows `$ref` (local pointers and other schemas by `$id`), `allOf`, `anyOf` and
 * `oneOf`, so Smart Data Models shapes such as `allOf: [{ $ref: common#/definitions/Location-Commons }, …]`
 * resolve.
 *
 * A member is known when some branch declares it in `properties`, matches one of its `patternProperties`,
 * or allows it through a schema-valued `additionalProperties`. An object schema that declares none of
 * these (e.g. `{ "type": "object" }`) is open: anything below it is accepted with any type. A `$ref` that
 * cannot be resolved is treated as open too: this is a check for typos, not a second validator.
 */
import { isWellFormedPath, splitPath } from './field-path.ts';

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

export interface FieldInfo {
  /** The JSON types the field may hold, or 'any' when the schema does not say. */
  types: ReadonlySet<JsonType> | 'any';
}

export interface SchemaIndex {
  /** The field at a dotted path, or undefined when the schema has no such field. */
  field(path: string): FieldInfo | undefined;
  /** Member names required at a dotted object path ('' for the record itself), through `allOf`. */
  required(path: string): string[];
}

type SchemaObject = Record<string, unknown>;
/** A subschema plus the document its local `#…` references resolve against. */
interface Node {
  schema: SchemaObject | boolean;
  document: SchemaObject;
}

const ANY: FieldInfo = { types: 'any' };
const MAX_DEPTH = 32;

export function createSchemaIndex(
  root: SchemaObject | boolean,
  options: { schemas?: readonly SchemaObject[] } = {},
): SchemaIndex {
  const byId = new Map<string, SchemaObject>();
  for (const schema of options.schemas ?? []) {
    if (typeof schema.$id === 'string') byId.set(stripFragment(schema.$id), schema);
  }
  const document = typeof root === 'object' ? root : {};
  if (typeof document.$id === 'string') byId.set(stripFragment(document.$id), document);
  // Imported Smart Data Models carry the schemas they reference as `$defs` with their own `$id`
  // (structures/import-smart-data-model.ts): each is a document of its own for `$ref`s.
  const defs = document.$defs;
  if (defs && typeof defs === 'object') {
    for (const def of Object.values(defs as Record<string, unknown>)) {
      const d = def as SchemaObject;
      if (d && typeof d === 'object' && typeof d.$id === 'string' && !byId.has(stripFragment(d.$id))) {
        byId.set(stripFragment(d.$id), d);
      }
    }
  }
  const start: Node = { schema: root, document };

  const resolveRef = (node: Node, ref: string): Node | undefined => {
    const hash = ref.indexOf('#');
    const base = hash < 0 ? ref : ref.slice(0, hash);
    const fragment = hash < 0 ? '' : ref.slice(hash + 1);
    const doc = base === '' ? node.document : byId.get(base);
    if (!doc) return undefined;
    const target = resolvePointer(doc, fragment);
    return target === undefined ? undefined : { schema: target as SchemaObject | boolean, document: doc };
  };

  /** The node and every branch it is made of; `alternatives` includes anyOf/oneOf branches. */
  const expand = (node: Node, alternatives: boolean, depth = 0, out: Node[] = []): Node[] => {
    if (depth > MAX_DEPTH || typeof node.schema === 'boolean') {
      out.push(node);
      return out;
    }
    const schema = node.schema;
    out.push(node);
    const refs = [schema.$ref, schema.$dynamicRef].filter((r): r is string => typeof r === 'string');
    for (const ref of refs) {
      const target = resolveRef(node, ref);
      // An unresolvable $ref stands for "unknown": represented by the always-true schema.
      expand(target ?? { schema: true, document: node.document }, alternatives, depth + 1, out);
    }
    const keys = alternatives ? ['allOf', 'anyOf', 'oneOf'] : ['allOf'];
    for (const key of keys) {
      const branches = schema[key];
      if (!Array.isArray(branches)) continue;
      for (const branch of branches) {
        expand({ schema: branch as SchemaObject, document: node.document }, alternatives, depth + 1, out);
      }
    }
    return out;
  };

  const nodesAt = (path: string): Node[] | 'open' | undefined => {
    let nodes: Node[] = [start];
    if (path === '') return nodes;
    for (const segment of splitPath(path)) {
      const expanded = nodes.flatMap((n) => expand(n, true));
      const matches = expanded.flatMap((n) => memberSchemas(n, segment));
      if (matches.length > 0) nodes = matches;
      else return isOpen(expanded) ? 'open' : undefined;
    }
    return nodes;
  };

  return {
    field(path) {
      if (!isWellFormedPath(path)) return undefined;
      const nodes = nodesAt(path);
      if (nodes === undefined) return undefined;
      if (nodes === 'open') return ANY;
      return { types: declaredTypes(nodes.flatMap((n) => expand(n, true))) };
    },
    required(path) {
      const nodes = nodesAt(path);
      if (nodes === undefined || nodes === 'open') return [];
      const names = new Set<string>();
      for (const node of nodes.flatMap((n) => expand(n, false))) {
        const required = typeof node.schema === 'object' ? node.schema.required : undefined;
        if (Array.isArray(required)) for (const name of required) names.add(String(name));
      }
      return [...names];
    },
  };
}

function stripFragment(id: string): string {
  const hash = id.indexOf('#');
  return hash < 0 ? id : id.slice(0, hash);
}

function resolvePointer(document: unknown, fragment: string): unknown {
  if (fragment === '' || fragment === '/') return document;
  if (!fragment.startsWith('/')) return undefined; // anchors are not supported: treated as unresolvable
  let current = document;
  for (const raw of fragment.slice(1).split('/')) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function memberSchemas(node: Node, name: string): Node[] {
  if (typeof node.schema === 'boolean') return [];
  const { properties, patternProperties, additionalProperties } = node.schema;
  const out: Node[] = [];
  const wrap = (schema: unknown): Node => ({
    schema: schema as SchemaObject | boolean,
    document: node.document,
  });
  if (isObject(properties) && Object.hasOwn(properties, name)) out.push(wrap(properties[name]));
  if (isObject(patternProperties)) {
    for (const [pattern, schema] of Object.entries(patternProperties)) {
      if (safeRegex(pattern)?.test(name)) out.push(wrap(schema));
    }
  }
  if (out.length === 0 && isObject(additionalProperties)) out.push(wrap(additionalProperties));
  return out;
}

/** True when no branch says anything about members and none rules out objects. */
function isOpen(nodes: Node[]): boolean {
  for (const { schema } of nodes) {
    if (schema === false) return false;
    if (schema === true) continue;
    if ('properties' in schema || 'patternProperties' in schema || 'additionalProperties' in schema) {
      return false;
    }
    const types = typesOf(schema);
    if (types && !types.includes('object')) return false;
  }
  return true;
}

function typesOf(schema: SchemaObject): JsonType[] | undefined {
  if (typeof schema.type === 'string') return [schema.type as JsonType];
  if (Array.isArray(schema.type)) return schema.type as JsonType[];
  if ('const' in schema) return [valueType(schema.const)];
  if (Array.isArray(schema.enum)) return schema.enum.map(valueType);
  return undefined;
}

export function valueType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'object') return 'object';
  return typeof value as JsonType;
}

function declaredTypes(nodes: Node[]): ReadonlySet<JsonType> | 'any' {
  const types = new Set<JsonType>();
  for (const { schema } of nodes) {
    if (typeof schema === 'object') for (const t of typesOf(schema) ?? []) types.add(t);
  }
  return types.size === 0 ? 'any' : types;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function safeRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}
