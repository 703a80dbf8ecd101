/**
 * The dead letters of pipelines: every record a pipeline could not take, with the raw payload as received,
 * the stage and reasons, and the pipeline version that refused it. Nothing a source delivers is dropped:
 * a record is either written to the sinks, filtered out on purpose (counted), or here. Operators list them,
 * fix the mapping and replay them (replay.ts); a record that passes on replay leaves the table in the
 * transaction that writes it to the sinks.
 */
import { BadRequestError } from '../../core/errors/bad-request.ts';
import { empty, sql } from '../../core/query/sql.ts';
import type { RawRecord } from '../../ingest/connector.ts';
import type { Queryable } from '../../store/store.ts';
import type { RejectReason } from '../run-records.ts';

export const DEAD_LETTER_STAGES = [
  'source-validation',
  'filter',
  'mapping',
  'target-validation',
  'sink',
] as const;
export type DeadLetterStage = (typeof DEAD_LETTER_STAGES)[number];

/** A record refused by a batch, before it is stored. */
export interface Rejected {
  raw: RawRecord;
  stage: DeadLetterStage;
  reasons: RejectReason[];
  /** Set when the record is a dead letter being replayed: that row is updated instead of a new one made. */
  deadLetterId?: number;
}

export interface DeadLetter {
  id: number;
  pipelineId: number;
  pipelineVersion: number;
  stage: DeadLetterStage;
  reasons: RejectReason[];
  payload: Record<string, unknown>;
  position: Record<string, unknown>;
  receivedAt: string;
  createdAt: string;
  attempts: number;
  lastAttemptAt: string;
}

/** Stores new dead letters and updates replayed ones that failed again, in the batch's transaction. */
export async function storeDeadLetters(
  tx: Queryable,
  tenant: string,
  pipelineId: number,
  version: number,
  rejected: readonly Rejected[],
): Promise<void> {
  const fresh = rejected.filter((r) => r.deadLetterId === undefined);
  const again = rejected.filter((r) => r.deadLetterId !== undefined);
  if (fresh.length > 0) {
    const rows = fresh.map((r) => ({
      stage: r.stage,
      reasons: r.reasons,
      payload: r.raw.data,
      position: r.raw.position,
      received_at: r.raw.receivedAt,
    }));
    await tx.query(sql`
      INSERT INTO ctl_dead_letters
        (tenant_id, pipeline_id, pipeline_version, stage, reasons, payload, position, received_at)
      SELECT ${tenant}, ${pipelineId}, ${version}, x.stage, x.reasons, x.payload, x.position, x.received_at
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS x(stage text, reasons jsonb, payload jsonb, position jsonb, received_at timestamptz)`);
  }
  if (again.length > 0) {
    const rows = again.map((r) => ({ id: r.deadLetterId, stage: r.stage, reasons: r.reasons }));
    await tx.query(sql`
      UPDATE ctl_dead_letters d
      SET stage = x.stage, reasons = x.reasons, pipeline_version = ${version},
          attempts = d.attempts + 1, last_attempt_at = now()
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(id bigint, stage text, reasons jsonb)
      WHERE d.id = x.id AND d.tenant_id = ${tenant} AND d.pipeline_id = ${pipelineId}`);
  }
}

/** Removes dead letters that a replay wrote to the sinks (same transaction as the write). */
export async function removeDeadLetters(
  tx: Queryable,
  tenant: string,
  pipelineId: number,
  ids: readonly number[],
): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(sql`
    DELETE FROM ctl_dead_letters
    WHERE tenant_id = ${tenant} AND pipeline_id = ${pipelineId} AND id = ANY(${ids.map(String)}::bigint[])`);
}

export interface DeadLetterQuery {
  page: number;
  size: number;
  stage?: DeadLetterStage;
  /** Only these ids (replay of a selection). */
  ids?: readonly number[];
}

function toDeadLetter(r: Record<string, unknown>): DeadLetter {
  return {
    id: Number(r.id),
    pipelineId: Number(r.pipeline_id),
    pipelineVersion: Number(r.pipeline_version),
    stage: r.stage as DeadLetterStage,
    reasons: r.reasons as RejectReason[],
    payload: r.payload as Record<string, unknown>,
    position: r.position as Record<string, unknown>,
    receivedAt: String(r.received_at),
    createdAt: String(r.created_at),
    attempts: Number(r.attempts),
    lastAttemptAt: String(r.last_attempt_at),
  };
}

/** A page of a pipeline's dead letters, oldest first, with the exact total. */
export async function listDeadLetters(
  db: Queryable,
  tenant: string,
  pipelineId: number,
  q: DeadLetterQuery,
): Promise<{ items: DeadLetter[]; total: number }> {
  if (q.page < 1 || q.size < 1) throw new BadRequestError('page and size must be at least 1');
  const where = sql`tenant_id = ${tenant} AND pipeline_id = ${pipelineId}
    ${q.stage ? sql`AND stage = ${q.stage}` : empty}
    ${q.ids ? sql`AND id = ANY(${q.ids.map(String)}::bigint[])` : empty}`;
  const [page, count] = await Promise.all([
    db.query<Record<string, unknown>>(sql`
      SELECT * FROM ctl_dead_letters WHERE ${where}
      ORDER BY id LIMIT ${q.size} OFFSET ${(q.page - 1) * q.size}`),
    db.query<{ n: number }>(sql`SELECT count(*)::bigint AS n FROM ctl_dead_letters WHERE ${where}`),
  ]);
  return { items: page.rows.map(toDeadLetter), total: Number(count.rows[0]?.n ?? 0) };
}

/** Deletes dead letters without replaying them (all of the pipeline's, or `ids`); returns how many. */
export async function discardDeadLetters(
  db: Queryable,
  tenant: string,
  pipelineId: number,
  ids?: readonly number[],
): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql`
    WITH gone AS (
      DELETE FROM ctl_dead_letters
      WHERE tenant_id = ${tenant} AND pipeline_id = ${pipelineId}
      ${ids ? sql`AND id = ANY(${ids.map(String)}::bigint[])` : empty}
      RETURNING 1)
    SELECT count(*)::bigint AS n FROM gone`);
  return Number(rows[0]?.n ?? 0);
}

/** Dead letters as records to run again (`deadLetterId` set), oldest first, at most `limit`. */
export async function deadLettersToReplay(
  db: Queryable,
  tenant: string,
  pipelineId: number,
  afterId: number,
  limit: number,
  ids?: readonly number[],
): Promise<{ id: number; raw: RawRecord }[]> {
  const { rows } = await db.query<Record<string, unknown>>(sql`
    SELECT id, payload, position, received_at FROM ctl_dead_letters
    WHERE tenant_id = ${tenant} AND pipeline_id = ${pipelineId} AND id > ${afterId}
    ${ids ? sql`AND id = ANY(${ids.map(String)}::bigint[])` : empty}
    ORDER BY id LIMIT ${limit}`);
  return rows.map((r) => ({
    id: Number(r.id),
    raw: {
      data: r.payload as Record<string, unknown>,
      position: r.position as RawRecord['position'],
      receivedAt: String(r.received_at),
    },
  }));
}
