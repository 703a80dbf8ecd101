import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type ControlClient, controlClient } from '../support/control-client.ts';
import {
  assertNoSecret,
  buildScenario,
  captureLogs,
  deadLetters,
  expectAllWritten,
  featureIds,
  fixAndReplay,
  observationCount,
  type ParkingRecord,
  parkingCsv,
  parkingRecords,
  pipelineStatus,
  recordAnswers,
  type Scenario,
  waitForStatus,
} from '../support/pipeline-scenario.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { primaryKind } from '../support/test-store.ts';

/**
 * Issue 4 end to end with a file-upload source: CSV files of car-park readings are streamed to
 * `POST /api/v1/datasources/{id}/uploads` over a real connection while a second request polls the upload's
 * progress; the records go through the pipeline into the features table (OGC API – Features) and
 * SensorThings. A record no rule can take is dead-lettered, fixed and replayed; a line that does not parse
 * fails the upload with the records before it committed and counted.
 */
const CAR_PARKS = 50;
const MINUTES = 100;

/** Readings of `CAR_PARKS` car parks for minutes `from` … `from + n - 1`, oldest first. */
const readings = (from: number, n: number): ParkingRecord[] =>
  Array.from({ length: n }, (_, m) => parkingRecords(CAR_PARKS, from + m)).flat();

interface UploadState {
  id: string;
  status: string;
  bytesRead: number;
  totalBytes: number | null;
  records: number;
  in: number;
  out: number;
  filtered: number;
  rejected: number;
  error: { type: string; detail: string; field?: string } | null;
}

