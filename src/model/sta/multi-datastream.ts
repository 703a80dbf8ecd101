import type { EntityDef } from '../types.ts';
import { description, name, properties } from './common.ts';

export const COMPLEX_OBSERVATION =
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation' as const;

/**
 * MultiDatastream (§14.2, MultiDatastream extension): Observations whose result is an array, one element per
 * ObservedProperty, in the order of `unitOfMeasurements` and `multiObservationDataTypes`.
 */
export const MultiDatastream: EntityDef = {
  name: 'MultiDatastream',
  setName: 'MultiDatastreams',
  table: 'sta_multi_datastreams',
  properties: [
    name,
    description,
    { name: 'unitOfMeasurements', type: 'jsonArray', column: 'unit_of_measurements', required: true },
    {
      name: 'observationType',
      type: 'string',
      column: 'observation_type',
      required: true,
      allowedValues: [COMPLEX_OBSERVATION],
    },
    {
      name: 'multiObservationDataTypes',
      type: 'jsonArray',
      column: 'multi_observation_data_types',
      required: true,
    },
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
      inverse: 'MultiDatastreams',
      many: false,
      required: true,
      cascadeOnTargetDelete: true,
      storage: { kind: 'fk', column: 'thing_id' },
    },
    {
      name: 'Sensor',
      target: 'Sensor',
      inverse: 'MultiDatastreams',
      many: false,
      required: true,
      cascadeOnTargetDelete: true,
      storage: { kind: 'fk', column: 'sensor_id' },
    },
    {
      name: 'ObservedProperties',
      target: 'ObservedProperty',
      inverse: 'MultiDatastreams',
      many: true,
      storage: {
        kind: 'junction',
        table: 'sta_multi_datastreams_observed_properties',
        sourceColumn: 'multi_datastream_id',
        targetColumn: 'observed_property_id',
      },
    },
    {
      name: 'Observations',
      target: 'Observation',
      inverse: 'MultiDatastream',
      many: true,
      storage: { kind: 'inverse' },
    },
  ],
};
