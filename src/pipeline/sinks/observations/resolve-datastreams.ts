/**
 * Datastreams of an observations sink: one per (Thing, datastream rule), marked with
 * `properties["urbsDataSet"]` and `properties["urbsKey"]` (the rule's key) and found through the Thing's
 * foreign key index. A missing one is created with its Sensor (found by name) and ObservedProperty (found by
 * definition), so that vocabulary is shared with other datasets and with entities created by hand.
 */
import type { WriteContext } from '../../../core/entities/context.ts';
import { createEntity } from '../../../core/entities/create-entity.ts';
import type { FkRelation } from '../../../core/entities/write-rows.ts';
import { ident, sql } from '../../../core/query/sql.ts';
import { findOrCreateFeatureOfInterest } from '../../../core/sensing/feature-of-interest.ts';
import type { CompiledRule, DerivedRecord } from './derive-record.ts';
import { creating, type IdentityCache } from './identity-cache.ts';
import type { SensorConfig } from './observations-config.ts';
import { canonicalJson, DATA_SET_PROPERTY, KEY_PROPERTY, type SinkState } from './sink-state.ts';

/** First key of the advisory locks that serialise creating Datastreams of one Thing (second: the Thing id). */
const DATASTREAM_LOCK = 7_387_021;
/** …and creating one Sensor or ObservedProperty (second: tenant and name or definition). */
const VOCABULARY_LOCK = 7_387_022;

export interface DatastreamNeed {
  thingId: number;
  rule: CompiledRule;
  /** Name and description, should it be created. */
  name: string;
  description: string;
}

export const datastreamKey = (thingId: number, rule: CompiledRule) => `${thingId}:${rule.key}`;

/** The Datastream of every need, by `datastreamKey`. */
export async function resolveDatastreams(
  w: WriteContext,
  s: SinkState,
  needs: readonly DatastreamNeed[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const missing = new Map<string, DatastreamNeed>();
  for (const n of needs) {
    const key = datastreamKey(n.thingId, n.rule);
    const hit = s.datastreams.get(key);
    if (hit !== undefined) out.set(key, hit);
    else if (!missing.has(key)) missing.set(key, n);
  }
  if (missing.size === 0) return out;
  const thingIds = [...new Set([...missing.values()].map((n) => n.thingId))].sort((a, b) => a - b);
  await w.tx.query(
    sql`SELECT pg_advisory_xact_lock(${DATASTREAM_LOCK}::int, hashtext(t::text)) FROM unnest(${thingIds}::bigint[]) AS t`,
  );
  for (const [key, id] of await lookup(w, s, thingIds)) {
    s.datastreams.set(w, key, id);
    if (missing.has(key)) out.set(key, id);
  }
  for (const [key, n] of missing) {
    if (out.has(key)) continue;
    const id = await creating(w, () => createDatastream(w, s, n));
    s.datastreams.set(w, key, id);
    out.set(key, id);
  }
  return out;
}

/** Every sink Datastream of these Things, by `thingId:ruleKey`. */
async function lookup(w: WriteContext, s: SinkState, thingIds: number[]): Promise<Map<string, number>> {
  const ds = w.registry.entity('Datastream');
  const props = ident(w.registry.property(ds, 'properties')!.column);
  const thing = ident((w.registry.relation(ds, 'Thing') as FkRelation).storage.column);
  const { rows } = await w.tx.query<{ id: number; thing_id: number; key: string }>(sql`
    SELECT id, ${thing} AS thing_id, ${props}->>${KEY_PROPERTY} AS key FROM ${ident(ds.table)}
    WHERE tenant_id = ${w.tenant} AND ${thing} = ANY(${thingIds}::bigint[])
      AND ${props}->>${DATA_SET_PROPERTY} = ${String(s.target.dataSetId)}
    ORDER BY id`);
  const found = new Map<string, number>();
  for (const r of rows) if (!found.has(`${r.thing_id}:${r.key}`)) found.set(`${r.thing_id}:${r.key}`, r.id);
  return found;
}

async function createDatastream(w: WriteContext, s: SinkState, n: DatastreamNeed): Promise<number> {
  const { rule } = n;
  const sensor = await sensorId(w, s, rule.sensorConfig);
  const op = await observedPropertyId(w, s, rule.observedProperty);
  return createEntity(w, w.registry.entity('Datastream'), {
    name: n.name,
    description: n.description,
    unitOfMeasurement: rule.unitOfMeasurement,
    observationType: rule.observationType,
    properties: { [DATA_SET_PROPERTY]: s.target.dataSetId, [KEY_PROPERTY]: rule.key },
    Thing: { '@iot.id': n.thingId },
    Sensor: { '@iot.id': sensor },
    ObservedProperty: { '@iot.id': op },
  });
}

/** Finds (lowest id) or creates a vocabulary entity by one identifying string column. */
async function findOrCreateBy(
  w: WriteContext,
  cache: IdentityCache<number>,
  by: { entity: string; property: string; value: string },
  body: Record<string, unknown>,
): Promise<number> {
  const hit = cache.get(by.value);
  if (hit !== undefined) return hit;
  const e = w.registry.entity(by.entity);
  const column = ident(w.registry.property(e, by.property)!.column);
  await w.tx.query(
    sql`SELECT pg_advisory_xact_lock(${VOCABULARY_LOCK}::int, hashtext(${`${w.tenant}:${by.entity}:${by.value}`}))`,
  );
  const { rows } = await w.tx.query<{ id: number }>(
    sql`SELECT id FROM ${ident(e.table)} WHERE tenant_id = ${w.tenant} AND ${column} = ${by.value} ORDER BY id LIMIT 1`,
  );
  const id = rows[0]?.id ?? (await creating(w, () => createEntity(w, e, body)));
  cache.set(w, by.value, id);
  return id;
}

function sensorId(w: WriteContext, s: SinkState, c: SensorConfig): Promise<number> {
  return findOrCreateBy(w, s.sensors, { entity: 'Sensor', property: 'name', value: c.name }, { ...c });
}

function observedPropertyId(
  w: WriteContext,
  s: SinkState,
  c: CompiledRule['observedProperty'],
): Promise<number> {
  const by = { entity: 'ObservedProperty', property: 'definition', value: c.definition };
  return findOrCreateBy(w, s.observedProperties, by, { ...c });
}

const foiKey = (f: NonNullable<DerivedRecord['foi']>) =>
  `${canonicalJson(f.feature)}\n${f.name}\n${f.description}`;

/** The explicit FeatureOfInterest of every record that has one, by record position (core finds identical ones). */
export async function resolveFois(
  w: WriteContext,
  s: SinkState,
  records: readonly DerivedRecord[],
  field: (i: number) => string,
): Promise<Array<number | undefined>> {
  const out: Array<number | undefined> = [];
  const batch = new Map<string, number>();
  for (const [i, r] of records.entries()) {
    if (!r.foi) {
      out.push(undefined);
      continue;
    }
    const key = foiKey(r.foi);
    let id = batch.get(key) ?? s.fois.get(key);
    if (id === undefined) {
      const foi = r.foi;
      id = await creating(w, () => findOrCreateFeatureOfInterest(w, foi, `${field(i)}.FeatureOfInterest`));
      s.fois.set(w, key, id);
    }
    batch.set(key, id);
    out.push(id);
  }
  return out;
}
