import type { EntityDef } from '../../model/types.ts';
import type { WriteContext } from '../entities/context.ts';
import { existingIds } from '../entities/write-rows.ts';

/**
 * Existence of the Datastreams and FeaturesOfInterest that Observations refer to, remembered for a few
 * seconds per store and tenant: at thousands of Observations per second the same few streams are checked
 * over and over. Only "exists in this tenant" is remembered — a tenant never changes — and an entity
 * deleted meanwhile is still caught by the foreign key (a 409, never a wrong row).
 */
const TTL_MS = 10_000;
const seen = new WeakMap<object, Map<string, number>>();

export async function existingIdsCached(
  w: WriteContext,
  entity: EntityDef,
  ids: readonly number[],
): Promise<Set<number>> {
  const key = w.store ?? w.tx;
  let cache = seen.get(key);
  if (!cache) {
    cache = new Map();
    seen.set(key, cache);
  }
  const now = Date.now();
  const found = new Set<number>();
  const unknown: number[] = [];
  for (const id of ids) {
    const until = cache.get(`${w.tenant}:${entity.name}:${id}`);
    if (until !== undefined && until > now) found.add(id);
    else unknown.push(id);
  }
  if (unknown.length === 0) return found;
  if (cache.size > 100_000) cache.clear();
  for (const id of await existingIds(w, entity, unknown)) {
    found.add(id);
    cache.set(`${w.tenant}:${entity.name}:${id}`, now + TTL_MS);
  }
  return found;
}

/** True when every id is remembered as existing in the tenant — no query. */
export function knownToExist(
  storeKey: object,
  tenant: string,
  entity: EntityDef,
  ids: readonly number[],
): boolean {
  const cache = seen.get(storeKey);
  const now = Date.now();
  return !!cache && ids.every((id) => (cache.get(`${tenant}:${entity.name}:${id}`) ?? 0) > now);
}
