import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as body from '../../../test/support/sta-bodies.ts';
import { storeKinds } from '../../../test/support/test-store.ts';
import { openWriteFixture, type WriteFixture } from '../../../test/support/write-fixture.ts';
import { staRegistry } from '../../model/sta/index.ts';
import type { Queryable } from '../../store/store.ts';
import { createEntity } from '../entities/write-entities.ts';
import { sql } from '../query/sql.ts';
import { createObservations } from './create-observations.ts';
import {
  ensureObservationPartitions,
  ensurePartitionsAhead,
  listObservationPartitions,
  monthOf,
  partitionName,
} from './observation-partitions.ts';

test('months are UTC calendar months, named yYYYYmMM', () => {
  assert.equal(partitionName(monthOf('2026-11-30T23:59:59.999999Z')), 'sta_observations_y2026m11');
  assert.equal(partitionName(monthOf('2026-12-01T00:30:00+01:00')), 'sta_observations_y2026m11');
  assert.equal(partitionName(monthOf('0099-01-15T00:00:00Z')), 'sta_observations_y0099m01');
  assert.equal(partitionName(monthOf('2100-01-01')), 'sta_observations_y2100m01');
});

for (const kind of storeKinds()) {
  describe(`observation partitions (${kind})`, () => {
    let f: WriteFixture;
    let ds: number;
    let foi: number;
    before(async () => {
      f = await openWriteFixture(kind);
      ({ ds, foi } = await f.write(async (w) => {
        const thing = await createEntity(w, staRegistry.entity('Thing'), body.thing());
        return {
          ds: await createEntity(
            w,
            staRegistry.entity('Datastream'),
            body.datastream({ Thing: { '@iot.id': thing } }),
          ),
          foi: await createEntity(w, staRegistry.entity('FeatureOfInterest'), body.featureOfInterest(1, 1)),
        };
      }));
    });
    after(() => f.close());

    test('Observations of old and future months get their partitions on the fly', async () => {
      const ids = await f.write((w) =>
        createObservations(w, [
          { datastreamId: ds, foiId: foi, phenomenonTime: '1999-01-01T00:00:00Z', result: 'old' },
          { datastreamId: ds, foiId: foi, phenomenonTime: '2100-01-01T00:00:00Z', result: 'future' },
        ]),
      );
      const parts = await listObservationPartitions(f.store);
      assert.ok(parts.includes('sta_observations_y1999m01'), parts.join());
      assert.ok(parts.includes('sta_observations_y2100m01'), parts.join());
      const { rows } =
        await f.store.query(sql`SELECT tableoid::regclass::text AS part, result FROM sta_observations
        WHERE id = ANY(${ids}::bigint[]) ORDER BY phenomenon_time_start`);
      assert.deepEqual(rows, [
        { part: 'sta_observations_y1999m01', result: 'old' },
        { part: 'sta_observations_y2100m01', result: 'future' },
      ]);
    });

    test('a partition created by a rolled-back transaction is created again (no stale cache)', async () => {
      await assert.rejects(
        f.write(async (w) => {
          await createObservations(w, [
            { datastreamId: ds, foiId: foi, phenomenonTime: '1980-05-05T00:00:00Z', result: 1 },
          ]);
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.ok(!(await listObservationPartitions(f.store)).includes('sta_observations_y1980m05'));
      await f.write((w) =>
        createObservations(w, [
          { datastreamId: ds, foiId: foi, phenomenonTime: '1980-05-05T00:00:00Z', result: 2 },
        ]),
      );
      assert.ok((await listObservationPartitions(f.store)).includes('sta_observations_y1980m05'));
    });

    test('known months cost no query', async () => {
      await f.write((w) => ensureObservationPartitions(w.tx, ['1999-01-20T00:00:00Z'], f.store));
      let queries = 0;
      await f.store.transaction(async (tx) => {
        const counting: Queryable = {
          ...tx,
          query<R>(q: Parameters<Queryable['query']>[0]) {
            queries++;
            return tx.query<R>(q);
          },
        };
        assert.deepEqual(await ensureObservationPartitions(counting, ['1999-01-02T00:00:00Z'], f.store), []);
      });
      assert.equal(queries, 0);
    });

    test('ensurePartitionsAhead creates this month and the next ones', async () => {
      const created = await ensurePartitionsAhead(f.store, 3, new Date('2031-11-15T12:00:00Z'));
      assert.deepEqual(created, [
        'sta_observations_y2031m11',
        'sta_observations_y2031m12',
        'sta_observations_y2032m01',
        'sta_observations_y2032m02',
      ]);
      assert.deepEqual(await ensurePartitionsAhead(f.store, 3, new Date('2031-11-15T12:00:00Z')), []);
    });
  });
}
