import { createRegistry } from '../registry.ts';
import type { ModelDef } from '../types.ts';
import { DataPool } from './data-pool.ts';
import { DataSet } from './data-set.ts';
import { DataSource } from './data-source.ts';
import { DataStructure } from './data-structure.ts';
import { DataStructureVersion } from './data-structure-version.ts';
import { Mapping } from './mapping.ts';
import { Pipeline } from './pipeline.ts';

/** The control plane's own resources (issue 4): data pools, data structures with their versions, data sources,
 * mappings, datasets and pipelines. */
export const controlModel: ModelDef = {
  name: 'control',
  entities: [DataPool, DataStructure, DataStructureVersion, DataSource, Mapping, DataSet, Pipeline],
};

export const controlRegistry = createRegistry(controlModel);
