/**
 * OGC API – Features at /ogc over tables filled by the features sink: landing page, conformance,
 * collections, items with paging (every row once), bbox, property filters, single features; anonymous
 * callers see open data only, principals every AVAILABLE DataSet of their tenant; bad parameters are 400
 * naming the parameter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/auth/accounts.ts';
import { staRegistry } from '../../src/model/sta/index.ts';
import { featuresSink } from '../../src/pipeline/sinks/features/index.ts';
import type { Store } from '../../src/store/store.ts';
import { assertNoLeak, assertProblem } from '../support/assert-problem.ts';
import {
  insertDataSet,
  type JsonObject,
  jenaRecords,
  manyRecords,
  offStreetParkingSchema,
  sinkTarget,
} from '../support/features-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const CORE = 'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core';
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';

/** Inserts a DataSet, provisions each features sink and writes the records to the first one. */
async function dataSetWithFeatures(
  store: Store,
  options: Parameters<typeof insertDataSet>[1],
  values: JsonObject[],
): Promise<void> {
  const ds = await insertDataSet(store, options);
  const sinks = options.sinks ?? [{ kind: 'features' }];
  let written = false;
  for (const [sinkIndex, sink] of sinks.entries()) {
    if (sink.kind !== 'features') continue;
    const { kind: _kind, ...given } = sink;
    const config = featuresSink.validateConfig(given, offStreetParkingSchema, `sinks[${sinkIndex}]`);
    const target = sinkTarget(ds, offStreetParkingSchema, { tenant: options.tenant, sinkIndex });
    await store.transaction(async (tx) => {
      await featuresSink.provision(tx, target, config);
      if (written) return;
      written = true;
      const records = values.map((value, index) => ({ index, value }));
      const w = { tenant: target.tenant, principal: null, tx, registry: staRegistry, events: [] };
      await featuresSink.prepare(target, config).write(w, records);
    });
  }
}

