/**
 * The `observations` sink kind: mapped records become SensorThings Observations of Things and Datastreams
 * derived from their fields (docs/sinks-observations.md). Entities are found or created once and remembered
 * (identity-cache.ts); every batch's Observations go to the core in one `createObservations` call, which
 * handles partitions, generated FeaturesOfInterest, Datastream extents and MQTT events. Readings a
 * Datastream already has (same phenomenonTime) are skipped first (skip-duplicates.ts): the sink is
 * idempotent, so a batch delivered again adds nothing.
 */
import type { WriteContext } from '../../../core/entities/context.ts';
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import { createObservations, type ObservationRow } from '../../../core/sensing/create-observations.ts';
import type { PreparedSink, SinkKind, SinkRecord, SinkTarget } from '../sink-kind.ts';
import { compileConfig, type DerivedRecord, datastreamTexts, deriveRecord } from './derive-record.ts';
import {
  type ObservationsSinkConfig,
  observationsConfigSchema,
  validateObservationsConfig,
} from './observations-config.ts';
import {
  type DatastreamNeed,
  datastreamKey,
  resolveDatastreams,
  resolveFois,
} from './resolve-datastreams.ts';
import { resolveThings } from './resolve-things.ts';
import { clearSinkState, createSinkState, type SinkState } from './sink-state.ts';
import { withoutStoredReadings } from './skip-duplicates.ts';

export const observationsSink: SinkKind<ObservationsSinkConfig> = {
  kind: 'observations',
  title: 'SensorThings Observations (Things, Datastreams and Observations derived from record fields)',
  configSchema: observationsConfigSchema,
  validateConfig: validateObservationsConfig,
  // Nothing to create: the SensorThings tables and the sink's index come with the migrations. The config is
  // checked again so a release fails on a config that no longer fits the structure.
  async provision(_tx, target, config) {
    validateObservationsConfig(config, target.targetSchema, `sinks[${target.sinkIndex}]`);
  },
  // Sensor data outlives its pipeline: deleting or unreleasing a dataset keeps its Things, Datastreams and
  // Observations (they may have been linked, extended or published meanwhile); delete them through STA.
  async drop() {},
  prepare(target, config) {
    return prepareObservationsSink(target, config);
  },
};

interface Item {
  record: SinkRecord;
  derived: DerivedRecord;
}

function deriveAll(s: SinkState, records: readonly SinkRecord[]): Item[] {
  return records.map((record) => {
    const d = deriveRecord(s.compiled, record.value);
    if (d.ok) return { record, derived: d.derived };
    // check() rejects these before write; getting here means the runtime skipped it.
    const f = `records[${record.index}]`;
    throw new BadRequestError(`${f}: ${d.reasons.map((r) => r.message).join('; ')}`, { field: f });
  });
}

async function writeBatch(w: WriteContext, s: SinkState, records: readonly SinkRecord[]): Promise<void> {
  const items = deriveAll(s, records);
  const derived = items.map((i) => i.derived);
  const things = await resolveThings(w, s, derived);
  const needs: DatastreamNeed[] = items.flatMap(({ record, derived: d }) =>
    d.observations.map((o) => ({
      thingId: things.get(d.key)!.id,
      rule: o.rule,
      ...datastreamTexts(o.rule, record.value, d.thingName),
    })),
  );
  const streams = await resolveDatastreams(w, s, needs);
  const field = (i: number) => `records[${items[i]!.record.index}]`;
  const fois = await resolveFois(w, s, derived, field);
  const rows = items.flatMap(({ derived: d }, i) =>
    d.observations.map((o) => ({
      datastreamId: streams.get(datastreamKey(things.get(d.key)!.id, o.rule))!,
      foiId: fois[i],
      phenomenonTime: d.phenomenonTime,
      resultTime: d.resultTime,
      result: o.result,
      field: field(i),
    })),
  );
  // At least once: a reading the Datastream already has (or an earlier record of the batch) is not stored again.
  const fresh: ObservationRow[] = await withoutStoredReadings(w, rows);
  await createObservations(w, fresh);
}

export function prepareObservationsSink(target: SinkTarget, config: ObservationsSinkConfig): PreparedSink {
  const s = createSinkState(target, compileConfig(config, target.dataSetIdentifier));
  return {
    check(value) {
      const d = deriveRecord(s.compiled, value);
      return d.ok ? [] : d.reasons;
    },
    async write(w, records) {
      if (records.length === 0) return;
      try {
        await writeBatch(w, s, records);
      } catch (err) {
        // The transaction (or savepoint) is rolled back: forget everything, the retry reads it all again.
        clearSinkState(s);
        throw err;
      }
    },
    describe(value) {
      const d = deriveRecord(s.compiled, value);
      if (!d.ok) return { rejected: d.reasons };
      const r = d.derived;
      return {
        thing: { key: r.key, name: r.thingName, ...(r.location ? { location: r.location } : {}) },
        phenomenonTime: r.phenomenonTime,
        ...(r.resultTime ? { resultTime: r.resultTime } : {}),
        featureOfInterest: r.foi
          ? { name: r.foi.name, feature: r.foi.feature }
          : "generated from the Thing's Location",
        datastreams: r.observations.map((o) => ({
          key: o.rule.key,
          name: datastreamTexts(o.rule, value, r.thingName).name,
          result: o.result,
        })),
      };
    },
  };
}
