import type { EntityDef, RelationDef } from '../../model/types.ts';
import type { Row } from '../../store/store.ts';
import type { WriteContext } from '../entities/context.ts';
import type { ParsedEntity } from '../entities/validate-body.ts';
import type { WriteHooks } from '../entities/write-hooks.ts';
import { forgetGeneratedFois } from './feature-of-interest.ts';
import { afterLocationsLinked, beforeLocationDelete } from './historical-locations.ts';
import {
  beforeMultiDatastreamUpdate,
  checkMultiDatastreamLink,
  checkMultiDatastreamShape,
  deleteMultiDatastreamsOf,
} from './multi-datastreams.ts';
import {
  afterObservationUpdate,
  beforeFoiDelete,
  beforeObservationDelete,
  beforeObservationUpdate,
  checkObservationStream,
  insertObservation,
  insertObservations,
} from './observation-rules.ts';

/**
 * The SensorThings rules of the generic write path, by entity. Each rule lives in its own file; this one only
 * says which applies where.
 */

function serverFilled(entity: EntityDef, relation: RelationDef): boolean {
  // §10.2.1: a missing FeatureOfInterest is generated from the Thing's Location (feature-of-interest.ts).
  return entity.name === 'Observation' && relation.name === 'FeatureOfInterest';
}

function checkCreate(p: ParsedEntity, implied: RelationDef | undefined): void {
  if (p.entity.name === 'Observation') checkObservationStream(p, implied);
  else if (p.entity.name === 'MultiDatastream') checkMultiDatastreamShape(p, implied);
}

async function insert(w: WriteContext, p: ParsedEntity, fks: Record<string, number | null>) {
  return p.entity.name === 'Observation' ? insertObservation(w, p, fks) : undefined;
}

/** Inline Observations of a deep insert go in with one bulk write. */
const insertsMany = (entity: EntityDef) => entity.name === 'Observation';

async function beforeUpdate(w: WriteContext, p: ParsedEntity, id: number, before: Row): Promise<void> {
  if (p.entity.name === 'Observation') await beforeObservationUpdate(w, p, id, before);
  else if (p.entity.name === 'MultiDatastream') await beforeMultiDatastreamUpdate(w, p, id);
}

async function afterUpdate(
  w: WriteContext,
  entity: EntityDef,
  _id: number,
  before: Row,
  after: Row,
): Promise<void> {
  if (entity.name === 'Observation') await afterObservationUpdate(w, before, after);
  // A moved Location, or a stream moved to another Thing, changes which FOI gets generated.
  else if (['Location', 'Datastream', 'MultiDatastream'].includes(entity.name)) forgetGeneratedFois(w);
}

async function beforeDelete(w: WriteContext, entity: EntityDef, id: number) {
  switch (entity.name) {
    case 'Observation':
      return beforeObservationDelete(w, id);
    case 'FeatureOfInterest': {
      forgetGeneratedFois(w);
      return beforeFoiDelete(w, id);
    }
    case 'Location':
      return beforeLocationDelete(w, id);
    case 'ObservedProperty':
      await deleteMultiDatastreamsOf(w, id);
      return undefined;
    default:
      return undefined;
  }
}

export const sensingWriteHooks: WriteHooks = {
  serverFilled,
  checkCreate,
  insert,
  insertsMany,
  insertMany: insertObservations,
  afterLinked: afterLocationsLinked,
  checkLinkChange: checkMultiDatastreamLink,
  beforeUpdate,
  afterUpdate,
  beforeDelete,
};
