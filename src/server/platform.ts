import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ensureSigningKey } from '../auth/signing-keys.ts';
import { createTokenService } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import { openDataSource } from '../core/control/data-source-lifecycle.ts';
import { createUploadTracker } from '../core/control/data-source-uploads.ts';
import { registerDataSourceUsage } from '../core/control/data-source-usage.ts';
import { registerMappingUsage } from '../core/control/mapping-usage.ts';
import { createStructureUsage, type StructureUsage } from '../core/control/structure-usage.ts';
import { createEntityService } from '../core/entities/entity-service.ts';
import { createChangeFeed } from '../core/events/change-feed.ts';
import { createObservationBatcher } from '../core/sensing/observation-batcher.ts';
import { ensurePartitionsAhead } from '../core/sensing/observation-partitions.ts';
import { createSecretBox, loadInstanceSecret } from '../crypto/secret-box.ts';
import { controlRegistry } from '../model/control/index.ts';
import { staRegistry } from '../model/sta/index.ts';
import { listenMqtt, MQTT_CONFORMANCE, type MqttBroker } from '../mqtt/broker.ts';
import { createPipelineRuntime, type PipelineRuntimeImpl } from '../pipeline/runtime/pipeline-runtime.ts';
import { migrate } from '../store/migrate.ts';
import { openStore } from '../store/open-store.ts';
import type { Queryable, Store } from '../store/store.ts';
import { bootstrapTenancy, DEFAULT_TENANT } from '../tenants/bootstrap.ts';
import { buildApp } from './build-app.ts';

/** How long a shutdown waits for open requests before closing their connections. */
const DRAIN_GRACE_MS = 10_000;
/** How often partitions ahead are checked. */
const PARTITION_CHECK_MS = 6 * 3600_000;

export interface Platform {
  app: FastifyInstance;
  store: Store;
  /** `http://host:port` actually bound. */
  url: string;
  /** Where modules that reference DataStructureVersions register their "in use" check. */
  structureUsage: StructureUsage;
  /** This process's name in pipeline leases and pipeline status answers. */
  pipelineNode: string;
  /** `mqtt://host:port` of the embedded broker, when it runs. */
  mqttUrl?: string;
  /** Drains open requests, then closes the database cleanly. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where human-facing lines go (ready line, generated password). */
  print?: (line: string) => void;
  /** Log destination; defaults to stdout. `false` silences logs (tests). */
  logStream?: NodeJS.WritableStream | false;
}

/** Control-plane lists: `size` defaults to 20 and is at most 500; `total` is always exact. */
const CONTROL_READ = { defaultTop: 20, maxTop: 500, countEstimateAbove: 0 };

