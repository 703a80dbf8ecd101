/**
 * The connector interface: how urbs reads raw records from the outside world. A connector knows one kind
 * of source (an MQTT broker, an HTTP endpoint, a database …) and nothing of tenants, datasets or
 * pipelines; the control plane stores each source's config (secrets sealed, see secrets.ts) and calls
 * these functions. Records go to a `Sink`; a connector acknowledges or commits its source position only
 * after the sink's promise resolves, so a slow pipeline slows the source instead of filling memory, and a
 * restart resumes where the last acknowledged batch ended.
 *
 * Errors never escape as exceptions from a running source: they become `status: 'error'` with
 * `lastError`, and the source keeps retrying. Only `validateConfig` throws (BadRequestError naming the
 * field), so bad input is a 4xx at the edge.
 */

/** A JSON Schema object (usable as a fastify route schema). Secret members carry `writeOnly: true`. */
export type JsonSchema = Record<string, unknown>;

/** Where a record came from, e.g. `{ topic, qos }`, `{ url, index }`, `{ key }`, `{ line }`. */
export type SourcePosition = Record<string, string | number | boolean | null>;

/**
 * One raw record as read from a source, before mapping and validation. `data` is always a JSON object:
 * a non-object JSON value arrives as `{ value }`, a payload that is not JSON as `{ text }`.
 */
export interface RawRecord {
  data: Record<string, unknown>;
  /** ISO 8601 instant at which urbs read the record. */
  receivedAt: string;
  position: SourcePosition;
}

/** Takes a batch of records; the connector waits for it before it reads or acknowledges more. */
export type Sink = (records: RawRecord[]) => Promise<void>;

/** The position a source resumes from, persisted by the caller (e.g. in the control-plane database). */
export interface Checkpoint {
  load(): Promise<Record<string, unknown> | undefined>;
  save(position: Record<string, unknown>): Promise<void>;
}

export type SourceStatus = 'starting' | 'running' | 'error' | 'stopped';

export interface StartOptions {
  /** Aborting it stops the source like `stop()`. */
  signal?: AbortSignal;
  checkpoint?: Checkpoint;
  /** A stable id of the data source; connectors derive stable identities from it (the MQTT client id). */
  sourceId?: string;
  /** Called on every status change; `error` is the reason when the status is 'error'. */
  onStatus?: (status: SourceStatus, error: string | undefined) => void;
}

export interface RunningSource {
  readonly status: SourceStatus;
  /** The reason of the last failure (secrets masked), kept after a recovery until the next failure. */
  readonly lastError: string | undefined;
  /** Stops reading; resolves when no sink call is in progress any more. Idempotent. */
  stop(): Promise<void>;
}

export interface ConnectionResult {
  ok: boolean;
  /** A one-line human-readable outcome, e.g. "connected to mqtt://host:1883, subscribed to a/#". */
  detail: string;
  /** The config member at fault when `ok` is false (e.g. `url`, `password`, `query`). */
  field?: string;
}

interface ConnectorBase<C> {
  readonly type: string;
  readonly title: string;
  readonly configSchema: JsonSchema;
  /** Checks a config (shape and semantics: URLs, cron, QoS, record paths, SQL) and returns it typed. */
  validateConfig(config: unknown): C;
}

/** A connector that reaches out to a source by itself. */
export interface PullConnector<C> extends ConnectorBase<C> {
  readonly kind: 'pull';
  /** Never throws: failures come back as `{ ok: false, detail, field }`. */
  testConnection(config: C, signal?: AbortSignal): Promise<ConnectionResult>;
  /** Up to `limit` records, read without committing any position. Throws a DomainError on failure. */
  sample(config: C, limit?: number, signal?: AbortSignal): Promise<RawRecord[]>;
  start(config: C, sink: Sink, options?: StartOptions): RunningSource;
}

/** A connector to which records are handed by urbs itself (an HTTP route, an upload). */
export interface PushConnector<C> extends ConnectorBase<C> {
  readonly kind: 'push';
}

export type Connector<C = unknown> = PullConnector<C> | PushConnector<C>;
