import type { EntityDef } from '../types.ts';

/**
 * Observation (§8.2.7). Stored in a table partitioned by phenomenonTime start, with partitions created ahead
 * of time. Belongs to exactly one Datastream or MultiDatastream (checked by the write path and a CHECK).
 */
export const Observation: EntityDef = {
  name: 'Observation',
  setName: 'Observations',
  table: 'sta_observations',
  partitionBy: 'phenomenonTime',
  properties: [
    {
      name: 'phenomenonTime',
      type: 'timeObject',
      column: 'phenomenon_time',
      required: true,
      defaultOnCreate: 'now',
    },
    { name: 'resultTime', type: 'time', column: 'result_time', nullable: true },
    { name: 'result', type: 'any', column: 'result', required: true, nullable: true },
    { name: 'resultQuality', type: 'any', column: 'result_quality', nullable: true },
    { name: 'validTime', type: 'timeInterval', column: 'valid_time', nullable: true },
    { name: 'parameters', type: 'json', column: 'parameters', nullable: true },
  ],
  relations: [
    {
      name: 'Datastream',
      target: 'Datastream',
      inverse: 'Observations',
      many: false,
      cascadeOnTargetDelete: true,
      storage: { kind: 'fk', column: 'datastream_id' },
    },
    {
      name: 'MultiDatastream',
      target: 'MultiDatastream',
      inverse: 'Observations',
      many: false,
      cascadeOnTargetDelete: true,
      storage: { kind: 'fk', column: 'multi_datastream_id' },
    },
    {
      name: 'FeatureOfInterest',
      target: 'FeatureOfInterest',
      inverse: 'Observations',
      many: false,
      required: true,
      cascadeOnTargetDelete: true,
      storage: { kind: 'fk', column: 'feature_of_interest_id' },
    },
  ],
};
