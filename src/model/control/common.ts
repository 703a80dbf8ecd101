import type { PropertyDef } from '../types.ts';

/** Members every control-plane resource shares. */
export const name: PropertyDef = { name: 'name', type: 'string', column: 'name', required: true };
export const description: PropertyDef = {
  name: 'description',
  type: 'string',
  column: 'description',
  nullable: true,
};
export const createdAt: PropertyDef = {
  name: 'createdAt',
  type: 'time',
  column: 'created_at',
  readOnly: true,
  serverTime: 'created',
};
export const updatedAt: PropertyDef = {
  name: 'updatedAt',
  type: 'time',
  column: 'updated_at',
  readOnly: true,
  serverTime: 'updated',
};
