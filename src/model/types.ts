/**
 * The declarative data model: entities, their properties and relations, as plain data. Tables (DDL),
 * validation of bodies, JSON output and query translation are all derived from these definitions, so a
 * property is declared exactly once. No SQL here and no classes: storage details are names only.
 */

/**
 * - `string`: text; `json`: a JSON object (e.g. `properties`); `any`: any JSON value (Observation result);
 * - `geometry`: GeoJSON on the wire, PostGIS geometry(4326) in the table, paired with an encodingType;
 * - `time`: an ISO 8601 instant (timestamptz);
 * - `timeInterval`: an ISO 8601 interval `start/end` (two columns `<col>_start`, `<col>_end`);
 * - `timeObject`: an instant or an interval (same two columns; end NULL for an instant);
 * - `jsonArray`: a JSON array;
 * - `boolean`: true or false (a boolean column);
 * - `integer`: a whole number (a bigint column).
 */
export type PropertyType =
  | 'string'
  | 'json'
  | 'any'
  | 'geometry'
  | 'time'
  | 'timeInterval'
  | 'timeObject'
  | 'jsonArray'
  | 'boolean'
  | 'integer';

export interface PropertyDef {
  /** Name on the wire, e.g. `phenomenonTime`. */
  name: string;
  type: PropertyType;
  /** Column (or column prefix for intervals); snake_case, unique in the table. */
  column: string;
  /** Must be given on create. */
  required?: boolean;
  /** Maintained by the server; ignored or rejected in bodies. */
  readOnly?: boolean;
  /** Allowed values of a string (e.g. encodingType). */
  allowedValues?: readonly string[];
  /** When absent on create, the server fills it in (e.g. phenomenonTime = now). */
  defaultOnCreate?: 'now';
  /** May be null explicitly. */
  nullable?: boolean;
  /**
   * A `time` the server sets (with `readOnly`): `created` on insert, `updated` on insert and on every
   * update (control-plane `createdAt`/`updatedAt`).
   */
  serverTime?: 'created' | 'updated';
}

/**
 * How a relation is stored:
 * - `fk`: this entity's table has column `column` referencing the target's id (to-one);
 * - `inverse`: the target's table has the foreign key (to-many side of an `fk`);
 * - `junction`: a link table `table(sourceColumn, targetColumn)` (many-to-many).
 */
export type RelationStorage =
  | { kind: 'fk'; column: string }
  | { kind: 'inverse' }
  | { kind: 'junction'; table: string; sourceColumn: string; targetColumn: string };

export interface RelationDef {
  /** Navigation property name, e.g. `Datastreams` or `Thing`. */
  name: string;
  target: string;
  /** Name of the relation on the target that leads back here. */
  inverse: string;
  many: boolean;
  storage: RelationStorage;
  /** A to-one the entity cannot exist without (must be given or linked on create). */
  required?: boolean;
  /** Deleting the target of an `fk` relation deletes this entity (the standard's cascades). */
  cascadeOnTargetDelete?: boolean;
}

export interface EntityDef {
  /** Entity type name, e.g. `Datastream`. */
  name: string;
  /** Entity set name used in URLs, e.g. `Datastreams`. */
  setName: string;
  /** Table, snake_case. Every table also has `id bigint` and `tenant_id text`. */
  table: string;
  properties: readonly PropertyDef[];
  relations: readonly RelationDef[];
  /** Time partitioning of the table (observations): the interval property whose start column partitions. */
  partitionBy?: string;
  /** Keys unique within a tenant: property names or to-one (`fk`) relation names, e.g. `[['name']]`. */
  unique?: readonly (readonly string[])[];
}

export interface ModelDef {
  /** Model name, e.g. `sta`. */
  name: string;
  entities: readonly EntityDef[];
}
