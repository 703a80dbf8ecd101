/**
 * The in-process pipeline runtime (docs/pipelines.md). Each running pipeline has a runner: pull sources
 * (MQTT, HTTP poll, SQL) are started by it and hand their records to its queue; push sources (HTTP push,
 * file upload) arrive through `push`. A runner works its queue one batch at a time (run-batch.ts): records
 * that arrive while a batch is being written are coalesced into the next one (group commit), up to the
 * pipeline's `batchSize`. A source is acknowledged only when its records are committed, so stopping,
 * restarting or crashing loses nothing: unacknowledged records are delivered again.
 *
 * A change of the pipeline or its mapping raises the pipeline's version; each batch reads the version in
 * its transaction, and the runner reloads before the next batch. Errors never escape: they become state
 * `error` with `lastError` (also stored, for other processes and after a restart), and sources retry.
 */
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

  setState(state: PipelineState): void {
    if (!this.#stopped || state === 'stopped') this.state = state;
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
  setLog(log: RuntimeLog): void;
} {
  const runners = new Map<string, Runner>();
  /** Starts and stops of one pipeline happen one after the other. */
  const transitions = new Map<string, Promise<unknown>>();
  let closed = false;

  function serial<T>(k: string, fn: () => Promise<T>): Promise<T> {
    const prev = transitions.get(k) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    transitions.set(k, next);
    return next.finally(() => {
      if (transitions.get(k) === next) transitions.delete(k);
    });
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
    const runner = new Runner(deps, loadPipeline(def));
    runners.set(k, runner);
    let opened: OpenedSource;
    try {
      opened = await deps.openSource(deps.store, tenant, def.dataSourceId);
    } catch (err) {
      await runner.fail(`opening DataSource ${def.dataSourceId} failed: ${errorMessage(err)}`);
      return;
    }
    const sourceName = `DataSource ${def.dataSourceId}${opened.name ? ` (${opened.name})` : ''}`;
    if (opened.connector.kind === 'push') {
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
    deps.log?.info({ pipelineId: id, tenant, source: def.dataSourceId }, 'pipeline started');
  }

  async function stopRunner(tenant: string, id: number): Promise<void> {
    const k = key(tenant, id);
    const runner = runners.get(k);
    if (!runner) return;
    runners.delete(k);
    await runner.stop();
    deps.log?.info({ pipelineId: id, tenant }, 'pipeline stopped');
  }

  async function counters(tenant: string, id: number) {
    const { rows } = await deps.store.query<Record<string, unknown>>(sql`
      SELECT p.id, s.records_in, s.records_out, s.records_filtered, s.records_rejected, s.last_batch_at,
             s.lag_ms, s.last_error, s.last_error_at
      FROM ctl_pipelines p LEFT JOIN ctl_pipeline_stats s ON s.pipeline_id = p.id
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
      return {
        pipelineId: id,
        state: runner?.state ?? 'stopped',
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
      const { rows } = await deps.store.query<{ id: number; tenant_id: string }>(sql`
        SELECT p.id, p.tenant_id FROM ctl_pipelines p JOIN ctl_data_sets d ON d.id = p.data_set_id
        WHERE p.desired_state = 'RUNNING' AND d.status = 'AVAILABLE' ORDER BY p.id`);
      for (const r of rows) {
        const id = Number(r.id);
        await serial(key(r.tenant_id, id), () => startRunner(r.tenant_id, id)).catch((err) =>
          deps.log?.error({ pipelineId: id, reason: errorMessage(err) }, 'pipeline did not start'),
        );
      }
    },

    async close() {
      closed = true;
      const all = [...runners.values()];
      runners.clear();
      await Promise.allSettled(all.map((r) => r.stop()));
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
  };
}

export type PipelineRuntimeImpl = ReturnType<typeof createPipelineRuntime>;
