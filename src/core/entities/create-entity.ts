import type { EntityDef, RelationDef } from '../../model/types.ts';
import type { WriteContext } from './context.ts';
import { addLinks } from './update-entity.ts';
import { type ParsedEntity, validateCreate } from './validate-body.ts';
import { hooksFor } from './write-hooks.ts';
import { insertRow, requireEntity, requireLinked } from './write-rows.ts';

/** The navigation parent of a new entity, e.g. POST Things(1)/Datastreams → { relation: Datastream.Thing, id: 1 }. */
export interface CreateParent {
  /** The relation on the NEW entity that points to the parent. */
  relation: RelationDef;
  id: number;
}

/**
 * Creates an entity with everything given inline (OGC 18-088 §10.2, deep insert): the whole body is
 * validated first, then to-one targets are created or linked, then the row, then to-many children. Runs in
 * the caller's transaction, so a failure anywhere leaves nothing behind. Returns the new id.
 */
export async function createEntity(
  w: WriteContext,
  entity: EntityDef,
  body: unknown,
  parent?: CreateParent,
  field = '',
): Promise<number> {
  const hooks = hooksFor(w);
  const parsed = validateCreate(w.registry, entity, body, {
    field,
    implied: parent?.relation,
    serverFilled: hooks.serverFilled,
    check: hooks.checkCreate,
  });
  // The parent is named by the URL: a missing one is a 404, not a bad body.
  if (parent) await requireEntity(w, w.registry.entity(parent.relation.target), parent.id);
  return insertParsed(w, parsed, parent);
}

/** Inserts a validated entity tree. */
export async function insertParsed(w: WriteContext, p: ParsedEntity, parent?: CreateParent): Promise<number> {
  const fks = await resolveToOne(w, p);
  if (parent?.relation.storage.kind === 'fk') fks[parent.relation.name] = parent.id;
  const id =
    (await hooksFor(w).insert?.(w, p, fks)) ?? (await insertRow(w, p.entity, p.columns, fks, p.field));
  if (parent && parent.relation.storage.kind !== 'fk') {
    await addLinks(w, p.entity, id, parent.relation, [parent.id]);
  }
  await insertToMany(w, p, id);
  return id;
}

/** Foreign keys of the to-one relations given: linked targets must exist, inline ones are created first. */
async function resolveToOne(w: WriteContext, p: ParsedEntity): Promise<Record<string, number | null>> {
  const fks: Record<string, number | null> = {};
  for (const [name, v] of p.toOne) {
    if (!v) continue;
    const r = w.registry.relation(p.entity, name)!;
    if (v.kind === 'link') {
      await requireLinked(w, w.registry.entity(r.target), v.id, v.field);
      fks[name] = v.id;
    } else {
      fks[name] = await insertParsed(w, v.body);
    }
  }
  return fks;
}

/**
 * To-many children: new children of an inverse relation are created with their foreign key set to `id`;
 * junction children are created first and then linked all at once, so a model rule sees the whole set
 * (e.g. a Thing's Locations make one HistoricalLocation, §8.2.3).
 */
async function insertToMany(w: WriteContext, p: ParsedEntity, id: number): Promise<void> {
  for (const [name, values] of p.toMany) {
    const r = w.registry.relation(p.entity, name)!;
    const target = w.registry.entity(r.target);
    const inverse = w.registry.inverseOf(p.entity, r);
    const links: number[] = [];
    if (r.storage.kind === 'inverse' && (await insertChildrenAtOnce(w, values, inverse, id))) continue;
    for (const v of values) {
      if (v.kind === 'link') {
        await requireLinked(w, target, v.id, v.field);
        links.push(v.id);
      } else if (r.storage.kind === 'inverse') {
        await insertParsed(w, v.body, { relation: inverse, id });
      } else {
        links.push(await insertParsed(w, v.body));
      }
    }
    await addLinks(w, p.entity, id, r, links);
  }
}

/**
 * New children of an inverse relation in one bulk insert when the model has one for their type (a
 * Datastream's inline Observations): their own to-one targets first, then all rows at once, then their
 * to-many children. False (nothing done) when they are not all new or their type has no bulk insert.
 */
async function insertChildrenAtOnce(
  w: WriteContext,
  values: ParsedEntity['toMany'] extends Map<string, infer V> ? V : never,
  inverse: RelationDef,
  parentId: number,
): Promise<boolean> {
  const hooks = hooksFor(w);
  if (!hooks.insertMany || values.length < 2) return false;
  const bodies: ParsedEntity[] = [];
  for (const v of values) {
    if (v.kind !== 'create' || !hooks.insertsMany?.(v.body.entity)) return false;
    bodies.push(v.body);
  }
  const fks: Record<string, number | null>[] = [];
  for (const b of bodies) {
    const own = await resolveToOne(w, b);
    own[inverse.name] = parentId;
    fks.push(own);
  }
  const ids = await hooks.insertMany(w, bodies, fks);
  for (const [i, b] of bodies.entries()) await insertToMany(w, b, ids[i]!);
  return true;
}
