import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Mosquitto broker for tests (Debian package `mosquitto`, installed by .ci/run), on free ports of
 * 127.0.0.1 with its own temp config: anonymous on `port`, and on `securePort` (when `tls` is given) TLS
 * with a password. Stop it with `stop()`.
 */
export interface Mosquitto {
  port: number;
  securePort?: number;
  stop(): Promise<void>;
}

export interface MosquittoOptions {
  tls?: { caFile: string; certFile: string; keyFile: string };
  /** Accounts for the TLS listener. */
  users?: Record<string, string>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'urbs-mosquitto-'));
  const port = await freePort();
  const lines = ['per_listener_settings true', 'max_queued_messages 100000', `listener ${port} 127.0.0.1`];
  lines.push('allow_anonymous true');
  let securePort: number | undefined;
  if (options.tls) {
    securePort = await freePort();
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, '');
    for (const [user, pass] of Object.entries(options.users ?? {})) {
      execFileSync('mosquitto_passwd', ['-b', passwd, user, pass]);
    }
    lines.push(
      `listener ${securePort} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      `cafile ${options.tls.caFile}`,
      `certfile ${options.tls.certFile}`,
      `keyfile ${options.tls.keyFile}`,
    );
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  readableByAll(dir);
  const proc: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    await waitForPort(port, exited, () => stderr);
    if (securePort) await waitForPort(securePort, exited, () => stderr);
  } catch (err) {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    securePort,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, exited: Promise<void>, log: () => string): Promise<void> {
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  for (let i = 0; i < 100; i++) {
    if (dead) throw new Error(`mosquitto exited: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port}: ${log()}`);
}

/** A throw-away CA and a server certificate for 127.0.0.1 and localhost, made with openssl. */
export function makeTlsFiles(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const f = (n: string) => join(dir, n);
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(
    'req',
    '-x509',
    ...ec,
    '-days',
    '2',
    '-subj',
    '/CN=urbs test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  run('req', ...ec, '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const sign = ['-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf'];
  run('x509', '-req', '-in', 'server.csr', ...sign, '-out', 'server.pem');
  readableByAll(dir);
  return { caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key') };
}

/** Run as root, mosquitto drops to the user `mosquitto`, which must read the temp files (test data only). */
function readableByAll(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o644);
}
