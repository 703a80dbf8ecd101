import type { DataSetStatus } from '../../model/control/data-set.ts';
import type { ModelRegistry } from '../../model/registry.ts';
import type { RequestContext, WriteContext } from '../entities/context.ts';
import type { EntityService } from '../entities/entity-service.ts';
import { updateEntity } from '../entities/write-entities.ts';
import { decodeRecord, readRow } from '../entities/write-rows.ts';
import { DomainError } from '../errors/domain-error.ts';
import { NotFoundError } from '../errors/not-found.ts';

/**
 * The DataSet lifecycle (issue 4): DRAFT ⇄ READY ⇄ AVAILABLE (stage/unstage, release/unrelease); only a
 * DRAFT is changed or deleted. Staging needs name, description, licence and a data pool; a refused stage
 * keeps its reason in `statusReason`. Adapters call these; the rules live here once.
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
    summary: 'Release a READY DataSet: it becomes AVAILABLE',
  },
  { action: 'unrelease', from: 'AVAILABLE', to: 'READY', summary: 'Take an AVAILABLE DataSet back to READY' },
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

/**
 * Runs one transition. A refused stage is remembered in `statusReason` (its own transaction, so the
 * refusal itself commits) and then answered with a 409 naming the first missing member.
 */
export async function transitionDataSet(
  entities: EntityService,
  registry: ModelRegistry,
  ctx: RequestContext,
  id: number,
  t: DataSetTransition,
): Promise<void> {
  const set = registry.entity('DataSet');
  const missing = await entities.write(ctx, async (w) => {
    const current = await lockDataSet(w, id);
    if (current.status !== t.from) throw wrongDataSetStatus(id, current.status, t.from, t.action);
    if (t.action === 'stage') {
      const missing = missingForStage(current.record, current.poolId);
      if (missing.length > 0) return missing;
    }
    await updateEntity(w, set, id, { status: t.to, statusReason: null }, 'merge');
    return [];
  });
  if (missing.length === 0) return;
  const reason = `stage needs ${missing.join(', ')}`;
  await entities.write(ctx, (w) => updateEntity(w, set, id, { statusReason: reason }, 'merge'));
  throw new DomainError('URBS_DATA_SET_NOT_READY', 409, `DataSet ${id} cannot be staged: ${reason}`, {
    field: missing[0],
    missing,
  });
}
