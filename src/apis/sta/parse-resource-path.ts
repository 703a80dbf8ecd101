import { BadRequestError } from '../../core/errors/bad-request.ts';
import { NotFoundError } from '../../core/errors/not-found.ts';
import type { PathSegment } from '../../core/query/compile-scope.ts';
import type { ModelRegistry } from '../../model/registry.ts';
import type { PropertyDef } from '../../model/types.ts';

/**
 * A SensorThings resource path (18-088 §9.2): `Things`, `Things(1)`, `Things(1)/Datastreams`,
 * `Datastreams(1)/Thing`, `Things(1)/name`, `Things(1)/name/$value`, `Things(1)/Datastreams/$ref`,
 * `Things(1)/Locations(2)/$ref`.
 */
export interface ResourcePath {
  segments: PathSegment[];
  /** True when the last segment addresses one entity (by id or through a to-one relation). */
  single: boolean;
  /** A property of the addressed entity (`…/name`), optionally with `/$value`. */
  property?: PropertyDef;
  value?: boolean;
  /** `…/$ref`: links instead of entities. */
  ref?: boolean;
}

const SEGMENT = /^([A-Za-z]+)(?:\((\d{1,18})\))?$/;

export function parseResourcePath(registry: ModelRegistry, path: string): ResourcePath {
  const parts = path.split('/').filter((p, i, a) => p !== '' || i < a.length - 1);
  if (parts.length === 0 || parts.some((p) => p === '')) throw notFound(path);
  const segments: PathSegment[] = [];
  let single = false;
  for (let i = 0; i < parts.length; i++) {
    const part = decodeURIComponent(parts[i]!);
    if (part === '$ref') {
      if (i !== parts.length - 1 || segments.length === 0) throw notFound(path);
      return { segments, single, ref: true };
    }
    const m = SEGMENT.exec(part);
    if (!m) throw badSegment(path, part);
    const [, name, id] = m as unknown as [string, string, string | undefined];
    const prev = segments.at(-1);
    if (!prev) {
      const entity = registry.bySetName(name);
      if (!entity) throw notFound(path);
      segments.push(id === undefined ? { entity } : { entity, id: Number(id) });
      single = id !== undefined;
      continue;
    }
    if (!single) throw notFound(path);
    const rel = registry.relation(prev.entity, name);
    if (rel) {
      if (!rel.many && id !== undefined) throw notFound(path);
      segments.push({
        entity: registry.entity(rel.target),
        via: rel,
        ...(id === undefined ? {} : { id: Number(id) }),
      });
      single = !rel.many || id !== undefined;
      continue;
    }
    const prop = registry.property(prev.entity, name);
    if (!prop || id !== undefined) throw notFound(path);
    const rest = parts.slice(i + 1);
    if (rest.length === 0) return { segments, single, property: prop };
    if (rest.length === 1 && rest[0] === '$value') return { segments, single, property: prop, value: true };
    throw notFound(path);
  }
  return { segments, single };
}

function notFound(path: string) {
  return new NotFoundError(`No resource at ${path}`);
}

function badSegment(path: string, part: string) {
  if (/^[A-Za-z]+\(.*\)$/.test(part)) {
    return new BadRequestError(`Invalid id in ${part}: ids are integers`, { path });
  }
  return notFound(path);
}
