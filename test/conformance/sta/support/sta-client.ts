import assert from 'node:assert/strict';
import { sql } from '../../../../src/core/query/sql.ts';
import { assertProblem } from '../../../support/assert-problem.ts';
import { startTestPlatform, type TestPlatform } from '../../../support/test-platform.ts';

/**
 * A small SensorThings client over `platform.app.inject()` for the conformance suites: one platform per
 * test file (started in `before`), requests relative to the version root (`Things(1)/Datastreams?$top=2`).
 * Query option values are percent-encoded here, so suites write `$filter=name eq 'x'` as a human would.
 */
// biome-ignore lint/suspicious/noExplicitAny: JSON responses are checked at runtime
export type Json = Record<string, any>;

export interface StaResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** Parsed JSON (undefined for an empty or non-JSON body). */
  body: Json;
  text: string;
  /** For assertProblem(). */
  statusCode: number;
}

export interface StaClient {
  platform: TestPlatform;
  /** e.g. `/sta/v1.1` or `/t/other/sta/v1.1`. */
  root: string;
  /** `http://localhost:80/sta/v1.1`: what selfLinks start with. */
  base: string;
  get(path: string, token?: string | null): Promise<StaResponse>;
  post(path: string, body: unknown, contentType?: string): Promise<StaResponse>;
  patch(path: string, body: unknown, contentType?: string): Promise<StaResponse>;
  put(path: string, body: unknown): Promise<StaResponse>;
  del(path: string): Promise<StaResponse>;
  /** POST to an entity set, asserting 201; returns the new @iot.id. */
  create(path: string, body: unknown): Promise<number>;
  /** GET asserting 200. */
  ok(path: string): Promise<Json>;
  /** Ids (in order) of a collection GET, asserting 200. */
  ids(path: string): Promise<number[]>;
  /** Follows @iot.nextLink from `path` until the end; every page's `value` concatenated. */
  all(path: string): Promise<Json[]>;
  /** A path (with query) from an absolute link of a response. */
  relative(link: string): string;
}

/** Percent-encodes the value of every query option of `path` (names and `=`/`&` stay as written). */
export function encodePath(path: string): string {
  const i = path.indexOf('?');
  if (i < 0) return path;
  const query = path
    .slice(i + 1)
    .split('&')
    .map((kv) => {
      const eq = kv.indexOf('=');
      return eq < 0 ? kv : `${kv.slice(0, eq)}=${encodeURIComponent(kv.slice(eq + 1))}`;
    })
    .join('&');
  return `${path.slice(0, i)}?${query}`;
}

