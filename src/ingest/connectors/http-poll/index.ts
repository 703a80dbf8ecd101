import { describeUrl } from '../../config-checks.ts';
import type { PullConnector, RawRecord } from '../../connector.ts';
import { toRecordData } from '../../record-data.ts';
import { redactSecrets } from '../../secrets.ts';
import { deliver, failedConnection, sampleError } from '../../source-failure.ts';
import { runPollLoop } from '../../source-state.ts';
import { type HttpPollConfig, httpPollSchema, nextCronRun, validateHttpPollConfig } from './config.ts';
import { fetchRecords, type PollMark } from './fetch-records.ts';

export type { HttpPollConfig } from './config.ts';

function toRecords(config: HttpPollConfig, values: unknown[]): RawRecord[] {
  const receivedAt = new Date().toISOString();
  const url = describeUrl(config.url);
  return values.map((v, index) => ({ data: toRecordData(v), receivedAt, position: { url, index } }));
}

/** Polls an HTTP(S) URL on an interval or a cron schedule; JSON (with a records path) or CSV. */
export const httpPollConnector: PullConnector<HttpPollConfig> = {
  type: 'http-poll',
  kind: 'pull',
  title: 'HTTP polling',
  configSchema: httpPollSchema,
  validateConfig: validateHttpPollConfig,

  async testConnection(config, signal) {
    const redact = (s: string) => redactSecrets(s, config, httpPollSchema);
    try {
      const { values } = await fetchRecords(config, signal);
      return { ok: true, detail: `${describeUrl(config.url)} answered with ${values?.length ?? 0} records` };
    } catch (err) {
      return failedConnection(err, 'url', redact);
    }
  },

  async sample(config, limit = 10, signal) {
    try {
      const { values } = await fetchRecords(config, signal);
      return toRecords(config, (values ?? []).slice(0, limit));
    } catch (err) {
      throw sampleError(err, 'url', (s) => redactSecrets(s, config, httpPollSchema));
    }
  },

  start(config, sink, options = {}) {
    let mark: PollMark | undefined;
    const skipUnchanged = config.skipUnchanged ?? true;
    return runPollLoop(
      {
        async round(signal) {
          mark ??= ((await options.checkpoint?.load()) as PollMark | undefined) ?? {};
          const result = await fetchRecords(config, signal, skipUnchanged ? mark : {});
          if (result.values && result.values.length > 0)
            await deliver(sink, toRecords(config, result.values));
          if (skipUnchanged && result.values !== undefined) {
            mark = result.mark;
            await options.checkpoint?.save({ ...mark });
          }
          return config.cron ? nextCronRun(config) : (config.intervalSeconds ?? 60) * 1000;
        },
        describe: (err) => redactSecrets((err as Error).message ?? String(err), config, httpPollSchema),
      },
      options,
    );
  },
};
