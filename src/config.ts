import { resolve } from 'node:path';

/**
 * The settings of `urbs start`, each from a flag or its environment variable (CONTRACT.md), flag first.
 * This file only reads; it never touches the database or the network.
 */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  /** `null` = no embedded broker (`off`). */
  mqttPort: number | null;
  adminPassword: string | undefined;
  secretKey: string | undefined;
  oidcIssuer: string | undefined;
  oidcAudience: string | undefined;
  logLevel: string;
  /** Largest accepted request body in bytes. */
  bodyLimit: number;
  tokenTtlSeconds: number;
  /** SensorThings paging and counting. */
  sta: { defaultTop: number; maxTop: number; countEstimateAbove: number };
  /**
   * How long a node's claim on a pull pipeline lasts without renewal (ms; default 30 s): with several urbs
   * nodes, a pipeline whose node died is taken over after at most this long.
   */
  pipelineLeaseMs?: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Flags = Partial<Record<'host' | 'port' | 'data-dir' | 'database-url' | 'mqtt-port', string>>;

function port(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535)
    throw new ConfigError(`${name} must be a port number 0-65535`);
  return Number(text);
}

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new ConfigError(`${name} must be a positive integer`);
  return Number(text);
}

export function loadConfig(flags: Flags, env: NodeJS.ProcessEnv = process.env): Config {
  const mqtt = flags['mqtt-port'] ?? env.URBS_MQTT_PORT ?? '1883';
  return {
    host: flags.host ?? env.URBS_HOST ?? '127.0.0.1',
    port: port('--port', flags.port ?? env.URBS_PORT ?? '8080'),
    dataDir: resolve(flags['data-dir'] ?? env.URBS_DATA_DIR ?? './data'),
    databaseUrl: flags['database-url'] ?? (env.DATABASE_URL || undefined),
    mqttPort: mqtt === 'off' ? null : port('--mqtt-port', mqtt),
    adminPassword: env.URBS_ADMIN_PASSWORD || undefined,
    secretKey: env.URBS_SECRET_KEY || undefined,
    oidcIssuer: env.URBS_OIDC_ISSUER || undefined,
    oidcAudience: env.URBS_OIDC_AUDIENCE || undefined,
    logLevel: env.URBS_LOG_LEVEL ?? 'info',
    bodyLimit: positiveInt('URBS_BODY_LIMIT', env.URBS_BODY_LIMIT, 32 * 1024 * 1024),
    tokenTtlSeconds: positiveInt('URBS_TOKEN_TTL', env.URBS_TOKEN_TTL, 3600),
    sta: {
      defaultTop: positiveInt('URBS_STA_DEFAULT_TOP', env.URBS_STA_DEFAULT_TOP, 100),
      maxTop: positiveInt('URBS_STA_MAX_TOP', env.URBS_STA_MAX_TOP, 10_000),
      // Exact counts above ~1 M rows cost a scan; the planner's estimate is flagged instead.
      countEstimateAbove: positiveInt(
        'URBS_STA_COUNT_ESTIMATE_ABOVE',
        env.URBS_STA_COUNT_ESTIMATE_ABOVE,
        1_000_000,
      ),
    },
    pipelineLeaseMs: positiveInt('URBS_PIPELINE_LEASE_MS', env.URBS_PIPELINE_LEASE_MS, 30_000),
  };
}
