import type { SecretBox } from '../../crypto/secret-box.ts';
import type { RawRecord } from '../../ingest/connector.ts';
import {
  createPushReceiver,
  generatePushKey,
  type HttpPushConfig,
} from '../../ingest/connectors/http-push/index.ts';
import type { PipelineRuntime, PushResult } from '../../pipeline/runtime/runtime-types.ts';
import type { Queryable } from '../../store/store.ts';
import { UnauthorizedError } from '../errors/auth-errors.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { DomainError } from '../errors/domain-error.ts';
import { NotFoundError } from '../errors/not-found.ts';
import { HTTP_PUSH } from './data-source-config.ts';
import { type OpenDataSource, openDataSource } from './data-source-lifecycle.ts';

/**
 * Records pushed to urbs (HTTP push, file upload) on their way to the pipeline runtime. The source must be
 * AVAILABLE; the runtime answers 409 URBS_NO_RUNNING_PIPELINE when no pipeline reads it, so a sender
 * learns that its records were not taken.
 */

/** 409 for records sent to a DRAFT source (only after the sender proved it may send to it). */
export function requireAvailable(source: OpenDataSource): void {
  if (source.status === 'AVAILABLE') return;
  throw new DomainError(
    'URBS_DATA_SOURCE_NOT_AVAILABLE',
    409,
    `DataSource ${source.id} is a ${source.status}; release it (and start a pipeline) before sending records`,
    { currentStatus: source.status },
  );
}

/** Hands records to the runtime; without a runtime in this process no pipeline can take them (409). */
export function pushRecords(
  runtime: PipelineRuntime | undefined,
  tenant: string,
  sourceId: number,
  records: RawRecord[],
): Promise<PushResult> {
  if (runtime) return runtime.push(tenant, sourceId, records);
  return Promise.reject(
    new DomainError('URBS_NO_RUNNING_PIPELINE', 409, `No pipeline runs DataSource ${sourceId}`),
  );
}

export interface PushDeps {
  db: Queryable;
  box: SecretBox;
  runtime: PipelineRuntime | undefined;
}

export interface IngestRequest {
  tenant: string;
  sourceId: number;
  key: string | undefined;
  contentType: string | undefined;
  /** The body as text (or a parsed JSON value). */
  body: unknown;
}

/** Compared against when there is no http-push source with that id, so both cases cost the same. */
const DECOY = createPushReceiver({ key: generatePushKey() });

/**
 * An HTTP push: the key is checked before anything about the source is told. A missing or wrong key, an
 * unknown id, another tenant's source and a source of another type all answer the same 401, so a caller
 * without the key learns nothing, not even whether the source exists. With the key: 409 for a DRAFT,
 * 400 naming `body` (or `recordsPath`) for a body without records, else the runtime's PushResult.
 */
export async function receivePush(deps: PushDeps, req: IngestRequest): Promise<PushResult> {
  const source = await pushSource(deps, req.tenant, req.sourceId);
  const receiver = source ? createPushReceiver(source.config as HttpPushConfig) : DECOY;
  const records = receiver.receive({ key: req.key, contentType: req.contentType, body: req.body });
  if (!source) throw new UnauthorizedError('The ingest key is missing or wrong');
  requireAvailable(source);
  return pushRecords(deps.runtime, req.tenant, req.sourceId, records);
}

async function pushSource(deps: PushDeps, tenant: string, id: number): Promise<OpenDataSource | undefined> {
  try {
    const source = await openDataSource(deps.db, tenant, id, deps.box);
    return source.connectorType === HTTP_PUSH ? source : undefined;
  } catch (err) {
    // A stored config that no longer passes cannot check a key either: the same 401, nothing revealed.
    if (err instanceof NotFoundError || err instanceof BadRequestError) return undefined;
    throw err;
  }
}
