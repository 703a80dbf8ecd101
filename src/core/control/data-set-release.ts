/**
 * Releasing a DataSet provisions everything it is served and filled by, atomically (issue 4): in ONE
 * transaction the sinks' tables are created or adapted, every pipeline writing to the dataset is checked
 * (source released, mapping fits source and dataset, sinks valid, connector config valid) and marked to
 * run, and the dataset becomes AVAILABLE — which is also what makes its routes (OGC API collections,
 * catalog entries) answer. If any step fails, the transaction rolls back: no table, no route, no pipeline
 * run, status still READY; the reason is stored on the dataset (`statusReason`) and answered as a 409.
 * The pipelines start only after the commit; a source that cannot be reached then is a pipeline in state
 * `error` (it keeps retrying), not a failed release.
 */

import { loadPipeline, readPipelineDefinition } from '../../pipeline/runtime/load-pipeline.ts';
import type { SinkTarget } from '../../pipeline/sinks/sink-kind.ts';
import { sinkKindOf, sinkKinds } from '../../pipeline/sinks/sink-kinds.ts';
import type { Queryable } from '../../store/store.ts';
import type { WriteContext } from '../entities/context.ts';
import { BadRequestError } from '../errors/bad-request.ts';
import { DomainError, isDomainError } from '../errors/domain-error.ts';
import { sql } from '../query/sql.ts';

/** Opens a tenant's data source with its config validated (secrets unsealed; never returned). */
export type SourceOpener = (db: Queryable, tenant: string, sourceId: number) => Promise<unknown>;

interface DataSetRow {
  identifier: string;
  sinks: Record<string, unknown>[];
  versionId: number | null;
}

async function readDataSetRow(w: WriteContext, id: number): Promise<DataSetRow> {
  const { rows } = await w.tx.query<Record<string, unknown>>(sql`
    SELECT identifier, sinks, data_structure_version_id FROM ctl_data_sets
    WHERE tenant_id = ${w.tenant} AND id = ${id}`);
  const r = rows[0]!;
  const versionId = r.data_structure_version_id;
  return {
    identifier: String(r.identifier),
    sinks: (r.sinks as Record<string, unknown>[]) ?? [],
    versionId: versionId === null ? null : Number(versionId),
  };
}

/** The schema of a structure version of the tenant (400 naming `field` when it does not exist). */
export async function versionSchema(
  w: WriteContext,
  versionId: number,
  field: string,
): Promise<{ schema: Record<string, unknown>; status: string }> {
  const { rows } = await w.tx.query<{ schema: Record<string, unknown>; status: string }>(sql`
    SELECT schema, status FROM ctl_data_structure_versions
    WHERE tenant_id = ${w.tenant} AND id = ${versionId}`);
  const r = rows[0];
  if (!r) throw new BadRequestError(`${field}: DataStructureVersion ${versionId} does not exist`, { field });
  return r;
}

/**
 * Checks a dataset's sinks against its structure version (each sink kind checks its own config): what a
 * create or change of a DataSet runs before it is saved. 400 naming `sinks[i].<member>`.
 */
export async function checkDataSetSinks(
  w: WriteContext,
  sinks: readonly unknown[],
  versionId: number | null,
): Promise<void> {
  if (sinks.length === 0) return;
  if (versionId === null) {
    throw new BadRequestError('sinks need the dataset’s dataStructureVersionId (the structure they take)', {
      field: 'dataStructureVersionId',
    });
  }
  const { schema } = await versionSchema(w, versionId, 'dataStructureVersionId');
  sinks.forEach((decl, i) => {
    if (typeof decl !== 'object' || decl === null || Array.isArray(decl)) {
      throw new BadRequestError(`sinks[${i}] must be an object`, { field: `sinks[${i}]` });
    }
    const { kind, ...config } = decl as Record<string, unknown>;
    sinkKindOf(kind, `sinks[${i}].kind`).validateConfig(config, schema, `sinks[${i}]`);
  });
}

/**
 * Checks the sinks a DataSet will have after a create (`id` undefined) or change: the given members over
 * the stored ones, in the change's transaction.
 */
export async function checkSinksOfChange(
  w: WriteContext,
  id: number | undefined,
  change: { sinks?: readonly unknown[]; dataStructureVersionId?: number | null },
): Promise<void> {
  if (change.sinks === undefined && change.dataStructureVersionId === undefined) return;
  const current = id === undefined ? { sinks: [], versionId: null } : await readDataSetRow(w, id);
  await checkDataSetSinks(
    w,
    change.sinks ?? current.sinks,
    change.dataStructureVersionId === undefined ? current.versionId : change.dataStructureVersionId,
  );
}

