// What the organization API and the public customer-portal endpoints do with license keys:
// validate / activate / deactivate (Polar's checks, in Polar's order), status changes through the
// grant engine, and signed certificates.
import type { DataSource } from 'typeorm';
import { LicenseKeysRepository, type KeyWithCustomer } from '../../db/repositories/license-keys.repository';
import { OrganizationsRepository } from '../../db/repositories/organizations.repository';
import { SigningKeysRepository } from '../../db/repositories/signing-keys.repository';
import type { RecordedCommand } from '../../db/repositories/engine-commands.repository';
import type { Queryable } from '../../db/repositories/grants.repository';
import type { GrantCommand, GrantWorkflowInput } from '../../engine/engine-client';
import {
  CertificatesUnavailableError,
  LicenseCertificateIssuer,
  type ListedKey,
  type PublishedKey,
} from '../../benefits/license-keys/license-certificates';
import {
  ACTIVATE_MESSAGES,
  ACTIVATION_NOT_FOUND,
  certificateClaims,
  certificateRefusal,
  certificateValidUntil,
  KEY_NOT_FOUND,
  usageExhaustedMessage,
  VALIDATE_MESSAGES,
} from '../../benefits/license-keys/license-key-rules';
import { ApiError, BadRequestError, NotFoundError, NotPermittedError } from '../errors';
import type {
  LicenseCertificateBody,
  LicenseKeyActivateBody,
  LicenseKeyDeactivateBody,
  LicenseKeyUpdateBody,
  LicenseKeyValidateBody,
} from '../schemas/license-keys.schemas';
import { serializeActivationRead, serializeLicenseKey, serializeValidatedLicenseKey } from '../../wire/license-key.serializer';

/** The grant engine as a status change needs it (api/services/engine-dispatcher.ts). */
export interface LicenseKeyEngine {
  commandGrant(q: Queryable, grant: GrantWorkflowInput, command: GrantCommand, opts: { awaited: boolean }): Promise<RecordedCommand>;
  dispatchAndWait(commands: RecordedCommand[]): Promise<void>;
}

/** How long a PATCH waits for the grant engine before answering with the state it has. */
const ENGINE_WAIT_MS = 30_000;

export class LicenseKeysService {
  readonly repo: LicenseKeysRepository;
  private readonly issuer: LicenseCertificateIssuer;
  private readonly organizations: OrganizationsRepository;

  constructor(
    private readonly ds: DataSource,
    secret: string | undefined,
    private readonly engine?: LicenseKeyEngine,
  ) {
    this.repo = new LicenseKeysRepository(ds);
    this.issuer = new LicenseCertificateIssuer(new SigningKeysRepository(ds), secret);
    this.organizations = new OrganizationsRepository(ds);
  }

  async validate(body: LicenseKeyValidateBody): Promise<Record<string, unknown>> {
    const result = await this.repo.validate({
      organizationId: body.organization_id,
      key: body.key,
      activationId: body.activation_id ?? null,
      conditions: body.conditions ?? {},
      benefitId: body.benefit_id ?? null,
      customerId: body.customer_id ?? null,
      increment: body.increment_usage ?? 0,
    });
    if (result.ok) return serializeValidatedLicenseKey(result.key, result.activation);
    if (result.failure === 'usage') throw new BadRequestError(usageExhaustedMessage(result.remaining));
    throw new NotFoundError(VALIDATE_MESSAGES[result.failure]);
  }

  async activate(body: LicenseKeyActivateBody): Promise<Record<string, unknown>> {
    const result = await this.repo.activate(body.organization_id, body.key, {
      label: body.label,
      conditions: body.conditions ?? {},
      meta: body.meta ?? {},
    });
    if (result.ok) return serializeActivationRead(result.activation, result.key);
    if (result.failure === 'not_found') throw new NotFoundError(KEY_NOT_FOUND);
    throw new NotPermittedError(ACTIVATE_MESSAGES[result.failure]);
  }

  async deactivate(body: LicenseKeyDeactivateBody): Promise<void> {
    const result = await this.repo.deactivate(body.organization_id, body.key, body.activation_id);
    if (result === 'key_not_found') throw new NotFoundError(KEY_NOT_FOUND);
    if (result === 'activation_not_found') throw new NotFoundError(ACTIVATION_NOT_FOUND);
  }

