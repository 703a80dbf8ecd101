import type { EntityDef } from '../types.ts';
import { createdAt, description, name, updatedAt } from './common.ts';

/** DataPool: a governance boundary grouping data sources and datasets (names are unique per tenant). */
export const DataPool: EntityDef = {
  name: 'DataPool',
  setName: 'datapools',
  table: 'ctl_data_pools',
  properties: [
    name,
    description,
    /** Who answers for the pool, e.g. `{"name": "…", "email": "…"}`. */
    { name: 'contact', type: 'json', column: 'contact', nullable: true },
    createdAt,
    updatedAt,
  ],
  relations: [
    {
      name: 'dataSources',
      target: 'DataSource',
      inverse: 'dataPool',
      many: true,
      storage: { kind: 'inverse' },
    },
    {
      name: 'dataSets',
      target: 'DataSet',
      inverse: 'dataPool',
      many: true,
      storage: { kind: 'inverse' },
    },
  ],
  unique: [['name']],
};
