import { isDomainError } from '../../../core/errors/domain-error.ts';
import { NotFoundError } from '../../../core/errors/not-found.ts';
import type { ObservationBatcher } from '../../../core/sensing/observation-batcher.ts';
import { observationRowOf } from '../../../core/sensing/observation-batcher.ts';
import { formatEntity } from '../format-entity.ts';
import { parseResourcePath } from '../parse-resource-path.ts';
import { type StaCall, type StaRequest, type StaResponse, splitUrl } from './sta-response.ts';

/**
 * POST of a plain Observation (`Observations`, `Datastreams(1)/Observations`, …) goes through the group-
 * commit batcher; anything else (deep insert, unknown members) returns null and takes the general path,
 * which gives the same result and the precise 400s.
 */
export async function postObservationFast(
  call: StaCall,
  batcher: ObservationBatcher,
  req: StaRequest,
): Promise<StaResponse | null> {
  const rawPath = splitUrl(req.url).path;
  if (req.method !== 'POST' || !/(^|\/)Observations$/.test(rawPath)) return null;
  const path = parseResourcePath(call.deps.registry, rawPath);
  const last = path.segments.at(-1)!;
  if (
    path.single ||
    path.ref ||
    path.property ||
    last.entity.name !== 'Observation' ||
    path.segments.length > 2
  ) {
    return null;
  }
  const first = path.segments[0]!;
  if (path.segments.length === 2 && first.id === undefined) return null;
  const parent =
    path.segments.length === 2
      ? { relation: call.deps.registry.inverseOf(first.entity, last.via!).name, id: first.id! }
      : undefined;
  const row = observationRowOf(req.body, parent);
  if (!row) return null;
  // One Observation: errors name its members as a POST of one entity does (`phenomenonTime`, not `[0]…`).
  row.field = '';
  const record = await batcher.submit(call.ctx, row).catch((err: unknown) => {
    // The parent named by the URL (Datastreams(1)/Observations) does not exist: 404 as on the general path.
    if (parent && isDomainError(err) && err.status === 400 && err.extensions.field === parent.relation) {
      throw new NotFoundError(`${first.entity.name} ${first.id} does not exist`, {
        entity: first.entity.name,
        id: first.id,
      });
    }
    throw err;
  });
  const out = formatEntity(call.fmt, record);
  return { status: 201, body: out, headers: { location: out['@iot.selfLink'] as string } };
}
