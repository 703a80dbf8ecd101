import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as body from '../../../test/support/sta-bodies.ts';
import { storeKinds } from '../../../test/support/test-store.ts';
import { openWriteFixture, rejectsWith, type WriteFixture } from '../../../test/support/write-fixture.ts';
import { staRegistry } from '../../model/sta/index.ts';
import { createEntity, deleteEntity, updateEntity } from '../entities/write-entities.ts';
import { sql } from '../query/sql.ts';
import { createObservations } from './create-observations.ts';

const e = (name: string) => staRegistry.entity(name);

for (const kind of storeKinds()) {
  describe(`createObservations (${kind})`, () => {
    let f: WriteFixture;
    let thing: number;
    let ds: number;
    let md: number;
    let fois: number[];
    before(async () => {
      f = await openWriteFixture(kind);
      ({ thing, ds, md, fois } = await f.write(async (w) => {
        const thing = await createEntity(w, e('Thing'), body.thing());
        const ds = await createEntity(w, e('Datastream'), body.datastream({ Thing: { '@iot.id': thing } }));
        const md = await createEntity(w, e('MultiDatastream'), body.multiDatastream(thing));
        const fois = [];
        for (const [x, y] of [
          [0, 0],
          [2, 0],
          [1, 1],
        ]) {
          fois.push(
            await createEntity(w, e('FeatureOfInterest'), body.featureOfInterest(x!, y!, `P${x}${y}`)),
          );
        }
        return { thing, ds, md, fois };
      }));
    });
    after(() => f.close());

    const extents = (id: number) =>
      f.store
        .query(sql`SELECT phenomenon_time_start AS ps, phenomenon_time_end AS pe, result_time_start AS rs,
                          result_time_end AS re, ST_AsText(observed_area) AS area
                   FROM sta_datastreams WHERE id = ${id}`)
        .then((r) => r.rows[0]);

    test('a batch is inserted in input order, with one event per Observation', async () => {
      const n = f.events.length;
      const rows = [
        { datastreamId: ds, foiId: fois[0], phenomenonTime: '2024-03-01T10:00:00Z', result: 1 },
        {
          datastreamId: ds,
          foiId: fois[1],
          phenomenonTime: '2024-02-01T10:00:00Z',
          resultTime: '2024-02-01T10:00:01Z',
          result: 'two',
        },
        {
          datastreamId: ds,
          foiId: fois[0],
          phenomenonTime: '2024-03-02T00:00:00Z/2024-03-03T00:00:00Z',
          result: { v: 3 },
        },
      ];
      const ids = await f.write((w) => createObservations(w, rows, 'dataArray'));
      assert.equal(ids.length, 3);
      const created = f.events.slice(n);
      assert.deepEqual(
        created.map((x) => x.id),
        ids,
      );
      assert.deepEqual(
        created.map((x) => x.record?.result),
        [1, 'two', { v: 3 }],
      );
      assert.equal(created[2]!.record?.phenomenonTime, '2024-03-02T00:00:00.000Z/2024-03-03T00:00:00.000Z');
      assert.deepEqual(created[0]!.links, {
        Datastream: ds,
        MultiDatastream: null,
        FeatureOfInterest: fois[0],
      });
    });

    test('the Datastream extents grow with each batch (one UPDATE per stream)', async () => {
      assert.deepEqual(await extents(ds), {
        ps: '2024-02-01T10:00:00.000Z',
        pe: '2024-03-03T00:00:00.000Z',
        rs: '2024-02-01T10:00:01.000Z',
        re: '2024-02-01T10:00:01.000Z',
        area: 'LINESTRING(0 0,2 0)',
      });
      await f.write((w) =>
        createObservations(w, [
          {
            datastreamId: ds,
            foiId: fois[2],
            phenomenonTime: '2024-01-15T00:00:00Z',
            resultTime: '2025-01-01T00:00:00Z',
            result: 4,
          },
        ]),
      );
      const x = await extents(ds);
      assert.equal(x?.ps, '2024-01-15T00:00:00.000Z');
      assert.equal(x?.re, '2025-01-01T00:00:00.000Z');
      assert.equal(x?.area, 'POLYGON((0 0,1 1,2 0,0 0))');
    });

    test('deleting or moving Observations recomputes the extents exactly', async () => {
      const [late] = await f.write((w) =>
        createObservations(w, [
          { datastreamId: ds, foiId: fois[0], phenomenonTime: '2026-06-01T00:00:00Z', result: 5 },
        ]),
      );
      assert.equal((await extents(ds))?.pe, '2026-06-01T00:00:00.000Z');
      await f.write((w) =>
        updateEntity(w, e('Observation'), late!, { phenomenonTime: '2027-07-01T00:00:00Z' }, 'merge'),
      );
      assert.equal((await extents(ds))?.pe, '2027-07-01T00:00:00.000Z');
      await f.write((w) => deleteEntity(w, e('Observation'), late!));
      assert.equal((await extents(ds))?.pe, '2024-03-03T00:00:00.000Z');
    });

    test('very large batches go through COPY with the same results', async () => {
      const rows = Array.from({ length: 30 }, (_, i) => ({
        datastreamId: ds,
        foiId: fois[1],
        phenomenonTime: new Date(Date.UTC(2024, 4, 1, 0, i)).toISOString(),
        result: i,
        parameters: { i, text: 'tab\there' },
      }));
      const n = f.events.length;
      const ids = await f.write((w) => createObservations(w, rows, '', { copyThreshold: 10 }));
      assert.deepEqual(
        f.events.slice(n).map((x) => x.record?.result),
        rows.map((r) => r.result),
      );
      assert.deepEqual(f.events.at(-1)?.record?.parameters, { i: 29, text: 'tab\there' });
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
      );
    });

    test('MultiDatastream results have one element per unitOfMeasurements entry', async () => {
      const [id] = await f.write((w) =>
        createObservations(w, [
          {
            multiDatastreamId: md,
            foiId: fois[0],
            phenomenonTime: '2024-05-01T00:00:00Z',
            result: [3.5, 270],
          },
        ]),
      );
      assert.ok(id);
      const md1 = await f.store.query(
        sql`SELECT phenomenon_time_start AS ps FROM sta_multi_datastreams WHERE id = ${md}`,
      );
      assert.equal(md1.rows[0]?.ps, '2024-05-01T00:00:00.000Z');
      await rejectsWith(
        f.write((w) =>
          createObservations(w, [{ multiDatastreamId: md, foiId: fois[0], result: [1] }], 'rows'),
        ),
        { status: 400, field: 'rows[0].result', message: /2 values/ },
      );
      await rejectsWith(
        f.write((w) => createEntity(w, e('Observation'), { result: 7, MultiDatastream: { '@iot.id': md } })),
        { status: 400, field: 'result' },
      );
      await rejectsWith(
        f.write((w) => updateEntity(w, e('Observation'), id!, { result: [1, 2, 3] }, 'merge')),
        { status: 400, field: 'result' },
      );
    });

    test('streams and FeaturesOfInterest must exist in the tenant', async () => {
      await rejectsWith(
        f.write((w) => createObservations(w, [{ datastreamId: 999_999, result: 1 }], 'rows')),
        { status: 400, field: 'rows[0].Datastream', message: /Datastream 999999 does not exist/ },
      );
      await rejectsWith(
        f.write((w) =>
          createObservations(w, [{ datastreamId: ds, multiDatastreamId: md, result: 1 }], 'rows'),
        ),
        { status: 400, field: 'rows[0].Datastream' },
      );
      await rejectsWith(
        f.write((w) => createObservations(w, [{ datastreamId: ds, foiId: 999_999, result: 1 }], 'rows')),
        { status: 400, field: 'rows[0].FeatureOfInterest' },
      );
      await rejectsWith(
        f.write((w) => createObservations(w, [{ datastreamId: ds, foiId: fois[0], result: 1 }], 'rows'), 'b'),
        { status: 400, field: 'rows[0].Datastream' },
      );
      await rejectsWith(
        f.write((w) =>
          createObservations(
            w,
            [{ datastreamId: ds, foiId: fois[0], result: 1, phenomenonTime: '2024-13-01T00:00:00Z' }],
            'rows',
          ),
        ),
        { status: 400, field: 'rows[0].phenomenonTime' },
      );
      await rejectsWith(
        f.write((w) => createObservations(w, [{ datastreamId: ds } as never], 'rows')),
        {
          status: 400,
          field: 'rows[0].result',
        },
      );
      assert.equal(await f.count('sta_observations', 'b'), 0);
    });

    test('phenomenonTime defaults to now; a null result is stored as JSON null', async () => {
      const before = Date.now();
      const id = await f.write((w) =>
        createEntity(w, e('Observation'), {
          result: null,
          Datastream: { '@iot.id': ds },
          FeatureOfInterest: { '@iot.id': fois[0] },
        }),
      );
      const row = (
        await f.store.query(
          sql`SELECT phenomenon_time_start AS t, result IS NULL AS sqlnull, result FROM sta_observations WHERE id = ${id}`,
        )
      ).rows[0]!;
      assert.ok(Date.parse(row.t as string) >= before - 1000);
      assert.equal(row.sqlnull, false);
      assert.equal(row.result, null);
      assert.ok(thing > 0);
    });
  });
}
