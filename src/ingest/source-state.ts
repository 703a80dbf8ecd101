import type { SourceStatus, StartOptions } from './connector.ts';

/** The status of one running source, reported to the caller's `onStatus` on every change. */
export class SourceState {
  status: SourceStatus = 'starting';
  lastError: string | undefined;
  readonly #onStatus: StartOptions['onStatus'];

  constructor(onStatus: StartOptions['onStatus']) {
    this.#onStatus = onStatus;
  }

  set(status: SourceStatus, error?: string): void {
    if (error !== undefined) this.lastError = error;
    if (this.status === 'stopped' || (this.status === status && error === undefined)) return;
    this.status = status;
    try {
      this.#onStatus?.(status, status === 'error' ? this.lastError : undefined);
    } catch {
      // a faulty listener must not stop the source
    }
  }
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A message for status and logs: never a stack; the caller redacts secrets. */
export function errorMessage(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return errorMessage(err.errors[0]);
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const cause = err.cause instanceof Error ? `: ${errorMessage(err.cause)}` : '';
    const text = err.message || code || err.name;
    return code && !text.includes(code) ? `${text} (${code})${cause}` : `${text}${cause}`;
  }
  return String(err);
}

export interface PollLoop {
  /** One round: reads and sinks what is there; resolves with the wait in ms before the next round. */
  round(signal: AbortSignal): Promise<number>;
  /** The message of a failed round, secrets already redacted. */
  describe(err: unknown): string;
  /** Releases connections when the loop ends. */
  close?(): Promise<void>;
}

/** Wait before retrying after a failure: 1 s, doubling, at most 60 s. */
const retryDelay = (failures: number) => Math.min(60_000, 1000 * 2 ** Math.max(0, failures - 1));

/**
 * Runs `loop.round` until stopped: status 'running' after a good round, 'error' (with the reason) after a
 * failed one, then retries with back-off. Never rejects, so a broken source cannot crash the process.
 */
export function runPollLoop(loop: PollLoop, options: StartOptions) {
  const state = new SourceState(options.onStatus);
  const stopper = new AbortController();
  const onAbort = () => stopper.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stopper.abort();
  const done = (async () => {
    let failures = 0;
    while (!stopper.signal.aborted) {
      let wait: number;
      try {
        wait = await loop.round(stopper.signal);
        failures = 0;
        if (!stopper.signal.aborted) state.set('running');
      } catch (err) {
        if (stopper.signal.aborted) break;
        failures += 1;
        state.set('error', loop.describe(err));
        wait = retryDelay(failures);
      }
      await sleep(wait, stopper.signal);
    }
    await loop.close?.().catch(() => {});
    state.set('stopped');
  })();
  return {
    get status() {
      return state.status;
    },
    get lastError() {
      return state.lastError;
    },
    async stop() {
      stopper.abort();
      options.signal?.removeEventListener('abort', onAbort);
      await done;
    },
  };
}
