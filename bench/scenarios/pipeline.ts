import mqtt, { type MqttClient } from 'mqtt';
import { MAPPING_RULES, SINKS, SOURCE_SCHEMA, TARGET_SCHEMA } from '../../test/support/pipeline-scenario.ts';
import type { Client } from '../lib/http-client.ts';
import { MOSQUITTO, startMosquitto } from '../lib/mosquitto.ts';
import { fmt } from '../lib/stats.ts';
import type { IngestResult } from './ingest.ts';

/**
 * Records/s through a pipeline: car-park readings published with QoS 1 to a Mosquitto broker → the
 * `mqtt-subscribe` source → mapping → a dataset's sinks. Three datasets, built through the REST API as the
 * end-to-end test builds them (test/support/pipeline-scenario.ts, whose schemas, rules and sinks are used
 * here), each fed by its own pipeline on its own topic: observations sink only, features sink only, both.
 * They run one after the other. The clock starts at the first publish and stops when the pipeline's status
 * counts `in == total`; records/s = total / elapsed.
 */
const CAR_PARKS = 100;
const KINDS = [
  { label: 'observations sink', kinds: ['observations'] },
  { label: 'features sink', kinds: ['features'] },
  { label: 'observations + features sinks', kinds: ['observations', 'features'] },
];

interface Counters {
  in: number;
  out: number;
  filtered: number;
  rejected: number;
}

export async function pipelineRates(
  http: Client,
  total: number,
  log: (line: string) => void,
  window = 500,
): Promise<IngestResult[]> {
  const broker = await startMosquitto(total * 2);
  if (!broker) {
    log(`Skipped the pipeline scenario: ${MOSQUITTO} is missing (Debian package \`mosquitto\`).`);
    return [];
  }
  const api = async (method: string, path: string, body?: unknown, want = method === 'POST' ? 201 : 200) => {
    const res = await http.request(method, `/api/v1${path}`, body);
    if (res.status !== want) throw new Error(`${method} /api/v1${path}: ${res.status} ${res.body}`);
    return JSON.parse(res.body) as { id: number; [k: string]: unknown };
  };
  const publisher = await mqtt.connectAsync(broker.url, { clientId: 'urbs-bench-car-parks', clean: true });
  try {
    const version = async (name: string, schema: unknown) => {
      const s = await api('POST', '/datastructures', { name: `bench pipeline ${name}` });
      const v = await api('POST', `/datastructures/${s.id}/versions`, { version: '1.0.0', schema });
      await api('POST', `/datastructures/${s.id}/versions/1.0.0/release`, undefined, 200);
      return v.id;
    };
    const sourceVersionId = await version('feed', SOURCE_SCHEMA);
    const targetVersionId = await version('car parks', TARGET_SCHEMA);
    const pool = await api('POST', '/datapools', { name: 'bench pipeline pool' });
    const mapping = await api('POST', '/mappings', {
      name: 'bench feed to car parks',
      sourceVersionId,
      targetVersionId,
      rules: MAPPING_RULES,
    });
    const results: IngestResult[] = [];
    for (const [n, { label, kinds }] of KINDS.entries()) {
      const topic = `bench/parking/${n}`;
      const dataSet = await api('POST', '/datasets', {
        name: `bench car parks ${n}`,
        description: `pipeline benchmark: ${label}`,
        licence: 'https://www.govdata.de/dl-de/by-2-0',
        dataPoolId: pool.id,
        dataStructureVersionId: targetVersionId,
        sinks: SINKS.filter((s) => kinds.includes(s.kind)),
      });
      const source = await api('POST', '/datasources', {
        name: `bench MQTT ${n}`,
        connectorType: 'mqtt-subscribe',
        config: { urls: [broker.url], topic, qos: 1 },
        dataStructureVersionId: sourceVersionId,
      });
      await api('POST', `/datasources/${source.id}/release`, undefined, 200);
      const pipeline = await api('POST', '/pipelines', {
        name: `bench pipeline ${n}`,
        dataSourceId: source.id,
        mappingId: mapping.id,
        dataSetId: dataSet.id,
      });
      await api('POST', `/datasets/${dataSet.id}/stage`, undefined, 200);
      await api('POST', `/datasets/${dataSet.id}/release`, undefined, 200);
      const status = async () => {
        const s = await api('GET', `/pipelines/${pipeline.id}/status`);
        return s as unknown as { state: string; counters: Counters; lastError: string | null };
      };
      const until = async (done: (s: Awaited<ReturnType<typeof status>>) => boolean, idleMs: number) => {
        let last = await status();
        let progressAt = performance.now();
        while (!done(last)) {
          await new Promise((r) => setTimeout(r, 100));
          const next = await status();
          if (next.counters.in !== last.counters.in) progressAt = performance.now();
          last = next;
          if (performance.now() - progressAt > idleMs)
            throw new Error(`pipeline ${pipeline.id} (${label}) stalled: ${JSON.stringify(last)}`);
        }
        return last;
      };
      await until((s) => s.state === 'running', 30_000);
      process.stderr.write(`pipeline scenario: ${fmt(total)} records → ${label}\n`);
      const payloads = readings(total);
      const t = performance.now();
      let published = 0;
      const publishing = publishAll(publisher, topic, payloads, window).then(() => {
        published = (performance.now() - t) / 1000;
      });
      publishing.catch(() => {}); // awaited below; a stall must not leave it unhandled
      const end = await until((s) => s.counters.in >= total, 60_000);
      const seconds = (performance.now() - t) / 1000;
      await publishing;
      const c = end.counters;
      const complete = c.in === total && c.out + c.rejected === total;
      results.push({
        name: `pipeline: Mosquitto QoS 1 → mqtt-subscribe → mapping → ${label}`,
        rows: total,
        perSecond: total / seconds,
        note: `in ${fmt(c.in)}, out ${fmt(c.out)}, rejected ${fmt(c.rejected)}${complete ? '' : ` — INCOMPLETE (filtered ${c.filtered})`}; all published after ${fmt(published, 1)} s of ${fmt(seconds, 1)} s`,
      });
      // The next pipeline runs alone: stop this one (its dataset and data stay).
      await api('POST', `/pipelines/${pipeline.id}/stop`, undefined, 200);
    }
    return results;
  } finally {
    await publisher.endAsync();
    await broker.stop();
  }
}

/** `total` readings of CAR_PARKS car parks, one per car park per minute, as the payloads to publish. */
function readings(total: number): string[] {
  const start = Date.UTC(2026, 10, 1);
  return Array.from({ length: total }, (_, i) => {
    const p = i % CAR_PARKS;
    return JSON.stringify({
      id: `P${p + 1}`,
      name: `Parkhaus ${p + 1}`,
      free: String((i * 7) % 300),
      lat: (50.92 + p * 0.001).toFixed(5),
      lon: (11.58 + p * 0.001).toFixed(5),
      ts: new Date(start + Math.floor(i / CAR_PARKS) * 60_000).toISOString(),
    });
  });
}

/** Publishes with QoS 1 keeping up to `window` messages unacknowledged by the broker. */
async function publishAll(c: MqttClient, topic: string, payloads: string[], window: number): Promise<void> {
  const inflight = new Set<Promise<unknown>>();
  for (const payload of payloads) {
    const p = c.publishAsync(topic, payload, { qos: 1 }).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await Promise.all(inflight);
}
