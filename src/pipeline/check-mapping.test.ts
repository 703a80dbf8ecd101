import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../core/errors/domain-error.ts';
import { assertValidMapping, checkMapping } from './check-mapping.ts';
import {
  jenaSourceSchema,
  neutorSourceSchema,
  parkingTargetSchema,
  smartDataModelSchemas,
  weatherObservedSchema,
} from './fixtures/load-fixtures.ts';
import { neutorWeatherMapping } from './fixtures/neutor-weather-mapping.ts';
import { formatProblem } from './mapping.ts';

const options = { schemas: smartDataModelSchemas };
const checkWeather = (mapping: unknown) =>
  checkMapping(mapping, neutorSourceSchema, weatherObservedSchema, options).map(formatProblem);
const base = neutorWeatherMapping.rules;

describe('checkMapping', () => {
  it('accepts a realistic CSV → WeatherObserved mapping', () => {
    assert.deepEqual(checkWeather(neutorWeatherMapping), []);
  });

  it('accepts a GeoJSON feature → car park mapping using every kind of path', () => {
    const mapping = {
      filter: "properties.art = 'Parkhaus'",
      rules: [
        { target: 'id', op: 'concat', from: ["'urn:ngsi-ld:OffStreetParking:jena-'", 'properties.id'] },
        { target: 'type', op: 'constant', value: 'OffStreetParking' },
        { target: 'name', op: 'toString', from: 'properties.name' },
        { target: 'location', op: 'copy', from: 'geometry' },
        { target: 'category', op: 'jsonata', expression: '[properties.art]' },
        { target: 'address.addressLocality', op: 'constant', value: 'Jena' },
      ],
    };
    assert.deepEqual(checkMapping(mapping, jenaSourceSchema, parkingTargetSchema), []);
  });

  it('names the rule and the field of unknown source and target fields', () => {
    const problems = checkWeather({
      rules: [
        { target: 'temprature', op: 'toNumber', from: 'Temperatur (°C)' },
        ...base.slice(1, 3),
        { target: 'temperature', op: 'toNumber', from: 'tmp' },
        { target: 'location', op: 'geoPoint', from: { lat: 'lat', lon: 'Wetter' } },
        { target: 'id', op: 'concat', from: ["'x:'", 'Stunde'], separator: '-' },
      ],
    });
    assert.deepEqual(problems, [
      "rules[0].target: target has no field 'temprature'",
      "rules[3].from: source has no field 'tmp'",
      "rules[4].from.lat: source has no field 'lat'",
      "rules[5].from[1]: source has no field 'Stunde'",
    ]);
  });

  it('reports op and type incompatibilities', () => {
    const problems = checkWeather({
      rules: [
        ...base.slice(0, 3),
        { target: 'temperature', op: 'geoPoint', from: { lat: 'Temperatur (°C)', lon: 'Wetter' } },
        { target: 'location', op: 'toNumber', from: 'Wetter' },
        { target: 'windSpeed', op: 'constant', value: 'calm' },
        { target: 'weatherType', op: 'copy', from: 'Temperatur (°C)' },
      ],
    });
    assert.deepEqual(problems, [
      "rules[3].target: op 'geoPoint' produces an object but target field 'temperature' holds a number",
      "rules[4].target: op 'toNumber' produces a number but target field 'location' holds an object",
      "rules[5].target: op 'constant' produces a string but target field 'windSpeed' holds a number",
    ]);
  });

  it('reports source fields an op cannot read', () => {
    const problems = checkMapping(
      { rules: [{ target: 'name', op: 'toString', from: 'geometry' }] },
      jenaSourceSchema,
      { type: 'object', properties: { name: { type: 'string' } } },
    ).map(formatProblem);
    assert.deepEqual(problems, [
      "rules[0].from: op 'toString' cannot read source field 'geometry', which holds an object",
    ]);
  });

  it('reports unknown units, bad date formats and zones, and invalid JSONata', () => {
    const problems = checkWeather({
      filter: "Stunden = 'x' and",
      rules: [
        base[0],
        base[1],
        {
          target: 'dateObserved',
          op: 'toDate',
          from: 'Stunden',
          format: 'M/d/yyyy h:mm',
          timezone: 'Europe/Münster',
        },
        {
          target: 'temperature',
          op: 'toNumber',
          from: 'Temperatur (°C)',
          unit: { from: 'degC', to: 'degR' },
        },
        { target: 'windSpeed', op: 'toNumber', from: 'Windstärke (km/h)', unit: { from: 'km/h', to: 'hPa' } },
        { target: 'weatherType', op: 'jsonata', expression: '$uppercase(Wetter' },
        base[6],
      ],
    });
    assert.deepEqual(problems, [
      'filter: invalid JSONata: Unexpected end of expression at position 17',
      "rules[2].format: unknown token 'h' in date format 'M/d/yyyy h:mm'",
      "rules[2].timezone: unknown timezone 'Europe/Münster'; use an IANA name such as 'Europe/Berlin' or 'UTC'",
      "rules[3].unit: unknown unit 'degR'",
      "rules[4].unit: cannot convert speed 'km/h' to pressure 'hPa'",
      'rules[5].expression: invalid JSONata: Expected ")" before end of expression at position 17',
    ]);
  });

  it('reports required target fields that no rule produces, also inside produced objects', () => {
    assert.deepEqual(checkWeather({ rules: [base[0], base[3]] }), [
      "rules: required target field 'type' is not produced by any rule",
      "rules: required target field 'dateObserved' is not produced by any rule",
      "rules: required target field 'location' is not produced by any rule",
    ]);
    const parking = checkMapping(
      {
        rules: [
          { target: 'id', op: 'constant', value: 'urn:x' },
          { target: 'type', op: 'constant', value: 'OffStreetParking' },
          { target: 'name', op: 'copy', from: 'properties.name' },
          { target: 'location', op: 'copy', from: 'geometry' },
          { target: 'address.streetAddress', op: 'constant', value: 'Markt 1' },
        ],
      },
      jenaSourceSchema,
      parkingTargetSchema,
    ).map(formatProblem);
    assert.deepEqual(parking, [
      "rules: required target field 'address.addressLocality' is not produced by any rule",
    ]);
  });

  it('checks the document shape: ops, members, member types and duplicate targets', () => {
    const problems = checkWeather({
      rules: [
        ...base.slice(0, 3),
        { target: 'temperature', op: 'toFloat', from: 'x' },
        { target: 'windSpeed', op: 'toNumber', from: 'Windstärke (km/h)', units: 'km/h', decimals: 1.5 },
        { target: '', op: 'copy', from: 'Wetter' },
        { target: 'weatherType', op: 'concat', from: 'Wetter' },
        { target: 'location', op: 'geoPoint', from: 'lat,lon' },
        { target: 'dataProvider', op: 'jsonata' },
        'copy everything',
        { target: 'type', op: 'constant', value: 'WeatherObserved' },
      ],
      sinks: [],
    });
    assert.deepEqual(problems, [
      "sinks: unknown member 'sinks'",
      'rules[3].op: unknown op "toFloat"; expected one of copy, constant, concat, toNumber, toString, toDate, geoPoint, geoFromWkt, jsonata',
      "rules[4].units: op 'toNumber' has no member 'units'",
      'rules[4].decimals: must be an integer from 0 to 15',
      "rules[5].target: must be a dotted field path such as 'address.city'",
      'rules[6].from: must be a non-empty list of source paths or quoted literals',
      "rules[7].from: must be an object { lat: 'path', lon: 'path' }",
      "rules[8].expression: op 'jsonata' needs 'expression'",
      'rules[9]: a rule must be an object',
      "rules[10].target: target field 'type' is already written by rules[1]",
    ]);
    assert.deepEqual(checkWeather([]), [': a mapping must be an object with a rules list']);
  });

  it('throws a 400 problem naming the first field for the API', () => {
    const mapping = { rules: [...base, { target: 'temprature', op: 'copy', from: 'Wetter' }] };
    assert.throws(
      () => assertValidMapping(mapping, neutorSourceSchema, weatherObservedSchema, options),
      (err: unknown) =>
        isDomainError(err) &&
        err.status === 400 &&
        err.code === 'URBS_INVALID_MAPPING' &&
        err.message === "The mapping is invalid: rules[10].target: target has no field 'temprature'" &&
        err.extensions.field === 'rules[10].target' &&
        Array.isArray(err.extensions.problems),
    );
    assert.doesNotThrow(() =>
      assertValidMapping(neutorWeatherMapping, neutorSourceSchema, weatherObservedSchema, options),
    );
    assert.throws(
      () =>
        assertValidMapping(mapping, neutorSourceSchema, weatherObservedSchema, {
          ...options,
          fieldPrefix: 'mapping',
        }),
      (err: unknown) =>
        isDomainError(err) &&
        err.extensions.field === 'mapping.rules[10].target' &&
        err.message === "The mapping is invalid: mapping.rules[10].target: target has no field 'temprature'",
    );
  });
});
