import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as body from '../../../test/support/sta-bodies.ts';
import { staRegistry } from '../../model/sta/index.ts';
import { isDomainError } from '../errors/domain-error.ts';
import { type ParsedEntity, validateCreate, validateUpdate } from './validate-body.ts';

const Thing = staRegistry.entity('Thing');
const Datastream = staRegistry.entity('Datastream');
const Observation = staRegistry.entity('Observation');

function fieldOfError(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isDomainError(err) && err.status === 400) return err.extensions.field as string;
    throw err;
  }
  return undefined;
}

test('a deep insert is parsed into properties, links and inline entities', () => {
  const p = validateCreate(staRegistry, Thing, body.standardThing(), { serverFilled: () => true });
  assert.deepEqual(Object.keys(p.values), ['name', 'description', 'properties']);
  const ds = p.toMany.get('Datastreams')![0]!;
  assert.equal(ds.kind, 'create');
  const dsBody = (ds as { body: ParsedEntity }).body;
  assert.equal(dsBody.field, 'Datastreams[0]');
  assert.equal(dsBody.toOne.get('Sensor')?.kind, 'create');
  const obs = (dsBody.toMany.get('Observations')![1] as { body: ParsedEntity }).body;
  assert.equal(obs.field, 'Datastreams[0].Observations[1]');
  assert.equal(obs.values.resultTime, '2024-05-01T12:10:05Z');
});

test('members are named by dotted path in errors', () => {
  const create = (b: unknown) => () => validateCreate(staRegistry, Thing, b);
  const withDs = (ds: unknown) => ({ ...body.thing(), Datastreams: [body.datastream(), ds] });
  assert.equal(
    fieldOfError(create(withDs({ ...body.datastream(), Sensor: { ...body.sensor(), name: 5 } }))),
    'Datastreams[1].Sensor.name',
  );
  assert.equal(
    fieldOfError(create(withDs({ ...body.datastream(), observationType: undefined }))),
    'Datastreams[1].observationType',
  );
  assert.equal(
    fieldOfError(create(withDs({ ...body.datastream(), Sensor: { '@iot.id': -1 } }))),
    'Datastreams[1].Sensor.@iot.id',
  );
  assert.equal(fieldOfError(create(withDs('nope'))), 'Datastreams[1]');
  assert.equal(fieldOfError(create({ ...body.thing(), Datastreams: {} })), 'Datastreams');
  assert.equal(fieldOfError(create({ ...body.thing(), properties: [] })), 'properties');
  assert.equal(fieldOfError(create([])), '');
  assert.throws(
    create({ ...body.thing(), Datastreams: [body.datastream({ Observations: [{ result: 1 }] })] }),
    {
      message: 'Datastreams[0].Observations[0].FeatureOfInterest is required for an Observation',
    },
  );
});

test('server-maintained properties are ignored, defaults are filled in', () => {
  const ds = validateCreate(staRegistry, Datastream, {
    ...body.datastream({ Thing: { '@iot.id': 1 } }),
    observedArea: { type: 'Point', coordinates: [0, 0] },
    phenomenonTime: 'not even a time',
  });
  assert.equal('observedArea' in ds.values, false);
  assert.equal('phenomenonTime' in ds.values, false);
  const obs = validateCreate(staRegistry, Observation, { result: 1 }, { serverFilled: () => true });
  assert.ok(typeof obs.values.phenomenonTime === 'string');
});

test('PATCH keeps only the given members; PUT nulls the missing optional ones', () => {
  const patch = validateUpdate(staRegistry, Thing, 1, { name: 'x' }, 'merge');
  assert.deepEqual(patch.values, { name: 'x' });
  const put = validateUpdate(staRegistry, Thing, 1, { name: 'x', description: 'y' }, 'replace');
  assert.deepEqual(put.values, { name: 'x', description: 'y', properties: null });
  const link = validateUpdate(staRegistry, Datastream, 1, { Thing: { '@iot.id': 2 } }, 'merge');
  assert.deepEqual(link.toOne.get('Thing'), { kind: 'link', id: 2, field: 'Thing' });
  assert.equal(
    fieldOfError(() => validateUpdate(staRegistry, Datastream, 1, { Sensor: body.sensor() }, 'merge')),
    'Sensor',
  );
  assert.equal(
    fieldOfError(() => validateUpdate(staRegistry, Thing, 1, { nme: 'x' }, 'merge')),
    'nme',
  );
});
