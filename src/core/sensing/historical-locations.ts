import type { EntityDef, RelationDef } from '../../model/types.ts';
import { encodeProperty } from '../entities/codec.ts';
import type { WriteContext } from '../entities/context.ts';
import { emit, insertJunctionLinks, insertRow, type JunctionRelation } from '../entities/write-rows.ts';
import { ident, sql } from '../query/sql.ts';
import { forgetGeneratedFois } from './feature-of-interest.ts';

/**
 * OGC 18-088 §8.2.2/§8.2.3: a Thing's Location is its current (last known) location, and "when a Thing has
 * a new Location, a new HistoricalLocation SHALL be created and added to the Thing automatically by the
 * service". Like FROST-Server, new Location(s) replace the Thing's current ones (several Locations of one
 * Thing are encodings of one position and must be linked in one request), whether linked by creating a
 * Thing with Locations, a Location under Things(n)/Locations, a PATCH of the Thing's Locations or $ref.
 */

function relations(w: WriteContext) {
  const r = w.registry;
  const thing = r.entity('Thing');
  const hl = r.entity('HistoricalLocation');
  return {
    thing,
    hl,
    thingLocations: r.relation(thing, 'Locations') as JunctionRelation,
    hlLocations: r.relation(hl, 'Locations') as JunctionRelation,
  };
}

/** Makes `locationIds` the Thing's Locations and records them as a HistoricalLocation at the current time. */
export async function setThingLocations(
  w: WriteContext,
  thingId: number,
  locationIds: readonly number[],
): Promise<void> {
  const { hl, thingLocations, hlLocations } = relations(w);
  await replaceThingLocations(w, thingLocations, thingId, locationIds);
  const time = w.registry.property(hl, 'time')!;
  const hlId = await insertRow(w, hl, encodeProperty(time, new Date().toISOString(), 'time'), {
    Thing: thingId,
  });
  await insertJunctionLinks(w, hlLocations, hlId, locationIds);
  // Generated FeaturesOfInterest follow the Thing's Location (feature-of-interest.ts).
  forgetGeneratedFois(w);
}

async function replaceThingLocations(
  w: WriteContext,
  links: JunctionRelation,
  thingId: number,
  locationIds: readonly number[],
): Promise<void> {
  const s = links.storage;
  await w.tx.query(
    sql`DELETE FROM ${ident(s.table)} WHERE tenant_id = ${w.tenant} AND ${ident(s.sourceColumn)} = ${thingId}
        AND ${ident(s.targetColumn)} <> ALL(${[...locationIds]}::bigint[])`,
  );
  await insertJunctionLinks(w, links, thingId, locationIds);
}

/**
 * The afterLinked rule: Thing → Locations replaces the Thing's Locations; Location → Things makes this the
 * Location of each Thing; a HistoricalLocation given by the client with Locations becomes the Thing's
 * current Locations when it is the Thing's latest (FROST-Server, sensorthings issue #30), without another
 * HistoricalLocation.
 */
export async function afterLocationsLinked(
  w: WriteContext,
  entity: EntityDef,
  id: number,
  relation: RelationDef,
  targetIds: readonly number[],
): Promise<void> {
  if (entity.name === 'Thing' && relation.name === 'Locations') {
    await setThingLocations(w, id, targetIds);
  } else if (entity.name === 'Location' && relation.name === 'Things') {
    for (const thingId of targetIds) await setThingLocations(w, thingId, [id]);
  } else if (entity.name === 'HistoricalLocation' && relation.name === 'Locations') {
    await followLatestHistoricalLocation(w, id);
  }
}

async function followLatestHistoricalLocation(w: WriteContext, hlId: number): Promise<void> {
  const { hl, thingLocations, hlLocations } = relations(w);
  const thingKey = w.registry.relation(hl, 'Thing')!.storage;
  if (thingKey.kind !== 'fk') return;
  const s = hlLocations.storage;
  const { rows } = await w.tx.query<{ thing_id: number; locations: number[] }>(sql`
    SELECT h.${ident(thingKey.column)} AS thing_id,
      ARRAY(SELECT ${ident(s.targetColumn)} FROM ${ident(s.table)} WHERE ${ident(s.sourceColumn)} = h.id) AS locations
    FROM ${ident(hl.table)} AS h
    WHERE h.tenant_id = ${w.tenant} AND h.id = ${hlId} AND NOT EXISTS (
      SELECT 1 FROM ${ident(hl.table)} AS n
      WHERE n.${ident(thingKey.column)} = h.${ident(thingKey.column)} AND n.time > h.time)`);
  const latest = rows[0];
  if (!latest) return;
  await replaceThingLocations(w, thingLocations, latest.thing_id, latest.locations.map(Number));
  forgetGeneratedFois(w);
}

/**
 * Before a Location is deleted: its HistoricalLocations that have no other Location are deleted after it
 * (FROST-Server; a HistoricalLocation without Location records nothing). Returns that follow-up.
 */
export async function beforeLocationDelete(
  w: WriteContext,
  locationId: number,
): Promise<() => Promise<void>> {
  const { hl, hlLocations } = relations(w);
  const s = hlLocations.storage;
  const { rows } = await w.tx.query<{ id: number }>(
    sql`SELECT ${ident(s.sourceColumn)} AS id FROM ${ident(s.table)}
        WHERE tenant_id = ${w.tenant} AND ${ident(s.targetColumn)} = ${locationId}`,
  );
  const candidates = rows.map((r) => r.id);
  return async () => {
    forgetGeneratedFois(w);
    if (candidates.length === 0) return;
    const { rows: gone } = await w.tx.query<{ id: number }>(
      sql`DELETE FROM ${ident(hl.table)} AS h WHERE h.tenant_id = ${w.tenant} AND h.id = ANY(${candidates}::bigint[])
          AND NOT EXISTS (SELECT 1 FROM ${ident(s.table)} AS j WHERE ${ident('j', s.sourceColumn)} = h.id)
          RETURNING h.id`,
    );
    for (const r of gone) emit(w, hl, 'delete', r.id);
  };
}
