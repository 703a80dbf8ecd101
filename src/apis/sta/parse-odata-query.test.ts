import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuerySyntaxError } from '../../core/errors/bad-request.ts';
import type { Expr } from '../../core/query/ast.ts';
import {
  FUNCTIONS,
  MAX_OPTION_LENGTH,
  parseExpand,
  parseFilter,
  parseOrderBy,
  parseQueryOptions,
  parseSelect,
} from './parse-odata-query.ts';

/** Compact prefix notation of an expression, so precedence tests read like the grammar. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      if (e.type === 'string') return `'${e.value}'`;
      if (e.type === 'number' || e.type === 'boolean' || e.type === 'null') return String(e.value);
      return `${e.type}:${e.value}${e.srid === undefined ? '' : `@${e.srid}`}`;
    case 'path':
      return e.segments.join('/');
    case 'binary':
      return `(${e.op} ${show(e.left)} ${show(e.right)})`;
    case 'unary':
      return `(${e.op} ${show(e.operand)})`;
    case 'call':
      return `${e.name}(${e.args.map(show).join(', ')})`;
    case 'list':
      return `[${e.items.map(show).join(', ')}]`;
  }
}

const f = (text: string) => show(parseFilter(text));

/** Asserts that `fn` throws a QuerySyntaxError at `position` with `token`; returns it for more checks. */
function syntaxError(fn: () => unknown, option: string, position: number, token: string): QuerySyntaxError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof QuerySyntaxError, `expected QuerySyntaxError, got ${String(err)}`);
    assert.equal(err.code, 'URBS_QUERY_SYNTAX');
    assert.equal(err.status, 400);
    assert.deepEqual(err.extensions, { option, position, token });
    assert.ok(err.message.startsWith(`${option}: `), err.message);
    assert.ok(err.message.endsWith(` at position ${position}`), err.message);
    return err;
  }
  assert.fail('expected a QuerySyntaxError');
}

