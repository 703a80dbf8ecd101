/**
 * Start-up benchmark: time from spawning `urbs start` to its ready line, and resident memory once ready,
 * on an empty and on an existing data dir (embedded PGlite), and the same against a real PostgreSQL.
 *
 *   node --import tsx bench/startup.ts [--runs 5] [--database-url postgres://…]
 *
 * The PostgreSQL rows need --database-url (or URBS_BENCH_DATABASE_URL / URBS_TEST_DATABASE_URL): an
 * account that may create databases; each run gets a fresh database that is dropped afterwards.
 * Runs one urbs at a time, so the numbers are not disturbed by each other.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const BIN = fileURLToPath(new URL('../bin/urbs.js', import.meta.url));
const READY = /^urbs listening on http:\/\/\S+$/m;

interface Sample {
  readyMs: number;
  /** CPU time (user + system) of the urbs process until ready: less disturbed by other load than wall time. */
  cpuMs: number;
  rssMiB: number;
  peakMiB: number;
  stopMs: number;
}

/** VmRSS / VmHWM of a process, in MiB (Linux only). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of a process so far, in ms (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTimeOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('URBS_') && k !== 'DATABASE_URL') env[k] = v;
  }
  return env;
}

/** One `urbs start`: spawn → ready line → memory → SIGTERM → exit. */
async function startOnce(dataDir: string, databaseUrl?: string): Promise<Sample> {
  const args = [BIN, 'start', '--port', '0', '--mqtt-port', 'off', '--data-dir', dataDir];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const readyMs = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (READY.test(out)) resolve(performance.now() - t0);
    });
    exited.then((code) => reject(new Error(`urbs exited with ${code} before ready: ${err.trim()}`)));
  });
  const mem = memoryOf(child.pid!);
  const cpuMs = cpuTimeOf(child.pid!);
  const t1 = performance.now();
  child.kill('SIGTERM');
  const code = await exited;
  if (code !== 0) throw new Error(`urbs exited with ${code} on SIGTERM: ${err.trim()}`);
  return { readyMs, cpuMs, rssMiB: mem.rss, peakMiB: mem.peak, stopMs: performance.now() - t1 };
}

async function withDatabase<T>(adminUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `urbs_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  try {
    return await fn(u.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function row(name: string, samples: Sample[]): string[] {
  const ready = samples.map((s) => s.readyMs / 1000);
  const f1 = (x: number) => x.toFixed(1);
  const f2 = (x: number) => x.toFixed(2);
  return [
    name,
    String(samples.length),
    f2(median(ready)),
    `${f2(Math.min(...ready))}–${f2(Math.max(...ready))}`,
    f2(median(samples.map((s) => s.cpuMs / 1000))),
    f1(median(samples.map((s) => s.rssMiB))),
    f1(median(samples.map((s) => s.peakMiB))),
    f2(median(samples.map((s) => s.stopMs / 1000))),
  ];
}

function printTable(rows: string[][]) {
  const head = [
    'scenario',
    'runs',
    'ready s (median)',
    'ready s (min–max)',
    'CPU s to ready',
    'RSS MiB',
    'peak RSS MiB',
    'stop s',
  ];
  const lines = [head, head.map(() => '---'), ...rows];
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
}

async function main() {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, 'database-url': { type: 'string' } },
  });
  const runs = Number(values.runs);
  const databaseUrl =
    values['database-url'] ?? process.env.URBS_BENCH_DATABASE_URL ?? process.env.URBS_TEST_DATABASE_URL;
  const cpuModel =
    /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  console.log(`date: ${new Date().toISOString()}`);
  console.log(`machine: ${cpus().length} CPUs (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`);
  console.log(
    `node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at start`,
  );
  console.log(`${runs} runs per scenario\n`);

  const results: Record<string, Sample[]> = {};
  const record = (name: string, s: Sample) => {
    results[name] ??= [];
    results[name].push(s);
    const f = (x: number) => x.toFixed(0);
    console.error(
      `${name}: ready ${f(s.readyMs)} ms, CPU ${f(s.cpuMs)} ms, RSS ${f(s.rssMiB)} MiB, peak ${f(s.peakMiB)} MiB`,
    );
  };

  for (let i = 0; i < runs; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'urbs-bench-startup-'));
    try {
      record('embedded, empty data dir', await startOnce(dir));
      record('embedded, existing data dir', await startOnce(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (databaseUrl) {
    for (let i = 0; i < runs; i++) {
      const dir = await mkdtemp(join(tmpdir(), 'urbs-bench-startup-'));
      try {
        await withDatabase(databaseUrl, async (url) => {
          record('PostgreSQL, empty database', await startOnce(dir, url));
          record('PostgreSQL, existing database', await startOnce(dir, url));
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  } else {
    console.error('no --database-url: PostgreSQL rows skipped');
  }
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at the end\n`,
  );
  printTable(Object.entries(results).map(([name, samples]) => row(name, samples)));
}

await main();
