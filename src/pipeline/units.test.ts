import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConversion, createConverter, UNIT_CODES, unitDimension } from './units.ts';

const convert = (value: number, from: string, to: string) => createConverter(from, to)(value);

describe('unit conversion', () => {
  it('converts temperatures with offsets', () => {
    assert.equal(convert(212, 'degF', 'degC'), 100);
    assert.equal(convert(32, 'degF', 'degC'), 0);
    assert.equal(convert(-40, 'degC', 'degF'), -40);
    assert.equal(convert(0, 'degC', 'K'), 273.15);
    assert.equal(convert(300, 'K', '°C'), 26.85);
  });

  it('converts length, speed, pressure, volume, mass and ratios', () => {
    assert.equal(convert(1, 'mi', 'km'), 1.609344);
    assert.equal(convert(1000, 'ft', 'm'), 304.8);
    assert.equal(convert(250, 'cm', 'm'), 2.5);
    assert.equal(convert(36, 'km/h', 'm/s'), 10);
    assert.equal(convert(10, 'kn', 'km/h'), 18.52);
    assert.equal(convert(60, 'mph', 'km/h'), 96.56064);
    assert.equal(convert(1013.25, 'hPa', 'Pa'), 101325);
    assert.equal(convert(1, 'bar', 'mbar'), 1000);
    assert.equal(convert(101.325, 'kPa', 'atm'), 1);
    assert.equal(convert(1, 'm3', 'L'), 1000);
    assert.equal(convert(1, 'lb', 'kg'), 0.45359237);
    assert.equal(convert(2500, 'g', 'kg'), 2.5);
    assert.equal(convert(45, 'percent', 'ratio'), 0.45);
    assert.equal(convert(0.5, 'ratio', '%'), 50);
  });

  it('reports unknown units and dimension mismatches', () => {
    assert.equal(checkConversion('degC', 'degF'), undefined);
    assert.equal(checkConversion('degX', 'degC'), "unknown unit 'degX'");
    assert.equal(checkConversion('degC', 'km'), "cannot convert temperature 'degC' to length 'km'");
    assert.throws(() => createConverter('m', 'kg'), /cannot convert length/);
  });

  it('lists each code with its dimension', () => {
    assert.ok(UNIT_CODES.includes('hPa'));
    assert.equal(unitDimension('Cel'), 'temperature');
    assert.equal(unitDimension('furlong'), undefined);
  });
});