function targetsOf(w: WriteContext, id: number, row: DataSetRow, schema: Record<string, unknown>) {
  return row.sinks.map((decl, sinkIndex) => {
    const { kind, ...config } = decl;
    const sinkKind = sinkKindOf(kind, `sinks[${sinkIndex}].kind`);
    const target: SinkTarget = {
      tenant: w.tenant,
      dataSetId: id,
      dataSetIdentifier: row.identifier,
      sinkIndex,
      targetSchema: schema,
    };
    return { sinkKind, target, config: sinkKind.validateConfig(config, schema, `sinks[${sinkIndex}]`) };
  });
}

/**
 * The release steps inside the caller's transaction (the dataset row is locked and READY): provision the
 * sinks, check and arm the pipelines. Returns the pipelines to start after the commit.
 */
export async function provisionRelease(
  w: WriteContext,
  id: number,
  openSource: SourceOpener,
): Promise<number[]> {
  const row = await readDataSetRow(w, id);
  if (row.sinks.length > 0) {
    if (row.versionId === null) {
      throw new DomainError('URBS_RELEASE_FAILED', 409, 'the dataset has sinks but no structure version', {
        field: 'dataStructureVersionId',
      });
    }
    const version = await versionSchema(w, row.versionId, 'dataStructureVersionId');
    if (version.status !== 'AVAILABLE') {
      throw new DomainError(
        'URBS_RELEASE_FAILED',
        409,
        `DataStructureVersion ${row.versionId} is not released (AVAILABLE)`,
        { field: 'dataStructureVersionId' },
      );
    }
    for (const s of targetsOf(w, id, row, version.schema)) {
      await s.sinkKind.provision(w.tx, s.target, s.config);
    }
  }
  const { rows } = await w.tx.query<{ id: number }>(sql`
    SELECT id FROM ctl_pipelines WHERE tenant_id = ${w.tenant} AND data_set_id = ${id} ORDER BY id FOR UPDATE`);
  const ids = rows.map((r) => Number(r.id));
  for (const pid of ids) {
    const def = await readPipelineDefinition(w.tx, w.tenant, pid);
    loadPipeline(def); // source released, mapping fits, sinks valid — else a DomainError naming the member
    await openSource(w.tx, w.tenant, def.dataSourceId); // the connector config is valid as stored
  }
  if (ids.length > 0) {
    await w.tx.query(sql`
      UPDATE ctl_pipelines SET desired_state = 'RUNNING'
      WHERE tenant_id = ${w.tenant} AND data_set_id = ${id}`);
  }
  return ids;
}

/** Unrelease inside the caller's transaction: the pipelines are marked stopped; returns them to stop. */
export async function disarmPipelines(w: WriteContext, id: number): Promise<number[]> {
  const { rows } = await w.tx.query<{ id: number }>(sql`
    UPDATE ctl_pipelines SET desired_state = 'STOPPED'
    WHERE tenant_id = ${w.tenant} AND data_set_id = ${id} RETURNING id`);
  return rows.map((r) => Number(r.id));
}

/**
 * Before a DRAFT dataset is deleted: drops what its sinks provisioned (the features tables), also of sinks
 * removed from the dataset since an earlier release.
 */
export async function dropDataSetSinks(w: WriteContext, id: number): Promise<void> {
  const row = await readDataSetRow(w, id);
  if (row.sinks.length > 0 && row.versionId !== null) {
    const { schema } = await versionSchema(w, row.versionId, 'dataStructureVersionId');
    for (const s of targetsOf(w, id, row, schema)) await s.sinkKind.drop(w.tx, s.target, s.config);
  }
  for (const kind of Object.values(sinkKinds)) await kind.dropAllOf?.(w.tx, w.tenant, id);
}

/** A failed release step as the reason stored and answered: the message, and the member at fault. */
export function releaseFailure(err: unknown): { reason: string; field?: string } | undefined {
  if (isDomainError(err)) {
    const field = err.extensions.field;
    return { reason: err.message, ...(typeof field === 'string' ? { field } : {}) };
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return { reason: `the database refused a provisioning step: ${(err as Error).message}` };
  }
  return undefined;
}
