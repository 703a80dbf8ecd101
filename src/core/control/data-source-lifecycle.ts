import type { SecretBox } from '../../crypto/secret-box.ts';
import type { Connector } from '../../ingest/connector.ts';
import type { DataSourceStatus } from '../../model/control/data-source.ts';
import { controlRegistry } from '../../model/control/index.ts';
import type { Queryable } from '../../store/store.ts';
import type { WriteContext } from '../entities/context.ts';
import { createEntity, deleteEntity, updateEntity } from '../entities/write-entities.ts';
import { decodeRecord, readRow, recordSelect, requireLinked } from '../entities/write-rows.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { ConflictError } from '../errors/conflict.ts';
import { DomainError } from '../errors/domain-error.ts';
import { NotFoundError } from '../errors/not-found.ts';
import { ident, sql } from '../query/sql.ts';
import {
  type Config,
  HTTP_PUSH,
  maskedConfig,
  openConfig,
  openStored,
  prepareConfig,
  type StoredConfig,
  withIngestKey,
} from './data-source-config.ts';

/**
 * The DataSource lifecycle (issue 4): DRAFT → (release, needs an AVAILABLE structure version) → AVAILABLE
 * → (unrelease) → DRAFT; an AVAILABLE source is neither changed nor deleted. Configs are checked and sealed
 * by data-source-config.ts; an http-push source created without a key gets one, answered once. Adapters
 * call these inside their one transaction; the rules live here once.
 */
const SOURCE = controlRegistry.entity('DataSource');
const VERSION = controlRegistry.entity('DataStructureVersion');
const POOL = controlRegistry.entity('DataPool');

/** The members a client writes, with links by id (`null` unlinks). */
export interface DataSourceInput {
  name?: string;
  description?: string | null;
  connectorType?: string;
  config?: Config;
  dataPoolId?: number | null;
  dataStructureVersionId?: number | null;
}

export const DATA_SOURCE_TRANSITIONS = [
  {
    action: 'release',
    from: 'DRAFT',
    to: 'AVAILABLE',
    summary: 'Release a DRAFT DataSource: it becomes AVAILABLE (needs an AVAILABLE structure version)',
  },
  {
    action: 'unrelease',
    from: 'AVAILABLE',
    to: 'DRAFT',
    summary: 'Take an AVAILABLE DataSource back to DRAFT',
  },
] as const;

export type DataSourceTransition = (typeof DATA_SOURCE_TRANSITIONS)[number];

/** The stored form of a decoded row. */
function storedOf(record: Record<string, unknown>): StoredConfig {
  return { type: String(record.connectorType), sealed: record.config as Config };
}

/** The locked current row of DataSource `id` (404 when there is none in this tenant). */
export async function lockDataSource(w: WriteContext, id: number) {
  const row = await readRow(w, SOURCE, id, true);
  if (!row) throw new NotFoundError(`DataSource ${id} does not exist`, { entity: 'DataSource', id });
  const { record, links } = decodeRecord(SOURCE, row);
  return {
    status: String(record.status) as DataSourceStatus,
    stored: storedOf(record),
    versionId: links.dataStructureVersion ?? null,
  };
}

/** 409: an AVAILABLE source is immutable until it is unreleased. */
export function dataSourceReleased(id: number, doing: string): DomainError {
  return new DomainError(
    'URBS_DATA_SOURCE_RELEASED',
    409,
    `DataSource ${id} is released (AVAILABLE) and cannot be ${doing}; unrelease it first`,
  );
}

/** A wire body as the generic write path takes it: `dataPoolId` → the `dataPool` link. */
function toEntityBody(input: DataSourceInput, config?: Config): Record<string, unknown> {
  const { dataPoolId, dataStructureVersionId, ...rest } = input;
  const out: Record<string, unknown> = { ...rest, ...(config ? { config } : {}) };
  const link = (id: number | null | undefined) => (id === null ? null : { '@iot.id': id });
  if (dataPoolId !== undefined) out.dataPool = link(dataPoolId);
  if (dataStructureVersionId !== undefined) out.dataStructureVersion = link(dataStructureVersionId);
  return out;
}

/** Linked ids must exist in this tenant: a 400 naming the member otherwise. */
async function checkLinks(w: WriteContext, input: DataSourceInput): Promise<void> {
  if (input.dataPoolId) await requireLinked(w, POOL, input.dataPoolId, 'dataPoolId');
  if (input.dataStructureVersionId) {
    await requireLinked(w, VERSION, input.dataStructureVersionId, 'dataStructureVersionId');
  }
}

/**
 * Creates a DRAFT. `ingestKey` is set when urbs generated the key of an http-push source: the only moment
 * it exists in plain text outside the table.
 */
export async function createDataSource(
  w: WriteContext,
  input: DataSourceInput & { connectorType: string; config: Config },
  box: SecretBox,
): Promise<{ id: number; ingestKey?: string }> {
  await checkLinks(w, input);
  const { config, key } = withIngestKey(input.connectorType, input.config);
  const sealed = prepareConfig(input.connectorType, config, undefined, box);
  const id = await createEntity(w, SOURCE, { ...toEntityBody(input, sealed), status: 'DRAFT' });
  return key === undefined ? { id } : { id, ingestKey: key };
}

/**
 * Changes members of a DRAFT; a secret sent as `********` keeps the stored one. A source that becomes
 * http-push without a `key` gets a generated one (`ingestKey`, answered once), as on create.
 */
