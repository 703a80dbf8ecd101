import {
  type EntityRecord,
  type ExpandedCollection,
  isExpandedCollection,
} from '../../core/entities/entity-record.ts';
import { encodeQuery, queryOptionEntries } from './format-query.ts';

/**
 * EntityRecord → SensorThings JSON (18-088 §9.2.2): control information @iot.id, @iot.selfLink and
 * `<Nav>@iot.navigationLink`, expanded entities inline, nested `@iot.count` / `@iot.nextLink`.
 */
export interface FormatContext {
  /** e.g. `http://host/sta/v1.1` (with the `/t/{tenant}` prefix where needed). */
  base: string;
}

export function formatEntity(ctx: FormatContext, r: EntityRecord, withLinks = true): Record<string, unknown> {
  const self = `${ctx.base}/${r.entity.setName}(${r.id})`;
  const out: Record<string, unknown> = {};
  if (!r.hideId) {
    out['@iot.id'] = r.id;
    if (withLinks) out['@iot.selfLink'] = self;
  }
  for (const [k, v] of Object.entries(r.props)) out[k] = v;
  for (const nav of r.navigation) {
    // A to-one relation that is not set (an Observation of a Datastream has no MultiDatastream) has no link.
    if (r.links[nav] === null) continue;
    // The link stays when the relation is expanded too (18-088 §9.2.2: every navigation property has one).
    if (withLinks) out[`${nav}@iot.navigationLink`] = `${self}/${nav}`;
  }
  for (const [nav, v] of Object.entries(r.expanded)) {
    if (isExpandedCollection(v)) {
      Object.assign(out, formatNestedCollection(ctx, nav, self, v));
    } else {
      out[nav] = v ? formatEntity(ctx, v, withLinks) : null;
    }
  }
  return out;
}

function formatNestedCollection(
  ctx: FormatContext,
  nav: string,
  self: string,
  c: ExpandedCollection,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.count !== undefined) out[`${nav}@iot.count`] = c.count;
  out[nav] = c.records.map((x) => formatEntity(ctx, x));
  if (c.hasMore) {
    // The next page of the same list: the nested $filter, $orderby, $select and $expand go with it.
    const query = encodeQuery(queryOptionEntries({ ...c.query, top: c.top, skip: c.skip + c.top }));
    out[`${nav}@iot.nextLink`] = `${self}/${nav}?${query}`;
  }
  return out;
}
