import { BadRequestError } from '../../../core/errors/bad-request.ts';
import { NotFoundError } from '../../../core/errors/not-found.ts';
import { printable } from './batch-request.ts';

/**
 * What a batch request's URL addresses, relative to the service root of the batch (OData 4.0 Part 1
 * §11.7.2: an absolute URL, an absolute path, or a path relative to the batch request URL). `root` is the
 * path of that root, e.g. `/sta/v1.1` or `/t/acme/sta/v1.1`. The spec's own example writes `/v1.1/Things(1)`,
 * so a path starting at the version is accepted too. Any other root (another tenant, another version) is
 * refused: the batch runs as its own tenant and version, never as the one a URL names.
 */
export function toServicePath(url: string, root: string): string {
  let path = url;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)) {
    try {
      const u = new URL(url);
      path = u.pathname + u.search;
    } catch {
      throw new BadRequestError(`${printable(url)} is not a valid URL`, { url: printable(url) });
    }
  }
  if (!path.startsWith('/')) return path;
  const version = root.slice(root.lastIndexOf('/'));
  for (const prefix of [root, version]) {
    if (path.startsWith(`${prefix}/`)) return path.slice(prefix.length + 1);
  }
  throw new NotFoundError(
    `${printable(path)} is not under the service root ${root} of this batch; use a relative URL, e.g. Things(1)`,
  );
}

/** An entity created earlier in the change set, by its Content-ID / request id. */
export interface CreatedRef {
  /** `Things(5)` */
  path: string;
  id: number;
}

const NOT_CREATED = 'does not name an entity created earlier in this change set';

/**
 * `$<Content-ID>` as the first segment of a URL (OData 4.0 Part 1 §11.7.3.1, 18-088 §11): `$1/Datastreams`
 * → `Things(5)/Datastreams`.
 */
export function resolveUrlReference(path: string, refs: ReadonlyMap<string, CreatedRef>): string {
  if (!path.startsWith('$')) return path;
  const end = path.search(/[/?]/);
  const name = end < 0 ? path.slice(1) : path.slice(1, end);
  const created = refs.get(name);
  if (!created) throw new NotFoundError(`$${printable(name)} ${NOT_CREATED}`);
  return created.path + (end < 0 ? '' : path.slice(end));
}

/** Below this depth bodies are not searched for references (and a deep body cannot exhaust the stack). */
const MAX_DEPTH = 32;

/**
 * `{"@iot.id": "$<Content-ID>"}` anywhere in a body becomes the created entity's id, as FROST-Server does
 * (`"Sensor": {"@iot.id": "$sensor1"}`). Returns a copy; other values stay as they are.
 */
export function resolveBodyReferences(
  body: unknown,
  refs: ReadonlyMap<string, CreatedRef>,
  path = '',
  depth = 0,
): unknown {
  if (depth > MAX_DEPTH || typeof body !== 'object' || body === null) return body;
  if (Array.isArray(body))
    return body.map((v, i) => resolveBodyReferences(v, refs, `${path}[${i}]`, depth + 1));
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => {
      const field = path ? `${path}.${key}` : key;
      if (key === '@iot.id' && typeof value === 'string' && value.startsWith('$')) {
        const created = refs.get(value.slice(1));
        if (!created) throw new BadRequestError(`"@iot.id": "${printable(value)}" ${NOT_CREATED}`, { field });
        return [key, created.id];
      }
      return [key, resolveBodyReferences(value, refs, field, depth + 1)];
    }),
  );
}

/** What a successful POST created, from its formatted body: `Things(5)` and 5. */
export function createdRef(body: unknown): CreatedRef | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { '@iot.id': id, '@iot.selfLink': link } = body as Record<string, unknown>;
  if (typeof id !== 'number' || typeof link !== 'string') return undefined;
  const m = /([A-Za-z]+\(\d+\))$/.exec(link);
  return m ? { path: m[1]!, id } : undefined;
}
