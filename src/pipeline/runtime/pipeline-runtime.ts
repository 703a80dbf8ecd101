/**
 * The in-process pipeline runtime (docs/pipelines.md). Each running pipeline has a runner: pull sources
 * (MQTT, HTTP poll, SQL) are started by it and hand their records to its queue; push sources (HTTP push,
 * file upload) arrive through `push`. A runner works its queue one batch at a time (run-batch.ts): records
 * that arrive while a batch is being written are coalesced into the next one (group commit), up to the
 * pipeline's `batchSize`. A source is acknowledged only when its records are committed, so stopping,
 * restarting or crashing loses nothing: unacknowledged records are delivered again.
 *
 * With several urbs nodes on one database, a pipeline with a pull source runs on one node at a time: the
 * node holds a lease (table ctl_pipeline_leases) and renews it; a node that dies loses its leases and the
 * others take the pipelines over. Push pipelines run on every node (records reach whichever node the client
 * talks to). Each node also follows, on the same timer, stops and changes made through another node.
 *
 * A change of the pipeline or its mapping raises the pipeline's version; each batch reads the version in
 * its transaction, and the runner reloads before the next batch. Errors never escape: they become state
 * `error` with `lastError` (also stored, for other processes and after a restart), and sources retry.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { EntityService } from '../../core/entities/entity-service.ts';
import { DomainError } from '../../core/errors/domain-error.ts';
import { sql } from '../../core/query/sql.ts';
import type {
  Checkpoint,
  Connector,
  PullConnector,
  RawRecord,
  RunningSource,
  SourceStatus,
} from '../../ingest/connector.ts';
import { errorMessage } from '../../ingest/source-state.ts';
import type { Queryable, Store } from '../../store/store.ts';
import { type LoadedPipeline, loadPipeline, readPipelineDefinition } from './load-pipeline.ts';
import { type BatchItem, type ItemOutcome, runBatch } from './run-batch.ts';
import type {
  PipelineCounters,
  PipelineRuntime,
  PipelineState,
  PipelineStatus,
  PushResult,
} from './runtime-types.ts';

/** A data source as the runtime needs it: the connector and its config with secrets unsealed. */
export interface OpenedSource {
  name?: string;
  connector: Connector<unknown>;
  config: unknown;
  /** Masks the source's secrets in a message (for states and logs). */
  redact?: (text: string) => string;
}

export interface RuntimeLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RuntimeDeps {
  store: Store;
  /** The SensorThings entity service (sinks write through it; events reach MQTT after commit). */
  entities: EntityService;
  /** Opens a data source of a tenant (unsealing its secrets; never logged or returned). */
  openSource(db: Queryable, tenant: string, sourceId: number): Promise<OpenedSource>;
  /** Where pipeline events are logged (also settable later with `setLog`, once the app logger exists). */
  log?: RuntimeLog;
  /**
   * How long a node's claim on a pull pipeline lasts without renewal (default 30 s; renewed every third
   * of it). Also how often a node follows stops and changes made through another node, and adopts
   * pipelines whose node went away.
   */
  leaseMs?: number;
}

interface Pending {
  items: BatchItem[];
  resolve(outcomes: ItemOutcome[]): void;
  reject(err: unknown): void;
}

const key = (tenant: string, id: number) => `${tenant}\u0000${id}`;

class Runner {
  state: PipelineState = 'starting';
  lastError: string | null = null;
  lastErrorAt: string | null = null;
  source: RunningSource | undefined;
  sourceId: number;
  /** Set when the pipeline or its mapping changed: reload before the next batch. */
  stale = false;
  #queue: Pending[] = [];
  #working: Promise<void> | undefined;
  #stopped = false;

  constructor(
    readonly deps: RuntimeDeps,
    public loaded: LoadedPipeline,
  ) {
    this.sourceId = loaded.def.dataSourceId;
  }

  get tenant() {
    return this.loaded.def.tenant;
  }
  get id() {
    return this.loaded.def.id;
  }

