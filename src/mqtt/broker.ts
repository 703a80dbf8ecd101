import type { EventEmitter } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { Aedes, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { FastifyBaseLogger } from 'fastify';
import type { EntityService } from '../core/entities/entity-service.ts';
import { ForbiddenError } from '../core/errors/auth-errors.ts';
import type { ChangeFeed } from '../core/events/change-feed.ts';
import type { ObservationBatcher } from '../core/sensing/observation-batcher.ts';
import type { ModelRegistry } from '../model/registry.ts';
import type { Store } from '../store/store.ts';
import {
  authenticateClient,
  CONNACK,
  ConnectRefused,
  type CredentialResolver,
  passwordAccounts,
  sessionOf,
} from './authenticate-client.ts';
import { authorizeSubscribe } from './authorize-subscribe.ts';
import { errorPayload, errorTopic } from './error-topic.ts';
import { notifySubscribers } from './notify-subscribers.ts';
import { type PublishToCreate, publishToCreate } from './publish-to-create.ts';
import { createSubscriptionIndex } from './subscription-index.ts';
import { parseStaTopic } from './topic-to-query.ts';

/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1) serving the SensorThings MQTT extension (OGC 18-088 §14).
 * It starts in two steps: `listenMqtt` binds the port first, so the HTTP service root can advertise the
 * real endpoint; `start` wires it to the core once HTTP is up (self links need the HTTP URL). Until then
 * every CONNECT is answered "server unavailable". The broker authorises every subscribe and publish.
 */
export const RECEIVE_UPDATES =
  'http://www.opengis.net/spec/iot_sensing/1.1/req/receive-updates-via-mqtt/receive-updates';
export const CREATE_OBSERVATIONS =
  'http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation';
/** Conformance classes the broker adds to the service root (with the endpoint in serverSettings). */
export const MQTT_CONFORMANCE = [CREATE_OBSERVATIONS, RECEIVE_UPDATES] as const;

export interface MqttDeps {
  store: Store;
  registry: ModelRegistry;
  entities: EntityService;
  /** The group-commit batcher HTTP POSTs of Observations use too. */
  observations: ObservationBatcher;
  feed: ChangeFeed;
  /** `http://host:port` of the HTTP server. */
  httpUrl: string;
  defaultTenant: string;
  log: FastifyBaseLogger;
  /** Credential checks in order; default: built-in accounts. API keys are added here. */
  credentials?: readonly CredentialResolver[];
}

export interface MqttBroker {
  /** `mqtt://host:port` actually bound. */
  readonly endpoint: string;
  start(deps: MqttDeps): void;
  /** Stops accepting, settles accepted publishes (commit and ack), disconnects everyone. Idempotent. */
  close(): Promise<void>;
}

interface Running {
  deps: MqttDeps;
  credentials: readonly CredentialResolver[];
  publisher: PublishToCreate;
  stopFeed: () => void;
}

export async function listenMqtt(options: { host: string; port: number }): Promise<MqttBroker> {
  let running: Running | undefined;
  const index = createSubscriptionIndex();
  const broker = await Aedes.createBroker({
    concurrency: 1000,
    authenticate(client, username, password, done) {
      if (!running) return done(refusal(new ConnectRefused(CONNACK.serverUnavailable, 'starting')), null);
      authenticateClient(running.credentials, client, username, password).then(
        () => done(null, true),
        (err) => {
          running?.deps.log.info({ clientId: client.id, username }, `mqtt connect refused: ${err.message}`);
          done(refusal(err), null);
        },
      );
    },
    authorizeSubscribe(client, sub, done) {
      if (!running) return done(null, null);
      const { registry, defaultTenant, log } = running.deps;
      const decision = authorizeSubscribe(registry, defaultTenant, sessionOf(client), client.id, sub.topic);
      if (decision.allowed) return done(null, sub);
      log.info({ clientId: client.id, topic: sub.topic }, `mqtt subscribe refused: ${decision.reason}`);
      if (sessionOf(client)?.principal)
        reportError(client, new ForbiddenError(`Subscription refused: ${decision.reason}`), sub.topic);
      done(null, null);
    },
    authorizePublish(client, packet, done) {
      if (!running) return done(new Error('starting'));
      running.publisher.authorizePublish(client, packet, done);
    },
  });
  const server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => running?.deps.log.error({ err }, 'mqtt listener error'));
  const addr = server.address() as AddressInfo;
  const endpoint = `mqtt://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;

  const publish = (topic: string, payload: Buffer) => {
    if (broker.closed) return;
    const packet: PublishPacket = { cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false };
    broker.publish(packet, (err) => {
      if (err) running?.deps.log.warn({ err, topic }, 'mqtt: publishing a notification failed');
    });
  };
  const reportError = (client: Client, err: unknown, topic: string, messageId?: number) =>
    publish(errorTopic(client.id), errorPayload(err, topic, messageId));

  trackSubscriptions(broker, index, () => running?.deps);

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    start(deps) {
      const listener = notifySubscribers({ ...deps, index, db: deps.store, publish });
      const stopFeed = deps.feed.subscribe((events) => {
        try {
          listener(events);
        } catch (err) {
          deps.log.error({ err }, 'mqtt: notifying subscribers failed');
        }
      });
      running = {
        deps,
        credentials: deps.credentials ?? [passwordAccounts(deps.store, deps.defaultTenant)],
        publisher: publishToCreate({ ...deps, reportError }),
        stopFeed,
      };
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        running?.stopFeed();
        await running?.publisher.drain();
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        await stopped;
      })();
      return closing;
    },
  };
}

/** Keeps the subscription index in step with what aedes actually granted. */
function trackSubscriptions(
  broker: Aedes,
  index: ReturnType<typeof createSubscriptionIndex>,
  deps: () => MqttDeps | undefined,
) {
  broker.on('subscribe', (subs: Subscription[], client: Client) => {
    const d = deps();
    if (!d) return;
    for (const s of subs) {
      if ((s.qos as number) === 128) continue;
      const parsed = parseStaTopic(d.registry, s.topic, d.defaultTenant);
      if (parsed.topic) index.add(client.id, s.topic, parsed.topic);
    }
  });
  broker.on('unsubscribe', (topics: string[], client: Client) => {
    for (const t of topics) index.remove(client.id, t);
  });
  // A clean session ends with its connection; a persistent one keeps its subscriptions (aedes queues QoS 1
  // notifications for it), until it unsubscribes or comes back clean.
  broker.on('clientReady', (client: Client) => {
    if (client.clean) index.removeClient(client.id);
  });
  broker.on('clientDisconnect', (client: Client) => {
    if (client.clean) index.removeClient(client.id);
  });
  broker.on('clientError', (client: Client, err: Error) => {
    deps()?.log.debug({ clientId: client.id, err: err.message }, 'mqtt client error');
  });
  // aedes emits 'error' for its own housekeeping (expired wills); unhandled it would end the process.
  (broker as EventEmitter).on('error', (err: Error) => deps()?.log.error({ err }, 'mqtt broker error'));
}

function refusal(err: unknown): Error & { returnCode: number } {
  const e = new Error(err instanceof Error ? err.message : String(err)) as Error & { returnCode: number };
  e.returnCode = err instanceof ConnectRefused ? err.returnCode : CONNACK.serverUnavailable;
  return e;
}
