import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real command line, as a user runs it: `node bin/urbs.js …`. */
export const URBS_BIN = fileURLToPath(new URL('../../bin/urbs.js', import.meta.url));
export const READY_LINE = /^urbs listening on (http:\/\/(.+):(\d+))$/;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface UrbsProcess {
  child: ChildProcess;
  /** Complete lines written so far. */
  stdout: string[];
  stderr: string[];
  exited: Promise<Exit>;
  /** Resolves with the first stdout line matching `re`; rejects if the process exits first or on timeout. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/**
 * An environment without any urbs setting of the caller (so the flags under test decide), with logs off.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('URBS_') && k !== 'DATABASE_URL') env[k] = v;
  }
  return { ...env, URBS_LOG_LEVEL: 'silent', ...extra };
}

export function runUrbs(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): UrbsProcess {
  const child = spawn(process.execPath, [URBS_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const collect = (stream: NodeJS.ReadableStream, lines: string[], watch: boolean) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (!watch) continue;
        for (const w of [...waiters]) {
          const m = w.re.exec(line);
          if (m) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(m);
          }
        }
      }
    });
    stream.on('end', () => {
      if (rest) lines.push(rest);
    });
  };
  collect(child.stdout!, stdout, true);
  collect(child.stderr!, stderr, false);
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    stdout,
    stderr,
    exited,
    waitForLine(re, timeoutMs = 180_000) {
      for (const line of stdout) {
        const m = re.exec(line);
        if (m) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line ${re} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          re,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
        exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`urbs exited (${code ?? signal}) before ${re}; stderr: ${stderr.join('\n')}`));
        });
      });
    },
  };
}

export interface RunningUrbs extends UrbsProcess {
  url: string;
  port: number;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Runs `urbs start …` and waits for the ready line. */
export async function startUrbs(args: string[], env?: NodeJS.ProcessEnv): Promise<RunningUrbs> {
  const p = runUrbs(['start', ...args], env);
  try {
    const m = await p.waitForLine(READY_LINE);
    return {
      ...p,
      url: m[1]!,
      port: Number(m[3]),
      stop(signal = 'SIGTERM') {
        p.child.kill(signal);
        return p.exited;
      },
    };
  } catch (err) {
    p.child.kill('SIGKILL');
    throw err;
  }
}
