import type { RequestContext } from '../entities/context.ts';
import type { EntityRecord } from '../entities/entity-record.ts';
import type { EntityService } from '../entities/entity-service.ts';
import type { ChangeEvent } from '../events/change-feed.ts';
import { createObservations, type ObservationRow } from './create-observations.ts';
import { insertInOneStatement } from './ingest-in-one-statement.ts';

/**
 * Group commit for single Observations (HTTP POSTs, MQTT publishes): submissions that arrive while the
 * previous batch is being written are collected and written together by the bulk path in one transaction,
 * so thousands of tiny requests per second cost a few statements and one commit per batch instead of a
 * dozen statements and a commit each. Each caller still gets its own answer only after the commit.
 * A batch that fails is retried row by row, so one bad Observation never fails its neighbours.
 */
export interface ObservationBatcherOptions {
  /** Most rows per transaction. */
  maxBatch?: number;
  /**
   * Batches written at the same time (per process). Batches grow while others are being written; two in
   * flight measured best (a collision on a stream's row is retried as a whole).
   */
  maxConcurrent?: number;
}

interface Pending {
  ctx: RequestContext;
  row: ObservationRow;
  resolve(r: EntityRecord): void;
  reject(err: unknown): void;
}

export interface ObservationBatcher {
  submit(ctx: RequestContext, row: ObservationRow): Promise<EntityRecord>;
}

export function createObservationBatcher(
  entities: EntityService,
  options: ObservationBatcherOptions = {},
): ObservationBatcher {
  const maxBatch = options.maxBatch ?? 1000;
  const maxConcurrent = options.maxConcurrent ?? 2;
  const queues = new Map<string, Pending[]>();
  let running = 0;
  let scheduled = false;

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(drain);
  }

  function drain() {
    scheduled = false;
    for (const [tenant, queue] of queues) {
      while (queue.length > 0 && running < maxConcurrent) {
        const batch = queue.splice(0, maxBatch);
        running++;
        write(batch).finally(() => {
          running--;
          schedule();
        });
      }
      if (queue.length === 0) queues.delete(tenant);
    }
  }

  async function write(batch: Pending[]): Promise<void> {
    const rows = batch.map((p) => p.row);
    for (let attempt = 1; ; attempt++) {
      try {
        const records = await writeRows(batch[0]!.ctx, rows);
        for (const [i, p] of batch.entries()) p.resolve(records[i]!);
        return;
      } catch (err) {
        // Concurrent batches may collide on a stream's row (deadlock, serialization): the whole batch is
        // simply written again. Anything else is about a row: find the culprit(s) one by one, a few at a
        // time, so that the others still land.
        if (isTransient(err) && attempt < 5) continue;
        if (batch.length === 1) return batch[0]!.reject(err);
        for (let i = 0; i < batch.length; i += 8) {
          await Promise.all(
            batch
              .slice(i, i + 8)
              .map((p) => writeRows(p.ctx, [p.row]).then(([r]) => p.resolve(r!), p.reject)),
          );
        }
        return;
      }
    }
  }

  async function writeRows(ctx: RequestContext, rows: ObservationRow[]): Promise<EntityRecord[]> {
    const fast = await insertInOneStatement(entities.deps, ctx.tenant, rows);
    if (fast) {
      entities.deps.feed.publish(fast.events);
      return toRecords(fast.ids, fast.events);
    }
    return entities.write(ctx, async (w) => {
      const from = w.events.length;
      const ids = await createObservations(w, rows, '');
      return toRecords(ids, w.events.slice(from));
    });
  }

  function toRecords(ids: readonly number[], events: readonly ChangeEvent[]): EntityRecord[] {
    const obs = entities.deps.registry.entity('Observation');
    const byId = new Map(events.map((e) => [e.id, e]));
    return ids.map((id) => {
      const e = byId.get(id);
      return {
        entity: obs,
        id,
        props: e?.record ?? {},
        links: e?.links ?? {},
        expanded: {},
        navigation: obs.relations.map((r) => r.name),
      };
    });
  }

  return {
    submit(ctx, row) {
      return new Promise<EntityRecord>((resolve, reject) => {
        let queue = queues.get(ctx.tenant);
        if (!queue) {
          queue = [];
          queues.set(ctx.tenant, queue);
        }
        queue.push({ ctx, row, resolve, reject });
        schedule();
      });
    },
  };
}

const CONTROL = /@iot\./;
const SIMPLE = new Set([
  'phenomenonTime',
  'resultTime',
  'result',
  'resultQuality',
  'validTime',
  'parameters',
]);
const LINKS = {
  Datastream: 'datastreamId',
  MultiDatastream: 'multiDatastreamId',
  FeatureOfInterest: 'foiId',
} as const;

/**
 * The ObservationRow of a plain Observation body (properties and links by id only), or null when the body
 * needs the general create path (inline FeatureOfInterest, unknown members — which then get their 400).
 */
export function observationRowOf(
  body: unknown,
  parent?: { relation: string; id: number },
): ObservationRow | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const row: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (SIMPLE.has(k)) row[k] = v;
    else if (k in LINKS) {
      const id = (v as { '@iot.id'?: unknown } | null)?.['@iot.id'];
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || Object.keys(v as object).length !== 1)
        return null;
      row[LINKS[k as keyof typeof LINKS]] = id;
    } else if (!CONTROL.test(k)) return null;
  }
  if (!('result' in row)) return null;
  if (parent) {
    const key = LINKS[parent.relation as keyof typeof LINKS];
    if (!key || key in row) return null;
    row[key] = parent.id;
  }
  if ((row.datastreamId === undefined) === (row.multiDatastreamId === undefined)) return null;
  return row as unknown as ObservationRow;
}

function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}
