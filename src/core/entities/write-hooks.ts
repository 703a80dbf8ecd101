import type { EntityDef, RelationDef } from '../../model/types.ts';
import type { Row } from '../../store/store.ts';
import { controlWriteHooks } from '../control/control-hooks.ts';
import { sensingWriteHooks } from '../sensing/sensing-hooks.ts';
import type { WriteContext } from './context.ts';
import type { ParsedEntity, ValidateOptions } from './validate-body.ts';

/**
 * Model-specific rules plugged into the generic write path (write-entities.ts): the generic code knows
 * tables, relations and links; a model adds what its standard demands beyond that (for SensorThings:
 * HistoricalLocations, generated FeaturesOfInterest, observation partitions and Datastream extents).
 * Every hook is optional and runs inside the request's transaction.
 */
export interface WriteHooks {
  /** Required to-one relations the server fills in when a create body omits them. */
  serverFilled?: ValidateOptions['serverFilled'];
  /** Checks of an entity to create beyond the model's declarations (throw BadRequestError). */
  checkCreate?: ValidateOptions['check'];
  /** Inserts the row itself instead of the plain INSERT (e.g. Observations' bulk path); undefined = default. */
  insert?(
    w: WriteContext,
    parsed: ParsedEntity,
    fks: Record<string, number | null>,
  ): Promise<number | undefined>;
  /** Whether `insertMany` takes new entities of this type (then a deep insert's children go in at once). */
  insertsMany?(entity: EntityDef): boolean;
  /**
   * Inserts several new entities of one type at once (a deep insert's inline children, e.g. a Datastream's
   * Observations), `fks[i]` belonging to `parsed[i]`; returns the ids in order.
   */
  insertMany?(
    w: WriteContext,
    parsed: readonly ParsedEntity[],
    fks: readonly Record<string, number | null>[],
  ): Promise<number[]>;
  /** After junction links `entity(id) → relation → targetIds` were added (create, update or $ref). */
  afterLinked?(
    w: WriteContext,
    entity: EntityDef,
    id: number,
    relation: RelationDef,
    targetIds: readonly number[],
  ): Promise<void>;
  /** Before an explicit link change ($ref, or links in an update body); throw to refuse it. */
  checkLinkChange?(entity: EntityDef, relation: RelationDef, change: 'link' | 'unlink'): void;
  /** Before an update is written; `before` is the locked current row (record select). */
  beforeUpdate?(w: WriteContext, parsed: ParsedEntity, id: number, before: Row): Promise<void>;
  /** After an update was written; `before`/`after` are the rows around it. */
  afterUpdate?(w: WriteContext, entity: EntityDef, id: number, before: Row, after: Row): Promise<void>;
  /** Before a delete (the entity exists); may return work to run after the row is gone. */
  beforeDelete?(w: WriteContext, entity: EntityDef, id: number): Promise<(() => Promise<void>) | undefined>;
}

/** Explicit wiring: the rules of each model, by model name. */
const HOOKS: Record<string, WriteHooks> = { sta: sensingWriteHooks, control: controlWriteHooks };

export function hooksFor(w: WriteContext): WriteHooks {
  return HOOKS[w.registry.model.name] ?? {};
}
