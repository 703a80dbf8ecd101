/**
 * Data for the features sink and OGC API – Features suites: the Jena car parks (real open data, see
 * src/pipeline/fixtures/README.md) as records of the Smart Data Model OffStreetParking, and DataSet rows
 * inserted directly (the release that provisions them is tested with the control plane).
 */

import { sql } from '../../src/core/query/sql.ts';
import { jenaParkingFeatures } from '../../src/pipeline/fixtures/load-fixtures.ts';
import type { SinkTarget } from '../../src/pipeline/sinks/sink-kind.ts';
import type { Queryable } from '../../src/store/store.ts';
import { importSmartDataModel } from '../../src/structures/import-smart-data-model.ts';

export type JsonObject = Record<string, unknown>;

/** The full OffStreetParking schema (with the Smart Data Models documents it references embedded). */
export const offStreetParkingSchema = importSmartDataModel('OffStreetParking').schema as JsonObject;

/** An earlier, smaller version of the structure: id, type, name, category, location. */
export const offStreetParkingV1: JsonObject = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['id', 'type'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string', enum: ['OffStreetParking'] },
    name: { type: 'string' },
    category: { type: 'array', items: { type: 'string' } },
    location: { type: 'object' },
  },
};

/** A Jena car park as an OffStreetParking record (what a mapping from the GeoJSON source produces). */
export function jenaRecord(feature: JsonObject): JsonObject {
  const p = feature.properties as JsonObject;
  return {
    id: `urn:ngsi-ld:OffStreetParking:jena-${p.id}`,
    type: 'OffStreetParking',
    name: p.name,
    category: [String(p.art)],
    location: feature.geometry,
  };
}

export const jenaRecords: JsonObject[] = jenaParkingFeatures.map(jenaRecord);

/** `n` records spread over Jena (ids 1…n), each with a spot count and a modification time. */
export function manyRecords(n: number): JsonObject[] {
  return Array.from({ length: n }, (_, i) => {
    const base = jenaRecords[i % jenaRecords.length]!;
    const [x, y] = (base.location as { coordinates: number[] }).coordinates as [number, number];
    return {
      ...base,
      id: `urn:ngsi-ld:OffStreetParking:synthetic-${String(i + 1).padStart(5, '0')}`,
      name: `${base.name} ${i + 1}`,
      location: { type: 'Point', coordinates: [x + (i % 40) * 0.0005, y + Math.floor(i / 40) * 0.0005] },
      availableSpotNumber: i % 50,
      dateModified: new Date(Date.UTC(2026, 10, 27, 8, 0, i % 60)).toISOString(),
    };
  });
}

export interface DataSetRow {
  id: number;
  identifier: string;
}

/** Inserts a data pool (once per tenant) and a DataSet with the given status, open-data flag and sinks. */
export async function insertDataSet(
  q: Queryable,
  options: {
    tenant?: string;
    identifier: string;
    status?: 'DRAFT' | 'READY' | 'AVAILABLE';
    openData?: boolean;
    sinks?: JsonObject[];
    description?: string;
  },
): Promise<DataSetRow> {
  const tenant = options.tenant ?? 'default';
  await q.query(
    sql`INSERT INTO tenants (id, name) VALUES (${tenant}, ${tenant}) ON CONFLICT (id) DO NOTHING`,
  );
  const pool = await q.query<{ id: number }>(sql`
    INSERT INTO ctl_data_pools (tenant_id, name) VALUES (${tenant}, 'Mobility')
    ON CONFLICT (tenant_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`);
  const { rows } = await q.query<{ id: number }>(sql`
    INSERT INTO ctl_data_sets (tenant_id, name, description, identifier, open_data, keywords, status,
      data_pool_id, sinks, created_at, updated_at)
    VALUES (${tenant}, ${options.identifier}, ${options.description ?? null}, ${options.identifier},
      ${options.openData ?? false}, '[]'::jsonb, ${options.status ?? 'AVAILABLE'}, ${pool.rows[0]!.id},
      ${JSON.stringify(options.sinks ?? [{ kind: 'features' }])}::jsonb, now(), now())
    RETURNING id`);
  return { id: rows[0]!.id, identifier: options.identifier };
}

export function sinkTarget(
  dataSet: DataSetRow,
  targetSchema: JsonObject,
  options: { tenant?: string; sinkIndex?: number } = {},
): SinkTarget {
  return {
    tenant: options.tenant ?? 'default',
    dataSetId: dataSet.id,
    dataSetIdentifier: dataSet.identifier,
    sinkIndex: options.sinkIndex ?? 0,
    targetSchema,
  };
}
