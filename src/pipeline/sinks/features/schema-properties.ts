/**
 * The top-level properties of a target structure's JSON Schema, with the JSON types and string formats
 * each may hold: what the features table gets columns for. Follows `$ref` (local pointers, other documents
 * by `$id`, including the documents a Smart Data Model import embeds under `$defs`), `allOf`, `anyOf` and
 * `oneOf`, as src/pipeline/schema-fields.ts does for single fields.
 */
import { createSchemaIndex, type JsonType, type SchemaIndex } from '../../schema-fields.ts';

type SchemaObject = Record<string, unknown>;

export interface PropertyShape {
  /** The JSON types the property may hold ('any' when the schema does not say). */
  types: ReadonlySet<JsonType> | 'any';
  /** The `format`s of the string branches; `undefined` in the set when some string branch has none. */
  formats: ReadonlySet<string | undefined>;
}

const MAX_DEPTH = 32;

/** Documents with an `$id` embedded anywhere under `$defs`/`definitions` (compound schema documents). */
export function embeddedDocuments(root: SchemaObject): SchemaObject[] {
  const out: SchemaObject[] = [];
  for (const key of ['$defs', 'definitions']) {
    const defs = root[key];
    if (!isObject(defs)) continue;
    for (const def of Object.values(defs)) if (isObject(def) && typeof def.$id === 'string') out.push(def);
  }
  return out;
}

/** A field index that also resolves references into embedded documents. */
export function schemaIndexOf(root: SchemaObject): SchemaIndex {
  return createSchemaIndex(root, { schemas: embeddedDocuments(root) });
}

/** Top-level property names with their shapes, in declaration order. */
export function topLevelProperties(root: SchemaObject): Map<string, PropertyShape> {
  const byId = new Map<string, SchemaObject>();
  for (const doc of [root, ...embeddedDocuments(root)]) {
    if (typeof doc.$id === 'string') byId.set(doc.$id.split('#')[0]!, doc);
  }
  const resolve = (
    schema: SchemaObject,
    document: SchemaObject,
  ): [SchemaObject, SchemaObject] | undefined => {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return undefined;
    const [base = '', fragment = ''] = ref.split('#', 2);
    const doc = base === '' ? document : byId.get(base);
    if (!doc) return undefined;
    const target = pointer(doc, fragment);
    return isObject(target) ? [target, doc] : undefined;
  };
  /** The schema and every schema it is made of (refs and combinators). */
  const expand = (schema: unknown, document: SchemaObject, depth = 0, out: SchemaObject[] = []) => {
    if (!isObject(schema) || depth > MAX_DEPTH) return out;
    out.push(schema);
    const target = resolve(schema, document);
    if (target) expand(target[0], target[1], depth + 1, out);
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      const branches = schema[key];
      if (Array.isArray(branches)) for (const b of branches) expand(b, document, depth + 1, out);
    }
    return out;
  };
  // The documents each expanded node belongs to are needed to expand the members further.
  const members = new Map<string, { schema: unknown; document: SchemaObject }[]>();
  const walk = (schema: unknown, document: SchemaObject, depth: number) => {
    if (!isObject(schema) || depth > MAX_DEPTH) return;
    if (isObject(schema.properties)) {
      for (const [name, member] of Object.entries(schema.properties)) {
        const list = members.get(name) ?? [];
        list.push({ schema: member, document });
        members.set(name, list);
      }
    }
    const target = resolve(schema, document);
    if (target) walk(target[0], target[1], depth + 1);
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      const branches = schema[key];
      if (Array.isArray(branches)) for (const b of branches) walk(b, document, depth + 1);
    }
  };
  walk(root, root, 0);

  const out = new Map<string, PropertyShape>();
  for (const [name, list] of members) {
    const nodes = list.flatMap((m) => expand(m.schema, m.document));
    out.set(name, shapeOf(nodes));
  }
  return out;
}

function shapeOf(nodes: SchemaObject[]): PropertyShape {
  const types = new Set<JsonType>();
  const formats = new Set<string | undefined>();
  for (const node of nodes) {
    const declared = typesOf(node);
    for (const t of declared ?? []) types.add(t);
    if (declared?.includes('string')) formats.add(typeof node.format === 'string' ? node.format : undefined);
  }
  return { types: types.size === 0 ? 'any' : types, formats };
}

function typesOf(schema: SchemaObject): JsonType[] | undefined {
  if (typeof schema.type === 'string') return [schema.type as JsonType];
  if (Array.isArray(schema.type)) return schema.type as JsonType[];
  if ('const' in schema) return [jsonTypeOf(schema.const)];
  if (Array.isArray(schema.enum)) return schema.enum.map(jsonTypeOf);
  return undefined;
}

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'object') return 'object';
  return typeof value as JsonType;
}

function pointer(document: unknown, fragment: string): unknown {
  if (fragment === '' || fragment === '/') return document;
  if (!fragment.startsWith('/')) return undefined;
  let current = document;
  for (const raw of fragment.slice(1).split('/')) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function isObject(value: unknown): value is SchemaObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
