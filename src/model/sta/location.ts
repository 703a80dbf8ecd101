import type { EntityDef } from '../types.ts';
import { description, GEO_ENCODINGS, name, properties } from './common.ts';

/** Location (§8.2.2): where a Thing is; linking a Thing to a Location records a HistoricalLocation. */
export const Location: EntityDef = {
  name: 'Location',
  setName: 'Locations',
  table: 'sta_locations',
  properties: [
    name,
    description,
    {
      name: 'encodingType',
      type: 'string',
      column: 'encoding_type',
      required: true,
      allowedValues: GEO_ENCODINGS,
    },
    { name: 'location', type: 'geometry', column: 'location', required: true },
    properties,
  ],
  relations: [
    {
      name: 'Things',
      target: 'Thing',
      inverse: 'Locations',
      many: true,
      storage: {
        kind: 'junction',
        table: 'sta_things_locations',
        sourceColumn: 'location_id',
        targetColumn: 'thing_id',
      },
    },
    {
      name: 'HistoricalLocations',
      target: 'HistoricalLocation',
      inverse: 'Locations',
      many: true,
      storage: {
        kind: 'junction',
        table: 'sta_locations_historical_locations',
        sourceColumn: 'location_id',
        targetColumn: 'historical_location_id',
      },
    },
  ],
};
