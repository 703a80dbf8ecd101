import type { EntityDef } from '../types.ts';
import { createdAt, description, name, updatedAt } from './common.ts';

/** Lifecycle of a data source: a DRAFT is being set up; releasing it makes it AVAILABLE to pipelines. */
export const DATA_SOURCE_STATUSES = ['DRAFT', 'AVAILABLE'] as const;
export type DataSourceStatus = (typeof DATA_SOURCE_STATUSES)[number];

/**
 * DataSource: where raw records come from (a connector type and its config, secrets sealed at rest) and the
 * DataStructureVersion of what it delivers (required before release). Optionally part of a DataPool.
 */
export const DataSource: EntityDef = {
  name: 'DataSource',
  setName: 'datasources',
  table: 'ctl_data_sources',
  properties: [
    name,
    description,
    /** A type of src/ingest/connectors/index.ts, e.g. `mqtt-subscribe` (checked at the API edge). */
    { name: 'connectorType', type: 'string', column: 'connector_type', required: true },
    /** The connector's config; every secret member (writeOnly in its schema) sealed with the SecretBox. */
    { name: 'config', type: 'json', column: 'config', required: true },
    { name: 'status', type: 'string', column: 'status', required: true, allowedValues: DATA_SOURCE_STATUSES },
    createdAt,
    updatedAt,
  ],
  relations: [
    {
      name: 'dataPool',
      target: 'DataPool',
      inverse: 'dataSources',
      many: false,
      storage: { kind: 'fk', column: 'data_pool_id' },
    },
    {
      name: 'dataStructureVersion',
      target: 'DataStructureVersion',
      inverse: 'dataSources',
      many: false,
      storage: { kind: 'fk', column: 'data_structure_version_id' },
    },
    {
      name: 'pipelines',
      target: 'Pipeline',
      inverse: 'dataSource',
      many: true,
      storage: { kind: 'inverse' },
    },
  ],
  unique: [['name']],
};
