import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { ControlClient, Resource } from './control-client.ts';
import type { TestPlatform } from './test-platform.ts';

/**
 * The end-to-end pipeline scenario of issue 4, through the REST API only: car-park records (the shape of
 * Jena's open data feed) from some source → mapping → a dataset with a features sink (PostGIS table, served
 * by OGC API – Features) and an observations sink (SensorThings). Each connector's suite supplies the
 * source config and a way to deliver records; everything else is shared here.
 */

/** A car park as the source delivers it (values may be strings, as in CSV). */
export interface ParkingRecord {
  id: string;
  name: string;
  free: string | number;
  lat: string | number;
  lon: string | number;
  ts: string;
}

export const SOURCE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['id', 'name', 'free', 'lat', 'lon', 'ts'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    free: { type: ['string', 'number'] },
    lat: { type: ['string', 'number'] },
    lon: { type: ['string', 'number'] },
    ts: { type: 'string' },
  },
};

export const TARGET_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['id', 'name', 'availableSpotNumber', 'location', 'dateObserved'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    availableSpotNumber: { type: 'integer', minimum: 0 },
    location: {
      type: 'object',
      required: ['type', 'coordinates'],
      properties: { type: { const: 'Point' }, coordinates: { type: 'array', items: { type: 'number' } } },
    },
    dateObserved: { type: 'string', format: 'date-time' },
  },
};

export const MAPPING_RULES = [
  { target: 'id', op: 'copy', from: 'id' },
  { target: 'name', op: 'copy', from: 'name' },
  { target: 'availableSpotNumber', op: 'toNumber', from: 'free' },
  { target: 'location', op: 'geoPoint', from: { lat: 'lat', lon: 'lon' } },
  { target: 'dateObserved', op: 'toDate', from: 'ts' },
];

/** The fix for `free: "n/a"` records (closed car parks): they count as 0 free spots. */
export const FIXED_RULES = MAPPING_RULES.map((r) =>
  r.target === 'availableSpotNumber'
    ? { target: 'availableSpotNumber', op: 'jsonata', expression: 'free = "n/a" ? 0 : $number(free)' }
    : r,
);

export const SINKS = [
  { kind: 'features', idField: 'id', geometryField: 'location' },
  {
    kind: 'observations',
    thing: { key: 'id', name: '{name}', location: 'location' },
    phenomenonTime: 'dateObserved',
    datastreams: [
      {
        result: 'availableSpotNumber',
        name: '{name} free spots',
        unitOfMeasurement: { name: 'count', symbol: '', definition: 'http://qudt.org/vocab/unit/NUM' },
        observedProperty: {
          name: 'free parking spots',
          definition: 'https://smartdatamodels.org/dataModel.Parking/availableSpotNumber',
        },
      },
    ],
  },
];

/** `n` car parks around Jena, one record each, at minute `minute` of the test day. */
export function parkingRecords(n: number, minute = 0, offset = 0): ParkingRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `P${i + 1 + offset}`,
    name: `Parkhaus ${i + 1 + offset}`,
    free: String((i * 7 + minute) % 300),
    lat: (50.92 + i * 0.001).toFixed(5),
    lon: (11.58 + i * 0.001).toFixed(5),
    ts: new Date(Date.UTC(2026, 10, 27, 8, minute, i % 60)).toISOString(),
  }));
}

async function ok<T = Resource>(res: { statusCode: number; body: string; json(): unknown }, want = 200) {
  assert.equal(res.statusCode, want, res.body);
  return res.json() as T;
}

export interface Scenario {
  sourceVersionId: number;
  targetVersionId: number;
  dataSet: Resource;
  dataSource: Resource;
  mapping: Resource;
  pipeline: Resource;
}

/**
 * Builds structures, mapping, dataset (staged, not yet released), the data source (released) and the
 * pipeline. `connector` is the source's connector type and config.
 */
