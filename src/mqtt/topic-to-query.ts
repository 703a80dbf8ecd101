import { parseSelect } from '../apis/sta/parse-odata-query.ts';
import type { ModelRegistry } from '../model/registry.ts';
import type { EntityDef, PropertyDef, RelationDef } from '../model/types.ts';

/**
 * SensorThings MQTT topics (OGC 18-088 §14.2, receive updates; §14.1, create Observations) → what they
 * address. A topic is a resource path under a version root, optionally with a tenant prefix like the HTTP
 * tree `/t/{tenant}/`:
 *
 *   topic   = [ "t/" tenant "/" ] ( "v1.0" / "v1.1" ) "/" path [ "?$select=" names ]
 *   path    = EntitySet                              ; kind entitySet:    new entities of the set
 *           / EntitySet "(" id ")"                   ; kind entity:       the entity after create/update
 *           / EntitySet "(" id ")/" property         ; kind property:     {"property": value} on change
 *           / EntitySet "(" id ")/" NavigationSet    ; kind navigationSet: new entities related to it
 *
 * Errors are values (`{ error }`), worded for the client and the log; nothing here throws.
 */
export type TopicKind = 'entitySet' | 'entity' | 'property' | 'navigationSet';
export type StaVersion = 'v1.0' | 'v1.1';

export interface StaTopic {
  /** Tenant whose data the topic addresses. */
  tenant: string;
  /** `t/{tenant}/` when the topic had it, else ''; it reappears in the self links (like HTTP `/t/{tenant}/`). */
  tenantPrefix: string;
  version: StaVersion;
  kind: TopicKind;
  /** Type of the entities published on the topic (for a property topic: the entity owning the property). */
  entity: EntityDef;
  /** kind entity / property: the entity's id. */
  id?: number;
  property?: PropertyDef;
  /** kind navigationSet: the addressed entity and its to-many relation, e.g. Datastream 5 → Observations. */
  parent?: { entity: EntityDef; id: number; relation: RelationDef };
  /** `$select` names (first path segment, as HTTP applies them); undefined = everything. */
  select?: readonly string[];
}

export type TopicResult = { topic: StaTopic; error?: undefined } | { topic?: undefined; error: string };

const VERSIONS: readonly string[] = ['v1.0', 'v1.1'];
const TENANT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const SEGMENT = /^([A-Za-z]+)(?:\((\d{1,15})\))?$/;

/** Whether a topic is meant as a SensorThings topic (then it is parsed, and refused when it does not parse). */
export function looksLikeStaTopic(topic: string): boolean {
  return /^(t\/[^/]*\/)?v1\.\d(\/|$)/.test(topic);
}

export function parseStaTopic(registry: ModelRegistry, topic: string, defaultTenant: string): TopicResult {
  if (/[+#]/.test(topic)) return { error: 'wildcards (+, #) are not allowed in SensorThings topics' };
  const q = topic.indexOf('?');
  const path = q < 0 ? topic : topic.slice(0, q);
  const parts = path.split('/');
  let tenant = defaultTenant;
  let tenantPrefix = '';
  if (parts[0] === 't') {
    const name = parts[1] ?? '';
    if (!TENANT.test(name)) return { error: `${JSON.stringify(name)} is not a tenant name` };
    tenant = name;
    tenantPrefix = `t/${name}/`;
    parts.splice(0, 2);
  }
  const version = parts.shift() ?? '';
  if (!VERSIONS.includes(version)) return { error: `unknown version ${JSON.stringify(version)}; use v1.1` };
  const found = resolvePath(registry, parts);
  if ('error' in found) return { error: `${found.error} (topic ${topic})` };
  const base = { tenant, tenantPrefix, version: version as StaVersion, ...found };
  if (q < 0) return { topic: base };
  const select = parseTopicQuery(topic.slice(q + 1), base);
  return 'error' in select ? select : { topic: { ...base, select: select.names } };
}

type Resolved = Pick<StaTopic, 'kind' | 'entity' | 'id' | 'property' | 'parent'>;

function resolvePath(registry: ModelRegistry, parts: string[]): Resolved | { error: string } {
  if (parts.length === 0 || parts.length > 2 || parts.some((p) => p === '')) {
    return {
      error: 'expected EntitySet, EntitySet(id), EntitySet(id)/property or EntitySet(id)/NavigationSet',
    };
  }
  const m = SEGMENT.exec(parts[0]!);
  const entity = m && registry.bySetName(m[1]!);
  if (!m || !entity) return { error: `${parts[0]} is not an entity set` };
  if (m[2] === undefined) {
    return parts.length === 1
      ? { kind: 'entitySet', entity }
      : { error: 'a navigation needs an id, e.g. Datastreams(1)/Observations' };
  }
  const id = Number(m[2]);
  if (parts.length === 1) return { kind: 'entity', entity, id };
  const name = parts[1]!;
  const property = registry.property(entity, name);
  if (property) return { kind: 'property', entity, id, property };
  const relation = registry.relation(entity, name);
  if (!relation) return { error: `${name} is not a property or navigation property of ${entity.name}` };
  if (!relation.many) return { error: `${entity.name}.${name} is a single entity, not an entity set` };
  return {
    kind: 'navigationSet',
    entity: registry.entity(relation.target),
    parent: { entity, id, relation },
  };
}

/** Only `$select` is defined for topics (§14.2); its names must exist on the published entity type. */
function parseTopicQuery(query: string, t: Resolved): { names: string[] } | { error: string } {
  const params = new URLSearchParams(query);
  let names: string[] | undefined;
  for (const [key, value] of params) {
    if (key !== '$select' || names) return { error: `only one $select is allowed in a topic, not ${key}` };
    if (t.kind === 'property') return { error: 'a property topic takes no $select' };
    try {
      names = [...new Set(parseSelect(value).map((p) => p[0]!))];
    } catch (err) {
      return { error: `$select: ${(err as Error).message}` };
    }
    for (const n of names) {
      const known =
        n === 'id' ||
        n === '@iot.id' ||
        t.entity.properties.some((p) => p.name === n) ||
        t.entity.relations.some((r) => r.name === n);
      if (!known) return { error: `$select: ${n} is not a property of ${t.entity.name}` };
    }
  }
  return names ? { names } : { error: 'an empty query in a topic' };
}

/**
 * The topics Observations may be published to (§14.1): the Observations set itself, or the Observations of a
 * Datastream, MultiDatastream or FeatureOfInterest. Returns why not, or undefined when it is one.
 */
export function whyNotObservationTopic(t: StaTopic): string | undefined {
  if (t.select) return 'a topic to publish to takes no query';
  if (t.entity.name !== 'Observation') return 'only Observations can be created over MQTT';
  if (t.kind === 'entitySet' || t.kind === 'navigationSet') return undefined;
  return 'publish Observations to an Observations collection, e.g. v1.1/Datastreams(1)/Observations';
}
