import type { EntityDef, RelationDef } from '../../model/types.ts';
import type { WriteContext } from '../entities/context.ts';
import { fieldOf, type ParsedEntity } from '../entities/validate-body.ts';
import { emit, type JunctionRelation } from '../entities/write-rows.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { ident, sql } from '../query/sql.ts';

/**
 * OGC 18-088 §14.2 (MultiDatastream extension): unitOfMeasurements, multiObservationDataTypes and the
 * ObservedProperties of a MultiDatastream correspond element by element, so their sizes must match. The
 * ObservedProperties are therefore fixed at creation, and deleting one of them deletes the MultiDatastream
 * (as FROST-Server does), rather than leave it with a unit for a property it no longer has.
 */

function sizeMismatch(field: string, message: string): BadRequestError {
  return new BadRequestError(`${field}: ${message}`, { field });
}

/** Create: one unit and one data type per ObservedProperty (given inline/linked, or the navigation parent). */
export function checkMultiDatastreamShape(p: ParsedEntity, implied: RelationDef | undefined): void {
  const units = p.values.unitOfMeasurements as unknown[];
  const types = p.values.multiObservationDataTypes as unknown[];
  const properties =
    (p.toMany.get('ObservedProperties')?.length ?? 0) + (implied?.name === 'ObservedProperties' ? 1 : 0);
  if (properties === 0) {
    throw sizeMismatch(
      fieldOf(p.field, 'ObservedProperties'),
      'a MultiDatastream needs at least one ObservedProperty',
    );
  }
  if (units.length !== properties || types.length !== properties) {
    throw sizeMismatch(
      fieldOf(p.field, 'unitOfMeasurements'),
      `${units.length} unitOfMeasurements and ${types.length} multiObservationDataTypes for ${properties} ObservedProperties; the three must have the same size`,
    );
  }
}

function opLinks(w: WriteContext): JunctionRelation {
  return w.registry.relation(w.registry.entity('MultiDatastream'), 'ObservedProperties') as JunctionRelation;
}

/** Update: new unitOfMeasurements / multiObservationDataTypes must keep the size of the ObservedProperties. */
export async function beforeMultiDatastreamUpdate(
  w: WriteContext,
  p: ParsedEntity,
  id: number,
): Promise<void> {
  const given = (['unitOfMeasurements', 'multiObservationDataTypes'] as const).filter((n) =>
    Array.isArray(p.values[n]),
  );
  if (given.length === 0) return;
  const s = opLinks(w).storage;
  const { rows } = await w.tx.query<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM ${ident(s.table)} WHERE tenant_id = ${w.tenant} AND ${ident(s.sourceColumn)} = ${id}`,
  );
  const n = rows[0]!.n;
  for (const name of given) {
    const size = (p.values[name] as unknown[]).length;
    if (size !== n)
      throw sizeMismatch(
        fieldOf(p.field, name),
        `has ${size} entries but MultiDatastream ${id} has ${n} ObservedProperties`,
      );
  }
}

/** $ref and update links between MultiDatastreams and ObservedProperties would break the correspondence. */
export function checkMultiDatastreamLink(entity: EntityDef, relation: RelationDef): void {
  const fixed =
    (entity.name === 'MultiDatastream' && relation.name === 'ObservedProperties') ||
    (entity.name === 'ObservedProperty' && relation.name === 'MultiDatastreams');
  if (!fixed) return;
  throw new BadRequestError(
    'The ObservedProperties of a MultiDatastream are fixed at creation: they correspond to its unitOfMeasurements',
    { field: relation.name },
  );
}

/** Before an ObservedProperty is deleted: delete the MultiDatastreams that observe it (and their Observations). */
export async function deleteMultiDatastreamsOf(w: WriteContext, observedPropertyId: number): Promise<void> {
  const md = w.registry.entity('MultiDatastream');
  const s = opLinks(w).storage;
  const { rows } = await w.tx.query<{ id: number }>(
    sql`DELETE FROM ${ident(md.table)} WHERE tenant_id = ${w.tenant} AND id IN (
          SELECT ${ident(s.sourceColumn)} FROM ${ident(s.table)}
          WHERE tenant_id = ${w.tenant} AND ${ident(s.targetColumn)} = ${observedPropertyId})
        RETURNING id`,
  );
  for (const r of rows) emit(w, md, 'delete', r.id);
}
