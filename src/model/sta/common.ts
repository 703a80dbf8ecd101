import type { PropertyDef } from '../types.ts';

/** Properties most SensorThings entities share (OGC 18-088 §8.2). */
export const name: PropertyDef = { name: 'name', type: 'string', column: 'name', required: true };
export const description: PropertyDef = {
  name: 'description',
  type: 'string',
  column: 'description',
  required: true,
};
export const properties: PropertyDef = {
  name: 'properties',
  type: 'json',
  column: 'properties',
  nullable: true,
};

/** encodingType values the standard names for Location/FeatureOfInterest (§8.2.2, Table 7). */
export const GEO_ENCODINGS = ['application/geo+json', 'application/vnd.geo+json'] as const;
/** Sensor metadata encodings (§8.2.5, Table 15). */
export const SENSOR_ENCODINGS = [
  'application/pdf',
  'http://www.opengis.net/doc/IS/SensorML/2.0',
  'text/html',
] as const;