export async function changeDataSource(
  w: WriteContext,
  id: number,
  input: DataSourceInput,
  box: SecretBox,
): Promise<{ ingestKey?: string }> {
  const current = await lockDataSource(w, id);
  if (current.status === 'AVAILABLE') throw dataSourceReleased(id, 'changed');
  await checkLinks(w, input);
  const type = input.connectorType ?? current.stored.type;
  if (input.config === undefined && type !== current.stored.type) {
    throw new BadRequestError('config is required when connectorType changes', { field: 'config' });
  }
  const fresh: { config?: Config; key?: string } =
    input.config && type !== current.stored.type
      ? withIngestKey(type, input.config)
      : { config: input.config };
  const sealed = fresh.config && prepareConfig(type, fresh.config, current.stored, box);
  await updateEntity(w, SOURCE, id, toEntityBody(input, sealed), 'merge');
  return fresh.key === undefined ? {} : { ingestKey: fresh.key };
}

export async function deleteDataSource(w: WriteContext, id: number): Promise<void> {
  if ((await lockDataSource(w, id)).status === 'AVAILABLE') throw dataSourceReleased(id, 'deleted');
  await deleteEntity(w, SOURCE, id);
}

/** Release needs the structure version the source delivers, and that version must be AVAILABLE. */
async function checkReleasable(w: WriteContext, id: number, versionId: number | null): Promise<void> {
  const field = 'dataStructureVersionId';
  if (versionId === null) {
    throw new DomainError('URBS_DATA_SOURCE_NOT_READY', 409, `DataSource ${id} has no ${field}`, { field });
  }
  const version = await readRow(w, VERSION, Number(versionId));
  if (version?.status !== 'AVAILABLE') {
    throw new DomainError(
      'URBS_DATA_SOURCE_NOT_READY',
      409,
      `DataSource ${id} delivers DataStructureVersion ${versionId}, which is not released (AVAILABLE) yet`,
      { field },
    );
  }
}

export async function transitionDataSource(
  w: WriteContext,
  id: number,
  t: DataSourceTransition,
): Promise<void> {
  const current = await lockDataSource(w, id);
  if (t.action === 'release') {
    if (current.status === 'AVAILABLE') throw dataSourceReleased(id, 'released again');
    await checkReleasable(w, id, current.versionId);
  } else if (current.status !== 'AVAILABLE') {
    throw new ConflictError(`DataSource ${id} is not released (it is a DRAFT)`);
  }
  await updateEntity(w, SOURCE, id, { status: t.to }, 'merge');
}

/**
 * Replaces the ingest key of an http-push source with a new generated one and returns it (answered once).
 * Allowed while the source is AVAILABLE: a leaked key must be replaceable without stopping the pipelines,
 * and the key is no part of what the source delivers. The old key stops working at commit.
 */
export async function rotateIngestKey(w: WriteContext, id: number, box: SecretBox): Promise<string> {
  const current = await lockDataSource(w, id);
  if (current.stored.type !== HTTP_PUSH) {
    throw new BadRequestError(
      `DataSource ${id} is a ${current.stored.type} source; only ${HTTP_PUSH} sources have an ingest key`,
      { field: 'connectorType' },
    );
  }
  const { key: _old, ...rest } = openStored(current.stored, box);
  const fresh = withIngestKey(HTTP_PUSH, rest);
  const sealed = prepareConfig(HTTP_PUSH, fresh.config, undefined, box);
  await updateEntity(w, SOURCE, id, { config: sealed }, 'merge');
  return fresh.key!;
}

/** A data source ready to run: its config validated with the secrets opened. */
export interface OpenDataSource {
  id: number;
  name: string;
  connectorType: string;
  connector: Connector<unknown>;
  /** Plain text secrets: hand it to the connector only. JSON (and so pino) shows it masked. */
  config: unknown;
  status: DataSourceStatus;
  dataStructureVersionId: number | null;
}

/**
 * Reads DataSource `id` of `tenant` and opens its config for the pipeline runtime and the push routes (404
 * when there is none in this tenant; a stored config that no longer passes is a 400 naming `config.…`).
 * The opened config must never leave the process: `toJSON` and `util.inspect` of the result mask it, so a
 * stray log line or answer carries `********` instead.
 */
export async function openDataSource(
  db: Queryable,
  tenant: string,
  id: number,
  box: SecretBox,
): Promise<OpenDataSource> {
  const { rows } = await db.query(
    sql`SELECT ${recordSelect(SOURCE, 't')} FROM ${ident(SOURCE.table)} AS t
        WHERE t.tenant_id = ${tenant} AND t.id = ${id}`,
  );
  if (!rows[0]) throw new NotFoundError(`DataSource ${id} does not exist`, { entity: 'DataSource', id });
  const { record, links } = decodeRecord(SOURCE, rows[0]);
  const stored = storedOf(record);
  const { connector, config } = openConfig(stored, box);
  const source: OpenDataSource = {
    id,
    name: String(record.name),
    connectorType: stored.type,
    connector,
    config,
    status: String(record.status) as DataSourceStatus,
    dataStructureVersionId: links.dataStructureVersion ?? null,
  };
  const safe = () => ({ ...source, connector: stored.type, config: maskedConfig(stored) });
  Object.defineProperty(source, 'toJSON', { value: safe, enumerable: false });
  Object.defineProperty(source, Symbol.for('nodejs.util.inspect.custom'), { value: safe, enumerable: false });
  return source;
}