export async function buildScenario(
  api: ControlClient,
  name: string,
  connector: { connectorType: string; config: Record<string, unknown> },
  options: { openData?: boolean; batchSize?: number } = {},
): Promise<Scenario> {
  const version = async (structure: string, schema: unknown) => {
    const s = await api.create('/datastructures', { name: `${name} ${structure}` });
    const v = await api.create(`/datastructures/${s.id}/versions`, { version: '1.0.0', schema });
    await ok(await api.post(`/datastructures/${s.id}/versions/1.0.0/release`));
    return v.id;
  };
  const sourceVersionId = await version('feed', SOURCE_SCHEMA);
  const targetVersionId = await version('car parks', TARGET_SCHEMA);
  const pool = await api.create('/datapools', { name: `${name} pool` });
  const dataSet = await api.create('/datasets', {
    name: `${name} car parks`,
    description: 'Free spots of the car parks, every few minutes',
    licence: 'https://www.govdata.de/dl-de/by-2-0',
    dataPoolId: pool.id,
    openData: options.openData ?? true,
    dataStructureVersionId: targetVersionId,
    sinks: SINKS,
  });
  const mapping = await api.create('/mappings', {
    name: `${name} feed to car parks`,
    sourceVersionId,
    targetVersionId,
    rules: MAPPING_RULES,
  });
  const dataSource = await api.create('/datasources', {
    name: `${name} source`,
    ...connector,
    dataStructureVersionId: sourceVersionId,
  });
  await ok(await api.post(`/datasources/${dataSource.id}/release`));
  const pipeline = await api.create('/pipelines', {
    name: `${name} pipeline`,
    dataSourceId: dataSource.id,
    mappingId: mapping.id,
    dataSetId: dataSet.id,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
  });
  await ok(await api.post(`/datasets/${dataSet.id}/stage`));
  return { sourceVersionId, targetVersionId, dataSet, dataSource, mapping, pipeline };
}

export interface PipelineStatusWire {
  state: string;
  counters: { in: number; out: number; filtered: number; rejected: number };
  lastError: string | null;
  lagMs: number | null;
}

export async function pipelineStatus(api: ControlClient, id: number): Promise<PipelineStatusWire> {
  return ok<PipelineStatusWire>(await api.get(`/pipelines/${id}/status`));
}

