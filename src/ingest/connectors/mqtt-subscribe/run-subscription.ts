import mqtt, { type IPublishPacket } from 'mqtt';
import type { RawRecord, RunningSource, Sink, StartOptions } from '../../connector.ts';
import { parsePayload } from '../../record-data.ts';
import { redactSecrets } from '../../secrets.ts';
import { errorMessage, SourceState } from '../../source-state.ts';
import { clientOptions, type MqttSubscribeConfig, mqttSubscribeSchema, stableClientId } from './config.ts';
import { mqttFailure } from './failures.ts';

export function toMqttRecord(packet: IPublishPacket, config: MqttSubscribeConfig): RawRecord {
  const text = Buffer.isBuffer(packet.payload) ? packet.payload.toString('utf8') : String(packet.payload);
  return {
    data: parsePayload(text, config.payloadFormat ?? 'auto'),
    receivedAt: new Date().toISOString(),
    position: { topic: packet.topic, qos: packet.qos, retain: packet.retain, dup: packet.dup },
  };
}

/**
 * A persistent subscription. mqtt.js hands each PUBLISH to `handleMessage` one at a time and sends the
 * PUBACK (QoS 1) or PUBCOMP (QoS 2) only when its callback is called, so calling it after the sink
 * resolves is both back-pressure and at-least-once delivery: with `clean: false` and a stable client id
 * the broker keeps unacknowledged and new messages while urbs is down or the sink fails, and redelivers
 * them on the next connection.
 */
export function runSubscription(
  config: MqttSubscribeConfig,
  sink: Sink,
  options: StartOptions,
): RunningSource {
  const state = new SourceState(options.onStatus);
  const redact = (s: string) => redactSecrets(s, config, mqttSubscribeSchema);
  const clientId = stableClientId(config, options.sourceId);
  const client = mqtt.connect(config.urls[0] ?? '', clientOptions(config, clientId, true));
  let stopping = false;
  let inFlight: Promise<void> = Promise.resolve();

  client.handleMessage = (packet, done) => {
    if (stopping) return; // never acknowledged: the broker redelivers it after the restart
    inFlight = Promise.resolve()
      .then(() => sink([toMqttRecord(packet, config)]))
      .then(
        () => {
          if (stopping) return;
          state.set('running');
          done();
        },
        (err) => {
          state.set('error', redact(`the pipeline did not take a message: ${errorMessage(err)}`));
          // Drop the connection without acknowledging; the broker redelivers on the reconnect.
          if (!stopping) client.stream?.destroy();
        },
      );
  };
  client.on('connect', () => {
    client.subscribe(config.topic, { qos: config.qos ?? 1 }, (err, granted) => {
      if (err || granted?.[0]?.qos === 128) {
        state.set('error', redact(`the broker refused the subscription to topic ${config.topic}`));
      } else if (!stopping) state.set('running');
    });
  });
  client.on('error', (err) => state.set('error', redact(mqttFailure(err, config).message)));
  client.on('offline', () => {
    if (!stopping && state.status === 'running') state.set('error', 'the connection to the broker was lost');
  });

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    options.signal?.removeEventListener('abort', onAbort);
    await inFlight.catch(() => {});
    await client.endAsync(true).catch(() => {});
    state.set('stopped');
  };
  const onAbort = () => void stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) void stop();
  return {
    get status() {
      return state.status;
    },
    get lastError() {
      return state.lastError;
    },
    stop,
  };
}
