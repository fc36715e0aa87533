import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62 string from a cryptographic source (rejection sampling keeps it unbiased). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export const ORGANIZATION_TOKEN_PREFIX = 'polar_oat_';
export const CUSTOMER_SESSION_TOKEN_PREFIX = 'polar_cst_';

export function newToken(prefix: string): { token: string; hash: string } {
  const token = `${prefix}${randomBase62(43)}`;
  return { token, hash: hashToken(token) };
}
