import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { problemErrorHandler } from '../../src/apis/problem-details.ts';
import { createUser } from '../../src/auth/accounts.ts';
import { authenticate } from '../../src/auth/authenticate.ts';
import { ensureSigningKey, type SigningKey, TOKEN_ALG } from '../../src/auth/signing-keys.ts';
import { createTokenService, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../src/auth/tokens.ts';
import { sql } from '../../src/core/query/sql.ts';
import { createSecretBox, loadInstanceSecret } from '../../src/crypto/secret-box.ts';
import { assertProblem } from '../support/assert-problem.ts';
import { ADMIN_PASSWORD, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const OTHER_PASSWORD = 'other-tenant-password';

describe('auth: POST /auth/token and bearer tokens', () => {
  let platform: TestPlatform;
  let signingKey: SigningKey;

  before(async () => {
    platform = await startTestPlatform();
    const box = createSecretBox(await loadInstanceSecret(undefined, platform.dataDir));
    signingKey = await ensureSigningKey(platform.store, box);
    await platform.store.query(sql`INSERT INTO tenants (id, name) VALUES ('other', 'Other')`);
    await createUser(platform.store, {
      tenant: 'other',
      username: 'olga',
      password: OTHER_PASSWORD,
      roles: [],
    });
    await createUser(platform.store, { tenant: 'default', username: 'dora', password: 'dora-pw', roles: [] });
    await platform.store.query(sql`UPDATE users SET disabled = true WHERE username = 'dora'`);
  });
  after(() => platform?.dispose());

  const token = (payload: Record<string, string>, type = 'json') =>
    platform.app.inject({
      method: 'POST',
      url: '/auth/token',
      ...(type === 'json'
        ? { payload }
        : {
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: new URLSearchParams(payload).toString(),
          }),
    });
  const me = (bearer: string | undefined, url = '/api/v1/me') =>
    platform.app.inject({
      method: 'GET',
      url,
      headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
    });
  /** A token signed like urbs signs them, with claims and header to vary. */
  const sign = (
    claims: Record<string, unknown>,
    opts: { key?: CryptoKey; kid?: string; exp?: number | string; iss?: string; aud?: string } = {},
  ) =>
    new SignJWT({ tenant: 'default', roles: ['admin'], preferred_username: 'admin', ...claims })
      .setProtectedHeader({ alg: TOKEN_ALG, kid: opts.kid ?? signingKey.kid, typ: 'JWT' })
      .setSubject('user:1')
      .setIssuer(opts.iss ?? TOKEN_ISSUER)
      .setAudience(opts.aud ?? TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '1h')
      .sign(opts.key ?? signingKey.privateKey);

  describe('issuing', () => {
    test('a JSON password grant gives a bearer token that /api/v1/me accepts', async () => {
      const res = await token({ grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.headers['cache-control'], 'no-store');
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type']);
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 3600);
      const claims = decodeJwt(body.access_token);
      assert.equal(claims.tenant, 'default');
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 3600);

      const who = await me(body.access_token);
      assert.equal(who.statusCode, 200, who.body);
      assert.deepEqual(who.json(), {
        subject: 'user:1',
        username: 'admin',
        tenant: 'default',
        roles: ['admin'],
      });
    });

    test('a form-encoded password grant works the same', async () => {
      const res = await token(
        { grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD },
        'form',
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await me(res.json().access_token)).statusCode, 200);
    });

    test('a wrong password, an unknown user and a disabled user all get the same 401', async () => {
      const details = new Set<string>();
      for (const [username, password] of [
        ['admin', 'wrong'],
        ['nobody', 'whatever'],
        ['dora', 'dora-pw'],
        ['olga', OTHER_PASSWORD], // exists, but in tenant other
      ]) {
        const res = await token({ grant_type: 'password', username: username!, password: password! });
        details.add(assertProblem(res, 401, 'unauthorized').detail);
        assert.equal(res.headers['cache-control'], undefined);
      }
      assert.deepEqual([...details], ['Invalid username or password']);
    });

    test('an unknown user costs as long as a wrong password (one scrypt each)', async (t) => {
      const timeOf = async (username: string) => {
        const t0 = performance.now();
        const res = await token({ grant_type: 'password', username, password: 'not-the-password' });
        assert.equal(res.statusCode, 401);
        return performance.now() - t0;
      };
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const unknown: number[] = [];
      const known: number[] = [];
      // Interleaved, so that load on a shared machine hits both series alike.
      for (let i = 0; i < 7; i++) {
        unknown.push(await timeOf(`ghost-${i}`));
        known.push(await timeOf('admin'));
      }
      const [u, k] = [median(unknown), median(known)];
      const diff = Math.abs(u - k) / Math.max(u, k);
      t.diagnostic(`median unknown user ${u.toFixed(1)} ms, wrong password ${k.toFixed(1)} ms`);
      assert.ok(diff < 0.4, `median unknown user ${u.toFixed(1)} ms vs wrong password ${k.toFixed(1)} ms`);
    });

    test('a grant_type other than password is 400 naming the field', async () => {
      const res = await token({ grant_type: 'authorization_code', code: 'x' });
      const body = assertProblem(res, 400, 'unsupported-grant-type');
      assert.equal(body.field, 'grant_type');
      assert.equal(body.error, 'unsupported_grant_type');
      assert.match(body.detail, /grant_type authorization_code is not supported/);
    });

    test('a missing grant_type, username or password is 400 naming it', async () => {
      const noGrant = assertProblem(await token({ username: 'admin', password: 'x' }), 400);
      assert.match(noGrant.detail, /grant_type/);
      const noPassword = assertProblem(await token({ grant_type: 'password', username: 'admin' }), 400);
      assert.equal(noPassword.field, 'password');
      const noUser = assertProblem(await token({ grant_type: 'password', password: 'x' }), 400);
      assert.equal(noUser.field, 'username');
    });
  });

  describe('verifying', () => {
    let good: string;
    before(async () => {
      good = (await token({ grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD })).json()
        .access_token;
    });

    test('a token signed with the real key is accepted (the control for the cases below)', async () => {
      assert.equal((await me(await sign({}))).statusCode, 200);
    });

    test('no credentials on a read that needs them is 401', async () => {
      assertProblem(await me(undefined), 401, 'unauthorized');
    });

    test('a tampered signature is 401', async () => {
      const [h, p, s] = good.split('.') as [string, string, string];
      const i = Math.floor(s.length / 2);
      const flipped = `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
      const res = await me(`${h}.${p}.${flipped}`);
      assert.equal(assertProblem(res, 401, 'unauthorized').detail, 'The access token is not valid');
    });

    test('a tampered payload is 401', async () => {
      const [h, p, s] = good.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const elevated = Buffer.from(JSON.stringify({ ...claims, roles: ['admin', 'root'] })).toString(
        'base64url',
      );
      assertProblem(await me(`${h}.${elevated}.${s}`), 401, 'unauthorized');
      const i = Math.floor(p.length / 2);
      const flipped = `${p.slice(0, i)}${p[i] === 'A' ? 'B' : 'A'}${p.slice(i + 1)}`;
      assertProblem(await me(`${h}.${flipped}.${s}`), 401, 'unauthorized');
    });

    test('an expired token is 401 and says so', async () => {
      const expired = await sign({}, { exp: Math.floor(Date.now() / 1000) - 120 });
      assert.equal(
        assertProblem(await me(expired), 401, 'unauthorized').detail,
        'The access token has expired',
      );
    });

    test('a token of an unknown key, or of another key under a known kid, is 401', async () => {
      const { privateKey } = await generateKeyPair(TOKEN_ALG);
      assertProblem(await me(await sign({}, { key: privateKey, kid: randomUUID() })), 401, 'unauthorized');
      assertProblem(await me(await sign({}, { key: privateKey })), 401, 'unauthorized');
    });

    test('an unsigned token (alg none), a wrong issuer or audience, or garbage is 401', async () => {
      const [, p] = good.split('.') as [string, string];
      const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      assertProblem(await me(`${none}.${p}.`), 401, 'unauthorized');
      assertProblem(await me(await sign({}, { iss: 'someone-else' })), 401, 'unauthorized');
      assertProblem(await me(await sign({}, { aud: 'another-service' })), 401, 'unauthorized');
      assertProblem(await me('not.a.jwt'), 401, 'unauthorized');
      assertProblem(await me('x'.repeat(5000)), 401, 'unauthorized');
    });

    test('a scheme other than Bearer, or Bearer without a token, is 401', async () => {
      for (const authorization of ['Basic YWRtaW46eA==', `Token ${good}`, 'Bearer', 'Bearer a b']) {
        const res = await platform.app.inject({
          method: 'GET',
          url: '/api/v1/me',
          headers: { authorization },
        });
        assertProblem(res, 401, 'unauthorized');
      }
    });

    test('an invalid token is 401 even where no credentials are needed', async () => {
      const res = await platform.app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { authorization: 'Bearer x' },
      });
      assertProblem(res, 401, 'unauthorized');
    });
  });

  describe('tenants', () => {
    let adminToken: string;
    let otherToken: string;
    before(async () => {
      adminToken = await platform.adminToken();
      const res = await token({
        grant_type: 'password',
        tenant: 'other',
        username: 'olga',
        password: OTHER_PASSWORD,
      });
      assert.equal(res.statusCode, 200, res.body);
      otherToken = res.json().access_token;
    });

    test("a tenant's token works under /t/{tenant}/", async () => {
      const res = await me(otherToken, '/t/other/api/v1/me');
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        subject: res.json().subject,
        username: 'olga',
        tenant: 'other',
        roles: [],
      });
    });

    test("another tenant's token is 401 on the default tree", async () => {
      const body = assertProblem(await me(otherToken), 401, 'unauthorized');
      assert.match(body.detail, /another tenant/);
    });

    test("the default tenant's token is 401 under /t/other/", async () => {
      assertProblem(await me(adminToken, '/t/other/api/v1/me'), 401, 'unauthorized');
    });

    test('a tenant that does not exist is 401, not 404, so tenant names do not leak', async () => {
      assertProblem(await me(adminToken, '/t/nope/api/v1/me'), 401, 'unauthorized');
      assertProblem(await me(undefined, '/t/nope/api/v1/me'), 401, 'unauthorized');
    });

    test('a token request for a tenant that does not exist is the usual 401', async () => {
      const res = await token({
        grant_type: 'password',
        tenant: 'nope',
        username: 'admin',
        password: ADMIN_PASSWORD,
      });
      assert.equal(assertProblem(res, 401, 'unauthorized').detail, 'Invalid username or password');
    });
  });

  describe('writes', () => {
    // No write route of the product needs credentials yet, so the rule every future write route inherits
    // is checked on a bare app with the same plugin, error handler, store and keys.
    let app: FastifyInstance;
    before(async () => {
      const tokens = await createTokenService({ db: platform.store, signingKey, ttlSeconds: 60 });
      app = Fastify({ logger: false });
      app.setErrorHandler(problemErrorHandler);
      await app.register(authenticate, { tokens, tenantExists: async () => false, defaultTenant: 'default' });
      app.post('/api/v1/things', async (request) => ({ by: request.principal?.username }));
      app.post('/auth/token-like', { config: { public: true } }, async () => ({ ok: true }));
      await app.ready();
    });
    after(() => app?.close());

    const write = (url: string, authorization?: string) =>
      app.inject({ method: 'POST', url, headers: authorization ? { authorization } : {}, payload: { a: 1 } });

    test('a write without credentials is 401', async () => {
      assert.match(
        assertProblem(await write('/api/v1/things'), 401, 'unauthorized').detail,
        /needs credentials/,
      );
    });

    test('a write with a bad scheme or a bad token is 401', async () => {
      assertProblem(await write('/api/v1/things', 'Basic YWRtaW46eA=='), 401, 'unauthorized');
      assertProblem(await write('/api/v1/things', 'Bearer nope'), 401, 'unauthorized');
    });

    test('a write with a valid token passes; a route marked public needs none', async () => {
      const res = await write('/api/v1/things', `Bearer ${await platform.adminToken()}`);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { by: 'admin' });
      assert.equal((await write('/auth/token-like')).statusCode, 200);
    });
  });
});
