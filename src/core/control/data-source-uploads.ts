import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import type { SecretBox } from '../../crypto/secret-box.ts';
import type { RawRecord } from '../../ingest/connector.ts';
import { type FileUploadConfig, importFile } from '../../ingest/connectors/file-upload/index.ts';
import type { PipelineRuntime, PushResult } from '../../pipeline/runtime/runtime-types.ts';
import type { Queryable } from '../../store/store.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { ConflictError } from '../errors/conflict.ts';
import { DomainError, isDomainError } from '../errors/domain-error.ts';
import { NotFoundError } from '../errors/not-found.ts';
import { openDataSource } from './data-source-lifecycle.ts';
import { pushRecords, requireAvailable } from './data-source-push.ts';

/**
 * File uploads into a `file-upload` source: the body is parsed as a stream (constant memory, any size) and
 * handed to the pipeline runtime batch by batch. A file is not one transaction: each batch is committed
 * by the runtime before the next bytes are read, so when the file turns out bad halfway, the records
 * before that stay committed. That is why every upload has a state that counts them, readable while it
 * runs (a progress bar) and afterwards.
 */
export const UPLOAD_STATUSES = ['running', 'done', 'failed'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

/** Why an upload failed, as the core reports any error: a stable code, a status, a message, the field. */
export interface UploadError {
  code: string;
  status: number;
  message: string;
  field?: string;
}

export interface UploadState {
  id: string;
  sourceId: number;
  status: UploadStatus;
  bytesRead: number;
  /** From Content-Length; null for a chunked body. */
  totalBytes: number | null;
  /** Records the runtime took (committed: written, filtered or dead-lettered). */
  records: number;
  in: number;
  out: number;
  filtered: number;
  rejected: number;
  error: UploadError | null;
  startedAt: string;
  finishedAt: string | null;
}

/** Upload states of this process: the newest `keep` per tenant (running ones are never dropped). */
export interface UploadTracker {
  /** A new running upload; 409 naming `uploadId` when the tenant has one with this id already. */
  begin(tenant: string, sourceId: number, id: string, totalBytes: number | undefined): UploadState;
  /** A copy of the state; 404 when this source has no upload with this id (any more). */
  get(tenant: string, sourceId: number, id: string): UploadState;
}

export function createUploadTracker(keep = 100): UploadTracker {
  const tenants = new Map<string, Map<string, UploadState>>();
  const prune = (uploads: Map<string, UploadState>) => {
    for (const [id, state] of uploads) {
      if (uploads.size <= keep) return;
      if (state.status !== 'running') uploads.delete(id);
    }
  };
  return {
    begin(tenant, sourceId, id, totalBytes) {
      const uploads = tenants.get(tenant) ?? new Map<string, UploadState>();
      tenants.set(tenant, uploads);
      if (uploads.has(id)) {
        throw new ConflictError(`Upload ${id} exists already; choose another upload id`, {
          field: 'uploadId',
        });
      }
      const state: UploadState = {
        id,
        sourceId,
        status: 'running',
        bytesRead: 0,
        totalBytes: totalBytes ?? null,
        records: 0,
        in: 0,
        out: 0,
        filtered: 0,
        rejected: 0,
        error: null,
        startedAt: new Date().toISOString(),
        finishedAt: null,
      };
      uploads.set(id, state);
      prune(uploads);
      return state;
    },
    get(tenant, sourceId, id) {
      const state = tenants.get(tenant)?.get(id);
      if (!state || state.sourceId !== sourceId) {
        throw new NotFoundError(`DataSource ${sourceId} has no upload ${id}`, { entity: 'Upload', id });
      }
      return { ...state, error: state.error && { ...state.error } };
    },
  };
}

export interface UploadDeps {
  db: Queryable;
  box: SecretBox;
  runtime: PipelineRuntime | undefined;
  tracker: UploadTracker;
  /** The largest file taken, in bytes (413 beyond). */
  maxBytes: number;
}

export interface UploadRequest {
  tenant: string;
  sourceId: number;
  uploadId: string;
  input: Readable;
  contentType: string | undefined;
  totalBytes: number | undefined;
}

const FORMAT_OF: Record<string, readonly FileUploadConfig['format'][]> = {
  'text/csv': ['csv'],
  'application/json': ['json', 'geojson'],
  'application/geo+json': ['geojson'],
};

/** A Content-Type naming another format than the source's is a mistake worth a 415; others are taken as is. */
function checkMediaType(format: FileUploadConfig['format'], contentType: string | undefined): void {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const fits = FORMAT_OF[type];
  if (type.startsWith('multipart/') || (fits && !fits.includes(format))) {
    throw new DomainError(
      'URBS_UNSUPPORTED_MEDIA_TYPE',
      415,
      `This source takes ${format} files as the request body; Content-Type ${type} does not fit`,
      { field: 'file' },
    );
  }
}

function tooLarge(maxBytes: number): DomainError {
  return new DomainError(
    'URBS_BODY_TOO_LARGE',
    413,
    `The file is larger than the limit of ${maxBytes} bytes`,
    {
      field: 'file',
      limit: maxBytes,
    },
  );
}

/**
 * The request body through a counter: `bytesRead` grows as bytes arrive, and beyond `maxBytes` the stream
 * fails with a 413. Piped, not pipelined: a failure must not destroy the request, or the 4xx answer
 * could not be sent. `fail` records the cause and returns the error to fail with.
 */
function meterInput(
  input: Readable,
  state: UploadState,
  maxBytes: number,
  fail: (err: Error) => Error,
): Transform {
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      state.bytesRead += chunk.length;
      if (state.bytesRead <= maxBytes) done(null, chunk);
      else done(fail(tooLarge(maxBytes)));
    },
  });
  input.pipe(meter);
  input.on('error', (err) => meter.destroy(err));
  input.on('close', () => {
    if (input.readableEnded) return;
    meter.destroy(
      fail(new BadRequestError('The upload was aborted before the end of the file', { field: 'file' })),
    );
  });
  return meter;
}

