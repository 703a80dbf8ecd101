import type { Client } from './http-client.ts';

export interface Fixture {
  datastreamIds: number[];
  foiId: number;
}

/** One Thing with a Location, a Sensor, an ObservedProperty and `n` Datastreams, created through the API. */
export async function createFixture(client: Client, n: number): Promise<Fixture> {
  const thing = await client.request('POST', '/sta/v1.1/Things', {
    name: 'bench station',
    description: 'benchmark fixture',
    Locations: [
      {
        name: 'here',
        description: 'x',
        encodingType: 'application/geo+json',
        location: { type: 'Point', coordinates: [13.4, 52.5] },
      },
    ],
  });
  if (thing.status !== 201) throw new Error(`fixture Thing: ${thing.status} ${thing.body}`);
  const thingId = JSON.parse(thing.body)['@iot.id'] as number;
  const sensor = JSON.parse(
    (
      await client.request('POST', '/sta/v1.1/Sensors', {
        name: 's',
        description: 'x',
        encodingType: 'text/html',
        metadata: 'http://example.org',
      })
    ).body,
  )['@iot.id'] as number;
  const op = JSON.parse(
    (
      await client.request('POST', '/sta/v1.1/ObservedProperties', {
        name: 'temperature',
        definition: 'http://example.org/t',
        description: 'x',
      })
    ).body,
  )['@iot.id'] as number;
  const ids: number[] = [];
  for (let i = 0; i < n; i += 32) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(32, n - i) }, (_, k) =>
        client.request('POST', '/sta/v1.1/Datastreams', {
          name: `ds ${i + k}`,
          description: 'x',
          unitOfMeasurement: {
            name: 'degree Celsius',
            symbol: '°C',
            definition: 'http://unitsofmeasure.org/ucum.html#para-30',
          },
          observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
          Thing: { '@iot.id': thingId },
          Sensor: { '@iot.id': sensor },
          ObservedProperty: { '@iot.id': op },
        }),
      ),
    );
    for (const r of batch) {
      if (r.status !== 201) throw new Error(`fixture Datastream: ${r.status} ${r.body}`);
      ids.push(JSON.parse(r.body)['@iot.id'] as number);
    }
  }
  // The first Observation generates the FeatureOfInterest from the Location; later ones reuse it.
  const first = await client.request('POST', `/sta/v1.1/Datastreams(${ids[0]})/Observations`, {
    result: 0,
    phenomenonTime: '2020-01-01T00:00:00Z',
  });
  if (first.status !== 201) throw new Error(`fixture Observation: ${first.status} ${first.body}`);
  const foi = await client.request(
    'GET',
    `/sta/v1.1/Observations(${JSON.parse(first.body)['@iot.id']})/FeatureOfInterest`,
  );
  return { datastreamIds: ids, foiId: JSON.parse(foi.body)['@iot.id'] as number };
}

/**
 * Raw COPY bypasses urbs, so the monthly partitions its rows fall into must exist first: one Observation
 * per month through the API creates them (the API creates partitions on demand).
 */
export async function primePartitions(
  client: Client,
  fx: Fixture,
  fromMs: number,
  toMs: number,
): Promise<void> {
  const month = 28 * 24 * 3_600_000;
  for (let t = fromMs; t <= toMs + month; t += month) {
    const res = await client.request('POST', `/sta/v1.1/Datastreams(${fx.datastreamIds[0]})/Observations`, {
      phenomenonTime: new Date(Math.min(t, toMs)).toISOString(),
      result: -1,
      FeatureOfInterest: { '@iot.id': fx.foiId },
    });
    if (res.status !== 201) throw new Error(`priming partitions: ${res.status} ${res.body}`);
  }
}
