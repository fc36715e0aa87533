// Offline-verifiable license certificates: a compact JWS (EdDSA / Ed25519) over the key's state,
// signed with the organization's own key. A merchant's app verifies it with the published public
// key and node:crypto alone (verifyLicenseCertificate), no network.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  KeyObject,
  randomBytes,
  sign,
  verify,
  type JsonWebKey,
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

export type VerificationFailure =
  | 'malformed'
  | 'unsupported_algorithm'
  | 'unknown_signing_key'
  | 'bad_signature'
  | 'not_yet_valid'
  | 'certificate_expired'
  | 'license_expired'
  | 'not_granted'
  | 'key_mismatch'
  | 'activation_required'
  | 'activation_mismatch';

/** One published key as the signing-keys endpoints list it (extra fields are ignored). */
export interface VerificationKey {
  key_id: string;
  public_key: string | JsonWebKey;
}

type PublicKeyInput = string | KeyObject | JsonWebKey;

export type VerificationResult =
  { valid: true; claims: LicenseCertificateClaims } | { valid: false; reason: VerificationFailure; claims?: LicenseCertificateClaims };

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');
const fromB64url = (s: string) => Buffer.from(s, 'base64url');

/**
 * Checks a certificate with the organization's public key (PEM, JWK object or KeyObject) or with
 * the list the signing-keys endpoint publishes (the certificate's `kid` picks the key, so
 * certificates signed before a rotation keep verifying): the signature, the validity window, that
 * the license is granted and not expired at `now`, and that a key limiting activations is bound to
 * one. Pass `key` to require the certificate to be for that license key, `activationId` for that
 * activation (the one this installation registered).
 */
export function verifyLicenseCertificate(
  certificate: string,
  publicKey: PublicKeyInput | VerificationKey[],
  options: { now?: Date; key?: string; activationId?: string } = {},
): VerificationResult {
  const parts = typeof certificate === 'string' ? certificate.split('.') : [];
  if (parts.length !== 3) return { valid: false, reason: 'malformed' };
  let header: { alg?: string; kid?: string };
  let claims: LicenseCertificateClaims;
  try {
    header = JSON.parse(fromB64url(parts[0]).toString('utf8'));
    claims = JSON.parse(fromB64url(parts[1]).toString('utf8'));
  } catch {
    return { valid: false, reason: 'malformed' };
  }
  if (header.alg !== 'EdDSA') return { valid: false, reason: 'unsupported_algorithm' };
  const chosen = Array.isArray(publicKey) ? publicKey.find((k) => k.key_id === header.kid)?.public_key : publicKey;
  if (!chosen) return { valid: false, reason: 'unknown_signing_key' };
  const signed = verify(null, Buffer.from(`${parts[0]}.${parts[1]}`), toPublicKey(chosen), fromB64url(parts[2]));
  if (!signed) return { valid: false, reason: 'bad_signature' };
  const now = (options.now ?? new Date()).getTime();
  if (now < Date.parse(claims.valid_from)) return { valid: false, reason: 'not_yet_valid', claims };
  if (now >= Date.parse(claims.valid_until)) return { valid: false, reason: 'certificate_expired', claims };
  if (claims.license_key.status !== 'granted') return { valid: false, reason: 'not_granted', claims };
  if (claims.license_key.expires_at && now >= Date.parse(claims.license_key.expires_at))
    return { valid: false, reason: 'license_expired', claims };
  if (options.key !== undefined && options.key !== claims.license_key.key) return { valid: false, reason: 'key_mismatch', claims };
  if (claims.license_key.limit_activations !== null && !claims.activation) return { valid: false, reason: 'activation_required', claims };
  if (options.activationId !== undefined && options.activationId !== claims.activation?.id) {
    return { valid: false, reason: 'activation_mismatch', claims };
  }
  return { valid: true, claims };
}

function toPublicKey(key: PublicKeyInput): KeyObject {
  if (key instanceof KeyObject) return key;
  return typeof key === 'string' ? createPublicKey(key) : createPublicKey({ key: key as any, format: 'jwk' });
}

// ---- Issuing (server side) ----

/** The longest any certificate may stay valid, whatever an organization sets. */
export const MAX_CERTIFICATE_DAYS = 365;

