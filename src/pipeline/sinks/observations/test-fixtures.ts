/** Shared by the tests of this folder: the WeatherObserved structure, a sink config for it, mapped records. */
import { importSmartDataModel } from '../../../structures/import-smart-data-model.ts';
import { compileMapping } from '../../apply-mapping.ts';
import { neutorRecords } from '../../fixtures/load-fixtures.ts';
import { neutorWeatherMapping } from '../../fixtures/neutor-weather-mapping.ts';
import type { SinkTarget } from '../sink-kind.ts';

/** WeatherObserved as imported by the control plane (shared schemas embedded under `$defs`). */
export const weatherSchema = importSmartDataModel('WeatherObserved').schema as Record<string, unknown>;

export const neutorConfig = {
  thing: {
    key: 'address.streetAddress',
    name: 'Weather station {address.streetAddress}',
    location: 'location',
    properties: { city: '{address.addressLocality}' },
  },
  phenomenonTime: 'dateObserved',
  datastreams: [
    {
      result: 'temperature',
      name: '{@thing} air temperature',
      unitOfMeasurement: {
        name: 'degree Celsius',
        symbol: '°C',
        definition: 'http://qudt.org/vocab/unit/DEG_C',
      },
      observedProperty: {
        name: 'air temperature',
        definition: 'https://vocab.nerc.ac.uk/standard_name/air_temperature/',
      },
    },
    {
      result: 'windSpeed',
      unitOfMeasurement: {
        name: 'metre per second',
        symbol: 'm/s',
        definition: 'http://qudt.org/vocab/unit/M-PER-SEC',
      },
      observedProperty: {
        name: 'wind speed',
        definition: 'https://vocab.nerc.ac.uk/standard_name/wind_speed/',
      },
    },
    {
      result: 'weatherType',
      observedProperty: {
        name: 'weather type',
        definition: 'https://smartdatamodels.org/dataModel.Weather/weatherType',
      },
    },
  ],
};

export function weatherTarget(over: Partial<SinkTarget> = {}): SinkTarget {
  return {
    tenant: 'a',
    dataSetId: 7,
    dataSetIdentifier: 'weather-muenster',
    sinkIndex: 0,
    targetSchema: weatherSchema,
    ...over,
  };
}

/** The Neutor CSV rows mapped to WeatherObserved (the totals and empty rows are filtered out): 12 hourly records. */
export async function mappedNeutorRecords(): Promise<Record<string, unknown>[]> {
  const mapping = compileMapping(neutorWeatherMapping);
  const out: Record<string, unknown>[] = [];
  for (const row of neutorRecords()) {
    const keep = await mapping.filter?.(row);
    if (keep && (!keep.ok || !keep.keep)) continue;
    const mapped = await mapping.map(row);
    if (!mapped.ok) throw new Error(JSON.stringify(mapped.errors));
    out.push(mapped.value);
  }
  return out;
}
