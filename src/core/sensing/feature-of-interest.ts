import { encodeProperty } from '../entities/codec.ts';
import type { WriteContext } from '../entities/context.ts';
import { fieldOf } from '../entities/validate-body.ts';
import { existingIds, insertRow, type JunctionRelation } from '../entities/write-rows.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { ident, sql } from '../query/sql.ts';
import type { StreamKind } from './datastream-extents.ts';

/**
 * OGC 18-088 §8.2.8 / §10.2.1: an Observation created without a FeatureOfInterest gets one made from the
 * Location of its (Multi)Datastream's Thing; an identical FeatureOfInterest already in the tenant is reused
 * (index sta_features_of_interest_identity_idx). The stream → FOI answer is cached for a few seconds so that
 * bulk ingestion costs no extra query per Observation.
 */

const TTL_MS = 5000;
/** First key of the advisory locks that serialise generating one FeatureOfInterest (second key: its identity). */
const FOI_LOCK = 7_387_011;
const ENCODING = 'application/geo+json';

interface Cached {
  foiId: number;
  at: number;
  /** The transaction that established the entry; null once another transaction saw the FOI (committed). */
  by: object | null;
}

/** Per database (store), by `tenant:stream:id`. */
const cache = new WeakMap<object, Map<string, Cached>>();

function entries(w: WriteContext): Map<string, Cached> {
  const scope = w.store ?? w.tx;
  const m = cache.get(scope) ?? new Map<string, Cached>();
  cache.set(scope, m);
  return m;
}

/** Drops cached answers, e.g. when a Thing's Locations changed. */
export function forgetGeneratedFois(w: WriteContext): void {
  entries(w).clear();
}

export interface FoiRequest {
  stream: StreamKind;
  streamId: number;
  /** Where the Observation is in the request, for errors. */
  field: string;
}

/**
 * The generated FeaturesOfInterest of several streams, by `stream:id`: cached answers cost nothing, those
 * another (maybe rolled-back) transaction established are confirmed with one query for all of them, and
 * only streams never seen (or whose FOI is gone) look up or create theirs.
 */
