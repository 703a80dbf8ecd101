import { refusePoolWithDataSets } from '../../core/control/data-pool-usage.ts';
import type { WriteContext } from '../../core/entities/context.ts';
import { controlRegistry } from '../../model/control/index.ts';
import { refuseVersionsInUse } from './datastructure-versions.ts';
import type { ControlDeps, ResourceDecl } from './resource-routes.ts';
import { nameSchema, nullableObject, nullableString, timestamp } from './schemas.ts';

/** The plain CRUD resources of the control plane, declared as data (see resource-routes.ts). */
const name = nameSchema;
const common = { id: { type: 'integer' }, createdAt: timestamp, updatedAt: timestamp };
const contact = {
  ...nullableObject,
  description: 'who answers for the pool, e.g. {"name": "…", "email": "…"}',
};

export function dataPoolResource(): ResourceDecl {
  return {
    entity: controlRegistry.entity('DataPool'),
    path: 'datapools',
    tag: 'DataPool',
    item: {
      type: 'object',
      properties: { ...common, name, description: nullableString, contact },
      required: ['id', 'name'],
    },
    create: {
      type: 'object',
      properties: { name, description: nullableString, contact },
      required: ['name'],
      additionalProperties: false,
    },
    update: {
      type: 'object',
      properties: { name, description: nullableString, contact },
      additionalProperties: false,
    },
    list: { sortable: ['name', 'createdAt', 'updatedAt', 'id'], searchable: ['name', 'description'] },
    // A dataset cannot exist without its pool.
    async beforeDelete(w: WriteContext, id: number) {
      await refusePoolWithDataSets(w, id);
    },
  };
}

export const dataStructureItem = {
  type: 'object',
  properties: {
    ...common,
    name,
    description: nullableString,
    origin: { ...nullableObject, description: 'where the structure came from (import, inference)' },
  },
  required: ['id', 'name'],
};

export function dataStructureResource(deps: ControlDeps): ResourceDecl {
  const structure = controlRegistry.entity('DataStructure');
  return {
    entity: structure,
    path: 'datastructures',
    tag: 'DataStructure',
    item: dataStructureItem,
    create: {
      type: 'object',
      properties: { name, description: nullableString },
      required: ['name'],
      additionalProperties: false,
    },
    update: {
      type: 'object',
      properties: { name, description: nullableString },
      additionalProperties: false,
    },
    list: { sortable: ['name', 'createdAt', 'updatedAt', 'id'], searchable: ['name', 'description'] },
    // A structure goes with its versions, so none of them may be in use.
    async beforeDelete(w: WriteContext, id: number) {
      await refuseVersionsInUse(deps, w, id);
    },
  };
}
