import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../core/errors/domain-error.ts';
import { compileFilter, compileMapping } from './apply-mapping.ts';
import {
  jenaParkingFeatures,
  jenaSourceSchema,
  neutorRecords,
  neutorSourceSchema,
  parkingTargetSchema,
  smartDataModelSchemas,
  weatherObservedSchema,
} from './fixtures/load-fixtures.ts';
import { neutorWeatherMapping } from './fixtures/neutor-weather-mapping.ts';
import { dryRun, type PipelineParts, preparePipeline, processRecord } from './run-records.ts';
import { createValidatorCache } from './validate-record.ts';

const validators = createValidatorCache({ schemas: smartDataModelSchemas });

const jenaMapping = {
  filter: "properties.art = 'Parkhaus'",
  rules: [
    { target: 'id', op: 'concat', from: ["'urn:ngsi-ld:OffStreetParking:jena-'", 'properties.id'] },
    { target: 'type', op: 'constant', value: 'OffStreetParking' },
    { target: 'name', op: 'copy', from: 'properties.name' },
    { target: 'location', op: 'copy', from: 'geometry' },
    { target: 'category', op: 'jsonata', expression: '[$lowercase(properties.art)]' },
    { target: 'address.addressLocality', op: 'constant', value: 'Jena' },
  ],
};

describe('processRecord', () => {
  const parts: PipelineParts = {
    sourceValidator: validators.get({
      type: 'object',
      required: ['v'],
      properties: { v: { type: 'string' } },
    }),
    filter: compileFilter("v != 'skip'"),
    mapping: compileMapping({ rules: [{ target: 'n', op: 'toNumber', from: 'v' }] }),
    targetValidator: validators.get({
      type: 'object',
      required: ['n'],
      properties: { n: { type: 'number', maximum: 100 } },
    }),
  };

  it('passes a good record through every stage', async () => {
    assert.deepEqual(await processRecord({ v: '42' }, parts), { kind: 'out', value: { n: 42 } });
  });

  it('stops at the first failing stage and says why', async () => {
    assert.deepEqual(await processRecord({ v: 42 }, parts), {
      kind: 'rejected',
      stage: 'source-validation',
      reasons: [{ path: '/v', message: 'must be a string, got integer' }],
    });
    assert.deepEqual(await processRecord({ v: 'skip' }, parts), { kind: 'filtered' });
    assert.deepEqual(await processRecord({ v: 'many' }, parts), {
      kind: 'rejected',
      stage: 'mapping',
      reasons: [{ rule: 'rules[0]', field: 'n', message: `source field 'v': "many" is not a number` }],
    });
    assert.deepEqual(await processRecord({ v: '1000' }, parts), {
      kind: 'rejected',
      stage: 'target-validation',
      reasons: [{ path: '/n', message: 'must be <= 100' }],
    });
    const failingFilter = { ...parts, filter: compileFilter('$number(v) > 1') };
    const outcome = await processRecord({ v: 'x' }, failingFilter);
    assert.equal(outcome.kind === 'rejected' && outcome.stage, 'filter');
  });

  it("uses the mapping's own filter unless one is given", async () => {
    const mapping = compileMapping({ filter: 'keep', rules: [{ target: 'v', op: 'copy', from: 'v' }] });
    assert.deepEqual(await processRecord({ keep: false, v: 1 }, { mapping }), { kind: 'filtered' });
    assert.deepEqual(await processRecord({ keep: false, v: 1 }, { mapping, filter: compileFilter('true') }), {
      kind: 'out',
      value: { v: 1 },
    });
  });
});

describe('dryRun', () => {
  it('runs the Neutor CSV sample into WeatherObserved and counts each outcome', async () => {
    const parts = preparePipeline(
      {
        mapping: neutorWeatherMapping,
        sourceSchema: neutorSourceSchema,
        targetSchema: weatherObservedSchema,
        validators,
      },
      { schemas: smartDataModelSchemas },
    );
    const records: unknown[] = neutorRecords();
    records.push({ ...records[0]!, Stunden: '2/30/2016 0:00' }); // no such day
    const result = await dryRun(records, parts);
    assert.deepEqual(result.counts, {
      total: 15,
      out: 12,
      filtered: 1, // the Jahressumme row
      rejected: 2,
      'source-validation': 1, // the empty row
      filter: 0,
      mapping: 1,
      'target-validation': 0,
    });
    assert.deepEqual(result.rejected[0], {
      index: 12,
      stage: 'source-validation',
      reasons: [
        { path: '/Stunden', message: 'must NOT have fewer than 1 characters' },
        { path: '/Neutor (gesamt)', message: 'must match pattern "^\\d+$"' },
      ],
    });
    assert.deepEqual(result.rejected[1], {
      index: 14,
      stage: 'mapping',
      reasons: [
        {
          rule: 'rules[2]',
          field: 'dateObserved',
          message: "source field 'Stunden': day 30 is out of range for 2016-02",
        },
      ],
    });
    // The duplicated 3:00 row at the DST change: the counter's placeholder row has no temperature.
    const placeholder = result.outputs.find((o) => o.index === 8)!.value;
    assert.equal(placeholder.dateObserved, '2016-03-27T01:00:00.000Z');
    assert.equal('temperature' in placeholder, false);
    assert.deepEqual(
      result.outputs.map((o) => o.index),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
  });

  it('runs the Jena car parks through a filter into a target structure', async () => {
    const parts = preparePipeline({
      mapping: jenaMapping,
      sourceSchema: jenaSourceSchema,
      targetSchema: parkingTargetSchema,
      validators,
    });
    const result = await dryRun(jenaParkingFeatures, parts);
    assert.equal(result.counts.out, 2);
    assert.equal(result.counts.filtered, 6);
    assert.deepEqual(result.outputs[0]?.value, {
      id: 'urn:ngsi-ld:OffStreetParking:jena-1732',
      type: 'OffStreetParking',
      name: 'Friedrich-Zucker-Straße (Columbus-Center)',
      location: { type: 'Point', coordinates: [11.5731462, 50.902044446] },
      category: ['parkhaus'],
      address: { addressLocality: 'Jena' },
    });
  });

  it('reports target-validation failures against the structure', async () => {
    const parts = preparePipeline({
      mapping: {
        ...jenaMapping,
        filter: undefined,
        rules: jenaMapping.rules.map((r) => (r.target === 'id' ? { ...r, from: ['properties.name'] } : r)),
      },
      sourceSchema: jenaSourceSchema,
      targetSchema: parkingTargetSchema,
      validators,
    });
    const result = await dryRun(jenaParkingFeatures.slice(0, 1), parts);
    assert.deepEqual(result.rejected, [
      {
        index: 0,
        stage: 'target-validation',
        reasons: [{ path: '/id', message: 'must be a valid uri, got "Eichplatz"' }],
      },
    ]);
  });

  it('refuses an invalid mapping with a 400 naming the field', () => {
    const mapping = {
      rules: [...jenaMapping.rules, { target: 'capacity', op: 'toNumber', from: 'properties.gid' }],
    };
    assert.throws(
      () =>
        preparePipeline({
          mapping,
          sourceSchema: jenaSourceSchema,
          targetSchema: parkingTargetSchema,
          validators,
        }),
      (err: unknown) =>
        isDomainError(err) &&
        err.status === 400 &&
        err.extensions.field === 'rules[6].target' &&
        err.message === "The mapping is invalid: rules[6].target: target has no field 'capacity'",
    );
  });
});
