import type { WriteContext } from '../../../core/entities/context.ts';
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import { createObservations, type ObservationRow } from '../../../core/sensing/create-observations.ts';
import type { FormatContext } from '../format-entity.ts';

/**
 * POST CreateObservations (18-088 §14.4, data array extension): groups of rows per (Multi)Datastream with
 * named components. The whole request is one transaction: either every row is stored or none, and an
 * error names the group, row and component (e.g. `[0].dataArray[3].result`).
 */
const COMPONENTS = new Set([
  'phenomenonTime',
  'result',
  'resultTime',
  'resultQuality',
  'validTime',
  'parameters',
  'FeatureOfInterest/id',
]);

export async function createObservationsFromDataArray(
  w: WriteContext,
  fmt: FormatContext,
  body: unknown,
): Promise<string[]> {
  if (!Array.isArray(body))
    throw new BadRequestError('CreateObservations needs a JSON array of groups', { field: '' });
  const rows: ObservationRow[] = [];
  for (const [g, group] of body.entries()) rows.push(...groupRows(group, `[${g}]`));
  const ids = await createObservations(w, rows, '');
  return ids.map((id) => `${fmt.base}/Observations(${id})`);
}

function refId(v: unknown, field: string): number {
  const id = (v as { '@iot.id'?: unknown } | null)?.['@iot.id'];
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    throw new BadRequestError(`${field} must be {"@iot.id": <integer>}`, { field });
  }
  return id;
}

function groupRows(group: unknown, field: string): ObservationRow[] {
  if (typeof group !== 'object' || group === null)
    throw new BadRequestError(`${field} must be an object`, { field });
  const g = group as Record<string, unknown>;
  const stream: Pick<ObservationRow, 'datastreamId' | 'multiDatastreamId'> =
    g.MultiDatastream !== undefined
      ? { multiDatastreamId: refId(g.MultiDatastream, `${field}.MultiDatastream`) }
      : { datastreamId: refId(g.Datastream, `${field}.Datastream`) };
  const components = g.components;
  if (!Array.isArray(components) || components.length === 0) {
    throw new BadRequestError(`${field}.components must be a non-empty array`, {
      field: `${field}.components`,
    });
  }
  components.forEach((c, i) => {
    if (
      typeof c !== 'string' ||
      !COMPONENTS.has(c === 'FeatureOfInterest/@iot.id' ? 'FeatureOfInterest/id' : c)
    ) {
      throw new BadRequestError(
        `${field}.components[${i}] ${JSON.stringify(c)} is not a component of an Observation`,
        {
          field: `${field}.components[${i}]`,
        },
      );
    }
  });
  if (!Array.isArray(g.dataArray))
    throw new BadRequestError(`${field}.dataArray must be an array`, { field: `${field}.dataArray` });
  return g.dataArray.map((values, r) => {
    const at = `${field}.dataArray[${r}]`;
    if (!Array.isArray(values) || values.length !== components.length) {
      throw new BadRequestError(`${at} must have one value per component (${components.length})`, {
        field: at,
      });
    }
    const row: ObservationRow = { ...stream, field: at } as ObservationRow;
    components.forEach((c: string, i) => {
      const v = values[i];
      if (c === 'FeatureOfInterest/id' || c === 'FeatureOfInterest/@iot.id') {
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
          throw new BadRequestError(`${at}[${i}] must be a FeatureOfInterest id`, { field: `${at}[${i}]` });
        }
        row.foiId = v;
      } else (row as unknown as Record<string, unknown>)[c] = v;
    });
    return row;
  });
}