  /** Queues records; resolves with each one's outcome once its batch is committed. */
  handle(items: BatchItem[]): Promise<ItemOutcome[]> {
    if (this.#stopped) return Promise.reject(stoppedError(this.id));
    if (items.length === 0) return Promise.resolve([]);
    const done = new Promise<ItemOutcome[]>((resolve, reject) => {
      this.#queue.push({ items, resolve, reject });
    });
    this.#working ??= this.#work().finally(() => {
      this.#working = undefined;
    });
    return done;
  }

  async #work(): Promise<void> {
    while (this.#queue.length > 0) {
      if (this.stale) {
        this.stale = false;
        await this.reload();
      }
      const take: Pending[] = [this.#queue.shift()!];
      let n = take[0]!.items.length;
      const max = this.loaded.def.batchSize;
      while (this.#queue.length > 0 && n + this.#queue[0]!.items.length <= max) {
        const next = this.#queue.shift()!;
        take.push(next);
        n += next.items.length;
      }
      try {
        const result = await runBatch(
          this.deps,
          this.loaded,
          take.flatMap((t) => t.items),
        );
        let offset = 0;
        for (const t of take) {
          t.resolve(result.outcomes.slice(offset, offset + t.items.length));
          offset += t.items.length;
        }
        if (this.state === 'error' && this.source?.status !== 'error') this.setState('running');
        if (result.version !== this.loaded.def.version) this.stale = true;
      } catch (err) {
        for (const t of take) t.reject(err);
        await this.fail(`writing a batch failed: ${errorMessage(err)}`);
      }
    }
  }

  async reload(): Promise<void> {
    try {
      const def = await readPipelineDefinition(this.deps.store, this.tenant, this.id);
      this.loaded = loadPipeline(def);
      this.deps.log?.info({ pipelineId: this.id, version: def.version }, 'pipeline reloaded');
    } catch (err) {
      await this.fail(`reloading the changed pipeline failed: ${errorMessage(err)}`);
    }
  }

  /** Called on every state change (the lease row shows it to other nodes). */
  onState: ((state: PipelineState) => void) | undefined;
  /** Whether this runner holds the pipeline's lease (a pull source runs on one node only). */
  leased = false;

  setState(state: PipelineState): void {
    if (this.#stopped && state !== 'stopped') return;
    if (this.state !== state) {
      this.state = state;
      this.onState?.(state);
    }
  }

  /** Records a failure: state `error`, `lastError` here and in the database (best effort). */
  async fail(message: string): Promise<void> {
    this.setState('error');
    this.lastError = message;
    this.lastErrorAt = new Date().toISOString();
    this.deps.log?.warn({ pipelineId: this.id, tenant: this.tenant, reason: message }, 'pipeline error');
    await recordError(this.deps.store, this.tenant, this.id, message, this.lastErrorAt).catch(() => {});
  }

  /** Stops the source, then waits for the batches in progress; queued records are refused. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.source?.stop();
    await this.#working;
    for (const p of this.#queue.splice(0)) p.reject(stoppedError(this.id));
    this.state = 'stopped';
  }
}

function stoppedError(id: number): DomainError {
  return new DomainError('URBS_PIPELINE_STOPPED', 409, `Pipeline ${id} is stopped; nothing was taken`, {
    pipelineId: id,
  });
}

async function recordError(db: Queryable, tenant: string, id: number, message: string, at: string) {
  await db.query(sql`
    INSERT INTO ctl_pipeline_stats AS s (pipeline_id, tenant_id, last_error, last_error_at)
    VALUES (${id}, ${tenant}, ${message}, ${at}::timestamptz)
    ON CONFLICT (pipeline_id) DO UPDATE SET last_error = EXCLUDED.last_error, last_error_at = EXCLUDED.last_error_at`);
}

/** Where a pipeline's pull source resumes, stored beside its counters. */
function checkpointOf(db: Queryable, tenant: string, id: number): Checkpoint {
  return {
    async load() {
      const { rows } = await db.query<{ checkpoint: Record<string, unknown> | null }>(sql`
        SELECT checkpoint FROM ctl_pipeline_stats WHERE pipeline_id = ${id} AND tenant_id = ${tenant}`);
      return rows[0]?.checkpoint ?? undefined;
    },
    async save(position) {
      await db.query(sql`
        INSERT INTO ctl_pipeline_stats AS s (pipeline_id, tenant_id, checkpoint)
        VALUES (${id}, ${tenant}, ${JSON.stringify(position)}::jsonb)
        ON CONFLICT (pipeline_id) DO UPDATE SET checkpoint = EXCLUDED.checkpoint`);
    },
  };
}

const SOURCE_STATE: Record<SourceStatus, PipelineState> = {
  starting: 'starting',
  running: 'running',
  error: 'error',
  stopped: 'stopped',
};

export function createPipelineRuntime(deps: RuntimeDeps): PipelineRuntime & {
  /** Runs dead letters (or any records) through a pipeline now, whether or not it runs. */
  runOnce(tenant: string, pipelineId: number, items: BatchItem[]): Promise<ItemOutcome[]>;
  /** The pipelines (or their mapping) changed: their runners reload before the next batch. */
  invalidate(tenant: string, pipelineIds: readonly number[]): void;
  /** Whether the pipeline runs in this process. */
  isRunning(tenant: string, pipelineId: number): boolean;
  /** This process's name in pipeline leases and status answers (host/pid/random). */
  readonly node: string;
  setLog(log: RuntimeLog): void;
} {
  const runners = new Map<string, Runner>();
  /** Starts and stops of one pipeline happen one after the other. */
  const transitions = new Map<string, Promise<unknown>>();
  let closed = false;
  const node = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  const leaseMs = deps.leaseMs ?? 30_000;
  const leaseSeconds = leaseMs / 1000;

  function serial<T>(k: string, fn: () => Promise<T>): Promise<T> {
    const prev = transitions.get(k) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    transitions.set(k, next);
    return next.finally(() => {
      if (transitions.get(k) === next) transitions.delete(k);
    });
  }

  /** Takes the pipeline's lease if it is free, expired or already ours; false when another node runs it. */
  async function acquire(tenant: string, id: number): Promise<boolean> {
    const { rows } = await deps.store.query<{ node: string }>(sql`
      INSERT INTO ctl_pipeline_leases AS l (pipeline_id, tenant_id, node, lease_until, state)
      VALUES (${id}, ${tenant}, ${node}, now() + make_interval(secs => ${leaseSeconds}), 'starting')
      ON CONFLICT (pipeline_id) DO UPDATE SET node = EXCLUDED.node, lease_until = EXCLUDED.lease_until,
        state = EXCLUDED.state
      WHERE l.node = EXCLUDED.node OR l.lease_until < now()
      RETURNING node`);
    return rows.length === 1;
  }

  async function release(tenant: string, id: number): Promise<void> {
    await deps.store
      .query(sql`DELETE FROM ctl_pipeline_leases
        WHERE pipeline_id = ${id} AND tenant_id = ${tenant} AND node = ${node}`)
      .catch(() => {});
  }

  function showState(runner: Runner) {
    runner.onState = (state) => {
      if (!runner.leased) return;
      deps.store
        .query(sql`UPDATE ctl_pipeline_leases SET state = ${state}
          WHERE pipeline_id = ${runner.id} AND node = ${node}`)
        .catch(() => {});
    };
  }

  async function startRunner(tenant: string, id: number): Promise<void> {
    if (closed) return;
    const k = key(tenant, id);
    if (runners.has(k)) return;
    const def = await readPipelineDefinition(deps.store, tenant, id);
    if (def.dataSet.status !== 'AVAILABLE') {
      throw new DomainError(
        'URBS_DATA_SET_STATUS',
        409,
        `Pipeline ${id} writes to DataSet ${def.dataSet.id}, which is ${def.dataSet.status}; release the dataset first`,
        { field: 'dataSetId' },
      );
    }
    const loaded = loadPipeline(def);
    let opened: OpenedSource | undefined;
    let openError: unknown;
    try {
      opened = await deps.openSource(deps.store, tenant, def.dataSourceId);
    } catch (err) {
      openError = err;
    }
    const pull = opened?.connector.kind === 'pull';
    // A pull source is read by one node only: without the lease, another node runs this pipeline.
    if (pull && !(await acquire(tenant, id))) return;
    const runner = new Runner(deps, loaded);
    runner.leased = pull;
    showState(runner);
    runners.set(k, runner);
    if (!opened) {
      await runner.fail(`opening DataSource ${def.dataSourceId} failed: ${errorMessage(openError)}`);
      return;
    }
    const sourceName = `DataSource ${def.dataSourceId}${opened.name ? ` (${opened.name})` : ''}`;
    if (!pull) {
      runner.setState('running');
    } else {
      const connector = opened.connector as PullConnector<unknown>;
      runner.source = connector.start(
        opened.config,
        async (records: RawRecord[]) => {
          await runner.handle(records.map((raw) => ({ raw })));
        },
        {
          sourceId: `${tenant}/${def.dataSourceId}/pipeline/${id}`,
          checkpoint: checkpointOf(deps.store, tenant, id),
          onStatus: (status, error) => {
            if (status === 'error') void runner.fail(`${sourceName}: ${error ?? 'the source failed'}`);
            else runner.setState(SOURCE_STATE[status]);
          },
        },
      );
    }
    deps.log?.info({ pipelineId: id, tenant, source: def.dataSourceId, node }, 'pipeline started');
  }

  async function stopRunner(tenant: string, id: number): Promise<void> {
    const k = key(tenant, id);
    const runner = runners.get(k);
    if (!runner) return;
    runners.delete(k);
    await runner.stop();
    if (runner.leased) await release(tenant, id);
    deps.log?.info({ pipelineId: id, tenant, node }, 'pipeline stopped');
  }

  /** Starts every pipeline that should run here: desired RUNNING, dataset AVAILABLE, lease free. */
  async function adopt(): Promise<void> {
    const { rows } = await deps.store.query<{ id: number; tenant_id: string }>(sql`
      SELECT p.id, p.tenant_id FROM ctl_pipelines p
      JOIN ctl_data_sets d ON d.id = p.data_set_id
      LEFT JOIN ctl_pipeline_leases l ON l.pipeline_id = p.id
      WHERE p.desired_state = 'RUNNING' AND d.status = 'AVAILABLE'
        AND (l.pipeline_id IS NULL OR l.node = ${node} OR l.lease_until < now())
      ORDER BY p.id`);
    for (const r of rows) {
      const id = Number(r.id);
      if (runners.has(key(r.tenant_id, id))) continue;
      await serial(key(r.tenant_id, id), () => startRunner(r.tenant_id, id)).catch((err) =>
        deps.log?.error({ pipelineId: id, reason: errorMessage(err) }, 'pipeline did not start'),
      );
    }
  }

  /**
   * One round of the timer: renew our leases (stopping what we lost), follow stops, deletes and changes
   * made through other nodes, and adopt pipelines nobody runs.
   */
  async function maintain(): Promise<void> {
    const local = [...runners.values()];
    const leased = local.filter((r) => r.leased).map((r) => r.id);
    if (leased.length > 0) {
      const { rows } = await deps.store.query<{ pipeline_id: number }>(sql`
        UPDATE ctl_pipeline_leases SET lease_until = now() + make_interval(secs => ${leaseSeconds})
        WHERE node = ${node} AND pipeline_id = ANY(${leased.map(String)}::bigint[])
        RETURNING pipeline_id`);
      const kept = new Set(rows.map((r) => Number(r.pipeline_id)));
      for (const r of local) {
        if (r.leased && !kept.has(r.id)) {
          deps.log?.warn({ pipelineId: r.id, node }, 'pipeline lease lost; another node runs it');
          r.leased = false;
          await serial(key(r.tenant, r.id), () => stopRunner(r.tenant, r.id));
        }
      }
    }
    if (local.length > 0) {
      const { rows } = await deps.store.query<{ id: number; desired_state: string; version: number }>(sql`
        SELECT p.id, p.desired_state, p.version FROM ctl_pipelines p
        JOIN ctl_data_sets d ON d.id = p.data_set_id AND d.status = 'AVAILABLE'
        WHERE p.id = ANY(${local.map((r) => String(r.id))}::bigint[])`);
      const wanted = new Map(rows.map((r) => [Number(r.id), r]));
      for (const r of local) {
        const w = wanted.get(r.id);
        if (w?.desired_state !== 'RUNNING') {
          await serial(key(r.tenant, r.id), () => stopRunner(r.tenant, r.id));
        } else if (Number(w.version) !== r.loaded.def.version) {
          r.stale = true;
        }
      }
    }
    await adopt();
  }

  let ticking = false;
  const timer = setInterval(
    () => {
      if (ticking || closed) return;
      ticking = true;
      maintain()
        .catch((err) => deps.log?.warn({ reason: errorMessage(err) }, 'pipeline maintenance failed'))
        .finally(() => {
          ticking = false;
        });
    },
    Math.max(100, Math.floor(leaseMs / 3)),
  );
  timer.unref();

  async function counters(tenant: string, id: number) {
    const { rows } = await deps.store.query<Record<string, unknown>>(sql`
      SELECT p.id, s.records_in, s.records_out, s.records_filtered, s.records_rejected, s.last_batch_at,
             s.lag_ms, s.last_error, s.last_error_at,
             CASE WHEN l.lease_until > now() THEN l.node END AS lease_node,
             CASE WHEN l.lease_until > now() THEN l.state END AS lease_state
      FROM ctl_pipelines p
      LEFT JOIN ctl_pipeline_stats s ON s.pipeline_id = p.id
      LEFT JOIN ctl_pipeline_leases l ON l.pipeline_id = p.id
      WHERE p.tenant_id = ${tenant} AND p.id = ${id}`);
    return rows[0];
  }

  return {
    async push(tenant, sourceId, records): Promise<PushResult> {
      const targets = [...runners.values()].filter((r) => r.tenant === tenant && r.sourceId === sourceId);
      if (targets.length === 0) {
        throw new DomainError(
          'URBS_NO_RUNNING_PIPELINE',
          409,
          `No running pipeline reads DataSource ${sourceId}; the records were not taken`,
          { dataSourceId: sourceId },
        );
      }
      const items = records.map((raw) => ({ raw }));
      const results = await Promise.all(targets.map((r) => r.handle(items)));
      const count = (o: ItemOutcome) => results.flat().filter((x) => x === o).length;
      return {
        in: records.length,
        out: count('out'),
        filtered: count('filtered'),
        rejected: count('rejected'),
        pipelines: targets.map((r) => r.id),
      };
    },

    async status(tenant, id): Promise<PipelineStatus> {
      const row = await counters(tenant, id);
      if (!row) throw new DomainError('URBS_NOT_FOUND', 404, `Pipeline ${id} does not exist`, { id });
      const runner = runners.get(key(tenant, id));
      const c: PipelineCounters = {
        in: Number(row.records_in ?? 0),
        out: Number(row.records_out ?? 0),
        filtered: Number(row.records_filtered ?? 0),
        rejected: Number(row.records_rejected ?? 0),
      };
      const storedError = (row.last_error as string | null) ?? null;
      const storedAt = (row.last_error_at as string | null) ?? null;
      const elsewhere = !runner && row.lease_node ? (row.lease_state as PipelineState) : undefined;
      return {
        pipelineId: id,
        state: runner?.state ?? elsewhere ?? 'stopped',
        node: runner ? node : ((row.lease_node as string | null) ?? null),
        counters: c,
        lastError: runner?.lastError ?? storedError,
        lastErrorAt: runner?.lastErrorAt ?? storedAt,
        lastBatchAt: (row.last_batch_at as string | null) ?? null,
        lagMs: row.lag_ms === null || row.lag_ms === undefined ? null : Number(row.lag_ms),
      };
    },

    start(tenant, id) {
      return serial(key(tenant, id), () => startRunner(tenant, id));
    },

    stop(tenant, id) {
      return serial(key(tenant, id), () => stopRunner(tenant, id));
    },

    async resumeAll() {
      await adopt();
    },

    async close() {
      closed = true;
      clearInterval(timer);
      await Promise.allSettled([...runners.values()].map((r) => stopRunner(r.tenant, r.id)));
    },

    async runOnce(tenant, id, items) {
      const running = runners.get(key(tenant, id));
      if (running) {
        const { rows } = await deps.store.query<{ version: number }>(sql`
          SELECT version FROM ctl_pipelines WHERE tenant_id = ${tenant} AND id = ${id}`);
        if (Number(rows[0]?.version) !== running.loaded.def.version) running.stale = true;
        return running.handle(items);
      }
      const loaded = loadPipeline(await readPipelineDefinition(deps.store, tenant, id));
      return (await runBatch(deps, loaded, items)).outcomes;
    },

    invalidate(tenant, ids) {
      for (const id of ids) {
        const runner = runners.get(key(tenant, id));
        if (runner) runner.stale = true;
      }
    },

    isRunning(tenant, id) {
      return runners.has(key(tenant, id));
    },

    setLog(log) {
      deps.log = log;
    },

    node,
  };
}

export type PipelineRuntimeImpl = ReturnType<typeof createPipelineRuntime>;
