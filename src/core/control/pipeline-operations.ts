/**
 * What an operator does with a Pipeline (issue 4), once for every adapter: create/change checks, start,
 * stop, restart, dry run, and replaying dead letters. The runtime (src/pipeline/runtime) does the work;
 * these functions keep the stored desired state, the checks and the order of steps.
 */
import type { Connector } from '../../ingest/connector.ts';
import { controlRegistry } from '../../model/control/index.ts';
import { compileFilter } from '../../pipeline/apply-mapping.ts';
import { processRecord, type RejectReason, type RejectStage } from '../../pipeline/run-records.ts';
import { deadLettersToReplay } from '../../pipeline/runtime/dead-letters.ts';
import {
  loadPipeline,
  type PipelineDefinition,
  readPipelineDefinition,
} from '../../pipeline/runtime/load-pipeline.ts';
import type { PipelineRuntimeImpl } from '../../pipeline/runtime/pipeline-runtime.ts';
import type { ItemOutcome } from '../../pipeline/runtime/run-batch.ts';
import type { Queryable } from '../../store/store.ts';
import type { RequestContext, WriteContext } from '../entities/context.ts';
import type { EntityService } from '../entities/entity-service.ts';
import { createEntity, deleteEntity, updateEntity } from '../entities/write-entities.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { DomainError } from '../errors/domain-error.ts';
import { sql } from '../query/sql.ts';
import type { SourceOpener } from './data-set-release.ts';

export interface PipelineOpsDeps {
  /** The control plane's entity service (its transactions hold the pipeline rows). */
  entities: EntityService;
  runtime: PipelineRuntimeImpl;
}

/** A pipeline's own filter must compile (400 naming `filter`). */
export function checkPipelineFilter(filter: unknown): void {
  if (typeof filter === 'string' && filter.trim() !== '') compileFilter(filter);
}

/** Versions of what a pipeline links must fit: the mapping reads what the source delivers, writes what the dataset holds. */
export async function checkPipelineLinks(
  w: WriteContext,
  links: { dataSourceId: number; mappingId: number; dataSetId: number },
): Promise<void> {
  const { rows } = await w.tx.query<Record<string, unknown>>(sql`
    SELECT
      (SELECT data_structure_version_id FROM ctl_data_sources WHERE tenant_id = ${w.tenant} AND id = ${links.dataSourceId}) AS source_version,
      (SELECT count(*) FROM ctl_data_sources WHERE tenant_id = ${w.tenant} AND id = ${links.dataSourceId}) AS sources,
      (SELECT source_version_id FROM ctl_mappings WHERE tenant_id = ${w.tenant} AND id = ${links.mappingId}) AS mapping_source,
      (SELECT target_version_id FROM ctl_mappings WHERE tenant_id = ${w.tenant} AND id = ${links.mappingId}) AS mapping_target,
      (SELECT data_structure_version_id FROM ctl_data_sets WHERE tenant_id = ${w.tenant} AND id = ${links.dataSetId}) AS set_version,
      (SELECT count(*) FROM ctl_data_sets WHERE tenant_id = ${w.tenant} AND id = ${links.dataSetId}) AS sets`);
  const r = rows[0]!;
  if (Number(r.sources) === 0) {
    throw new BadRequestError(`DataSource ${links.dataSourceId} does not exist`, { field: 'dataSourceId' });
  }
  if (r.mapping_source === null) {
    throw new BadRequestError(`Mapping ${links.mappingId} does not exist`, { field: 'mappingId' });
  }
  if (Number(r.sets) === 0) {
    throw new BadRequestError(`DataSet ${links.dataSetId} does not exist`, { field: 'dataSetId' });
  }
  if (r.source_version !== null && Number(r.source_version) !== Number(r.mapping_source)) {
    throw new BadRequestError(
      `Mapping ${links.mappingId} reads DataStructureVersion ${Number(r.mapping_source)}, but DataSource ${links.dataSourceId} delivers version ${Number(r.source_version)}`,
      { field: 'mappingId' },
    );
  }
  if (r.set_version !== null && Number(r.set_version) !== Number(r.mapping_target)) {
    throw new BadRequestError(
      `Mapping ${links.mappingId} produces DataStructureVersion ${Number(r.mapping_target)}, but DataSet ${links.dataSetId} holds version ${Number(r.set_version)}`,
      { field: 'mappingId' },
    );
  }
}

/** The members of a Pipeline as the API takes them. */
export interface PipelineChange {
  name?: string;
  description?: string | null;
  dataSourceId?: number;
  mappingId?: number;
  dataSetId?: number;
  filter?: string | null;
  batchSize?: number;
}

const PIPELINE = controlRegistry.entity('Pipeline');

