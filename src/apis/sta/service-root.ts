import type { ModelRegistry } from '../../model/registry.ts';

/**
 * Conformance classes of 18-088 Annex A that urbs passes; serverSettings.conformance lists exactly these.
 * Each entry is covered by a suite under test/conformance/sta/.
 */
export const STA_CONFORMANCE = [
  'http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/request-data',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/multi-datastream',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/batch-request/batch-request',
];

export interface ServiceRootOptions {
  base: string;
  version: 'v1.0' | 'v1.1';
  /** `mqtt://host:port` of the embedded broker, when it runs. */
  mqttEndpoint?: string | undefined;
  extraConformance?: readonly string[];
}

/** The service root document (18-088 §9.2.1; serverSettings are new in 1.1). */
export function serviceRoot(registry: ModelRegistry, o: ServiceRootOptions): Record<string, unknown> {
  const value = registry.model.entities.map((e) => ({ name: e.setName, url: `${o.base}/${e.setName}` }));
  if (o.version === 'v1.0') return { value };
  const conformance = [...STA_CONFORMANCE, ...(o.extraConformance ?? [])];
  const settings: Record<string, unknown> = { conformance };
  if (o.mqttEndpoint) {
    for (const c of o.extraConformance ?? []) {
      if (c.includes('mqtt')) settings[c] = { endpoints: [o.mqttEndpoint] };
    }
  }
  return { value, serverSettings: settings };
}
