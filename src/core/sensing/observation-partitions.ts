import { Observation } from '../../model/sta/observation.ts';
import type { Queryable, Store } from '../../store/store.ts';
import { sql } from '../query/sql.ts';

/**
 * sta_observations is partitioned by month of phenomenonTime start (UTC). An Observation whose month has no
 * partition would be rejected by PostgreSQL, so every insert path calls `ensureObservationPartitions` first;
 * `ensurePartitionsAhead` pre-creates the coming months at start-up so that steady ingestion never waits.
 */

const TABLE = Observation.table;
/** Serialises partition creation across nodes and transactions (any fixed number). */
const PARTITION_LOCK = 7_387_010;

/**
 * Months known to have a partition, per database. The value is the transaction that created the partition
 * (not yet known to be committed) or null once it was seen from another transaction, i.e. committed.
 */
const known = new WeakMap<object, Map<number, object | null>>();

/** UTC start (epoch ms) of the month containing an ISO 8601 instant. */
export function monthOf(time: string): number {
  return addMonths(Date.parse(time), 0);
}

/** Start of the month `n` months after the one containing `t` (setUTCFullYear: Date.UTC maps 0–99 to 19xx). */
function addMonths(t: number, n: number): number {
  const d = new Date(t);
  const out = new Date(0);
  out.setUTCFullYear(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
  return out.getTime();
}

/** `sta_observations_y2026m11` for November 2026. */
export function partitionName(month: number): string {
  const d = new Date(month);
  const y = String(d.getUTCFullYear()).padStart(4, '0');
  const m = String(d.getUTCMonth() + 1).padStart(2, '0');
  return `${TABLE}_y${y}m${m}`;
}

/** True when every time falls into a month whose partition is known to exist (committed) — no query. */
export function partitionsKnown(cacheKey: object, times: readonly string[]): boolean {
  const cache = known.get(cacheKey);
  return !!cache && times.every((t) => cache.get(monthOf(t)) === null);
}

/**
 * Makes sure a partition exists for the month of each time. Runs in the caller's transaction (the advisory
 * lock and the new tables commit or roll back with it). `cacheKey` identifies the database (the store);
 * `db` is the transaction.
 */
export async function ensureObservationPartitions(
  db: Queryable,
  times: readonly string[],
  cacheKey: object = db,
): Promise<string[]> {
  const cache = known.get(cacheKey) ?? new Map<number, object | null>();
  known.set(cacheKey, cache);
  const months = [...new Set(times.map(monthOf))].filter((m) => {
    const by = cache.get(m);
    return by === undefined || (by !== null && by !== db);
  });
  if (months.length === 0) return [];
  await db.query(sql`SELECT pg_advisory_xact_lock(${PARTITION_LOCK})`);
  const names = months.map(partitionName);
  const { rows } = await db.query<{ name: string }>(
    sql`SELECT name FROM unnest(${names}::text[]) AS name WHERE to_regclass(name) IS NULL`,
  );
  const missing = new Set(rows.map((r) => r.name));
  for (const m of months) cache.set(m, missing.has(partitionName(m)) ? db : null);
  if (missing.size > 0)
    await createPartitions(
      db,
      months.filter((m) => missing.has(partitionName(m))),
    );
  return [...missing];
}

/**
 * DDL takes no bound parameters, and sql.ts has no way to put runtime text into a statement. A session-local
 * function does it server-side with format('%I', '%L'), so names and bounds are quoted by PostgreSQL.
 */
async function createPartitions(db: Queryable, months: number[]): Promise<void> {
  await db.query(sql`CREATE OR REPLACE FUNCTION pg_temp.urbs_create_range_partition(
      parent text, part text, lo timestamptz, hi timestamptz) RETURNS void LANGUAGE plpgsql AS $fn$
    BEGIN
      EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, parent, lo, hi);
    END $fn$`);
  for (const m of months) {
    const lo = new Date(m).toISOString();
    const hi = new Date(addMonths(m, 1)).toISOString();
    await db.query(
      sql`SELECT pg_temp.urbs_create_range_partition(${TABLE}, ${partitionName(m)}, ${lo}::timestamptz, ${hi}::timestamptz)`,
    );
  }
}

/** Creates the partitions of this month and the next `monthsAhead` months (start-up, maintenance). */
export async function ensurePartitionsAhead(
  store: Store,
  monthsAhead = 3,
  now = new Date(),
): Promise<string[]> {
  const first = monthOf(now.toISOString());
  const times = Array.from({ length: monthsAhead + 1 }, (_, i) =>
    new Date(addMonths(first, i)).toISOString(),
  );
  return store.transaction((tx) => ensureObservationPartitions(tx, times, store));
}

/** Partitions of sta_observations that exist (for tests and diagnostics). */
export async function listObservationPartitions(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    sql`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = ${TABLE}::regclass ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}
