import { sql } from '../query/sql.ts';
import type { StructureUsage, UsageCheck } from './structure-usage.ts';

/**
 * A data source uses the DataStructureVersion it delivers: that version (and its structure) cannot be
 * deleted while a data source of the same tenant references it. Runs in the delete's transaction.
 */
export const dataSourceUsage: UsageCheck = async (w, ref) => {
  const { rows } = await w.tx.query<{ id: string | number; name: string }>(sql`
    SELECT s.id, s.name FROM ctl_data_sources s
    JOIN ctl_data_structure_versions v ON v.id = s.data_structure_version_id
    WHERE s.tenant_id = ${w.tenant} AND v.tenant_id = ${w.tenant}
      AND v.data_structure_id = ${ref.structureId} AND v.version = ${ref.version}
    ORDER BY s.id`);
  return rows.map((r) => `DataSource ${Number(r.id)} (${r.name})`);
};

/** Registers the data-source check with the platform's registry; returns the function that removes it. */
export function registerDataSourceUsage(usage: StructureUsage): () => void {
  return usage.register(dataSourceUsage);
}
