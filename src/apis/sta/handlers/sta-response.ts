import type { FastifyReply } from 'fastify';
import type { RequestContext } from '../../../core/entities/context.ts';
import type { EntityService } from '../../../core/entities/entity-service.ts';
import type { ReadDeps } from '../../../core/entities/read-entities.ts';
import type { ModelRegistry } from '../../../model/registry.ts';
import type { FormatContext } from '../format-entity.ts';

/**
 * One SensorThings operation independent of HTTP, so that the HTTP routes, `$batch` and MQTT all run the
 * same code: a method, a resource path relative to the version root (with its query string) and a body.
 */
export interface StaRequest {
  method: string;
  /** e.g. `Things(1)/Datastreams?$top=5` */
  url: string;
  body?: unknown;
  contentType?: string | undefined;
}

export interface StaResponse {
  status: number;
  body?: unknown;
  /** Plain-text payload (`$value`). */
  text?: string;
  headers?: Record<string, string>;
}

export interface StaDeps {
  registry: ModelRegistry;
  read: ReadDeps;
  entities: EntityService;
}

export interface StaCall {
  deps: StaDeps;
  fmt: FormatContext;
  ctx: RequestContext;
}

export function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const i = url.indexOf('?');
  return i < 0
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, i), query: new URLSearchParams(url.slice(i + 1)) };
}

export function sendStaResponse(reply: FastifyReply, res: StaResponse): FastifyReply {
  if (res.headers) reply.headers(res.headers);
  reply.code(res.status);
  if (res.text !== undefined) return reply.type('text/plain; charset=utf-8').send(res.text);
  return reply.send(res.body);
}
