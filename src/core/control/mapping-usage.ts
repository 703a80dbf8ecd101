import { sql } from '../query/sql.ts';
import type { StructureUsage, UsageCheck } from './structure-usage.ts';

/**
 * Mappings use the source and target DataStructureVersions they name: such a version (and its structure)
 * cannot be deleted while a mapping of the same tenant references it. Runs in the delete's transaction.
 */
export const mappingUsage: UsageCheck = async (w, ref) => {
  const { rows } = await w.tx.query<{ id: string | number; name: string }>(sql`
    SELECT DISTINCT m.id, m.name FROM ctl_mappings m
    JOIN ctl_data_structure_versions v
      ON v.id = m.source_version_id OR v.id = m.target_version_id
    WHERE m.tenant_id = ${w.tenant} AND v.tenant_id = ${w.tenant}
      AND v.data_structure_id = ${ref.structureId} AND v.version = ${ref.version}
    ORDER BY m.id`);
  return rows.map((r) => `Mapping ${Number(r.id)} (${r.name})`);
};

/** Registers the mapping check with the platform's registry; returns the function that removes it. */
export function registerMappingUsage(usage: StructureUsage): () => void {
  return usage.register(mappingUsage);
}
