/**
 * Reads a Pipeline with everything it runs on (its mapping and both structure versions, its DataSet with the
 * sinks, its DataSource) in one statement, and checks that the pieces fit: the source delivers the
 * mapping's source version, the mapping produces the dataset's version, every sink config is valid. Used by
 * the release (inside its transaction, so a misfit rolls the release back), by the runtime at each start
 * and reload, and by dry runs. Failures are DomainErrors naming the pipeline and the member at fault.
 */
import { DomainError } from '../../core/errors/domain-error.ts';
import { NotFoundError } from '../../core/errors/not-found.ts';
import { empty, sql } from '../../core/query/sql.ts';
import type { Queryable } from '../../store/store.ts';
import { type CompiledFilter, compileFilter } from '../apply-mapping.ts';
import { type PipelineParts, preparePipeline } from '../run-records.ts';
import type { PreparedSink, SinkTarget } from '../sinks/sink-kind.ts';
import { sinkKindOf } from '../sinks/sink-kinds.ts';
import { createValidatorCache } from '../validate-record.ts';

export interface PipelineDefinition {
  id: number;
  tenant: string;
  name: string;
  version: number;
  batchSize: number;
  desiredState: 'RUNNING' | 'STOPPED';
  filter: string | null;
  dataSourceId: number;
  dataSourceStatus: string;
  dataSourceVersionId: number | null;
  mapping: {
    id: number;
    document: { filter?: string; rules: unknown[] };
    sourceVersionId: number;
    targetVersionId: number;
    sourceSchema: Record<string, unknown>;
    targetSchema: Record<string, unknown>;
  };
  dataSet: {
    id: number;
    identifier: string;
    status: string;
    versionId: number | null;
    sinks: Record<string, unknown>[];
  };
}

type Row = Record<string, unknown>;

/** The pipeline `id` of `tenant` with its mapping, versions and dataset; 404 when there is none. */
export async function readPipelineDefinition(
  db: Queryable,
  tenant: string,
  id: number,
  lock = false,
): Promise<PipelineDefinition> {
  const { rows } = await db.query<Row>(sql`
    SELECT p.id, p.name, p.version, p.batch_size, p.desired_state, p.filter, p.data_source_id,
           src.status AS source_status, src.data_structure_version_id AS source_version_id,
           m.id AS mapping_id, m.filter AS mapping_filter, m.rules, m.source_version_id, m.target_version_id,
           sv.schema AS source_schema, tv.schema AS target_schema,
           ds.id AS data_set_id, ds.identifier, ds.status AS data_set_status,
           ds.data_structure_version_id AS data_set_version_id, ds.sinks
    FROM ctl_pipelines p
    JOIN ctl_data_sources src ON src.id = p.data_source_id
    JOIN ctl_mappings m ON m.id = p.mapping_id
    JOIN ctl_data_structure_versions sv ON sv.id = m.source_version_id
    JOIN ctl_data_structure_versions tv ON tv.id = m.target_version_id
    JOIN ctl_data_sets ds ON ds.id = p.data_set_id
    WHERE p.tenant_id = ${tenant} AND p.id = ${id}
    ${lock ? sql`FOR UPDATE OF p` : empty}`);
  const r = rows[0];
  if (!r) throw new NotFoundError(`Pipeline ${id} does not exist`, { entity: 'Pipeline', id });
  const mappingFilter = r.mapping_filter as string | null;
  return {
    id: Number(r.id),
    tenant,
    name: String(r.name),
    version: Number(r.version),
    batchSize: Number(r.batch_size),
    desiredState: r.desired_state as 'RUNNING' | 'STOPPED',
    filter: (r.filter as string | null) ?? null,
    dataSourceId: Number(r.data_source_id),
    dataSourceStatus: String(r.source_status),
    dataSourceVersionId: r.source_version_id === null ? null : Number(r.source_version_id),
    mapping: {
      id: Number(r.mapping_id),
      document: {
        ...(mappingFilter === null ? {} : { filter: mappingFilter }),
        rules: r.rules as unknown[],
      },
      sourceVersionId: Number(r.source_version_id),
      targetVersionId: Number(r.target_version_id),
      sourceSchema: r.source_schema as Record<string, unknown>,
      targetSchema: r.target_schema as Record<string, unknown>,
    },
    dataSet: {
      id: Number(r.data_set_id),
      identifier: String(r.identifier),
      status: String(r.data_set_status),
      versionId: r.data_set_version_id === null ? null : Number(r.data_set_version_id),
      sinks: r.sinks as Record<string, unknown>[],
    },
  };
}

