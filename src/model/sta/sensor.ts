import type { EntityDef } from '../types.ts';
import { description, name, properties } from './common.ts';

/** Sensor (§8.2.5): the instrument; `metadata` is described by `encodingType`. */
export const Sensor: EntityDef = {
  name: 'Sensor',
  setName: 'Sensors',
  table: 'sta_sensors',
  properties: [
    name,
    description,
    { name: 'encodingType', type: 'string', column: 'encoding_type', required: true },
    { name: 'metadata', type: 'any', column: 'metadata', required: true },
    properties,
  ],
  relations: [
    {
      name: 'Datastreams',
      target: 'Datastream',
      inverse: 'Sensor',
      many: true,
      storage: { kind: 'inverse' },
    },
    {
      name: 'MultiDatastreams',
      target: 'MultiDatastream',
      inverse: 'Sensor',
      many: true,
      storage: { kind: 'inverse' },
    },
  ],
};
