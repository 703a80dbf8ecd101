import { createHash } from 'node:crypto';
import { describeUrl } from '../../config-checks.ts';
import { parseBody } from '../../parse-body.ts';
import { parseRecordPath } from '../../record-path.ts';
import { SourceFailure } from '../../source-failure.ts';
import { errorMessage } from '../../source-state.ts';
import type { HttpPollConfig } from './config.ts';

/** What identifies the last body delivered, so an unchanged one is not delivered twice. */
export interface PollMark {
  etag?: string;
  lastModified?: string;
  hash?: string;
}

export interface PollResult {
  /** Undefined when the body is unchanged since `mark`. */
  values: unknown[] | undefined;
  mark: PollMark;
}

/** One GET of the configured URL, parsed into record values. Failures are SourceFailures naming a field. */
export async function fetchRecords(
  config: HttpPollConfig,
  signal: AbortSignal | undefined,
  mark: PollMark = {},
): Promise<PollResult> {
  const headers = new Headers(config.headers);
  if (mark.etag) headers.set('if-none-match', mark.etag);
  if (mark.lastModified) headers.set('if-modified-since', mark.lastModified);
  const timeout = AbortSignal.timeout((config.timeoutSeconds ?? 30) * 1000);
  const where = describeUrl(config.url);
  let res: Response;
  try {
    res = await fetch(config.url, {
      headers,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      redirect: 'follow',
    });
  } catch (err) {
    const reason = timeout.aborted ? `no answer within ${config.timeoutSeconds ?? 30} s` : errorMessage(err);
    throw new SourceFailure('url', `${where} cannot be reached: ${reason}`);
  }
  if (res.status === 304) {
    await res.body?.cancel();
    return { values: undefined, mark };
  }
  if (!res.ok) {
    await res.body?.cancel();
    const field = res.status === 401 || res.status === 403 ? 'headers' : 'url';
    throw new SourceFailure(field, `${where} answered HTTP ${res.status}`);
  }
  const text = await res.text();
  const next: PollMark = {
    etag: res.headers.get('etag') ?? undefined,
    lastModified: res.headers.get('last-modified') ?? undefined,
    hash: createHash('sha256').update(text).digest('base64url'),
  };
  if (mark.hash && mark.hash === next.hash) return { values: undefined, mark: next };
  const format = config.format ?? 'json';
  const path = format === 'json' ? parseRecordPath(config.recordsPath) : [];
  return { values: parseBody(text, format, path, config.csvDelimiter), mark: next };
}
