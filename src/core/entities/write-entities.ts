/**
 * The write path of the core, generic over the model (EntityDef/RelationDef data); model-specific rules come
 * in through write-hooks.ts (SensorThings: core/sensing). Every function takes a WriteContext: it runs in
 * the request's transaction, filters every statement by `w.tenant` and queues change events in `w.events`
 * (published by the entity service after commit). Adapters call these through `createEntityService().write`.
 *
 * Errors: a body that violates the model is a BadRequestError with `field` (dotted path); an entity named by
 * the URL that does not exist is a NotFoundError; an entity linked from the body by `@iot.id` that does not
 * exist (in this tenant) is a BadRequestError naming that member.
 */
export { applyJsonPatch } from './apply-json-patch.ts';
export { type CreateParent, createEntity } from './create-entity.ts';
export { deleteEntity } from './delete-entity.ts';
export { type PatchOperation, parsePatch } from './json-patch.ts';
export { linkEntities, unlinkEntities } from './link-entities.ts';
export { updateEntity } from './update-entity.ts';
export type { UpdateMode } from './validate-body.ts';