/** Polls the pipeline status until `until` holds (or fails after `timeoutMs` showing the last status). */
export async function waitForStatus(
  api: ControlClient,
  id: number,
  until: (s: PipelineStatusWire) => boolean,
  timeoutMs = 30_000,
): Promise<PipelineStatusWire> {
  const deadline = Date.now() + timeoutMs;
  let last = await pipelineStatus(api, id);
  while (!until(last)) {
    if (Date.now() > deadline) assert.fail(`pipeline ${id} status not reached: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await pipelineStatus(api, id);
  }
  return last;
}

/** The features of the dataset's collection, through OGC API – Features (what release made live). */
export async function featureIds(platform: TestPlatform, token: string, identifier: string) {
  const res = await platform.app.inject({
    method: 'GET',
    url: `/ogc/collections/${identifier}/items?limit=10000`,
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.statusCode, 200, res.body);
  const fc = res.json() as { features: { id: string | number; properties: Record<string, unknown> }[] };
  return new Map(fc.features.map((f) => [String(f.id), f.properties]));
}

/** Number of Observations in SensorThings whose Thing is one of the dataset's car parks. */
export async function observationCount(platform: TestPlatform, token: string): Promise<number> {
  const res = await platform.app.inject({
    method: 'GET',
    url: "/sta/v1.1/Observations?$count=true&$top=1&$filter=startswith(Datastream/Thing/name,'Parkhaus')",
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { '@iot.count': number })['@iot.count'];
}

/** The dead letters of a pipeline. */
export async function deadLetters(api: ControlClient, id: number) {
  return ok<{
    items: { id: number; stage: string; reasons: { message: string }[]; payload: ParkingRecord }[];
    total: number;
  }>(await api.get(`/pipelines/${id}/deadletters?size=500`));
}

/**
 * The shared second half: one record no mapping rule can take (`free: "n/a"`) is dead-lettered with its
 * payload; fixing the mapping and replaying writes it and empties the dead letters.
 */
export async function fixAndReplay(api: ControlClient, s: Scenario, badId: string): Promise<void> {
  const dead = await deadLetters(api, s.pipeline.id);
  assert.equal(dead.total, 1, JSON.stringify(dead));
  const letter = dead.items[0]!;
  assert.equal(letter.stage, 'mapping');
  assert.equal(letter.payload.id, badId);
  assert.match(letter.reasons[0]!.message, /n\/a|number/i);
  await ok(await api.patch(`/mappings/${s.mapping.id}`, { rules: FIXED_RULES }));
  const replay = await ok<{ replayed: number; out: number; stillRejected: number }>(
    await api.post(`/pipelines/${s.pipeline.id}/deadletters/replay`, {}),
  );
  assert.deepEqual(
    { replayed: replay.replayed, out: replay.out, still: replay.stillRejected },
    {
      replayed: 1,
      out: 1,
      still: 0,
    },
  );
  assert.equal((await deadLetters(api, s.pipeline.id)).total, 0);
}

/** Number of Observations in SensorThings whose Thing's name starts with `namePrefix` (e.g. `Garage`). */
export async function observationCountOf(
  platform: TestPlatform,
  token: string,
  namePrefix: string,
): Promise<number> {
  const filter = encodeURIComponent(`startswith(Datastream/Thing/name,'${namePrefix}')`);
  const res = await platform.app.inject({
    method: 'GET',
    url: `/sta/v1.1/Observations?$count=true&$top=1&$filter=${filter}`,
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { '@iot.count': number })['@iot.count'];
}

/** Car-park records as a CSV file (header line first). */
export function parkingCsv(records: readonly ParkingRecord[]): string {
  const header = 'id,name,free,lat,lon,ts';
  return `${[header, ...records.map((r) => [r.id, r.name, r.free, r.lat, r.lon, r.ts].join(','))].join('\n')}\n`;
}

/** A log stream for `startTestPlatform(kind, overrides, { logStream })` that keeps every line. */
export function captureLogs(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  let rest = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.length > 0));
      done();
    },
    final(done) {
      if (rest) lines.push(rest);
      done();
    },
  });
  return { stream, lines };
}

/**
 * The platform with every answer of `app.inject` (status line, headers and body) kept in `answers`, so a
 * suite can check that no secret ever appears in one. Pass the returned platform to the helpers above.
 */
export function recordAnswers(platform: TestPlatform): { platform: TestPlatform; answers: string[] } {
  const answers: string[] = [];
  const app = new Proxy(platform.app, {
    get(target, prop) {
      if (prop === 'inject') {
        return async (opts: unknown) => {
          const res = await target.inject(opts as never);
          answers.push(`${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`);
          return res;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { platform: { ...platform, app }, answers };
}

/** Fails naming the first text (answer or log line) that contains a secret, plain or URL-encoded. */
export function assertNoSecret(secrets: readonly string[], texts: Record<string, readonly string[]>): void {
  const forms = secrets.flatMap((s) => [s, encodeURIComponent(s)]);
  for (const [what, list] of Object.entries(texts)) {
    for (const text of list) {
      const hit = forms.find((f) => text.includes(f));
      if (hit) assert.fail(`a secret appears in ${what}: ${text.slice(0, 2000)}`);
    }
  }
}

/**
 * Every record so far was written: the pipeline counted `n` in and out (none filtered or refused) and
 * SensorThings holds `n` car-park Observations.
 */
export async function expectAllWritten(
  c: { api: ControlClient; platform: TestPlatform; token: string },
  s: Scenario,
  n: number,
): Promise<void> {
  assert.deepEqual((await pipelineStatus(c.api, s.pipeline.id)).counters, {
    in: n,
    out: n,
    filtered: 0,
    rejected: 0,
  });
  assert.equal(await observationCount(c.platform, c.token), n);
}

/** Releases the dataset and waits until its running pipeline wrote `n` records to both sinks. */
export async function releaseAndLand(
  c: { api: ControlClient; platform: TestPlatform; token: string },
  s: Scenario,
  n: number,
): Promise<Map<string, Record<string, unknown>>> {
  const res = await c.api.post(`/datasets/${s.dataSet.id}/release`);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().status, 'AVAILABLE');
  await waitForStatus(c.api, s.pipeline.id, (st) => st.state === 'running' && st.counters.in >= n);
  await expectAllWritten(c, s, n);
  const features = await featureIds(c.platform, c.token, String(s.dataSet.identifier));
  assert.equal(features.size, n);
  return features;
}

/**
 * A pull source works before anything runs: test connection succeeds, a sample reads 10 records, and a dry
 * run of the whole pipeline on that sample passes all of them, writing nothing (the pipeline stays stopped).
 */
export async function expectSourceReadable(api: ControlClient, s: Scenario): Promise<void> {
  const conn = await api.post(`/datasources/${s.dataSource.id}/test-connection`);
  assert.equal(conn.statusCode, 200, conn.body);
  assert.equal(conn.json().ok, true, conn.body);
  const sample = await api.post(`/datasources/${s.dataSource.id}/sample`);
  assert.equal(sample.statusCode, 200, sample.body);
  assert.equal(sample.json().records.length, 10, sample.body);
  const dry = await api.post(`/pipelines/${s.pipeline.id}/dry-run`, {});
  assert.equal(dry.statusCode, 200, dry.body);
  assert.deepEqual(dry.json().counts, { total: 10, out: 10, filtered: 0, rejected: 0 });
  assert.equal((await pipelineStatus(api, s.pipeline.id)).state, 'stopped');
}
