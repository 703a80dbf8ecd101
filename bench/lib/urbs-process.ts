import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An urbs started as its own process (as a city would run it), so the load generator does not share its event loop. */
export interface UrbsProcess {
  url: string;
  mqttUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../../bin/urbs.js', import.meta.url));

export async function startUrbs(
  databaseUrl: string,
  adminPassword: string,
  env: Record<string, string> = {},
): Promise<UrbsProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'urbs-bench-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // e.g. URBS_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server under load.
      ...(process.env.URBS_BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
      BIN,
      'start',
      '--port',
      '0',
      '--mqtt-port',
      '0',
      '--data-dir',
      dataDir,
      '--database-url',
      databaseUrl,
    ],
    {
      env: { ...process.env, URBS_ADMIN_PASSWORD: adminPassword, URBS_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  const ready = await new Promise<{ url: string; mqttUrl?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`urbs did not start: ${out}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const http = /urbs listening on (http:\/\/\S+)/.exec(out)?.[1];
      const mqtt = /urbs mqtt on (mqtt:\/\/\S+)/.exec(out)?.[1];
      if (http && (mqtt || out.split('\n').length > 2)) {
        clearTimeout(timer);
        resolve({ url: http, ...(mqtt ? { mqttUrl: mqtt } : {}) });
      }
    });
    child.on('exit', (code) => reject(new Error(`urbs exited with ${code}: ${out}`)));
  });
  return {
    ...ready,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
