import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  importUpload,
  UPLOAD_STATUSES,
  type UploadDeps,
  type UploadState,
} from '../../core/control/data-source-uploads.ts';
import { BadRequestError } from '../../core/errors/bad-request.ts';
import { problemType } from '../problem-details.ts';
import { apiBase } from './resource-routes.ts';
import { idParams, problems, timestamp } from './schemas.ts';

/**
 * File uploads with progress (issue 4): `POST /datasources/{id}/uploads` streams the body (CSV, JSON array,
 * GeoJSON FeatureCollection) into the pipeline runtime without buffering it; `GET …/uploads/{uploadId}`
 * shows the progress from another connection while it runs, and the outcome afterwards. Registered in
 * its own context: its content-type parser hands the raw request stream through, for these routes only.
 */
export type UploadRouteOptions = UploadDeps;

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const uploadId = { type: 'string', pattern: UUID, description: 'a UUID' };
const count = (description: string) => ({ type: 'integer', description });

const stateSchema = {
  type: 'object',
  properties: {
    id: uploadId,
    sourceId: { type: 'integer' },
    status: { type: 'string', enum: UPLOAD_STATUSES },
    bytesRead: count('bytes of the body read so far'),
    totalBytes: { type: ['integer', 'null'], description: 'Content-Length; null for a chunked body' },
    records: count('records the pipelines committed; they stay committed when the upload fails later'),
    in: count('records the pipelines received'),
    out: count('written to the sinks, summed over the pipelines'),
    filtered: count('dropped by a pipeline filter'),
    rejected: count('sent to the dead letters'),
    error: {
      type: ['object', 'null'],
      description: 'why it failed, as problem details',
      properties: {
        type: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        field: { type: 'string' },
      },
    },
    startedAt: timestamp,
    finishedAt: timestamp,
  },
  required: ['id', 'sourceId', 'status', 'bytesRead', 'totalBytes', 'records', 'error', 'startedAt'],
};

function toWire(state: UploadState) {
  const { error, ...rest } = state;
  if (!error) return { ...rest, error: null };
  const { code, message, ...more } = error;
  return { ...rest, error: { type: problemType(code), detail: message, ...more } };
}

/** The upload id the client chose (header `Upload-Id` or query `uploadId`), else a new one. */
function uploadIdOf(request: FastifyRequest): string {
  const header = request.headers['upload-id'];
  const query = (request.query as { uploadId?: string }).uploadId;
  if (header !== undefined && (typeof header !== 'string' || !new RegExp(UUID).test(header))) {
    throw new BadRequestError('Upload-Id must be a UUID', { field: 'Upload-Id', in: 'header' });
  }
  if (header !== undefined && query !== undefined && header.toLowerCase() !== query.toLowerCase()) {
    throw new BadRequestError('Upload-Id and uploadId name different uploads', { field: 'uploadId' });
  }
  return (header ?? query ?? randomUUID()).toLowerCase();
}

function contentLength(request: FastifyRequest): number | undefined {
  const n = Number(request.headers['content-length']);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

type UploadRequest = FastifyRequest<{ Params: { id: number } }>;

export async function uploadRoutes(app: FastifyInstance, deps: UploadRouteOptions) {
  const tags = ['DataSource'];
  app.removeAllContentTypeParsers();
  // No parseAs: fastify neither reads nor limits the body; importUpload streams it and applies maxBytes.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post(
    '/datasources/:id/uploads',
    {
      schema: {
        tags,
        summary: 'Upload a file (CSV, JSON array, GeoJSON) into an AVAILABLE file-upload DataSource',
        description:
          'Answers when the whole file is in. Poll GET …/uploads/{uploadId} meanwhile: choose the id with ' +
          `Upload-Id or uploadId to poll from the first byte. At most ${deps.maxBytes} bytes. Not one ` +
          'transaction: on a failure the records committed before it stay committed (`records`).',
        params: idParams,
        querystring: {
          type: 'object',
          properties: { uploadId: { ...uploadId, description: 'the id to poll (or header Upload-Id)' } },
          additionalProperties: false,
        },
        consumes: ['text/csv', 'application/json', 'application/geo+json'],
        response: { 201: stateSchema, ...problems(400, 404, 409, 413, 415) },
      },
    },
    async (request: UploadRequest, reply: FastifyReply) => {
      try {
        const state = await importUpload(deps, {
          tenant: request.tenant,
          sourceId: request.params.id,
          uploadId: uploadIdOf(request),
          input: request.body as Readable,
          contentType: request.headers['content-type'],
          totalBytes: contentLength(request),
        });
        const location = `${apiBase(request)}/datasources/${request.params.id}/uploads/${state.id}`;
        reply.code(201).header('location', location);
        return toWire(state);
      } catch (err) {
        // The rest of a refused body is not read: the answer closes the connection instead.
        if (!request.raw.readableEnded) reply.header('connection', 'close');
        throw err;
      }
    },
  );

  app.get(
    '/datasources/:id/uploads/:uploadId',
    {
      schema: {
        tags,
        summary: 'The progress of an upload while it runs, and its outcome afterwards',
        params: {
          type: 'object',
          properties: { id: { type: 'integer', minimum: 1 }, uploadId },
          required: ['id', 'uploadId'],
        },
        response: { 200: stateSchema, ...problems(404) },
      },
    },
    async (request) => {
      const { id, uploadId } = request.params as { id: number; uploadId: string };
      return toWire(deps.tracker.get(request.tenant, id, uploadId.toLowerCase()));
    },
  );
}
