import type { EntityDef } from '../../model/types.ts';
import type { Row } from '../../store/store.ts';
import type { WriteContext } from '../entities/context.ts';
import type { ParsedEntity } from '../entities/validate-body.ts';
import type { WriteHooks } from '../entities/write-hooks.ts';
import { readRow } from '../entities/write-rows.ts';
import { VersionReleasedError } from './control-errors.ts';

/**
 * The control plane's model rules in the generic write path: a released DataStructureVersion is immutable.
 * The checks read the row locked by the write (FOR UPDATE), so a release racing an update cannot slip by.
 */
function isReleasedVersion(entity: EntityDef, row: Row | undefined): boolean {
  return entity.name === 'DataStructureVersion' && row?.status === 'AVAILABLE';
}

function released(row: Row, doing: string): VersionReleasedError {
  return new VersionReleasedError(
    `Version ${String(row.version)} is released (AVAILABLE) and cannot be ${doing}; create a new version instead`,
    { version: row.version },
  );
}

export const controlWriteHooks: WriteHooks = {
  async beforeUpdate(_w: WriteContext, parsed: ParsedEntity, _id: number, before: Row) {
    if (isReleasedVersion(parsed.entity, before)) {
      throw released(before, parsed.values.status === 'AVAILABLE' ? 'released again' : 'changed');
    }
  },
  async beforeDelete(w: WriteContext, entity: EntityDef, id: number) {
    const row = await readRow(w, entity, id, true);
    if (row && isReleasedVersion(entity, row)) throw released(row, 'deleted');
    return undefined;
  },
};
