/**
 * Things of an observations sink: found by (dataset, key) through `properties["urbsDataSet"]` and
 * `properties["urbsKey"]`, created on first sight with their Location, and moved when a record's location
 * differs from the Thing's current one (a new Location linked to the Thing: core records the
 * HistoricalLocation, OGC 18-088 §8.2.3). Only cache misses cost queries.
 */
import type { WriteContext } from '../../../core/entities/context.ts';
import { createEntity } from '../../../core/entities/create-entity.ts';
import type { JunctionRelation } from '../../../core/entities/write-rows.ts';
import { ident, sql } from '../../../core/query/sql.ts';
import type { DerivedRecord } from './derive-record.ts';
import { creating } from './identity-cache.ts';
import {
  canonicalJson,
  DATA_SET_PROPERTY,
  KEY_PROPERTY,
  type SinkState,
  type ThingEntry,
} from './sink-state.ts';

/** First key of the advisory locks that serialise creating one sink's Thing (second: tenant, dataset, key). */
const THING_LOCK = 7_387_020;
const GEOJSON = 'application/geo+json';

/** The Thing of every record (by key), created or moved as the records say. */
export async function resolveThings(
  w: WriteContext,
  s: SinkState,
  records: readonly DerivedRecord[],
): Promise<Map<string, ThingEntry>> {
  const out = new Map<string, ThingEntry>();
  const missing: string[] = [];
  for (const r of records) {
    if (out.has(r.key) || missing.includes(r.key)) continue;
    const hit = s.things.get(r.key);
    if (hit) out.set(r.key, hit);
    else missing.push(r.key);
  }
  if (missing.length > 0) await findOrCreate(w, s, records, missing.sort(), out);
  await followLocations(w, s, records, out);
  return out;
}

async function findOrCreate(
  w: WriteContext,
  s: SinkState,
  records: readonly DerivedRecord[],
  keys: string[],
  out: Map<string, ThingEntry>,
): Promise<void> {
  const scope = `${w.tenant}:${s.target.dataSetId}:`;
  // Two pipelines of one dataset creating the same Thing queue here; the later one then finds it.
  await w.tx.query(
    sql`SELECT pg_advisory_xact_lock(${THING_LOCK}::int, hashtext(${scope} || k)) FROM unnest(${keys}::text[]) AS k`,
  );
  for (const [key, entry] of await lookup(w, s, keys)) {
    s.things.set(w, key, entry);
    out.set(key, entry);
  }
  for (const key of keys) {
    if (out.has(key)) continue;
    const first = records.find((r) => r.key === key)!;
    const id = await creating(w, () => createEntity(w, w.registry.entity('Thing'), thingBody(s, first)));
    const entry = { id, location: first.location ? canonicalJson(first.location) : null };
    s.things.set(w, key, entry);
    out.set(key, entry);
  }
}

function locationBody(r: DerivedRecord) {
  return {
    name: r.thingName,
    description: `Location of ${r.thingName}`,
    encodingType: GEOJSON,
    location: r.location,
  };
}

function thingBody(s: SinkState, r: DerivedRecord) {
  return {
    name: r.thingName,
    description: r.thingDescription,
    properties: { ...r.thingProperties, [DATA_SET_PROPERTY]: s.target.dataSetId, [KEY_PROPERTY]: r.key },
    ...(r.location ? { Locations: [locationBody(r)] } : {}),
  };
}

/** The sink's Things with these keys and their current Location (lowest id wins if a key was duplicated by hand). */
async function lookup(w: WriteContext, s: SinkState, keys: string[]): Promise<Map<string, ThingEntry>> {
  const r = w.registry;
  const thing = r.entity('Thing');
  const loc = r.entity('Location');
  const links = r.relation(thing, 'Locations') as JunctionRelation;
  const props = ident('t', r.property(thing, 'properties')!.column);
  const geom = r.property(loc, 'location')!.column;
  const { rows } = await w.tx.query<{ id: number; key: string; geo: unknown }>(sql`
    SELECT t.id, ${props}->>${KEY_PROPERTY} AS key, l.geo
    FROM ${ident(thing.table)} AS t
    LEFT JOIN LATERAL (
      SELECT COALESCE(${ident('l', `${geom}_geojson`)}, ST_AsGeoJSON(${ident('l', geom)})::jsonb) AS geo
      FROM ${ident(links.storage.table)} AS tl JOIN ${ident(loc.table)} AS l ON l.id = ${ident('tl', links.storage.targetColumn)}
      WHERE ${ident('tl', links.storage.sourceColumn)} = t.id
      ORDER BY l.id DESC LIMIT 1) AS l ON true
    WHERE t.tenant_id = ${w.tenant} AND ${props} ? ${KEY_PROPERTY}
      AND ${props}->>${DATA_SET_PROPERTY} = ${String(s.target.dataSetId)}
      AND ${props}->>${KEY_PROPERTY} = ANY(${keys}::text[])
    ORDER BY t.id`);
  const found = new Map<string, ThingEntry>();
  for (const row of rows) {
    if (!found.has(row.key))
      found.set(row.key, { id: row.id, location: row.geo ? canonicalJson(row.geo) : null });
  }
  return found;
}

/** A record whose location differs from its Thing's current one moves the Thing (in record order). */
async function followLocations(
  w: WriteContext,
  s: SinkState,
  records: readonly DerivedRecord[],
  things: Map<string, ThingEntry>,
): Promise<void> {
  for (const r of records) {
    if (!r.location) continue;
    const entry = things.get(r.key)!;
    const location = canonicalJson(r.location);
    if (location === entry.location) continue;
    const body = { ...locationBody(r), Things: [{ '@iot.id': entry.id }] };
    await creating(w, () => createEntity(w, w.registry.entity('Location'), body));
    // Remembered as moved, but looked up again by the next batch in case this one rolls back.
    things.set(r.key, { ...entry, location });
    s.things.set(w, r.key, { ...entry, location });
    s.things.unsettle(r.key);
  }
}
