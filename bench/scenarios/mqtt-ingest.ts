import type { Fixture } from '../lib/fixture.ts';
import type { Client } from '../lib/http-client.ts';
import type { IngestResult } from './ingest.ts';

/**
 * Observations/s published with MQTT QoS 1 by `clients` connections with `window` unacknowledged messages
 * each. Counts what landed (via $count over this scenario's time window): the target is zero loss.
 */
export async function mqttPublish(
  mqttUrl: string,
  password: string,
  http: Client,
  fx: Fixture,
  total: number,
  clients = 8,
  window = 200,
): Promise<IngestResult> {
  const mqtt = await import('mqtt');
  const start = Date.parse('2025-01-01T00:00:00Z');
  const conns = await Promise.all(
    Array.from({ length: clients }, () =>
      mqtt.connectAsync(mqttUrl, { username: 'admin', password, protocolVersion: 4, clean: true }),
    ),
  );
  let next = 0;
  const t = performance.now();
  await Promise.all(
    conns.map(async (c) => {
      const inflight = new Set<Promise<unknown>>();
      for (let i = next++; i < total; i = next++) {
        const ds = fx.datastreamIds[i % fx.datastreamIds.length];
        const payload = JSON.stringify({
          phenomenonTime: new Date(start + i * 1000).toISOString(),
          result: i % 100,
          FeatureOfInterest: { '@iot.id': fx.foiId },
        });
        const p = c
          .publishAsync(`v1.1/Datastreams(${ds})/Observations`, payload, { qos: 1 })
          .finally(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= window) await Promise.race(inflight);
      }
      await Promise.all(inflight);
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  await Promise.all(conns.map((c) => c.endAsync()));
  const end = new Date(start + total * 1000).toISOString();
  const filter = encodeURIComponent(
    `phenomenonTime ge ${new Date(start).toISOString()} and phenomenonTime lt ${end}`,
  );
  const res = await http.request('GET', `/sta/v1.1/Observations?$count=true&$top=0&$filter=${filter}`);
  const landed = JSON.parse(res.body)['@iot.count'] as number;
  return {
    name: `MQTT QoS 1, ${clients} clients, window ${window}`,
    rows: total,
    perSecond: total / seconds,
    note: `${landed} of ${total} landed${landed === total ? ' (zero loss)' : ' — LOSS'}`,
  };
}
