import assert from 'node:assert/strict';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import type { RawRecord } from '../../connector.ts';
import { fileUploadConnector, type ImportProgress, importFile } from './index.ts';

const text = (s: string) => Readable.from([Buffer.from(s)]);

describe('file upload: streaming parse with progress', () => {
  let dir: string;
  let bigCsv: string;
  const rows = 200_000;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'urbs-upload-'));
    bigCsv = join(dir, 'big.csv');
    const out = createWriteStream(bigCsv);
    out.write('id,name,lat,lon,value,note\n');
    for (let i = 0; i < rows; i++) {
      const line = `${i},sensor ${i},52.${i % 100000},13.${(i * 7) % 100000},${(i % 1000) / 10},"a note, with comma ${'x'.repeat(30)}"\n`;
      if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    out.end();
    await finished(out);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a ~20 MB CSV: all records, in batches, progress to 100 %, bounded memory', async () => {
    const totalBytes = statSync(bigCsv).size;
    assert.ok(totalBytes > 18_000_000, `generated ${totalBytes} bytes`);
    const progress: ImportProgress[] = [];
    let count = 0;
    let last: RawRecord | undefined;
    let maxBatch = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const result = await importFile(
      fileUploadConnector.validateConfig({ format: 'csv', batchSize: 2000 }),
      createReadStream(bigCsv),
      async (records) => {
        count += records.length;
        maxBatch = Math.max(maxBatch, records.length);
        last = records.at(-1);
        await new Promise((r) => setImmediate(r));
      },
      {
        totalBytes,
        onProgress: (p) => {
          progress.push(p);
          heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
        },
      },
    );
    assert.equal(count, rows);
    assert.equal(result.records, rows);
    assert.equal(result.bytesRead, totalBytes);
    assert.equal(maxBatch, 2000);
    assert.deepEqual(last?.data.id, String(rows - 1));
    assert.equal(last?.data.note, `a note, with comma ${'x'.repeat(30)}`);
    assert.equal(last?.position.index, rows - 1);
    assert.ok(progress.length >= 100, `${progress.length} progress reports`);
    for (let i = 1; i < progress.length; i++) {
      assert.ok((progress[i]?.bytesRead ?? 0) >= (progress[i - 1]?.bytesRead ?? 0));
    }
    assert.ok((progress[5]?.bytesRead ?? totalBytes) < totalBytes, 'progress grows while reading');
    assert.deepEqual(progress.at(-1), { bytesRead: totalBytes, totalBytes, records: rows, done: true });
    // Holding the parsed file would take several hundred MB; streaming keeps the heap growth small.
    const growth = heapPeak - heapBefore;
    assert.ok(growth < 80 * 1024 * 1024, `heap grew by ${Math.round(growth / 1048576)} MB`);
  });

  test('a JSON array and a GeoJSON FeatureCollection', async () => {
    const got: RawRecord[] = [];
    const sink = async (r: RawRecord[]) => {
      got.push(...r);
    };
    await importFile({ format: 'json' }, text('[{"a":1},{"a":2},3]'), sink);
    assert.deepEqual(
      got.map((r) => r.data),
      [{ a: 1 }, { a: 2 }, { value: 3 }],
    );
    got.length = 0;
    const fc = {
      type: 'FeatureCollection',
      name: 'trees',
      features: [1, 2, 3].map((id) => ({
        type: 'Feature',
        id,
        geometry: { type: 'Point', coordinates: [13.4, 52.5] },
        properties: { species: 'Tilia' },
      })),
    };
    const result = await importFile({ format: 'geojson', batchSize: 2 }, text(JSON.stringify(fc)), sink);
    assert.equal(result.records, 3);
    assert.deepEqual(got[2]?.data, fc.features[2]);
  });

  test('bad content is a 400 naming the file; a failing sink stops the import', async () => {
    const sink = async () => {};
    await assert.rejects(
      importFile({ format: 'json' }, text('[{"a":1},'), sink),
      (err) => err instanceof BadRequestError && err.extensions.field === 'file',
    );
    await assert.rejects(
      importFile({ format: 'csv' }, text('a,b\n1,2,3\n'), sink),
      (err) => err instanceof BadRequestError && err.extensions.field === 'file',
    );
    await assert.rejects(importFile({ format: 'json' }, text('{"not":"an array"}'), sink), BadRequestError);
    await assert.rejects(
      importFile({ format: 'csv' }, text('a\n1\n'), async () => {
        throw new Error('disk full');
      }),
      /pipeline did not take the records: disk full/,
    );
    assert.throws(
      () => fileUploadConnector.validateConfig({ format: 'xml' }),
      (err) => err instanceof BadRequestError && err.extensions.field === 'format',
    );
  });
});
