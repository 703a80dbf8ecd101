import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDateFormat, checkTimezone, createDateParser } from './parse-date.ts';

const parse = (value: unknown, format?: string, zone?: string) => createDateParser(format, zone)(value);
const ok = (value: string) => ({ ok: true, value });

describe('date parsing', () => {
  it('reads ISO 8601 by default, with or without an offset', () => {
    assert.deepEqual(parse('2016-11-30T07:00:00.00Z'), ok('2016-11-30T07:00:00.000Z'));
    assert.deepEqual(parse('2016-11-30T08:00:00+01:00'), ok('2016-11-30T07:00:00.000Z'));
    assert.deepEqual(parse('2016-11-30 07:00'), ok('2016-11-30T07:00:00.000Z'));
    assert.deepEqual(parse('2016-11-30'), ok('2016-11-30T00:00:00.000Z'));
    assert.deepEqual(parse('2016-11-30T07:00:00.123456Z'), ok('2016-11-30T07:00:00.123Z'));
  });

  it('reads local times in an IANA timezone, across daylight saving', () => {
    assert.deepEqual(parse('2016-07-01T12:00', 'iso', 'Europe/Berlin'), ok('2016-07-01T10:00:00.000Z'));
    assert.deepEqual(parse('2016-01-01T12:00', 'iso', 'Europe/Berlin'), ok('2016-01-01T11:00:00.000Z'));
    assert.deepEqual(parse('2016-11-30 07:00', 'iso', 'America/New_York'), ok('2016-11-30T12:00:00.000Z'));
    // An explicit offset wins over the zone.
    assert.deepEqual(parse('2016-07-01T12:00Z', 'iso', 'Europe/Berlin'), ok('2016-07-01T12:00:00.000Z'));
  });

  it('reads the Münster counter timestamps (M/d/yyyy H:mm, local time)', () => {
    const p = createDateParser('M/d/yyyy H:mm', 'Europe/Berlin');
    assert.deepEqual(p('1/1/2016 0:00'), ok('2015-12-31T23:00:00.000Z'));
    assert.deepEqual(p('3/27/2016 1:00'), ok('2016-03-27T00:00:00.000Z'));
    assert.deepEqual(p('3/27/2016 3:00'), ok('2016-03-27T01:00:00.000Z'));
    // 2:00 does not exist that night; it is shifted forward by the gap.
    assert.deepEqual(p('3/27/2016 2:00'), ok('2016-03-27T01:00:00.000Z'));
    assert.deepEqual(p('12/31/2016 23:00'), ok('2016-12-31T22:00:00.000Z'));
  });

  it('reads patterns with quoted literals, fractions and offsets', () => {
    assert.deepEqual(parse('30.11.2016 07:00', 'dd.MM.yyyy HH:mm'), ok('2016-11-30T07:00:00.000Z'));
    assert.deepEqual(
      parse('30.11.2016 07:00:09', 'dd.MM.yyyy HH:mm:ss', 'Europe/Berlin'),
      ok('2016-11-30T06:00:09.000Z'),
    );
    assert.deepEqual(parse('2016-11-30', 'yyyy-MM-dd'), ok('2016-11-30T00:00:00.000Z'));
    assert.deepEqual(parse('30/11/16', 'dd/MM/yy'), ok('2016-11-30T00:00:00.000Z'));
    assert.deepEqual(parse('20161130T070000.5+0100', "yyyyMMdd'T'HHmmss.SX"), ok('2016-11-30T06:00:00.500Z'));
  });

  it('reads epoch seconds and milliseconds', () => {
    assert.deepEqual(parse(1480489200, 'epoch'), ok('2016-11-30T07:00:00.000Z'));
    assert.deepEqual(parse('1480489200', 'epoch'), ok('2016-11-30T07:00:00.000Z'));
    assert.deepEqual(parse(1480489200123, 'epochMillis'), ok('2016-11-30T07:00:00.123Z'));
    assert.equal(parse('soon', 'epoch').ok, false);
  });

  it('rejects values that do not match or are out of range', () => {
    assert.deepEqual(parse('30.11.2016', 'yyyy-MM-dd'), {
      ok: false,
      error: "'30.11.2016' does not match the date format 'yyyy-MM-dd'",
    });
    assert.deepEqual(parse('2016-02-30'), { ok: false, error: 'day 30 is out of range for 2016-02' });
    assert.deepEqual(parse('2016-13-01'), { ok: false, error: 'month 13 is out of range' });
    assert.equal(parse('2016-01-01T24:00').ok, false);
    assert.equal(parse('yesterday').ok, false);
    assert.deepEqual(parse(42), { ok: false, error: 'expected a date string, got 42' });
  });

  it('checks formats and zones', () => {
    assert.equal(checkDateFormat('dd.MM.yyyy HH:mm'), undefined);
    assert.equal(checkDateFormat('epochMillis'), undefined);
    assert.equal(checkDateFormat('dd.MM.yyyy hh:mm'), "unknown token 'hh' in date format 'dd.MM.yyyy hh:mm'");
    assert.match(checkDateFormat('HH:mm') ?? '', /needs a year/);
    assert.match(checkDateFormat("yyyy-MM-dd'T") ?? '', /unterminated quote/);
    assert.equal(checkTimezone('Europe/Berlin'), undefined);
    assert.match(checkTimezone('Europe/Jena') ?? '', /unknown timezone 'Europe\/Jena'/);
  });
});
