import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface Broker {
  url: string;
  stop(): Promise<void>;
}

/**
 * A Mosquitto broker (Debian package `mosquitto`) on a free port of 127.0.0.1, anonymous, with a queue long
 * enough that a slow subscriber loses nothing (`queued` QoS 1 messages per session). Undefined when the
 * binary is missing.
 */
export async function startMosquitto(queued: number): Promise<Broker | undefined> {
  if (!existsSync(MOSQUITTO)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'urbs-bench-mosquitto-'));
  const port = await new Promise<number>((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    // max_inflight_messages: how many unacknowledged QoS 1 messages the broker sends a subscriber, i.e. the
    // largest batch urbs's MQTT source can commit at once (Mosquitto's default is 20; docs/pipelines.md).
    `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages ${Math.max(queued, 1000)}\nmax_inflight_messages 500\n`,
  );
  // Started as root, mosquitto drops to the user `mosquitto`, which must read the config.
  await chmod(dir, 0o755);
  await chmod(conf, 0o644);
  const proc: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null || proc.signalCode !== null) break;
    const up = await new Promise<boolean>((resolve) => {
      const s = netConnect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return { url: `mqtt://127.0.0.1:${port}`, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`mosquitto did not listen on ${port}: ${stderr}`);
}
