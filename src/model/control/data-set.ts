import type { EntityDef } from '../types.ts';
import { createdAt, description, name, updatedAt } from './common.ts';

/**
 * Lifecycle of a dataset: a DRAFT is being described; staging makes it READY (complete, checked); releasing
 * makes it AVAILABLE (published). Unrelease and unstage go back one step each.
 */
export const DATA_SET_STATUSES = ['DRAFT', 'READY', 'AVAILABLE'] as const;
export type DataSetStatus = (typeof DATA_SET_STATUSES)[number];

/**
 * DataSet: a published unit of data in a DataPool, with the metadata the catalog takes (licence, keywords,
 * spatial and temporal coverage), the structure version of its records and its sinks. Pipelines fill it.
 */
export const DataSet: EntityDef = {
  name: 'DataSet',
  setName: 'datasets',
  table: 'ctl_data_sets',
  properties: [
    name,
    description,
    /** Stable identifier (unique per tenant); the API defaults it to a slug of the name. */
    { name: 'identifier', type: 'string', column: 'identifier', required: true },
    { name: 'openData', type: 'boolean', column: 'open_data', required: true },
    /** An absolute URI naming the licence (checked at the API edge). */
    { name: 'licence', type: 'string', column: 'licence', nullable: true },
    /** Keywords (strings) for the catalog. */
    { name: 'keywords', type: 'jsonArray', column: 'keywords', required: true },
    { name: 'spatialCoverage', type: 'geometry', column: 'spatial_coverage', nullable: true },
    { name: 'temporalCoverage', type: 'timeInterval', column: 'temporal_coverage', nullable: true },
    /**
     * Where the dataset's records go: `{ "kind": "observations" | "features", …config }` each (checked at the
     * API edge against the dataset's structure version by the sink kinds of src/pipeline/sinks).
     */
    { name: 'sinks', type: 'jsonArray', column: 'sinks', required: true },
    { name: 'status', type: 'string', column: 'status', required: true, allowedValues: DATA_SET_STATUSES },
    /** Why the last lifecycle transition was refused (null after a successful one). */
    { name: 'statusReason', type: 'string', column: 'status_reason', nullable: true },
    createdAt,
    updatedAt,
  ],
  relations: [
    {
      name: 'dataPool',
      target: 'DataPool',
      inverse: 'dataSets',
      many: false,
      required: true,
      storage: { kind: 'fk', column: 'data_pool_id' },
    },
    {
      name: 'dataStructureVersion',
      target: 'DataStructureVersion',
      inverse: 'dataSets',
      many: false,
      storage: { kind: 'fk', column: 'data_structure_version_id' },
    },
    { name: 'pipelines', target: 'Pipeline', inverse: 'dataSet', many: true, storage: { kind: 'inverse' } },
  ],
  unique: [['name'], ['identifier']],
};
