// Certificates without a server: key wrapping, signing, and what verification rejects.
import { generateKeyPairSync } from 'node:crypto';
import {
  decryptPrivateKey,
  encryptPrivateKey,
  LicenseCertificateClaims,
  LicenseCertificateIssuer,
  newSigningKey,
  SigningKeyRecord,
  signCertificate,
  verifyLicenseCertificate,
  type VerificationKey,
} from '../../benefits/license-keys/license-certificates';

const SECRET = 'unit-test-secret-encryption-key-0123456789';
const ORG = '11111111-1111-4111-8111-111111111111';
const NOW = Date.parse('2030-01-10T00:00:00Z');

function claims(over: Partial<LicenseCertificateClaims['license_key']> = {}): LicenseCertificateClaims {
  return {
    iss: ORG,
    sub: 'key-1',
    iat: 0,
    nbf: 0,
    exp: 0,
    issued_at: '2030-01-01T00:00:00.000Z',
    valid_from: '2030-01-01T00:00:00.000Z',
    valid_until: '2030-02-01T00:00:00.000Z',
    license_key: {
      id: 'key-1',
      key: 'APP-ABC',
      display_key: '****-ABC',
      status: 'granted',
      benefit_id: 'b',
      customer_id: 'c',
      limit_activations: null,
      limit_usage: null,
      usage: 0,
      expires_at: null,
      ...over,
    },
    customer: { id: 'c', email: 'c@example.com', name: null, external_id: null },
    benefit_id: 'b',
    activation: null,
  };
}

const pair = () => generateKeyPairSync('ed25519');