  /**
   * PATCH: a status change to revoked revokes the grant and back to granted re-grants it (the
   * same key), both through the engine; the other fields are written as given. The status and the
   * grant command commit together; the command is then dispatched (waited for up to a deadline) or,
   * when Temporal is unreachable, left to the outbox relay.
   */
  async update(organizationId: string, key: KeyWithCustomer, body: LicenseKeyUpdateBody): Promise<Record<string, unknown>> {
    const { status, ...fields } = body;
    const recorded = await this.ds.transaction(async (em) => {
      let direct: LicenseKeyUpdateBody = fields;
      let commands: RecordedCommand[] = [];
      if (status && status !== key.status) {
        const change = await this.changeStatus(em, organizationId, key, status);
        direct = { ...fields, ...change.direct };
        commands = change.commands;
      }
      await this.repo.update(organizationId, key.id, { ...direct, status: direct.status ?? undefined }, em);
      return commands;
    });
    if (recorded.length > 0) {
      await withDeadline(this.engine!.dispatchAndWait(recorded));
      // A re-grant rewrites the key from the benefit: the PATCH's own fields win, as written last.
      if (status === 'granted' && Object.keys(fields).length > 0) await this.repo.update(organizationId, key.id, fields);
    }
    const updated = await this.repo.get(organizationId, key.id);
    if (!updated) throw new NotFoundError('License key not found');
    return serializeLicenseKey(updated);
  }

  /** The status to write directly, if any, and the grant command that goes with it. */
  private async changeStatus(q: Queryable, organizationId: string, key: KeyWithCustomer, status: 'granted' | 'revoked' | 'disabled') {
    const grant = await this.repo.grantOf(organizationId, key.id, q);
    if (!grant || !this.engine || status === 'disabled') return { direct: { status }, commands: [] };
    const input = {
      grantId: grant.id,
      organizationId,
      customerId: grant.customer_id,
      benefitId: grant.benefit_id,
      benefitType: grant.benefit_type,
    };
    if (status === 'revoked') {
      // Written directly too: a grant that never got granted has nothing for the strategy to revoke.
      // Sent to a revoked grant too: the reason it records keeps a later product change from re-granting.
      const commands = [await this.engine.commandGrant(q, input, { action: 'revoke', reason: 'license_key_revoked' }, { awaited: true })];
      return { direct: { status }, commands };
    }
    if (grant.granted_at) return { direct: { status }, commands: [] }; // only disabled: the grant still holds
    // The grant writes the key's status once it has granted again.
    return { direct: {}, commands: [await this.engine.commandGrant(q, input, { action: 'grant', reinstate: true }, { awaited: true })] };
  }

  async publishedKey(organizationId: string): Promise<PublishedKey> {
    return certificates(() => this.issuer.publishedKey(organizationId));
  }

  async publishedKeys(organizationId: string): Promise<{ items: ListedKey[] }> {
    return { items: await certificates(() => this.issuer.publishedKeys(organizationId)) };
  }

  /**
   * A signed, offline-verifiable snapshot of a granted key; revoked, disabled or expired keys get
   * none. It stays valid for the organization's maximum (`validity_days`, which only the
   * organization's own API may pass, can shorten it) and never past the key's expiry. A key that
   * limits activations is certified only for one of its live activations, which the certificate
   * names, so offline use is bound by the same limit.
   */
  async certificate(key: KeyWithCustomer, body: LicenseCertificateBody): Promise<Record<string, unknown>> {
    await certificates(async () => this.issuer.assertAvailable());
    const now = new Date();
    const refusal = certificateRefusal(key, body.activation_id, now);
    if (refusal) throw new NotPermittedError(refusal);
    const activation = body.activation_id ? await this.repo.activation(key.id, body.activation_id) : null;
    if (body.activation_id && !activation) throw new NotFoundError(ACTIVATION_NOT_FOUND);
    const maxDays = await this.organizations.certificateMaxDays(key.organization_id);
    const validUntil = certificateValidUntil(now, key.expires_at, maxDays, body.validity_days);
    const wire = serializeLicenseKey(key);
    const shown = { display_key: wire.display_key as string, expires_at: wire.expires_at as string | null };
    const claims = certificateClaims(key, activation, now, validUntil, shown);
    const { certificate, keyId } = await certificates(() => this.issuer.issue(key.organization_id, claims));
    return { certificate, key_id: keyId, algorithm: 'Ed25519', issued_at: claims.issued_at, valid_until: claims.valid_until, claims };
  }
}

async function certificates<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CertificatesUnavailableError) throw new ApiError(503, 'ServiceUnavailable', err.message);
    throw err;
  }
}

/** The command is recorded either way; past the deadline the response shows the state so far. */
async function withDeadline(p: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ENGINE_WAIT_MS);
  });
  try {
    await Promise.race([p.catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