describe('$filter literals', () => {
  it('parses strings with the doubled-quote escape', () => {
    assert.deepEqual(parseFilter("name eq 'it''s'"), {
      kind: 'binary',
      op: 'eq',
      pos: 5,
      left: { kind: 'path', segments: ['name'], pos: 0 },
      right: { kind: 'literal', type: 'string', value: "it's", pos: 8 },
    });
    assert.equal(f("name eq ''"), "(eq name '')");
    assert.equal(f("name eq ''''"), "(eq name ''')");
  });

  it('parses integers, decimals, exponents and signed numbers', () => {
    const lit = (t: string) => parseFilter(t);
    assert.deepEqual(lit('42'), { kind: 'literal', type: 'number', value: 42, isInteger: true, pos: 0 });
    assert.deepEqual(lit('4.25'), { kind: 'literal', type: 'number', value: 4.25, isInteger: false, pos: 0 });
    assert.deepEqual(lit('1.5e3'), {
      kind: 'literal',
      type: 'number',
      value: 1500,
      isInteger: false,
      pos: 0,
    });
    assert.deepEqual(lit('2E-2'), { kind: 'literal', type: 'number', value: 0.02, isInteger: false, pos: 0 });
    assert.deepEqual(lit('-7'), { kind: 'literal', type: 'number', value: -7, isInteger: true, pos: 0 });
    assert.equal(f('result gt -1.5'), '(gt result -1.5)');
    // Beyond 2^53 the value is approximate, so it is not flagged as an exact integer.
    assert.equal((lit('12345678901234567890') as { isInteger?: boolean }).isInteger, false);
  });

  it('parses keyword literals only in lower case, NaN and INF as numbers', () => {
    assert.equal(f('a eq true or a eq false or a eq null'), '(or (or (eq a true) (eq a false)) (eq a null))');
    assert.equal(f('result eq NaN'), '(eq result NaN)');
    assert.equal(f('result lt -INF'), '(lt result -Infinity)');
    assert.equal(f('True eq 1'), '(eq True 1)'); // a property called True
    assert.equal(f('properties/null eq 1'), '(eq properties/null 1)');
  });

  it('parses unquoted date-times, dates and times', () => {
    assert.equal(
      f('phenomenonTime gt 2010-06-01T00:00:00.000Z'),
      '(gt phenomenonTime datetime:2010-06-01T00:00:00.000Z)',
    );
    assert.equal(
      f('resultTime le 2010-06-01T12:30+02:00'),
      '(le resultTime datetime:2010-06-01T12:30+02:00)',
    );
    assert.equal(
      f('resultTime le 2016-02-29T23:59:59.123456-05:00'),
      '(le resultTime datetime:2016-02-29T23:59:59.123456-05:00)',
    );
    assert.equal(f('date(resultTime) eq 2010-06-01'), '(eq date(resultTime) date:2010-06-01)');
    assert.equal(f('time(resultTime) lt 12:00:00'), '(lt time(resultTime) time:12:00:00)');
    assert.equal(f('time(resultTime) lt 12:00'), '(lt time(resultTime) time:12:00)');
    assert.equal(f('time(resultTime) lt 12:00:00.5'), '(lt time(resultTime) time:12:00:00.5)');
  });

  it('parses start/end intervals for the interval functions', () => {
    assert.deepEqual(
      parseFilter('during(phenomenonTime, 2016-01-02T01:01:01.000Z/2016-01-03T23:59:59.999Z)'),
      {
        kind: 'call',
        name: 'during',
        pos: 0,
        args: [
          { kind: 'path', segments: ['phenomenonTime'], pos: 7 },
          {
            kind: 'literal',
            type: 'interval',
            value: '2016-01-02T01:01:01.000Z/2016-01-03T23:59:59.999Z',
            pos: 23,
          },
        ],
      },
    );
    assert.equal(
      f('before(2016-07-26T09:56:00Z, validTime)'),
      'before(datetime:2016-07-26T09:56:00Z, validTime)',
    );
    assert.equal(
      f('validTime eq 2016-01-01T00:00:00+01:00/2016-02-01T00:00:00+01:00'),
      '(eq validTime interval:2016-01-01T00:00:00+01:00/2016-02-01T00:00:00+01:00)',
    );
  });

  it('parses duration, geography and geometry literals', () => {
    assert.equal(
      f("phenomenonTime sub resultTime gt duration'P1DT3H'"),
      '(gt (sub phenomenonTime resultTime) duration:P1DT3H)',
    );
    assert.equal(f("x eq duration'PT0.5S'"), '(eq x duration:PT0.5S)');
    assert.equal(f("x eq duration'-P2Y3M'"), '(eq x duration:-P2Y3M)');
    assert.deepEqual(parseFilter("geography'POINT(30 10)'"), {
      kind: 'literal',
      type: 'geometry',
      value: 'POINT(30 10)',
      srid: 4326,
      pos: 0,
    });
    assert.equal(f("geometry'SRID=25832;POINT(1 2)'"), 'geometry:POINT(1 2)@25832');
    assert.equal(f("geometry'POINT Z (1 2 3)'"), 'geometry:POINT Z (1 2 3)');
    assert.equal(
      f("st_within(location, geography'POLYGON((7.5 51.5, 7.5 53.5, 8.5 53.5, 8.5 51.5, 7.5 51.5))')"),
      'st_within(location, geometry:POLYGON((7.5 51.5, 7.5 53.5, 8.5 53.5, 8.5 51.5, 7.5 51.5))@4326)',
    );
    assert.equal(
      f("geometry'GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1))'").startsWith('geometry:GEO'),
      true,
    );
    assert.equal(f("Geography'MULTIPOINT EMPTY'"), 'geometry:MULTIPOINT EMPTY@4326');
  });
});

describe('$filter paths', () => {
  it('parses slash paths, @iot.id, id and non-ASCII names', () => {
    assert.deepEqual(parseFilter('Datastream/Thing/name'), {
      kind: 'path',
      segments: ['Datastream', 'Thing', 'name'],
      pos: 0,
    });
    assert.equal(f("properties/owner/name eq 'x'"), "(eq properties/owner/name 'x')");
    assert.equal(f('@iot.id eq 5'), '(eq @iot.id 5)');
    assert.equal(f('id eq 5'), '(eq id 5)');
    assert.equal(f('Datastream/@iot.id eq 5'), '(eq Datastream/@iot.id 5)');
    assert.equal(f('properties/größe gt 2'), '(gt properties/größe 2)');
    assert.equal(f('properties/eq eq 1'), '(eq properties/eq 1)');
  });
});

