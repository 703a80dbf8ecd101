import type { FastifyBaseLogger } from 'fastify';
import type { ChangeEvent, ChangeListener } from '../core/events/change-feed.ts';
import { ident, sql } from '../core/query/sql.ts';
import type { ModelRegistry } from '../model/registry.ts';
import type { EntityDef, RelationDef } from '../model/types.ts';
import type { Queryable } from '../store/store.ts';
import { payloadCache, propertyPayload } from './format-notification.ts';
import type { IndexedTopic, SubscriptionIndex } from './subscription-index.ts';

/**
 * Receive updates via MQTT (OGC 18-088 §14.2): every committed change event is matched against the topics
 * somebody subscribed to and published only there:
 * - `v1.1/{Set}`: entities created in the set;
 * - `v1.1/{Set}({id})`: the entity after its creation and after every update;
 * - `v1.1/{Set}({id})/{property}`: `{"property": value}` after an update that changed it;
 * - `v1.1/{Set}({id})/{NavigationSet}`: entities created in (or moved into) that set, found through the
 *   event's to-one `links`; junction relations (Things ↔ Locations …) need one lookup per event batch, and
 *   only while such a topic is subscribed; an existing entity linked by `$ref` comes with `linkedTo`.
 * Deletes are not notified (the standard defines no message for them). Topics carry the tenant
 * (`t/{tenant}/…`), so an event of one tenant never matches a topic of another.
 */
export interface NotifyDeps {
  registry: ModelRegistry;
  index: SubscriptionIndex;
  db: Queryable;
  /** `http://host:port` of the HTTP server, for self links. */
  httpUrl: string;
  publish(topic: string, payload: Buffer): void;
  log: FastifyBaseLogger;
}

interface JunctionLookup {
  ev: ChangeEvent;
  entity: EntityDef;
  topics: IndexedTopic[];
}

export function notifySubscribers(deps: NotifyDeps): ChangeListener {
  const { registry, index } = deps;
  return (events) => {
    if (index.size === 0) return;
    const lookups: JunctionLookup[] = [];
    for (const ev of events) {
      if (ev.op === 'delete' || !ev.record) continue;
      const entity = registry.byName(ev.entity);
      if (!entity) continue;
      const payload = payloadCache(deps.httpUrl, entity, ev);
      const send = (t: IndexedTopic) => deps.publish(t.name, payload(t.topic));
      if (ev.op === 'create') for (const t of index.sets(ev.tenant, entity.name)) send(t);
      for (const t of index.entity(ev.tenant, entity.name, ev.id)) {
        if (t.topic.kind === 'entity') send(t);
        else if (ev.op === 'update' && ev.changed?.includes(t.topic.property!.name)) {
          deps.publish(t.name, propertyPayload(ev, t.topic.property!.name));
        }
      }
      for (const [relation, targetId] of Object.entries(ev.links ?? {})) {
        if (targetId == null || (ev.op === 'update' && !ev.changed?.includes(relation))) continue;
        const r = registry.relation(entity, relation);
        if (r) for (const t of index.navigation(ev.tenant, r.target, targetId, r.inverse)) send(t);
      }
      if (ev.linkedTo) {
        // A new association link: the entity joined the owner's navigation set.
        const to = ev.linkedTo;
        for (const t of index.navigation(ev.tenant, to.entity, to.id, to.relation)) send(t);
      }
      if (ev.op === 'create') {
        const topics = [...index.junctions(ev.tenant, entity.name)];
        if (topics.length > 0) lookups.push({ ev, entity, topics });
      }
    }
    if (lookups.length > 0) {
      notifyJunctionMembers(deps, lookups).catch((err) =>
        deps.log.error({ err }, 'mqtt: junction notification lookup failed'),
      );
    }
  };
}

/**
 * New members of junction navigation sets (e.g. a Location created through `POST Things(1)/Locations`, or
 * the HistoricalLocation of `Locations(3)/HistoricalLocations`): the event has no link to the owner, so
 * the committed junction rows are read, one statement per subscribed relation.
 */
async function notifyJunctionMembers(deps: NotifyDeps, lookups: JunctionLookup[]): Promise<void> {
  const groups = new Map<string, { tenant: string; relation: RelationDef; items: JunctionLookup[] }>();
  for (const l of lookups) {
    for (const t of l.topics) {
      const relation = t.topic.parent!.relation;
      const key = `${l.ev.tenant}\0${t.topic.parent!.entity.name}\0${relation.name}`;
      let g = groups.get(key);
      if (!g) {
        g = { tenant: l.ev.tenant, relation, items: [] };
        groups.set(key, g);
      }
      if (!g.items.includes(l)) g.items.push(l);
    }
  }
  for (const { tenant, relation, items } of groups.values()) {
    if (relation.storage.kind !== 'junction') continue;
    const s = relation.storage;
    const { rows } = await deps.db.query<{ owner: number; member: number }>(
      sql`SELECT ${ident(s.sourceColumn)} AS owner, ${ident(s.targetColumn)} AS member FROM ${ident(s.table)}
          WHERE tenant_id = ${tenant} AND ${ident(s.targetColumn)} = ANY(${items.map((l) => l.ev.id)}::bigint[])`,
    );
    for (const row of rows) {
      const l = items.find((x) => x.ev.id === Number(row.member));
      if (!l) continue;
      const payload = payloadCache(deps.httpUrl, l.entity, l.ev);
      for (const t of l.topics) {
        const p = t.topic.parent!;
        if (p.relation === relation && p.id === Number(row.owner)) deps.publish(t.name, payload(t.topic));
      }
    }
  }
}
