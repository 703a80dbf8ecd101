import type { EntityDef } from '../types.ts';

/** HistoricalLocation (§8.2.3): when a Thing was at its Locations. */
export const HistoricalLocation: EntityDef = {
  name: 'HistoricalLocation',
  setName: 'HistoricalLocations',
  table: 'sta_historical_locations',
  properties: [{ name: 'time', type: 'time', column: 'time', required: true, defaultOnCreate: 'now' }],
  relations: [
    {
      name: 'Thing',
      target: 'Thing',
      inverse: 'HistoricalLocations',
      many: false,
      required: true,
      cascadeOnTargetDelete: true,
      storage: { kind: 'fk', column: 'thing_id' },
    },
    {
      name: 'Locations',
      target: 'Location',
      inverse: 'HistoricalLocations',
      many: true,
      storage: {
        kind: 'junction',
        table: 'sta_locations_historical_locations',
        sourceColumn: 'historical_location_id',
        targetColumn: 'location_id',
      },
    },
  ],
};
