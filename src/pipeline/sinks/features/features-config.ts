/**
 * The config of a `features` sink: which record field is the feature id, which one the geometry, which one
 * the time (for `datetime` queries), and whether a record replaces the feature with its id (upsert) or adds
 * a row (append).
 */
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import { isWellFormedPath } from '../../field-path.ts';
import type { JsonType } from '../../schema-fields.ts';
import type { JsonSchema } from '../../validate-record.ts';
import { columnTypeOf } from './column-types.ts';
import { schemaIndexOf, topLevelProperties } from './schema-properties.ts';

export const FEATURE_MODES = ['upsert', 'append'] as const;
export type FeatureMode = (typeof FEATURE_MODES)[number];

export interface FeaturesConfig {
  /** Dotted path of the feature id in the record; null = every record is a new feature with a generated id. */
  idField: string | null;
  /** Dotted path of a GeoJSON geometry (or Feature) in the record; null = features without geometry. */
  geometryField: string | null;
  /** A top-level date-time or date property: the time OGC `datetime` filters by; null = none. */
  timeField: string | null;
  mode: FeatureMode;
}

const MEMBERS = ['idField', 'geometryField', 'timeField', 'mode'] as const;
const DEFAULT_TIME_FIELD = 'dateObserved';

export const featuresConfigSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    idField: {
      type: ['string', 'null'],
      description:
        'dotted path of the feature id (string or number) in the record; default `id` when the structure has it; null = generated ids',
    },
    geometryField: {
      type: ['string', 'null'],
      description:
        'dotted path of a GeoJSON geometry in the record; default `location` when the structure has it; null = no geometry',
    },
    timeField: {
      type: ['string', 'null'],
      description:
        'top-level date-time or date property that OGC API datetime queries filter by; default `dateObserved` when the structure has it as a date-time; null = none',
    },
    mode: {
      enum: [...FEATURE_MODES],
      description:
        'upsert (default with an id): one row per id, the latest record wins; append: one row per record',
    },
  },
};

const ID_TYPES: readonly JsonType[] = ['string', 'integer', 'number'];

/** Checks a sink config against the target structure; errors name `${field}.<member>`. */
export function validateFeaturesConfig(
  config: unknown,
  targetSchema: Exclude<JsonSchema, boolean>,
  field: string,
): FeaturesConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new BadRequestError(`${field} must be an object`, { field });
  }
  const given = config as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (key === 'kind' || (MEMBERS as readonly string[]).includes(key)) continue;
    const at = `${field}.${key}`;
    throw new BadRequestError(`${at} is not a member of a features sink; use ${MEMBERS.join(', ')}`, {
      field: at,
    });
  }
  const index = schemaIndexOf(targetSchema);
  const pathOf = (member: 'idField' | 'geometryField', fallback: string, types: readonly JsonType[]) => {
    const at = `${field}.${member}`;
    const value = given[member];
    if (value === undefined) return index.field(fallback) ? fallback : null;
    if (value === null) return null;
    if (typeof value !== 'string' || !isWellFormedPath(value)) {
      throw new BadRequestError(`${at} must be a dotted field path such as ${fallback}, or null`, {
        field: at,
      });
    }
    const info = index.field(value);
    if (!info) throw new BadRequestError(`${at}: the structure has no field ${value}`, { field: at });
    if (info.types !== 'any' && !types.some((t) => (info.types as ReadonlySet<JsonType>).has(t))) {
      throw new BadRequestError(`${at}: field ${value} must be able to hold ${types.join(' or ')}`, {
        field: at,
      });
    }
    return value;
  };
  const idField = pathOf('idField', 'id', ID_TYPES);
  const geometryField = pathOf('geometryField', 'location', ['object']);
  if (idField !== null && idField === geometryField) {
    const at = `${field}.geometryField`;
    throw new BadRequestError(`${at} must differ from idField`, { field: at });
  }
  const mode = given.mode ?? (idField === null ? 'append' : 'upsert');
  if (!(FEATURE_MODES as readonly unknown[]).includes(mode)) {
    const at = `${field}.mode`;
    throw new BadRequestError(`${at} must be one of ${FEATURE_MODES.join(', ')}`, { field: at });
  }
  if (mode === 'upsert' && idField === null) {
    const at = `${field}.mode`;
    throw new BadRequestError(`${at}: upsert needs an idField (the structure has no field id)`, {
      field: at,
    });
  }
  const timeField = timeFieldOf(given.timeField, targetSchema, `${field}.timeField`);
  return { idField, geometryField, timeField, mode: mode as FeatureMode };
}

/** A top-level property whose column is a timestamptz or date. */
function timeFieldOf(value: unknown, schema: Record<string, unknown>, at: string): string | null {
  const properties = topLevelProperties(schema);
  const isTime = (name: string) => {
    const shape = properties.get(name);
    const type = shape && columnTypeOf(shape);
    return type === 'timestamptz' || type === 'date';
  };
  if (value === undefined) return isTime(DEFAULT_TIME_FIELD) ? DEFAULT_TIME_FIELD : null;
  if (value === null) return null;
  if (typeof value !== 'string' || !properties.has(value)) {
    throw new BadRequestError(`${at} must name a top-level property of the structure, or be null`, {
      field: at,
    });
  }
  if (!isTime(value)) {
    throw new BadRequestError(`${at}: ${value} must be a string with format date-time or date`, {
      field: at,
    });
  }
  return value;
}
