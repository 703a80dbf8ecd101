import type { EntityDef } from '../../model/types.ts';
import type { EntityQuery } from '../query/ast.ts';

/**
 * One entity as the core returns it, independent of any wire format: the API adapters add their own
 * control information (@iot.selfLink, NGSI-LD types, GeoJSON features) around it.
 */
export interface EntityRecord {
  entity: EntityDef;
  id: number;
  /** Wire values by property name, in model order; only the selected ones when $select was given. */
  props: Record<string, unknown>;
  /** Ids of to-one related entities by relation name (null when unset). */
  links: Record<string, number | null>;
  /** Expanded relations: an entity (to-one), a page of entities (to-many) or null. */
  expanded: Record<string, EntityRecord | null | ExpandedCollection>;
  /** Navigation properties to advertise; all of them when the query had no $select. */
  navigation: string[];
  /** $select was given without id: no @iot.id / @iot.selfLink in the output (18-088 §9.3.2.2). */
  hideId?: boolean;
}

export interface ExpandedCollection {
  records: EntityRecord[];
  count?: number;
  /** True when more related entities exist beyond this page. */
  hasMore: boolean;
  top: number;
  skip: number;
  /** The expand options that produced this page, so that its next page can be asked for. */
  query?: EntityQuery;
}

export function isExpandedCollection(v: unknown): v is ExpandedCollection {
  return (
    typeof v === 'object' && v !== null && 'records' in v && Array.isArray((v as ExpandedCollection).records)
  );
}