function toEntityBody(body: PipelineChange): Record<string, unknown> {
  const { dataSourceId, mappingId, dataSetId, ...rest } = body;
  const out: Record<string, unknown> = { ...rest };
  if (dataSourceId !== undefined) out.dataSource = { '@iot.id': dataSourceId };
  if (mappingId !== undefined) out.mapping = { '@iot.id': mappingId };
  if (dataSetId !== undefined) out.dataSet = { '@iot.id': dataSetId };
  return out;
}

/** Creates a stopped pipeline (batch size 500 unless given) after checking its filter and links. */
export async function createPipeline(
  deps: PipelineOpsDeps,
  ctx: RequestContext,
  body: PipelineChange & { dataSourceId: number; mappingId: number; dataSetId: number },
): Promise<number> {
  checkPipelineFilter(body.filter);
  return deps.entities.write(ctx, async (w) => {
    await checkPipelineLinks(w, body);
    return createEntity(w, PIPELINE, {
      batchSize: 500,
      ...toEntityBody(body),
      desiredState: 'STOPPED',
      version: 1,
    });
  });
}

/**
 * Changes a pipeline and raises its version; a running one reloads before its next batch. Its data source
 * changes only while it is stopped (a running source would keep reading the old one).
 */
export async function updatePipeline(
  deps: PipelineOpsDeps,
  ctx: RequestContext,
  id: number,
  body: Omit<PipelineChange, 'dataSetId'>,
): Promise<void> {
  checkPipelineFilter(body.filter);
  await deps.entities.write(ctx, async (w) => {
    const def = await readPipelineDefinition(w.tx, w.tenant, id, true);
    const sourceChanges = body.dataSourceId !== undefined && body.dataSourceId !== def.dataSourceId;
    if (sourceChanges && deps.runtime.isRunning(w.tenant, id)) {
      throw new BadRequestError('dataSourceId cannot change while the pipeline runs; stop it first', {
        field: 'dataSourceId',
      });
    }
    await checkPipelineLinks(w, {
      dataSourceId: body.dataSourceId ?? def.dataSourceId,
      mappingId: body.mappingId ?? def.mapping.id,
      dataSetId: def.dataSet.id,
    });
    await updateEntity(w, PIPELINE, id, { ...toEntityBody(body), version: def.version + 1 }, 'merge');
  });
  deps.runtime.invalidate(ctx.tenant, [id]);
}

/** Stops a pipeline, then deletes it with its dead letters, counters and lease. */
export async function deletePipeline(deps: PipelineOpsDeps, ctx: RequestContext, id: number): Promise<void> {
  await readPipelineDefinition(deps.entities.deps.store, ctx.tenant, id);
  await deps.runtime.stop(ctx.tenant, id);
  await deps.entities.write(ctx, (w) => deleteEntity(w, PIPELINE, id));
}

/** A change of a mapping: every pipeline using it reloads before its next batch (and its version grows). */
export async function bumpPipelinesOfMapping(w: WriteContext, mappingId: number): Promise<number[]> {
  const { rows } = await w.tx.query<{ id: number }>(sql`
    UPDATE ctl_pipelines SET version = version + 1, updated_at = now()
    WHERE tenant_id = ${w.tenant} AND mapping_id = ${mappingId} RETURNING id`);
  const ids = rows.map((r) => Number(r.id));
  // The changed mapping must still fit each pipeline's source and dataset.
  for (const id of ids) {
    const def = await readPipelineDefinition(w.tx, w.tenant, id);
    await checkPipelineLinks(w, {
      dataSourceId: def.dataSourceId,
      mappingId,
      dataSetId: def.dataSet.id,
    });
  }
  return ids;
}

async function setDesiredState(w: WriteContext, id: number, state: 'RUNNING' | 'STOPPED') {
  await w.tx.query(sql`
    UPDATE ctl_pipelines SET desired_state = ${state} WHERE tenant_id = ${w.tenant} AND id = ${id}`);
}

/**
 * Starts a pipeline: its dataset must be AVAILABLE and everything must fit (409 naming the member). The
 * desired state is stored first, so the pipeline also runs after the next urbs start.
 */
export async function startPipeline(deps: PipelineOpsDeps, ctx: RequestContext, id: number): Promise<void> {
  await deps.entities.write(ctx, async (w) => {
    const def = await readPipelineDefinition(w.tx, w.tenant, id, true);
    requireAvailableDataSet(def);
    loadPipeline(def);
    await setDesiredState(w, id, 'RUNNING');
  });
  await deps.runtime.start(ctx.tenant, id);
}

function requireAvailableDataSet(def: PipelineDefinition): void {
  if (def.dataSet.status !== 'AVAILABLE') {
    throw new DomainError(
      'URBS_DATA_SET_STATUS',
      409,
      `Pipeline ${def.id} writes to DataSet ${def.dataSet.id}, which is ${def.dataSet.status}; release the dataset first`,
      { field: 'dataSetId', currentStatus: def.dataSet.status },
    );
  }
}