describe('pipeline from a file-upload source', () => {
  let platform: TestPlatform;
  let token: string;
  let api: ControlClient;
  let s: Scenario;
  const logs = captureLogs();
  let answers: string[] = [];

  /** POSTs `parts` over a real connection, one write each; `between(written)` runs after each write. */
  function streamUpload(
    parts: Buffer[],
    headers: Record<string, string | number>,
    between: (written: number) => Promise<void> = async () => {},
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${platform.url}/api/v1/datasources/${s.dataSource.id}/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', ...headers },
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c) => {
          body += c;
        });
        res.on('end', () => {
          answers.push(`${res.statusCode} ${JSON.stringify(res.headers)} ${body}`);
          resolve({ status: res.statusCode!, body });
        });
      });
      req.on('error', reject);
      (async () => {
        let written = 0;
        for (const part of parts) {
          if (req.destroyed || req.writableEnded) break;
          req.write(part);
          written += part.length;
          await between(written);
        }
        req.end();
      })().catch(reject);
    });
  }

  /** A whole (small) file in one request through inject. */
  const upload = (csv: string) =>
    platform.app.inject({
      method: 'POST',
      url: `/api/v1/datasources/${s.dataSource.id}/uploads`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      payload: csv,
    });

  const progress = async (uploadId: string, allowMissing = false): Promise<UploadState | undefined> => {
    const res = await api.get(`/datasources/${s.dataSource.id}/uploads/${uploadId}`);
    if (allowMissing && res.statusCode === 404) return undefined;
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as UploadState;
  };

  /**
   * Polls the upload's state from a second request until `ok` holds (30 s at most). Until the server has
   * begun to read the body, the upload id is unknown (404).
   */
  async function progressUntil(uploadId: string, ok: (st: UploadState) => boolean): Promise<UploadState> {
    const deadline = Date.now() + 30_000;
    let last = await progress(uploadId, true);
    while (!last || !ok(last)) {
      if (Date.now() > deadline) assert.fail(`upload state not reached: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 20));
      last = await progress(uploadId, true);
    }
    return last;
  }

  before(async () => {
    const started = await startTestPlatform(primaryKind(), { logLevel: 'debug' }, { logStream: logs.stream });
    const recorded = recordAnswers(started);
    platform = recorded.platform;
    answers = recorded.answers;
    token = await platform.adminToken();
    api = controlClient(platform, token);
    s = await buildScenario(api, 'upload', {
      connectorType: 'file-upload',
      config: { format: 'csv', batchSize: 500 },
    });
  });
  after(() => platform?.dispose());

  test('before the release an upload is refused and nothing is taken', async () => {
    const res = await upload(parkingCsv(parkingRecords(3)));
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().type, 'urn:urbs:problem:no-running-pipeline');
    assert.deepEqual((await pipelineStatus(api, s.pipeline.id)).counters, {
      in: 0,
      out: 0,
      filtered: 0,
      rejected: 0,
    });
  });

  test('release starts the pipeline', async () => {
    const res = await api.post(`/datasets/${s.dataSet.id}/release`);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'AVAILABLE');
    await waitForStatus(api, s.pipeline.id, (st) => st.state === 'running');
  });

  test('a CSV of 5,000 readings streams in while a second request polls its progress', async () => {
    const csv = parkingCsv(readings(0, MINUTES));
    const lines = csv.split('\n');
    const header = lines.shift()!;
    // 10 parts of 500 lines; the client waits after each one until the server reports it as read.
    const per = Math.ceil((lines.length - 1) / 10);
    const parts = Array.from({ length: 10 }, (_, i) =>
      Buffer.from(`${i === 0 ? `${header}\n` : ''}${lines.slice(i * per, (i + 1) * per).join('\n')}\n`),
    ).filter((p) => p.toString().trim() !== '');
    const total = parts.reduce((n, p) => n + p.length, 0);
    const uploadId = randomUUID();
    const seen: UploadState[] = [];
    const answer = await streamUpload(
      parts,
      { 'content-length': total, 'upload-id': uploadId },
      async (written) => {
        const st = await progressUntil(uploadId, (x) => x.bytesRead >= written);
        seen.push(st);
        if (written < total) assert.equal(st.status, 'running');
      },
    );
    assert.equal(answer.status, 201, answer.body);
    const state = JSON.parse(answer.body) as UploadState;
    assert.deepEqual(
      { ...state, startedAt: undefined, finishedAt: undefined, sourceId: undefined },
      {
        id: uploadId,
        status: 'done',
        bytesRead: total,
        totalBytes: total,
        records: 5000,
        in: 5000,
        out: 5000,
        filtered: 0,
        rejected: 0,
        error: null,
        startedAt: undefined,
        finishedAt: undefined,
        sourceId: undefined,
      },
    );
    assert.ok(seen.length >= 2, 'progress was read while the upload ran');
    assert.ok(
      seen[0]!.bytesRead < total,
      `the first progress was partial: ${seen[0]!.bytesRead} of ${total}`,
    );
    assert.ok(
      seen.some((x) => x.status === 'running' && x.records > 0 && x.records < 5000),
      'records grew',
    );
    assert.deepEqual((await progress(uploadId))?.records, 5000);

    assert.deepEqual((await pipelineStatus(api, s.pipeline.id)).counters, {
      in: 5000,
      out: 5000,
      filtered: 0,
      rejected: 0,
    });
    // Features keep the latest reading per car park; observations are the whole time series.
    const features = await featureIds(platform, token, String(s.dataSet.identifier));
    assert.equal(features.size, CAR_PARKS);
    assert.equal(features.get('P1')?.availableSpotNumber, MINUTES - 1);
    assert.equal(features.get('P3')?.availableSpotNumber, (2 * 7 + MINUTES - 1) % 300);
    assert.equal(await observationCount(platform, token), 5000);
  });

  test('a record no rule can take is one dead letter; the rest of the file is written', async () => {
    const file = parkingRecords(10, MINUTES).map((r) => (r.id === 'P7' ? { ...r, free: 'n/a' } : r));
    const res = await upload(parkingCsv(file));
    assert.equal(res.statusCode, 201, res.body);
    const state = res.json() as UploadState;
    assert.deepEqual(
      [state.status, state.records, state.in, state.out, state.rejected],
      ['done', 10, 10, 9, 1],
    );
    assert.deepEqual((await pipelineStatus(api, s.pipeline.id)).counters, {
      in: 5010,
      out: 5009,
      filtered: 0,
      rejected: 1,
    });
    const dead = await deadLetters(api, s.pipeline.id);
    assert.equal(dead.total, 1);
    assert.equal(dead.items[0]!.payload.free, 'n/a', 'the raw CSV record is kept');
    assert.equal(await observationCount(platform, token), 5009);
  });

  test('a newer reading of that car park arrives; fixing the mapping and replaying writes the dead letter', async () => {
    const newer = { ...parkingRecords(7, MINUTES + 1)[6]!, free: '42' };
    const res = await upload(parkingCsv([newer]));
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(
      (await featureIds(platform, token, String(s.dataSet.identifier))).get('P7')?.availableSpotNumber,
      42,
    );
    await fixAndReplay(api, s, 'P7');
    await expectAllWritten({ api, platform, token }, s, 5011);
  });

  test('after the replay the feature still shows the newest reading', async () => {
    const features = await featureIds(platform, token, String(s.dataSet.identifier));
    assert.equal(features.get('P7')?.availableSpotNumber, 42);
  });

  test('a line that does not parse fails the upload: a 400 on file, every record before it is committed', async () => {
    // 600 good records (one batch of 500 is committed while the client still sends), then a broken line.
    const good = parkingCsv(readings(MINUTES + 2, 12));
    const rest = parkingCsv(parkingRecords(5)).split('\n').slice(1).join('\n');
    const parts = [Buffer.from(good), Buffer.from(`P1,too,many,columns,here,now,!\n${rest}`)];
    const uploadId = randomUUID();
    const answer = await streamUpload(parts, { 'upload-id': uploadId }, async (written) => {
      if (written === parts[0]!.length) await progressUntil(uploadId, (st) => st.records === 500);
    });
    assert.equal(answer.status, 400, answer.body);
    const problem = JSON.parse(answer.body);
    assert.equal(problem.type, 'urn:urbs:problem:bad-request');
    assert.equal(problem.field, 'file');
    assert.match(problem.detail, /line 602/);
    // Everything parsed before the bad line is committed (at most the last good line may still sit in the
    // parser when it fails); the answer says exactly how many, so a client knows where to resume.
    const committed = problem.records as number;
    assert.ok(committed >= 599 && committed <= 600, String(committed));
    assert.equal(problem.uploadId, uploadId);
    const state = (await progress(uploadId))!;
    assert.deepEqual(
      [state.status, state.records, state.in, state.out, state.error?.field],
      ['failed', committed, committed, committed, 'file'],
    );
    assert.deepEqual((await pipelineStatus(api, s.pipeline.id)).counters, {
      in: 5011 + committed,
      out: 5011 + committed,
      filtered: 0,
      rejected: 0,
    });
    assert.equal(await observationCount(platform, token), 5011 + committed);
    assert.equal((await deadLetters(api, s.pipeline.id)).total, 0);
  });

  test('no bearer token appears in any answer or log line (debug level)', () => {
    assert.ok(logs.lines.some((l) => l.includes('incoming request')));
    assertNoSecret([token], { 'an answer': answers, 'a log line': logs.lines });
  });
});