/** A pipeline that cannot run as configured: 409 naming the pipeline and the member at fault. */
export function misfit(def: Pick<PipelineDefinition, 'id'>, message: string, field: string): DomainError {
  return new DomainError('URBS_PIPELINE_MISFIT', 409, `Pipeline ${def.id}: ${message}`, {
    pipelineId: def.id,
    field,
  });
}

/**
 * The checks a pipeline must pass to run: the source is released and delivers what the mapping reads, the
 * mapping produces what the dataset holds, and the dataset has sinks.
 */
export function checkFit(def: PipelineDefinition): void {
  if (def.dataSourceStatus !== 'AVAILABLE') {
    throw misfit(def, `DataSource ${def.dataSourceId} is not released (it is a DRAFT)`, 'dataSourceId');
  }
  if (def.dataSourceVersionId !== def.mapping.sourceVersionId) {
    throw misfit(
      def,
      `DataSource ${def.dataSourceId} delivers DataStructureVersion ${def.dataSourceVersionId ?? 'none'}, but Mapping ${def.mapping.id} reads version ${def.mapping.sourceVersionId}`,
      'mappingId',
    );
  }
  if (def.dataSet.versionId !== def.mapping.targetVersionId) {
    throw misfit(
      def,
      `DataSet ${def.dataSet.id} holds DataStructureVersion ${def.dataSet.versionId ?? 'none'}, but Mapping ${def.mapping.id} produces version ${def.mapping.targetVersionId}`,
      'mappingId',
    );
  }
  if (def.dataSet.sinks.length === 0) {
    throw misfit(def, `DataSet ${def.dataSet.id} has no sinks to write to`, 'dataSetId');
  }
}

/** The sink targets of a dataset (one per sink), for provisioning and preparing. */
export function sinkTargets(
  tenant: string,
  dataSet: PipelineDefinition['dataSet'],
  targetSchema: Record<string, unknown>,
): SinkTarget[] {
  return dataSet.sinks.map((_, sinkIndex) => ({
    tenant,
    dataSetId: dataSet.id,
    dataSetIdentifier: dataSet.identifier,
    sinkIndex,
    targetSchema,
  }));
}

/** What the runtime runs: the per-record parts and the prepared sinks of the pipeline's dataset. */
export interface LoadedPipeline {
  def: PipelineDefinition;
  parts: PipelineParts;
  sinks: PreparedSink[];
}

/** Both filters must keep a record: the pipeline's own first, then the mapping's. */
function bothFilters(first: CompiledFilter, second: CompiledFilter | undefined): CompiledFilter {
  if (!second) return first;
  return async (record) => {
    const a = await first(record);
    if (!a.ok || !a.keep) return a;
    return second(record);
  };
}

/** Compiles a checked definition into runnable parts (throws a DomainError when it does not fit). */
export function loadPipeline(def: PipelineDefinition): LoadedPipeline {
  checkFit(def);
  const parts = preparePipeline({
    mapping: def.mapping.document,
    sourceSchema: def.mapping.sourceSchema,
    targetSchema: def.mapping.targetSchema,
    validators: createValidatorCache(),
  });
  if (def.filter) parts.filter = bothFilters(compileFilter(def.filter), parts.mapping.filter);
  const targets = sinkTargets(def.tenant, def.dataSet, def.mapping.targetSchema);
  const sinks = def.dataSet.sinks.map((decl, i) => {
    const { kind, ...config } = decl;
    const sinkKind = sinkKindOf(kind, `sinks[${i}].kind`);
    return sinkKind.prepare(
      targets[i]!,
      sinkKind.validateConfig(config, def.mapping.targetSchema, `sinks[${i}]`),
    );
  });
  return { def, parts, sinks };
}
