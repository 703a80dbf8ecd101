import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * AES-256-GCM encryption of secrets at rest (signing keys, connector credentials). The instance secret
 * comes from URBS_SECRET_KEY (base64, 32 bytes) or from `<dataDir>/secret.key`, generated on first start
 * with mode 0600. Several nodes on one database must share URBS_SECRET_KEY.
 * Format: `v1.<iv b64url>.<tag b64url>.<ciphertext b64url>`.
 */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('the instance secret must be 32 bytes');
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return [
        'v1',
        iv.toString('base64url'),
        c.getAuthTag().toString('base64url'),
        ct.toString('base64url'),
      ].join('.');
    },
    open(sealed) {
      const [v, iv, tag, ct] = sealed.split('.');
      if (v !== 'v1' || !iv || !tag || ct === undefined) throw new SecretDecryptError();
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        d.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
      } catch {
        throw new SecretDecryptError();
      }
    },
  };
}

export class SecretDecryptError extends Error {
  constructor() {
    super(
      'a stored secret cannot be decrypted with this instance secret (URBS_SECRET_KEY or <data-dir>/secret.key); ' +
        'every node must use the same one',
    );
    this.name = 'SecretDecryptError';
  }
}

/** Loads the instance secret from the environment or the data dir, creating it there on first start. */
export async function loadInstanceSecret(envValue: string | undefined, dataDir: string): Promise<Buffer> {
  if (envValue) {
    const key = Buffer.from(envValue, 'base64');
    if (key.length !== 32) throw new Error('URBS_SECRET_KEY must be 32 bytes, base64-encoded');
    return key;
  }
  const path = join(dataDir, 'secret.key');
  try {
    const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  return key;
}
