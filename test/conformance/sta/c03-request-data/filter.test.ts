/**
 * Conformance class "request-data", `$filter` (OGC 18-088 Annex A.3, §9.3.3.5): every operator (Table 25)
 * and built-in function (Table 26: string, date, math, geospatial and spatial relationship functions), the
 * STA 1.1 time-interval functions, geography'WKT' literals, durations and date arithmetic, JSON members
 * and navigation paths. Each filter is checked against ids worked out by hand from the data below.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CELSIUS,
  EXAMPLES,
  type Json,
  MEASUREMENT,
  type StaClient,
  startStaSuite,
} from '../support/sta-client.ts';

type Key = string;

/** Things (name, description, properties) and their Location geometry. */
const THINGS: Record<Key, { name: string; description: string; properties?: Json; location?: Json }> = {
  A: {
    name: 'Oven',
    description: 'This thing is an oven.',
    properties: {
      owner: 'Noah Liang',
      color: 'Black',
      weight: 12.5,
      year: 2015,
      active: true,
      dims: { w: 60, h: 80 },
    },
    location: { type: 'Point', coordinates: [-114.06, 51.05] },
  },
  B: {
    name: 'Fridge',
    description: 'A cold box',
    properties: { owner: 'Ada Lovelace', color: 'White', weight: 40, year: 2020, active: false },
    location: { type: 'Point', coordinates: [8.4259727, 49.015308] },
  },
  C: {
    name: 'Bicycle',
    description: 'Two wheels',
    location: {
      type: 'LineString',
      coordinates: [
        [0, 0],
        [3, 4],
      ],
    },
  },
  D: {
    name: "O'Brien's Lamp",
    description: 'Lamp',
    properties: { owner: 'Noah Liang' },
    location: {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [10, 0],
          [10, 10],
          [0, 10],
          [0, 0],
        ],
      ],
    },
  },
  E: { name: '  Padded  ', description: 'Has spaces' },
};

/** Locations without a Thing. */
const LOOSE_LOCATIONS: Record<Key, Json> = {
  LE: { type: 'Point', coordinates: [5, 5] },
  LF: { type: 'Point', coordinates: [20, 20] },
};

/** Observations of Datastream 1 (Thing A): numeric results, instants and intervals. */
const OBS1: Record<Key, Json> = {
  o1: { phenomenonTime: '2023-12-31T23:59:59.000Z', resultTime: '2024-01-01T00:00:00.000Z', result: 1 },
  o2: {
    phenomenonTime: '2024-01-15T10:30:15.250Z',
    resultTime: '2024-01-15T10:31:00.000Z',
    result: 2.5,
    parameters: { quality: 'good', depth: 1 },
  },
  o3: { phenomenonTime: '2024-02-29T12:00:00.000Z', resultTime: '2024-02-29T13:00:00.000Z', result: 3 },
  o4: {
    phenomenonTime: '2024-03-01T00:00:00.000Z/2024-03-01T06:00:00.000Z',
    resultTime: '2024-03-01T06:00:00.000Z',
    result: 4.5,
    validTime: '2024-03-01T00:00:00.000Z/2024-04-01T00:00:00.000Z',
  },
  o5: {
    phenomenonTime: '2024-03-01T06:00:00.000Z/2024-03-01T12:00:00.000Z',
    resultTime: '2024-03-01T12:00:00.000Z',
    result: 5,
  },
  o6: { phenomenonTime: '2024-06-30T18:45:30.500Z', resultTime: null, result: -6.75 },
  o7: { phenomenonTime: '2024-07-01T00:00:00.000Z', resultTime: '2024-07-02T00:00:00.000Z', result: 7 },
  o8: { phenomenonTime: '2024-12-31T23:00:00.000Z', resultTime: '2024-12-31T23:30:00.000Z', result: 10 },
};

/** Observations of Datastream 2 (Thing B): results of other JSON types. */
const OBS2: Record<Key, Json> = {
  s1: { phenomenonTime: '2024-05-01T08:00:00.000Z', result: 'Hello World' },
  s2: { phenomenonTime: '2024-05-02T08:00:00.000Z', result: true },
  s3: { phenomenonTime: '2024-05-03T08:00:00.000Z', result: { value: 12, unit: 'C' } },
  s4: { phenomenonTime: '2024-05-04T08:00:00.000Z', result: null },
  s5: { phenomenonTime: '2024-05-05T08:00:00.000Z', result: '42' },
  s6: { phenomenonTime: '2024-05-06T08:00:00.000Z', result: [1, 2, 3] },
};

