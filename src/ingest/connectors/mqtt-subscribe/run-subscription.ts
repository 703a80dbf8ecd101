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

/** At most this many QoS 1 messages per sink call (the broker's in-flight window usually caps it lower). */
const MAX_BATCH = 1000;

/**
 * Passed to mqtt.js's `handleMessage` callback for a QoS 1 message: mqtt.js (pinned 5.16.0; the batching
 * test guards this) then skips its own PUBACK and goes on parsing the next packet. urbs sends the PUBACK
 * itself once the message's batch is committed.
 */
const ACK_DEFERRED = new Error('acknowledged after the batch commits');

type PacketSender = { _sendPacket(packet: Record<string, unknown>, cb?: () => void): void };

/**
 * A persistent subscription. The broker redelivers what urbs has not acknowledged, so acknowledging only
 * after the sink resolved gives at-least-once delivery: with `clean: false` and a stable client id the
 * broker keeps unacknowledged and new messages while urbs is down or the sink fails, and redelivers them
 * on the next connection.
 *
 * QoS 1 messages are batched: they are held while the sink writes the previous batch (mqtt.js keeps
 * parsing; the broker sends up to its in-flight window, Mosquitto's `max_inflight_messages`, default 20,
 * unacknowledged), then handed over together and acknowledged together after the commit — one transaction
 * per batch instead of per message. A PUBACK goes out only on the connection that received the message
 * (after a reconnect the broker redelivers instead: a duplicate, never a loss). QoS 2 (whose handshake
 * mqtt.js keeps) and QoS 0 messages go one at a time.
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
  let held: { record: RawRecord; messageId: number; stream: unknown }[] = [];
  /** Whether `pump` is running; reset in the same synchronous step that finds nothing held. */
  let pumping = false;

  const failed = (err: unknown) => {
    state.set('error', redact(`the pipeline did not take a message: ${errorMessage(err)}`));
    // Drop the connection without acknowledging; the broker redelivers on the reconnect.
    if (!stopping) client.stream?.destroy();
  };

  /** Writes the held QoS 1 messages in batches, acknowledging each batch after its commit. */
  const pump = async () => {
    for (;;) {
      if (held.length === 0 || stopping) {
        pumping = false;
        return;
      }
      const batch = held.splice(0, MAX_BATCH);
      try {
        await sink(batch.map((h) => h.record));
      } catch (err) {
        held = [];
        pumping = false;
        failed(err);
        return;
      }
      state.set('running');
      for (const h of batch) {
        if (h.stream === client.stream && !client.stream?.destroyed) {
          (client as unknown as PacketSender)._sendPacket({ cmd: 'puback', messageId: h.messageId });
        }
      }
    }
  };

  client.handleMessage = (packet, done) => {
    if (stopping) return; // never acknowledged: the broker redelivers it after the restart
    if (packet.qos === 1 && typeof packet.messageId === 'number') {
      held.push({ record: toMqttRecord(packet, config), messageId: packet.messageId, stream: client.stream });
      done(ACK_DEFERRED);
      if (!pumping) {
        pumping = true;
        inFlight = pump();
      }
      return;
    }
    inFlight = Promise.resolve()
      .then(() => sink([toMqttRecord(packet, config)]))
      .then(() => {
        if (stopping) return;
        state.set('running');
        done();
      }, failed);
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
    // A graceful end flushes the PUBACKs just written (a forced one may drop them, and the broker would
    // deliver those messages again); a connection that does not end in time is cut.
    let cut: NodeJS.Timeout | undefined;
    await Promise.race([
      client.endAsync(false).catch(() => {}),
      new Promise<void>((resolve) => {
        cut = setTimeout(() => {
          client.end(true);
          resolve();
        }, 2000);
      }),
    ]);
    clearTimeout(cut);
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
