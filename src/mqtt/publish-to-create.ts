import type { Client, PublishPacket } from 'aedes';
import type { FastifyBaseLogger } from 'fastify';
import type { RequestContext } from '../core/entities/context.ts';
import type { EntityService } from '../core/entities/entity-service.ts';
import { createEntity } from '../core/entities/write-entities.ts';
import { BadRequestError } from '../core/errors/bad-request.ts';
import { isDomainError } from '../core/errors/domain-error.ts';
import type { ObservationBatcher } from '../core/sensing/observation-batcher.ts';
import { submitObservation } from '../core/sensing/submit-observation.ts';
import type { ModelRegistry } from '../model/registry.ts';
import { ackQueueOf } from './ack-in-order.ts';
import { sessionOf } from './authenticate-client.ts';
import { looksLikeStaTopic, parseStaTopic, type StaTopic, whyNotObservationTopic } from './topic-to-query.ts';

/**
 * Create Observations via MQTT (OGC 18-088 §14.1): a PUBLISH of an Observation's JSON to
 * `[t/{tenant}/]v1.1/Observations` or `…/{Datastreams|MultiDatastreams|FeaturesOfInterest}({id})/Observations`
 * creates it like an HTTP POST does: a plain body through the core's group-commit batcher (shared with
 * HTTP, so concurrent publishes become one bulk transaction), anything else through createEntity. This
 * runs as aedes' `authorizePublish`. The acknowledgement (PUBACK for QoS 1, PUBREC for QoS 2) is sent only
 * after the commit, so an acknowledged Observation is stored; QoS 1 acks are written by ack-in-order.ts so
 * that a client's stream of publishes keeps flowing into the batcher while earlier ones commit.
 *
 * The raw packet is never forwarded: its topic is rewritten to `$urbs/published/…`, which nobody can
 * subscribe to, and subscribers get the committed entity from notify-subscribers.ts instead.
 * - Invalid payload (JSON, model, missing Datastream): acknowledged, nothing written, problem details on
 *   `urbs/errors/{clientId}` and in the log; the connection stays up (MQTT 3.1.1 has no negative ack).
 * - Anonymous publisher, a topic that is not a creation topic of the client's tenant: the connection is
 *   closed without acknowledgement (MQTT-3.3.5-2).
 * - The database fails: the connection is closed without acknowledgement, so the client sends again.
 */
export interface PublishDeps {
  registry: ModelRegistry;
  defaultTenant: string;
  entities: EntityService;
  observations: ObservationBatcher;
  reportError(client: Client, err: unknown, topic: string, messageId?: number): void;
  log: FastifyBaseLogger;
  /** Unacknowledged messages per connection before the broker stops reading from it. */
  maxUnacknowledged?: number;
}

const MAX_UNACKNOWLEDGED = 2000;

type Callback = (error?: Error | null) => void;

export const INTERNAL_PREFIX = '$urbs/published/';

export interface PublishToCreate {
  authorizePublish(client: Client | null, packet: PublishPacket, callback: Callback): void;
  /** Refuses new publishes and waits until every accepted one is committed or refused. */
  drain(): Promise<void>;
}

/** QoS 2 message ids whose Observation was created, per connection, to ignore DUP retransmissions. */
const exactlyOnce = new WeakMap<Client, Map<number, Promise<void>>>();

export function publishToCreate(deps: PublishDeps): PublishToCreate {
  const inFlight = new Set<Promise<void>>();
  let closing = false;
  return {
    authorizePublish(client, packet, callback) {
      const refused = closing ? 'the broker is shutting down' : whyRefused(deps, client, packet.topic);
      if (typeof refused === 'string') {
        deps.log.info({ clientId: client?.id, topic: packet.topic }, `mqtt publish refused: ${refused}`);
        return callback(new Error(refused));
      }
      const accepted: Accepted = { client: client!, topic: refused, packet: { ...packet }, callback };
      swallow(packet);
      const done = packet.qos === 2 ? acceptQos2(deps, accepted) : acceptQos01(deps, accepted, packet);
      inFlight.add(done);
      const forget = () => inFlight.delete(done);
      done.then(forget, forget);
    },
    async drain() {
      closing = true;
      await Promise.allSettled([...inFlight]);
    },
  };
}

interface Accepted {
  client: Client;
  topic: StaTopic;
  /** The packet as published (topic, payload, QoS, message id), before `swallow` changed it. */
  packet: PublishPacket;
  callback: Callback;
}

/** aedes' own QoS 2 flow: PUBREC once this calls back, after the commit; DUP retransmissions create nothing. */
function acceptQos2(deps: PublishDeps, a: Accepted): Promise<void> {
  const seen = qos2Ids(a.client);
  const id = a.packet.messageId;
  const earlier = a.packet.dup && id !== undefined ? seen.get(id) : undefined;
  const done = earlier ?? create(deps, a.client, a.topic, a.packet);
  if (id !== undefined) seen.set(id, done);
  done.then(
    () => a.callback(null),
    (err) => a.callback(failed(deps, a, err)),
  );
  return done;
}

