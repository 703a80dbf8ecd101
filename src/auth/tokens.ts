import { createLocalJWKSet, type JWK, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../core/errors/auth-errors.ts';
import type { Queryable } from '../store/store.ts';
import type { Principal } from './principal.ts';
import { loadPublicKeys, type SigningKey, TOKEN_ALG } from './signing-keys.ts';

export const TOKEN_ISSUER = 'urbs';
export const TOKEN_AUDIENCE = 'urbs';
const MAX_VERIFIED = 10_000;

export interface TokenService {
  issue(principal: Principal): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }>;
  /** Verifies signature, issuer, audience, expiry and key id; throws UnauthorizedError otherwise. */
  verify(token: string): Promise<Principal>;
}

export interface TokenServiceOptions {
  db: Queryable;
  signingKey: SigningKey;
  ttlSeconds: number;
}

export async function createTokenService(opts: TokenServiceOptions): Promise<TokenService> {
  // Verified tokens by their exact text, until they expire: a signed token cannot change, so checking its
  // signature once is enough, and the ECDSA verification is the most expensive part of a small request.
  // Bounded (oldest first out) and per service, so one instance never trusts another's verdicts.
  const verified = new Map<string, { principal: Principal; exp: number }>();
  const remember = (token: string, principal: Principal, exp: number) => {
    if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value as string);
    verified.set(token, { principal, exp });
  };
  let keys: JWK[] = await loadPublicKeys(opts.db);
  let jwks = createLocalJWKSet({ keys });
  let lastReload = Date.now();

  // Another node may have rotated keys: an unknown kid triggers one reload, at most every 10 seconds.
  async function reloadKeys(): Promise<boolean> {
    if (Date.now() - lastReload < 10_000) return false;
    lastReload = Date.now();
    keys = await loadPublicKeys(opts.db);
    jwks = createLocalJWKSet({ keys });
    return true;
  }

  async function verifyOnce(token: string) {
    return jwtVerify(token, jwks, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: [TOKEN_ALG],
    });
  }

  return {
    async issue(p) {
      const token = await new SignJWT({ tenant: p.tenant, roles: p.roles, preferred_username: p.username })
        .setProtectedHeader({ alg: TOKEN_ALG, kid: opts.signingKey.kid, typ: 'JWT' })
        .setSubject(p.subject)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${opts.ttlSeconds}s`)
        .sign(opts.signingKey.privateKey);
      return { access_token: token, token_type: 'Bearer', expires_in: opts.ttlSeconds };
    },
    async verify(token) {
      const hit = verified.get(token);
      if (hit && hit.exp > Date.now() / 1000) return hit.principal;
      let result: Awaited<ReturnType<typeof verifyOnce>>;
      try {
        result = await verifyOnce(token);
      } catch (err) {
        if (err instanceof joseErrors.JWKSNoMatchingKey && (await reloadKeys())) {
          result = await verifyOnce(token).catch(() => {
            throw invalid();
          });
        } else throw invalid(err);
      }
      const c = result.payload;
      if (typeof c.tenant !== 'string' || typeof c.sub !== 'string') throw invalid();
      const principal: Principal = {
        subject: c.sub,
        tenant: c.tenant,
        username: typeof c.preferred_username === 'string' ? c.preferred_username : c.sub,
        roles: Array.isArray(c.roles) ? c.roles.filter((r): r is string => typeof r === 'string') : [],
        via: 'token',
      };
      remember(token, principal, c.exp ?? 0);
      return principal;
    },
  };
}

function invalid(err?: unknown): UnauthorizedError {
  const expired = err instanceof joseErrors.JWTExpired;
  return new UnauthorizedError(expired ? 'The access token has expired' : 'The access token is not valid');
}