describe('$filter operators and precedence', () => {
  it('parses every binary operator', () => {
    for (const op of ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'and', 'or', 'add', 'sub', 'mul', 'div', 'mod']) {
      assert.equal(f(`a ${op} b`), `(${op} a b)`);
    }
  });

  it('parses not, unary minus and in', () => {
    assert.equal(f('not a'), '(not a)');
    assert.equal(f('not not a'), '(not (not a))');
    assert.equal(f('-a'), '(neg a)');
    assert.equal(f('- -3'), '3');
    assert.equal(f('-(a add 1)'), '(neg (add a 1))');
    assert.equal(f("name in ('a', 'b')"), "(in name ['a', 'b'])");
    assert.equal(f('-a in (1)'), '(neg (in a [1]))');
  });

  it('follows the OData precedence table and left associativity', () => {
    const cases: [string, string][] = [
      ['a or b and c', '(or a (and b c))'],
      ['a and b or c', '(or (and a b) c)'],
      ['a eq 1 and b eq 2 or c eq 3', '(or (and (eq a 1) (eq b 2)) (eq c 3))'],
      ['a add b mul c', '(add a (mul b c))'],
      ['a mul b add c', '(add (mul a b) c)'],
      ['a sub b sub c', '(sub (sub a b) c)'],
      ['a div b mod c', '(mod (div a b) c)'],
      ['(a add b) mul c', '(mul (add a b) c)'],
      ['a add b gt c sub d', '(gt (add a b) (sub c d))'],
      ['a gt b eq true', '(eq (gt a b) true)'],
      ['not a eq b', '(eq (not a) b)'],
      ['not (a eq b)', '(not (eq a b))'],
      ['-a mul b', '(mul (neg a) b)'],
      ['a or b or c', '(or (or a b) c)'],
      ['((((a))))', 'a'],
      [
        "result mul 2 add 1 ge 5 and not substringof('x', name)",
        "(and (ge (add (mul result 2) 1) 5) (not substringof('x', name)))",
      ],
    ];
    for (const [text, want] of cases) assert.equal(f(text), want, text);
  });

  it('records operator positions', () => {
    const e = parseFilter('a  add b');
    assert.equal(e.pos, 3);
  });
});

describe('$filter functions', () => {
  it('knows every STA 1.1 function with its arity', () => {
    for (const [name, [min, max]] of FUNCTIONS) {
      for (let n = min; n <= max; n++) {
        const args = Array.from({ length: n }, (_, i) =>
          i === 2 && name === 'st_relate' ? "'T********'" : `p${i}`,
        );
        assert.equal(f(`${name}(${args.join(', ')})`), `${name}(${args.join(', ')})`);
      }
      const tooMany = Array.from({ length: max + 1 }, (_, i) => `p${i}`).join(',');
      const err = syntaxError(() => parseFilter(`x eq ${name}(${tooMany})`), '$filter', 5, name);
      assert.match(err.message, new RegExp(`function '${name}' takes .* argument\\(s\\), got ${max + 1}`));
      if (min > 0) syntaxError(() => parseFilter(`${name}()`), '$filter', 0, name);
    }
  });

  it('covers the functions the STA table names', () => {
    const expected = [
      'substringof endswith startswith contains length indexof substring tolower toupper trim concat',
      'year month day hour minute second fractionalseconds date time totaloffsetminutes now mindatetime maxdatetime',
      'before after meets during overlaps starts finishes',
      'round floor ceiling geo.distance geo.length geo.intersects',
      'st_equals st_disjoint st_touches st_within st_overlaps st_crosses st_intersects st_contains st_relate',
    ]
      .join(' ')
      .split(' ');
    assert.deepEqual([...FUNCTIONS.keys()].sort(), expected.sort());
  });

  it('keeps argument order and canonicalises names', () => {
    assert.equal(f("substringof('Sensor', name)"), "substringof('Sensor', name)");
    assert.equal(f("contains(name, 'Sensor')"), "contains(name, 'Sensor')");
    assert.equal(f("SubStringOf('a', description)"), "substringof('a', description)");
    assert.equal(f("substring(name, 1) eq 'x'"), "(eq substring(name, 1) 'x')");
    assert.equal(f('substring(name, 1, 2)'), 'substring(name, 1, 2)');
    assert.equal(
      f('year(phenomenonTime) eq 2010 and now() gt resultTime'),
      '(and (eq year(phenomenonTime) 2010) (gt now() resultTime))',
    );
    assert.equal(
      f("geo.distance(location, geography'POINT(1 2)') lt 0.5"),
      '(lt geo.distance(location, geometry:POINT(1 2)@4326) 0.5)',
    );
    assert.equal(f('round(result) eq floor(ceiling(result))'), '(eq round(result) floor(ceiling(result)))');
    assert.equal(f("concat(concat(a, ' '), b)"), "concat(concat(a, ' '), b)");
    assert.equal(f('length (name) gt 2'), '(gt length(name) 2)');
  });

  it('checks the DE-9IM pattern of st_relate when it is a literal', () => {
    assert.equal(f("st_relate(a, b, 'T*F**F***')"), "st_relate(a, b, 'T*F**F***')");
    assert.equal(f('st_relate(a, b, properties/pattern)'), 'st_relate(a, b, properties/pattern)');
    syntaxError(() => parseFilter("st_relate(a, b, 'T*F')"), '$filter', 16, 'T*F');
    syntaxError(() => parseFilter('st_relate(a, b, 3)'), '$filter', 16, '3');
  });
});