/** Starts the whole platform in this process: database, migrations, bootstrap, HTTP. */
export async function startPlatform(config: Config, options: StartOptions = {}): Promise<Platform> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  let app: FastifyInstance | undefined;
  let mqtt: MqttBroker | undefined;
  let partitionTimer: NodeJS.Timeout | undefined;
  let pipelineRuntime: PipelineRuntimeImpl | undefined;
  try {
    await migrate(store);
    const boot = await bootstrapTenancy(store, config.adminPassword);
    // Shown as soon as the admin exists: if a later step fails (port in use…) it must not be lost.
    if (boot.generatedAdminPassword) {
      print(`urbs created user admin of tenant default with password ${boot.generatedAdminPassword}`);
      print('urbs shows this password only once; set URBS_ADMIN_PASSWORD to choose it on a fresh data dir');
    }
    const box = createSecretBox(await loadInstanceSecret(config.secretKey, config.dataDir));
    const signingKey = await ensureSigningKey(store, box);
    const tokens = await createTokenService({ db: store, signingKey, ttlSeconds: config.tokenTtlSeconds });
    await ensurePartitionsAhead(store);
    // Months roll over while urbs runs: keep partitions three months ahead (failures are retried next time).
    partitionTimer = setInterval(() => {
      ensurePartitionsAhead(store).catch((err) =>
        app?.log.error({ err }, 'creating partitions ahead failed'),
      );
    }, PARTITION_CHECK_MS);
    partitionTimer.unref();
    const feed = createChangeFeed();
    const entities = createEntityService({ store, registry: staRegistry, feed });
    const read = { db: store, registry: staRegistry, options: config.sta };
    const observations = createObservationBatcher(entities);
    const structureUsage = createStructureUsage();
    registerMappingUsage(structureUsage);
    registerDataSourceUsage(structureUsage);
    // Pipelines write through the SensorThings entity service, so their observations reach MQTT subscribers.
    const runtime = createPipelineRuntime({
      store,
      entities,
      openSource: (db, tenant, id) => openDataSource(db, tenant, id, box),
      ...(config.pipelineLeaseMs ? { leaseMs: config.pipelineLeaseMs } : {}),
    });
    pipelineRuntime = runtime;
    // The control plane has its own registry and change feed (nothing subscribes to it yet).
    const control = {
      pipelines: {
        runtime,
        // One upload tracker for the process: /api/v1 and /t/default/api/v1 see the same uploads.
        uploads: { tracker: createUploadTracker() },
        openSource: (db: Queryable, tenant: string, id: number) => openDataSource(db, tenant, id, box),
      },
      runtime,
      read: { db: store, registry: controlRegistry, options: CONTROL_READ },
      entities: createEntityService({ store, registry: controlRegistry, feed: createChangeFeed() }),
      usage: structureUsage,
      secretBox: box,
    };
    // Bound before the HTTP app is built, so the service root can advertise the real endpoint.
    if (config.mqttPort !== null) mqtt = await listenMqtt({ host: config.host, port: config.mqttPort });
    app = await buildApp({
      store,
      tokens,
      bodyLimit: config.bodyLimit,
      control,
      sta: {
        registry: staRegistry,
        read,
        entities,
        observations,
        mqttEndpoint: mqtt?.endpoint,
        extraConformance: mqtt ? MQTT_CONFORMANCE : [],
      },
      logger:
        options.logStream === false
          ? false
          : {
              level: config.logLevel,
              stream: options.logStream ?? process.stdout,
              redact: [
                'req.headers.authorization',
                'req.headers["x-api-key"]',
                'req.headers["x-ingest-key"]',
                'req.headers.cookie',
              ],
            },
    });
    await app.listen({ host: config.host, port: config.port });
    const addr = app.server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `http://${host}:${addr.port}`;
    print(`urbs listening on ${url}`);
    if (mqtt) {
      const log = app.log.child({ component: 'mqtt' });
      mqtt.start({
        store,
        registry: staRegistry,
        entities,
        observations,
        feed,
        httpUrl: url,
        defaultTenant: DEFAULT_TENANT,
        log,
      });
      print(`urbs mqtt on ${mqtt.endpoint}`);
    }
    runtime.setLog(app.log.child({ component: 'pipelines' }));
    // Pipelines that ran when urbs stopped run again; a failing one is in state `error`, not a failed start.
    await runtime.resumeAll();
    let closing: Promise<void> | undefined;
    const started = app;
    const broker = mqtt;
    return {
      app: started,
      store,
      structureUsage,
      url,
      pipelineNode: runtime.node,
      ...(broker ? { mqttUrl: broker.endpoint } : {}),
      close: () => {
        closing ??= (async () => {
          clearInterval(partitionTimer);
          try {
            // Both drain their in-flight writes; the database closes only after both. A client that never
            // finishes its request must not hold the shutdown: after the grace period it is cut off.
            const grace = setTimeout(() => started.server.closeAllConnections(), DRAIN_GRACE_MS);
            grace.unref();
            const results = await Promise.allSettled([started.close(), broker?.close(), runtime.close()]);
            clearTimeout(grace);
            for (const r of results) if (r.status === 'rejected') throw r.reason;
          } finally {
            await store.close();
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    clearInterval(partitionTimer);
    await pipelineRuntime?.close().catch(() => {});
    await app?.close().catch(() => {});
    await mqtt?.close().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
}
