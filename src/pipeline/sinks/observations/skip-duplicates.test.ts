import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeKinds } from '../../../../test/support/test-store.ts';
import { openWriteFixture, type WriteFixture } from '../../../../test/support/write-fixture.ts';
import type { WriteContext } from '../../../core/entities/context.ts';
import { type Sql, type SqlQuery, sql } from '../../../core/query/sql.ts';
import type { Queryable } from '../../../store/store.ts';
import type { PreparedSink, SinkRecord } from '../sink-kind.ts';
import { observationsSink } from './observations-sink.ts';
import { mappedNeutorRecords, neutorConfig, weatherSchema, weatherTarget } from './test-fixtures.ts';

const config = observationsSink.validateConfig(neutorConfig, weatherSchema, 'sinks[0]');
const batch = (values: Record<string, unknown>[]): SinkRecord[] =>
  values.map((value, index) => ({ index, value }));

/** The statements a write runs (text and values), through a wrapper that stands for the transaction. */
function recording(w: WriteContext, queries: SqlQuery[]): WriteContext {
  const tx: Queryable = {
    query: (q: Sql | SqlQuery) => {
      queries.push('toQuery' in q ? q.toQuery() : q);
      return w.tx.query(q);
    },
    copy: (t, c, r) => w.tx.copy(t, c, r),
    runScript: (s) => w.tx.runScript(s),
  };
  return { ...w, tx };
}

/** One Observation per record and present result field. */
const observationsOf = (values: Record<string, unknown>[]) =>
  values.reduce(
    (n, v) =>
      n + ['temperature', 'windSpeed', 'weatherType'].filter((k) => v[k] != null && v[k] !== '').length,
    0,
  );

/** The duplicate lookup is the only statement of a sink write that reads sta_observations. */
const isLookup = (q: SqlQuery) => /FROM "sta_observations"/.test(q.text);