describe('$filter errors', () => {
  const cases: [text: string, position: number, token: string, message?: string][] = [
    ["name eqq 'x'", 5, 'eqq', "$filter: unexpected token 'eqq' at position 5"],
    ['', 0, '', '$filter: unexpected end of input at position 0'],
    ['   ', 3, ''],
    ['name eq', 7, ''],
    ['a eq 1 and', 10, ''],
    ['(a eq 1', 7, '', "$filter: unexpected end of input, expected ')' at position 7"],
    ['a eq 1)', 6, ')'],
    ['()', 1, ')'],
    ['a b', 2, 'b'],
    ['eq 1', 0, 'eq'],
    ['a eq and', 5, 'and'],
    ["name eq 'abc", 8, "'abc", "$filter: unterminated string literal ''abc' at position 8"],
    ['a eq #', 5, '#', "$filter: unexpected character '#' at position 5"],
    ['a eq 5eq', 5, '5eq', "$filter: invalid literal '5eq' at position 5"],
    ['a eq 1.', 5, '1.'],
    ['a eq 1.5.3', 5, '1.5.3'],
    ['a eq 1e999', 5, '1e999', "$filter: number out of range '1e999' at position 5"],
    ['a eq 2010-13-01', 5, '2010-13-01', "$filter: invalid date '2010-13-01' at position 5"],
    ['a eq 2011-02-29', 5, '2011-02-29'],
    ['a eq 2010-06-01T25:00:00Z', 5, '2010-06-01T25:00:00Z'],
    ['a eq 2010-06-01T00:00:00+02', 5, '2010-06-01T00:00:00+02'],
    [
      'a eq 2010-06-01T00:00:00',
      5,
      '2010-06-01T00:00:00',
      "$filter: date-time without time zone (Z or ±hh:mm) '2010-06-01T00:00:00' at position 5",
    ],
    [
      'a eq 2010-06-01T00:00:00Z/2010-07-01',
      5,
      '2010-06-01T00:00:00Z/2010-07-01',
      "$filter: invalid interval '2010-06-01T00:00:00Z/2010-07-01' at position 5",
    ],
    ['a eq 2010-06-01T00:00:00Z/x', 5, '2010-06-01T00:00:00Z/x'],
    ['a eq 2010-06-01T00:00:00Z/', 5, '2010-06-01T00:00:00Z/'],
    ['a eq 2010-06-01/2010-06-02', 15, '/'],
    ['a eq 24:00:00', 5, '24:00:00', "$filter: invalid time '24:00:00' at position 5"],
    ["a eq duration'P'", 5, "duration'P'", "$filter: invalid duration 'duration'P'' at position 5"],
    ["a eq duration'P1DT'", 5, "duration'P1DT'"],
    ["a eq duration'1D'", 5, "duration'1D'"],
    ["a eq duration'P1D", 13, "'P1D"],
    ["a eq geography'CIRCLE(1 2)'", 5, "geography'CIRCLE(1 2)'"],
    ["a eq geography'POINT(1 2'", 5, "geography'POINT(1 2'"],
    ["a eq geography'POINT(1 2))(('", 5, "geography'POINT(1 2))(('"],
    ["a eq geography'POINT(1;2)'", 5, "geography'POINT(1;2)'"],
    ['foo(1)', 0, 'foo', "$filter: unknown function 'foo' at position 0"],
    ['constructor(1)', 0, 'constructor'],
    ['length(a, b)', 0, 'length', "$filter: function 'length' takes 1 argument(s), got 2 at position 0"],
    [
      'substring(a)',
      0,
      'substring',
      "$filter: function 'substring' takes 2 to 3 argument(s), got 1 at position 0",
    ],
    ['length(a,)', 9, ')'],
    ['length(,a)', 7, ','],
    ['a/', 2, '', '$filter: unexpected end of input, expected a property name at position 2'],
    ['a/1', 2, '1'],
    ['a//b', 2, '/'],
    ['a in 1', 5, '1'],
    ['a in ()', 6, ')', "$filter: unexpected token ')', expected a value at position 6"],
    ['not', 3, ''],
    ['a eq -', 6, ''],
    ['@ eq 1', 0, '@'],
    ['a; b', 1, ';'],
    ['a eq 1 desc', 7, 'desc'],
  ];
  for (const [text, position, token, message] of cases) {
    it(`rejects ${JSON.stringify(text)} at ${position}`, () => {
      const err = syntaxError(() => parseFilter(text), '$filter', position, token);
      if (message) assert.equal(err.message, message);
    });
  }

  it('uses the option name it is given', () => {
    syntaxError(() => parseFilter('a eq', 'q'), 'q', 4, '');
  });

  it('caps nesting depth and input length', () => {
    const err = syntaxError(() => parseFilter(`${'('.repeat(150)}a${')'.repeat(150)}`), '$filter', 99, '(');
    assert.match(err.message, /nested deeper than 100 levels/);
    syntaxError(() => parseFilter(`${'not '.repeat(2000)}a`), '$filter', 396, 'not');
    syntaxError(() => parseFilter(`${'-'.repeat(5000)}1`), '$filter', 99, '-');
    syntaxError(() => parseFilter(`${'length('.repeat(1000)}a`), '$filter', 699, '(');
    assert.equal(f(`${'('.repeat(98)}a${')'.repeat(98)}`), 'a');
    const long = `a eq ${'1 add '.repeat(2000)}1`;
    syntaxError(() => parseFilter(long), '$filter', MAX_OPTION_LENGTH, '');
    // Long flat chains are fine: they are parsed iteratively.
    const chain = Array.from({ length: 600 }, (_, i) => `a eq ${i}`).join(' or ');
    assert.ok(chain.length < MAX_OPTION_LENGTH, 'chain fits the length limit');
    assert.equal(parseFilter(chain).kind, 'binary');
  });
});

