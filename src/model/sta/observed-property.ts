import type { EntityDef } from '../types.ts';
import { description, name, properties } from './common.ts';

/** ObservedProperty (§8.2.6): the phenomenon observed, identified by `definition` (a URI). */
export const ObservedProperty: EntityDef = {
  name: 'ObservedProperty',
  setName: 'ObservedProperties',
  table: 'sta_observed_properties',
  properties: [
    name,
    { name: 'definition', type: 'string', column: 'definition', required: true },
    description,
    properties,
  ],
  relations: [
    {
      name: 'Datastreams',
      target: 'Datastream',
      inverse: 'ObservedProperty',
      many: true,
      storage: { kind: 'inverse' },
    },
    {
      name: 'MultiDatastreams',
      target: 'MultiDatastream',
      inverse: 'ObservedProperties',
      many: true,
      storage: {
        kind: 'junction',
        table: 'sta_multi_datastreams_observed_properties',
        sourceColumn: 'observed_property_id',
        targetColumn: 'multi_datastream_id',
      },
    },
  ],
};
