import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { sql } from '../core/query/sql.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Queryable } from '../store/store.ts';

export const TOKEN_ALG = 'ES256';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
}

export interface PublicKeyRow {
  kid: string;
  public_jwk: JWK;
  retired_at: string | null;
}

/**
 * Token signing keys live in the database (the private half encrypted), so every node of a cluster signs
 * and verifies with the same keys. The newest non-retired key signs; all keys not retired verify, which is
 * what lets a key rotate: add a new one, retire the old one once its tokens have expired.
 */
export async function ensureSigningKey(db: Queryable, box: SecretBox): Promise<SigningKey> {
  const { rows } = await db.query<{ kid: string; private_jwk_encrypted: string }>(
    sql`SELECT kid, private_jwk_encrypted FROM signing_keys WHERE retired_at IS NULL
        ORDER BY created_at DESC, kid LIMIT 1`,
  );
  const row = rows[0];
  if (row) {
    const jwk = JSON.parse(box.open(row.private_jwk_encrypted)) as JWK;
    return { kid: row.kid, privateKey: (await importJWK(jwk, TOKEN_ALG)) as CryptoKey };
  }
  return rotateSigningKey(db, box);
}

/** Creates a new signing key that becomes the active one. */
export async function rotateSigningKey(db: Queryable, box: SecretBox): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALG, { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALG, use: 'sig' };
  const privateJwk = await exportJWK(privateKey);
  await db.query(
    sql`INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_encrypted)
        VALUES (${kid}, ${TOKEN_ALG}, ${JSON.stringify(publicJwk)}, ${box.seal(JSON.stringify(privateJwk))})`,
  );
  return { kid, privateKey };
}

export async function loadPublicKeys(db: Queryable): Promise<JWK[]> {
  const { rows } = await db.query<PublicKeyRow>(
    sql`SELECT kid, public_jwk, retired_at FROM signing_keys WHERE retired_at IS NULL`,
  );
  return rows.map((r) => r.public_jwk);
}
