import { type Fixture, primePartitions } from '../lib/fixture.ts';
import type { Client } from '../lib/http-client.ts';
import { rawCopy } from '../lib/raw-copy.ts';
import { fmt } from '../lib/stats.ts';

export interface IngestResult {
  name: string;
  rows: number;
  perSecond: number;
  note?: string;
}

const HOUR = 3_600_000;

/** Observations/s by 32 concurrent clients, each POSTing one Observation per request. */
export async function singlePosts(
  client: Client,
  fx: Fixture,
  total: number,
  concurrency = 32,
): Promise<IngestResult> {
  let next = 0;
  let failed = 0;
  const base = Date.parse('2024-01-01T00:00:00Z');
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const ds = fx.datastreamIds[i % fx.datastreamIds.length];
        const res = await client.request('POST', `/sta/v1.1/Datastreams(${ds})/Observations`, {
          phenomenonTime: new Date(base + i * 1000).toISOString(),
          result: i % 100,
          FeatureOfInterest: { '@iot.id': fx.foiId },
        });
        if (res.status !== 201) failed++;
      }
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  return {
    name: `single POST, ${concurrency} concurrent clients`,
    rows: total,
    perSecond: total / seconds,
    note: failed ? `${failed} failed` : undefined,
  };
}

/** Observations/s through CreateObservations with `perRequest` rows per request (dataArray). */
export async function createObservations(
  client: Client,
  fx: Fixture,
  total: number,
  perRequest = 1000,
  concurrency = 2,
): Promise<IngestResult> {
  const base = Date.parse('2024-03-01T00:00:00Z');
  let next = 0;
  let failed = 0;
  const requests = Math.ceil(total / perRequest);
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let r = next++; r < requests; r = next++) {
        const ds = fx.datastreamIds[r % fx.datastreamIds.length];
        const dataArray = Array.from({ length: perRequest }, (_, k) => [
          new Date(base + (r * perRequest + k) * 1000).toISOString(),
          k % 100,
          fx.foiId,
        ]);
        const res = await client.request('POST', '/sta/v1.1/CreateObservations', [
          {
            Datastream: { '@iot.id': ds },
            components: ['phenomenonTime', 'result', 'FeatureOfInterest/id'],
            dataArray,
          },
        ]);
        if (res.status !== 201) failed++;
      }
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  return {
    name: `CreateObservations, ${fmt(perRequest)} per request`,
    rows: requests * perRequest,
    perSecond: (requests * perRequest) / seconds,
    note: failed ? `${failed} requests failed` : undefined,
  };
}

/** The limit measured in the same run: COPY of the same rows into the same table. */
export async function copyLimit(
  databaseUrl: string,
  client: Client,
  fx: Fixture,
  rows: number,
): Promise<IngestResult> {
  const start = Date.parse('2024-06-01T00:00:00Z');
  const step = HOUR / 60;
  await primePartitions(client, fx, start, start + Math.ceil(rows / fx.datastreamIds.length) * step);
  const perSecond = await rawCopy(databaseUrl, rows, fx.datastreamIds, fx.foiId, start, step);
  return { name: 'raw COPY into sta_observations (limit)', rows, perSecond };
}
