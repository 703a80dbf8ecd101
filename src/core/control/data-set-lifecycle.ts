import type { DataSetStatus } from '../../model/control/data-set.ts';
import type { ModelRegistry } from '../../model/registry.ts';
import type { RequestContext, WriteContext } from '../entities/context.ts';
import type { EntityService } from '../entities/entity-service.ts';
import { updateEntity } from '../entities/write-entities.ts';
import { decodeRecord, readRow } from '../entities/write-rows.ts';
import { DomainError } from '../errors/domain-error.ts';
import { NotFoundError } from '../errors/not-found.ts';
import { disarmPipelines, provisionRelease, releaseFailure, type SourceOpener } from './data-set-release.ts';

/**
 * The DataSet lifecycle (issue 4): DRAFT ⇄ READY ⇄ AVAILABLE (stage/unstage, release/unrelease); only a
 * DRAFT is changed or deleted. Staging needs name, description, licence and a data pool; a refused stage
 * keeps its reason in `statusReason`. Release provisions the sinks and pipelines (data-set-release.ts).
 * Adapters call these; the rules live here once.
 */
export const DATA_SET_TRANSITIONS = [
  {
    action: 'stage',
    from: 'DRAFT',
    to: 'READY',
    summary: 'Stage a DRAFT DataSet: it becomes READY (needs name, description, licence, a data pool)',
  },
  {
    action: 'release',
    from: 'READY',
    to: 'AVAILABLE',
    summary:
      'Release a READY DataSet: provisions its sinks and starts its pipelines atomically; it becomes AVAILABLE',
  },
  {
    action: 'unrelease',
    from: 'AVAILABLE',
    to: 'READY',
    summary: 'Take an AVAILABLE DataSet back to READY (its pipelines stop; written data stays)',
  },
  { action: 'unstage', from: 'READY', to: 'DRAFT', summary: 'Take a READY DataSet back to DRAFT' },
] as const;

export type DataSetTransition = (typeof DATA_SET_TRANSITIONS)[number];

/** The locked current row of DataSet `id` (404 when there is none in this tenant). */
export async function lockDataSet(w: WriteContext, id: number) {
  const set = w.registry.entity('DataSet');
  const row = await readRow(w, set, id, true);
  if (!row) throw new NotFoundError(`DataSet ${id} does not exist`, { entity: 'DataSet', id });
  const { record, links } = decodeRecord(set, row);
  return { record, status: String(record.status) as DataSetStatus, poolId: links.dataPool ?? null };
}

/** 409 naming the current and the wanted status. */
export function wrongDataSetStatus(id: number, current: string, wanted: string, doing: string): DomainError {
  return new DomainError(
    'URBS_DATA_SET_STATUS',
    409,
    `DataSet ${id} is ${current}; ${doing} needs it ${wanted === 'DRAFT' ? 'to be a DRAFT' : `to be ${wanted}`}`,
    { currentStatus: current, wantedStatus: wanted },
  );
}

/** Locks the DataSet and refuses unless it is a DRAFT (for changes and deletes). */
export async function requireDraftDataSet(w: WriteContext, id: number, doing: string): Promise<void> {
  const current = await lockDataSet(w, id);
  if (current.status !== 'DRAFT') throw wrongDataSetStatus(id, current.status, 'DRAFT', doing);
}

/** What staging still misses (empty when the dataset is complete). */
export function missingForStage(record: Record<string, unknown>, poolId: unknown): string[] {
  const missing: string[] = [];
  const blank = (v: unknown) => typeof v !== 'string' || v.trim() === '';
  if (blank(record.name)) missing.push('name');
  if (blank(record.description)) missing.push('description');
  if (blank(record.licence)) missing.push('licence');
  if (poolId === null || poolId === undefined) missing.push('dataPoolId');
  return missing;
}

/** What transitions need besides the entity service: sources for release checks, and the runtime. */
export interface DataSetLifecycleDeps {
  entities: EntityService;
  registry: ModelRegistry;
  /** Opens a data source with its config checked (release checks every pipeline's source). */
  openSource: SourceOpener;
  /** Starts and stops pipelines after a release or unrelease committed. */
  pipelines?: {
    start(tenant: string, id: number): Promise<void>;
    stop(tenant: string, id: number): Promise<void>;
  };
  log?: { warn(obj: object, msg: string): void };
}

/** Remembers why a transition was refused, in a transaction of its own (so the refusal itself commits). */
async function rememberRefusal(
  deps: DataSetLifecycleDeps,
  ctx: RequestContext,
  id: number,
  reason: string,
): Promise<void> {
  const set = deps.registry.entity('DataSet');
  await deps.entities.write(ctx, (w) => updateEntity(w, set, id, { statusReason: reason }, 'merge'));
}

/**
 * Runs one transition. A refused stage or a failed release is remembered in `statusReason` and answered
 * with a 409 naming the member at fault; a failed release has changed nothing (data-set-release.ts).
 * After a release commits its pipelines start; after an unrelease they stop.
 */
export async function transitionDataSet(
  deps: DataSetLifecycleDeps,
  ctx: RequestContext,
  id: number,
  t: DataSetTransition,
): Promise<void> {
  const set = deps.registry.entity('DataSet');
  let failure: { reason: string; field?: string } | undefined;
  let missing: string[] = [];
  let toStart: number[] = [];
  let toStop: number[] = [];
  try {
    await deps.entities.write(ctx, async (w) => {
      const current = await lockDataSet(w, id);
      if (current.status !== t.from) throw wrongDataSetStatus(id, current.status, t.from, t.action);
      if (t.action === 'stage') {
        missing = missingForStage(current.record, current.poolId);
        if (missing.length > 0) return;
      }
      if (t.action === 'release') {
        try {
          toStart = await provisionRelease(w, id, deps.openSource);
        } catch (err) {
          failure = releaseFailure(err);
          throw err;
        }
      }
      if (t.action === 'unrelease') toStop = await disarmPipelines(w, id);
      await updateEntity(w, set, id, { status: t.to, statusReason: null }, 'merge');
    });
  } catch (err) {
    if (!failure) throw err;
    const reason = `release failed: ${failure.reason}`;
    await rememberRefusal(deps, ctx, id, reason);
    throw new DomainError('URBS_RELEASE_FAILED', 409, `DataSet ${id} was not released; ${reason}`, {
      ...(failure.field ? { field: failure.field } : {}),
    });
  }
  if (missing.length > 0) {
    const reason = `stage needs ${missing.join(', ')}`;
    await rememberRefusal(deps, ctx, id, reason);
    throw new DomainError('URBS_DATA_SET_NOT_READY', 409, `DataSet ${id} cannot be staged: ${reason}`, {
      field: missing[0],
      missing,
    });
  }
  for (const pid of toStop) await deps.pipelines?.stop(ctx.tenant, pid);
  for (const pid of toStart) {
    // Committed: a pipeline that cannot start now is in state `error` and retries; the release stands.
    await deps.pipelines?.start(ctx.tenant, pid).catch((err: unknown) => {
      deps.log?.warn({ pipelineId: pid, reason: (err as Error).message }, 'pipeline did not start');
    });
  }
}