const ALL1 = Object.keys(OBS1);
const BIG_BOX = "geography'POLYGON((-1 -1, 11 -1, 11 11, -1 11, -1 -1))'";

describe('STA conformance: request data, $filter (18-088 §9.3.3.5)', () => {
  let sta: StaClient & { dispose(): Promise<void> };
  /** Entity ids by key (Things A–E, Locations LA–LD, LE, LF, Observations o1–o8, s1–s6, DS1, DS2, F1, F2). */
  const id: Record<Key, number> = {};
  let ds1: number;
  let ds2: number;

  before(async () => {
    sta = await startStaSuite();
    const sensor = await sta.create('Sensors', EXAMPLES.Sensor);
    const prop = await sta.create('ObservedProperties', EXAMPLES.ObservedProperty);
    const foi1 = await sta.create('FeaturesOfInterest', { ...EXAMPLES.FeatureOfInterest, name: 'Calgary' });
    const foi2 = await sta.create('FeaturesOfInterest', {
      ...EXAMPLES.FeatureOfInterest,
      name: 'Karlsruhe',
      feature: { type: 'Point', coordinates: [8.4259727, 49.015308] },
    });
    for (const [key, t] of Object.entries(THINGS)) {
      const { location, ...thing } = t;
      const body: Json = { ...thing };
      if (location) {
        body.Locations = [{ ...EXAMPLES.Location, name: `L${key}`, location }];
      }
      id[key] = await sta.create('Things', body);
      if (location) id[`L${key}`] = (await sta.ids(`Things(${id[key]})/Locations`))[0]!;
    }
    for (const [key, location] of Object.entries(LOOSE_LOCATIONS)) {
      id[key] = await sta.create('Locations', { ...EXAMPLES.Location, name: key, location });
    }
    const stream = (name: string, thing: number) => ({
      name,
      description: `${name} stream`,
      observationType: MEASUREMENT,
      unitOfMeasurement: CELSIUS,
      Thing: { '@iot.id': thing },
      Sensor: { '@iot.id': sensor },
      ObservedProperty: { '@iot.id': prop },
    });
    ds1 = await sta.create('Datastreams', stream('numbers', id.A!));
    ds2 = await sta.create('Datastreams', stream('mixed', id.B!));
    Object.assign(id, { DS1: ds1, DS2: ds2, F1: foi1, F2: foi2 });
    for (const [key, o] of Object.entries(OBS1)) {
      id[key] = await sta.create(`Datastreams(${ds1})/Observations`, {
        ...o,
        FeatureOfInterest: { '@iot.id': foi1 },
      });
    }
    for (const [key, o] of Object.entries(OBS2)) {
      id[key] = await sta.create(`Datastreams(${ds2})/Observations`, {
        ...o,
        FeatureOfInterest: { '@iot.id': foi2 },
      });
    }
  });
  after(() => sta?.dispose());

  /** Asserts that `path` with `$filter=filter` returns exactly the entities `keys` (all pages). */
  const expectFilter = async (path: string, filter: string, keys: Key[]) => {
    const sep = path.includes('?') ? '&' : '?';
    const got = (await sta.all(`${path}${sep}$filter=${filter}`)).map((e) => e['@iot.id'] as number);
    const want = keys.map((k) => {
      assert.ok(id[k] !== undefined, `unknown key ${k}`);
      return id[k]!;
    });
    assert.deepEqual(
      got.sort((a, b) => a - b),
      want.sort((a, b) => a - b),
      `$filter=${filter} on ${path}: expected [${keys.join(', ')}]`,
    );
  };
  const onObs1 = (filter: string, keys: Key[]) =>
    expectFilter(`Datastreams(${ds1})/Observations`, filter, keys);
  const onObs2 = (filter: string, keys: Key[]) =>
    expectFilter(`Datastreams(${ds2})/Observations`, filter, keys);
  const onThings = (filter: string, keys: Key[]) => expectFilter('Things', filter, keys);
  const onLocations = (filter: string, keys: Key[]) => expectFilter('Locations', filter, keys);
  const except = (...keys: Key[]) => ALL1.filter((k) => !keys.includes(k));

  describe('comparison and logical operators (Table 25)', () => {
    test('eq ne gt ge lt le on numbers', async () => {
      await onObs1('result eq 3', ['o3']);
      await onObs1('result ne 3', except('o3'));
      await onObs1('result gt 4.5', ['o5', 'o7', 'o8']);
      await onObs1('result ge 4.5', ['o4', 'o5', 'o7', 'o8']);
      await onObs1('result lt 2.5', ['o1', 'o6']);
      await onObs1('result le 2.5', ['o1', 'o2', 'o6']);
      await onObs1('result lt -6', ['o6']);
      await onObs1('10 eq result', ['o8']);
      await onObs1('result eq 4.50', ['o4']);
      await onObs1('result eq 1e1', ['o8']);
    });

    test('and, or, not and grouping', async () => {
      await onObs1('result gt 2 and result lt 5', ['o2', 'o3', 'o4']);
      await onObs1('result lt 0 or result gt 9', ['o6', 'o8']);
      await onObs1('not (result gt 0)', ['o6']);
      await onObs1('(result gt 4 or result lt 2) and result ne 10', ['o1', 'o4', 'o5', 'o6', 'o7']);
      await onObs1('result gt 4 or result lt 2 and result ne 1', ['o4', 'o5', 'o6', 'o7', 'o8']);
      await onObs1('not (result gt 4 or result lt 2)', ['o2', 'o3']);
      await onObs1('result eq 1 or result eq 3 or result eq 7', ['o1', 'o3', 'o7']);
    });

    test('in (OData 4.01 membership)', async () => {
      await onObs1('result in (1, 3, 7)', ['o1', 'o3', 'o7']);
      await onThings("name in ('Oven', 'Fridge', 'nothing')", ['A', 'B']);
    });

    test('add sub mul div mod and unary minus, with OData precedence', async () => {
      await onObs1('result add 1 eq 4', ['o3']);
      await onObs1('result sub 1 eq 0', ['o1']);
      await onObs1('result mul 2 eq 9', ['o4']);
      await onObs1('result div 2 eq 5', ['o8']);
      await onObs1('result mod 2 eq 1', ['o1', 'o3', 'o5', 'o7']);
      await onObs1('-result eq 6.75', ['o6']);
      await onObs1('result add 2 mul 3 eq 13', ['o7']);
      await onObs1('(result add 2) mul 3 eq 15', ['o3']);
      await onObs1('result sub 1 sub 1 eq 1', ['o3']);
      await onObs1('result div 0 eq 1', []);
    });

    test('strings, with quotes escaped by doubling', async () => {
      await onThings("name eq 'Oven'", ['A']);
      await onThings("name ne 'Oven'", ['B', 'C', 'D', 'E']);
      await onThings("name eq 'O''Brien''s Lamp'", ['D']);
      await onThings("name gt 'Fridge' and name lt 'Oven'", ['D']);
      await onThings("'Fridge' eq name", ['B']);
    });

    test('id and @iot.id', async () => {
      await onThings(`id eq ${id.C}`, ['C']);
      await onThings(`@iot.id eq ${id.C}`, ['C']);
      await onThings(`id ge ${id.D}`, ['D', 'E']);
    });

    test('null', async () => {
      await onObs1('resultTime eq null', ['o6']);
      await onObs1('resultTime ne null', except('o6'));
      await onObs1('validTime ne null', ['o4']);
      await onThings('properties eq null', ['C', 'E']);
      await onThings('properties/owner eq null', ['C', 'E']);
    });
  });

  describe('string functions (Table 26)', () => {
    test('substringof, contains, startswith, endswith', async () => {
      await onThings("substringof('ri', name)", ['B', 'D']);
      await onThings("contains(name, 'ri')", ['B', 'D']);
      await onThings("startswith(name, 'O')", ['A', 'D']);
      await onThings("endswith(name, 'cle')", ['C']);
      await onThings("substringof('ri', name) eq false", ['A', 'C', 'E']);
      await onThings("not startswith(description, 'A')", ['A', 'C', 'D', 'E']);
    });

    test('length, indexof, substring', async () => {
      await onThings('length(name) eq 4', ['A']);
      await onThings('length(name) gt 9', ['D', 'E']);
      await onThings("indexof(name, 'dge') eq 3", ['B']);
      await onThings("indexof(name, 'O') eq 0", ['A', 'D']);
      await onThings("substring(name, 1) eq 'ven'", ['A']);
      await onThings("substring(name, 2, 3) eq 'cyc'", ['C']);
    });

    test('tolower, toupper, trim, concat', async () => {
      await onThings("tolower(name) eq 'oven'", ['A']);
      await onThings("toupper(name) eq 'FRIDGE'", ['B']);
      await onThings("trim(name) eq 'Padded'", ['E']);
      await onThings("concat(concat(name, ' - '), description) eq 'Oven - This thing is an oven.'", ['A']);
      await onThings("concat(name, 'x') eq 'Bicyclex'", ['C']);
    });

    test('on JSON results and properties', async () => {
      await onObs2("substringof('World', result)", ['s1']);
      await onObs2('length(result) eq 2', ['s5']);
      await onThings("startswith(properties/owner, 'Noah')", ['A', 'D']);
    });
  });

  describe('JSON members: result, properties, parameters', () => {
    test('results of every JSON type compare by type', async () => {
      await onObs2("result eq 'Hello World'", ['s1']);
      await onObs2("result eq '42'", ['s5']);
      await onObs2('result eq 42', []);
      await onObs2('result eq true', ['s2']);
      await onObs2('result eq null', ['s4']);
      await onObs2('result/value eq 12', ['s3']);
      await onObs2("result/unit eq 'C'", ['s3']);
      await expectFilter('Observations', 'result gt 4', ['o4', 'o5', 'o7', 'o8']);
    });

    test('properties/… members, nested members and arithmetic on them', async () => {
      await onThings("properties/owner eq 'Noah Liang'", ['A', 'D']);
      await onThings('properties/weight gt 20', ['B']);
      await onThings('properties/weight lt 20', ['A']);
      await onThings('properties/active eq true', ['A']);
      await onThings('properties/active eq false', ['B']);
      await onThings('properties/year add 5 eq 2020', ['A']);
      await onThings('properties/dims/w eq 60', ['A']);
      await onThings("properties/color in ('Black', 'White')", ['A', 'B']);
      await onThings("properties/nothing eq 'x'", []);
      await onObs1("parameters/quality eq 'good'", ['o2']);
      await onObs1('parameters/depth ge 1', ['o2']);
    });
  });

  describe('navigation paths in $filter', () => {
    test('to-one and to-many hops, several levels deep', async () => {
      await expectFilter('Observations', "Datastream/Thing/name eq 'Oven'", ALL1);
      await expectFilter('Observations', `Datastream/id eq ${ds2}`, Object.keys(OBS2));
      await expectFilter('Observations', "FeatureOfInterest/name eq 'Karlsruhe'", Object.keys(OBS2));
      await expectFilter('Datastreams', "Thing/properties/owner eq 'Ada Lovelace'", ['DS2']);
      await expectFilter('Datastreams', 'Observations/result gt 9', ['DS1']);
      await onThings('Datastreams/Observations/result gt 9', ['A']);
      await onThings("Datastreams/Observations/result eq 'Hello World'", ['B']);
      await onThings("Locations/name eq 'LC'", ['C']);
      await onThings('HistoricalLocations/time lt now()', ['A', 'B', 'C', 'D']);
      await onThings("not (Datastreams/name eq 'numbers')", ['B', 'C', 'D', 'E']);
    });

    test('navigation in a filter on a navigation path', async () => {
      await expectFilter(`Things(${id.A})/Datastreams`, 'Observations/result gt 9', ['DS1']);
      await expectFilter(`Things(${id.A})/Datastreams`, "Observations/result eq 'Hello World'", []);
      await expectFilter(
        `Datastreams(${ds2})/Observations`,
        "Datastream/Thing/name eq 'Fridge'",
        Object.keys(OBS2),
      );
    });
  });

  describe('date and time (Table 26 date functions, §9.3.3.5.1 literals)', () => {
    test('comparing instants and intervals with date-time literals', async () => {
      await onObs1('phenomenonTime gt 2024-03-01T00:00:00Z', ['o5', 'o6', 'o7', 'o8']);
      await onObs1('phenomenonTime ge 2024-03-01T00:00:00Z', ['o4', 'o5', 'o6', 'o7', 'o8']);
      await onObs1('phenomenonTime lt 2024-03-01T06:00:00Z', ['o1', 'o2', 'o3']);
      await onObs1('phenomenonTime le 2024-03-01T06:00:00Z', ['o1', 'o2', 'o3', 'o4']);
      await onObs1('phenomenonTime eq 2024-02-29T12:00:00Z', ['o3']);
      await onObs1('phenomenonTime ne 2024-02-29T12:00:00Z', except('o3'));
      await onObs1('phenomenonTime eq 2024-03-01T00:00:00Z/2024-03-01T06:00:00Z', ['o4']);
      await onObs1('resultTime gt 2024-06-01T00:00:00Z', ['o7', 'o8']);
      await onObs1('resultTime eq 2024-01-01T01:00:00+01:00', ['o1']);
      await onObs1('resultTime eq 2024-01-01T00:00:00.000Z', ['o1']);
      await onObs1('resultTime lt 2024-01-15T10:31:00.001Z', ['o1', 'o2']);
      await onObs1('resultTime ge 2024-02-29', ['o3', 'o4', 'o5', 'o7', 'o8']);
    });

    test('year, month, day, hour, minute, second, fractionalseconds', async () => {
      await onObs1('year(phenomenonTime) eq 2023', ['o1']);
      await onObs1('month(phenomenonTime) eq 2', ['o3']);
      await onObs1('day(phenomenonTime) eq 31', ['o1', 'o8']);
      await onObs1('hour(phenomenonTime) eq 10', ['o2']);
      await onObs1('minute(phenomenonTime) eq 45', ['o6']);
      await onObs1('second(phenomenonTime) eq 15', ['o2']);
      await onObs1('second(phenomenonTime) eq 30', ['o6']);
      await onObs1('fractionalseconds(phenomenonTime) eq 0.25', ['o2']);
      await onObs1('fractionalseconds(phenomenonTime) gt 0', ['o2', 'o6']);
      await onObs1('year(resultTime) eq 2024 and month(resultTime) eq 1', ['o1', 'o2']);
    });

    test('date, time, totaloffsetminutes, now, mindatetime, maxdatetime', async () => {
      await onObs1('date(phenomenonTime) eq 2024-02-29', ['o3']);
      await onObs1('date(resultTime) eq date(phenomenonTime)', ['o2', 'o3', 'o4', 'o5', 'o8']);
      await onObs1('time(phenomenonTime) eq 12:00:00', ['o3']);
      await onObs1('time(phenomenonTime) lt 01:00:00', ['o4', 'o7']);
      await onObs1('totaloffsetminutes(phenomenonTime) eq 0', ALL1);
      await onObs1('phenomenonTime lt now()', ALL1);
      await onObs1('phenomenonTime gt now()', []);
      await onObs1('phenomenonTime gt mindatetime()', ALL1);
      await onObs1('phenomenonTime lt maxdatetime()', ALL1);
    });

    test('durations and date arithmetic', async () => {
      await onObs1("resultTime sub phenomenonTime gt duration'PT30M'", ['o3', 'o4', 'o5', 'o7']);
      await onObs1("resultTime sub phenomenonTime eq duration'PT1H'", ['o3']);
      await onObs1("resultTime sub phenomenonTime le duration'PT1M'", ['o1', 'o2']);
      await onObs1("phenomenonTime add duration'PT1S' eq 2024-01-01T00:00:00Z", ['o1']);
      await onObs1("phenomenonTime sub duration'P1D' gt 2024-12-30T00:00:00Z", ['o8']);
      await onObs1("resultTime sub duration'PT1H' eq 2024-02-29T12:00:00Z", ['o3']);
      await onObs1("resultTime add duration'P1DT1H' eq 2024-07-03T01:00:00Z", ['o7']);
      await onObs1("resultTime gt now() sub duration'P36500D'", except('o6'));
      await onObs1("phenomenonTime lt 2024-01-02T00:00:00Z sub duration'P1D'", ['o1']);
    });

    test('time interval functions: before, after, meets, during, overlaps, starts, finishes', async () => {
      await onObs1('before(phenomenonTime, 2024-01-01T00:00:00Z)', ['o1']);
      await onObs1('after(phenomenonTime, 2024-07-01T00:00:00Z)', ['o8']);
      await onObs1('meets(phenomenonTime, 2024-03-01T06:00:00Z)', ['o4', 'o5']);
      await onObs1('during(phenomenonTime, 2024-03-01T00:00:00Z/2024-03-02T00:00:00Z)', ['o4', 'o5']);
      await onObs1('overlaps(phenomenonTime, 2024-03-01T05:00:00Z/2024-03-01T07:00:00Z)', ['o4', 'o5']);
      await onObs1('starts(phenomenonTime, 2024-03-01T06:00:00Z/2024-03-01T18:00:00Z)', ['o5']);
      await onObs1('finishes(phenomenonTime, 2024-03-01T00:00:00Z/2024-03-01T06:00:00Z)', ['o4']);
      await onObs1('during(validTime, 2024-02-01T00:00:00Z/2024-05-01T00:00:00Z)', ['o4']);
      await onObs1('before(phenomenonTime, resultTime)', except('o4', 'o5', 'o6'));
    });
  });

  describe('math functions (Table 26)', () => {
    test('round (half away from zero), floor, ceiling', async () => {
      await onObs1('round(result) eq 3', ['o2', 'o3']);
      await onObs1('round(result) eq 5', ['o4', 'o5']);
      await onObs1('round(result) eq -7', ['o6']);
      await onObs1('floor(result) eq 4', ['o4']);
      await onObs1('floor(result) eq -7', ['o6']);
      await onObs1('ceiling(result) eq 3', ['o2', 'o3']);
      await onObs1('ceiling(result) eq -6', ['o6']);
      await onThings('floor(properties/weight) eq 12', ['A']);
    });
  });

  describe('geospatial functions and geography literals (Table 26)', () => {
    test('geo.intersects, geo.distance, geo.length', async () => {
      await onLocations(`geo.intersects(location, ${BIG_BOX})`, ['LC', 'LD', 'LE']);
      await onLocations("geo.distance(location, geography'POINT(5 5)') lt 1", ['LD', 'LE']);
      await onLocations("geo.distance(location, geography'POINT(-114 51)') lt 0.1", ['LA']);
      await onLocations("geo.distance(location, geography'POINT(5 5)') gt 40", ['LA', 'LB']);
      await onLocations('geo.length(location) gt 4', ['LC']);
      await onLocations('geo.length(location) eq 5', ['LC']);
    });

    test('st_equals, st_disjoint, st_touches, st_within, st_overlaps, st_crosses, st_intersects, st_contains, st_relate', async () => {
      await onLocations("st_equals(location, geography'POINT(5 5)')", ['LE']);
      await onLocations(`st_disjoint(location, ${BIG_BOX})`, ['LA', 'LB', 'LF']);
      await onLocations("st_touches(location, geography'POLYGON((10 0, 20 0, 20 10, 10 10, 10 0))')", ['LD']);
      await onLocations(`st_within(location, ${BIG_BOX})`, ['LC', 'LD', 'LE']);
      await onLocations("st_overlaps(location, geography'POLYGON((5 5, 15 5, 15 15, 5 15, 5 5))')", ['LD']);
      await onLocations("st_crosses(location, geography'LINESTRING(-1 2, 12 2)')", ['LC', 'LD']);
      await onLocations("st_intersects(location, geography'LINESTRING(-1 2, 12 2)')", ['LC', 'LD']);
      await onLocations("st_contains(location, geography'POINT(5 5)')", ['LD', 'LE']);
      await onLocations(`st_relate(location, ${BIG_BOX}, 'T*F**F***')`, ['LC', 'LD', 'LE']);
    });

    test('literal forms: SRID prefix, geometry prefix, MULTI and Z geometries', async () => {
      await onLocations("st_equals(location, geography'SRID=4326;POINT(5 5)')", ['LE']);
      await onLocations("st_equals(location, geometry'SRID=4326;POINT(5 5)')", ['LE']);
      await onLocations("st_intersects(location, geography'MULTIPOINT((5 5), (20 20))')", ['LD', 'LE', 'LF']);
      await onLocations("st_intersects(location, geography'POLYGON ((19 19, 21 19, 21 21, 19 21, 19 19))')", [
        'LF',
      ]);
      await onLocations("location eq geography'POINT(20 20)'", ['LF']);
    });

    test('through navigation: Things by Location, Observations by FeatureOfInterest', async () => {
      await onThings(`st_within(Locations/location, ${BIG_BOX})`, ['C', 'D']);
      await expectFilter(
        'Observations',
        "st_equals(FeatureOfInterest/feature, geography'POINT(8.4259727 49.015308)')",
        Object.keys(OBS2),
      );
      await expectFilter(
        'FeaturesOfInterest',
        "geo.distance(feature, geography'POINT(-114.06 51.05)') lt 0.001",
        ['F1'],
      );
    });
  });

  test('$filter on $expand and on a navigation collection uses the same functions', async () => {
    const thing = await sta.ok(
      `Things(${id.A})?$expand=Datastreams($expand=Observations($filter=year(phenomenonTime) eq 2023 or result ge 7;$orderby=result))`,
    );
    assert.deepEqual(
      thing.Datastreams[0].Observations.map((o: Json) => o['@iot.id']),
      [id.o1, id.o7, id.o8],
    );
  });
});
