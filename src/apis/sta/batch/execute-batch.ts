import { BadRequestError } from '../../../core/errors/bad-request.ts';
import { DomainError } from '../../../core/errors/domain-error.ts';
import { problem, toProblem } from '../../problem-details.ts';
import { getResource } from '../handlers/get-resource.ts';
import type { StaCall, StaRequest, StaResponse } from '../handlers/sta-response.ts';
import { writeResource } from '../handlers/write-resource.ts';
import type { BatchItem, BatchOutcome, BatchRequest, BatchResponse } from './batch-request.ts';
import { printable } from './batch-request.ts';
import {
  type CreatedRef,
  createdRef,
  resolveBodyReferences,
  resolveUrlReference,
  toServicePath,
} from './resolve-references.ts';

export interface BatchEnv {
  call: StaCall;
  /** Path of the service root the batch was posted to, e.g. `/sta/v1.1` or `/t/acme/sta/v1.1`. */
  root: string;
  log: { error(obj: unknown, msg: string): void };
}

/**
 * Runs a parsed batch in order (18-088 §11, OData 4.0 Part 1 §11.7.3). A request outside a change set runs
 * on its own: a GET on the store, a write in its own transaction. A change set runs in ONE transaction:
 * if any of its requests fails, all of it rolls back and the change set answers with that one error.
 * A failure never stops the rest of the batch (as FROST-Server; OData's `continue-on-error` is always on).
 * `$<Content-ID>` names what an earlier request of the same change set created. A request whose `dependsOn`
 * (JSON batch) failed is not run: 424.
 */
export async function executeBatch(env: BatchEnv, items: BatchItem[]): Promise<BatchOutcome[]> {
  const failed = new Set<string>();
  const outcomes: BatchOutcome[] = [];
  for (const item of items) {
    outcomes.push(
      item.kind === 'request'
        ? await runAlone(env, item.request, failed)
        : await runChangeSet(env, item.requests, item.group, failed),
    );
  }
  return outcomes;
}

async function runAlone(env: BatchEnv, r: BatchRequest, failed: Set<string>): Promise<BatchOutcome> {
  const blocked = failedDependency(r, failed);
  if (blocked) {
    markFailed(failed, [r], undefined);
    return { kind: 'response', response: blocked };
  }
  const { call } = env;
  try {
    const req = toStaRequest(env, r, new Map());
    const res =
      r.method === 'GET'
        ? await getResource(call, req)
        : await call.deps.entities.write(call.ctx, (w) => writeResource(call, w, req));
    return { kind: 'response', response: toBatchResponse(r.id, res) };
  } catch (err) {
    markFailed(failed, [r], undefined);
    return { kind: 'response', response: errorResponse(env, r, err) };
  }
}

async function runChangeSet(
  env: BatchEnv,
  requests: BatchRequest[],
  group: string | undefined,
  failed: Set<string>,
): Promise<BatchOutcome> {
  const blocked = requests.map((r) => failedDependency(r, failed)).find((b) => b !== undefined);
  if (blocked) {
    markFailed(failed, requests, group);
    return { kind: 'response', response: blocked, group };
  }
  const { call } = env;
  const at = { request: requests[0]! };
  try {
    const responses = await call.deps.entities.write(call.ctx, async (w) => {
      const refs = new Map<string, CreatedRef>();
      const out: BatchResponse[] = [];
      for (const r of requests) {
        at.request = r;
        const req = toStaRequest(env, r, refs);
        const res =
          r.method === 'GET' ? await getResource(call, req, w.tx) : await writeResource(call, w, req);
        const created = r.id !== undefined && res.status === 201 ? createdRef(res.body) : undefined;
        if (created) refs.set(r.id!, created);
        out.push(toBatchResponse(r.id, res));
      }
      return out;
    });
    return { kind: 'changeSet', group, responses };
  } catch (err) {
    markFailed(failed, requests, group);
    return { kind: 'response', response: errorResponse(env, at.request, err), group };
  }
}

function toStaRequest(env: BatchEnv, r: BatchRequest, refs: ReadonlyMap<string, CreatedRef>): StaRequest {
  const url = resolveUrlReference(toServicePath(r.url, env.root), refs);
  const contentType = r.headers['content-type'];
  const body = r.bodyText === undefined ? r.body : parseBodyText(r.bodyText, contentType);
  return { method: r.method, url, body: resolveBodyReferences(body, refs), contentType };
}

/** A multipart request body: JSON (incl. JSON Patch / merge patch), without prototype-poisoning keys. */
function parseBodyText(text: string, contentType: string | undefined): unknown {
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (!/^application\/(?:[\w.-]+\+)?json$/.test(type)) {
    throw new DomainError(
      'URBS_UNSUPPORTED_MEDIA_TYPE',
      415,
      `Content-Type ${printable(type)} is not accepted in a batch request; send application/json`,
    );
  }
  try {
    return JSON.parse(text, (key, value) => {
      if (
        key === '__proto__' ||
        (key === 'constructor' && typeof value === 'object' && value && 'prototype' in value)
      ) {
        throw new SyntaxError(`the member "${key}" is not allowed`);
      }
      return value;
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new BadRequestError(`The request body is not valid JSON: ${message}`, {}, 'URBS_INVALID_JSON');
  }
}

function toBatchResponse(id: string | undefined, res: StaResponse): BatchResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers ?? {})) headers[name.toLowerCase()] = value;
  if (res.text !== undefined) headers['content-type'] = 'text/plain; charset=utf-8';
  else if (res.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
  return { id, status: res.status, headers, body: res.body, text: res.text };
}

/** Problem details (RFC 9457) for one request; `batchRequest` says which, as a failed change set answers once. */
function errorResponse(env: BatchEnv, r: BatchRequest, err: unknown): BatchResponse {
  const p = toProblem(err);
  if (p.status >= 500) env.log.error({ err, batchRequest: r.where }, 'batch request failed');
  p.instance = r.url.split('?')[0];
  p.batchRequest = r.where;
  return { id: r.id, status: p.status, headers: { 'content-type': 'application/problem+json' }, body: p };
}

function failedDependency(r: BatchRequest, failed: ReadonlySet<string>): BatchResponse | undefined {
  const dep = r.dependsOn?.find((d) => failed.has(d));
  if (dep === undefined) return undefined;
  const p = problem(424, 'URBS_FAILED_DEPENDENCY', `${r.where} depends on ${dep}, which failed`, {
    title: 'Failed Dependency',
    instance: r.url.split('?')[0],
    batchRequest: r.where,
  });
  return { id: r.id, status: 424, headers: { 'content-type': 'application/problem+json' }, body: p };
}

function markFailed(failed: Set<string>, requests: BatchRequest[], group: string | undefined) {
  if (group !== undefined) failed.add(group);
  for (const r of requests) if (r.id !== undefined) failed.add(r.id);
}
