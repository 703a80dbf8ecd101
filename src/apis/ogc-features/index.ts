export { CONFORMANCE, GEOJSON } from './format-geojson.ts';
export { type OgcFeaturesPluginOptions, ogcFeaturesPlugin } from './ogc-features-plugin.ts';
export { DEFAULT_LIMIT, MAX_LIMIT, parseBbox, parseItemsQuery } from './parse-items-query.ts';
