import type { EntityRecord } from '../../core/entities/entity-record.ts';
import type { FormatContext } from './format-entity.ts';

/**
 * `$resultFormat=dataArray` (18-088 §14.3): Observations grouped per Datastream / MultiDatastream, each
 * group with its `components` (the selected properties) and `dataArray` rows in that order.
 */
const DEFAULT_COMPONENTS = [
  'id',
  'phenomenonTime',
  'result',
  'resultTime',
  'resultQuality',
  'validTime',
  'parameters',
];

export function formatDataArray(
  ctx: FormatContext,
  records: readonly EntityRecord[],
  selected: readonly string[] | undefined,
): Array<Record<string, unknown>> {
  const components = selected?.length
    ? selected.map((s) => (s === '@iot.id' ? 'id' : s))
    : DEFAULT_COMPONENTS;
  const groups = new Map<string, { link: string; rows: unknown[][] }>();
  for (const r of records) {
    const ds = r.links.Datastream;
    const mds = r.links.MultiDatastream;
    const key = ds != null ? `Datastreams(${ds})` : `MultiDatastreams(${mds})`;
    let g = groups.get(key);
    if (!g) {
      g = { link: `${ctx.base}/${key}`, rows: [] };
      groups.set(key, g);
    }
    g.rows.push(components.map((c) => (c === 'id' ? r.id : (r.props[c] ?? null))));
  }
  return [...groups.values()].map((g) => ({
    [g.link.includes('/MultiDatastreams(')
      ? 'MultiDatastream@iot.navigationLink'
      : 'Datastream@iot.navigationLink']: g.link,
    components,
    'dataArray@iot.count': g.rows.length,
    dataArray: g.rows,
  }));
}
