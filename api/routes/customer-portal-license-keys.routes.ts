// /v1/customer-portal/license-keys. With a customer session: the customer's keys (activations
// shown only when the benefit enables customer admin). Without any token: validate / activate /
// deactivate (and our certificate extension), as a desktop or mobile app calls them, rate limited
// per client address and per key.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { CustomerSessionsRepository } from '../../db/repositories/customer-sessions.repository';
import { clientBucketId, TokenBucketLimiter, type BucketOptions } from '../../lib/rate-limiter';
import type { ApiServices } from '../composition';
import { bearerToken } from '../auth';
import { customerIdOf } from '../customer-auth';
import { NotFoundError, NotPermittedError, TooManyRequestsError } from '../errors';
import { listResource, offsetOf } from '../pagination';
import {
  licenseKeyActivateBody,
  licenseKeyDeactivateBody,
  licenseKeyValidateBody,
  portalLicenseKeyListQuery,
  publicLicenseCertificateBody,
  signingKeyQuery,
} from '../schemas/license-keys.schemas';
import { serializeLicenseKey, serializeLicenseKeyWithActivations } from '../../wire/license-key.serializer';
import { parseBody, parseQuery, pathId } from '../validation';

function customerAdmin(benefitProperties: Record<string, unknown> | undefined): boolean {
  const activations = benefitProperties?.activations as { enable_customer_admin?: boolean } | null | undefined;
  return Boolean(activations?.enable_customer_admin);
}

/** Behind the customer session (mounted inside the portal router). */
export function customerPortalLicenseKeysRoutes(services: ApiServices): Router {
  const repo = services.licenseKeys.repo;
  const router = Router();

  router.get(['/license-keys/', '/license-keys'], async (req, res) => {
    const q = parseQuery(portalLicenseKeyListQuery, req);
    const organizationId = res.locals.organizationId as string;
    const filters = { customerId: customerIdOf(res), benefitIds: q.benefit_id ? [q.benefit_id] : undefined };
    const { rows, total } = await repo.list(organizationId, filters, q.limit, offsetOf(q));
    res.json(listResource(rows.map(serializeLicenseKey), total, q));
  });

  router.get('/license-keys/:id', async (req, res) => {
    const key = await repo.get(res.locals.organizationId as string, pathId(req, 'id', 'License key'), customerIdOf(res));
    if (!key) throw new NotFoundError('License key not found');
    const activations = customerAdmin(key.benefit_properties) ? await repo.activations(key.id) : [];
    res.json(serializeLicenseKeyWithActivations(key, activations));
  });
  return router;
}

export interface PublicLimits {
  perAddress: BucketOptions;
  perKey: BucketOptions;
}

/** A desktop app validates at start and now and then; a burst absorbs a restart loop, not a scan. */
export const DEFAULT_PUBLIC_LIMITS: PublicLimits = {
  perAddress: { capacity: 120, refillPerSecond: 2 },
  perKey: { capacity: 30, refillPerSecond: 0.5 },
};

/** No token needed: mounted on /v1/customer-portal before the session-protected portal router. */
export function customerPortalLicenseKeysPublicRoutes(services: ApiServices, opts: { limits?: PublicLimits } = {}): Router {
  const keys = services.licenseKeys;
  const sessions = new CustomerSessionsRepository(services.dataSource);
  const organizations = services.organizations;
  const limits = opts.limits ?? DEFAULT_PUBLIC_LIMITS;
  const byAddress = new TokenBucketLimiter(limits.perAddress);
  const byKey = new TokenBucketLimiter(limits.perKey);
  const router = Router();

  // req.ip is the peer, or the X-Forwarded-For client when TRUST_PROXY trusts the peer.
  const limited = (req: Request, _res: Response, next: NextFunction) => {
    const address = byAddress.take(clientBucketId(req.ip));
    if (!address.allowed) throw new TooManyRequestsError(address.retryAfterSeconds);
    const body = req.body as { key?: unknown; organization_id?: unknown } | undefined;
    if (typeof body?.key === 'string') {
      // The same organization in upper case is the same organization (its id parses case-insensitively).
      const organization = typeof body.organization_id === 'string' ? body.organization_id.trim().toLowerCase() : '';
      const perKey = byKey.take(`${organization}:${body.key.slice(0, 256)}`);
      if (!perKey.allowed) throw new TooManyRequestsError(perKey.retryAfterSeconds);
    }
    next();
  };

  router.post('/license-keys/validate', limited, async (req, res) => {
    res.json(await keys.validate(parseBody(licenseKeyValidateBody, req)));
  });

  router.post('/license-keys/activate', limited, async (req, res) => {
    res.json(await keys.activate(parseBody(licenseKeyActivateBody, req)));
  });

  router.post('/license-keys/deactivate', limited, async (req, res) => {
    const body = parseBody(licenseKeyDeactivateBody, req);
    // From the customer portal (a customer session) only keys whose benefit allows customer admin.
    const session = await sessionOf(req);
    if (session) {
      const key = await keys.repo.findByKey(body.organization_id, body.key);
      if (key && key.customer_id === session.customerId && !customerAdmin(key.benefit_properties)) {
        throw new NotPermittedError('Activations of this license key cannot be managed by the customer.');
      }
    }
    await keys.deactivate(body);
    res.status(204).end();
  });

  // Extension: a signed certificate for offline checks, for whoever holds the key.
  router.post('/license-keys/certificate', limited, async (req, res) => {
    const body = parseBody(publicLicenseCertificateBody, req);
    const key = await keys.repo.findByKey(body.organization_id, body.key);
    if (!key) throw new NotFoundError('License key not found.');
    res.json(await keys.certificate(key, body));
  });

  // Extension: the organization's public verification key, published for apps to embed.
  router.get('/license-keys/signing-key', limited, async (req, res) => {
    res.json(await keys.publishedKey(await organizationOf(req)));
  });

  // Extension: every key that still verifies certificates (after a rotation, the retired ones too).
  router.get('/license-keys/signing-keys', limited, async (req, res) => {
    res.json(await keys.publishedKeys(await organizationOf(req)));
  });

  async function organizationOf(req: Request): Promise<string> {
    const q = parseQuery(signingKeyQuery, req);
    if (!(await organizations.findById(q.organization_id))) throw new NotFoundError('Organization not found');
    return q.organization_id;
  }

  async function sessionOf(req: Request) {
    const token = bearerToken(req);
    return token ? sessions.resolve(token) : null;
  }

  return router;
}
