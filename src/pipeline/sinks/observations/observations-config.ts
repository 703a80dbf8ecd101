/**
 * The config of an observations sink: rules that derive SensorThings entities from the fields of a mapped
 * record (docs/sinks-observations.md). `validateConfig` checks the shape (JSON Schema below), then that every
 * field it names exists in the target structure, and fills in the defaults.
 */
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import { OBSERVATION_TYPES } from '../../../model/sta/datastream.ts';
import { createSchemaIndex, type JsonType, type SchemaIndex } from '../../schema-fields.ts';
import { createValidatorCache, type JsonSchema } from '../../validate-record.ts';
import { DATA_SET_PROPERTY, KEY_PROPERTY } from './sink-state.ts';
import { compileTemplate } from './template.ts';

export type ObservationType = (typeof OBSERVATION_TYPES)[number];
const OM = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/';

export interface SensorConfig {
  name: string;
  description: string;
  encodingType: string;
  metadata: unknown;
}

export interface DatastreamRule {
  /** Identifies the Datastream among the Thing's; default: the `result` path. */
  key: string;
  /** Field path of the Observation's result. */
  result: string;
  /** Templates; defaults `{thing name} {observedProperty.name}` and ''. */
  name?: string;
  description?: string;
  unitOfMeasurement: Record<string, unknown>;
  observedProperty: { name: string; definition: string; description: string };
  observationType: ObservationType;
  sensor?: SensorConfig;
}

export interface ObservationsSinkConfig {
  thing: {
    /** Field path of the value identifying the Thing within the dataset. */
    key: string;
    /** Templates; defaults `{<key>}` and ''. */
    name?: string;
    description?: string;
    /** Field path of a GeoJSON geometry: the Thing's Location. */
    location?: string;
    /** Template values of the Thing's `properties`. */
    properties?: Record<string, string>;
  };
  phenomenonTime: string;
  resultTime?: string;
  /** Each Observation's own FeatureOfInterest; absent = generated from the Thing's Location. */
  featureOfInterest?: { geometry: string; name?: string; description?: string };
  sensor?: SensorConfig;
  datastreams: DatastreamRule[];
}

const text = { type: 'string', minLength: 1, maxLength: 1000 };
const template = { type: 'string', maxLength: 2000 };
const path = { type: 'string', minLength: 1, maxLength: 500, description: 'dotted field path' };
const sensor = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: text,
    description: template,
    encodingType: text,
    metadata: { not: { type: 'null' }, description: 'e.g. a URL of the data sheet (default empty)' },
  },
};

export const observationsConfigSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['thing', 'phenomenonTime', 'datastreams'],
  properties: {
    thing: {
      type: 'object',
      additionalProperties: false,
      required: ['key'],
      properties: {
        key: path,
        name: template,
        description: template,
        location: path,
        properties: { type: 'object', additionalProperties: template },
      },
    },
    phenomenonTime: path,
    resultTime: path,
    featureOfInterest: {
      type: 'object',
      additionalProperties: false,
      required: ['geometry'],
      properties: { geometry: path, name: template, description: template },
    },
    sensor,
    datastreams: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['result', 'observedProperty'],
        properties: {
          key: text,
          result: path,
          name: template,
          description: template,
          unitOfMeasurement: { type: 'object' },
          observedProperty: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'definition'],
            properties: { name: text, definition: text, description: template },
          },
          observationType: { enum: [...OBSERVATION_TYPES] },
          sensor,
        },
      },
    },
  },
};

const validateShape = createValidatorCache().get(observationsConfigSchema);

/** `/datastreams/0/result` → `datastreams[0].result`. */
function memberOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}