/**
 * QoS 0 and 1: aedes is told to treat the packet as QoS 0 and goes on reading at once, so the batcher sees
 * the client's whole stream; the PUBACK follows the commit (ack-in-order.ts). Past the limit of
 * unacknowledged messages the callback waits, which stops aedes reading from this client.
 */
function acceptQos01(deps: PublishDeps, a: Accepted, forwarded: PublishPacket): Promise<void> {
  forwarded.qos = 0;
  const acks = ackQueueOf(a.client, deps.maxUnacknowledged ?? MAX_UNACKNOWLEDGED);
  const ready = acks.enqueue(a.packet.qos === 1 ? a.packet.messageId : undefined);
  const done = create(deps, a.client, a.topic, a.packet);
  done.then(ready, (err) => {
    failed(deps, a, err);
    a.client.close();
  });
  const wait = acks.whenBelowLimit();
  if (wait) wait.then(() => a.callback(null));
  else a.callback(null);
  return done;
}

function failed(deps: PublishDeps, a: Accepted, err: unknown): Error {
  deps.log.error(
    { err, clientId: a.client.id, topic: a.packet.topic },
    'mqtt: storing an Observation failed',
  );
  return new Error('the Observation could not be stored; send it again');
}

function qos2Ids(client: Client): Map<number, Promise<void>> {
  let m = exactlyOnce.get(client);
  if (!m) {
    m = new Map();
    exactlyOnce.set(client, m);
  }
  return m;
}

/** The packet goes on to aedes (which acknowledges it) under a topic nobody can subscribe to. */
function swallow(packet: PublishPacket): void {
  packet.topic = `${INTERNAL_PREFIX}${packet.topic}`;
  packet.retain = false;
  packet.payload = Buffer.alloc(0);
}

/** Resolves when the Observation is committed or refused for its content; rejects on server failure. */
async function create(
  deps: PublishDeps,
  client: Client,
  topic: StaTopic,
  packet: Pick<PublishPacket, 'topic' | 'payload' | 'messageId'>,
): Promise<void> {
  const ctx: RequestContext = { tenant: topic.tenant, principal: sessionOf(client)!.principal };
  try {
    await createObservation(deps, ctx, topic, parseBody(packet.payload));
  } catch (err) {
    if (!isContentError(err)) throw err;
    deps.log.info({ clientId: client.id, topic: packet.topic, err }, 'mqtt: published Observation refused');
    deps.reportError(client, err, packet.topic, packet.messageId);
  }
}

/** As `POST {topic}` over HTTP: the batcher for a plain body, createEntity for anything else. */
async function createObservation(deps: PublishDeps, ctx: RequestContext, topic: StaTopic, body: unknown) {
  const p = topic.parent;
  const parent = p ? { relation: deps.registry.inverseOf(p.entity, p.relation), id: p.id } : undefined;
  const record = await submitObservation(
    deps.observations,
    ctx,
    body,
    p && parent && { entity: p.entity, relation: parent.relation, id: p.id },
  );
  if (record) return;
  const observation = deps.registry.entity('Observation');
  await deps.entities.write(ctx, (w) => createEntity(w, observation, body, parent));
}

/** Caused by what was sent, not by the server: acknowledge and report instead of asking for a resend. */
function isContentError(err: unknown): boolean {
  if (isDomainError(err)) return err.status < 500;
  // SQLSTATE class 22 (data exception) and 23 (integrity constraint violation).
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

function parseBody(payload: Buffer | string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString());
  } catch (err) {
    throw new BadRequestError(
      `The payload is not valid JSON: ${(err as Error).message}`,
      {},
      'URBS_INVALID_JSON',
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('The payload must be a JSON object (one Observation)', { field: '' });
  }
  return body as Record<string, unknown>;
}

/** The parsed creation topic, or why publishing there is refused. */
function whyRefused(deps: PublishDeps, client: Client | null, topic: string): StaTopic | string {
  const principal = sessionOf(client)?.principal;
  if (!client || !principal) return 'anonymous clients may not publish';
  if (!looksLikeStaTopic(topic)) return `${topic} is not a topic to publish to; use v1.1/Observations`;
  const parsed = parseStaTopic(deps.registry, topic, deps.defaultTenant);
  if (parsed.error !== undefined) return parsed.error;
  if (parsed.topic.tenant !== principal.tenant)
    return `${topic} belongs to another tenant than ${principal.tenant}`;
  return whyNotObservationTopic(parsed.topic) ?? parsed.topic;
}