describe('private key wrapping', () => {
  it('round-trips and fails with another secret or another organization', () => {
    const data = Buffer.from('pkcs8 bytes');
    const stored = encryptPrivateKey(SECRET, ORG, data);
    expect(stored.startsWith('v1.')).toBe(true);
    expect(decryptPrivateKey(SECRET, ORG, stored)).toEqual(data);
    expect(() => decryptPrivateKey(`${SECRET}x`, ORG, stored)).toThrow();
    expect(() => decryptPrivateKey(SECRET, '22222222-2222-4222-8222-222222222222', stored)).toThrow();
    expect(encryptPrivateKey(SECRET, ORG, data)).not.toBe(stored); // fresh IV each time
  });

  it('newSigningKey gives a PEM public key, a short key id and no plain private key', () => {
    const record = newSigningKey(SECRET, ORG);
    expect(record.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(record.key_id).toHaveLength(16);
    expect(record.private_key_encrypted).not.toMatch(/PRIVATE/);
  });
});

describe('verifyLicenseCertificate', () => {
  const { publicKey, privateKey } = pair();
  const at = (iso: string) => ({ now: new Date(iso) });

  it('accepts a good certificate inside its window, with PEM, KeyObject or JWK', () => {
    const cert = signCertificate(claims(), privateKey, 'kid');
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    for (const key of [pem, publicKey, publicKey.export({ format: 'jwk' })]) {
      expect(verifyLicenseCertificate(cert, key, { now: new Date(NOW), key: 'APP-ABC' })).toMatchObject({ valid: true });
    }
  });

  it('rejects outside the window, revoked or expired licenses, and the wrong key', () => {
    const cert = signCertificate(claims(), privateKey, 'kid');
    expect(verifyLicenseCertificate(cert, publicKey, at('2029-12-31T23:59:59Z'))).toMatchObject({ valid: false, reason: 'not_yet_valid' });
    expect(verifyLicenseCertificate(cert, publicKey, at('2030-02-01T00:00:00Z'))).toMatchObject({
      valid: false,
      reason: 'certificate_expired',
    });
    const revoked = signCertificate(claims({ status: 'revoked' }), privateKey, 'kid');
    expect(verifyLicenseCertificate(revoked, publicKey, { now: new Date(NOW) })).toMatchObject({ valid: false, reason: 'not_granted' });
    const expiring = signCertificate(claims({ expires_at: '2030-01-05T00:00:00.000Z' }), privateKey, 'kid');
    expect(verifyLicenseCertificate(expiring, publicKey, { now: new Date(NOW) })).toMatchObject({
      valid: false,
      reason: 'license_expired',
    });
    expect(verifyLicenseCertificate(cert, publicKey, { now: new Date(NOW), key: 'APP-XYZ' })).toMatchObject({
      valid: false,
      reason: 'key_mismatch',
    });
  });

  it('detects tampering, another signer, and malformed input', () => {
    const cert = signCertificate(claims(), privateKey, 'kid');
    const [h, , s] = cert.split('.');
    const forged = Buffer.from(JSON.stringify(claims({ limit_activations: 1000 }))).toString('base64url');
    expect(verifyLicenseCertificate(`${h}.${forged}.${s}`, publicKey, { now: new Date(NOW) })).toMatchObject({
      valid: false,
      reason: 'bad_signature',
    });
    expect(verifyLicenseCertificate(cert, pair().publicKey, { now: new Date(NOW) })).toMatchObject({
      valid: false,
      reason: 'bad_signature',
    });
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    expect(verifyLicenseCertificate(`${none}.${cert.split('.')[1]}.`, publicKey)).toMatchObject({
      valid: false,
      reason: 'unsupported_algorithm',
    });
    for (const bad of ['', 'a.b', 'a.b.c', 42 as unknown as string]) {
      expect(verifyLicenseCertificate(bad, publicKey)).toMatchObject({ valid: false, reason: 'malformed' });
    }
  });
});

describe('verifyLicenseCertificate after a rotation and with activations', () => {
  const old = pair();
  const next = pair();
  const pem = (k: ReturnType<typeof pair>) => k.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const now = { now: new Date(NOW) };

  it('picks the signing key by kid from the published list; an unlisted kid does not verify', () => {
    const keys: VerificationKey[] = [
      { key_id: 'new', public_key: pem(next) },
      { key_id: 'old', public_key: old.publicKey.export({ format: 'jwk' }) },
    ];
    expect(verifyLicenseCertificate(signCertificate(claims(), old.privateKey, 'old'), keys, now)).toMatchObject({ valid: true });
    expect(verifyLicenseCertificate(signCertificate(claims(), next.privateKey, 'new'), keys, now)).toMatchObject({ valid: true });
    expect(verifyLicenseCertificate(signCertificate(claims(), old.privateKey, 'gone'), keys, now)).toMatchObject({
      valid: false,
      reason: 'unknown_signing_key',
    });
    // A certificate claiming the new key's id but signed with the old key is forged.
    expect(verifyLicenseCertificate(signCertificate(claims(), old.privateKey, 'new'), keys, now)).toMatchObject({
      valid: false,
      reason: 'bad_signature',
    });
  });

  it('a key that limits activations verifies only bound to an activation, and to the one asked for', () => {
    const limited = claims({ limit_activations: 2 });
    expect(verifyLicenseCertificate(signCertificate(limited, old.privateKey, 'k'), old.publicKey, now)).toMatchObject({
      valid: false,
      reason: 'activation_required',
    });
    const bound = { ...limited, activation: { id: 'act-1', label: 'laptop', conditions: {}, meta: {} } };
    const cert = signCertificate(bound, old.privateKey, 'k');
    expect(verifyLicenseCertificate(cert, old.publicKey, { ...now, activationId: 'act-1' })).toMatchObject({ valid: true });
    expect(verifyLicenseCertificate(cert, old.publicKey, { ...now, activationId: 'act-2' })).toMatchObject({
      valid: false,
      reason: 'activation_mismatch',
    });
  });
});

describe('LicenseCertificateIssuer', () => {
  function memoryStore() {
    const rows = new Map<string, SigningKeyRecord>();
    return {
      rows,
      current: async (id: string) => rows.get(id) ?? null,
      insertOrGet: async (row: SigningKeyRecord) => {
        if (!rows.has(row.organization_id)) rows.set(row.organization_id, row);
        return rows.get(row.organization_id)!;
      },
      cover: async () => true,
      published: async (id: string) => [...rows.values()].filter((r) => r.organization_id === id),
    };
  }

  it('creates a key on first use, reuses it, and signs what its published key verifies', async () => {
    const store = memoryStore();
    const issuer = new LicenseCertificateIssuer(store, SECRET);
    const published = await issuer.publishedKey(ORG);
    const { certificate, keyId } = await issuer.issue(ORG, claims());
    expect(keyId).toBe(published.key_id);
    expect(store.rows.size).toBe(1);
    expect(verifyLicenseCertificate(certificate, published.public_key, { now: new Date(NOW) }).valid).toBe(true);
    // A fresh process (no cache) decrypts the same stored key.
    const again = await new LicenseCertificateIssuer(store, SECRET).issue(ORG, claims());
    expect(verifyLicenseCertificate(again.certificate, published.public_key_jwk, { now: new Date(NOW) }).valid).toBe(true);
  });

  it('refuses without a secret', async () => {
    await expect(new LicenseCertificateIssuer(memoryStore(), undefined).publishedKey(ORG)).rejects.toThrow(/SECRET_ENCRYPTION_KEY/);
  });
});
