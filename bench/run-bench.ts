import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createFixture } from './lib/fixture.ts';
import { createClient, getToken } from './lib/http-client.ts';
import { fmt } from './lib/stats.ts';
import { startUrbs } from './lib/urbs-process.ts';
import { copyLimit, createObservations, type IngestResult, singlePosts } from './scenarios/ingest.ts';
import { mqttPublish } from './scenarios/mqtt-ingest.ts';
import { pipelineRates } from './scenarios/pipeline.ts';
import { loadObservations, queryLatencies } from './scenarios/query.ts';

/**
 * `urbs bench`: the benchmark suite on a real PostgreSQL. Each figure is printed beside the limit measured
 * in the same run (raw COPY into the same table, hand-written SQL for the same answer), because shared
 * machines are noisy. Creates and drops its own database on the server given by --database-url.
 */
const USAGE = `usage: urbs bench [--database-url URL] [--scenarios ingest,query,pipeline] [--observations N]
                  [--datastreams N] [--posts N] [--batch-rows N] [--mqtt N] [--pipeline-records N]
                  [--repetitions N] [--out FILE]`;

export async function runBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'database-url': { type: 'string' },
      scenarios: { type: 'string', default: 'ingest,query' },
      observations: { type: 'string', default: '10000000' },
      datastreams: { type: 'string', default: '1000' },
      posts: { type: 'string', default: '50000' },
      'batch-rows': { type: 'string', default: '200000' },
      mqtt: { type: 'string', default: '100000' },
      'pipeline-records': { type: 'string', default: '20000' },
      repetitions: { type: 'string', default: '50' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const adminUrl = values['database-url'] ?? process.env.DATABASE_URL;
  if (!adminUrl)
    throw new Error('urbs bench needs --database-url (or DATABASE_URL) of a PostgreSQL with PostGIS');
  const scenarios = new Set(values.scenarios.split(','));
  const name = `urbs_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const dbUrl = u.toString();
  const password = randomBytes(12).toString('hex');
  const lines: string[] = [];
  const log = (l: string) => {
    lines.push(l);
    process.stdout.write(`${l}\n`);
  };
  const urbs = await startUrbs(dbUrl, password);
  try {
    const token = await getToken(urbs.url, password);
    const client = createClient(urbs.url, token);
    const fx = await createFixture(client, Number(values.datastreams));
    log(
      `\n### Run ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${fmt(totalmem() / 2 ** 30)} GiB, PostgreSQL ${(await admin.query('SHOW server_version')).rows[0].server_version}\n`,
    );
    // Measured once per run; the pipeline table reuses what the ingest table measured.
    let copy: IngestResult | undefined;
    let staMqtt: IngestResult | undefined;
    const measureLimits = async () => {
      copy ??= await copyLimit(dbUrl, client, fx, Number(values['batch-rows']));
      if (urbs.mqttUrl)
        staMqtt ??= await mqttPublish(urbs.mqttUrl, password, client, fx, Number(values.mqtt));
    };
    if (scenarios.has('ingest')) {
      await measureLimits();
      const results: IngestResult[] = [copy!];
      results.push(await singlePosts(client, fx, Number(values.posts)));
      results.push(await createObservations(client, fx, Number(values['batch-rows'])));
      if (staMqtt) results.push(staMqtt);
      const limit = results[0]!.perSecond;
      log('| ingest path | rows | observations/s | % of raw COPY | note |');
      log('| --- | ---: | ---: | ---: | --- |');
      for (const r of results)
        log(
          `| ${r.name} | ${fmt(r.rows)} | ${fmt(r.perSecond)} | ${fmt((100 * r.perSecond) / limit, 1)} % | ${r.note ?? ''} |`,
        );
    }
    if (scenarios.has('pipeline')) {
      const pipelines = await pipelineRates(client, Number(values['pipeline-records']), log);
      if (pipelines.length > 0) {
        await measureLimits();
        const sta = staMqtt ? [{ ...staMqtt, name: `SensorThings: ${staMqtt.name} (urbs's broker)` }] : [];
        const rows = [...sta, ...pipelines, copy!];
        const base = staMqtt?.perSecond;
        log('\n| path | records | records/s | % of STA MQTT ingest | note |');
        log('| --- | ---: | ---: | ---: | --- |');
        for (const r of rows)
          log(
            `| ${r.name} | ${fmt(r.rows)} | ${fmt(r.perSecond)} | ${base ? `${fmt((100 * r.perSecond) / base, 1)} %` : '—'} | ${r.note ?? ''} |`,
          );
      }
    }
    if (scenarios.has('query')) {
      const rows = Number(values.observations);
      const t = performance.now();
      const rate = await loadObservations(dbUrl, client, fx, rows);
      log(
        `\nLoaded ${fmt(rows)} observations over ${fmt(fx.datastreamIds.length)} Datastreams by COPY at ${fmt(rate)} rows/s (${fmt((performance.now() - t) / 1000)} s incl. ANALYZE).\n`,
      );
      log('| query | p50 ms | p95 ms | same answer by SQL: p50 ms | p95 ms |');
      log('| --- | ---: | ---: | ---: | ---: |');
      for (const r of await queryLatencies(dbUrl, client, fx, Number(values.repetitions))) {
        log(
          `| ${r.name} | ${fmt(r.p50, 1)} | ${fmt(r.p95, 1)} | ${fmt(r.sqlP50, 1)} | ${fmt(r.sqlP95, 1)} |`,
        );
      }
    }
    client.close();
  } finally {
    await urbs.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
  if (values.out) await appendFile(values.out, `${lines.join('\n')}\n`);
}
