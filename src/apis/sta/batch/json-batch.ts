import {
  type BatchItem,
  type BatchOutcome,
  type BatchRequest,
  type BatchResponse,
  batchSyntaxError,
  MAX_BATCH_REQUESTS,
} from './batch-request.ts';

/**
 * The OData 4.01 JSON batch format (OData JSON Format 4.01 §19; FROST-Server's "JSON Batch Requests"
 * extension): `{"requests": [{id, method, url, headers?, body?, atomicityGroup?, dependsOn?}]}`.
 * Requests sharing an `atomicityGroup` are one change set; they must be adjacent. `dependsOn` names earlier
 * request ids or groups only (no forward references). Anything else is a 400 naming the member.
 */
export function parseJsonBatch(body: unknown): BatchItem[] {
  if (!isObject(body) || !Array.isArray(body.requests)) {
    throw batchSyntaxError('A JSON batch is an object with a "requests" array', { field: 'requests' });
  }
  const requests: unknown[] = body.requests;
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw batchSyntaxError(`A batch holds at most ${MAX_BATCH_REQUESTS} requests`, { field: 'requests' });
  }
  const items: BatchItem[] = [];
  const seen: Seen = { ids: new Set(), groups: new Set(), current: undefined };
  requests.forEach((raw, i) => {
    const { request, group } = readRequest(raw, `requests[${i}]`);
    checkReferences(request, group, seen);
    seen.ids.add(request.id!);
    const last = items.at(-1);
    if (group !== undefined && group === seen.current && last?.kind === 'changeSet') {
      last.requests.push(request);
      return;
    }
    seen.current = group;
    if (group === undefined) items.push({ kind: 'request', request });
    else {
      seen.groups.add(group);
      items.push({ kind: 'changeSet', group, requests: [request] });
    }
  });
  return items;
}

interface Seen {
  ids: Set<string>;
  groups: Set<string>;
  /** The group of the previous request; a group is open only while its requests follow each other. */
  current: string | undefined;
}

function readRequest(raw: unknown, where: string): { request: BatchRequest; group: string | undefined } {
  if (!isObject(raw)) throw batchSyntaxError(`${where} must be an object`, { field: where });
  const str = (name: string, required: boolean) => {
    const v = raw[name];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') {
      throw batchSyntaxError(`${where}.${name} must be a non-empty string`, { field: `${where}.${name}` });
    }
    return v;
  };
  const id = str('id', true)!;
  const method = str('method', true)!.toUpperCase();
  const url = str('url', true)!;
  const group = str('atomicityGroup', false);
  return {
    request: {
      id,
      method,
      url,
      headers: readHeaders(raw.headers, `${where}.headers`),
      ...(raw.body === undefined ? {} : { body: raw.body }),
      dependsOn: readDependsOn(raw.dependsOn, `${where}.dependsOn`),
      where,
    },
    group,
  };
}

function readHeaders(raw: unknown, where: string): Record<string, string> {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw batchSyntaxError(`${where} must be an object of strings`, { field: where });
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      throw batchSyntaxError(`${where}.${name} must be a string`, { field: `${where}.${name}` });
    }
    out[name.toLowerCase()] = value;
  }
  return out;
}

function readDependsOn(raw: unknown, where: string): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.some((d) => typeof d !== 'string')) {
    throw batchSyntaxError(`${where} must be an array of request ids or atomicity groups`, { field: where });
  }
  return raw as string[];
}

/** Unique ids, adjacent groups, and `dependsOn` pointing backwards only. */
function checkReferences(request: BatchRequest, group: string | undefined, { ids, groups, current }: Seen) {
  const where = request.where;
  if (ids.has(request.id!)) {
    throw batchSyntaxError(`${where}.id ${request.id} is used twice`, { field: `${where}.id` });
  }
  if (group !== undefined && group !== current && (groups.has(group) || ids.has(group))) {
    const why = ids.has(group) ? 'is also a request id' : 'must be adjacent';
    throw batchSyntaxError(`${where}.atomicityGroup ${group}: the requests of a group ${why}`, {
      field: `${where}.atomicityGroup`,
    });
  }
  if (groups.has(request.id!)) {
    throw batchSyntaxError(`${where}.id ${request.id} is also an atomicity group`, { field: `${where}.id` });
  }
  for (const dep of request.dependsOn ?? []) {
    if (dep === group || (!ids.has(dep) && !groups.has(dep))) {
      const why = dep === group ? 'is its own group' : 'names no earlier request or group';
      throw batchSyntaxError(`${where}.dependsOn ${dep} ${why}`, { field: `${where}.dependsOn` });
    }
  }
}

/** `{"responses": [{id, status, headers, body}]}`; a failed group answers once, with the failing request's id. */
export function formatJsonBatch(outcomes: BatchOutcome[]): { responses: Record<string, unknown>[] } {
  const responses = outcomes.flatMap((o) =>
    o.kind === 'response'
      ? [jsonResponse(o.response, o.group)]
      : o.responses.map((r) => jsonResponse(r, o.group)),
  );
  return { responses };
}

function jsonResponse(res: BatchResponse, group: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { id: res.id, status: res.status };
  if (group !== undefined) out.atomicityGroup = group;
  if (Object.keys(res.headers).length > 0) out.headers = res.headers;
  if (res.body !== undefined) out.body = res.body;
  else if (res.text !== undefined) out.body = res.text;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
