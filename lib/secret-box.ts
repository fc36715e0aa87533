// Secrets the service must read back (webhook signing secrets) are stored sealed: AES-256-GCM
// under a key derived from SECRET_ENCRYPTION_KEY, with a purpose string as associated data so a
// value sealed for one use does not open as another. A stored value without the prefix is a row
// written before encryption: it still opens (as itself) and is sealed at the next write or by
// the worker's startup pass.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

export type SecretPurpose = 'webhook-endpoint-secret' | 'oauth-access-token' | 'oauth-refresh-token';

export class SecretBox {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'stored-secrets', 'aes-256-gcm:v1', 32));
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  seal(plain: string, purpose: SecretPurpose): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${[iv, cipher.getAuthTag(), ct].map((b) => b.toString('base64url')).join('.')}`;
  }

  /** The plain secret; throws when the value was sealed under another key or altered. */
  open(stored: string, purpose: SecretPurpose): string {
    if (!SecretBox.isSealed(stored)) return stored;
    const [iv, tag, ct] = stored
      .slice(PREFIX.length)
      .split('.')
      .map((p) => Buffer.from(p, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  }
}

/**
 * Without a key (development and tests that do not set one) secrets are kept as given; production
 * refuses to start without one (config/config.ts requireEncryptionKey).
 */
export function secretBoxFor(secret: string | undefined): SecretBox | null {
  return secret ? new SecretBox(secret) : null;
}

export function sealWith(box: SecretBox | null, plain: string, purpose: SecretPurpose): string {
  return box ? box.seal(plain, purpose) : plain;
}

export function openWith(box: SecretBox | null, stored: string, purpose: SecretPurpose): string {
  if (SecretBox.isSealed(stored) && !box) throw new Error('a sealed secret needs SECRET_ENCRYPTION_KEY to open');
  return box ? box.open(stored, purpose) : stored;
}
