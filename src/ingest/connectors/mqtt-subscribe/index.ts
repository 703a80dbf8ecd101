import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { describeUrl } from '../../config-checks.ts';
import type { PullConnector, RawRecord } from '../../connector.ts';
import { redactSecrets } from '../../secrets.ts';
import { failedConnection, SourceFailure, sampleError } from '../../source-failure.ts';
import { sleep } from '../../source-state.ts';
import {
  clientOptions,
  type MqttSubscribeConfig,
  mqttSubscribeSchema,
  stableClientId,
  validateMqttSubscribeConfig,
} from './config.ts';
import { mqttFailure } from './failures.ts';
import { runSubscription, toMqttRecord } from './run-subscription.ts';

export type { MqttSubscribeConfig } from './config.ts';

/** How long `sample` listens for messages when fewer than the limit arrive. */
const SAMPLE_WAIT_MS = 5000;

/** A throw-away connection (clean session, own client id) that never touches the persistent session. */
async function connectOnce(config: MqttSubscribeConfig, signal?: AbortSignal): Promise<MqttClient> {
  const id = `${stableClientId(config).slice(0, 14)}-${randomBytes(4).toString('hex')}`;
  const client = mqtt.connect(config.urls[0] ?? '', clientOptions(config, id, false));
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => reject(mqttFailure(err, config));
      client.once('connect', () => resolve());
      client.once('error', fail);
      client.once('close', () => fail(new Error('the connection was closed')));
      signal?.addEventListener('abort', () => fail(new Error('cancelled')), { once: true });
    });
  } catch (err) {
    client.end(true);
    throw err;
  }
  client.removeAllListeners('close');
  client.removeAllListeners('error');
  client.on('error', () => {});
  return client;
}

async function subscribeOnce(client: MqttClient, config: MqttSubscribeConfig): Promise<void> {
  const granted = await client.subscribeAsync(config.topic, { qos: config.qos ?? 1 }).catch((err) => {
    throw new SourceFailure('topic', `subscribing to ${config.topic} failed: ${(err as Error).message}`);
  });
  if (granted[0]?.qos === 128) {
    throw new SourceFailure('topic', `the broker refused the subscription to topic ${config.topic}`);
  }
}

/** Subscribes to a topic filter on an external MQTT broker (QoS 0–2, TLS, credentials). */
export const mqttSubscribeConnector: PullConnector<MqttSubscribeConfig> = {
  type: 'mqtt-subscribe',
  kind: 'pull',
  title: 'MQTT subscription',
  configSchema: mqttSubscribeSchema,
  validateConfig: validateMqttSubscribeConfig,

  async testConnection(config, signal) {
    let client: MqttClient | undefined;
    try {
      client = await connectOnce(config, signal);
      await subscribeOnce(client, config);
      const where = describeUrl(config.urls[0] ?? '');
      return { ok: true, detail: `connected to ${where} and subscribed to ${config.topic}` };
    } catch (err) {
      return failedConnection(err, 'urls', (s) => redactSecrets(s, config, mqttSubscribeSchema));
    } finally {
      await client?.endAsync(true).catch(() => {});
    }
  },

  async sample(config, limit = 10, signal) {
    let client: MqttClient | undefined;
    try {
      client = await connectOnce(config, signal);
      const records: RawRecord[] = [];
      const enough = new AbortController();
      const onAbort = () => enough.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      client.on('message', (_topic, _payload, packet) => {
        if (records.length < limit) records.push(toMqttRecord(packet, config));
        if (records.length >= limit) enough.abort();
      });
      await subscribeOnce(client, config);
      await sleep(SAMPLE_WAIT_MS, enough.signal);
      signal?.removeEventListener('abort', onAbort);
      return records;
    } catch (err) {
      throw sampleError(err, 'urls', (s) => redactSecrets(s, config, mqttSubscribeSchema));
    } finally {
      await client?.endAsync(true).catch(() => {});
    }
  },

  start: (config, sink, options = {}) => runSubscription(config, sink, options),
};
