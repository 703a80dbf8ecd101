import type { EntityDef } from '../types.ts';
import { createdAt, description, name, updatedAt } from './common.ts';

/**
 * DataStructure: a named data model whose content lives in its versions (one JSON Schema each). `origin`
 * records where it came from, e.g. `{"kind": "smart-data-model", "model": "WeatherObserved"}`.
 */
export const DataStructure: EntityDef = {
  name: 'DataStructure',
  setName: 'datastructures',
  table: 'ctl_data_structures',
  properties: [
    name,
    description,
    { name: 'origin', type: 'json', column: 'origin', nullable: true },
    createdAt,
    updatedAt,
  ],
  relations: [
    {
      name: 'versions',
      target: 'DataStructureVersion',
      inverse: 'dataStructure',
      many: true,
      storage: { kind: 'inverse' },
    },
  ],
  unique: [['name']],
};
