import type { EntityDef, ModelDef, PropertyDef, RelationDef } from './types.ts';

/**
 * Checked, indexed access to a model. The only place that looks up entity and property definitions:
 * identifiers used in SQL come from here, never from a request.
 */
export interface ModelRegistry {
  readonly model: ModelDef;
  entity(name: string): EntityDef;
  bySetName(setName: string): EntityDef | undefined;
  byName(name: string): EntityDef | undefined;
  property(entity: EntityDef, name: string): PropertyDef | undefined;
  relation(entity: EntityDef, name: string): RelationDef | undefined;
  inverseOf(entity: EntityDef, relation: RelationDef): RelationDef;
  /** For an `inverse` relation: the foreign-key column on the target's table that points back. */
  childForeignKey(relation: RelationDef): string;
}

const SNAKE = /^[a-z_][a-z0-9_]*$/;

export function createRegistry(model: ModelDef): ModelRegistry {
  const byName = new Map(model.entities.map((e) => [e.name, e]));
  const bySet = new Map(model.entities.map((e) => [e.setName, e]));
  const props = new Map(model.entities.map((e) => [e.name, new Map(e.properties.map((p) => [p.name, p]))]));
  const rels = new Map(model.entities.map((e) => [e.name, new Map(e.relations.map((r) => [r.name, r]))]));

  const problems: string[] = [];
  for (const e of model.entities) {
    if (!SNAKE.test(e.table)) problems.push(`${e.name}: table ${e.table} is not snake_case`);
    for (const p of e.properties) {
      if (!SNAKE.test(p.column)) problems.push(`${e.name}.${p.name}: column ${p.column} is not snake_case`);
    }
    for (const key of e.unique ?? []) {
      for (const n of key) {
        const fk = e.relations.some((r) => r.name === n && r.storage.kind === 'fk');
        if (!fk && !e.properties.some((p) => p.name === n)) problems.push(`${e.name}: unique key names ${n}`);
      }
    }
    for (const r of e.relations) {
      const target = byName.get(r.target);
      if (!target) {
        problems.push(`${e.name}.${r.name}: unknown target ${r.target}`);
        continue;
      }
      const inv = target.relations.find((x) => x.name === r.inverse);
      if (!inv || inv.target !== e.name || inv.inverse !== r.name) {
        problems.push(`${e.name}.${r.name}: inverse ${r.target}.${r.inverse} missing or not pointing back`);
      }
      if (r.storage.kind === 'fk' && r.many) problems.push(`${e.name}.${r.name}: fk relations are to-one`);
      if (r.storage.kind === 'inverse' && inv?.storage.kind !== 'fk') {
        problems.push(`${e.name}.${r.name}: inverse storage needs an fk on ${r.target}.${r.inverse}`);
      }
    }
  }
  if (problems.length) throw new Error(`model ${model.name} is inconsistent:\n${problems.join('\n')}`);

  return {
    model,
    entity(name) {
      const e = byName.get(name);
      if (!e) throw new Error(`unknown entity ${name}`);
      return e;
    },
    bySetName: (s) => bySet.get(s),
    byName: (n) => byName.get(n),
    property: (e, n) => props.get(e.name)?.get(n),
    relation: (e, n) => rels.get(e.name)?.get(n),
    inverseOf(_e, r) {
      return rels.get(r.target)!.get(r.inverse)!;
    },
    childForeignKey(r) {
      const inv = rels.get(r.target)?.get(r.inverse);
      if (r.storage.kind !== 'inverse' || inv?.storage.kind !== 'fk') {
        throw new Error(`${r.name} is not an inverse relation`);
      }
      return inv.storage.column;
    },
  };
}
