import type { EntityDef, RelationDef } from '../../model/types.ts';
import type { RequestContext } from '../entities/context.ts';
import type { EntityRecord } from '../entities/entity-record.ts';
import { isDomainError } from '../errors/domain-error.ts';
import { NotFoundError } from '../errors/not-found.ts';
import { type ObservationBatcher, observationRowOf } from './observation-batcher.ts';

/** The entity named before `/Observations` (e.g. Datastreams(1)) and the Observation's relation to it. */
export interface ObservationParent {
  entity: EntityDef;
  /** The relation on Observation that points to the parent (e.g. Observation.Datastream). */
  relation: RelationDef;
  id: number;
}

/**
 * Creates one plain Observation as `POST {parent}/Observations` would, through the group-commit batcher —
 * shared by HTTP and MQTT. Returns null when the body needs the general create path (deep insert, unknown
 * members), which then also gives the precise errors. A parent that does not exist is a 404 there and here.
 */
export async function submitObservation(
  batcher: ObservationBatcher,
  ctx: RequestContext,
  body: unknown,
  parent?: ObservationParent,
): Promise<EntityRecord | null> {
  const row = observationRowOf(body, parent && { relation: parent.relation.name, id: parent.id });
  if (!row) return null;
  // One Observation: errors name its members as a POST of one entity does (`phenomenonTime`, not `[0]…`).
  row.field = '';
  return batcher.submit(ctx, row).catch((err: unknown) => {
    if (parent && isDomainError(err) && err.status === 400 && err.extensions.field === parent.relation.name) {
      throw new NotFoundError(`${parent.entity.name} ${parent.id} does not exist`, {
        entity: parent.entity.name,
        id: parent.id,
      });
    }
    throw err;
  });
}
