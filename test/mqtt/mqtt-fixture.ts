import { createUser } from '../../src/auth/accounts.ts';
import { sql } from '../../src/core/query/sql.ts';
import { ADMIN_PASSWORD, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import type { StoreKind } from '../support/test-store.ts';

/**
 * A whole urbs with its MQTT broker on free ports, two accounts besides the admin (`alice` of tenant
 * default, `othertenant/alice`) and one Thing with a Location and two Datastreams. HTTP goes over the real
 * socket, so self links in HTTP answers and in MQTT notifications have the same host.
 */
export const ALICE = { username: 'alice', password: 'alice-password' };
export const OTHER_ALICE = { username: 'othertenant/alice', password: 'other-alice-password' };
export const ADMIN = { username: 'admin', password: ADMIN_PASSWORD };

export interface HttpResult {
  status: number;
  body: Record<string, unknown> & { value?: Record<string, unknown>[] };
}

export interface MqttFixture {
  platform: TestPlatform;
  mqttUrl: string;
  /** SensorThings request relative to `/sta/v1.1/` (or `/t/{tenant}/sta/v1.1/` with `tenant`). */
  sta(method: string, path: string, body?: unknown, as?: 'admin' | 'other'): Promise<HttpResult>;
  thing: number;
  datastream: number;
  otherDatastream: number;
  /** A Thing of tenant othertenant with one Datastream. */
  foreignDatastream: number;
  observationCount(): Promise<number>;
  dispose(): Promise<void>;
}

export const sensorBody = () => ({
  name: 'S',
  description: 'a sensor',
  encodingType: 'application/pdf',
  metadata: 'm',
});
export const datastreamBody = (name: string) => ({
  name,
  description: `${name} stream`,
  observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
  unitOfMeasurement: {
    name: 'degree Celsius',
    symbol: '°C',
    definition: 'http://unitsofmeasure.org/ucum.html#para-30',
  },
  Sensor: sensorBody(),
  ObservedProperty: {
    name: 'temperature',
    description: 'air temperature',
    definition: 'http://example.org/t',
  },
});
export const thingBody = (name: string) => ({
  name,
  description: `${name} thing`,
  Locations: [
    {
      name: 'here',
      description: 'a place',
      encodingType: 'application/geo+json',
      location: { type: 'Point', coordinates: [8.4, 49.0] },
    },
  ],
  Datastreams: [datastreamBody(`${name}-a`), datastreamBody(`${name}-b`)],
});

export async function startMqttFixture(kind: StoreKind): Promise<MqttFixture> {
  const platform = await startTestPlatform(kind, { mqttPort: 0 });
  await createUser(platform.store, {
    tenant: 'default',
    username: 'alice',
    password: ALICE.password,
    roles: [],
  });
  await platform.store.query(sql`INSERT INTO tenants (id, name) VALUES ('othertenant', 'Other tenant')`);
  await createUser(platform.store, {
    tenant: 'othertenant',
    username: 'alice',
    password: OTHER_ALICE.password,
    roles: [],
  });
  const tokens = {
    admin: await platform.adminToken(),
    other: await token(platform, 'alice', OTHER_ALICE.password, 'othertenant'),
  };
  const sta = async (method: string, path: string, body?: unknown, as: 'admin' | 'other' = 'admin') => {
    const prefix = as === 'other' ? '/t/othertenant' : '';
    const res = await fetch(`${platform.url}${prefix}/sta/v1.1/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[as]}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} } as HttpResult;
  };
  const created = async (path: string, body: unknown, as: 'admin' | 'other' = 'admin') => {
    const res = await sta('POST', path, body, as);
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body['@iot.id'] as number;
  };
  const streamsOf = async (thing: number, as: 'admin' | 'other' = 'admin') =>
    (await sta('GET', `Things(${thing})/Datastreams?$orderby=id`, undefined, as)).body.value!.map(
      (d) => d['@iot.id'] as number,
    );
  const thing = await created('Things', thingBody('home'));
  const [datastream, otherDatastream] = await streamsOf(thing);
  const foreignThing = await created('Things', thingBody('abroad'), 'other');
  const [foreignDatastream] = await streamsOf(foreignThing, 'other');
  return {
    platform,
    mqttUrl: platform.mqttUrl!,
    sta,
    thing,
    datastream: datastream!,
    otherDatastream: otherDatastream!,
    foreignDatastream: foreignDatastream!,
    async observationCount() {
      const res = await sta('GET', 'Observations?$count=true&$top=0');
      return res.body['@iot.count'] as number;
    },
    dispose: () => platform.dispose(),
  };
}

async function token(platform: TestPlatform, username: string, password: string, tenant: string) {
  const res = await fetch(`${platform.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username, password, tenant }),
  });
  if (res.status !== 200)
    throw new Error(`token for ${tenant}/${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
