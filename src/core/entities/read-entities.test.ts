import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openTestStore, storeKinds } from '../../../test/support/test-store.ts';
import { parseQueryOptions } from '../../apis/sta/parse-odata-query.ts';
import { staRegistry } from '../../model/sta/index.ts';
import type { Store } from '../../store/store.ts';
import type { PathSegment } from '../query/compile-scope.ts';
import { sql } from '../query/sql.ts';
import { type ReadDeps, readCollection, readEntity } from './read-entities.ts';

const reg = staRegistry;
const E = (n: string) => reg.entity(n);
const ctx = { tenant: 'default', principal: null };
const q = (s: string) => parseQueryOptions(new URLSearchParams(s));

/** A small fixed graph, inserted with plain SQL so the read path is tested on its own. */
async function seed(store: Store) {
  await store.query(sql`INSERT INTO tenants (id, name) VALUES ('default', 'Default'), ('other', 'Other')`);
  await store.query(
    sql`CREATE TABLE IF NOT EXISTS sta_observations_test PARTITION OF sta_observations FOR VALUES FROM ('2000-01-01') TO ('2100-01-01')`,
  );
  await store.query(sql`INSERT INTO sta_things (id, tenant_id, name, description, properties) VALUES
    (1, 'default', 'Kiosk A', 'first', '{"owner":"city","floors":2}'),
    (2, 'default', 'Kiosk B', 'second', '{"owner":"utility","floors":5}'),
    (3, 'other', 'Hidden', 'other tenant', null)`);
  await store.query(sql`INSERT INTO sta_locations (id, tenant_id, name, description, encoding_type, location, location_geojson) VALUES
    (1, 'default', 'L1', 'loc', 'application/geo+json', ST_SetSRID(ST_MakePoint(10, 50), 4326), '{"type":"Point","coordinates":[10,50]}')`);
  await store.query(
    sql`INSERT INTO sta_things_locations (tenant_id, thing_id, location_id) VALUES ('default', 1, 1)`,
  );
  await store.query(
    sql`INSERT INTO sta_sensors (id, tenant_id, name, description, encoding_type, metadata) VALUES (1, 'default', 'S', 'd', 'text/html', '"http://x"')`,
  );
  await store.query(
    sql`INSERT INTO sta_observed_properties (id, tenant_id, name, definition, description) VALUES (1, 'default', 'Temp', 'http://t', 'd')`,
  );
  await store.query(sql`INSERT INTO sta_datastreams (id, tenant_id, name, description, unit_of_measurement, observation_type, thing_id, sensor_id, observed_property_id) VALUES
    (1, 'default', 'DS1', 'd', '{"name":"degC"}', 'OM_Measurement', 1, 1, 1),
    (2, 'default', 'DS2', 'd', '{"name":"degC"}', 'OM_Measurement', 2, 1, 1)`);
  await store.query(sql`INSERT INTO sta_features_of_interest (id, tenant_id, name, description, encoding_type, feature) VALUES
    (1, 'default', 'F', 'd', 'application/geo+json', ST_SetSRID(ST_MakePoint(10, 50), 4326))`);
  await store.query(sql`INSERT INTO sta_observations (id, tenant_id, phenomenon_time_start, result, datastream_id, feature_of_interest_id)
    SELECT g, 'default', timestamptz '2024-01-01T00:00:00Z' + g * interval '1 hour', to_jsonb(g * 1.5), 1 + (g % 2), 1
    FROM generate_series(1, 20) g`);
}

for (const kind of storeKinds()) {
  describe(`read path on ${kind}`, () => {
    let close: () => Promise<void>;
    let deps: ReadDeps;
    before(async () => {
      const t = await openTestStore(kind);
      close = t.close;
      await seed(t.store);
      deps = { db: t.store, registry: reg, options: { defaultTop: 5, maxTop: 100, countEstimateAbove: 0 } };
    });
    after(() => close());

    test('collection paging visits every row once', async () => {
      const seen: number[] = [];
      for (let skip = 0; ; skip += 3) {
        const page = await readCollection(deps, ctx, [{ entity: E('Observation') }], {
          top: 3,
          skip,
          orderby: q('$orderby=result desc').orderby,
        });
        seen.push(...page.records.map((r) => r.id));
        if (!page.hasMore) break;
      }
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    test('tenants never see each other', async () => {
      const page = await readCollection(deps, ctx, [{ entity: E('Thing') }], { count: true });
      assert.deepEqual(
        page.records.map((r) => r.props.name),
        ['Kiosk A', 'Kiosk B'],
      );
      assert.equal(page.count, 2);
      await assert.rejects(readEntity(deps, ctx, [{ entity: E('Thing'), id: 3 }], {}), /does not exist/);
    });

    test('filters: json members, functions, navigation, spatial, time', async () => {
      const names = async (f: string, entity = 'Thing') =>
        (
          await readCollection(deps, ctx, [{ entity: E(entity) }], q(`$filter=${encodeURIComponent(f)}`))
        ).records.map((r) => r.props.name ?? r.id);
      assert.deepEqual(await names("properties/owner eq 'city'"), ['Kiosk A']);
      assert.deepEqual(await names('properties/floors gt 3'), ['Kiosk B']);
      assert.deepEqual(await names("startswith(name, 'Kiosk') and not endswith(name, 'A')"), ['Kiosk B']);
      assert.deepEqual(await names("Datastreams/name eq 'DS1'"), ['Kiosk A']);
      assert.deepEqual(
        await names("st_within(Locations/location, geography'POLYGON((9 49, 11 49, 11 51, 9 51, 9 49))')"),
        ['Kiosk A'],
      );
      assert.deepEqual(
        await names("Datastream/Thing/name eq 'Kiosk B' and result gt 25", 'Observation'),
        [17, 19],
      );
      assert.deepEqual(await names('phenomenonTime lt 2024-01-01T03:30:00Z', 'Observation'), [1, 2, 3]);
      assert.deepEqual(await names('result mod 3 eq 0 and result le 9', 'Observation'), [2, 4, 6]);
    });

    test('navigation paths, expand with per-parent top, nested count', async () => {
      const segs: PathSegment[] = [
        { entity: E('Datastream'), id: 1 },
        { entity: E('Observation'), via: reg.relation(E('Datastream'), 'Observations')! },
      ];
      const page = await readCollection(deps, ctx, segs, { count: true });
      assert.equal(page.count, 10);
      const ds = await readCollection(
        deps,
        ctx,
        [{ entity: E('Datastream') }],
        q('$expand=Observations($orderby=phenomenonTime desc;$top=1;$count=true),Thing($select=name)'),
      );
      const latest = ds.records.map((r) => {
        const obs = r.expanded.Observations as { records: { id: number }[]; count: number };
        return [
          obs.records.map((o) => o.id),
          obs.count,
          (r.expanded.Thing as unknown as { props: { name: string } }).props.name,
        ];
      });
      // Even hours belong to DS1, odd ones to DS2.
      assert.deepEqual(latest, [
        [[20], 10, 'Kiosk A'],
        [[19], 10, 'Kiosk B'],
      ]);
    });

    test('wrong parent in a path is not found', async () => {
      const segs: PathSegment[] = [
        { entity: E('Thing'), id: 2 },
        { entity: E('Datastream'), id: 1, via: reg.relation(E('Thing'), 'Datastreams')! },
      ];
      await assert.rejects(readEntity(deps, ctx, segs, {}), /Nothing exists/);
    });
  });
}