function count(state: UploadState, batch: RawRecord[], res: PushResult): void {
  state.records += batch.length;
  state.in += res.in;
  state.out += res.out;
  state.filtered += res.filtered;
  state.rejected += res.rejected;
}

/**
 * Streams one file into the runtime and resolves with the final state. A failure (bad content: 400 on
 * `file`; too large: 413; no running pipeline: 409) marks the state failed and is thrown with the
 * records committed so far (`records`) and the `uploadId`.
 */
export async function importUpload(deps: UploadDeps, req: UploadRequest): Promise<UploadState> {
  const source = await openDataSource(deps.db, req.tenant, req.sourceId, deps.box);
  if (source.connectorType !== 'file-upload') {
    throw new BadRequestError(
      `DataSource ${source.id} is a ${source.connectorType} source; files go to file-upload sources`,
      { field: 'connectorType' },
    );
  }
  requireAvailable(source);
  const config = source.config as FileUploadConfig;
  checkMediaType(config.format, req.contentType);
  if (req.totalBytes !== undefined && req.totalBytes > deps.maxBytes) throw tooLarge(deps.maxBytes);
  const state = deps.tracker.begin(req.tenant, req.sourceId, req.uploadId, req.totalBytes);
  // importFile reports only its own parse error; the first real cause (limit, abort, runtime) is kept here.
  let cause: unknown;
  const meter = meterInput(req.input, state, deps.maxBytes, (err) => {
    cause ??= err;
    return cause as Error;
  });
  const sink = async (batch: RawRecord[]) => {
    try {
      count(state, batch, await pushRecords(deps.runtime, req.tenant, req.sourceId, batch));
    } catch (err) {
      cause ??= err;
      throw err;
    }
  };
  try {
    await importFile(config, meter, sink);
  } catch (err) {
    req.input.unpipe(meter);
    throw failed(state, cause ?? err);
  }
  state.status = 'done';
  state.finishedAt = new Date().toISOString();
  return { ...state };
}

/** Marks the state failed and returns the error to throw, with the records committed and the upload id. */
function failed(state: UploadState, err: unknown): unknown {
  state.status = 'failed';
  state.finishedAt = new Date().toISOString();
  const extra = { records: state.records, uploadId: state.id };
  if (!isDomainError(err)) {
    state.error = { code: 'URBS_INTERNAL', status: 500, message: 'The upload failed; the log has details' };
    return err;
  }
  const field = typeof err.extensions.field === 'string' ? err.extensions.field : undefined;
  state.error = { code: err.code, status: err.status, message: err.message, ...(field ? { field } : {}) };
  return new DomainError(err.code, err.status, err.message, { ...err.extensions, ...extra });
}
