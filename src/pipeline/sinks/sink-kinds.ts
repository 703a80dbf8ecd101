import { BadRequestError } from '../../core/errors/bad-request.ts';
import { featuresSink } from './features/index.ts';
import { observationsSink } from './observations/index.ts';
import type { SinkKind } from './sink-kind.ts';

/** Every sink kind, by its `kind`: the one list DataSets, releases and the runtime use. */
export const sinkKinds = {
  observations: observationsSink,
  features: featuresSink,
} as const;

export type SinkKindName = keyof typeof sinkKinds;

export const sinkKindNames = Object.keys(sinkKinds) as SinkKindName[];

/** The sink kind named `kind`, typed loosely (each kind's config type differs); 400 naming `field` if unknown. */
export function sinkKindOf(kind: unknown, field: string): SinkKind<unknown> {
  if (typeof kind !== 'string' || !Object.hasOwn(sinkKinds, kind)) {
    throw new BadRequestError(`${field} must be one of ${sinkKindNames.join(', ')}`, { field });
  }
  return sinkKinds[kind as SinkKindName] as unknown as SinkKind<unknown>;
}