describe('$orderby', () => {
  it('parses items, directions and expressions', () => {
    const items = parseOrderBy(
      "phenomenonTime desc,result,geo.distance(location, geography'POINT(1 2)') asc",
    );
    assert.deepEqual(
      items.map((i) => `${show(i.expr)} ${i.direction}`),
      ['phenomenonTime desc', 'result asc', 'geo.distance(location, geometry:POINT(1 2)@4326) asc'],
    );
    assert.deepEqual(
      parseOrderBy('Datastream/Thing/name, tolower(name) desc, result add 1').map((i) => show(i.expr)),
      ['Datastream/Thing/name', 'tolower(name)', '(add result 1)'],
    );
    assert.deepEqual(parseOrderBy('id')[0], {
      expr: { kind: 'path', segments: ['id'], pos: 0 },
      direction: 'asc',
    });
  });

  it('rejects malformed lists', () => {
    syntaxError(() => parseOrderBy(''), '$orderby', 0, '');
    syntaxError(() => parseOrderBy('a,'), '$orderby', 2, '');
    syntaxError(() => parseOrderBy('a desc desc'), '$orderby', 7, 'desc');
    syntaxError(() => parseOrderBy('a DESC'), '$orderby', 2, 'DESC');
    syntaxError(() => parseOrderBy('a up'), '$orderby', 2, 'up');
  });
});

describe('$select', () => {
  it('parses property names and paths', () => {
    assert.deepEqual(parseSelect('id,name,@iot.id'), [['id'], ['name'], ['@iot.id']]);
    assert.deepEqual(parseSelect('properties/owner, result'), [['properties', 'owner'], ['result']]);
    assert.deepEqual(parseSelect('Thing'), [['Thing']]);
  });

  it('rejects malformed lists', () => {
    syntaxError(() => parseSelect(''), '$select', 0, '');
    syntaxError(() => parseSelect('a,'), '$select', 2, '');
    syntaxError(() => parseSelect('a,,b'), '$select', 2, ',');
    syntaxError(() => parseSelect('a/'), '$select', 2, '');
    syntaxError(() => parseSelect('*'), '$select', 0, '*');
    syntaxError(() => parseSelect("'name'"), '$select', 0, "'name'");
    syntaxError(() => parseSelect('a b'), '$select', 2, 'b');
    syntaxError(() => parseSelect('distinct:a'), '$select', 8, ':');
  });
});

