export type { ObservationsSinkConfig } from './observations-config.ts';
export { observationsConfigSchema, validateObservationsConfig } from './observations-config.ts';
export { observationsSink, prepareObservationsSink } from './observations-sink.ts';