export interface SigningKeyRecord {
  organization_id: string;
  algorithm: string;
  key_id: string;
  public_key: string;
  private_key_encrypted: string;
  created_at?: Date;
  retired_at?: Date | null;
  expires_at?: Date | null;
  certificates_valid_until?: Date | null;
}

/** Where signing keys live (the organization_signing_keys table in the service). */
export interface SigningKeyStore {
  current(organizationId: string): Promise<SigningKeyRecord | null>;
  insertOrGet(row: SigningKeyRecord): Promise<SigningKeyRecord>;
  /** False when the key was retired meanwhile. */
  cover(organizationId: string, keyId: string, until: Date): Promise<boolean>;
  published(organizationId: string): Promise<SigningKeyRecord[]>;
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

/** A key in the published list: whether it still signs, and until when it is listed. */
export interface ListedKey extends PublishedKey {
  created_at: string | null;
  current: boolean;
  retired_at: string | null;
  expires_at: string | null;
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);
const DAY_MS = 86_400_000;

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

/**
 * Signs with the organization's current key (created on first use). Before signing it records how
 * long the certificate stays valid on the key's row (rounded up to a day, so at most one write per
 * key a day), so that a rotation keeps publishing the retired key exactly as long as needed.
 * Decrypted private keys stay cached in memory; which key is current is read on every issue.
 */
export class LicenseCertificateIssuer {
  private readonly privateKeys = new Map<string, KeyObject>();

  constructor(
    private readonly store: SigningKeyStore,
    private readonly secret: string | undefined,
  ) {}

  /** Throws CertificatesUnavailableError when the server cannot sign (checked before anything else). */
  assertAvailable(): void {
    if (!this.secret) throw new CertificatesUnavailableError();
  }

  private async current(organizationId: string): Promise<SigningKeyRecord> {
    const secret = this.secret;
    if (!secret) throw new CertificatesUnavailableError();
    return (await this.store.current(organizationId)) ?? (await this.store.insertOrGet(newSigningKey(secret, organizationId)));
  }

  private privateKey(record: SigningKeyRecord): KeyObject {
    const id = `${record.organization_id}:${record.key_id}`;
    let key = this.privateKeys.get(id);
    if (!key) {
      const pkcs8 = decryptPrivateKey(this.secret!, record.organization_id, record.private_key_encrypted);
      key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
      if (this.privateKeys.size > 10_000) this.privateKeys.clear();
      this.privateKeys.set(id, key);
    }
    return key;
  }

  async publishedKey(organizationId: string): Promise<PublishedKey> {
    return published(await this.current(organizationId));
  }

  /** Every key a verifier may need: the current one first, then retired ones not yet expired. */
  async publishedKeys(organizationId: string): Promise<ListedKey[]> {
    await this.current(organizationId);
    return (await this.store.published(organizationId)).map((r) => ({
      ...published(r),
      created_at: iso(r.created_at),
      current: !r.retired_at,
      retired_at: iso(r.retired_at),
      expires_at: iso(r.expires_at),
    }));
  }

  async issue(organizationId: string, claims: LicenseCertificateClaims): Promise<{ certificate: string; keyId: string }> {
    const validUntil = Date.parse(claims.valid_until);
    for (let attempt = 0; attempt < 5; attempt++) {
      const record = await this.current(organizationId);
      const covered = record.certificates_valid_until ? new Date(record.certificates_valid_until).getTime() : -Infinity;
      if (
        covered < validUntil &&
        !(await this.store.cover(organizationId, record.key_id, new Date(Math.ceil(validUntil / DAY_MS) * DAY_MS)))
      ) {
        continue; // rotated meanwhile: sign with the new key
      }
      return { certificate: signCertificate(claims, this.privateKey(record), record.key_id), keyId: record.key_id };
    }
    throw new Error('the signing key kept changing while a certificate was issued');
  }
}

function published(record: SigningKeyRecord): PublishedKey {
  return {
    organization_id: record.organization_id,
    algorithm: 'Ed25519',
    key_id: record.key_id,
    public_key: record.public_key,
    public_key_jwk: createPublicKey(record.public_key).export({ format: 'jwk' }),
  };
}
