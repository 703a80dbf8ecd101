import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from '../core/errors/not-found.ts';

/**
 * FIWARE Smart Data Models as data structures, offline. A model's schema `$ref`s shared definitions by URL
 * (common-schema.json, weather-schema.json, …); those documents ship in smart-data-models/common and are
 * embedded into the result under `$defs`, each keeping its `$id`. That is a JSON Schema 2020-12 compound
 * document (§9.3): the original `$ref`s resolve to the embedded resources, so any validator can use the
 * schema without fetching anything.
 */

const DIR = fileURLToPath(new URL('./smart-data-models/', import.meta.url));

/** Other URLs under which a shared document is referenced (upstream uses both). */
const ALIASES: Record<string, string> = {
  'https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/Environment-schema.json':
    'https://smart-data-models.github.io/dataModel.Environment/Environment-schema.json',
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export interface ImportedModel {
  /** The model name, e.g. `WeatherObserved`. */
  model: string;
  title: string;
  description: string;
  /** The self-contained JSON Schema (2020-12). */
  schema: JsonObject;
  /** The upstream `$id` of the model's schema. */
  sourceId: string;
}

function readJson(path: string): JsonObject {
  return JSON.parse(readFileSync(path, 'utf8')) as JsonObject;
}

/** The models that can be imported, sorted. */
export function listSmartDataModels(): string[] {
  return readdirSync(DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'common')
    .map((d) => d.name)
    .sort();
}

/** The shared documents by their `$id`. */
function commonDocuments(): Map<string, JsonObject> {
  const docs = new Map<string, JsonObject>();
  for (const f of readdirSync(`${DIR}/common`).filter((x) => x.endsWith('.json'))) {
    const doc = readJson(`${DIR}/common/${f}`);
    docs.set(String(doc.$id), doc);
  }
  return docs;
}

/** Rewrites aliased `$ref`s to the canonical `$id` and collects the external documents referenced. */
function rewriteRefs(node: Json, found: Set<string>): Json {
  if (Array.isArray(node)) return node.map((x) => rewriteRefs(x, found));
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') {
      const [base = '', fragment] = v.split('#', 2);
      const canonical = ALIASES[base] ?? base;
      if (canonical) found.add(canonical);
      out[k] = fragment === undefined ? canonical : `${canonical}#${fragment}`;
    } else {
      out[k] = rewriteRefs(v, found);
    }
  }
  return out;
}

/** The model's schema with every referenced shared document embedded; a 404 for an unknown model. */
export function importSmartDataModel(model: string): ImportedModel {
  if (!listSmartDataModels().includes(model)) {
    throw new NotFoundError(
      `Smart Data Model ${model} is not available; available: ${listSmartDataModels().join(', ')}`,
      { field: 'smartDataModel' },
    );
  }
  const common = commonDocuments();
  const found = new Set<string>();
  const schema = rewriteRefs(readJson(`${DIR}/${model}/schema.json`), found) as JsonObject;
  const defs: JsonObject = {};
  const embedded = new Set<string>([String(schema.$id)]);
  // Shared documents may reference further ones (and themselves): embed until nothing new appears.
  for (let pending = [...found]; pending.length > 0; ) {
    const id = pending.shift()!;
    if (embedded.has(id)) continue;
    const doc = common.get(id);
    if (!doc) throw new Error(`Smart Data Model ${model} references ${id}, which is not bundled`);
    embedded.add(id);
    const more = new Set<string>();
    const { $schema: _ignored, ...rest } = rewriteRefs(doc, more) as JsonObject;
    defs[id.replace(/^.*\//, '').replace(/\.json$/, '')] = rest;
    pending.push(...more);
  }
  schema.$defs = { ...((schema.$defs as JsonObject | undefined) ?? {}), ...defs };
  return {
    model,
    title: typeof schema.title === 'string' ? schema.title : model,
    description: typeof schema.description === 'string' ? schema.description : '',
    schema,
    sourceId: String(schema.$id),
  };
}

/** The model's bundled key-values example (for tests and documentation). */
export function smartDataModelExample(model: string): unknown {
  return readJson(`${DIR}/${model}/examples/example.json`);
}
