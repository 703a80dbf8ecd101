import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt, N=2^15, r=8, p=3: one of OWASP's equivalent minimum settings, chosen for
 * 32 MiB per hash instead of 128 MiB so that login bursts fit a small server. A 16-byte random salt per
 * password; the parameters are stored with the hash so they can be raised later.
 * Format: `scrypt$N$r$p$salt$hash` (base64url).
 */
const N = 2 ** 15;
const R = 8;
const P = 3;
const KEYLEN = 32;
const MAXMEM = 128 * N * R * 2;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEYLEN, { N: n, r, p, maxmem: Math.max(MAXMEM, 128 * n * r * 2) }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * What an unknown user's password is checked against, so that both paths cost one scrypt. It is a
 * well-formed hash with the current parameters but random bytes in place of a digest (no password
 * matches it), so it costs nothing to make and the first unknown-user login is not slower than the rest.
 */
let dummy: string | undefined;
export async function dummyPasswordHash(): Promise<string> {
  dummy ??= `scrypt$${N}$${R}$${P}$${randomBytes(16).toString('base64url')}$${randomBytes(KEYLEN).toString('base64url')}`;
  return dummy;
}

/** A generated password for the bootstrap admin: 24 characters, 144 bits. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
