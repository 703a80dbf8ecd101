/**
 * Conformance class "request-data" (OGC 18-088 Annex A.3, §9.3): `$expand` (nested, with options, slash
 * paths), `$select` (properties and navigation properties), `$orderby` with several keys, `$top`, `$skip`,
 * `$count`, server-driven paging (`@iot.nextLink` visits every row exactly once), nested `@iot.count` and
 * `@iot.nextLink` of expanded collections, and 400 for every malformed option, naming position and token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../../../support/assert-problem.ts';
import {
  CELSIUS,
  EXAMPLES,
  type Json,
  MEASUREMENT,
  type StaClient,
  startStaSuite,
} from '../support/sta-client.ts';

/** Observations in the paging Datastream (more than two default pages of 100). */
const PAGED = 250;

describe('STA conformance: request data, query options (18-088 §9.3)', () => {
  let sta: StaClient & { dispose(): Promise<void> };
  let oven: number;
  let fridge: number;
  let lamp: number;
  let sensor: number;
  let prop: number;
  let foi: number;
  /** Datastreams of the Oven: temperature (4 Observations), humidity (2). */
  let temp: number;
  let humid: number;
  let paged: number;
  /** Observation ids of `temp` in phenomenonTime order; results 20, 21, 22, 23. */
  let tempObs: number[];
  let humidObs: number[];

  before(async () => {
    sta = await startStaSuite();
    sensor = await sta.create('Sensors', EXAMPLES.Sensor);
    prop = await sta.create('ObservedProperties', EXAMPLES.ObservedProperty);
    foi = await sta.create('FeaturesOfInterest', EXAMPLES.FeatureOfInterest);
    oven = await sta.create('Things', { ...EXAMPLES.Thing, Locations: [EXAMPLES.Location] });
    fridge = await sta.create('Things', {
      name: 'Fridge',
      description: 'A cold box',
      properties: { owner: 'Ada' },
    });
    lamp = await sta.create('Things', { name: 'Lamp', description: 'A lamp', properties: { owner: 'Ada' } });
    const stream = (name: string, thing: number) => ({
      name,
      description: `${name} of the thing`,
      observationType: MEASUREMENT,
      unitOfMeasurement: CELSIUS,
      Thing: { '@iot.id': thing },
      Sensor: { '@iot.id': sensor },
      ObservedProperty: { '@iot.id': prop },
    });
    temp = await sta.create('Datastreams', stream('temperature', oven));
    humid = await sta.create('Datastreams', stream('humidity', oven));
    tempObs = [];
    for (let i = 0; i < 4; i++) {
      tempObs.push(
        await sta.create(`Datastreams(${temp})/Observations`, {
          phenomenonTime: `2024-01-0${i + 1}T00:00:00.000Z`,
          result: 20 + i,
          FeatureOfInterest: { '@iot.id': foi },
        }),
      );
    }
    humidObs = [];
    for (const [i, result] of [55, 60].entries()) {
      humidObs.push(
        await sta.create(`Datastreams(${humid})/Observations`, {
          phenomenonTime: `2024-02-0${i + 1}T00:00:00.000Z`,
          result,
          FeatureOfInterest: { '@iot.id': foi },
        }),
      );
    }
    // The paging Datastream: results repeat (i % 7) so that ordering by result has many ties.
    paged = await sta.create('Datastreams', {
      ...stream('paging', lamp),
      Observations: Array.from({ length: PAGED }, (_, i) => ({
        phenomenonTime: new Date(Date.UTC(2023, 0, 1) + i * 60_000).toISOString(),
        result: i % 7,
        FeatureOfInterest: { '@iot.id': foi },
      })),
    });
  });
  after(() => sta?.dispose());

  describe('$expand (§9.3.2.1)', () => {
    test('to-many and to-one navigation properties, several at once', async () => {
      const t = await sta.ok(`Things(${oven})?$expand=Datastreams,Locations`);
      assert.deepEqual(t.Datastreams.map((d: Json) => d['@iot.id']).sort(), [temp, humid].sort());
      assert.equal(t.Locations.length, 1);
      assert.equal(t.Locations[0].name, EXAMPLES.Location.name);
      assert.equal(t['Datastreams@iot.navigationLink'], `${sta.base}/Things(${oven})/Datastreams`);
      const o = await sta.ok(`Observations(${tempObs[0]})?$expand=Datastream,FeatureOfInterest`);
      assert.equal(o.Datastream['@iot.id'], temp);
      assert.equal(o.Datastream.name, 'temperature');
      assert.equal(o.FeatureOfInterest['@iot.id'], foi);
      const empty = await sta.ok(`Things(${fridge})?$expand=Datastreams`);
      assert.deepEqual(empty.Datastreams, []);
    });

    test('slash paths expand several levels, and merge on a shared prefix', async () => {
      const t = await sta.ok(`Things(${oven})?$expand=Datastreams/Sensor,Datastreams/ObservedProperty`);
      for (const d of t.Datastreams) {
        assert.equal(d.Sensor['@iot.id'], sensor);
        assert.equal(d.ObservedProperty['@iot.id'], prop);
      }
      const o = await sta.ok(`Observations(${tempObs[0]})?$expand=Datastream/Thing/Locations`);
      assert.equal(o.Datastream.Thing['@iot.id'], oven);
      assert.equal(o.Datastream.Thing.Locations.length, 1);
    });

    test('nested options: $filter, $orderby, $top, $skip, $count, $select and $expand inside $expand', async () => {
      const t = await sta.ok(
        `Things(${oven})?$expand=Datastreams($filter=name eq 'temperature';$select=name;` +
          '$expand=Observations($filter=result gt 20;$orderby=result desc;$top=2;$skip=0;$count=true;$select=result))',
      );
      assert.equal(t.Datastreams.length, 1);
      const d = t.Datastreams[0];
      assert.equal(d.name, 'temperature');
      assert.equal(d.description, undefined, '$select in $expand');
      assert.equal(d['Observations@iot.count'], 3);
      assert.deepEqual(d.Observations, [{ result: 23 }, { result: 22 }]);
      assert.ok(d['Observations@iot.nextLink'], 'more than $top: a nested nextLink');
    });

    test('nested @iot.nextLink continues the same filtered and ordered list', async () => {
      const d = await sta.ok(
        `Datastreams(${temp})?$expand=Observations($filter=result ge 21;$orderby=result desc;$top=2)`,
      );
      assert.deepEqual(
        d.Observations.map((o: Json) => o['@iot.id']),
        [tempObs[3], tempObs[2]],
      );
      const rest = await sta.all(sta.relative(d['Observations@iot.nextLink']));
      assert.deepEqual(
        rest.map((o) => o['@iot.id']),
        [tempObs[1]],
      );
    });

    test('an expanded collection is paged like any other: default page size, @iot.count, @iot.nextLink', async () => {
      const d = await sta.ok(`Datastreams(${paged})?$expand=Observations($count=true)`);
      assert.equal(d['Observations@iot.count'], PAGED);
      assert.equal(d.Observations.length, 100);
      const link = d['Observations@iot.nextLink'];
      assert.ok(link, 'nextLink of the expanded collection');
      const all = [...d.Observations, ...(await sta.all(sta.relative(link)))];
      assert.equal(
        new Set(all.map((o) => o['@iot.id'])).size,
        PAGED,
        'following it visits every Observation once',
      );
      const small = await sta.ok(
        `Things?$filter=id eq ${lamp}&$expand=Datastreams($expand=Observations($top=3;$count=true))`,
      );
      const obs = small.value[0].Datastreams[0];
      assert.equal(obs.Observations.length, 3);
      assert.equal(obs['Observations@iot.count'], PAGED);
    });

    test('the latest Observation of every Datastream: $expand with $orderby and $top=1', async () => {
      const body = await sta.ok(
        `Things(${oven})/Datastreams?$orderby=name&$expand=Observations($orderby=phenomenonTime desc;$top=1)`,
      );
      assert.deepEqual(
        body.value.map((d: Json) => [d.name, d.Observations.map((o: Json) => o['@iot.id'])]),
        [
          ['humidity', [humidObs[1]]],
          ['temperature', [tempObs[3]]],
        ],
      );
    });

    test('an unknown navigation property is 400 naming it', async () => {
      const p = assertProblem(await sta.get(`Things(${oven})?$expand=Datastreams/Nothing`), 400);
      assert.match(`${p.token} ${p.detail}`, /Nothing/);
      assertProblem(await sta.get('Things?$expand=name'), 400);
    });
  });

  describe('$select (§9.3.2.2)', () => {
    test('only the selected properties are returned', async () => {
      const t = await sta.ok(`Things(${oven})?$select=name,description`);
      assert.deepEqual(Object.keys(t).sort(), ['description', 'name']);
      const list = await sta.ok('Things?$select=name&$orderby=name');
      assert.deepEqual(list.value, [{ name: 'Fridge' }, { name: 'Lamp' }, { name: 'Oven' }]);
    });

    test('id selects @iot.id', async () => {
      const t = await sta.ok(`Things(${oven})?$select=id,name`);
      assert.equal(t['@iot.id'], oven);
      assert.equal(t.name, 'Oven');
      assert.equal(t.description, undefined);
      const o = await sta.ok(`Observations(${tempObs[0]})?$select=@iot.id`);
      assert.equal(o['@iot.id'], tempObs[0]);
      assert.equal(o.result, undefined);
    });

    test('a navigation property selects its navigationLink', async () => {
      const t = await sta.ok(`Things(${oven})?$select=name,Datastreams`);
      assert.deepEqual(Object.keys(t).sort(), ['Datastreams@iot.navigationLink', 'name']);
      assert.equal(t['Datastreams@iot.navigationLink'], `${sta.base}/Things(${oven})/Datastreams`);
    });

    test('$select with $expand of the selected navigation property', async () => {
      const t = await sta.ok(
        `Things(${oven})?$select=name,Datastreams&$expand=Datastreams($select=name;$orderby=name)`,
      );
      assert.equal(t.name, 'Oven');
      assert.equal(t.description, undefined);
      assert.deepEqual(t.Datastreams, [{ name: 'humidity' }, { name: 'temperature' }]);
    });

    test('a member of properties', async () => {
      const t = await sta.ok(`Things(${oven})?$select=properties/owner`);
      assert.equal(t.properties.owner, EXAMPLES.Thing.properties.owner);
      assert.equal(t.name, undefined);
    });

    test('an unknown property is 400 naming it', async () => {
      const p = assertProblem(await sta.get('Things?$select=name,colour'), 400);
      assert.match(`${p.token} ${p.detail}`, /colour/);
    });
  });

  describe('$orderby (§9.3.3.1)', () => {
    test('ascending by default, desc, several keys, expressions and navigation paths', async () => {
      assert.deepEqual(await sta.ids(`Datastreams(${temp})/Observations?$orderby=result`), tempObs);
      assert.deepEqual(await sta.ids(`Datastreams(${temp})/Observations?$orderby=result asc`), tempObs);
      assert.deepEqual(
        await sta.ids(`Datastreams(${temp})/Observations?$orderby=result desc`),
        [...tempObs].reverse(),
      );
      assert.deepEqual(
        await sta.ids(`Datastreams(${temp})/Observations?$orderby=phenomenonTime desc`),
        [...tempObs].reverse(),
      );
      assert.deepEqual(await sta.ids('Things?$orderby=properties/owner desc,name asc'), [oven, fridge, lamp]);
      assert.deepEqual(await sta.ids('Things?$orderby=properties/owner,name desc'), [lamp, fridge, oven]);
      assert.deepEqual(await sta.ids('Things?$orderby=length(name) desc,id'), [fridge, oven, lamp]);
      const byStream = await sta.ids(
        `Observations?$filter=Datastream/Thing/id eq ${oven}&$orderby=Datastream/name asc,result desc`,
      );
      assert.deepEqual(byStream, [...[...humidObs].reverse(), ...[...tempObs].reverse()]);
      assert.deepEqual(await sta.ids(`Datastreams(${temp})/Observations?$orderby=result mod 2,result desc`), [
        tempObs[2],
        tempObs[0],
        tempObs[3],
        tempObs[1],
      ]);
    });

    test('ties are broken consistently, so paging with $orderby visits every row once', async () => {
      const all = await sta.all(`Datastreams(${paged})/Observations?$orderby=result desc&$top=17`);
      assert.equal(all.length, PAGED);
      assert.equal(new Set(all.map((o) => o['@iot.id'])).size, PAGED);
      const results = all.map((o) => o.result as number);
      assert.deepEqual(
        results,
        [...results].sort((a, b) => b - a),
      );
    });
  });

  describe('$top, $skip, $count (§9.3.3.2–§9.3.3.4)', () => {
    test('$top and $skip page through a collection; $count counts all of it', async () => {
      const ids = await sta.ids(`Datastreams(${paged})/Observations?$orderby=id&$top=1000`);
      assert.equal(ids.length, PAGED);
      const page = await sta.ok(`Datastreams(${paged})/Observations?$orderby=id&$top=5&$skip=10&$count=true`);
      assert.equal(page['@iot.count'], PAGED);
      assert.deepEqual(
        page.value.map((o: Json) => o['@iot.id']),
        ids.slice(10, 15),
      );
      assert.ok(page['@iot.nextLink']);
      const last = await sta.ok(`Datastreams(${paged})/Observations?$orderby=id&$skip=${PAGED - 2}`);
      assert.deepEqual(
        last.value.map((o: Json) => o['@iot.id']),
        ids.slice(-2),
      );
      assert.equal(last['@iot.nextLink'], undefined, 'no nextLink on the last page');
      const beyond = await sta.ok(`Datastreams(${paged})/Observations?$skip=${PAGED + 10}&$count=true`);
      assert.deepEqual(beyond.value, []);
      assert.equal(beyond['@iot.count'], PAGED);
    });

    test('$count=true counts the filtered collection; $count=false and no $count give no count', async () => {
      const c = await sta.ok(`Datastreams(${temp})/Observations?$filter=result gt 21&$count=true&$top=1`);
      assert.equal(c['@iot.count'], 2);
      assert.equal(c.value.length, 1);
      assert.equal((await sta.ok('Things?$count=false'))['@iot.count'], undefined);
      assert.equal((await sta.ok('Things'))['@iot.count'], undefined);
      assert.equal((await sta.ok('Things?$count=true'))['@iot.count'], 3);
      const none = await sta.ok('Things?$top=0&$count=true');
      assert.deepEqual(none.value, []);
      assert.equal(none['@iot.count'], 3);
    });
  });

  describe('server-driven paging (§9.3.3.4): @iot.nextLink', () => {
    test(`following @iot.nextLink from the default page size visits all ${PAGED} Observations exactly once`, async () => {
      const first = await sta.ok(`Datastreams(${paged})/Observations`);
      assert.equal(first.value.length, 100, 'default page size');
      assert.match(first['@iot.nextLink'], /\$top=100/);
      assert.match(first['@iot.nextLink'], /\$skip=100/);
      const pages: number[] = [];
      let link: string | undefined = `Datastreams(${paged})/Observations`;
      const seen: number[] = [];
      while (link) {
        const body: Json = await sta.ok(link);
        pages.push(body.value.length);
        seen.push(...body.value.map((o: Json) => o['@iot.id']));
        link = body['@iot.nextLink'] ? sta.relative(body['@iot.nextLink']) : undefined;
      }
      assert.deepEqual(pages, [100, 100, 50]);
      assert.equal(seen.length, PAGED);
      assert.equal(new Set(seen).size, PAGED, 'no Observation twice');
      const direct = await sta.ids(`Datastreams(${paged})/Observations?$top=${PAGED}`);
      assert.deepEqual(seen, direct, 'the same order as one big page');
    });

    test('the nextLink keeps $filter, $orderby, $select, $expand and $count', async () => {
      const path = `Observations?$filter=Datastream/id eq ${paged} and result ge 3&$orderby=result,phenomenonTime desc&$select=id,result&$expand=Datastream($select=name)&$count=true&$top=40`;
      const first = await sta.ok(path);
      const expected = (await sta.all(`Datastreams(${paged})/Observations?$top=1000`)).filter(
        (o) => o.result >= 3,
      ).length;
      assert.equal(first['@iot.count'], expected);
      const all: Json[] = [];
      let link: string | undefined = path;
      while (link) {
        const body: Json = await sta.ok(link);
        assert.equal(body['@iot.count'], expected, 'every page carries the count');
        for (const o of body.value) {
          assert.equal(o.phenomenonTime, undefined, '$select is kept');
          assert.deepEqual(o.Datastream, { name: 'paging' }, '$expand is kept');
        }
        all.push(...body.value);
        link = body['@iot.nextLink'] ? sta.relative(body['@iot.nextLink']) : undefined;
      }
      assert.equal(all.length, expected);
      assert.equal(new Set(all.map((o) => o['@iot.id'])).size, expected);
      const results = all.map((o) => o.result as number);
      assert.deepEqual(
        results,
        [...results].sort((a, b) => a - b),
      );
      assert.ok(results.every((r) => r >= 3));
    });
  });

  describe('errors: every malformed option is 400 naming the option, position and token', () => {
    const cases: Array<[string, string, number, string]> = [
      // [query string, option, position, token]
      ["$filter=name eqq 'Oven'", '$filter', 5, 'eqq'],
      ['$filter=name eq', '$filter', 7, ''],
      ["$filter=name eq 'Oven", '$filter', 8, "'Oven"],
      ["$filter=(name eq 'Oven'", '$filter', 15, ''],
      ["$filter=name eq 'Oven')", '$filter', 14, ')'],
      ["$filter=name eq 'Oven' and", '$filter', 18, ''],
      ['$filter=nosuchfn(name) eq 1', '$filter', 0, 'nosuchfn'],
      ["$filter=substringof('a')", '$filter', 0, 'substringof'],
      ['$filter=phenomenonTime gt 2024-13-01T00:00:00Z', '$filter', 18, '2024-13-01T00:00:00Z'],
      ['$filter=phenomenonTime gt 2024-01-01T00:00:00', '$filter', 18, '2024-01-01T00:00:00'],
      ["$filter=st_within(location, geography'POINT(1 2')", '$filter', 20, "geography'POINT(1 2'"],
      ["$filter=st_within(location, geography'PIONT(1 2)')", '$filter', 20, "geography'PIONT(1 2)'"],
      ["$filter=phenomenonTime gt now() sub duration'P1X'", '$filter', 28, "duration'P1X'"],
      ["$filter=st_relate(location, geography'POINT(1 2)', 'nope')", '$filter', 43, 'nope'],
      ['$filter=name eq 1 eq', '$filter', 12, ''],
      ['$filter=name ~ 1', '$filter', 5, '~'],
      ['$orderby=name sideways', '$orderby', 5, 'sideways'],
      ['$orderby=name,', '$orderby', 5, ''],
      ['$select=name,', '$select', 5, ''],
      ['$select=name desc', '$select', 5, 'desc'],
      ['$expand=Datastreams($top=x)', '$expand', 17, 'x'],
      ['$expand=Datastreams($filter=name eqq 1)', '$expand', 25, 'eqq'],
      ['$expand=Datastreams($nope=1)', '$expand', 12, '$nope'],
      ['$expand=Datastreams(', '$expand', 12, ''],
      ['$top=-1', '$top', 0, '-1'],
      ['$top=abc', '$top', 0, 'abc'],
      ['$skip=1.5', '$skip', 0, '1.5'],
      ['$count=yes', '$count', 0, 'yes'],
      ['$fitler=name', '$fitler', 0, '$fitler'],
    ];
    for (const [query, option, position, token] of cases) {
      test(query, async () => {
        const p = assertProblem(await sta.get(`Things?${query}`), 400);
        assert.equal(p.option, option, JSON.stringify(p));
        assert.equal(p.position, position, JSON.stringify(p));
        assert.equal(p.token, token, JSON.stringify(p));
        assert.match(p.detail, new RegExp(`position ${position}`));
      });
    }

    test('a repeated option is 400', async () => {
      const p = assertProblem(await sta.get('Things?$top=1&$top=2'), 400);
      assert.equal(p.option, '$top');
    });

    test('an unknown property or a type error is 400 naming the token and its position', async () => {
      const unknown = assertProblem(await sta.get('Things?$filter=colour eq 1'), 400);
      assert.equal(unknown.token, 'colour');
      assert.equal(unknown.position, 0);
      const nested = assertProblem(
        await sta.get("Things?$filter=name eq 'x' and Datastreams/colour eq 1"),
        400,
      );
      assert.equal(nested.token, 'Datastreams/colour');
      assert.equal(nested.position, 16);
      assertProblem(await sta.get('Things?$orderby=colour'), 400);
      assertProblem(await sta.get('Things?$filter=year(name) eq 1'), 400);
    });
  });
});