/** Stops a pipeline; resolves when its batch in progress is committed. */
export async function stopPipeline(deps: PipelineOpsDeps, ctx: RequestContext, id: number): Promise<void> {
  await deps.entities.write(ctx, async (w) => {
    await readPipelineDefinition(w.tx, w.tenant, id, true);
    await setDesiredState(w, id, 'STOPPED');
  });
  await deps.runtime.stop(ctx.tenant, id);
}

/** Stop, then start: the source resumes from its last acknowledged position. */
export async function restartPipeline(deps: PipelineOpsDeps, ctx: RequestContext, id: number): Promise<void> {
  await deps.runtime.stop(ctx.tenant, id);
  await startPipeline(deps, ctx, id);
}

export interface ReplayResult {
  replayed: number;
  out: number;
  filtered: number;
  stillRejected: number;
}

/**
 * Runs dead letters through the pipeline as it is now (after a fixed mapping), oldest first, in batches.
 * Those that pass are written and leave the table in the same transaction; the others stay with their new
 * reasons. The dataset must be AVAILABLE (its sinks provisioned).
 */
export async function replayDeadLetters(
  deps: PipelineOpsDeps & { db: Queryable },
  ctx: RequestContext,
  id: number,
  ids?: readonly number[],
): Promise<ReplayResult> {
  const def = await readPipelineDefinition(deps.db, ctx.tenant, id);
  requireAvailableDataSet(def);
  const result: ReplayResult = { replayed: 0, out: 0, filtered: 0, stillRejected: 0 };
  let after = 0;
  for (;;) {
    const letters = await deadLettersToReplay(deps.db, ctx.tenant, id, after, def.batchSize, ids);
    if (letters.length === 0) return result;
    after = letters[letters.length - 1]!.id;
    const outcomes = await deps.runtime.runOnce(
      ctx.tenant,
      id,
      letters.map((l) => ({ raw: l.raw, deadLetterId: l.id })),
    );
    const count = (o: ItemOutcome) => outcomes.filter((x) => x === o).length;
    result.replayed += letters.length;
    result.out += count('out');
    result.filtered += count('filtered');
    result.stillRejected += count('rejected');
  }
}

export interface PipelineDryRun {
  outputs: { index: number; value: Record<string, unknown>; sinks: Record<string, unknown>[] }[];
  rejected: { index: number; stage: RejectStage | 'sink'; reasons: RejectReason[] }[];
  counts: { total: number; out: number; filtered: number; rejected: number };
}

/**
 * The whole pipeline on sample records (given, or `sampleSize` read from a pull source without committing
 * anything): validation, filter, mapping, target validation and the sinks' checks, and what each sink would
 * make of each record. Writes nothing.
 */
export async function dryRunPipeline(
  db: Queryable,
  openSource: SourceOpener,
  ctx: RequestContext,
  id: number,
  input: { records?: readonly Record<string, unknown>[]; sampleSize?: number },
): Promise<PipelineDryRun> {
  const def = await readPipelineDefinition(db, ctx.tenant, id);
  const loaded = loadPipeline({ ...def, dataSourceStatus: 'AVAILABLE' });
  const records =
    input.records ?? (await sampleOf(db, openSource, ctx.tenant, def.dataSourceId, input.sampleSize));
  const out: PipelineDryRun = {
    outputs: [],
    rejected: [],
    counts: { total: records.length, out: 0, filtered: 0, rejected: 0 },
  };
  for (const [index, record] of records.entries()) {
    const outcome = await processRecord(record, loaded.parts);
    if (outcome.kind === 'filtered') {
      out.counts.filtered++;
      continue;
    }
    if (outcome.kind === 'rejected') {
      out.counts.rejected++;
      out.rejected.push({ index, stage: outcome.stage, reasons: outcome.reasons });
      continue;
    }
    const reasons = loaded.sinks.flatMap((s, i) =>
      s.check(outcome.value).map((r) => ({ ...r, rule: r.rule ?? `sinks[${i}]` })),
    );
    if (reasons.length > 0) {
      out.counts.rejected++;
      out.rejected.push({ index, stage: 'sink', reasons });
      continue;
    }
    out.counts.out++;
    out.outputs.push({
      index,
      value: outcome.value,
      sinks: loaded.sinks.map((s) => s.describe?.(outcome.value) ?? {}),
    });
  }
  return out;
}

/** Up to `size` records read from a pull source without committing its position; a push source has none. */
async function sampleOf(
  db: Queryable,
  openSource: SourceOpener,
  tenant: string,
  sourceId: number,
  size = 10,
): Promise<Record<string, unknown>[]> {
  const source = (await openSource(db, tenant, sourceId)) as {
    connector: Connector<unknown>;
    config: unknown;
  };
  if (source.connector.kind !== 'pull') {
    throw new BadRequestError('this source is pushed to urbs: give sample records in `records`', {
      field: 'records',
    });
  }
  return (await source.connector.sample(source.config, size)).map((r) => r.data);
}
