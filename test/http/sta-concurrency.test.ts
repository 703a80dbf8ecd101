/**
 * SensorThings writes under concurrency: parallel POSTs of Observations to one Datastream all land, each
 * with its own id, and what the service maintains alongside (the generated FeatureOfInterest, the
 * Datastream's phenomenonTime) comes out as if they had been sent one after another.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type StaClient, staClient } from '../conformance/sta/support/sta-client.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const PARALLEL = 100;

describe('STA: concurrent Observation POSTs', () => {
  let platform: TestPlatform;
  let sta: StaClient;

  before(async () => {
    platform = await startTestPlatform();
    sta = staClient(platform, await platform.adminToken());
  });
  after(() => platform?.dispose());

  const newDatastream = (name: string) =>
    sta.create('Datastreams', {
      name,
      description: 'parallel writes',
      observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
      unitOfMeasurement: { name: 'count', symbol: '1', definition: 'http://qudt.org/vocab/unit/NUM' },
      Thing: {
        name: `${name} thing`,
        description: 'somewhere',
        Locations: [
          {
            name: `${name} place`,
            description: 'here',
            encodingType: 'application/geo+json',
            location: { type: 'Point', coordinates: [9.18, 48.78] },
          },
        ],
      },
      Sensor: {
        name: 's',
        description: 's',
        encodingType: 'application/pdf',
        metadata: 'http://example.org/s.pdf',
      },
      ObservedProperty: { name: 'p', definition: 'urn:p', description: 'p' },
    });

  test(`${PARALLEL} parallel POSTs all land with unique ids`, async () => {
    const ds = await newDatastream('parallel');
    const t0 = Date.UTC(2024, 0, 1);
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        sta.post(`Datastreams(${ds})/Observations`, {
          phenomenonTime: new Date(t0 + i * 1000).toISOString(),
          result: i,
        }),
      ),
    );
    for (const r of responses) assert.equal(r.status, 201, r.text);
    const ids = responses.map((r) => r.body['@iot.id'] as number);
    assert.equal(new Set(ids).size, PARALLEL, 'every Observation has its own id');

    const page = await sta.ok(`Datastreams(${ds})/Observations?$count=true&$top=1000&$orderby=result`);
    assert.equal(page['@iot.count'], PARALLEL);
    assert.deepEqual(
      page.value.map((o: { result: number }) => o.result),
      Array.from({ length: PARALLEL }, (_, i) => i),
    );
    assert.deepEqual(new Set(page.value.map((o: { '@iot.id': number }) => o['@iot.id'])), new Set(ids));

    const d = await sta.ok(`Datastreams(${ds})`);
    const [start, end] = String(d.phenomenonTime).split('/');
    assert.equal(Date.parse(start!), t0, 'phenomenonTime starts at the earliest Observation');
    assert.equal(Date.parse(end!), t0 + (PARALLEL - 1) * 1000, 'and ends at the latest');
  });

  test('the FeatureOfInterest generated from the Location is one, however many POSTs race for it', async () => {
    const ds = await newDatastream('race');
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) => sta.post(`Datastreams(${ds})/Observations`, { result: i })),
    );
    for (const r of responses) assert.equal(r.status, 201, r.text);
    const fois = await sta.all(`FeaturesOfInterest?$filter=Observations/Datastream/id eq ${ds}`);
    assert.equal(fois.length, 1, `one FeatureOfInterest for one Location, got ${fois.length}`);
    const count = await sta.ok(`FeaturesOfInterest(${fois[0]!['@iot.id']})/Observations?$count=true&$top=0`);
    assert.equal(count['@iot.count'], PARALLEL);
  });
});
