/** The state of one prepared observations sink: its compiled config and the ids it remembers. */
import type { SinkTarget } from '../sink-kind.ts';
import type { CompiledConfig } from './derive-record.ts';
import { IdentityCache } from './identity-cache.ts';

export interface ThingEntry {
  id: number;
  /** Canonical JSON of the Thing's current Location (null: none). */
  location: string | null;
}

export interface SinkState {
  target: SinkTarget;
  compiled: CompiledConfig;
  /** By thing key. */
  things: IdentityCache<ThingEntry>;
  /** By `thingId:ruleKey`. */
  datastreams: IdentityCache<number>;
  /** By name. */
  sensors: IdentityCache<number>;
  /** By definition. */
  observedProperties: IdentityCache<number>;
  /** By canonical geometry, name and description. */
  fois: IdentityCache<number>;
}

export function createSinkState(target: SinkTarget, compiled: CompiledConfig): SinkState {
  const id = (n: number) => n;
  return {
    target,
    compiled,
    things: new IdentityCache<ThingEntry>('Thing', (t) => t.id),
    datastreams: new IdentityCache('Datastream', id),
    sensors: new IdentityCache('Sensor', id, 10_000),
    observedProperties: new IdentityCache('ObservedProperty', id, 10_000),
    fois: new IdentityCache('FeatureOfInterest', id, 50_000),
  };
}

export function clearSinkState(s: SinkState): void {
  for (const c of [s.things, s.datastreams, s.sensors, s.observedProperties, s.fois]) c.clear();
}

/** JSON with object keys sorted, so a geometry read back from jsonb compares equal to the record's. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Property names with which the sink marks the Things and Datastreams it owns. */
export const DATA_SET_PROPERTY = 'urbsDataSet';
export const KEY_PROPERTY = 'urbsKey';
