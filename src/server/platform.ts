import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ensureSigningKey } from '../auth/signing-keys.ts';
import { createTokenService } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import { createSecretBox, loadInstanceSecret } from '../crypto/secret-box.ts';
import { migrate } from '../store/migrate.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { bootstrapTenancy } from '../tenants/bootstrap.ts';
import { buildApp } from './build-app.ts';

export interface Platform {
  app: FastifyInstance;
  store: Store;
  /** `http://host:port` actually bound. */
  url: string;
  /** Drains open requests, then closes the database cleanly. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where human-facing lines go (ready line, generated password). */
  print?: (line: string) => void;
  /** Log destination; defaults to stdout. `false` silences logs (tests). */
  logStream?: NodeJS.WritableStream | false;
}

/** Starts the whole platform in this process: database, migrations, bootstrap, HTTP. */
export async function startPlatform(config: Config, options: StartOptions = {}): Promise<Platform> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  let app: FastifyInstance | undefined;
  try {
    await migrate(store);
    const boot = await bootstrapTenancy(store, config.adminPassword);
    const box = createSecretBox(await loadInstanceSecret(config.secretKey, config.dataDir));
    const signingKey = await ensureSigningKey(store, box);
    const tokens = await createTokenService({ db: store, signingKey, ttlSeconds: config.tokenTtlSeconds });
    app = await buildApp({
      store,
      tokens,
      bodyLimit: config.bodyLimit,
      logger:
        options.logStream === false
          ? false
          : {
              level: config.logLevel,
              stream: options.logStream ?? process.stdout,
              redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
            },
    });
    await app.listen({ host: config.host, port: config.port });
    const addr = app.server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `http://${host}:${addr.port}`;
    if (boot.generatedAdminPassword) {
      print(`urbs created user admin of tenant default with password ${boot.generatedAdminPassword}`);
      print('urbs shows this password only once; set URBS_ADMIN_PASSWORD to choose it on a fresh data dir');
    }
    print(`urbs listening on ${url}`);
    let closing: Promise<void> | undefined;
    const started = app;
    return {
      app: started,
      store,
      url,
      close: () => {
        closing ??= (async () => {
          try {
            await started.close();
          } finally {
            await store.close();
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    await app?.close().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
}
