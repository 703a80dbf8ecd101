import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import {
  checkPipelineFilter,
  checkPipelineLinks,
  dryRunPipeline,
  replayDeadLetters,
  restartPipeline,
  startPipeline,
  stopPipeline,
} from '../../core/control/pipeline-operations.ts';
import type { WriteContext } from '../../core/entities/context.ts';
import { readEntity } from '../../core/entities/read-entities.ts';
import { createEntity, deleteEntity, updateEntity } from '../../core/entities/write-entities.ts';
import { BadRequestError } from '../../core/errors/bad-request.ts';
import type { PullConnector } from '../../ingest/connector.ts';
import { controlRegistry } from '../../model/control/index.ts';
import {
  DEAD_LETTER_STAGES,
  type DeadLetterStage,
  discardDeadLetters,
  listDeadLetters,
} from '../../pipeline/runtime/dead-letters.ts';
import { readPipelineDefinition } from '../../pipeline/runtime/load-pipeline.ts';
import type { ListSpec } from './list-query.ts';
import { apiBase, type ControlDeps, contextOf, listOf, toWire } from './resource-routes.ts';
import {
  anyObject,
  idParams,
  listQuerySchema,
  nullableString,
  pageSchema,
  problems,
  timestamp,
} from './schemas.ts';

/**
 * Pipelines (issue 4): source → filter → mapping → the sinks of a dataset, run in process
 * (src/pipeline/runtime, docs/pipelines.md). Routes are parse → core (core/control/pipeline-operations.ts)
 * → format. A pipeline's live status (state, counters, last error, lag) comes with every read.
 */
const PIPELINE = controlRegistry.entity('Pipeline');
const MAX_DRY_RUN = 1000;

const name = { type: 'string', minLength: 1, maxLength: 500 };
const linkId = (description: string) => ({ type: 'integer', minimum: 1, description });
const filter = {
  type: ['string', 'null'],
  maxLength: 10_000,
  description: 'JSONata on the source record, applied before (and besides) the mapping’s own filter',
};
const batchSize = {
  type: 'integer',
  minimum: 1,
  maximum: 10_000,
  description: 'at most this many records per transaction (default 500)',
};
const counters = {
  type: 'object',
  properties: {
    in: { type: 'integer' },
    out: { type: 'integer' },
    filtered: { type: 'integer' },
    rejected: { type: 'integer' },
  },
  required: ['in', 'out', 'filtered', 'rejected'],
};
const statusSchema = {
  type: 'object',
  properties: {
    pipelineId: { type: 'integer' },
    state: { type: 'string', enum: ['stopped', 'starting', 'running', 'error'] },
    node: { ...nullableString, description: 'the urbs process running it (host/pid/…), when one does' },
    counters,
    lastError: nullableString,
    lastErrorAt: timestamp,
    lastBatchAt: timestamp,
    lagMs: { type: ['integer', 'null'] },
  },
  required: ['pipelineId', 'state', 'counters', 'lastError', 'lastBatchAt', 'lagMs'],
};
const item = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name,
    description: nullableString,
    dataSourceId: { type: 'integer' },
    mappingId: { type: 'integer' },
    dataSetId: { type: 'integer' },
    filter,
    batchSize,
    desiredState: { type: 'string', enum: ['RUNNING', 'STOPPED'] },
    version: { type: 'integer', description: 'grows with every change of the pipeline or its mapping' },
    status: statusSchema,
    createdAt: timestamp,
    updatedAt: timestamp,
  },
  required: ['id', 'name', 'dataSourceId', 'mappingId', 'dataSetId', 'batchSize', 'desiredState', 'version'],
};
const LIST: ListSpec = {
  sortable: ['name', 'createdAt', 'updatedAt', 'id'],
  searchable: ['name', 'description'],
};
const deadLetter = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    pipelineId: { type: 'integer' },
    pipelineVersion: { type: 'integer' },
    stage: { type: 'string', enum: DEAD_LETTER_STAGES },
    reasons: { type: 'array', items: anyObject },
    payload: { ...anyObject, description: 'the record as the source delivered it' },
    position: { ...anyObject, description: 'where it came from (topic, line, key …)' },
    receivedAt: timestamp,
    createdAt: timestamp,
    attempts: { type: 'integer' },
    lastAttemptAt: timestamp,
  },
  required: ['id', 'stage', 'reasons', 'payload', 'pipelineVersion'],
};
const idsBody = {
  type: 'object',
  properties: {
    ids: {
      type: 'array',
      items: { type: 'integer', minimum: 1 },
      maxItems: 10_000,
      description: 'only these dead letters (default: all of the pipeline)',
    },
  },
  additionalProperties: false,
};

interface PipelineBody {
  name?: string;
  description?: string | null;
  dataSourceId?: number;
  mappingId?: number;
  dataSetId?: number;
  filter?: string | null;
  batchSize?: number;
}

