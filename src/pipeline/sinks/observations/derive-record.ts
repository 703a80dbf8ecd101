/**
 * What a mapped record means to the observations sink: its Thing (key, name, location), the times, the
 * FeatureOfInterest and one Observation per datastream rule whose result field has a value. Pure: used by
 * `check` (the reasons), by dry runs (`describe`) and by `write`, so a record that passes `check` is
 * written exactly as it was checked. The values are checked with the codec the core writes with.
 */
import { encodeProperty, geometryOf } from '../../../core/entities/codec.ts';
import { isDomainError } from '../../../core/errors/domain-error.ts';
import { staRegistry } from '../../../model/sta/index.ts';
import { getPath } from '../../field-path.ts';
import type { RejectReason } from '../../run-records.ts';
import type { DatastreamRule, ObservationsSinkConfig, SensorConfig } from './observations-config.ts';
import { compileTemplate, type Template } from './template.ts';

const OM = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/';
const observation = staRegistry.entity('Observation');
const phenomenonTimeProp = staRegistry.property(observation, 'phenomenonTime')!;
const resultTimeProp = staRegistry.property(observation, 'resultTime')!;
const MAX_KEY = 500;
/** The placeholder of the Thing's name in Datastream and FeatureOfInterest templates. */
export const THING = '@thing';

export interface CompiledRule extends DatastreamRule {
  index: number;
  nameTemplate: Template;
  descriptionTemplate: Template;
  sensorConfig: SensorConfig;
}

/** A config with its templates compiled (once per `prepare`). */
export interface CompiledConfig {
  config: ObservationsSinkConfig;
  thingName: Template;
  thingDescription: Template;
  thingProperties: Array<[string, Template]>;
  foiName?: Template;
  foiDescription?: Template;
  rules: CompiledRule[];
}

export function compileConfig(config: ObservationsSinkConfig, dataSetIdentifier: string): CompiledConfig {
  const t = config.thing;
  const sensor: SensorConfig = config.sensor ?? {
    name: `${dataSetIdentifier} sensor`,
    description: `Sensor of the data set ${dataSetIdentifier} (not described further)`,
    encodingType: 'text/html',
    metadata: '',
  };
  return {
    config,
    thingName: compileTemplate(t.name ?? `{${t.key}}`),
    thingDescription: compileTemplate(t.description ?? `Thing of the data set ${dataSetIdentifier}`),
    thingProperties: Object.entries(t.properties ?? {}).map(([k, v]) => [k, compileTemplate(v)]),
    foiName:
      config.featureOfInterest?.name === undefined
        ? undefined
        : compileTemplate(config.featureOfInterest.name),
    foiDescription:
      config.featureOfInterest?.description === undefined
        ? undefined
        : compileTemplate(config.featureOfInterest.description),
    rules: config.datastreams.map((r, index) => ({
      ...r,
      index,
      nameTemplate: compileTemplate(r.name ?? `{${THING}} ${r.observedProperty.name}`),
      descriptionTemplate: compileTemplate(r.description ?? `${r.observedProperty.name} of {${THING}}`),
      sensorConfig: r.sensor ?? sensor,
    })),
  };
}

export interface DerivedObservation {
  rule: CompiledRule;
  result: unknown;
}

export interface DerivedRecord {
  key: string;
  thingName: string;
  thingDescription: string;
  thingProperties: Record<string, string>;
  /** The record's location (GeoJSON), when the Thing has a location field and the record a value. */
  location?: Record<string, unknown>;
  phenomenonTime: string;
  resultTime?: string;
  /** The Observations' own FeatureOfInterest; undefined = generated from the Thing's Location. */
  foi?: { name: string; description: string; feature: Record<string, unknown> };
  observations: DerivedObservation[];
}

const present = (v: unknown) => v !== undefined && v !== null;

/** Why a result does not fit the datastream's observation type (OGC 18-088 Table 13), or undefined. */
function resultProblem(type: string, v: unknown): string | undefined {
  switch (type) {
    case `${OM}OM_Measurement`:
      return typeof v === 'number' && Number.isFinite(v) ? undefined : 'must be a number (OM_Measurement)';
    case `${OM}OM_CountObservation`:
      return Number.isInteger(v) ? undefined : 'must be an integer (OM_CountObservation)';
    case `${OM}OM_TruthObservation`:
      return typeof v === 'boolean' ? undefined : 'must be true or false (OM_TruthObservation)';
    case `${OM}OM_CategoryObservation`:
      return typeof v === 'string' ? undefined : 'must be a string (OM_CategoryObservation)';
    default:
      return undefined;
  }
}

/** Runs a codec check; its BadRequestError becomes a reason naming the record field and the sink rule. */
function codecReason(fn: () => void, field: string, rule: string): RejectReason | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!isDomainError(err)) throw err;
    return { field, rule, message: err.message };
  }
}

