import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as body from '../../../test/support/sta-bodies.ts';
import { storeKinds } from '../../../test/support/test-store.ts';
import { openWriteFixture, rejectsWith, type WriteFixture } from '../../../test/support/write-fixture.ts';
import { staRegistry } from '../../model/sta/index.ts';
import { sql } from '../query/sql.ts';
import type { WriteContext } from './context.ts';
import {
  applyJsonPatch,
  createEntity,
  linkEntities,
  unlinkEntities,
  updateEntity,
} from './write-entities.ts';

const Thing = staRegistry.entity('Thing');
const Datastream = staRegistry.entity('Datastream');
const Observation = staRegistry.entity('Observation');
const rel = (e: typeof Thing, name: string) => staRegistry.relation(e, name)!;

for (const kind of storeKinds()) {
  describe(`updates, JSON Patch and $ref (${kind})`, () => {
    let f: WriteFixture;
    let thingId: number;
    let otherThing: number;
    let dsId: number;
    before(async () => {
      f = await openWriteFixture(kind);
      thingId = await f.write((w) =>
        createEntity(w, Thing, { ...body.thing('T1'), properties: { owner: 'city', x: 1 } }),
      );
      otherThing = await f.write((w) => createEntity(w, Thing, body.thing('T2')));
      dsId = await f.write((w) =>
        createEntity(w, Datastream, body.datastream({ Thing: { '@iot.id': thingId } })),
      );
    });
    after(() => f.close());

    const thingRow = (id: number) =>
      f.store
        .query(sql`SELECT name, description, properties FROM sta_things WHERE id = ${id}`)
        .then((r) => r.rows[0]);

    test('PATCH merges the given properties and emits the changed names', async () => {
      const n = f.events.length;
      await f.write((w) =>
        updateEntity(w, Thing, thingId, { name: 'Renamed', description: 'A station on a roof' }, 'merge'),
      );
      assert.deepEqual(await thingRow(thingId), {
        name: 'Renamed',
        description: 'A station on a roof',
        properties: { owner: 'city', x: 1 },
      });
      const e = f.events.slice(n);
      assert.equal(e.length, 1);
      assert.equal(e[0]!.op, 'update');
      assert.deepEqual(e[0]!.changed, ['name']);
      assert.equal(e[0]!.record?.name, 'Renamed');
    });

    test('PUT replaces: missing optional properties become null, missing required ones are a 400', async () => {
      await f.write((w) =>
        updateEntity(w, Thing, otherThing, { name: 'Put', description: 'Replaced' }, 'replace'),
      );
      assert.deepEqual(await thingRow(otherThing), {
        name: 'Put',
        description: 'Replaced',
        properties: null,
      });
      await rejectsWith(
        f.write((w) => updateEntity(w, Thing, otherThing, { name: 'Only a name' }, 'replace')),
        { status: 400, field: 'description' },
      );
    });

    test('an update may change links, never related entities, and ignores server-maintained values', async () => {
      const n = f.events.length;
      await f.write((w) =>
        updateEntity(
          w,
          Datastream,
          dsId,
          { Thing: { '@iot.id': otherThing }, phenomenonTime: '2000-01-01T00:00:00Z/2000-01-02T00:00:00Z' },
          'merge',
        ),
      );
      assert.equal(await f.value('sta_datastreams', dsId, 'thing_id'), otherThing);
      assert.equal(await f.value('sta_datastreams', dsId, 'phenomenon_time_start'), null);
      assert.deepEqual(f.events.at(-1)?.changed, ['Thing']);
      assert.equal(f.events.length, n + 1);
      await rejectsWith(
        f.write((w) => updateEntity(w, Datastream, dsId, { Sensor: body.sensor() }, 'merge')),
        { status: 400, field: 'Sensor' },
      );
      await rejectsWith(
        f.write((w) => updateEntity(w, Datastream, dsId, { Thing: { '@iot.id': 424242 } }, 'merge')),
        { status: 400, field: 'Thing', message: /Thing 424242 does not exist/ },
      );
      await rejectsWith(
        f.write((w) => updateEntity(w, Datastream, dsId, { Thing: null }, 'merge')),
        { status: 400, field: 'Thing' },
      );
    });

    test('updating a missing entity, or one of another tenant, is a 404', async () => {
      await rejectsWith(
        f.write((w) => updateEntity(w, Thing, 999_999, { name: 'x' }, 'merge')),
        { status: 404 },
      );
      await rejectsWith(
        f.write((w) => updateEntity(w, Thing, thingId, { name: 'x' }, 'merge'), 'b'),
        { status: 404, message: new RegExp(`Thing ${thingId} does not exist`) },
      );
      await rejectsWith(
        f.write((w) => updateEntity(w, Thing, thingId, { '@iot.id': thingId + 1, name: 'x' }, 'merge')),
        { status: 400, field: '@iot.id' },
      );
    });

    test('JSON Patch (RFC 6902) edits the wire representation', async () => {
      await f.write((w) =>
        applyJsonPatch(w, Thing, thingId, [
          { op: 'test', path: '/properties/owner', value: 'city' },
          { op: 'add', path: '/properties/tags', value: ['roof'] },
          { op: 'add', path: '/properties/tags/-', value: 'north' },
          { op: 'remove', path: '/properties/x' },
          { op: 'copy', from: '/name', path: '/properties/oldName' },
          { op: 'replace', path: '/name', value: 'Patched' },
        ]),
      );
      const row = await thingRow(thingId);
      assert.equal(row?.name, 'Patched');
      assert.deepEqual(row?.properties, { owner: 'city', tags: ['roof', 'north'], oldName: 'Renamed' });
      assert.deepEqual(f.events.at(-1)?.changed, ['name', 'properties']);
    });

    test('JSON Patch errors: failed test 409, unknown, read-only or required members 400', async () => {
      const patch = (ops: unknown, e = Thing, id = thingId) =>
        f.write((w: WriteContext) => applyJsonPatch(w, e, id, ops));
      await rejectsWith(patch([{ op: 'test', path: '/name', value: 'nope' }]), { status: 409 });
      await rejectsWith(patch([{ op: 'add', path: '/colour', value: 'red' }]), {
        status: 400,
        field: 'colour',
      });
      await rejectsWith(patch([{ op: 'remove', path: '/name' }]), { status: 400, field: 'name' });
      await rejectsWith(patch([{ op: 'replace', path: '/properties/missing/deep', value: 1 }]), {
        status: 400,
        field: 'ops[0].path',
      });
      await rejectsWith(patch([{ op: 'jump', path: '/name' }]), { status: 400, field: 'ops[0].op' });
      await rejectsWith(patch([{ op: 'replace', path: '/phenomenonTime', value: null }], Datastream, dsId), {
        status: 400,
      });
      await rejectsWith(patch([{ op: 'replace', path: '/name', value: 'x' }], Thing, 999_999), {
        status: 404,
      });
      assert.equal((await thingRow(thingId))?.name, 'Patched');
    });

    test('$ref: to-many inverse links move the child, required links cannot be removed', async () => {
      await f.write((w) => linkEntities(w, Thing, thingId, rel(Thing, 'Datastreams'), dsId));
      assert.equal(await f.value('sta_datastreams', dsId, 'thing_id'), thingId);
      await rejectsWith(
        f.write((w) => unlinkEntities(w, Thing, thingId, rel(Thing, 'Datastreams'), dsId)),
        { status: 400 },
      );
      await rejectsWith(
        f.write((w) => unlinkEntities(w, Datastream, dsId, rel(Datastream, 'Sensor'))),
        { status: 400 },
      );
      await rejectsWith(
        f.write((w) => linkEntities(w, Thing, thingId, rel(Thing, 'Datastreams'), 777_777)),
        {
          status: 400,
          field: '@iot.id',
        },
      );
      await rejectsWith(
        f.write((w) => linkEntities(w, Thing, 777_777, rel(Thing, 'Datastreams'), dsId)),
        { status: 404 },
      );
    });

    test('$ref: junction links are added and removed; a missing link is a 404', async () => {
      const locId = await f.write(async (w) => {
        const { rows } = await w.tx.query<{ id: number }>(
          sql`SELECT location_id AS id FROM sta_things_locations WHERE thing_id = ${otherThing}`,
        );
        return rows[0]!.id;
      });
      await f.write((w) => unlinkEntities(w, Thing, otherThing, rel(Thing, 'Locations'), locId));
      assert.equal(f.events.at(-1)?.op, 'update');
      assert.deepEqual(f.events.at(-1)?.changed, ['Locations']);
      await rejectsWith(
        f.write((w) => unlinkEntities(w, Thing, otherThing, rel(Thing, 'Locations'), locId)),
        { status: 404 },
      );
      await f.write((w) => linkEntities(w, Thing, otherThing, rel(Thing, 'Locations'), locId));
      const { rows } = await f.store.query(
        sql`SELECT 1 FROM sta_things_locations WHERE thing_id = ${otherThing}`,
      );
      assert.equal(rows.length, 1);
      await rejectsWith(
        f.write((w) => linkEntities(w, Thing, otherThing, rel(Thing, 'Locations'), locId), 'b'),
        { status: 404 },
      );
    });

    test('an Observation keeps exactly one stream', async () => {
      const obsId = await f.write((w) =>
        createEntity(w, Observation, { result: 3, Datastream: { '@iot.id': dsId } }),
      );
      await rejectsWith(
        f.write((w) => unlinkEntities(w, Observation, obsId, rel(Observation, 'Datastream'))),
        { status: 400 },
      );
      await rejectsWith(
        f.write((w) => createEntity(w, Observation, { result: 3 })),
        { status: 400, field: 'Datastream' },
      );
    });

    test('no events when the transaction rolls back', async () => {
      const n = f.events.length;
      await assert.rejects(
        f.write(async (w) => {
          await updateEntity(w, Thing, thingId, { name: 'Doomed' }, 'merge');
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.equal(f.events.length, n);
      assert.equal((await thingRow(thingId))?.name, 'Patched');
    });
  });
}