function toEntityBody(body: PipelineBody): Record<string, unknown> {
  const { dataSourceId, mappingId, dataSetId, ...rest } = body;
  const out: Record<string, unknown> = { ...rest };
  if (dataSourceId !== undefined) out.dataSource = { '@iot.id': dataSourceId };
  if (mappingId !== undefined) out.mapping = { '@iot.id': mappingId };
  if (dataSetId !== undefined) out.dataSet = { '@iot.id': dataSetId };
  return out;
}

type IdRequest = FastifyRequest<{ Params: { id: number } }>;

export function pipelineRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const tags = ['Pipeline'];
  const { runtime } = deps.pipelines;
  const ops = { entities: deps.entities, runtime };
  const route = (summary: string, extra: Record<string, unknown>) => ({
    schema: { tags, summary, ...extra } as FastifySchema,
  });
  const one = async (request: FastifyRequest, id: number) => {
    const wire = toWire(await readEntity(deps.read, contextOf(request), [{ entity: PIPELINE, id }], {}));
    return { ...wire, status: await runtime.status(request.tenant, id) };
  };
  const write = <T>(request: FastifyRequest, fn: (w: WriteContext) => Promise<T>) =>
    deps.entities.write(contextOf(request), fn);

  app.get(
    '/pipelines',
    route('List Pipelines (paged, sorted, filtered)', {
      querystring: listQuerySchema(LIST.sortable),
      response: { 200: pageSchema(item), ...problems(400) },
    }),
    async (request) => {
      const page = await listOf(deps.read, request, PIPELINE, LIST);
      const items = await Promise.all(
        page.items.map(async (p) => ({ ...p, status: await runtime.status(request.tenant, Number(p.id)) })),
      );
      return { ...page, items };
    },
  );

  app.get(
    '/pipelines/:id',
    route('Get a Pipeline with its live status', {
      params: idParams,
      response: { 200: item, ...problems(404) },
    }),
    (request: IdRequest) => one(request, request.params.id),
  );

  app.post(
    '/pipelines',
    route('Create a Pipeline (stopped; it runs when its dataset is released or on start)', {
      body: {
        type: 'object',
        properties: {
          name,
          description: nullableString,
          dataSourceId: linkId('the DataSource it reads'),
          mappingId: linkId('the Mapping from the source’s structure to the dataset’s'),
          dataSetId: linkId('the DataSet whose sinks it writes to'),
          filter,
          batchSize,
        },
        required: ['name', 'dataSourceId', 'mappingId', 'dataSetId'],
        additionalProperties: false,
      },
      response: { 201: item, ...problems(400, 409) },
    }),
    async (request, reply) => {
      const body = request.body as PipelineBody & {
        dataSourceId: number;
        mappingId: number;
        dataSetId: number;
      };
      checkPipelineFilter(body.filter);
      const id = await write(request, async (w) => {
        await checkPipelineLinks(w, body);
        return createEntity(w, PIPELINE, {
          batchSize: 500,
          ...toEntityBody(body),
          desiredState: 'STOPPED',
          version: 1,
        });
      });
      reply.code(201).header('location', `${apiBase(request)}/pipelines/${id}`);
      return one(request, id);
    },
  );

  app.patch(
    '/pipelines/:id',
    route('Change a Pipeline (a running one picks the change up before its next batch)', {
      params: idParams,
      body: {
        type: 'object',
        properties: {
          name,
          description: nullableString,
          dataSourceId: linkId('the DataSource it reads (only while stopped)'),
          mappingId: linkId('the Mapping'),
          filter,
          batchSize,
        },
        additionalProperties: false,
      },
      response: { 200: item, ...problems(400, 404, 409) },
    }),
    async (request: IdRequest) => {
      const { id } = request.params;
      const body = request.body as PipelineBody;
      checkPipelineFilter(body.filter);
      await write(request, async (w) => {
        const def = await readPipelineDefinition(w.tx, w.tenant, id, true);
        if (body.dataSourceId !== undefined && body.dataSourceId !== def.dataSourceId) {
          if (runtime.isRunning(w.tenant, id)) {
            throw new BadRequestError('dataSourceId cannot change while the pipeline runs; stop it first', {
              field: 'dataSourceId',
            });
          }
        }
        await checkPipelineLinks(w, {
          dataSourceId: body.dataSourceId ?? def.dataSourceId,
          mappingId: body.mappingId ?? def.mapping.id,
          dataSetId: def.dataSet.id,
        });
        await updateEntity(w, PIPELINE, id, { ...toEntityBody(body), version: def.version + 1 }, 'merge');
      });
      runtime.invalidate(request.tenant, [id]);
      return one(request, id);
    },
  );

  app.delete(
    '/pipelines/:id',
    route('Delete a Pipeline (it is stopped first; its dead letters go with it)', {
      params: idParams,
      response: { 204: { type: 'null', description: 'Deleted' }, ...problems(404) },
    }),
    async (request: IdRequest, reply) => {
      const { id } = request.params;
      await readPipelineDefinition(deps.read.db, request.tenant, id);
      await runtime.stop(request.tenant, id);
      await write(request, (w) => deleteEntity(w, PIPELINE, id));
      return reply.code(204).send();
    },
  );

  const actions = [
    ['start', 'Start a Pipeline (its dataset must be AVAILABLE)', startPipeline],
    ['stop', 'Stop a Pipeline; answers when its batch in progress is committed', stopPipeline],
    ['restart', 'Restart a Pipeline; the source resumes where it was acknowledged', restartPipeline],
  ] as const;
  for (const [action, summary, op] of actions) {
    app.post(
      `/pipelines/:id/${action}`,
      route(summary, { params: idParams, response: { 200: item, ...problems(404, 409) } }),
      async (request: IdRequest) => {
        await op(ops, contextOf(request), request.params.id);
        return one(request, request.params.id);
      },
    );
  }

  app.get(
    '/pipelines/:id/status',
    route('The live status of a Pipeline: state, counters, last error, lag', {
      params: idParams,
      response: { 200: statusSchema, ...problems(404) },
    }),
    (request: IdRequest) => runtime.status(request.tenant, request.params.id),
  );

  app.post(
    '/pipelines/:id/dry-run',
    route('Run the whole pipeline on sample records and report; writes nothing', {
      params: idParams,
      body: {
        type: 'object',
        properties: {
          records: {
            type: 'array',
            items: anyObject,
            maxItems: MAX_DRY_RUN,
            description: 'records as the source delivers them; default: a sample read from the source',
          },
          sampleSize: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
        },
        additionalProperties: false,
      },
      response: {
        200: {
          type: 'object',
          properties: {
            outputs: { type: 'array', items: anyObject },
            rejected: { type: 'array', items: anyObject },
            counts: anyObject,
          },
          required: ['outputs', 'rejected', 'counts'],
        },
        ...problems(400, 404, 409),
      },
    }),
    async (request: IdRequest) => {
      const body = (request.body ?? {}) as { records?: Record<string, unknown>[]; sampleSize?: number };
      const ctx = contextOf(request);
      let records = body.records;
      if (!records) {
        const def = await readPipelineDefinition(deps.read.db, request.tenant, request.params.id);
        const source = (await deps.pipelines.openSource(deps.read.db, request.tenant, def.dataSourceId)) as {
          connector: { kind: string };
          config: unknown;
        };
        if (source.connector.kind !== 'pull') {
          throw new BadRequestError('this source is pushed to urbs: give sample records in `records`', {
            field: 'records',
          });
        }
        const sample = await (source.connector as PullConnector<unknown>).sample(
          source.config,
          body.sampleSize ?? 10,
        );
        records = sample.map((r) => r.data);
      }
      return dryRunPipeline(deps.read.db, ctx, request.params.id, records);
    },
  );

  app.get(
    '/pipelines/:id/deadletters',
    route('List the dead letters of a Pipeline (oldest first)', {
      params: idParams,
      querystring: {
        type: 'object',
        properties: {
          page: { type: 'integer', minimum: 1, default: 1 },
          size: { type: 'integer', minimum: 1, maximum: 500, default: 20 },
          stage: { type: 'string', enum: DEAD_LETTER_STAGES },
        },
        additionalProperties: false,
      },
      response: { 200: pageSchema(deadLetter), ...problems(400, 404) },
    }),
    async (request: IdRequest) => {
      const q = request.query as { page: number; size: number; stage?: DeadLetterStage };
      await readPipelineDefinition(deps.read.db, request.tenant, request.params.id);
      const res = await listDeadLetters(deps.read.db, request.tenant, request.params.id, q);
      return { items: res.items, page: q.page, size: q.size, total: res.total };
    },
  );

  app.post(
    '/pipelines/:id/deadletters/replay',
    route('Run dead letters again through the pipeline as it is now; those that pass are written', {
      params: idParams,
      body: idsBody,
      response: {
        200: {
          type: 'object',
          properties: {
            replayed: { type: 'integer' },
            out: { type: 'integer' },
            filtered: { type: 'integer' },
            stillRejected: { type: 'integer' },
          },
          required: ['replayed', 'out', 'filtered', 'stillRejected'],
        },
        ...problems(400, 404, 409),
      },
    }),
    async (request: IdRequest) => {
      const { ids } = (request.body ?? {}) as { ids?: number[] };
      return replayDeadLetters({ ...ops, db: deps.read.db }, contextOf(request), request.params.id, ids);
    },
  );

  app.post(
    '/pipelines/:id/deadletters/discard',
    route('Delete dead letters without replaying them', {
      params: idParams,
      body: idsBody,
      response: {
        200: { type: 'object', properties: { discarded: { type: 'integer' } }, required: ['discarded'] },
        ...problems(400, 404),
      },
    }),
    async (request: IdRequest) => {
      const { ids } = (request.body ?? {}) as { ids?: number[] };
      await readPipelineDefinition(deps.read.db, request.tenant, request.params.id);
      return { discarded: await discardDeadLetters(deps.read.db, request.tenant, request.params.id, ids) };
    },
  );
}
