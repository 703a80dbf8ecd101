/**
 * One batch of a pipeline, the unit of work of the runtime: every record goes through source validation →
 * filter → mapping → target validation → the sinks' checks; then ONE transaction writes the good records
 * to every sink, the refused ones to the dead letters, and the counters. Only after that commit does the
 * caller acknowledge the source. So a record is written, counted as filtered, or dead-lettered — never lost.
 *
 * A sink write that still fails on the data (a constraint PostgreSQL enforces that `check` did not foresee)
 * fails the batch; the records are then written one transaction each, so the culprit goes to the dead
 * letters with the database's reason and the rest are written. Any other failure (connection lost,
 * deadlock) is thrown: the source is not acknowledged and delivers the batch again.
 */
import type { RequestContext, WriteContext } from '../../core/entities/context.ts';
import type { EntityService } from '../../core/entities/entity-service.ts';
import { fromDatabaseError } from '../../core/errors/database-errors.ts';
import { isDomainError } from '../../core/errors/domain-error.ts';
import { sql } from '../../core/query/sql.ts';
import type { RawRecord } from '../../ingest/connector.ts';
import type { Queryable } from '../../store/store.ts';
import { processRecord, type RejectReason } from '../run-records.ts';
import type { SinkRecord } from '../sinks/sink-kind.ts';
import { type Rejected, removeDeadLetters, storeDeadLetters } from './dead-letters.ts';
import type { LoadedPipeline } from './load-pipeline.ts';

export interface BatchItem {
  raw: RawRecord;
  /** The dead letter this record is a replay of. */
  deadLetterId?: number;
}

export type ItemOutcome = 'out' | 'filtered' | 'rejected';

export interface BatchResult {
  /** Per input record, in order. */
  outcomes: ItemOutcome[];
  /** The pipeline's version after the commit (a change means: reload before the next batch). */
  version: number;
}

interface Classified {
  outcomes: ItemOutcome[];
  good: { item: BatchItem; value: Record<string, unknown>; index: number }[];
  rejected: Rejected[];
  /** Replayed dead letters that now pass (written or filtered): they leave the table. */
  resolvedDeadLetters: number[];
}

async function classify(p: LoadedPipeline, items: readonly BatchItem[]): Promise<Classified> {
  const c: Classified = { outcomes: [], good: [], rejected: [], resolvedDeadLetters: [] };
  for (const [index, item] of items.entries()) {
    const outcome = await processRecord(item.raw.data, p.parts);
    if (outcome.kind === 'rejected') {
      c.outcomes.push('rejected');
      c.rejected.push({ raw: item.raw, stage: outcome.stage, reasons: outcome.reasons, ...dl(item) });
      continue;
    }
    if (outcome.kind === 'filtered') {
      c.outcomes.push('filtered');
      if (item.deadLetterId !== undefined) c.resolvedDeadLetters.push(item.deadLetterId);
      continue;
    }
    const reasons = p.sinks.flatMap((s, i) => sinkReasons(i, s.check(outcome.value)));
    if (reasons.length > 0) {
      c.outcomes.push('rejected');
      c.rejected.push({ raw: item.raw, stage: 'sink', reasons, ...dl(item) });
      continue;
    }
    c.outcomes.push('out');
    c.good.push({ item, value: outcome.value, index });
  }
  return c;
}

const dl = (item: BatchItem) => (item.deadLetterId === undefined ? {} : { deadLetterId: item.deadLetterId });

/** Sink reasons name the sink: `sinks[1]: …`. */
function sinkReasons(sinkIndex: number, reasons: RejectReason[]): RejectReason[] {
  return reasons.map((r) => ({ ...r, rule: r.rule ?? `sinks[${sinkIndex}]` }));
}

/**
 * Adds the batch to the pipeline's counters and returns its current version. Replays do not count as new
 * input: they add to `out` and `filtered` and take what left the dead letters off `rejected`.
 */