describe('$expand', () => {
  it('parses nested options', () => {
    const text =
      "Datastreams($select=name;$expand=Observations($top=1;$orderby=phenomenonTime desc);$filter=name eq 'a;)';$count=true;$skip=2)";
    const items = parseExpand(text);
    assert.equal(items.length, 1);
    const ds = items[0]!;
    assert.equal(ds.path, 'Datastreams');
    assert.deepEqual(ds.query.select, [['name']]);
    assert.equal(ds.query.count, true);
    assert.equal(ds.query.skip, 2);
    assert.equal(show(ds.query.filter!), "(eq name 'a;)')");
    const obs = ds.query.expand![0]!;
    assert.equal(obs.path, 'Observations');
    assert.equal(obs.query.top, 1);
    // Positions inside nested options are offsets into the whole $expand text.
    assert.deepEqual(obs.query.orderby, [
      { expr: { kind: 'path', segments: ['phenomenonTime'], pos: 62 }, direction: 'desc' },
    ]);
    assert.equal(ds.query.filter!.pos, text.indexOf(" eq 'a;)'") + 1);
    assert.equal(text.indexOf('phenomenonTime'), 62);
  });

  it('parses comma-separated items and slash paths', () => {
    assert.deepEqual(parseExpand('Thing,Sensor'), [
      { path: 'Thing', query: {} },
      { path: 'Sensor', query: {} },
    ]);
    assert.deepEqual(parseExpand('Datastreams/Observations($top=1)/'.slice(0, -1)), [
      { path: 'Datastreams', query: { expand: [{ path: 'Observations', query: { top: 1 } }] } },
    ]);
    assert.deepEqual(parseExpand('Things/Locations/HistoricalLocations'), [
      {
        path: 'Things',
        query: {
          expand: [{ path: 'Locations', query: { expand: [{ path: 'HistoricalLocations', query: {} }] } }],
        },
      },
    ]);
  });

  it('merges items for the same navigation property', () => {
    assert.deepEqual(parseExpand('Datastreams/Sensor,Datastreams/ObservedProperty'), [
      {
        path: 'Datastreams',
        query: {
          expand: [
            { path: 'Sensor', query: {} },
            { path: 'ObservedProperty', query: {} },
          ],
        },
      },
    ]);
    assert.deepEqual(
      parseExpand(
        'Datastreams($top=2;$select=id),Datastreams($select=name),Datastreams/Thing/Locations,Datastreams/Thing($select=name)',
      ),
      [
        {
          path: 'Datastreams',
          query: {
            top: 2,
            select: [['id'], ['name']],
            expand: [
              { path: 'Thing', query: { expand: [{ path: 'Locations', query: {} }], select: [['name']] } },
            ],
          },
        },
      ],
    );
  });

  it('rejects malformed expands with positions in the $expand text', () => {
    const err = syntaxError(() => parseExpand("Datastreams($filter=name eqq 'x')"), '$expand', 25, 'eqq');
    assert.equal(err.message, "$expand: unexpected token 'eqq' at position 25");
    syntaxError(() => parseExpand(''), '$expand', 0, '');
    syntaxError(() => parseExpand('Datastreams,'), '$expand', 12, '');
    syntaxError(() => parseExpand('Datastreams/'), '$expand', 12, '');
    syntaxError(() => parseExpand('Datastreams('), '$expand', 12, '');
    syntaxError(() => parseExpand('Datastreams()'), '$expand', 12, ')');
    syntaxError(() => parseExpand('Datastreams($top=1'), '$expand', 18, '');
    syntaxError(() => parseExpand('Datastreams($top=1))'), '$expand', 19, ')');
    syntaxError(() => parseExpand('Datastreams($top=x)'), '$expand', 17, 'x');
    syntaxError(() => parseExpand('Datastreams($top)'), '$expand', 16, ')');
    syntaxError(() => parseExpand('Datastreams(top=1)'), '$expand', 12, 'top=1');
    syntaxError(() => parseExpand('Datastreams($foo=1)'), '$expand', 12, '$foo');
    syntaxError(() => parseExpand('Datastreams($resultFormat=dataArray)'), '$expand', 12, '$resultFormat');
    syntaxError(() => parseExpand('Datastreams($top=1;$top=2)'), '$expand', 19, '$top');
    syntaxError(() => parseExpand('Datastreams($top=1),Datastreams($top=2)'), '$expand', 20, 'Datastreams');
    syntaxError(() => parseExpand('Datastreams($top=1) Thing'), '$expand', 20, 'Thing');
    syntaxError(() => parseExpand('@iot.id'), '$expand', 0, '@iot.id');
    const nestedEnd = syntaxError(() => parseExpand('Datastreams($select=a,)'), '$expand', 22, ')');
    assert.equal(nestedEnd.message, "$expand: unexpected token ')', expected a property name at position 22");
    syntaxError(() => parseExpand("Datastreams($filter=name eq 'x)"), '$expand', 28, "'x)");
    syntaxError(
      () => parseExpand('Datastreams($expand=Observations($filter=result gt)),Thing'),
      '$expand',
      50,
      ')',
    );
  });

  it('caps expand depth', () => {
    const deep = `${'A($expand='.repeat(120)}B${')'.repeat(120)}`;
    const err = syntaxError(() => parseExpand(deep), '$expand', 1000, 'A');
    assert.match(err.message, /nested deeper than 100/);
    syntaxError(() => parseExpand(Array.from({ length: 150 }, () => 'A').join('/')), '$expand', 200, 'A');
    assert.equal(parseExpand(`${'A($expand='.repeat(50)}B${')'.repeat(50)}`).length, 1);
  });
});

