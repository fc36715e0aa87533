// Expiring, tamper-evident URL tokens: base64url(JSON payload) "." base64url(HMAC-SHA256). Each
// token names its purpose, so one signed for a part upload is refused as a download and the reverse.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenCheck<T> = { ok: true; payload: T } | { ok: false; reason: 'invalid' | 'expired' };

export class UrlSigner {
  private readonly key: Buffer;

  constructor(
    secret: string | Buffer,
    /** Seconds since the epoch; tests pass their own clock. */
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'files-url-signing', 'hmac-sha256:v1', 32));
  }

  sign(purpose: string, payload: Record<string, unknown>, expiresAt: Date): string {
    const body = Buffer.from(JSON.stringify({ ...payload, p: purpose, x: Math.floor(expiresAt.getTime() / 1000) })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  verify<T>(purpose: string, token: string): TokenCheck<T> {
    const [body, mac, extra] = String(token).split('.');
    if (!body || !mac || extra !== undefined) return { ok: false, reason: 'invalid' };
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    if (payload.p !== purpose || typeof payload.x !== 'number') return { ok: false, reason: 'invalid' };
    if (payload.x <= this.nowSeconds()) return { ok: false, reason: 'expired' };
    return { ok: true, payload: payload as T };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** The configured signing secret, else one derived from the encryption key, else a random one for this process. */
export function filesSigningSecret(config: { FILES_SIGNING_KEY?: string; SECRET_ENCRYPTION_KEY?: string }): string | Buffer {
  return config.FILES_SIGNING_KEY ?? (config.SECRET_ENCRYPTION_KEY ? `derived:${config.SECRET_ENCRYPTION_KEY}` : randomBytes(32));
}
