import { type ProblemDetails, toProblem } from '../apis/problem-details.ts';

/**
 * Where a client learns why the broker did not do what it asked: MQTT 3.1.1 has no negative PUBACK or
 * reason strings, so a refused Observation (or subscription) is reported as RFC 9457 problem details on
 * `urbs/errors/{clientId}`. Only that client may subscribe to it (authorize-subscribe.ts).
 */
export const ERROR_TOPIC_PREFIX = 'urbs/errors/';

export function errorTopic(clientId: string): string {
  return `${ERROR_TOPIC_PREFIX}${clientId}`;
}

/** Problem details for an error about `topic`, with the publish's message id when it had one (QoS > 0). */
export function errorPayload(err: unknown, topic: string, messageId?: number): Buffer {
  const p: ProblemDetails = { ...toProblem(err), instance: topic };
  if (messageId !== undefined) p.messageId = messageId;
  return Buffer.from(JSON.stringify(p));
}