describe('parseQueryOptions', () => {
  it('parses all options from URLSearchParams and ignores non-$ parameters', () => {
    const q = parseQueryOptions(
      new URLSearchParams(
        "$filter=name eq 'x'&$select=id,name&$expand=Datastreams&$orderby=id desc&$top=10&$skip=20&$count=true&$resultFormat=dataArray&apikey=1",
      ),
    );
    assert.equal(show(q.filter!), "(eq name 'x')");
    assert.deepEqual(q.select, [['id'], ['name']]);
    assert.deepEqual(q.expand, [{ path: 'Datastreams', query: {} }]);
    assert.equal(q.orderby![0]!.direction, 'desc');
    assert.equal(q.top, 10);
    assert.equal(q.skip, 20);
    assert.equal(q.count, true);
    assert.equal(q.resultFormat, 'dataArray');
  });

  it('accepts records, skips undefined values and matches names case-insensitively', () => {
    assert.deepEqual(parseQueryOptions({ $top: '0', $count: 'false', $skip: undefined, other: 'x' }), {
      top: 0,
      count: false,
    });
    assert.deepEqual(parseQueryOptions({ $orderBy: 'id', $Top: ['3'] }), {
      orderby: [{ expr: { kind: 'path', segments: ['id'], pos: 0 }, direction: 'asc' }],
      top: 3,
    });
    assert.deepEqual(parseQueryOptions({}), {});
  });

  it('rejects bad values, unknown and repeated options', () => {
    syntaxError(() => parseQueryOptions({ $top: '-1' }), '$top', 0, '-1');
    syntaxError(() => parseQueryOptions({ $top: '1.5' }), '$top', 0, '1.5');
    syntaxError(() => parseQueryOptions({ $top: '' }), '$top', 0, '');
    syntaxError(() => parseQueryOptions({ $skip: ' 1' }), '$skip', 0, ' 1');
    syntaxError(
      () => parseQueryOptions({ $skip: '99999999999999999999' }),
      '$skip',
      0,
      '99999999999999999999',
    );
    syntaxError(() => parseQueryOptions({ $count: 'yes' }), '$count', 0, 'yes');
    syntaxError(() => parseQueryOptions({ $count: 'TRUE' }), '$count', 0, 'TRUE');
    syntaxError(() => parseQueryOptions({ $resultFormat: 'data Array' }), '$resultFormat', 0, 'data Array');
    const err = syntaxError(() => parseQueryOptions({ $fitler: 'a eq 1' }), '$fitler', 0, '$fitler');
    assert.equal(err.message, "$fitler: unknown query option '$fitler' at position 0");
    syntaxError(() => parseQueryOptions(new URLSearchParams('$top=1&$top=2')), '$top', 0, '$top');
    syntaxError(() => parseQueryOptions(new URLSearchParams('$top=1&$TOP=2')), '$TOP', 0, '$TOP');
    syntaxError(() => parseQueryOptions({ $top: ['1', '2'] }), '$top', 0, '$top');
    syntaxError(() => parseQueryOptions({ $top: 5 as unknown as string }), '$top', 0, '$top');
    syntaxError(() => parseQueryOptions({ $filter: 'a eqq 1' }), '$filter', 2, 'eqq');
    syntaxError(
      () => parseQueryOptions({ $select: 'x'.repeat(MAX_OPTION_LENGTH + 1) }),
      '$select',
      MAX_OPTION_LENGTH,
      '',
    );
  });
});