async function countBatch(
  tx: Queryable,
  p: LoadedPipeline,
  c: Classified,
  items: readonly BatchItem[],
  lagMs: number | null,
): Promise<number> {
  const fresh = (o: ItemOutcome) =>
    c.outcomes.filter((x, i) => x === o && items[i]!.deadLetterId === undefined).length;
  const replayed = items.filter((i) => i.deadLetterId !== undefined).length;
  const stillRejected = c.rejected.filter((r) => r.deadLetterId !== undefined).length;
  const counts = {
    in: items.length - replayed,
    out: c.outcomes.filter((o) => o === 'out').length,
    filtered: c.outcomes.filter((o) => o === 'filtered').length,
    rejected: fresh('rejected') - (replayed - stillRejected),
  };
  const { rows } = await tx.query<{ version: number }>(sql`
    WITH upsert AS (
      INSERT INTO ctl_pipeline_stats AS s
        (pipeline_id, tenant_id, records_in, records_out, records_filtered, records_rejected, last_batch_at, lag_ms)
      VALUES (${p.def.id}, ${p.def.tenant}, ${counts.in}, ${counts.out}, ${counts.filtered}, ${counts.rejected},
              now(), ${lagMs})
      ON CONFLICT (pipeline_id) DO UPDATE SET
        records_in = s.records_in + EXCLUDED.records_in,
        records_out = s.records_out + EXCLUDED.records_out,
        records_filtered = s.records_filtered + EXCLUDED.records_filtered,
        records_rejected = s.records_rejected + EXCLUDED.records_rejected,
        last_batch_at = EXCLUDED.last_batch_at,
        lag_ms = COALESCE(EXCLUDED.lag_ms, s.lag_ms)
      RETURNING pipeline_id)
    SELECT version FROM ctl_pipelines WHERE id = ${p.def.id} AND tenant_id = ${p.def.tenant}`);
  return Number(rows[0]?.version ?? p.def.version);
}

/** Newest arrival among written records → how long until they were committed. */
function lagOf(c: Classified): number | null {
  let newest = Number.NEGATIVE_INFINITY;
  for (const g of c.good) {
    if (g.item.deadLetterId !== undefined) continue;
    const t = Date.parse(g.item.raw.receivedAt);
    if (t > newest) newest = t;
  }
  return Number.isFinite(newest) ? Math.max(0, Date.now() - newest) : null;
}

async function writeSinks(w: WriteContext, p: LoadedPipeline, good: Classified['good']): Promise<void> {
  if (good.length === 0) return;
  const records: SinkRecord[] = good.map((g, index) => ({ index, value: g.value }));
  for (const sink of p.sinks) await sink.write(w, records);
}

/** A failure caused by the data of the batch (so splitting it finds the culprit), not by the database. */
export function isDataError(err: unknown): boolean {
  if (isDomainError(err)) return err.status >= 400 && err.status < 500 && err.status !== 409;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  // 22 data exception, 23 integrity constraint violation, XX000 (e.g. PostGIS rejecting a geometry).
  return code.startsWith('22') || (code.startsWith('23') && code !== '23P01') || code === 'XX000';
}

/** A reason a data owner can read: the domain message, or the database's own, never SQL or a stack. */
function describe(err: unknown): string {
  if (isDomainError(err)) return err.message;
  const mapped = fromDatabaseError(err);
  const own = err instanceof Error ? err.message : String(err);
  return mapped ? `${mapped.message.replace(/; nothing was changed$/, '')}: ${own}` : own;
}

export interface BatchDeps {
  /** The SensorThings entity service: its transactions publish change events (MQTT) after commit. */
  entities: EntityService;
}

/** Runs one batch (see the module comment). Throws only when the batch must be delivered again. */
export async function runBatch(
  deps: BatchDeps,
  p: LoadedPipeline,
  items: readonly BatchItem[],
): Promise<BatchResult> {
  const c = await classify(p, items);
  const ctx: RequestContext = { tenant: p.def.tenant, principal: null };
  const commit = (good: Classified['good'], cls: Classified) =>
    deps.entities.write(ctx, async (w) => {
      await writeSinks(w, p, good);
      await storeDeadLetters(w.tx, p.def.tenant, p.def.id, p.def.version, cls.rejected);
      const resolved = [
        ...cls.resolvedDeadLetters,
        ...good.flatMap((g) => (g.item.deadLetterId === undefined ? [] : [g.item.deadLetterId])),
      ];
      await removeDeadLetters(w.tx, p.def.tenant, p.def.id, resolved);
      return countBatch(w.tx, p, cls, items, lagOf(cls));
    });
  try {
    return { outcomes: c.outcomes, version: await commit(c.good, c) };
  } catch (err) {
    if (!isDataError(err) || c.good.length === 0) throw err;
  }
  // One of the good records breaks the write: each on its own, the culprits go to the dead letters.
  const written: Classified['good'] = [];
  for (const g of c.good) {
    try {
      await deps.entities.write(ctx, (w) => writeSinks(w, p, [g]));
      written.push(g);
    } catch (err) {
      if (!isDataError(err)) throw err;
      c.outcomes[g.index] = 'rejected';
      c.rejected.push({
        raw: g.item.raw,
        stage: 'sink',
        reasons: [{ message: describe(err) }],
        ...dl(g.item),
      });
    }
  }
  // The records written one by one are committed; the last transaction only books them.
  const version = await commit([], { ...c, good: written });
  return { outcomes: c.outcomes, version };
}
