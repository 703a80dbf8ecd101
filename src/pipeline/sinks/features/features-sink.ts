/**
 * The `features` sink kind: mapped records become rows of a PostGIS table per sink (feature-table.ts),
 * served by OGC API – Features (src/apis/ogc-features). User guide: docs/features.md.
 */
import type { PreparedSink, SinkKind, SinkTarget } from '../sink-kind.ts';
import { type ConvertedRow, convertRecord, type RowPlan } from './convert-record.ts';
import {
  dropFeatureTable,
  dropFeatureTablesOf,
  type FeatureTableLayout,
  featureTableName,
  plannedColumns,
  provisionFeatureTable,
  readFeatureTableLayout,
} from './feature-table.ts';
import { type FeaturesConfig, featuresConfigSchema, validateFeaturesConfig } from './features-config.ts';
import { writeFeatureRows } from './write-features.ts';

export const featuresSink: SinkKind<FeaturesConfig> = {
  kind: 'features',
  title: 'Features (a PostGIS table served by OGC API – Features)',
  configSchema: featuresConfigSchema,
  validateConfig: validateFeaturesConfig,
  async provision(tx, target, config) {
    await provisionFeatureTable(tx, target, config);
  },
  drop: (tx, target) => dropFeatureTable(tx, target),
  dropAllOf: (tx, tenant, dataSetId) => dropFeatureTablesOf(tx, tenant, dataSetId),
  prepare: prepareFeaturesSink,
};

export function prepareFeaturesSink(target: SinkTarget, config: FeaturesConfig): PreparedSink {
  const plan: RowPlan = { config, properties: plannedColumns(target.targetSchema, config) };
  const name = featureTableName(target.dataSetId, target.sinkIndex);
  // The column names live in the registry (they may carry suffixes); read once, on the first batch.
  let layout: FeatureTableLayout | undefined;
  const layoutOf = async (tx: Parameters<PreparedSink['write']>[0]['tx']) => {
    if (layout) return layout;
    const found = await readFeatureTableLayout(tx, name);
    if (!found)
      throw new Error(`the features table ${name} of DataSet ${target.dataSetIdentifier} is not provisioned`);
    const known = new Set(found.columns.map((c) => c.property));
    const missing = plan.properties.filter((p) => !known.has(p.property)).map((p) => p.property);
    if (missing.length > 0) {
      throw new Error(
        `the features table ${name} has no column for ${missing.join(', ')}; release the DataSet again`,
      );
    }
    layout = { ...found, mode: config.mode };
    return layout;
  };
  return {
    check(value) {
      const result = convertRecord(plan, value);
      return result.ok ? [] : result.reasons;
    },
    async write(w, records) {
      const rows: ConvertedRow[] = records.map((r) => {
        const result = convertRecord(plan, r.value);
        // The runtime only writes records that passed check(); anything else is a bug in the caller.
        if (!result.ok) throw new Error(`record ${r.index} was not checked: ${result.reasons[0]?.message}`);
        return result.row;
      });
      await writeFeatureRows(w.tx, await layoutOf(w.tx), rows);
    },
    describe(value) {
      const result = convertRecord(plan, value);
      if (!result.ok) return {};
      return {
        featureId: result.row.fid ?? null,
        geometryType: result.row.geometry?.type ?? null,
      };
    },
  };
}