function fail(field: string, member: string, message: string): never {
  const f = member ? (field ? `${field}.${member}` : member) : field;
  throw new BadRequestError(`${f} ${message}`, { field: f });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Schemas embedded in the target's `$defs` with their own `$id` (imported Smart Data Models). */
function embeddedSchemas(schema: Record<string, unknown>): Record<string, unknown>[] {
  const defs = schema.$defs;
  if (typeof defs !== 'object' || defs === null) return [];
  return Object.values(defs).filter(
    (d): d is Record<string, unknown> =>
      typeof d === 'object' && d !== null && typeof (d as { $id?: unknown }).$id === 'string',
  );
}

interface Checker {
  index: SchemaIndex;
  field: string;
}

function checkPath(c: Checker, member: string, p: string, allowed?: readonly JsonType[]): void {
  const info = c.index.field(p);
  if (!info) fail(c.field, member, `names '${p}', which is not a field of the dataset's structure`);
  if (allowed && info.types !== 'any' && ![...info.types].some((t) => allowed.includes(t))) {
    fail(c.field, member, `names '${p}', which holds ${[...info.types].join(' or ')}`);
  }
}

/** `{@thing}` (the Thing's name) may be used in Datastream and FeatureOfInterest templates. */
function checkTemplate(c: Checker, member: string, source: string | undefined, thing = false): void {
  if (source === undefined) return;
  let fields: string[];
  try {
    fields = compileTemplate(source).fields;
  } catch (err) {
    fail(c.field, member, `is not a valid template: ${(err as Error).message}`);
  }
  for (const f of fields) if (!(thing && f === '@thing')) checkPath(c, member, f);
}

/** The observation type a result field suggests: numbers are measurements, booleans truths, strings categories. */
function defaultObservationType(index: SchemaIndex, result: string): ObservationType {
  const types = index.field(result)?.types;
  if (!types || types === 'any') return `${OM}OM_Observation` as ObservationType;
  const only = (...t: JsonType[]) => [...types].every((x) => t.includes(x) || x === 'null');
  if (only('integer')) return `${OM}OM_CountObservation` as ObservationType;
  if (only('number', 'integer')) return `${OM}OM_Measurement` as ObservationType;
  if (only('boolean')) return `${OM}OM_TruthObservation` as ObservationType;
  if (only('string')) return `${OM}OM_CategoryObservation` as ObservationType;
  return `${OM}OM_Observation` as ObservationType;
}

const NO_UNIT = { name: null, symbol: null, definition: null };

function checkDatastreams(c: Checker, rules: DatastreamRule[]): DatastreamRule[] {
  const keys = new Map<string, number>();
  return rules.map((raw, i) => {
    const m = `datastreams[${i}]`;
    const rule = { ...raw, key: raw.key ?? raw.result };
    checkPath(c, `${m}.result`, rule.result);
    checkTemplate(c, `${m}.name`, rule.name, true);
    checkTemplate(c, `${m}.description`, rule.description, true);
    const earlier = keys.get(rule.key);
    if (earlier !== undefined) {
      fail(
        c.field,
        `${m}.key`,
        `'${rule.key}' is already the key of datastreams[${earlier}] (set a distinct key)`,
      );
    }
    keys.set(rule.key, i);
    rule.observationType ??= defaultObservationType(c.index, rule.result);
    if (rule.observationType === `${OM}OM_Measurement` && raw.unitOfMeasurement === undefined) {
      fail(c.field, `${m}.unitOfMeasurement`, 'is required for an OM_Measurement datastream');
    }
    rule.unitOfMeasurement ??= NO_UNIT;
    rule.observedProperty = {
      ...rule.observedProperty,
      description: rule.observedProperty.description ?? '',
    };
    if (rule.sensor) rule.sensor = sensorDefaults(rule.sensor);
    return rule;
  });
}

function sensorDefaults(s: Partial<SensorConfig>): SensorConfig {
  return { description: '', encodingType: 'text/html', metadata: '', ...s } as SensorConfig;
}

/** Checks a config against the target structure; returns it with defaults filled in. */
export function validateObservationsConfig(
  config: unknown,
  targetSchema: Exclude<JsonSchema, boolean>,
  field: string,
): ObservationsSinkConfig {
  // The DataSet's sink declaration carries its `kind` beside the config: accepted and dropped here.
  const { kind: _kind, ...rest } = isObject(config) ? config : { kind: undefined };
  const body = isObject(config) ? rest : config;
  const errors = validateShape(body);
  if (errors.length > 0) fail(field, memberOf(errors[0]!.path), errors[0]!.message);
  const cfg = structuredClone(body) as ObservationsSinkConfig;
  const c: Checker = {
    index: createSchemaIndex(targetSchema, { schemas: embeddedSchemas(targetSchema) }),
    field,
  };
  checkPath(c, 'thing.key', cfg.thing.key, ['string', 'number', 'integer']);
  checkTemplate(c, 'thing.name', cfg.thing.name);
  checkTemplate(c, 'thing.description', cfg.thing.description);
  for (const [name, t] of Object.entries(cfg.thing.properties ?? {})) {
    if (name === DATA_SET_PROPERTY || name === KEY_PROPERTY)
      fail(field, `thing.properties.${name}`, 'is reserved: the sink identifies its Things by it');
    checkTemplate(c, `thing.properties.${name}`, t);
  }
  if (cfg.thing.location !== undefined) checkPath(c, 'thing.location', cfg.thing.location, ['object']);
  checkPath(c, 'phenomenonTime', cfg.phenomenonTime, ['string']);
  if (cfg.resultTime !== undefined) checkPath(c, 'resultTime', cfg.resultTime, ['string']);
  const foi = cfg.featureOfInterest;
  if (foi) {
    checkPath(c, 'featureOfInterest.geometry', foi.geometry, ['object']);
    checkTemplate(c, 'featureOfInterest.name', foi.name, true);
    checkTemplate(c, 'featureOfInterest.description', foi.description, true);
  } else if (cfg.thing.location === undefined) {
    fail(
      field,
      'thing.location',
      "is required when there is no featureOfInterest: Observations need a FeatureOfInterest, generated from the Thing's Location",
    );
  }
  if (cfg.sensor) cfg.sensor = sensorDefaults(cfg.sensor);
  cfg.datastreams = checkDatastreams(c, cfg.datastreams);
  return cfg;
}