function deriveKey(c: CompiledConfig, value: Record<string, unknown>, reasons: RejectReason[]): string {
  const path = c.config.thing.key;
  const v = getPath(value, path);
  const key =
    typeof v === 'string' ? v.trim() : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
  if (key === '' || key.length > MAX_KEY) {
    reasons.push({
      field: path,
      rule: 'thing.key',
      message: !present(v)
        ? `${path} is missing: it identifies the Thing`
        : `${path} must be a non-empty string or number of at most ${MAX_KEY} characters`,
    });
  }
  return key;
}

function deriveGeometry(
  value: Record<string, unknown>,
  path: string | undefined,
  rule: string,
  reasons: RejectReason[],
): Record<string, unknown> | undefined {
  const v = path === undefined ? undefined : getPath(value, path);
  if (!present(v)) return undefined;
  const problem = codecReason(() => geometryOf(v, path!), path!, rule);
  if (problem) reasons.push(problem);
  return problem ? undefined : (v as Record<string, unknown>);
}

function deriveTimes(c: CompiledConfig, value: Record<string, unknown>, reasons: RejectReason[]) {
  const pt = getPath(value, c.config.phenomenonTime);
  if (!present(pt)) {
    reasons.push({
      field: c.config.phenomenonTime,
      rule: 'phenomenonTime',
      message: `${c.config.phenomenonTime} is missing`,
    });
  } else {
    const r = codecReason(
      () => encodeProperty(phenomenonTimeProp, pt, c.config.phenomenonTime),
      c.config.phenomenonTime,
      'phenomenonTime',
    );
    if (r) reasons.push(r);
  }
  const rtPath = c.config.resultTime;
  const rt = rtPath === undefined ? undefined : getPath(value, rtPath);
  if (present(rt)) {
    const r = codecReason(() => encodeProperty(resultTimeProp, rt, rtPath!), rtPath!, 'resultTime');
    if (r) reasons.push(r);
  }
  return { phenomenonTime: pt as string, resultTime: present(rt) ? (rt as string) : undefined };
}

function deriveObservations(c: CompiledConfig, value: Record<string, unknown>, reasons: RejectReason[]) {
  const out: DerivedObservation[] = [];
  for (const rule of c.rules) {
    const result = getPath(value, rule.result);
    // An empty cell of a CSV source is no result either.
    if (!present(result) || result === '') continue;
    const problem = resultProblem(rule.observationType, result);
    if (problem)
      reasons.push({
        field: rule.result,
        rule: `datastreams[${rule.index}].result`,
        message: `${rule.result} ${problem}`,
      });
    else out.push({ rule, result });
  }
  if (out.length === 0 && reasons.length === 0) {
    reasons.push({
      rule: 'datastreams',
      message: `no Observation: none of ${c.rules.map((r) => r.result).join(', ')} has a value`,
    });
  }
  return out;
}

/** The record's entities and Observations, or the reasons it cannot be written. */
export function deriveRecord(
  c: CompiledConfig,
  value: Record<string, unknown>,
): { ok: true; derived: DerivedRecord } | { ok: false; reasons: RejectReason[] } {
  const reasons: RejectReason[] = [];
  const key = deriveKey(c, value, reasons);
  const location = deriveGeometry(value, c.config.thing.location, 'thing.location', reasons);
  const foiConfig = c.config.featureOfInterest;
  const feature = deriveGeometry(value, foiConfig?.geometry, 'featureOfInterest.geometry', reasons);
  if (!feature && !location && reasons.length === 0) {
    const path = foiConfig?.geometry ?? c.config.thing.location!;
    const also = foiConfig && c.config.thing.location ? ` (or ${c.config.thing.location})` : '';
    reasons.push({
      field: path,
      rule: foiConfig ? 'featureOfInterest.geometry' : 'thing.location',
      message: `${path}${also} is missing: the Observations need a FeatureOfInterest`,
    });
  }
  const times = deriveTimes(c, value, reasons);
  const observations = deriveObservations(c, value, reasons);
  if (reasons.length > 0) return { ok: false, reasons };
  const thingName = c.thingName.render(value) || key;
  const withThing = { ...value, [THING]: thingName };
  return {
    ok: true,
    derived: {
      key,
      thingName,
      thingDescription: c.thingDescription.render(value),
      thingProperties: Object.fromEntries(c.thingProperties.map(([k, t]) => [k, t.render(value)])),
      location,
      ...times,
      foi: feature && {
        name: c.foiName?.render(withThing) || thingName,
        description: c.foiDescription?.render(withThing) ?? `FeatureOfInterest of ${thingName}`,
        feature,
      },
      observations,
    },
  };
}

/** Name and description of a rule's Datastream for a record (`{@thing}` is the Thing's name). */
export function datastreamTexts(rule: CompiledRule, value: Record<string, unknown>, thingName: string) {
  const withThing = { ...value, [THING]: thingName };
  return {
    name: rule.nameTemplate.render(withThing) || `${thingName} ${rule.observedProperty.name}`,
    description: rule.descriptionTemplate.render(withThing),
  };
}
