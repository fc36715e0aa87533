// Offline-verifiable license certificates: a compact JWS (EdDSA / Ed25519) over the key's state,
// signed with the organization's own key. A merchant's app verifies it with the published public
// key and node:crypto alone (verifyLicenseCertificate), no network.
import {
  createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync,
  KeyObject, randomBytes, sign, verify, type JsonWebKey,
} from 'node:crypto';

export const CERTIFICATE_TYPE = 'license+jwt';

export interface LicenseCertificateClaims {
  iss: string; // organization id
  sub: string; // license key id
  iat: number;
  nbf: number;
  exp: number;
  issued_at: string;
  valid_from: string;
  valid_until: string;
  license_key: {
    id: string;
    key: string;
    display_key: string;
    status: string;
    benefit_id: string;
    customer_id: string;
    limit_activations: number | null;
    limit_usage: number | null;
    usage: number;
    expires_at: string | null;
  };
  customer: { id: string; email: string | null; name: string | null; external_id: string | null };
  benefit_id: string;
  activation: { id: string; label: string; conditions: Record<string, unknown>; meta: Record<string, unknown> } | null;
}

export type VerificationFailure = 'malformed' | 'unsupported_algorithm' | 'bad_signature' | 'not_yet_valid' | 'certificate_expired' | 'license_expired' | 'not_granted' | 'key_mismatch';

export type VerificationResult =
  | { valid: true; claims: LicenseCertificateClaims }
  | { valid: false; reason: VerificationFailure; claims?: LicenseCertificateClaims };

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');
const fromB64url = (s: string) => Buffer.from(s, 'base64url');

/**
 * Checks a certificate with the organization's public key (PEM, JWK object or KeyObject): the
 * signature, the validity window, and that the license is granted and not expired at `now`.
 * Pass `key` to also require the certificate to be for that license key.
 */
export function verifyLicenseCertificate(
  certificate: string,
  publicKey: string | KeyObject | JsonWebKey,
  options: { now?: Date; key?: string } = {},
): VerificationResult {
  const parts = typeof certificate === 'string' ? certificate.split('.') : [];
  if (parts.length !== 3) return { valid: false, reason: 'malformed' };
  let header: { alg?: string };
  let claims: LicenseCertificateClaims;
  try {
    header = JSON.parse(fromB64url(parts[0]).toString('utf8'));
    claims = JSON.parse(fromB64url(parts[1]).toString('utf8'));
  } catch {
    return { valid: false, reason: 'malformed' };
  }
  if (header.alg !== 'EdDSA') return { valid: false, reason: 'unsupported_algorithm' };
  const keyObject = publicKey instanceof KeyObject
    ? publicKey
    : typeof publicKey === 'string' ? createPublicKey(publicKey) : createPublicKey({ key: publicKey as any, format: 'jwk' });
  const signed = verify(null, Buffer.from(`${parts[0]}.${parts[1]}`), keyObject, fromB64url(parts[2]));
  if (!signed) return { valid: false, reason: 'bad_signature' };
  const now = (options.now ?? new Date()).getTime();
  if (now < Date.parse(claims.valid_from)) return { valid: false, reason: 'not_yet_valid', claims };
  if (now >= Date.parse(claims.valid_until)) return { valid: false, reason: 'certificate_expired', claims };
  if (claims.license_key.status !== 'granted') return { valid: false, reason: 'not_granted', claims };
  if (claims.license_key.expires_at && now >= Date.parse(claims.license_key.expires_at)) return { valid: false, reason: 'license_expired', claims };
  if (options.key !== undefined && options.key !== claims.license_key.key) return { valid: false, reason: 'key_mismatch', claims };
  return { valid: true, claims };
}

// ---- Issuing (server side) ----

export interface SigningKeyRecord {
  organization_id: string;
  algorithm: string;
  key_id: string;
  public_key: string;
  private_key_encrypted: string;
}

