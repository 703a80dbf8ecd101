import type { EntityDef } from '../types.ts';
import { description, name, properties } from './common.ts';

/** Observation types of §8.2.4, Table 13. */
export const OBSERVATION_TYPES = [
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CategoryObservation',
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation',
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Observation',
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_TruthObservation',
] as const;

/**
 * Datastream (§8.2.4): groups Observations of one ObservedProperty by one Sensor of one Thing.
 * observedArea, phenomenonTime and resultTime are derived from its Observations and kept by the server.
 */
export const Datastream: EntityDef = {
  name: 'Datastream',
  setName: 'Datastreams',
  table: 'sta_datastreams',
  properties: [
    name,
    description,
    { name: 'unitOfMeasurement', type: 'json', column: 'unit_of_measurement', required: true },
    { name: 'observationType', type: 'string', column: 'observation_type', required: true },
    { name: 'observedArea', type: 'geometry', column: 'observed_area', readOnly: true, nullable: true },
    {
      name: 'phenomenonTime',
      type: 'timeInterval',
      column: 'phenomenon_time',
      readOnly: true,
      nullable: true,
    },
    { name: 'resultTime', type: 'timeInterval', column: 'result_time', readOnly: true, nullable: true },
    properties,
  ],
  relations: [
    {
      name: 'Thing',
      target: 'Thing',
      inverse: 'Datastreams',
      many: false,
      required: true,
      cascadeOnTargetDelete: true,
      storage: { kind: 'fk', column: 'thing_id' },
    },
    {
      name: 'Sensor',
      target: 'Sensor',
      inverse: 'Datastreams',
      many: false,
      required: true,
      cascadeOnTargetDelete: true,
      storage: { kind: 'fk', column: 'sensor_id' },
    },
    {
      name: 'ObservedProperty',
      target: 'ObservedProperty',
      inverse: 'Datastreams',
      many: false,
      required: true,
      cascadeOnTargetDelete: true,
      storage: { kind: 'fk', column: 'observed_property_id' },
    },
    {
      name: 'Observations',
      target: 'Observation',
      inverse: 'Datastream',
      many: true,
      storage: { kind: 'inverse' },
    },
  ],
};
