import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { loadMigrations } from '../../src/store/migrate.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/test-store.ts';
import {
  cleanEnv,
  type Exit,
  type RunningUrbs,
  runUrbs,
  startUrbs,
  type UrbsProcess,
} from '../support/urbs-process.ts';

/**
 * The real command line, spawned as a user runs it. Every embedded-database process here runs alone
 * (PGlite takes ~1 GB), and every one started is killed in `after` if a test fails half-way.
 */
const PASSWORD_LINE = /^urbs created user admin of tenant default with password (\S+)$/;
const started: UrbsProcess[] = [];
const tempDirs: string[] = [];
let latestVersion = 0;

before(async () => {
  latestVersion = (await loadMigrations()).length;
});
after(async () => {
  for (const p of started)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'urbs-cli-'));
  tempDirs.push(dir);
  return dir;
}

async function start(args: string[], env?: NodeJS.ProcessEnv): Promise<RunningUrbs> {
  const p = await startUrbs(['--port', '0', '--mqtt-port', 'off', ...args], env);
  started.push(p);
  return p;
}

/** Runs a command to its end. */
async function run(args: string[], env?: NodeJS.ProcessEnv): Promise<UrbsProcess & Exit> {
  const p = runUrbs(args, env);
  started.push(p);
  return { ...p, ...(await p.exited) };
}

async function getToken(url: string, password: string): Promise<string> {
  const res = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username: 'admin', password }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { access_token: string }).access_token;
}

