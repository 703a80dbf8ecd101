import type { WriteContext } from '../entities/context.ts';
import { ConflictError } from '../errors/conflict.ts';
import { sql } from '../query/sql.ts';

/**
 * A DataSet cannot exist without its DataPool: a pool that still holds datasets cannot be deleted (409,
 * `usedBy` naming them). Runs in the delete's transaction.
 */
export async function refusePoolWithDataSets(w: WriteContext, poolId: number): Promise<void> {
  const { rows } = await w.tx.query<{ id: string | number; name: string }>(sql`
    SELECT id, name FROM ctl_data_sets
    WHERE tenant_id = ${w.tenant} AND data_pool_id = ${poolId}
    ORDER BY id LIMIT 20`);
  if (rows.length === 0) return;
  const usedBy = rows.map((r) => `DataSet ${Number(r.id)} (${r.name})`);
  throw new ConflictError(`DataPool ${poolId} still holds datasets: ${usedBy.join(', ')}`, { usedBy });
}
