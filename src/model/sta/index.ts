import { createRegistry } from '../registry.ts';
import type { ModelDef } from '../types.ts';
import { Datastream } from './datastream.ts';
import { FeatureOfInterest } from './feature-of-interest.ts';
import { HistoricalLocation } from './historical-location.ts';
import { Location } from './location.ts';
import { MultiDatastream } from './multi-datastream.ts';
import { Observation } from './observation.ts';
import { ObservedProperty } from './observed-property.ts';
import { Sensor } from './sensor.ts';
import { Thing } from './thing.ts';

/** The OGC SensorThings API 1.1 data model (Sensing core + MultiDatastream extension). */
export const staModel: ModelDef = {
  name: 'sta',
  entities: [
    Thing,
    Location,
    HistoricalLocation,
    Datastream,
    MultiDatastream,
    Sensor,
    ObservedProperty,
    Observation,
    FeatureOfInterest,
  ],
};

export const staRegistry = createRegistry(staModel);
