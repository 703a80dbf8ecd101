import pg from 'pg';
import { type Fixture, primePartitions } from '../lib/fixture.ts';
import type { Client } from '../lib/http-client.ts';
import { rawCopy } from '../lib/raw-copy.ts';
import { percentile, timeIt } from '../lib/stats.ts';

export interface LatencyResult {
  name: string;
  p50: number;
  p95: number;
  /** The same answer by hand-written SQL straight to the database: the limit. */
  sqlP50: number;
  sqlP95: number;
}

const HOUR = 3_600_000;
export const QUERY_START = Date.parse('2022-01-01T00:00:00Z');

/** Loads `rows` Observations (hourly per Datastream) with COPY, after letting the API create the partitions. */
export async function loadObservations(
  databaseUrl: string,
  client: Client,
  fx: Fixture,
  rows: number,
): Promise<number> {
  const perStream = Math.ceil(rows / fx.datastreamIds.length);
  await primePartitions(client, fx, QUERY_START, QUERY_START + perStream * HOUR);
  const rate = await rawCopy(databaseUrl, rows, fx.datastreamIds, fx.foiId, QUERY_START, HOUR);
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  await c.query('ANALYZE');
  await c.end();
  return rate;
}

async function measure(n: number, fn: () => Promise<unknown>): Promise<[number, number]> {
  const samples: number[] = [];
  await fn(); // warm-up
  for (let i = 0; i < n; i++) samples.push((await timeIt(fn))[1]);
  return [percentile(samples, 50), percentile(samples, 95)];
}

export async function queryLatencies(
  databaseUrl: string,
  client: Client,
  fx: Fixture,
  repetitions: number,
): Promise<LatencyResult[]> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const ok = (r: { status: number; body: string }) => {
    if (r.status !== 200) throw new Error(`${r.status} ${r.body.slice(0, 300)}`);
  };
  const results: LatencyResult[] = [];
  try {
    const n = fx.datastreamIds.length;
    const latest = `/sta/v1.1/Datastreams?$top=${n}&$select=id,name&$expand=${encodeURIComponent('Observations($orderby=phenomenonTime desc;$top=1;$select=phenomenonTime,result)')}`;
    const [p50, p95] = await measure(repetitions, async () => ok(await client.request('GET', latest)));
    const [s50, s95] = await measure(repetitions, () =>
      db.query(
        `SELECT d.id, o.* FROM sta_datastreams d CROSS JOIN LATERAL (SELECT phenomenon_time_start, result FROM sta_observations o
         WHERE o.datastream_id = d.id ORDER BY phenomenon_time_start DESC LIMIT 1) o ORDER BY d.id LIMIT $1`,
        [n],
      ),
    );
    results.push({
      name: `latest Observation of each of ${n} Datastreams (one $expand request)`,
      p50,
      p95,
      sqlP50: s50,
      sqlP95: s95,
    });

    let k = 0;
    const day = () => {
      const ds = fx.datastreamIds[k++ % n]!;
      const from = new Date(QUERY_START + (k % 300) * 24 * HOUR);
      const to = new Date(from.getTime() + 24 * HOUR);
      return { ds, from: from.toISOString(), to: to.toISOString() };
    };
    const [d50, d95] = await measure(repetitions, async () => {
      const { ds, from, to } = day();
      const f = encodeURIComponent(`phenomenonTime ge ${from} and phenomenonTime lt ${to}`);
      ok(
        await client.request(
          'GET',
          `/sta/v1.1/Datastreams(${ds})/Observations?$filter=${f}&$orderby=phenomenonTime&$top=1000`,
        ),
      );
    });
    const [ds50, ds95] = await measure(repetitions, () => {
      const { ds, from, to } = day();
      return db.query(
        `SELECT id, phenomenon_time_start, result FROM sta_observations WHERE datastream_id = $1
         AND phenomenon_time_start >= $2 AND phenomenon_time_start < $3 ORDER BY phenomenon_time_start LIMIT 1000`,
        [ds, from, to],
      );
    });
    results.push({ name: 'one day of one Datastream', p50: d50, p95: d95, sqlP50: ds50, sqlP95: ds95 });

    const [c50, c95] = await measure(Math.min(repetitions, 20), async () =>
      ok(await client.request('GET', '/sta/v1.1/Observations?$count=true&$top=0')),
    );
    const [cs50, cs95] = await measure(Math.min(repetitions, 5), () =>
      db.query('SELECT count(*) FROM sta_observations'),
    );
    results.push({ name: '$count of all Observations', p50: c50, p95: c95, sqlP50: cs50, sqlP95: cs95 });
  } finally {
    await db.end();
  }
  return results;
}
