import { readCollection, readEntity } from '../../../core/entities/read-entities.ts';
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import type { EntityQuery } from '../../../core/query/ast.ts';
import type { Queryable } from '../../../store/store.ts';
import { formatDataArray } from '../format-data-array.ts';
import { type FormatContext, formatEntity } from '../format-entity.ts';
import { encodeQuery } from '../format-query.ts';
import { parseQueryOptions } from '../parse-odata-query.ts';
import { parseResourcePath, type ResourcePath } from '../parse-resource-path.ts';
import { type StaCall, type StaRequest, type StaResponse, splitUrl } from './sta-response.ts';

/**
 * GET on any resource path (18-088 §9.2, §9.3): entity, collection, property, $value, $ref. `db` is the
 * store, or the transaction when called inside a $batch change set.
 */
export async function getResource(call: StaCall, req: StaRequest, db?: Queryable): Promise<StaResponse> {
  const deps = db ? { ...call.deps.read, db } : call.deps.read;
  const { path: rawPath, query: params } = splitUrl(req.url);
  const path = parseResourcePath(call.deps.registry, rawPath);
  const query = parseQueryOptions(params);
  const { ctx, fmt } = call;
  if (path.property) {
    const record = await readEntity(deps, ctx, path.segments, { select: [[path.property.name]] });
    const value = record.props[path.property.name] ?? null;
    if (!path.value) return { status: 200, body: { [path.property.name]: value } };
    if (value === null) return { status: 204 };
    return { status: 200, text: typeof value === 'object' ? JSON.stringify(value) : String(value) };
  }
  if (path.ref)
    return {
      status: 200,
      body: await getRefs({ ...call, deps: { ...call.deps, read: deps } }, path, query, params),
    };
  if (path.single)
    return { status: 200, body: formatEntity(fmt, await readEntity(deps, ctx, path.segments, query)) };
  checkResultFormat(path, query);
  const page = await readCollection(deps, ctx, path.segments, query);
  const out: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  if (page.count !== undefined) out['@iot.count'] = page.count;
  if (page.countIsEstimate) {
    out['@urbs.countIsEstimate'] = true;
    headers['urbs-count-estimated'] = 'true';
  }
  if (page.hasMore) out['@iot.nextLink'] = nextLink(fmt, rawPath, params, page.top, page.skip + page.top);
  out.value =
    query.resultFormat === 'dataArray'
      ? formatDataArray(
          fmt,
          page.records,
          query.select?.map((s) => s[0]!),
        )
      : page.records.map((r) => formatEntity(fmt, r));
  return { status: 200, body: out, headers };
}

function checkResultFormat(path: ResourcePath, query: EntityQuery) {
  if (query.resultFormat === undefined) return;
  if (query.resultFormat !== 'dataArray') {
    throw new BadRequestError(`$resultFormat ${query.resultFormat} is not supported; use dataArray`, {
      option: '$resultFormat',
    });
  }
  if (path.segments.at(-1)!.entity.name !== 'Observation') {
    throw new BadRequestError('$resultFormat=dataArray applies to Observations only', {
      option: '$resultFormat',
    });
  }
}

async function getRefs(call: StaCall, path: ResourcePath, query: EntityQuery, params: URLSearchParams) {
  const q: EntityQuery = { ...query, select: [['id']], expand: undefined };
  const link = (r: { entity: { setName: string }; id: number }) => ({
    '@iot.selfLink': `${call.fmt.base}/${r.entity.setName}(${r.id})`,
  });
  if (path.single) return link(await readEntity(call.deps.read, call.ctx, path.segments, q));
  const page = await readCollection(call.deps.read, call.ctx, path.segments, q);
  const out: Record<string, unknown> = {};
  if (page.count !== undefined) out['@iot.count'] = page.count;
  if (page.hasMore)
    out['@iot.nextLink'] = nextLink(
      call.fmt,
      `${path.segments.map(segmentText).join('/')}/$ref`,
      params,
      page.top,
      page.skip + page.top,
    );
  out.value = page.records.map(link);
  return out;
}

function segmentText(s: ResourcePath['segments'][number]): string {
  const name = s.via?.name ?? s.entity.setName;
  return s.id === undefined ? name : `${name}(${s.id})`;
}

/** The same request with $top/$skip of the next page (18-088 §9.3.3.4, server-driven paging). */
export function nextLink(
  fmt: FormatContext,
  path: string,
  params: URLSearchParams,
  top: number,
  skip: number,
): string {
  const p = new URLSearchParams(params);
  p.set('$top', String(top));
  p.set('$skip', String(skip));
  return `${fmt.base}/${path}?${encodeQuery(p)}`;
}
