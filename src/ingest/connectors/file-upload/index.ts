import { type Duplex, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCsv } from 'csv-parse';
import Chain from 'stream-chain';
import StreamJson from 'stream-json';
import Pick from 'stream-json/filters/Pick.js';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import { BadRequestError } from '../../../core/errors/bad-request.ts';
import { checkShape } from '../../config-checks.ts';
import type { JsonSchema, PushConnector, RawRecord, Sink } from '../../connector.ts';
import { toRecordData } from '../../record-data.ts';
import { SinkFailure } from '../../source-failure.ts';

/**
 * File upload: a CSV file, a JSON array or a GeoJSON FeatureCollection of any size, parsed as a stream
 * with constant memory. Records go to the sink in batches; the next bytes are read only when the sink
 * took the batch. Progress (bytes read of the total, records) is reported after every batch.
 */
export interface FileUploadConfig {
  format: 'csv' | 'json' | 'geojson';
  csvDelimiter?: string;
  batchSize?: number;
}

export const fileUploadSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['format'],
  properties: {
    format: { type: 'string', enum: ['csv', 'json', 'geojson'] },
    csvDelimiter: { type: 'string', minLength: 1, maxLength: 1 },
    batchSize: { type: 'integer', minimum: 1, maximum: 10_000 },
  },
};

export const fileUploadConnector: PushConnector<FileUploadConfig> = {
  type: 'file-upload',
  kind: 'push',
  title: 'File upload',
  configSchema: fileUploadSchema,
  validateConfig: (input) => checkShape<FileUploadConfig>(fileUploadSchema, input),
};

export interface ImportProgress {
  bytesRead: number;
  /** The file size when known (Content-Length, file stat), for a progress bar. */
  totalBytes: number | undefined;
  records: number;
  done: boolean;
}

export interface ImportOptions {
  totalBytes?: number;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
}

/** The parser stage for a format: a stream of items, and how to get the record value from one. */
function parserFor(config: FileUploadConfig): { stream: Duplex; valueOf: (item: unknown) => unknown } {
  if (config.format === 'csv') {
    const delimiter = config.csvDelimiter ?? ',';
    return {
      stream: parseCsv({ columns: true, bom: true, skip_empty_lines: true, delimiter }),
      valueOf: (item) => item,
    };
  }
  const stages =
    config.format === 'geojson'
      ? [StreamJson.parser(), Pick.pick({ filter: 'features' }), StreamArray.streamArray()]
      : [StreamJson.parser(), StreamArray.streamArray()];
  return { stream: Chain.chain(stages), valueOf: (item) => (item as { value: unknown }).value };
}

/** Parses `input` and hands its records to `sink`; resolves with the totals. Bad content is a 400. */
export async function importFile(
  config: FileUploadConfig,
  input: Readable,
  sink: Sink,
  options: ImportOptions = {},
): Promise<ImportProgress> {
  const progress: ImportProgress = { bytesRead: 0, totalBytes: options.totalBytes, records: 0, done: false };
  const batchSize = config.batchSize ?? 1000;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      progress.bytesRead += chunk.length;
      done(null, chunk);
    },
  });
  let batch: RawRecord[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    try {
      await sink(records);
    } catch (err) {
      throw new SinkFailure(err);
    }
    progress.records += records.length;
    options.onProgress?.({ ...progress });
  };
  const receivedAt = new Date().toISOString();
  try {
    const parser = parserFor(config);
    await pipeline(
      input,
      counter,
      parser.stream,
      async (items: AsyncIterable<unknown>) => {
        for await (const item of items) {
          const index = progress.records + batch.length;
          batch.push({ data: toRecordData(parser.valueOf(item)), receivedAt, position: { index } });
          if (batch.length >= batchSize) await flush();
        }
        await flush();
      },
      { signal: options.signal },
    );
  } catch (err) {
    if (err instanceof SinkFailure || (err as Error).name === 'AbortError') throw err;
    // The records parsed before the bad spot are good: they go in, so `records` says exactly where to resume.
    await flush();
    throw new BadRequestError(
      `The file is not valid ${config.format.toUpperCase()}: ${(err as Error).message}`,
      {
        field: 'file',
        records: progress.records,
      },
    );
  }
  progress.done = true;
  options.onProgress?.({ ...progress });
  return progress;
}
