import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config.ts';
import { type Platform, startPlatform } from '../../src/server/platform.ts';
import { createTestDatabase, primaryKind, type StoreKind } from './test-store.ts';

export const ADMIN_PASSWORD = 'test-admin-password';

export interface TestPlatform extends Platform {
  dataDir: string;
  /** A bearer token of the default admin. */
  adminToken(): Promise<string>;
  /** Closes the platform and removes its database and data dir. */
  dispose(): Promise<void>;
  /** Closes this platform (keeping database and data dir) and starts a new one on them, as a restart does. */
  restart(whileDown?: () => Promise<void>): Promise<TestPlatform>;
}

/**
 * A whole urbs in-process on a free port, on a fresh database of the given kind, for HTTP suites
 * (`platform.app.inject()` needs no socket; `platform.url` is there for real clients).
 */
export async function startTestPlatform(
  kind: StoreKind = primaryKind(),
  overrides: Partial<Config> = {},
  options: { logStream?: NodeJS.WritableStream } = {},
): Promise<TestPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'urbs-test-'));
  const db = kind === 'postgres' ? await createTestDatabase() : undefined;
  const config: Config = {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    databaseUrl: db?.url,
    mqttPort: null,
    adminPassword: ADMIN_PASSWORD,
    secretKey: undefined,
    oidcIssuer: undefined,
    oidcAudience: undefined,
    logLevel: 'silent',
    bodyLimit: 1024 * 1024,
    tokenTtlSeconds: 3600,
    sta: { defaultTop: 100, maxTop: 10_000, countEstimateAbove: 1_000_000 },
    ...overrides,
  };
  return launch(config, options, async () => {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
}

async function launch(
  config: Config,
  options: { logStream?: NodeJS.WritableStream },
  cleanUp: () => Promise<void>,
): Promise<TestPlatform> {
  const platform = await startPlatform(config, { print: () => {}, logStream: options.logStream ?? false });
  let token: string | undefined;
  return {
    ...platform,
    dataDir: config.dataDir,
    async adminToken() {
      if (token) return token;
      const res = await platform.app.inject({
        method: 'POST',
        url: '/auth/token',
        payload: { grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD },
      });
      if (res.statusCode !== 200) throw new Error(`token request failed: ${res.statusCode} ${res.body}`);
      token = res.json().access_token as string;
      return token;
    },
    async dispose() {
      await platform.close();
      await cleanUp();
    },
    async restart(whileDown) {
      await platform.close();
      await whileDown?.();
      return launch(config, options, cleanUp);
    },
  };
}
