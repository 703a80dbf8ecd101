/**
 * Conformance class "data-array" (OGC 18-088 Annex A.8, §14.3–§14.4): `$resultFormat=dataArray` returns
 * Observations grouped per (Multi)Datastream as `components` + `dataArray`; `POST CreateObservations` takes
 * the same shape. What goes in comes out exactly; an invalid row is 400 naming group, row and component,
 * and the whole request writes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../../../support/assert-problem.ts';
import {
  COMPLEX,
  countRows,
  datastreamBody,
  EXAMPLES,
  expectRejected,
  type Json,
  MEASUREMENT,
  type StaClient,
  startStaSuite,
} from '../support/sta-client.ts';

describe('STA conformance: data array extension (18-088 §14.3, §14.4)', () => {
  let sta: StaClient & { dispose(): Promise<void> };
  let ds1: number;
  let ds2: number;
  let mds: number;
  let foi: number;

  before(async () => {
    sta = await startStaSuite();
    ds1 = await sta.create('Datastreams', datastreamBody('first'));
    ds2 = await sta.create('Datastreams', datastreamBody('second'));
    foi = await sta.create('FeaturesOfInterest', EXAMPLES.FeatureOfInterest);
    const thing = (await sta.ok(`Datastreams(${ds1})/Thing`))['@iot.id'];
    mds = await sta.create('MultiDatastreams', {
      name: 'pair',
      description: 'two values',
      observationType: COMPLEX,
      multiObservationDataTypes: [MEASUREMENT, MEASUREMENT],
      unitOfMeasurements: [EXAMPLES.Datastream.unitOfMeasurement, EXAMPLES.Datastream.unitOfMeasurement],
      Thing: { '@iot.id': thing },
      Sensor: EXAMPLES.Sensor,
      ObservedProperties: [
        { name: 'a', definition: 'urn:a', description: 'a' },
        { name: 'b', definition: 'urn:b', description: 'b' },
      ],
    });
  });
  after(() => sta?.dispose());

  const createObservations = (body: unknown) => sta.post('CreateObservations', body);

  test("CreateObservations with the standard's example: one selfLink per created Observation (§14.4)", async () => {
    const res = await createObservations([
      {
        Datastream: { '@iot.id': ds1 },
        components: ['phenomenonTime', 'result', 'FeatureOfInterest/id'],
        'dataArray@iot.count': 2,
        dataArray: [
          ['2010-12-23T10:20:00-0700', 20, foi],
          ['2010-12-23T10:21:00-0700', 30, foi],
        ],
      },
      {
        Datastream: { '@iot.id': ds2 },
        components: ['phenomenonTime', 'result', 'FeatureOfInterest/id'],
        'dataArray@iot.count': 2,
        dataArray: [
          ['2010-12-23T10:20:00-0700', 65, foi],
          ['2010-12-23T10:21:00-0700', 60, foi],
        ],
      },
    ]);
    assert.equal(res.status, 201, res.text);
    assert.ok(Array.isArray(res.body));
    assert.equal(res.body.length, 4);
    const ids: number[] = [];
    for (const link of res.body as string[]) {
      assert.match(link, new RegExp(`^${sta.base.replace(/[.()]/g, '\\$&')}/Observations\\(\\d+\\)$`));
      const o = await sta.ok(sta.relative(link));
      ids.push(o['@iot.id']);
    }
    const first = await sta.ok(`Observations(${ids[0]})?$expand=Datastream,FeatureOfInterest`);
    assert.equal(first.Datastream['@iot.id'], ds1);
    assert.equal(first.FeatureOfInterest['@iot.id'], foi);
    assert.equal(Date.parse(first.phenomenonTime), Date.parse('2010-12-23T17:20:00Z'));
    assert.equal(first.result, 20);
    assert.equal((await sta.ok(`Observations(${ids[3]})`)).result, 60);
  });

  test('$resultFormat=dataArray returns exactly what CreateObservations took', async () => {
    const components = ['phenomenonTime', 'result', 'resultTime', 'parameters'];
    const rows = [
      ['2021-03-01T00:00:00.000Z', 1.5, '2021-03-01T00:00:01.000Z', { quality: 'good' }],
      ['2021-03-01T00:01:00.000Z', 'text', null, null],
      [
        '2021-03-01T00:02:00.000Z/2021-03-01T00:03:00.000Z',
        { v: [1, 2] },
        '2021-03-01T00:03:00.000Z',
        { n: 1 },
      ],
      ['2021-03-01T00:04:00.000Z', null, '2021-03-01T00:04:00.000Z', {}],
      ['2021-03-01T00:05:00.000Z', [true, false], null, null],
    ];
    const ds = await sta.create('Datastreams', datastreamBody('round trip'));
    const res = await createObservations([
      {
        Datastream: { '@iot.id': ds },
        components: [...components, 'FeatureOfInterest/id'],
        dataArray: rows.map((r) => [...r, foi]),
      },
    ]);
    assert.equal(res.status, 201, res.text);
    const out = await sta.ok(
      `Datastreams(${ds})/Observations?$resultFormat=dataArray&$select=${components.join(',')}&$orderby=phenomenonTime`,
    );
    assert.deepEqual(out.value, [
      {
        'Datastream@iot.navigationLink': `${sta.base}/Datastreams(${ds})`,
        components,
        'dataArray@iot.count': rows.length,
        dataArray: rows,
      },
    ]);
  });

  test('id is a component; without $select every component is returned', async () => {
    const ds = await sta.create('Datastreams', datastreamBody('ids'));
    const res = await createObservations([
      {
        Datastream: { '@iot.id': ds },
        components: ['result', 'phenomenonTime', 'FeatureOfInterest/id'],
        dataArray: [
          [1, '2022-01-01T00:00:00.000Z', foi],
          [2, '2022-01-02T00:00:00.000Z', foi],
        ],
      },
    ]);
    const ids = (res.body as string[]).map((l) => Number(/\((\d+)\)$/.exec(l)![1]));
    const out = await sta.ok(
      `Datastreams(${ds})/Observations?$resultFormat=dataArray&$select=id,result&$orderby=id`,
    );
    assert.deepEqual(out.value[0].components, ['id', 'result']);
    assert.deepEqual(out.value[0].dataArray, [
      [ids[0], 1],
      [ids[1], 2],
    ]);
    const full = await sta.ok(`Datastreams(${ds})/Observations?$resultFormat=dataArray`);
    const group = full.value[0];
    assert.ok(group.components.includes('id'));
    assert.ok(group.components.includes('phenomenonTime'));
    assert.ok(group.components.includes('result'));
    for (const row of group.dataArray) assert.equal(row.length, group.components.length);
  });

  test('Observations of several Datastreams are grouped per Datastream', async () => {
    const out = await sta.ok(
      `Observations?$resultFormat=dataArray&$select=result&$filter=Datastream/id eq ${ds1} or Datastream/id eq ${ds2}&$orderby=id`,
    );
    const byLink = Object.fromEntries(
      out.value.map((g: Json) => [g['Datastream@iot.navigationLink'], g.dataArray]),
    );
    assert.deepEqual(byLink, {
      [`${sta.base}/Datastreams(${ds1})`]: [[20], [30]],
      [`${sta.base}/Datastreams(${ds2})`]: [[65], [60]],
    });
  });

  test('MultiDatastream Observations round-trip with array results', async () => {
    const rows = [
      ['2023-01-01T00:00:00.000Z', [1, 2]],
      ['2023-01-01T01:00:00.000Z', [3.5, -4]],
    ];
    const res = await createObservations([
      {
        MultiDatastream: { '@iot.id': mds },
        components: ['phenomenonTime', 'result', 'FeatureOfInterest/id'],
        dataArray: rows.map((r) => [...r, foi]),
      },
    ]);
    assert.equal(res.status, 201, res.text);
    const out = await sta.ok(
      `MultiDatastreams(${mds})/Observations?$resultFormat=dataArray&$select=phenomenonTime,result&$orderby=phenomenonTime`,
    );
    assert.deepEqual(out.value, [
      {
        'MultiDatastream@iot.navigationLink': `${sta.base}/MultiDatastreams(${mds})`,
        components: ['phenomenonTime', 'result'],
        'dataArray@iot.count': 2,
        dataArray: rows,
      },
    ]);
    await expectRejected(
      sta,
      () =>
        createObservations([
          {
            MultiDatastream: { '@iot.id': mds },
            components: ['result', 'FeatureOfInterest/id'],
            dataArray: [
              [[1, 2], foi],
              [[1], foi],
            ],
          },
        ]),
      '[0].dataArray[1].result',
    );
  });

  test('an invalid row is 400 naming group, row and component, and nothing of the request is written', async () => {
    const good = (ds: number, n: number) => ({
      Datastream: { '@iot.id': ds },
      components: ['phenomenonTime', 'result', 'FeatureOfInterest/id'],
      dataArray: Array.from({ length: n }, (_, i) => [`2024-01-01T00:0${i}:00Z`, i, foi]),
    });
    const badTime = good(ds2, 3);
    badTime.dataArray[2]![0] = 'not a time';
    await expectRejected(
      sta,
      () => createObservations([good(ds1, 3), badTime]),
      '[1].dataArray[2].phenomenonTime',
    );

    const shortRow = good(ds1, 3);
    shortRow.dataArray[1] = ['2024-01-01T00:00:00Z', 1];
    await expectRejected(sta, () => createObservations([shortRow]), '[0].dataArray[1]');

    const badFoi = good(ds1, 2);
    badFoi.dataArray[1]![2] = 999999;
    await expectRejected(sta, () => createObservations([good(ds2, 2), badFoi]), /\[1\]\.dataArray\[1\]/);

    const fakeFoi = good(ds1, 2);
    fakeFoi.dataArray[0]![2] = 'one';
    await expectRejected(sta, () => createObservations([fakeFoi]), '[0].dataArray[0][2]');

    await expectRejected(
      sta,
      () => createObservations([{ ...good(ds1, 1), components: ['phenomenonTime', 'colour'] }]),
      '[0].components[1]',
    );
    await expectRejected(
      sta,
      () => createObservations([{ ...good(ds1, 1), Datastream: { '@iot.id': 999999 } }]),
      /\[0\].*Datastream/,
    );
    await expectRejected(
      sta,
      () => createObservations([{ ...good(ds1, 1), Datastream: undefined }]),
      '[0].Datastream',
    );
    await expectRejected(
      sta,
      () => createObservations([good(ds1, 1), { ...good(ds1, 1), dataArray: 'x' }]),
      '[1].dataArray',
    );
    await expectRejected(sta, () => createObservations({ not: 'an array' }), /array/);
  });

  test('a large CreateObservations is one transaction too', async () => {
    const before = await countRows(sta.platform);
    const rows = Array.from({ length: 600 }, (_, i) => [
      new Date(Date.UTC(2019, 0, 1, 0, i)).toISOString(),
      i,
      foi,
    ]);
    rows[599]![0] = 'the end of time';
    const res = await createObservations([
      {
        Datastream: { '@iot.id': ds1 },
        components: ['phenomenonTime', 'result', 'FeatureOfInterest/id'],
        dataArray: rows,
      },
    ]);
    assertProblem(res, 400);
    assert.deepEqual(await countRows(sta.platform), before);
    rows[599]![0] = new Date(Date.UTC(2019, 0, 1, 0, 599)).toISOString();
    const ok = await createObservations([
      {
        Datastream: { '@iot.id': ds1 },
        components: ['phenomenonTime', 'result', 'FeatureOfInterest/id'],
        dataArray: rows,
      },
    ]);
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.length, 600);
    assert.equal((await countRows(sta.platform)).observations, before.observations! + 600);
  });

  test('$resultFormat=dataArray pages with @iot.nextLink and counts with $count', async () => {
    const first = await sta.ok(
      `Datastreams(${ds1})/Observations?$resultFormat=dataArray&$select=id&$top=250&$count=true`,
    );
    const total = first['@iot.count'];
    assert.ok(total > 600);
    assert.equal(first.value[0].dataArray.length, 250);
    const next = first['@iot.nextLink'];
    assert.match(next, /\$resultFormat=dataArray/);
    const seen = new Set<number>(first.value[0].dataArray.map((r: number[]) => r[0]));
    let link: string | undefined = sta.relative(next);
    while (link) {
      const page: Json = await sta.ok(link);
      for (const g of page.value) for (const r of g.dataArray) seen.add(r[0]);
      link = page['@iot.nextLink'] ? sta.relative(page['@iot.nextLink']) : undefined;
    }
    assert.equal(seen.size, total);
  });

  test('$resultFormat is for Observations only and knows dataArray only', async () => {
    assertProblem(await sta.get('Things?$resultFormat=dataArray'), 400);
    assertProblem(await sta.get('Observations?$resultFormat=csv'), 400);
    assertProblem(await sta.get('Observations?$resultFormat=data Array'), 400);
  });
});
