import type { EntityDef } from '../../model/types.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { NotFoundError } from '../errors/not-found.ts';
import type { WriteContext } from './context.ts';
import { applyPatch, parsePatch, touchedMembers } from './json-patch.ts';
import { updateParsed } from './update-entity.ts';
import { aOrAn, validateUpdate } from './validate-body.ts';
import { decodeRecord, readRow } from './write-rows.ts';

/**
 * Update with JSON Patch (OGC 18-088 §10.3.2, RFC 6902, `application/json-patch+json`), on the entity's
 * wire representation: properties only (links change through `$ref` or PATCH bodies). The touched
 * top-level properties are validated and written like a PATCH body carrying their new values.
 */
export async function applyJsonPatch(
  w: WriteContext,
  entity: EntityDef,
  id: number,
  ops: unknown,
): Promise<void> {
  const patch = parsePatch(ops);
  const row = await readRow(w, entity, id, true);
  if (!row) throw new NotFoundError(`${entity.name} ${id} does not exist`, { entity: entity.name, id });
  const touched = touchedMembers(patch);
  for (const name of touched) {
    const p = w.registry.property(entity, name);
    if (!p) throw new BadRequestError(`${name} is not a property of ${entity.name}`, { field: name });
    // A patch names what it changes: a server-maintained value is refused rather than silently ignored.
    if (p.readOnly)
      throw new BadRequestError(`${name} of ${aOrAn(entity.name)} is maintained by the server`, {
        field: name,
      });
  }
  const patched = applyPatch(decodeRecord(entity, row).record, patch) as Record<string, unknown>;
  const body = Object.fromEntries(touched.map((name) => [name, patched[name] ?? null]));
  await updateParsed(w, id, validateUpdate(w.registry, entity, id, body, 'merge'));
}
