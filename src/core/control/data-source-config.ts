import type { SecretBox } from '../../crypto/secret-box.ts';
import type { ConnectionResult, Connector, RawRecord } from '../../ingest/connector.ts';
import { generatePushKey } from '../../ingest/connectors/http-push/index.ts';
import { getConnector } from '../../ingest/connectors/index.ts';
import {
  keepMaskedSecrets,
  maskSecrets,
  openSecrets,
  SECRET_MASK,
  sealSecrets,
  secretPaths,
} from '../../ingest/secrets.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { DomainError, isDomainError } from '../errors/domain-error.ts';

/**
 * A data source's connector config between the API and the table: checked by the connector's
 * validateConfig (400 naming `config.<member>`), secrets sealed before storing (AES-256-GCM, SecretBox),
 * masked as `********` in every answer, and `********` sent back keeps the stored secret. Opened (unsealed)
 * configs exist only to run a connector or check an ingest key: they are never answered nor logged.
 */
export type Config = Record<string, unknown>;

/** The stored form of a config: its connector type and the config with secrets sealed. */
export interface StoredConfig {
  type: string;
  sealed: Config;
}

/** The connector type whose sources authenticate pushes with a per-source key (`config.key`). */
export const HTTP_PUSH = 'http-push';

export function connectorOf(type: string): Connector<unknown> {
  const connector = getConnector(type);
  if (!connector) {
    throw new BadRequestError(`connectorType ${type} is not a known connector type`, {
      field: 'connectorType',
    });
  }
  return connector;
}

/** A connector's error naming a config member (`cron`) as the same error naming the body member (`config.cron`). */
export function inConfig(err: unknown): unknown {
  if (!isDomainError(err) || typeof err.extensions.field !== 'string') return err;
  const field = err.extensions.field;
  const path = field ? `config.${field}` : 'config';
  const message = field && err.message.startsWith(field) ? `config.${err.message}` : err.message;
  return new DomainError(err.code, err.status, message, { ...err.extensions, field: path });
}

/** Dotted paths of secret members that still hold the mask (nothing stored to keep). */
function maskedPaths(config: unknown, schema: Config): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string[], at: string[]) => {
    if (node === null || typeof node !== 'object') return;
    const [head, ...rest] = path;
    if (head === undefined) return;
    const obj = node as Config;
    const keys = head === '*' ? Object.keys(obj) : Object.hasOwn(obj, head) ? [head] : [];
    for (const key of keys) {
      if (rest.length > 0) walk(obj[key], rest, [...at, key]);
      else if (obj[key] === SECRET_MASK) out.push([...at, key].join('.'));
    }
  };
  for (const path of secretPaths(schema)) walk(config, path, []);
  return out;
}

/** Checks an incoming config of `type` and returns it with its secrets sealed, ready to store. */
export function prepareConfig(
  type: string,
  incoming: Config,
  stored: StoredConfig | undefined,
  box: SecretBox,
): Config {
  const connector = connectorOf(type);
  const schema = connector.configSchema;
  const plain = stored ? keepMaskedSecrets(incoming, openStored(stored, box), schema) : incoming;
  const masked = maskedPaths(plain, schema);
  if (masked.length > 0) {
    const field = `config.${masked[0]}`;
    throw new BadRequestError(`${field} is ${SECRET_MASK} but no secret is stored there to keep`, {
      field,
    });
  }
  try {
    connector.validateConfig(plain);
  } catch (err) {
    throw inConfig(err);
  }
  return sealSecrets(plain, schema, box);
}

/**
 * A new http-push config without `key` gets a generated one (256 bits). The caller answers it exactly once
 * (on create); every later answer shows `********`.
 */
export function withIngestKey(type: string, incoming: Config): { config: Config; key?: string } {
  if (type !== HTTP_PUSH || incoming === null || typeof incoming !== 'object' || 'key' in incoming) {
    return { config: incoming };
  }
  const key = generatePushKey();
  return { config: { ...incoming, key }, key };
}

/** The stored config with its secrets opened (plain text): only for running a connector. */
export function openStored(stored: StoredConfig, box: SecretBox): Config {
  const connector = getConnector(stored.type);
  return connector ? openSecrets(stored.sealed, connector.configSchema, box) : stored.sealed;
}

/** The config as every answer shows it: each secret `********`. */
export function maskedConfig(stored: StoredConfig): Config {
  const connector = getConnector(stored.type);
  // A type no longer known: its secrets cannot be told apart, so nothing of the config is shown.
  return connector ? maskSecrets(stored.sealed, connector.configSchema) : {};
}

/** Opens the secrets and checks the config again (a 400 naming `config.<member>` when it no longer passes). */
export function openConfig(
  stored: StoredConfig,
  box: SecretBox,
): { connector: Connector<unknown>; config: unknown } {
  const connector = connectorOf(stored.type);
  try {
    return { connector, config: connector.validateConfig(openStored(stored, box)) };
  } catch (err) {
    throw inConfig(err);
  }
}

/** The opened config of a pull connector; a push connector has nothing to connect to (400 on connectorType). */
function runnable(stored: StoredConfig, box: SecretBox) {
  const connector = connectorOf(stored.type);
  if (connector.kind !== 'pull') {
    throw new BadRequestError(
      `A ${stored.type} source receives its records from urbs; there is nothing to connect to`,
      { field: 'connectorType' },
    );
  }
  return { connector, config: openConfig(stored, box).config };
}

/** "Test connection": never a 5xx for an unreachable source; `field` names the config member at fault. */
export async function testStoredConnection(
  stored: StoredConfig,
  box: SecretBox,
  signal: AbortSignal,
): Promise<ConnectionResult> {
  const { connector, config } = runnable(stored, box);
  const res = await connector.testConnection(config, signal);
  return res.field === undefined ? res : { ...res, field: `config.${res.field}` };
}

/** Up to `limit` records read without committing any position; a failure is a 4xx naming the member. */
export async function sampleStored(
  stored: StoredConfig,
  box: SecretBox,
  limit: number,
  signal: AbortSignal,
): Promise<RawRecord[]> {
  const { connector, config } = runnable(stored, box);
  try {
    return await connector.sample(config, limit, signal);
  } catch (err) {
    throw inConfig(err);
  }
}
