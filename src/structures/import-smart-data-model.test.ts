import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NotFoundError } from '../core/errors/not-found.ts';
import {
  importSmartDataModel,
  listSmartDataModels,
  smartDataModelExample,
} from './import-smart-data-model.ts';
import { validateAgainst, validateJsonSchema } from './validate-json-schema.ts';

describe('importSmartDataModel', () => {
  test('lists the bundled models', () => {
    const models = listSmartDataModels();
    assert.ok(models.includes('WeatherObserved'));
    assert.ok(models.includes('OffStreetParking'));
    assert.ok(!models.includes('common'));
  });

  test('embeds the shared definitions so that $refs resolve offline', () => {
    const m = importSmartDataModel('WeatherObserved');
    assert.equal(
      m.sourceId,
      'https://smart-data-models.github.io/dataModel.Weather/WeatherObserved/schema.json',
    );
    const defs = m.schema.$defs as Record<string, { $id: string; $schema?: string }>;
    assert.deepEqual(Object.keys(defs).sort(), ['Environment-schema', 'common-schema', 'weather-schema']);
    assert.equal(
      defs['common-schema']!.$id,
      'https://smart-data-models.github.io/data-models/common-schema.json',
    );
    assert.equal(defs['common-schema']!.$schema, undefined);
    validateJsonSchema(m.schema);
  });

  test('maps the raw.githubusercontent alias of a shared document to its $id', () => {
    const m = importSmartDataModel('AirQualityObserved');
    assert.doesNotMatch(JSON.stringify(m.schema), /raw\.githubusercontent\.com[^"]*Environment-schema/);
    validateJsonSchema(m.schema);
  });

  test('every model validates its own upstream example (except the known AirQualityObserved quirk)', () => {
    for (const model of listSmartDataModels().filter((x) => x !== 'AirQualityObserved')) {
      const m = importSmartDataModel(model);
      assert.deepEqual(validateAgainst(m.schema, smartDataModelExample(model)), [], model);
      assert.notDeepEqual(validateAgainst(m.schema, { id: 'x', type: 'SomethingElse' }), [], model);
    }
  });

  test('an unknown model is a 404 naming the member', () => {
    assert.throws(
      () => importSmartDataModel('../etc'),
      (e: unknown) => e instanceof NotFoundError && e.extensions.field === 'smartDataModel',
    );
  });
});
