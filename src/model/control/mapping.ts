import type { EntityDef } from '../types.ts';
import { createdAt, description, name, updatedAt } from './common.ts';

/**
 * Mapping: how a record of the source DataStructureVersion becomes a record of the target version
 * (src/pipeline/mapping.ts, docs/mapping.md). `filter` is a JSONata expression, `rules` the rule list; both
 * are checked against the two versions' schemas whenever they are saved. Names are unique per tenant.
 */
export const Mapping: EntityDef = {
  name: 'Mapping',
  setName: 'mappings',
  table: 'ctl_mappings',
  properties: [
    name,
    description,
    { name: 'filter', type: 'string', column: 'filter', nullable: true },
    { name: 'rules', type: 'jsonArray', column: 'rules', required: true },
    createdAt,
    updatedAt,
  ],
  relations: [
    // A version a mapping references cannot be deleted (structure-usage check), so no cascade.
    {
      name: 'sourceVersion',
      target: 'DataStructureVersion',
      inverse: 'sourceOfMappings',
      many: false,
      required: true,
      storage: { kind: 'fk', column: 'source_version_id' },
    },
    {
      name: 'targetVersion',
      target: 'DataStructureVersion',
      inverse: 'targetOfMappings',
      many: false,
      required: true,
      storage: { kind: 'fk', column: 'target_version_id' },
    },
    { name: 'pipelines', target: 'Pipeline', inverse: 'mapping', many: true, storage: { kind: 'inverse' } },
  ],
  unique: [['name']],
};
