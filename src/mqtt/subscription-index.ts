import type { EntityDef } from '../model/types.ts';
import type { StaTopic } from './topic-to-query.ts';

/**
 * The SensorThings topics someone is subscribed to, indexed by what a change event can be matched with in
 * O(1): (tenant, entity type) for entity-set topics, (tenant, entity, id) for entity and property topics,
 * (tenant, parent, parent id, relation) for navigation-set topics. Maintained from the broker's subscribe /
 * unsubscribe events, so a committed change costs a few Map lookups and nothing more when nobody listens.
 */
export interface IndexedTopic {
  /** The topic string exactly as subscribed (that is where notifications are published). */
  name: string;
  topic: StaTopic;
  clients: Set<string>;
}

export interface SubscriptionIndex {
  readonly size: number;
  add(clientId: string, name: string, topic: StaTopic): void;
  remove(clientId: string, name: string): void;
  /** Every topic of a client (its clean session ended). */
  removeClient(clientId: string): void;
  /** Entity-set topics of `entity` in `tenant`. */
  sets(tenant: string, entity: string): Iterable<IndexedTopic>;
  /** Entity and property topics of one entity. */
  entity(tenant: string, entity: string, id: number): Iterable<IndexedTopic>;
  /** Navigation-set topics `Parent(parentId)/relation`. */
  navigation(tenant: string, parent: string, parentId: number, relation: string): Iterable<IndexedTopic>;
  /** Navigation-set topics over a junction relation whose members are of type `child` (need a lookup). */
  junctions(tenant: string, child: string): Iterable<IndexedTopic>;
}

const NONE: readonly IndexedTopic[] = [];

export function keyOf(t: StaTopic): string {
  switch (t.kind) {
    case 'entitySet':
      return `s\0${t.tenant}\0${t.entity.name}`;
    case 'entity':
    case 'property':
      return `e\0${t.tenant}\0${t.entity.name}\0${t.id}`;
    case 'navigationSet': {
      const p = t.parent!;
      return `n\0${t.tenant}\0${p.entity.name}\0${p.id}\0${p.relation.name}`;
    }
  }
}

function junctionKey(tenant: string, child: EntityDef | string): string {
  return `j\0${tenant}\0${typeof child === 'string' ? child : child.name}`;
}

export function createSubscriptionIndex(): SubscriptionIndex {
  const byName = new Map<string, IndexedTopic>();
  const byKey = new Map<string, Map<string, IndexedTopic>>();
  const byClient = new Map<string, Set<string>>();

  const link = (key: string, t: IndexedTopic) => {
    let m = byKey.get(key);
    if (!m) {
      m = new Map();
      byKey.set(key, m);
    }
    m.set(t.name, t);
  };
  const unlink = (key: string, name: string) => {
    const m = byKey.get(key);
    m?.delete(name);
    if (m?.size === 0) byKey.delete(key);
  };
  const keysOf = (t: StaTopic): string[] => {
    const keys = [keyOf(t)];
    if (t.kind === 'navigationSet' && t.parent!.relation.storage.kind === 'junction') {
      keys.push(junctionKey(t.tenant, t.entity));
    }
    return keys;
  };
  const get = (key: string): Iterable<IndexedTopic> => byKey.get(key)?.values() ?? NONE;

  return {
    get size() {
      return byName.size;
    },
    add(clientId, name, topic) {
      let t = byName.get(name);
      if (!t) {
        t = { name, topic, clients: new Set() };
        byName.set(name, t);
        for (const k of keysOf(topic)) link(k, t);
      }
      t.clients.add(clientId);
      let names = byClient.get(clientId);
      if (!names) {
        names = new Set();
        byClient.set(clientId, names);
      }
      names.add(name);
    },
    remove(clientId, name) {
      const names = byClient.get(clientId);
      names?.delete(name);
      if (names?.size === 0) byClient.delete(clientId);
      const t = byName.get(name);
      if (!t) return;
      t.clients.delete(clientId);
      if (t.clients.size > 0) return;
      byName.delete(name);
      for (const k of keysOf(t.topic)) unlink(k, name);
    },
    removeClient(clientId) {
      for (const name of [...(byClient.get(clientId) ?? [])]) this.remove(clientId, name);
    },
    sets: (tenant, entity) => get(`s\0${tenant}\0${entity}`),
    entity: (tenant, entity, id) => get(`e\0${tenant}\0${entity}\0${id}`),
    navigation: (tenant, parent, parentId, relation) =>
      get(`n\0${tenant}\0${parent}\0${parentId}\0${relation}`),
    junctions: (tenant, child) => get(junctionKey(tenant, child)),
  };
}