for (const kind of storeKinds()) {
  describe(`observations sink: a reading is stored once (${kind})`, () => {
    let f: WriteFixture;
    let records: Record<string, unknown>[];
    let dataSetId = 100;
    /** A sink of a fresh dataset, so each test starts without Things. */
    const fresh = () => observationsSink.prepare(weatherTarget({ dataSetId: ++dataSetId }), config);
    const write = (s: PreparedSink, values: Record<string, unknown>[]) =>
      f.write((w) => s.write(w, batch(values)));
    /** Observations of the current test's dataset: `[datastream key, phenomenonTime, result]`, in time order. */
    const stored = async () =>
      (
        await f.store.query<{ k: string; thing: string; t: string; interval: boolean; r: unknown }>(sql`
          SELECT d.properties->>'urbsKey' AS k, t.properties->>'urbsKey' AS thing,
                 to_char(o.phenomenon_time_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS t,
                 o.phenomenon_time_end IS NOT NULL AS interval, o.result AS r
          FROM sta_observations o JOIN sta_datastreams d ON d.id = o.datastream_id
          JOIN sta_things t ON t.id = d.thing_id
          WHERE (d.properties->>'urbsDataSet')::int = ${dataSetId}
          ORDER BY o.phenomenon_time_start, t.properties->>'urbsKey', d.properties->>'urbsKey', o.id`)
      ).rows;
    const count = async () => (await stored()).length;
    const station = (r: Record<string, unknown>, key: string) => ({
      ...structuredClone(r),
      address: { addressLocality: 'Münster', streetAddress: key },
    });

    before(async () => {
      f = await openWriteFixture(kind);
      const probe = fresh();
      records = (await mappedNeutorRecords()).filter((r) => probe.check(r).length === 0);
      assert.equal(records.length, 11);
    });
    after(() => f.close());

    test('the same batch twice stores its Observations once; the second write changes nothing', async () => {
      const s = fresh();
      await write(s, records.slice(0, 5));
      const first = await stored();
      assert.equal(first.length, 15);
      const events = f.events.length;
      const [extent] = (
        await f.store.query(sql`SELECT max(phenomenon_time_end) AS e FROM sta_datastreams
          WHERE (properties->>'urbsDataSet')::int = ${dataSetId}`)
      ).rows;
      await write(s, records.slice(0, 5));
      // A new start of the pipeline (nothing remembered) does not store them again either.
      const restarted = observationsSink.prepare(weatherTarget({ dataSetId }), config);
      await write(restarted, records.slice(0, 5));
      assert.deepEqual(await stored(), first);
      assert.equal(
        f.events.slice(events).filter((e) => e.entity === 'Observation').length,
        0,
        'no create event for a skipped reading',
      );
      const [again] = (
        await f.store.query(sql`SELECT max(phenomenon_time_end) AS e FROM sta_datastreams
          WHERE (properties->>'urbsDataSet')::int = ${dataSetId}`)
      ).rows;
      assert.deepEqual(again, extent);
    });

    test('overlapping batches store only the readings that are new', async () => {
      const s = fresh();
      await write(s, records.slice(0, 6));
      await write(s, records.slice(3, 9));
      await write(s, records.slice(8));
      const all = await stored();
      assert.equal(all.length, 33);
      assert.equal(new Set(all.map((o) => `${o.k} ${o.t}`)).size, 33);
    });

    test('duplicates within one batch collapse to the first, also when the result differs', async () => {
      const s = fresh();
      const r = records[0]!;
      const corrected = { ...r, temperature: 42, windSpeed: 9.5, weatherType: 'Nebel' };
      await write(s, [r, r, corrected, records[1]!, r]);
      const all = await stored();
      assert.equal(all.length, 6);
      const first = all.filter((o) => o.t === all[0]!.t);
      assert.deepEqual(
        first.map((o) => [o.k, o.r]),
        [
          ['temperature', r.temperature],
          ['weatherType', r.weatherType],
          ['windSpeed', r.windSpeed],
        ],
      );
      // A later correction of a stored reading does not replace it either: the first one stays.
      await write(s, [corrected]);
      assert.deepEqual(await stored(), all);
    });

    test('the same time in another Datastream is not a duplicate; the same instant in another notation is', async () => {
      const s = fresh();
      const t = '2016-02-01T00:00:00.000Z';
      // Two Things (six Datastreams) at the same time: six Observations.
      await write(s, [
        { ...station(records[0]!, 'Neutor'), dateObserved: t },
        { ...station(records[0]!, 'Hafen'), dateObserved: t },
      ]);
      assert.equal(await count(), 6);
      // 01:00+01:00 is 00:00Z: the same reading of Neutor.
      await write(s, [{ ...station(records[0]!, 'Neutor'), dateObserved: '2016-02-01T01:00:00+01:00' }]);
      assert.equal(await count(), 6);
      // An interval that starts at the same instant is another phenomenonTime; the same interval is not.
      const interval = { ...station(records[0]!, 'Neutor'), dateObserved: `${t}/2016-02-01T01:00:00Z` };
      await write(s, [interval, interval]);
      await write(s, [interval]);
      const all = await stored();
      assert.equal(all.length, 9);
      assert.equal(all.filter((o) => o.interval).length, 3);
    });

    test('a batch of 1,000 records runs one duplicate lookup, reading only the batch months', async () => {
      const s = fresh();
      // 100 hours from 29 March 2019: the batch spans two months (partitions).
      const at = (i: number) => new Date(Date.UTC(2019, 2, 29) + i * 3600_000).toISOString();
      const values = Array.from({ length: 1000 }, (_, i) => ({
        ...station(records[i % 11]!, `S${i % 10}`),
        dateObserved: at(Math.floor(i / 10)),
      }));
      await write(s, values.slice(0, 500));
      const before = await count();
      const queries: SqlQuery[] = [];
      await f.write((w) => s.write(recording(w, queries), batch(values)));
      const lookups = queries.filter(isLookup);
      assert.equal(lookups.length, 1, lookups.map((q) => q.text).join('\n'));
      const added = (await count()) - before;
      assert.equal(added, observationsOf(values.slice(500)));
      // Again: nothing new, still one lookup.
      const again: SqlQuery[] = [];
      await f.write((w) => s.write(recording(w, again), batch(values)));
      assert.equal(again.filter(isLookup).length, 1);
      assert.equal(await count(), before + added);
      if (kind !== 'postgres') return;
      // The plan: only March and April 2019 partitions, probed through the per-Datastream time index.
      // (The test table is small, so sequential scans are switched off to see that the index fits.)
      const plan = await f.write(async (w) => {
        await w.tx.query(sql`SET LOCAL enable_seqscan = off`);
        const q = lookups[0]!;
        const { rows } = await w.tx.query<{ 'QUERY PLAN': string }>({
          text: `EXPLAIN (COSTS OFF) ${q.text}`,
          values: q.values,
        } as SqlQuery);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      const partitions = new Set(plan.match(/sta_observations_y\d{4}m\d{2}(?= )/g));
      assert.deepEqual(
        [...partitions].sort(),
        ['sta_observations_y2019m03', 'sta_observations_y2019m04'],
        plan,
      );
      assert.match(
        plan,
        /Index (Only )?Scan using sta_observations_y2019m03_datastream_id_phenomenon_time/,
        plan,
      );
    });
  });
}