export async function generatedFoisFor(
  w: WriteContext,
  requests: readonly FoiRequest[],
): Promise<Map<string, number>> {
  const map = entries(w);
  const out = new Map<string, number>();
  const unconfirmed: { key: string; cacheKey: string; hit: Cached; request: FoiRequest }[] = [];
  const missing: FoiRequest[] = [];
  const seen = new Set<string>();
  for (const r of requests) {
    const key = `${r.stream}:${r.streamId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const cacheKey = `${w.tenant}:${key}`;
    const hit = map.get(cacheKey);
    if (hit && Date.now() - hit.at < TTL_MS) {
      if (hit.by === null || hit.by === w.tx) out.set(key, hit.foiId);
      else unconfirmed.push({ key, cacheKey, hit, request: r });
      continue;
    }
    map.delete(cacheKey);
    missing.push(r);
  }
  if (unconfirmed.length > 0) {
    // Established by other transactions that may have rolled back: trusted only if the rows are visible.
    const foi = w.registry.entity('FeatureOfInterest');
    const visible = await existingIds(
      w,
      foi,
      unconfirmed.map((u) => u.hit.foiId),
    );
    for (const u of unconfirmed) {
      if (visible.has(u.hit.foiId)) {
        u.hit.by = null;
        out.set(u.key, u.hit.foiId);
      } else {
        map.delete(u.cacheKey);
        missing.push(u.request);
      }
    }
  }
  for (const r of missing) {
    const foiId = await findOrCreateFoi(w, r.stream, r.streamId, r.field);
    map.set(`${w.tenant}:${r.stream}:${r.streamId}`, { foiId, at: Date.now(), by: w.tx });
    out.set(`${r.stream}:${r.streamId}`, foiId);
  }
  return out;
}

interface ThingLocation {
  thing_id: number;
  name: string | null;
  description: string | null;
  geo: unknown;
}

/** The stream's Thing and its first Location (lowest id) as GeoJSON. */
async function thingLocation(
  w: WriteContext,
  stream: StreamKind,
  streamId: number,
): Promise<ThingLocation | undefined> {
  const r = w.registry;
  const s = r.entity(stream);
  const thingKey = r.relation(s, 'Thing')!.storage;
  const loc = r.entity('Location');
  const links = r.relation(r.entity('Thing'), 'Locations') as JunctionRelation;
  const geom = r.property(loc, 'location')!.column;
  if (thingKey.kind !== 'fk') throw new Error(`${stream}.Thing is not a foreign key`);
  const { rows } = await w.tx.query<ThingLocation>(sql`
    SELECT s.${ident(thingKey.column)} AS thing_id, l.name, l.description, l.geo
    FROM ${ident(s.table)} AS s
    LEFT JOIN LATERAL (
      SELECT l.name, l.description,
             COALESCE(${ident('l', `${geom}_geojson`)}, ST_AsGeoJSON(${ident('l', geom)})::jsonb) AS geo
      FROM ${ident(links.storage.table)} AS tl JOIN ${ident(loc.table)} AS l ON l.id = ${ident('tl', links.storage.targetColumn)}
      WHERE ${ident('tl', links.storage.sourceColumn)} = s.${ident(thingKey.column)} AND l.tenant_id = s.tenant_id
      ORDER BY l.id LIMIT 1) AS l ON true
    WHERE s.tenant_id = ${w.tenant} AND s.id = ${streamId}`);
  return rows[0];
}

async function findOrCreateFoi(
  w: WriteContext,
  stream: StreamKind,
  streamId: number,
  field: string,
): Promise<number> {
  const loc = await thingLocation(w, stream, streamId);
  const f = fieldOf(field, 'FeatureOfInterest');
  if (!loc)
    throw new BadRequestError(`${fieldOf(field, stream)}: ${stream} ${streamId} does not exist`, {
      field: f,
    });
  if (loc.geo === null || loc.geo === undefined) {
    throw new BadRequestError(
      `Observation needs a FeatureOfInterest: Thing ${loc.thing_id} has no Location`,
      { field: f },
    );
  }
  return findOrCreateFeatureOfInterest(
    w,
    { name: loc.name, description: loc.description, feature: loc.geo },
    f,
  );
}

/**
 * The FeatureOfInterest with exactly this name, description and GeoJSON `feature` in the tenant (the
 * identity of generated ones), created when there is none. Also used by the observations sink of pipelines.
 */
export async function findOrCreateFeatureOfInterest(
  w: WriteContext,
  values: { name: string | null; description: string | null; feature: unknown },
  f: string,
): Promise<number> {
  const foi = w.registry.entity('FeatureOfInterest');
  const loc = { name: values.name, description: values.description };
  const geo = JSON.stringify(values.feature);
  const feature = w.registry.property(foi, 'feature')!.column;
  // Concurrent transactions generating the same FeatureOfInterest queue here, so that the later one finds
  // the row the earlier one committed instead of inserting a duplicate (read committed: the SELECT below
  // runs after the lock is granted and sees that commit).
  await w.tx.query(
    sql`SELECT pg_advisory_xact_lock(${FOI_LOCK}::int, hashtext(${w.tenant} || md5(${geo}::jsonb::text)))`,
  );
  const { rows } = await w.tx.query<{ id: number }>(sql`
    SELECT id FROM ${ident(foi.table)}
    WHERE tenant_id = ${w.tenant} AND md5(${ident(`${feature}_geojson`)}::text) = md5(${geo}::jsonb::text)
      AND ${ident(`${feature}_geojson`)} = ${geo}::jsonb AND name = ${loc.name} AND description = ${loc.description}
      AND encoding_type = ${ENCODING}
    ORDER BY id LIMIT 1`);
  if (rows[0]) return rows[0].id;
  const columns = Object.entries({ ...loc, encodingType: ENCODING, feature: values.feature }).flatMap(
    ([name, v]) => encodeProperty(w.registry.property(foi, name)!, v, fieldOf(f, name)),
  );
  return insertRow(w, foi, columns, {}, f);
}
