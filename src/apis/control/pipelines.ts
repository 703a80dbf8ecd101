import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  createPipeline,
  deletePipeline,
  dryRunPipeline,
  type PipelineChange,
  replayDeadLetters,
  restartPipeline,
  startPipeline,
  stopPipeline,
  updatePipeline,
} from '../../core/control/pipeline-operations.ts';
import { readEntity } from '../../core/entities/read-entities.ts';
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
  nameSchema,
  nullableString,
  pageSchema,
  problems,
  routesOf,
  timestamp,
} from './schemas.ts';

/**
 * Pipelines (issue 4): source → filter → mapping → the sinks of a dataset, run in process
 * (src/pipeline/runtime, docs/pipelines.md). Routes are parse → core (core/control/pipeline-operations.ts)
 * → format. A pipeline's live status (state, counters, last error, lag) comes with every read.
 */
const PIPELINE = controlRegistry.entity('Pipeline');
const MAX_DRY_RUN = 1000;

const name = nameSchema;
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

type IdRequest = FastifyRequest<{ Params: { id: number } }>;

export function pipelineRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const _tags = ['Pipeline'];
  const { runtime } = deps.pipelines;
  const ops = { entities: deps.entities, runtime };
  const route = routesOf('Pipeline');
  const one = async (request: FastifyRequest, id: number) => {
    const wire = toWire(await readEntity(deps.read, contextOf(request), [{ entity: PIPELINE, id }], {}));
    return { ...wire, status: await runtime.status(request.tenant, id) };
  };

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
      const body = request.body as PipelineChange & {
        dataSourceId: number;
        mappingId: number;
        dataSetId: number;
      };
      const id = await createPipeline(ops, contextOf(request), body);
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
      await updatePipeline(ops, contextOf(request), id, request.body as PipelineChange);
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
      await deletePipeline(ops, contextOf(request), request.params.id);
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
    (request: IdRequest) =>
      dryRunPipeline(
        deps.read.db,
        deps.pipelines.openSource,
        contextOf(request),
        request.params.id,
        (request.body ?? {}) as { records?: Record<string, unknown>[]; sampleSize?: number },
      ),
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
