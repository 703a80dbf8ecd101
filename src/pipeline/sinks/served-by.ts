/**
 * Where a released dataset can be read, derived from its sinks: what the control plane shows as a
 * DataSet's `servedBy` (issue 4: "the APIs it is served by"). Paths are relative to the tenant tree the
 * request came through (`/` or `/t/{tenant}`).
 */
export interface ServedApi {
  /** `ogc-features` or `sensorthings`. */
  api: string;
  /** Path of the entry point, e.g. `/ogc/collections/parking-jena`. */
  path: string;
  /** Which sink it serves. */
  sinkIndex: number;
}

/**
 * The OGC API collection id of the features sink at `sinkIndex`: the dataset identifier for its first
 * features sink, `<identifier>~<sinkIndex>` for further ones (`~` cannot occur in identifiers).
 */
export function featureCollectionId(
  identifier: string,
  sinks: readonly { kind?: unknown }[],
  sinkIndex: number,
): string {
  const first = sinks.findIndex((s) => s.kind === 'features');
  return sinkIndex === first ? identifier : `${identifier}~${sinkIndex}`;
}

/** The APIs serving an AVAILABLE dataset (none before its release). */
export function servedApis(dataSet: {
  id: number;
  identifier: string;
  status: string;
  sinks: readonly { kind?: unknown }[];
}): ServedApi[] {
  if (dataSet.status !== 'AVAILABLE') return [];
  return dataSet.sinks.flatMap((sink, sinkIndex): ServedApi[] => {
    if (sink.kind === 'features') {
      const id = featureCollectionId(dataSet.identifier, dataSet.sinks, sinkIndex);
      return [{ api: 'ogc-features', path: `/ogc/collections/${encodeURIComponent(id)}`, sinkIndex }];
    }
    if (sink.kind === 'observations') {
      const filter = encodeURIComponent(`properties/urbsDataSet eq ${dataSet.id}`);
      return [{ api: 'sensorthings', path: `/sta/v1.1/Things?$filter=${filter}`, sinkIndex }];
    }
    return [];
  });
}