describe('OGC API – Features', () => {
  let platform: TestPlatform;
  let token: string;
  let otherToken: string;
  const many = manyRecords(1000);

  before(async () => {
    platform = await startTestPlatform();
    token = await platform.adminToken();
    const store = platform.store;
    await dataSetWithFeatures(
      store,
      {
        identifier: 'parking-jena',
        openData: true,
        description: 'car parks of Jena',
        sinks: [{ kind: 'features', timeField: 'dateModified' }],
      },
      many,
    );
    await dataSetWithFeatures(store, { identifier: 'parking-closed', openData: false }, jenaRecords);
    await dataSetWithFeatures(
      store,
      { identifier: 'parking-draft', openData: true, status: 'DRAFT' },
      jenaRecords,
    );
    await dataSetWithFeatures(
      store,
      {
        identifier: 'parking-multi',
        openData: true,
        sinks: [
          { kind: 'features' },
          { kind: 'observations', thing: {} },
          { kind: 'features', mode: 'append' },
        ],
      },
      jenaRecords.slice(0, 3),
    );
    await dataSetWithFeatures(
      store,
      { tenant: 'other', identifier: 'parking-jena', openData: false },
      jenaRecords.slice(0, 2),
    );
    await createUser(store, { tenant: 'other', username: 'olga', password: 'olga-pw', roles: ['admin'] });
    const res = await platform.app.inject({
      method: 'POST',
      url: '/auth/token',
      payload: { grant_type: 'password', username: 'olga', password: 'olga-pw', tenant: 'other' },
    });
    otherToken = res.json().access_token;
  });
  after(async () => {
    await platform?.dispose();
  });

  const get = (url: string, bearer?: string) =>
    platform.app.inject({
      method: 'GET',
      url,
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });

  test('landing page and conformance, with absolute links', async () => {
    const res = await get('/ogc');
    assert.equal(res.statusCode, 200, res.body);
    const links = res.json().links as { rel: string; href: string }[];
    assert.deepEqual(
      links.map((l) => l.rel),
      ['self', 'conformance', 'data'],
    );
    assert.ok(
      links.every((l) => l.href.startsWith('http://localhost:80/ogc')),
      JSON.stringify(links),
    );
    const conf = await get('/ogc/conformance');
    assert.ok((conf.json().conformsTo as string[]).includes(CORE));
    const tenant = await get('/t/other/ogc', otherToken);
    assert.equal(tenant.statusCode, 200);
    assert.match(tenant.json().links[0].href, /\/t\/other\/ogc$/);
  });

  test('anonymous callers see open-data collections only; principals every AVAILABLE one', async () => {
    const anonymous = await get('/ogc/collections');
    assert.equal(anonymous.statusCode, 200);
    const ids = (res: { json(): { collections: { id: string }[] } }) =>
      res.json().collections.map((c) => c.id);
    assert.deepEqual(ids(anonymous), ['parking-jena', 'parking-multi', 'parking-multi~2']);
    const signedIn = await get('/ogc/collections', token);
    assert.deepEqual(ids(signedIn), ['parking-closed', 'parking-jena', 'parking-multi', 'parking-multi~2']);

    const one = await get('/ogc/collections/parking-jena');
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().id, 'parking-jena');
    assert.equal(one.json().description, 'car parks of Jena');
    assert.deepEqual(one.json().crs, [CRS84]);
    const items = (one.json().links as { rel: string; href: string; type: string }[]).find(
      (l) => l.rel === 'items',
    );
    assert.equal(items?.href, 'http://localhost:80/ogc/collections/parking-jena/items');
    assert.equal(items?.type, 'application/geo+json');

    for (const url of ['/ogc/collections/parking-closed', '/ogc/collections/parking-closed/items']) {
      const body = assertProblem(await get(url), 404, 'not-found');
      assert.match(body.detail, /Collection parking-closed does not exist/);
    }
    assert.equal((await get('/ogc/collections/parking-closed/items', token)).statusCode, 200);
    // DRAFT datasets are never served, not even to the tenant's principals.
    assertProblem(await get('/ogc/collections/parking-draft', token), 404, 'not-found');
    // Tenants see their own datasets only; a token of another tenant is refused.
    const other = await get('/t/other/ogc/collections', otherToken);
    assert.deepEqual(ids(other), ['parking-jena']);
    const otherItems = await get('/t/other/ogc/collections/parking-jena/items', otherToken);
    assert.equal(otherItems.json().numberMatched, 2);
    assertProblem(await get('/t/other/ogc/collections', token), 401);
    assertProblem(await get('/t/other/ogc/collections/parking-jena/items'), 404);
  });

  test('paging with next links visits every feature exactly once', async () => {
    const seen = new Set<string>();
    let url: string | undefined = '/ogc/collections/parking-jena/items?limit=300';
    let pages = 0;
    while (url) {
      const res = await get(url);
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/geo\+json/);
      const body = res.json();
      if (pages === 0) assert.equal(body.numberMatched, 1000);
      assert.equal(body.numberReturned, body.features.length);
      for (const f of body.features) {
        assert.ok(!seen.has(f.id), `feature ${f.id} seen twice`);
        seen.add(f.id);
      }
      const next = (body.links as { rel: string; href: string }[]).find((l) => l.rel === 'next');
      url = next ? new URL(next.href).pathname + new URL(next.href).search : undefined;
      pages++;
    }
    assert.equal(pages, 4);
    assert.equal(seen.size, 1000);
    assert.deepEqual([...seen].sort(), many.map((r) => r.id as string).sort());

    const defaults = (await get('/ogc/collections/parking-jena/items')).json();
    assert.equal(defaults.features.length, 10);
    const offset = (await get('/ogc/collections/parking-jena/items?offset=995')).json();
    assert.equal(offset.features.length, 5);
    assert.equal(
      (offset.links as { rel: string }[]).some((l) => l.rel === 'next'),
      false,
    );
    const clamped = (await get('/ogc/collections/parking-jena/items?limit=50000')).json();
    assert.equal(clamped.numberReturned, 1000);
  });

  test('features carry the id, the geometry and the record as properties', async () => {
    const id = 'urn:ngsi-ld:OffStreetParking:synthetic-00001';
    const res = await get(`/ogc/collections/parking-jena/items/${encodeURIComponent(id)}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/geo\+json/);
    const f = res.json();
    const record = many[0]!;
    assert.equal(f.type, 'Feature');
    assert.equal(f.id, id);
    assert.deepEqual(f.geometry, record.location);
    const { location: _location, ...properties } = record;
    assert.deepEqual(f.properties, properties);
    assert.deepEqual(
      (f.links as { rel: string }[]).map((l) => l.rel),
      ['self', 'collection'],
    );
    const missing = assertProblem(await get('/ogc/collections/parking-jena/items/nope'), 404, 'not-found');
    assert.match(missing.detail, /Feature nope does not exist in collection parking-jena/);
    assertProblem(await get('/ogc/collections/parking-jena/items/%00'), 404, 'not-found');
    assertProblem(await get('/ogc/collections/parking-closed/items/x'), 404, 'not-found');
  });

  test('bbox selects the features inside, also with bbox-crs CRS84 and 6 numbers', async () => {
    const box = [11.58, 50.92, 11.6, 50.935] as const;
    const inside = many.filter((r) => {
      const [x, y] = (r.location as { coordinates: [number, number] }).coordinates;
      return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3];
    });
    assert.ok(inside.length > 0 && inside.length < 1000, `${inside.length} inside`);
    const ids = async (url: string) => {
      const res = await get(url);
      assert.equal(res.statusCode, 200, res.body);
      return (res.json().features as { id: string }[]).map((f) => f.id).sort();
    };
    const expected = inside.map((r) => r.id as string).sort();
    assert.deepEqual(
      await ids(`/ogc/collections/parking-jena/items?limit=1000&bbox=${box.join(',')}`),
      expected,
    );
    assert.deepEqual(
      await ids(
        `/ogc/collections/parking-jena/items?limit=1000&bbox=${box.join(',')}&bbox-crs=${encodeURIComponent(CRS84)}`,
      ),
      expected,
    );
    assert.deepEqual(
      await ids(`/ogc/collections/parking-jena/items?limit=1000&bbox=11.58,50.92,-10,11.6,50.935,10`),
      expected,
    );
    assert.deepEqual(await ids('/ogc/collections/parking-jena/items?bbox=0,0,1,1'), []);
    // Across the antimeridian: from 170° E to 12° E the long way round includes Jena.
    assert.equal(
      (await ids('/ogc/collections/parking-jena/items?limit=2000&bbox=170,50,12,51')).length,
      1000,
    );
  });

  test('property=value filters on typed columns', async () => {
    const items = (query: string) => get(`/ogc/collections/parking-jena/items?limit=1000&${query}`);
    const seven = await items('availableSpotNumber=7');
    assert.equal(seven.statusCode, 200, seven.body);
    const expected = many.filter((r) => r.availableSpotNumber === 7).map((r) => r.id);
    assert.deepEqual(
      (seven.json().features as { id: string }[]).map((f) => f.id).sort(),
      (expected as string[]).sort(),
    );
    const named = await items(`name=${encodeURIComponent(many[41]!.name as string)}`);
    assert.deepEqual(
      (named.json().features as { id: string }[]).map((f) => f.id),
      [many[41]!.id],
    );
    const combined = await items('availableSpotNumber=7&bbox=0,0,1,1');
    assert.equal(combined.json().numberReturned, 0);
    const modified = await items(`dateModified=${encodeURIComponent('2026-11-27T09:00:05+01:00')}`);
    assert.equal(
      modified.json().numberReturned,
      many.filter((r) => r.dateModified === '2026-11-27T08:00:05.000Z').length,
    );
  });

  test("datetime filters by the sink's time property: instants, intervals, open ends, days", async () => {
    const count = async (datetime: string) => {
      const res = await get(
        `/ogc/collections/parking-jena/items?limit=1&datetime=${encodeURIComponent(datetime)}`,
      );
      assert.equal(res.statusCode, 200, res.body);
      return res.json().numberMatched as number;
    };
    const second = (r: JsonObject) => new Date(r.dateModified as string).getUTCSeconds();
    const where = (test: (s: number) => boolean) => many.filter((r) => test(second(r))).length;
    assert.equal(
      await count('2026-11-27T08:00:05Z'),
      where((s) => s === 5),
    );
    assert.equal(
      await count('2026-11-27T09:00:05+01:00'),
      where((s) => s === 5),
    );
    assert.equal(
      await count('2026-11-27T08:00:10Z/2026-11-27T08:00:19Z'),
      where((s) => s >= 10 && s <= 19),
    );
    assert.equal(
      await count('../2026-11-27T08:00:04Z'),
      where((s) => s <= 4),
    );
    assert.equal(
      await count('2026-11-27T08:00:55Z/..'),
      where((s) => s >= 55),
    );
    assert.equal(
      await count('2026-11-27T08:00:55Z/'),
      where((s) => s >= 55),
    );
    assert.equal(await count('2026-11-27'), 1000);
    assert.equal(await count('2026-11-26'), 0);
    assert.equal(await count('../..'), 1000);
    const none = assertProblem(
      await get('/ogc/collections/parking-closed/items?datetime=2026-11-27', token),
      400,
    );
    assert.equal(none.parameter, 'datetime');
    assert.match(none.detail, /no time property/);
  });

  test('bad parameters are 400 naming the parameter, never 5xx', async () => {
    const cases: [string, string][] = [
      ['limit=0', 'limit'],
      ['limit=ten', 'limit'],
      ['limit=1&limit=2', 'limit'],
      ['offset=-1', 'offset'],
      ['bbox=1,2,3', 'bbox'],
      ['bbox=a,b,c,d', 'bbox'],
      ['bbox=0,80,1,95', 'bbox'],
      ['bbox=0,60,1,50', 'bbox'],
      ['bbox=0,0,1,1&bbox-crs=EPSG:25832', 'bbox-crs'],
      [`bbox-crs=${encodeURIComponent(CRS84)}`, 'bbox-crs'],
      ['datetime=2026-13-01', 'datetime'],
      ['datetime=2026-11-27T08:00:00', 'datetime'],
      ['datetime=2026-11-28/2026-11-27', 'datetime'],
      ['datetime=a/b/c', 'datetime'],
      ['cursor=%%%', 'cursor'],
      ['cursor=AAAA', 'cursor'],
      ['colour=red', 'colour'],
      ['availableSpotNumber=many', 'availableSpotNumber'],
      ['availableSpotNumber=1e3', 'availableSpotNumber'],
      ['occupancy=half', 'occupancy'],
      ['dateModified=yesterday', 'dateModified'],
      ['category=Parkplatz', 'category'],
      ['name=%00', 'name'],
      ['f=html', 'f'],
    ];
    for (const [query, parameter] of cases) {
      const body = assertProblem(await get(`/ogc/collections/parking-jena/items?${query}`), 400);
      assert.equal(body.parameter, parameter, `${query}: ${JSON.stringify(body)}`);
    }
    assertProblem(await get('/ogc/collections?limit=5'), 400);
    assertProblem(await get('/ogc/conformance?f=xml'), 400);
    const odd = await get('/ogc/collections/%E2%80%AE%00/items');
    assert.ok(odd.statusCode === 404 || odd.statusCode === 400, odd.body);
    assertNoLeak(odd);
  });

  test('several features sinks of one DataSet are collections <identifier> and <identifier>~<sinkIndex>', async () => {
    const first = (await get('/ogc/collections/parking-multi/items')).json();
    assert.equal(first.numberMatched, 3);
    assert.ok((first.features as { id: string }[]).every((f) => f.id.startsWith('urn:ngsi-ld:')));
    const second = await get('/ogc/collections/parking-multi~2/items');
    assert.equal(second.statusCode, 200, second.body);
    assert.equal(second.json().numberMatched, 0);
    assertProblem(await get('/ogc/collections/parking-multi~1'), 404);
  });
});