/** mulberry32: a tiny seeded PRNG so the fuzz test is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fuzz', () => {
  const seeds: [option: string, text: string][] = [
    [
      '$filter',
      "name eq 'it''s' and (result add 2 mul -3 ge 4.5e1 or not substringof('x', Datastream/Thing/name))",
    ],
    [
      '$filter',
      'phenomenonTime ge 2010-06-01T00:00:00.000+02:00 and date(resultTime) eq 2010-06-01 or time(resultTime) lt 12:00:00',
    ],
    [
      '$filter',
      "st_relate(location, geography'SRID=4326;POLYGON((1 1, 2 2, 3 1, 1 1))', 'T*F**F***') and geo.distance(location, geometry'POINT(1 2)') lt 5",
    ],
    [
      '$filter',
      "x in (1, 'a', null) and duration'P1DT3H' gt phenomenonTime sub resultTime and @iot.id ne NaN",
    ],
    [
      '$filter',
      'overlaps(validTime, 2016-01-02T01:01:01.000Z/2016-01-03T23:59:59.999Z) or -INF lt -(result div 4)',
    ],
    ['$orderby', 'phenomenonTime desc, tolower(Datastream/name) asc, result mod 2'],
    ['$select', 'id,@iot.id,properties/owner/name,result'],
    [
      '$expand',
      "Datastreams($select=name;$expand=Observations($top=1;$orderby=phenomenonTime desc);$filter=name eq 'a;b'),Datastreams/Sensor,Thing/Locations",
    ],
  ];
  const alphabet = " ()',/-;$=:.@0123456789aeoqnrdtTZPxé'()";
  const parse = (option: string, text: string): unknown => {
    switch (option) {
      case '$filter':
        return parseFilter(text);
      case '$orderby':
        return parseOrderBy(text);
      case '$select':
        return parseSelect(text);
      default:
        return parseExpand(text);
    }
  };

  /** Every `pos` in a parsed tree must point into the text. */
  function checkPositions(node: unknown, length: number): void {
    if (Array.isArray(node)) for (const x of node) checkPositions(x, length);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'pos')
          assert.ok(typeof v === 'number' && v >= 0 && v < length, `pos ${String(v)} of ${length}`);
        else checkPositions(v, length);
      }
    }
  }

  it('returns an AST or throws a QuerySyntaxError for 5000 mutated queries', () => {
    const rnd = prng(0x5eed);
    const pick = (n: number) => Math.floor(rnd() * n);
    let parsed = 0;
    for (let iter = 0; iter < 5000; iter++) {
      const [option, seed] = seeds[iter % seeds.length]!;
      let text = seed;
      for (let m = 1 + pick(3); m > 0; m--) {
        const at = pick(text.length + 1);
        switch (pick(5)) {
          case 0:
            text = text.slice(0, at) + text.slice(at + 1 + pick(4));
            break;
          case 1:
            text = text.slice(0, at) + alphabet.charAt(pick(alphabet.length)) + text.slice(at);
            break;
          case 2:
            text = text.slice(0, at);
            break;
          case 3:
            text = text.slice(0, at) + text.slice(pick(text.length), pick(text.length)) + text.slice(at);
            break;
          default: {
            const other = seeds[pick(seeds.length)]![1];
            text = text.slice(0, at) + other.slice(pick(other.length));
          }
        }
      }
      try {
        const result = parse(option, text);
        checkPositions(result, text.length);
        parsed++;
      } catch (err) {
        if (!(err instanceof QuerySyntaxError)) {
          assert.fail(`${option}=${JSON.stringify(text)} threw ${String(err)}`);
        }
        const { position, token } = err.extensions as { position: number; token: string };
        assert.ok(
          Number.isInteger(position) && position >= 0 && position <= text.length,
          `${text} @${position}`,
        );
        assert.equal(typeof token, 'string');
        assert.ok(
          err.message.startsWith(`${option}: `) && err.message.endsWith(`at position ${position}`),
          err.message,
        );
      }
    }
    // The mutations must not be so destructive that nothing parses.
    assert.ok(parsed > 100, `only ${parsed} mutants parsed`);
  });
});
