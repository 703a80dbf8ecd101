import type { EntityDef } from '../types.ts';
import { description, name, properties } from './common.ts';

/** Thing (OGC 18-088 §8.2.1): an object of the physical or information world. */
export const Thing: EntityDef = {
  name: 'Thing',
  setName: 'Things',
  table: 'sta_things',
  properties: [name, description, properties],
  relations: [
    {
      name: 'Locations',
      target: 'Location',
      inverse: 'Things',
      many: true,
      storage: {
        kind: 'junction',
        table: 'sta_things_locations',
        sourceColumn: 'thing_id',
        targetColumn: 'location_id',
      },
    },
    {
      name: 'HistoricalLocations',
      target: 'HistoricalLocation',
      inverse: 'Thing',
      many: true,
      storage: { kind: 'inverse' },
    },
    { name: 'Datastreams', target: 'Datastream', inverse: 'Thing', many: true, storage: { kind: 'inverse' } },
    {
      name: 'MultiDatastreams',
      target: 'MultiDatastream',
      inverse: 'Thing',
      many: true,
      storage: { kind: 'inverse' },
    },
  ],
};
