import type { ModelRegistry } from '../model/registry.ts';
import type { Session } from './authenticate-client.ts';
import { errorTopic } from './error-topic.ts';
import { looksLikeStaTopic, parseStaTopic, type StaTopic } from './topic-to-query.ts';

/**
 * Which topic filters a connection may subscribe to. The broker refuses everything else (SUBACK 0x80):
 * - anonymous connections: nothing yet (open data does not exist yet, CONTRACT.md);
 * - its own error topic `urbs/errors/{clientId}`;
 * - SensorThings topics of its own tenant without wildcards (topic-to-query.ts). Wildcards are refused
 *   because every topic is a query the server answers, not a namespace to browse (and `#` would let one
 *   filter see every tenant's data).
 */
export type SubscribeDecision =
  | { allowed: true; sta?: StaTopic; reason?: undefined }
  | { allowed: false; reason: string };

export function authorizeSubscribe(
  registry: ModelRegistry,
  defaultTenant: string,
  session: Session | undefined,
  clientId: string,
  topic: string,
): SubscribeDecision {
  const principal = session?.principal;
  if (!principal) return { allowed: false, reason: 'anonymous clients may not subscribe (no open data yet)' };
  if (topic === errorTopic(clientId)) return { allowed: true };
  if (!looksLikeStaTopic(topic)) {
    return {
      allowed: false,
      reason: `${topic} is not a SensorThings topic (e.g. v1.1/Datastreams(1)/Observations)`,
    };
  }
  const parsed = parseStaTopic(registry, topic, defaultTenant);
  if (parsed.error !== undefined) return { allowed: false, reason: parsed.error };
  if (parsed.topic.tenant !== principal.tenant) {
    return { allowed: false, reason: `${topic} belongs to another tenant than ${principal.tenant}` };
  }
  return { allowed: true, sta: parsed.topic };
}
