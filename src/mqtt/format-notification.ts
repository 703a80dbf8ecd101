import { formatEntity } from '../apis/sta/format-entity.ts';
import type { EntityRecord } from '../core/entities/entity-record.ts';
import type { ChangeEvent } from '../core/events/change-feed.ts';
import type { EntityDef } from '../model/types.ts';
import type { StaTopic } from './topic-to-query.ts';

/**
 * The payload of a notification (18-088 §14.2): the entity exactly as `GET {base}/{Set}({id})?$select=…`
 * shows it, built from the committed change event alone (its `record` has every property in wire form,
 * its `links` the to-one ids), so a notification costs no query. $select keeps the named properties and
 * navigation links in model order and drops @iot.id unless selected, as the read path (read-entities.ts
 * toRecord) does; the MQTT suites compare every payload with the HTTP answer to keep the two in step.
 */
export function recordFromEvent(
  entity: EntityDef,
  ev: ChangeEvent,
  select?: readonly string[],
): EntityRecord {
  const names = select ? new Set(select) : undefined;
  const props: Record<string, unknown> = {};
  for (const p of entity.properties) {
    if (!names || names.has(p.name)) props[p.name] = ev.record?.[p.name] ?? null;
  }
  const record: EntityRecord = {
    entity,
    id: ev.id,
    props,
    links: ev.links ?? {},
    expanded: {},
    navigation: entity.relations.filter((r) => !names || names.has(r.name)).map((r) => r.name),
  };
  if (names && !names.has('id') && !names.has('@iot.id')) record.hideId = true;
  return record;
}

/** `http://host:port[/t/{tenant}]/sta/{version}`: the HTTP base the topic corresponds to. */
export function baseFor(httpUrl: string, t: StaTopic): string {
  return `${httpUrl}/${t.tenantPrefix}sta/${t.version}`;
}

/**
 * Formats one event for the topics it matches; topics that differ only in tenant prefix, version or
 * $select get their own payload, identical topics share one.
 */
export function payloadCache(httpUrl: string, entity: EntityDef, ev: ChangeEvent) {
  let cache: Map<string, Buffer> | undefined;
  return (t: StaTopic): Buffer => {
    cache ??= new Map();
    const base = baseFor(httpUrl, t);
    const key = `${base}\0${t.select?.join(',') ?? '*'}`;
    let payload = cache.get(key);
    if (!payload) {
      payload = Buffer.from(JSON.stringify(formatEntity({ base }, recordFromEvent(entity, ev, t.select))));
      cache.set(key, payload);
    }
    return payload;
  };
}

/** A property topic's payload: `{"name": value}`, as `GET …/{Set}({id})/{name}` answers. */
export function propertyPayload(ev: ChangeEvent, name: string): Buffer {
  return Buffer.from(JSON.stringify({ [name]: ev.record?.[name] ?? null }));
}
