import assert from 'node:assert/strict';
import type { WriteContext } from '../../src/core/entities/context.ts';
import { createEntityService } from '../../src/core/entities/entity-service.ts';
import { isDomainError } from '../../src/core/errors/domain-error.ts';
import { type ChangeEvent, createChangeFeed } from '../../src/core/events/change-feed.ts';
import { ident, sql } from '../../src/core/query/sql.ts';
import { staRegistry } from '../../src/model/sta/index.ts';
import type { Store } from '../../src/store/store.ts';
import { openTestStore, type StoreKind } from './test-store.ts';

/**
 * A migrated store with tenants `a` and `b`, the entity service over it and every published change event,
 * for suites of the write path. One per store kind per test file (opening PGlite + PostGIS takes seconds).
 */
export interface WriteFixture {
  store: Store;
  /** Events published after commit, oldest first. */
  events: ChangeEvent[];
  /** Runs `fn` in one transaction for `tenant` (default `a`), publishing its events after commit. */
  write<T>(fn: (w: WriteContext) => Promise<T>, tenant?: string): Promise<T>;
  /** Rows of a table in a tenant (default `a`). */
  count(table: string, tenant?: string): Promise<number>;
  /** One column of a row of a table by id, e.g. `value('sta_datastreams', 3, 'phenomenon_time_start')`. */
  value(table: string, id: number, column: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function openWriteFixture(kind: StoreKind): Promise<WriteFixture> {
  const { store, close } = await openTestStore(kind);
  await store.query(sql`INSERT INTO tenants (id, name) VALUES ('a', 'Tenant A'), ('b', 'Tenant B')`);
  const feed = createChangeFeed((err) => {
    throw err;
  });
  const events: ChangeEvent[] = [];
  feed.subscribe((e) => events.push(...e));
  const service = createEntityService({ store, registry: staRegistry, feed });
  return {
    store,
    events,
    write: (fn, tenant = 'a') => service.write({ tenant, principal: null }, fn),
    async count(table, tenant = 'a') {
      const { rows } = await store.query<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM ${ident(table)} WHERE tenant_id = ${tenant}`,
      );
      return rows[0]!.n;
    },
    async value(table, id, column) {
      const { rows } = await store.query(
        sql`SELECT ${ident(column)} AS v FROM ${ident(table)} WHERE id = ${id}`,
      );
      return rows[0]?.v;
    },
    close,
  };
}

/** The tables of the SensorThings model, for "nothing was written" checks. */
export const STA_TABLES = [
  'sta_things',
  'sta_locations',
  'sta_historical_locations',
  'sta_datastreams',
  'sta_multi_datastreams',
  'sta_sensors',
  'sta_observed_properties',
  'sta_observations',
  'sta_features_of_interest',
] as const;

/** Row counts of every SensorThings table in a tenant. */
export async function countAll(f: WriteFixture, tenant = 'a'): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of STA_TABLES) out[t] = await f.count(t, tenant);
  return out;
}

/** Asserts that `p` rejects with a DomainError of `status` naming `field` (and matching `message`). */
export async function rejectsWith(
  p: Promise<unknown>,
  expected: { status: number; field?: string; message?: RegExp },
): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isDomainError(err), `expected a DomainError, got ${String(err)}`);
    assert.equal(err.status, expected.status, err.message);
    if (expected.field !== undefined) assert.equal(err.extensions.field, expected.field, err.message);
    if (expected.message) assert.match(err.message, expected.message);
    return true;
  });
}
