import type { EntityDef } from '../types.ts';
import { createdAt, updatedAt } from './common.ts';

/** Lifecycle of a version: a DRAFT may change; releasing makes it AVAILABLE and immutable. */
export const VERSION_STATUSES = ['DRAFT', 'AVAILABLE'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** One semver version of a DataStructure: a JSON Schema (draft 2020-12) and its lifecycle status. */
export const DataStructureVersion: EntityDef = {
  name: 'DataStructureVersion',
  setName: 'versions',
  table: 'ctl_data_structure_versions',
  properties: [
    { name: 'version', type: 'string', column: 'version', required: true },
    { name: 'status', type: 'string', column: 'status', required: true, allowedValues: VERSION_STATUSES },
    { name: 'schema', type: 'json', column: 'schema', required: true },
    { name: 'releasedAt', type: 'time', column: 'released_at', nullable: true },
    createdAt,
    updatedAt,
  ],
  relations: [
    {
      name: 'dataStructure',
      target: 'DataStructure',
      inverse: 'versions',
      many: false,
      required: true,
      cascadeOnTargetDelete: true,
      storage: { kind: 'fk', column: 'data_structure_id' },
    },
    {
      name: 'dataSources',
      target: 'DataSource',
      inverse: 'dataStructureVersion',
      many: true,
      storage: { kind: 'inverse' },
    },
    {
      name: 'sourceOfMappings',
      target: 'Mapping',
      inverse: 'sourceVersion',
      many: true,
      storage: { kind: 'inverse' },
    },
    {
      name: 'targetOfMappings',
      target: 'Mapping',
      inverse: 'targetVersion',
      many: true,
      storage: { kind: 'inverse' },
    },
    {
      name: 'dataSets',
      target: 'DataSet',
      inverse: 'dataStructureVersion',
      many: true,
      storage: { kind: 'inverse' },
    },
  ],
  unique: [['dataStructure', 'version']],
};
