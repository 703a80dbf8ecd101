import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDomainError } from '../../core/errors/domain-error.ts';
import {
  encodeCursor,
  parseBbox,
  parseDatetime,
  parseItemsQuery,
  type QueryableColumn,
} from './parse-items-query.ts';

const columns: QueryableColumn[] = [
  { property: 'name', column: 'name', type: 'text' },
  { property: 'availableSpotNumber', column: 'available_spot_number', type: 'bigint' },
  { property: 'occupancy', column: 'occupancy', type: 'double precision' },
  { property: 'covered', column: 'covered', type: 'boolean' },
  { property: 'openedOn', column: 'opened_on', type: 'date' },
  { property: 'dateModified', column: 'date_modified', type: 'timestamptz' },
  { property: 'category', column: 'category', type: 'jsonb' },
];

describe('OGC items query', () => {
  test('defaults, limits, paging and filters', () => {
    assert.deepEqual(parseItemsQuery({}, columns), { limit: 10, offset: 0, filters: [] });
    assert.deepEqual(
      parseItemsQuery(
        {
          limit: '25',
          offset: '50',
          cursor: encodeCursor('urn:x:1'),
          name: 'Eichplatz',
          availableSpotNumber: '-3',
          occupancy: '0.5',
          covered: 'false',
          openedOn: '2024-02-29',
          dateModified: '2024-05-01T12:00:00+02:00',
        },
        columns,
      ),
      {
        limit: 25,
        offset: 50,
        after: 'urn:x:1',
        filters: [
          { column: 'name', type: 'text', value: 'Eichplatz' },
          { column: 'available_spot_number', type: 'bigint', value: -3 },
          { column: 'occupancy', type: 'double precision', value: 0.5 },
          { column: 'covered', type: 'boolean', value: false },
          { column: 'opened_on', type: 'date', value: '2024-02-29' },
          { column: 'date_modified', type: 'timestamptz', value: '2024-05-01T12:00:00+02:00' },
        ],
      },
    );
    assert.equal(parseItemsQuery({ limit: '20000' }, columns).limit, 10_000);
    assert.deepEqual(parseBbox('170,-10,-170,10'), [170, -10, -170, 10]);
    assert.deepEqual(parseDatetime('2024-05-01'), {
      start: '2024-05-01T00:00:00Z',
      end: '2024-05-01T23:59:59.999999Z',
    });
    assert.deepEqual(parseDatetime('../2024-05-01T10:00:00+02:00'), {
      start: null,
      end: '2024-05-01T10:00:00+02:00',
    });
    assert.equal(parseDatetime('../..'), undefined);
    assert.deepEqual(parseBbox('1.5, 2 ,3e0,4,'.slice(0, -1)), [1.5, 2, 3, 4]);
  });

  test('a bounded fuzz: any parameter value parses or is a 400 naming the parameter', () => {
    const alphabet = [
      '1',
      '0',
      '-',
      '.',
      'e',
      ',',
      ' ',
      'a',
      '%',
      '\u0000',
      '\ud800',
      'T',
      ':',
      'Z',
      '9',
      '+',
    ];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const names = [
      'limit',
      'offset',
      'cursor',
      'bbox',
      'bbox-crs',
      'f',
      'datetime',
      ...columns.map((c) => c.property),
    ];
    for (let i = 0; i < 3000; i++) {
      const name = names[Math.floor(random() * names.length)]!;
      const length = Math.floor(random() * 12);
      const value = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      try {
        parseItemsQuery({ [name]: value }, columns, columns[5]);
      } catch (err) {
        assert.ok(isDomainError(err) && err.status === 400, `${name}=${JSON.stringify(value)}: ${err}`);
        assert.equal(err.extensions.parameter, name);
      }
    }
  });
});
