import { createHash } from 'node:crypto';
import type { IClientOptions } from 'mqtt';
import { checkShape, checkUrl, configError } from '../../config-checks.ts';
import type { JsonSchema } from '../../connector.ts';

export interface MqttSubscribeConfig {
  /** One or more broker URLs (mqtt://, mqtts://, ws://, wss://); later ones are fail-over brokers. */
  urls: string[];
  /** An MQTT topic filter, e.g. `sensors/+/temperature` or `city/#`. */
  topic: string;
  qos?: 0 | 1 | 2;
  /** Default: derived from the source id, stable across restarts (persistent session). */
  clientId?: string;
  username?: string;
  password?: string;
  protocolVersion?: 4 | 5;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean; servername?: string };
  /** `auto` (default): JSON when it parses, else `{ text }`. */
  payloadFormat?: 'auto' | 'json' | 'text';
  connectTimeoutSeconds?: number;
}

const pem = { type: 'string', minLength: 1, maxLength: 65_536 };

export const mqttSubscribeSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['urls', 'topic'],
  properties: {
    urls: {
      type: 'array',
      minItems: 1,
      maxItems: 8,
      items: { type: 'string', minLength: 1, maxLength: 2048 },
    },
    topic: { type: 'string', minLength: 1, maxLength: 1024 },
    qos: { type: 'integer', enum: [0, 1, 2] },
    clientId: { type: 'string', minLength: 1, maxLength: 128 },
    username: { type: 'string', maxLength: 256 },
    password: { type: 'string', maxLength: 1024, writeOnly: true },
    protocolVersion: { type: 'integer', enum: [4, 5] },
    tls: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ca: pem,
        cert: pem,
        key: { ...pem, writeOnly: true },
        rejectUnauthorized: { type: 'boolean' },
        servername: { type: 'string', maxLength: 255 },
      },
    },
    payloadFormat: { type: 'string', enum: ['auto', 'json', 'text'] },
    connectTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 120 },
  },
};

export function validateMqttSubscribeConfig(input: unknown): MqttSubscribeConfig {
  const config = checkShape<MqttSubscribeConfig>(mqttSubscribeSchema, input);
  config.urls.forEach((u, i) => {
    checkUrl(u, `urls.${i}`, ['mqtt', 'mqtts', 'ws', 'wss', 'tcp', 'ssl']);
  });
  checkTopicFilter(config.topic);
  if (config.tls?.key !== undefined && config.tls.cert === undefined) {
    throw configError('tls.cert', 'tls.cert is required with tls.key (client certificate)');
  }
  return config;
}

/** MQTT 3.1.1 §4.7: `#` only as the whole last level, `+` only as a whole level. */
function checkTopicFilter(topic: string): void {
  const levels = topic.split('/');
  levels.forEach((level, i) => {
    const bad =
      (level.includes('#') && (level !== '#' || i !== levels.length - 1)) ||
      (level.includes('+') && level !== '+') ||
      level.includes('\u0000');
    if (bad)
      throw configError('topic', `topic is not a valid MQTT topic filter (level ${i + 1}: "${level}")`);
  });
}

/** The stable client id that makes the broker keep the session (and queue messages) across restarts. */
export function stableClientId(config: MqttSubscribeConfig, sourceId?: string): string {
  if (config.clientId) return config.clientId;
  const seed = sourceId ?? JSON.stringify([config.urls, config.topic, config.username ?? '']);
  return `urbs-${createHash('sha256').update(seed).digest('hex').slice(0, 18)}`;
}

/** mqtt.js options. `persistent`: QoS session kept by the broker; else a throw-away session. */
export function clientOptions(
  config: MqttSubscribeConfig,
  clientId: string,
  persistent: boolean,
): IClientOptions {
  const servers = config.urls.map((u) => {
    const url = new URL(u);
    return {
      host: url.hostname,
      port: Number(url.port) || undefined,
      protocol: url.protocol.replace(':', ''),
    };
  });
  const v5 = config.protocolVersion === 5;
  return {
    clientId,
    clean: !persistent,
    username: config.username,
    password: config.password,
    protocolVersion: config.protocolVersion ?? 4,
    // MQTT 5 ends a session at disconnect unless it has an expiry: keep it a week.
    properties: v5 && persistent ? { sessionExpiryInterval: 7 * 24 * 3600 } : undefined,
    servers: servers.length > 1 ? (servers as IClientOptions['servers']) : undefined,
    connectTimeout: (config.connectTimeoutSeconds ?? 10) * 1000,
    reconnectPeriod: persistent ? 2000 : 0,
    reconnectOnConnackError: persistent,
    resubscribe: false,
    ca: config.tls?.ca,
    cert: config.tls?.cert,
    key: config.tls?.key,
    rejectUnauthorized: config.tls?.rejectUnauthorized ?? true,
    servername: config.tls?.servername,
  };
}
