export { baseColumnName, type ColumnType, columnTypeOf, uniqueColumnName } from './column-types.ts';
export { type ConvertedRow, convertRecord, normaliseInstant, type RowPlan } from './convert-record.ts';
export {
  dropFeatureTable,
  FEATURES_SCHEMA,
  type FeatureTableLayout,
  featureTable,
  featureTableName,
  plannedColumns,
  provisionFeatureTable,
  readFeatureTableLayout,
} from './feature-table.ts';
export {
  FEATURE_MODES,
  type FeatureMode,
  type FeaturesConfig,
  featuresConfigSchema,
  validateFeaturesConfig,
} from './features-config.ts';
export { featuresSink, prepareFeaturesSink } from './features-sink.ts';
export { topLevelProperties } from './schema-properties.ts';
export { writeFeatureRows } from './write-features.ts';
