import { createRegistry } from '../registry.ts';
import type { ModelDef } from '../types.ts';
import { DataPool } from './data-pool.ts';
import { DataStructure } from './data-structure.ts';
import { DataStructureVersion } from './data-structure-version.ts';

/** The control plane's own resources (issue 4): data pools and data structures with their versions. */
export const controlModel: ModelDef = {
  name: 'control',
  entities: [DataPool, DataStructure, DataStructureVersion],
};

export const controlRegistry = createRegistry(controlModel);
