import type { ObservationBatcher } from '../../../core/sensing/observation-batcher.ts';
import { submitObservation } from '../../../core/sensing/submit-observation.ts';
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
      ? {
          entity: first.entity,
          relation: call.deps.registry.inverseOf(first.entity, last.via!),
          id: first.id!,
        }
      : undefined;
  const record = await submitObservation(batcher, call.ctx, req.body, parent);
  if (!record) return null;
  const out = formatEntity(call.fmt, record);
  return { status: 201, body: out, headers: { location: out['@iot.selfLink'] as string } };
}
