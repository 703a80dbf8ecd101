import type { EntityDef } from '../types.ts';
import { createdAt, description, name, updatedAt } from './common.ts';

/** What the operator wants: a RUNNING pipeline is (re)started by every urbs start until it is stopped. */
export const PIPELINE_DESIRED_STATES = ['RUNNING', 'STOPPED'] as const;
export type PipelineDesiredState = (typeof PIPELINE_DESIRED_STATES)[number];

/**
 * Pipeline: reads the records of a DataSource, keeps those passing `filter` (JSONata, on the source record,
 * in addition to the mapping's own filter), maps them with a Mapping and writes them in batches of up to
 * `batchSize` to the sinks of a DataSet (docs/pipelines.md). `version` grows with every change of the
 * pipeline or its mapping; dead letters remember the version that refused them. Counters and the live state
 * are kept apart (table ctl_pipeline_stats, the runtime), so a batch never touches this row.
 */
export const Pipeline: EntityDef = {
  name: 'Pipeline',
  setName: 'pipelines',
  table: 'ctl_pipelines',
  properties: [
    name,
    description,
    { name: 'filter', type: 'string', column: 'filter', nullable: true },
    { name: 'batchSize', type: 'integer', column: 'batch_size', required: true },
    {
      name: 'desiredState',
      type: 'string',
      column: 'desired_state',
      required: true,
      allowedValues: PIPELINE_DESIRED_STATES,
    },
    { name: 'version', type: 'integer', column: 'version', required: true },
    createdAt,
    updatedAt,
  ],
  relations: [
    {
      name: 'dataSource',
      target: 'DataSource',
      inverse: 'pipelines',
      many: false,
      required: true,
      storage: { kind: 'fk', column: 'data_source_id' },
    },
    {
      name: 'mapping',
      target: 'Mapping',
      inverse: 'pipelines',
      many: false,
      required: true,
      storage: { kind: 'fk', column: 'mapping_id' },
    },
    {
      name: 'dataSet',
      target: 'DataSet',
      inverse: 'pipelines',
      many: false,
      required: true,
      cascadeOnTargetDelete: true,
      storage: { kind: 'fk', column: 'data_set_id' },
    },
  ],
  unique: [['name']],
};