export function staClient(platform: TestPlatform, token: string, root = '/sta/v1.1'): StaClient {
  const request = async (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    contentType?: string,
    bearer: string | null = token,
  ): Promise<StaResponse> => {
    const headers: Record<string, string> = {};
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
    const res = await platform.app.inject({
      method,
      url: `${root}/${encodePath(path)}`,
      headers,
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    let parsed: Json = undefined as unknown as Json;
    if (/json/.test(String(res.headers['content-type'])) && res.body !== '') parsed = JSON.parse(res.body);
    return {
      status: res.statusCode,
      statusCode: res.statusCode,
      headers: res.headers,
      body: parsed,
      text: res.body,
    };
  };
  const client: StaClient = {
    platform,
    root,
    base: `http://localhost:80${root}`,
    get: (path, bearer) => request('GET', path, undefined, undefined, bearer === undefined ? token : bearer),
    post: (path, body, contentType) => request('POST', path, body, contentType),
    patch: (path, body, contentType) => request('PATCH', path, body, contentType),
    put: (path, body) => request('PUT', path, body),
    del: (path) => request('DELETE', path),
    async create(path, body) {
      const res = await client.post(path, body);
      assert.equal(res.status, 201, `POST ${path}: ${res.text}`);
      const id = res.body['@iot.id'];
      assert.equal(typeof id, 'number', `POST ${path} returned no @iot.id: ${res.text}`);
      return id as number;
    },
    async ok(path) {
      const res = await client.get(path);
      assert.equal(res.status, 200, `GET ${path}: ${res.text}`);
      return res.body;
    },
    async ids(path) {
      const body = await client.ok(path);
      assert.ok(Array.isArray(body.value), `GET ${path} has no value array: ${JSON.stringify(body)}`);
      return body.value.map((e: Json) => e['@iot.id'] as number);
    },
    async all(path) {
      const out: Json[] = [];
      let next: string | undefined = path;
      for (let pages = 0; next !== undefined; pages++) {
        assert.ok(pages < 1000, 'nextLink does not end');
        const body: Json = await client.ok(next);
        out.push(...body.value);
        next = body['@iot.nextLink'] === undefined ? undefined : client.relative(body['@iot.nextLink']);
      }
      return out;
    },
    relative(link) {
      assert.ok(link.startsWith(`${client.base}/`), `${link} does not start with ${client.base}/`);
      // Links are already encoded; decode the query once so that encodePath() does not encode it twice.
      const rest = link.slice(client.base.length + 1);
      const i = rest.indexOf('?');
      if (i < 0) return rest;
      const params = new URLSearchParams(rest.slice(i + 1));
      return `${rest.slice(0, i)}?${[...params].map(([k, v]) => `${k}=${v}`).join('&')}`;
    },
  };
  return client;
}

/** One platform for a whole test file, with an admin client on /sta/v1.1. */
export async function startStaSuite(): Promise<StaClient & { dispose(): Promise<void> }> {
  const platform = await startTestPlatform();
  const client = staClient(platform, await platform.adminToken());
  return Object.assign(client, { dispose: () => platform.dispose() });
}

/** Row counts of every SensorThings table (all tenants): a failed request must leave them unchanged. */
export async function countRows(platform: TestPlatform): Promise<Record<string, number>> {
  const { rows } = await platform.store.query<Record<string, number>>(
    sql`SELECT (SELECT count(*) FROM sta_things) AS things, (SELECT count(*) FROM sta_locations) AS locations,
        (SELECT count(*) FROM sta_historical_locations) AS historical_locations,
        (SELECT count(*) FROM sta_datastreams) AS datastreams,
        (SELECT count(*) FROM sta_multi_datastreams) AS multi_datastreams,
        (SELECT count(*) FROM sta_sensors) AS sensors, (SELECT count(*) FROM sta_observed_properties) AS observed_properties,
        (SELECT count(*) FROM sta_observations) AS observations,
        (SELECT count(*) FROM sta_features_of_interest) AS features_of_interest,
        (SELECT count(*) FROM sta_things_locations) AS things_locations,
        (SELECT count(*) FROM sta_locations_historical_locations) AS locations_historical_locations,
        (SELECT count(*) FROM sta_multi_datastreams_observed_properties) AS multi_datastreams_observed_properties`,
  );
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
}

/**
 * Asserts a 400 problem whose `field` (or `detail`) names `field`, and that nothing was written.
 * Returns the problem body.
 */
export async function expectRejected(
  sta: StaClient,
  send: () => Promise<StaResponse>,
  field: string | RegExp,
): Promise<Json> {
  const before = await countRows(sta.platform);
  const res = await send();
  const p = assertProblem(res, 400);
  const named =
    typeof field === 'string'
      ? p.field === field || p.detail.includes(field)
      : field.test(`${p.field} ${p.detail}`);
  assert.ok(named, `problem does not name ${String(field)}: ${JSON.stringify(p)}`);
  assert.deepEqual(await countRows(sta.platform), before, 'a rejected request wrote nothing');
  return p;
}

export const MEASUREMENT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement';
export const COMPLEX = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation';
export const CELSIUS = {
  name: 'Degree Celsius',
  symbol: 'degC',
  definition: 'http://www.qudt.org/qudt/owl/1.0.0/unit/Instances.html#DegreeCelsius',
};

/** Entities as the examples of OGC 18-088 §8.2 show them (request bodies, without control information). */
export const EXAMPLES = {
  Thing: {
    name: 'Oven',
    description: 'This thing is an oven.',
    properties: { owner: 'Noah Liang', color: 'Black' },
  },
  Location: {
    name: 'CCIT',
    description: 'Calgary Center for Innvative Technologies',
    encodingType: 'application/geo+json',
    location: { type: 'Point', coordinates: [-114.06, 51.05] },
  },
  Sensor: {
    name: 'TMP36',
    description: 'TMP36 - Analog Temperature sensor',
    encodingType: 'application/pdf',
    metadata: 'http://example.org/TMP35_36_37.pdf',
  },
  ObservedProperty: {
    name: 'DewPoint Temperature',
    definition: 'http://dbpedia.org/page/Dew_point',
    description:
      'The dewpoint temperature is the temperature to which the air must be cooled, at constant pressure, for it to become saturated.',
  },
  FeatureOfInterest: {
    name: 'Weather Station YYC.',
    description: 'This is a weather station located at the Calgary Airport.',
    encodingType: 'application/geo+json',
    feature: { type: 'Point', coordinates: [-114.06, 51.05] },
  },
  Datastream: {
    name: 'oven temperature',
    description: 'This is a datastream measuring the air temperature in an oven.',
    unitOfMeasurement: {
      name: 'degree Celsius',
      symbol: '°C',
      definition: 'http://unitsofmeasure.org/ucum.html#para-30',
    },
    observationType: MEASUREMENT,
  },
  Observation: {
    phenomenonTime: '2014-12-31T11:59:59.00+08:00',
    resultTime: '2014-12-31T11:59:59.00+08:00',
    result: 70.4,
  },
} as const;

/**
 * The create example of 18-088 §10.2 (a Thing with its Location and a Datastream with Sensor and
 * ObservedProperty inline), here with two Observations in the Datastream as well.
 */
export function thingDeepInsertExample(): Json {
  return {
    name: 'Temperature Monitoring System',
    description: 'Sensor system monitoring area temperature',
    properties: {
      'Deployment Condition': 'Deployed in a third floor balcony',
      'Case Used': 'Radiation shield',
    },
    Locations: [
      {
        name: 'UofC CCIT',
        description: 'University of Calgary, CCIT building',
        encodingType: 'application/geo+json',
        location: { type: 'Point', coordinates: [-114.133, 51.08] },
      },
    ],
    Datastreams: [
      {
        name: 'Air Temperature DS',
        description: 'Datastream for recording temperature',
        observationType: MEASUREMENT,
        unitOfMeasurement: CELSIUS,
        ObservedProperty: {
          name: 'Area Temperature',
          description: 'The degree or intensity of heat present in the area',
          definition: 'http://www.qudt.org/qudt/owl/1.0.0/quantity/Instances.html#AreaTemperature',
        },
        Sensor: {
          name: 'DHT22',
          description: 'DHT22 temperature sensor',
          encodingType: 'application/pdf',
          metadata: 'https://cdn-shop.adafruit.com/datasheets/DHT22.pdf',
        },
        Observations: [
          {
            phenomenonTime: '2020-06-01T10:00:00.000Z',
            resultTime: '2020-06-01T10:00:05.000Z',
            result: 21.5,
          },
          {
            phenomenonTime: '2020-06-01T11:00:00.000Z',
            resultTime: '2020-06-01T11:00:05.000Z',
            result: 22.25,
          },
        ],
      },
    ],
  };
}

/** A Datastream body with Thing, Sensor and ObservedProperty inline (each named after `name`). */
export function datastreamBody(name: string, extra: Json = {}): Json {
  return {
    ...EXAMPLES.Datastream,
    name,
    Thing: { ...EXAMPLES.Thing, name: `${name} thing` },
    Sensor: { ...EXAMPLES.Sensor, name: `${name} sensor` },
    ObservedProperty: { ...EXAMPLES.ObservedProperty, name: `${name} property` },
    ...extra,
  };
}

/** Same instant? (the service normalises times to UTC, e.g. `+08:00` → `Z`). */
export function sameInstant(actual: unknown, expected: string, message?: string): void {
  assert.equal(typeof actual, 'string', message ?? `expected a time, got ${JSON.stringify(actual)}`);
  assert.equal(
    Date.parse(actual as string),
    Date.parse(expected),
    message ?? `${String(actual)} is not ${expected}`,
  );
}

/** Same interval `start/end`? */
export function sameInterval(actual: unknown, start: string, end: string, message?: string): void {
  assert.equal(typeof actual, 'string', message ?? `expected an interval, got ${JSON.stringify(actual)}`);
  const [a, b] = (actual as string).split('/');
  sameInstant(a, start, message ?? `start of ${String(actual)} is not ${start}`);
  sameInstant(b, end, message ?? `end of ${String(actual)} is not ${end}`);
}
