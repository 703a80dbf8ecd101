import { Cron } from 'croner';
import { checkShape, checkUrl, configError } from '../../config-checks.ts';
import type { JsonSchema } from '../../connector.ts';
import { parseRecordPath } from '../../record-path.ts';

export interface HttpPollConfig {
  url: string;
  /** Request headers; values are secret (API keys, bearer tokens). */
  headers?: Record<string, string>;
  /** Poll every n seconds after the previous poll ended; or `cron`, exactly one of the two. */
  intervalSeconds?: number;
  /** A 5- or 6-field cron expression (croner syntax), evaluated in `timezone` (default UTC). */
  cron?: string;
  timezone?: string;
  /** Where the records sit in a JSON body: `data.items`, `$.features` …; default: the root. */
  recordsPath?: string;
  format?: 'json' | 'csv';
  csvDelimiter?: string;
  timeoutSeconds?: number;
  /** Skip a body that is identical to the last one delivered (ETag, Last-Modified or content hash). */
  skipUnchanged?: boolean;
}

export const httpPollSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2048, description: 'http(s) URL to poll' },
    headers: {
      type: 'object',
      maxProperties: 32,
      additionalProperties: { type: 'string', maxLength: 8192, writeOnly: true },
    },
    intervalSeconds: { type: 'integer', minimum: 1, maximum: 31_536_000 },
    cron: { type: 'string', minLength: 1, maxLength: 200 },
    timezone: { type: 'string', minLength: 1, maxLength: 64 },
    recordsPath: { type: 'string', maxLength: 500 },
    format: { type: 'string', enum: ['json', 'csv'] },
    csvDelimiter: { type: 'string', minLength: 1, maxLength: 1 },
    timeoutSeconds: { type: 'integer', minimum: 1, maximum: 300 },
    skipUnchanged: { type: 'boolean' },
  },
};

export function validateHttpPollConfig(input: unknown): HttpPollConfig {
  const config = checkShape<HttpPollConfig>(httpPollSchema, input);
  checkUrl(config.url, 'url', ['http', 'https']);
  if ((config.intervalSeconds === undefined) === (config.cron === undefined)) {
    throw configError('intervalSeconds', 'Give exactly one of intervalSeconds and cron');
  }
  if (config.cron !== undefined) nextCronRun(config);
  if (config.format !== 'csv') parseRecordPath(config.recordsPath);
  for (const name of Object.keys(config.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw configError(`headers.${name}`, `headers.${name} is not a valid header name`);
    }
  }
  return config;
}

/** Milliseconds until the next cron run; throws a 400 naming `cron` or `timezone` for bad input. */
export function nextCronRun(config: HttpPollConfig, now = new Date()): number {
  let job: Cron;
  try {
    job = new Cron(config.cron ?? '', { paused: true, timezone: config.timezone ?? 'UTC' });
  } catch (err) {
    throw configError('cron', `cron is not a valid cron expression: ${(err as Error).message}`);
  }
  let next: Date | null;
  try {
    next = job.nextRun(now);
  } catch {
    throw configError('timezone', `timezone ${config.timezone} is not a known time zone`);
  }
  if (!next) throw configError('cron', 'cron never fires');
  return Math.max(0, next.getTime() - now.getTime());
}