/** Where signing keys live (the organization_signing_keys table in the service). */
export interface SigningKeyStore {
  get(organizationId: string): Promise<SigningKeyRecord | null>;
  insertOrGet(row: SigningKeyRecord): Promise<SigningKeyRecord>;
}

export class CertificatesUnavailableError extends Error {
  constructor() {
    super('License certificates need SECRET_ENCRYPTION_KEY (32+ characters) in the configuration');
  }
}

export interface PublishedKey {
  organization_id: string;
  algorithm: 'Ed25519';
  key_id: string;
  public_key: string;
  public_key_jwk: JsonWebKey;
}

function wrappingKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'license-signing-keys', 'aes-256-gcm:v1', 32));
}

/** AES-256-GCM with the organization id as associated data: a ciphertext moved to another row fails. */
export function encryptPrivateKey(secret: string, organizationId: string, pkcs8: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', wrappingKey(secret), iv);
  cipher.setAAD(Buffer.from(organizationId));
  const ct = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
  return ['v1', b64url(iv), b64url(cipher.getAuthTag()), b64url(ct)].join('.');
}

export function decryptPrivateKey(secret: string, organizationId: string, stored: string): Buffer {
  const [version, iv, tag, ct] = stored.split('.');
  if (version !== 'v1') throw new Error(`unknown signing key encoding ${version}`);
  const decipher = createDecipheriv('aes-256-gcm', wrappingKey(secret), fromB64url(iv));
  decipher.setAAD(Buffer.from(organizationId));
  decipher.setAuthTag(fromB64url(tag));
  return Buffer.concat([decipher.update(fromB64url(ct)), decipher.final()]);
}

export function newSigningKey(secret: string, organizationId: string): SigningKeyRecord {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    organization_id: organizationId,
    algorithm: 'Ed25519',
    key_id: createHash('sha256').update(spki).digest('base64url').slice(0, 16),
    public_key: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    private_key_encrypted: encryptPrivateKey(secret, organizationId, privateKey.export({ format: 'der', type: 'pkcs8' })),
  };
}

export function signCertificate(claims: LicenseCertificateClaims, privateKey: KeyObject, keyId: string): string {
  const header = b64url(JSON.stringify({ alg: 'EdDSA', typ: CERTIFICATE_TYPE, kid: keyId }));
  const payload = b64url(JSON.stringify(claims));
  const signature = sign(null, Buffer.from(`${header}.${payload}`), privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

/** Loads (or creates on first use) an organization's key; decrypted private keys stay cached in memory. */
export class LicenseCertificateIssuer {
  private readonly cache = new Map<string, { record: SigningKeyRecord; privateKey: KeyObject }>();

  constructor(
    private readonly store: SigningKeyStore,
    private readonly secret: string | undefined,
  ) {}

  private async load(organizationId: string) {
    const cached = this.cache.get(organizationId);
    if (cached) return cached;
    if (!this.secret) throw new CertificatesUnavailableError();
    const record = (await this.store.get(organizationId)) ?? (await this.store.insertOrGet(newSigningKey(this.secret, organizationId)));
    const pkcs8 = decryptPrivateKey(this.secret, organizationId, record.private_key_encrypted);
    const entry = { record, privateKey: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }) };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(organizationId, entry);
    return entry;
  }

  async publishedKey(organizationId: string): Promise<PublishedKey> {
    const { record } = await this.load(organizationId);
    return {
      organization_id: organizationId,
      algorithm: 'Ed25519',
      key_id: record.key_id,
      public_key: record.public_key,
      public_key_jwk: createPublicKey(record.public_key).export({ format: 'jwk' }),
    };
  }

  async issue(organizationId: string, claims: LicenseCertificateClaims): Promise<{ certificate: string; keyId: string }> {
    const { record, privateKey } = await this.load(organizationId);
    return { certificate: signCertificate(claims, privateKey, record.key_id), keyId: record.key_id };
  }
}
