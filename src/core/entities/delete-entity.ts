import type { EntityDef } from '../../model/types.ts';
import { NotFoundError } from '../errors/not-found.ts';
import { ident, sql } from '../query/sql.ts';
import type { WriteContext } from './context.ts';
import { hooksFor } from './write-hooks.ts';
import { emit, requireEntity } from './write-rows.ts';

/**
 * Deletes an entity (OGC 18-088 §10.4). The standard's cascades are mostly ON DELETE CASCADE in the DDL
 * (an `fk` relation with cascadeOnTargetDelete): Thing → Datastreams, MultiDatastreams, HistoricalLocations;
 * Datastream/MultiDatastream → Observations; Sensor → (Multi)Datastreams; FeatureOfInterest → Observations;
 * junction rows go with either side. What the DDL cannot express (e.g. a MultiDatastream losing one of its
 * ObservedProperties, HistoricalLocations left without a Location) is the model's beforeDelete rule.
 * One 'delete' event for the entity and for each entity a rule deletes explicitly; rows removed by the
 * database's cascades (possibly millions of Observations) have none.
 */
export async function deleteEntity(w: WriteContext, entity: EntityDef, id: number): Promise<void> {
  await requireEntity(w, entity, id);
  const after = await hooksFor(w).beforeDelete?.(w, entity, id);
  const { rows } = await w.tx.query(
    sql`DELETE FROM ${ident(entity.table)} WHERE tenant_id = ${w.tenant} AND id = ${id} RETURNING id`,
  );
  if (rows.length === 0)
    throw new NotFoundError(`${entity.name} ${id} does not exist`, { entity: entity.name, id });
  emit(w, entity, 'delete', id);
  await after?.();
}
