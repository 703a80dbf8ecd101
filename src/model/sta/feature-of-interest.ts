import type { EntityDef } from '../types.ts';
import { description, GEO_ENCODINGS, name, properties } from './common.ts';

/** FeatureOfInterest (§8.2.8): what an Observation is about; generated from the Thing's Location if absent. */
export const FeatureOfInterest: EntityDef = {
  name: 'FeatureOfInterest',
  setName: 'FeaturesOfInterest',
  table: 'sta_features_of_interest',
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
    { name: 'feature', type: 'geometry', column: 'feature', required: true },
    properties,
  ],
  relations: [
    {
      name: 'Observations',
      target: 'Observation',
      inverse: 'FeatureOfInterest',
      many: true,
      storage: { kind: 'inverse' },
    },
  ],
};