async function meStatus(url: string, token: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

function assertOneLineError(p: { stderr: string[]; code: number | null }, pattern: RegExp) {
  assert.notEqual(p.code, 0);
  assert.equal(p.stderr.length, 1, `expected one line on stderr, got:\n${p.stderr.join('\n')}`);
  assert.match(p.stderr[0]!, /^urbs: /);
  assert.match(p.stderr[0]!, pattern);
  assert.doesNotMatch(p.stderr[0]!, /\s+at \S+ \(|Error:/);
}

/**
 * Sends the headers and half of a JSON body to POST /auth/token, then waits: the request is in flight.
 * `finish()` sends the rest and resolves with the raw HTTP response.
 */
async function slowTokenRequest(url: string, password: string) {
  const { hostname, port } = new URL(url);
  const body = JSON.stringify({ grant_type: 'password', username: 'admin', password });
  const half = Math.floor(body.length / 2);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let response = '';
  socket.setEncoding('utf8').on('data', (d: string) => {
    response += d;
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    `POST /auth/token HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
  );
  return {
    async finish() {
      socket.write(body.slice(half));
      await Promise.race([ended, sleep(30_000)]);
      socket.destroy();
      return response;
    },
  };
}

describe('urbs start on the embedded database', () => {
  let dataDir: string;
  let password: string;
  let tokenOfRun1: string;
  let tokenDuringDrain: string;

  before(async () => {
    dataDir = await tempDir();
  });

  test('a fresh data dir: ready line with the real port, /healthz 200, admin password printed', async () => {
    const urbs = await start(['--data-dir', dataDir]);
    try {
      assert.ok(urbs.port > 0);
      assert.equal(urbs.url, `http://127.0.0.1:${urbs.port}`);
      const pw = urbs.stdout.map((l) => PASSWORD_LINE.exec(l)).find(Boolean);
      assert.ok(pw, `no password line in:\n${urbs.stdout.join('\n')}`);
      password = pw[1]!;
      assert.ok(password.length >= 20);
      assert.equal(urbs.stdout.at(-1), `urbs listening on ${urbs.url}`);

      const health = await fetch(`${urbs.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      tokenOfRun1 = await getToken(urbs.url, password);
      assert.equal(await meStatus(urbs.url, tokenOfRun1), 200);

      // A second process on the same data dir is refused before it touches the database.
      const second = await run(['start', '--port', '0', '--mqtt-port', 'off', '--data-dir', dataDir]);
      assertOneLineError(second, /data dir .* is in use by another urbs process \(pid \d+\)/);
      assert.match(second.stderr[0]!, new RegExp(`pid ${urbs.child.pid}\\)`));
      assert.equal(second.code, 1);
      assert.deepEqual(second.stdout, []);
      assert.equal((await fetch(`${urbs.url}/healthz`)).status, 200, 'the first one is unharmed');

      // SIGTERM while a request is half-way in: it completes, new connections are refused, then exit 0.
      const slow = await slowTokenRequest(urbs.url, password);
      await sleep(300);
      urbs.child.kill('SIGTERM');
      await sleep(700);
      assert.equal(urbs.child.exitCode, null, 'still draining');
      await assert.rejects(fetch(`${urbs.url}/healthz`), 'no new connections while draining');
      const raw = await slow.finish();
      assert.match(raw, /^HTTP\/1\.1 200 /);
      tokenDuringDrain = (JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { access_token: string })
        .access_token;
      assert.deepEqual(await urbs.exited, { code: 0, signal: null });
      assert.deepEqual(urbs.stderr, []);
      assert.equal(existsSync(join(dataDir, 'urbs.lock')), false, 'the lock is released');
    } finally {
      urbs.child.kill('SIGKILL');
    }
  });

  test('a restart keeps the data: no new password, the password and old tokens still work; SIGINT exits 0', async () => {
    const urbs = await start(['--data-dir', dataDir]);
    assert.equal(urbs.stdout.filter((l) => PASSWORD_LINE.test(l)).length, 0, 'password shown once only');
    assert.deepEqual(urbs.stdout, [`urbs listening on ${urbs.url}`]);
    const token = await getToken(urbs.url, password);
    assert.equal(await meStatus(urbs.url, token), 200);
    assert.equal(await meStatus(urbs.url, tokenOfRun1), 200, 'the signing key survived the restart');
    assert.equal(await meStatus(urbs.url, tokenDuringDrain), 200);
    assert.deepEqual(await urbs.stop('SIGINT'), { code: 0, signal: null });
    assert.deepEqual(urbs.stderr, []);
  });

  test('Ctrl-C during start-up lets start-up finish, then closes cleanly and exits 0', async () => {
    const p = runUrbs(['start', '--port', '0', '--mqtt-port', 'off', '--data-dir', dataDir]);
    started.push(p);
    // The lock file appears once the signal handlers are in place and the database is being opened.
    const t0 = Date.now();
    while (!existsSync(join(dataDir, 'urbs.lock')) && p.child.exitCode === null && Date.now() - t0 < 60_000) {
      await sleep(20);
    }
    p.child.kill('SIGINT');
    await sleep(50);
    p.child.kill('SIGINT'); // the same Ctrl-C forwarded by npm: ignored
    assert.deepEqual(await p.exited, { code: 0, signal: null });
    assert.deepEqual(p.stderr, ['urbs: SIGINT during start-up, stopping once started']);
    assert.equal(existsSync(join(dataDir, 'urbs.lock')), false);
  });

  test('after all that the database opens cleanly: urbs migrate says it is up to date', async () => {
    const r = await run(['migrate', '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr.join('\n'));
    assert.deepEqual(r.stdout, [
      `urbs: embedded PostgreSQL in ${join(dataDir, 'pg')} is up to date at version ${latestVersion}`,
    ]);
    assert.deepEqual(r.stderr, []);
  });

  test('urbs migrate on a fresh data dir applies every migration and exits 0', async () => {
    const dir = await tempDir();
    const r = await run(['migrate', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr.join('\n'));
    assert.equal(r.stdout.length, 1);
    assert.match(
      r.stdout[0]!,
      new RegExp(
        `^urbs migrated embedded PostgreSQL in .* from version 0 to ${latestVersion}: 0001-foundation`,
      ),
    );
  });
});

describe('urbs start refuses to start, in one line', () => {
  test('DATABASE_URL pointing at a dead server: exit 1, one line, no stack, no password', async () => {
    const dead = 'postgres://postgres:s3cret@127.0.0.1:1/x';
    for (const [args, env] of [
      [['start'], cleanEnv({ DATABASE_URL: dead })],
      [['start', '--database-url', dead], cleanEnv()],
      [['migrate'], cleanEnv({ DATABASE_URL: dead })],
    ] as const) {
      const dir = await tempDir();
      const r = await run([...args, '--port', '0', '--mqtt-port', 'off', '--data-dir', dir], env);
      assert.equal(r.code, 1);
      assertOneLineError(
        r,
        /^urbs: cannot connect to PostgreSQL at postgres:\/\/postgres:\*+@127\.0\.0\.1:1\/x: /,
      );
      assert.doesNotMatch(r.stderr[0]!, /s3cret/);
      assert.deepEqual(r.stdout, []);
    }
  });

  test('an unknown flag exits 2 with the usage', async () => {
    const r = await run(['start', '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr[0]!, /^urbs: Unknown option '--bogus'/);
    assert.ok(r.stderr.some((l) => l.startsWith('usage: urbs <command>')));
    assert.deepEqual(r.stdout, []);
  });

  test('an unknown command or none exits 2 with the usage; --help exits 0', async () => {
    const unknown = await run(['serve']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr[0], 'urbs: unknown command serve');
    const none = await run([]);
    assert.equal(none.code, 2);
    assert.ok(none.stdout.some((l) => l.startsWith('usage: urbs <command>')));
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.ok(help.stdout.some((l) => l.startsWith('usage: urbs <command>')));
  });

  test('a bad --port is one line, exit 1', async () => {
    const r = await run(['start', '--port', '70000']);
    assert.equal(r.code, 1);
    assertOneLineError(r, /^urbs: --port must be a port number 0-65535$/);
  });
});

describe('urbs start on PostgreSQL', {
  skip: !TEST_DATABASE_URL && 'URBS_TEST_DATABASE_URL is not set',
}, () => {
  let db: TestDatabase & { url: string };
  let dataDir: string;

  before(async () => {
    db = await createTestDatabase();
    dataDir = await tempDir();
  });
  after(() => db?.drop());

  test('urbs migrate on an empty database applies every migration, then has nothing to do', async () => {
    const first = await run(['migrate', '--database-url', db.url, '--data-dir', dataDir]);
    assert.equal(first.code, 0, first.stderr.join('\n'));
    assert.match(
      first.stdout[0]!,
      new RegExp(
        `^urbs migrated PostgreSQL at postgres://.* from version 0 to ${latestVersion}: 0001-foundation`,
      ),
    );
    const second = await run(['migrate', '--data-dir', dataDir], cleanEnv({ DATABASE_URL: db.url }));
    assert.equal(second.code, 0);
    assert.match(second.stdout[0]!, new RegExp(`is up to date at version ${latestVersion}$`));
  });

  test('start, restart with the data kept, SIGTERM and SIGINT exit 0', async () => {
    const env = cleanEnv({ DATABASE_URL: db.url });
    const run1 = await start(['--data-dir', dataDir], env);
    const password = run1.stdout.map((l) => PASSWORD_LINE.exec(l)).find(Boolean)?.[1];
    assert.ok(password, 'password printed on the first start');
    const health = await fetch(`${run1.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const token1 = await getToken(run1.url, password);
    assert.deepEqual(await run1.stop('SIGTERM'), { code: 0, signal: null });

    const run2 = await start(['--data-dir', dataDir], env);
    assert.deepEqual(run2.stdout, [`urbs listening on ${run2.url}`]);
    assert.equal(await meStatus(run2.url, await getToken(run2.url, password)), 200);
    assert.equal(await meStatus(run2.url, token1), 200);
    assert.deepEqual(await run2.stop('SIGINT'), { code: 0, signal: null });
    assert.deepEqual([...run1.stderr, ...run2.stderr], []);
  });

  test('a schema newer than the code: start and migrate refuse in one line', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query(`INSERT INTO urbs_schema_migrations (version, name) VALUES (9999, 'future')`);
    } finally {
      await c.end();
    }
    const env = cleanEnv({ DATABASE_URL: db.url });
    for (const args of [['migrate'], ['start', '--port', '0', '--mqtt-port', 'off']]) {
      const r = await run([...args, '--data-dir', dataDir], env);
      assert.equal(r.code, 1);
      assertOneLineError(
        r,
        new RegExp(
          `^urbs: database schema is at version 9999 but this urbs only knows migrations up to ${latestVersion}`,
        ),
      );
    }
  });
});
