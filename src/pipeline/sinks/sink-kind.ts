/**
 * The sink interface: where a pipeline's mapped records go. A DataSet lists its sinks (`sinks` on the
 * DataSet, each `{ kind, ...config }`); a sink kind knows how to check its config against the target
 * structure, how to provision what it needs when the dataset is released (tables), and how to write a batch
 * of mapped records inside the pipeline's batch transaction.
 *
 * The runtime (src/pipeline/runtime) calls, per batch, in ONE transaction:
 *   for each record: `check(value)` → records with reasons go to the dead letters (stage `sink`);
 *   `write(w, records)` with the rest; the dead letters and the pipeline counters; commit; only then the
 *   source is acknowledged. So a sink never drops a record silently: what it cannot take it must say in
 *   `check`. A `write` that still throws fails the whole batch; the runtime then retries the records one
 *   by one (SAVEPOINT per record) to find the culprit, which goes to the dead letters.
 */
import type { WriteContext } from '../../core/entities/context.ts';
import type { Queryable } from '../../store/store.ts';
import type { RejectReason } from '../run-records.ts';
import type { JsonSchema } from '../validate-record.ts';

/** The dataset a sink belongs to, and the structure of the records it receives (the mapping's target). */
export interface SinkTarget {
  tenant: string;
  dataSetId: number;
  /** The DataSet's identifier (unique per tenant), e.g. `parking-jena`. */
  dataSetIdentifier: string;
  /** Position of the sink in the DataSet's `sinks` list. */
  sinkIndex: number;
  /** JSON Schema of the records the sink receives (the target DataStructureVersion's schema). */
  targetSchema: Exclude<JsonSchema, boolean>;
}

/** One mapped record of a batch; `index` is its position in the batch (for rejections). */
export interface SinkRecord {
  index: number;
  value: Record<string, unknown>;
}

export interface PreparedSink {
  /**
   * Why this sink could not take the record (empty = it can). Pure and cheap: no database. Used by the
   * runtime before `write` and by dry runs, so a record that passes `check` must not make `write` throw.
   */
  check(value: Record<string, unknown>): RejectReason[];
  /**
   * Writes the records in the caller's transaction (`w.tx`; `w.registry` is the SensorThings registry, so
   * core/sensing and core/entities functions can be used and their change events reach MQTT after commit).
   * Throws only when the batch as a whole cannot be written.
   */
  write(w: WriteContext, records: readonly SinkRecord[]): Promise<void>;
  /** What a dry run shows for a record besides the mapped value, e.g. `{ thing: 'Station 4', datastreams: […] }`. */
  describe?(value: Record<string, unknown>): Record<string, unknown>;
}

export interface SinkKind<C = unknown> {
  readonly kind: 'observations' | 'features';
  readonly title: string;
  /** JSON Schema of the sink's config (without `kind`), for the control plane's OpenAPI. */
  readonly configSchema: Record<string, unknown>;
  /**
   * Checks a config (shape, and that every field it names exists in `targetSchema`); returns it typed.
   * Throws BadRequestError naming the member as `${field}.<member>`, e.g. `sinks[0].thing.key`.
   */
  validateConfig(config: unknown, targetSchema: Exclude<JsonSchema, boolean>, field: string): C;
  /**
   * Creates or adapts what the sink needs (tables, indexes) inside the release transaction; idempotent, so a
   * re-release after an unrelease keeps the data. Throws (and the release rolls back) when it cannot.
   */
  provision(tx: Queryable, target: SinkTarget, config: C): Promise<void>;
  /** Drops what `provision` created (when a DRAFT DataSet is deleted), in the caller's transaction. */
  drop(tx: Queryable, target: SinkTarget, config: C): Promise<void>;
  /**
   * Drops everything this kind provisioned for a dataset, including for sinks removed from the dataset
   * after an earlier release (when the DataSet is deleted), in the caller's transaction.
   */
  dropAllOf?(tx: Queryable, tenant: string, dataSetId: number): Promise<void>;
  /** Builds the per-batch writer (compile once per pipeline start). */
  prepare(target: SinkTarget, config: C): PreparedSink;
}
