// /v1/license-keys: Polar's organization API for license keys (list, get with activations, PATCH,
// get activation, validate / activate / deactivate), plus our certificate extension.
import { Router, type Request, type Response } from 'express';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { NotFoundError } from '../errors';
import { listResource, offsetOf } from '../pagination';
import {
  licenseCertificateBody,
  licenseKeyActivateBody,
  licenseKeyDeactivateBody,
  licenseKeyListQuery,
  licenseKeyUpdateBody,
  licenseKeyValidateBody,
} from '../schemas/license-keys.schemas';
import { serializeActivationRead, serializeLicenseKey, serializeLicenseKeyWithActivations } from '../../wire/license-key.serializer';
import { parseBody, parseQuery, pathId } from '../validation';

export function licenseKeysRoutes(services: ApiServices): Router {
  const keys = services.licenseKeys;
  const repo = keys.repo;
  const router = Router();

  async function mustFind(req: Request, res: Response) {
    const key = await repo.get(organizationIdOf(res), pathId(req, 'id', 'License key'));
    if (!key) throw new NotFoundError('License key not found');
    return key;
  }

  /** The body names an organization; with an organization token only its own is visible. */
  function ownOrganization(res: Response, organizationId: string): void {
    if (organizationId !== organizationIdOf(res)) throw new NotFoundError('License key not found.');
  }

  router.get(['/license-keys/', '/license-keys'], async (req, res) => {
    const q = parseQuery(licenseKeyListQuery, req);
    const { rows, total } = await repo.list(
      organizationIdOf(res),
      { organizationIds: q.organization_id, benefitIds: q.benefit_id, statuses: q.status },
      q.limit,
      offsetOf(q),
    );
    res.json(listResource(rows.map(serializeLicenseKey), total, q));
  });

  // Extension: the public half of the organization's certificate signing key.
  router.get('/license-keys/signing-key', async (_req, res) => {
    res.json(await keys.publishedKey(organizationIdOf(res)));
  });

  // Extension: every key a verifier may need (the current one, then retired ones until their certificates expire).
  router.get('/license-keys/signing-keys', async (_req, res) => {
    res.json(await keys.publishedKeys(organizationIdOf(res)));
  });

  router.post('/license-keys/validate', async (req, res) => {
    const body = parseBody(licenseKeyValidateBody, req);
    ownOrganization(res, body.organization_id);
    res.json(await keys.validate(body));
  });

  router.post('/license-keys/activate', async (req, res) => {
    const body = parseBody(licenseKeyActivateBody, req);
    ownOrganization(res, body.organization_id);
    res.json(await keys.activate(body));
  });

  router.post('/license-keys/deactivate', async (req, res) => {
    const body = parseBody(licenseKeyDeactivateBody, req);
    ownOrganization(res, body.organization_id);
    await keys.deactivate(body);
    res.status(204).end();
  });

  router.get('/license-keys/:id', async (req, res) => {
    const key = await mustFind(req, res);
    res.json(serializeLicenseKeyWithActivations(key, await repo.activations(key.id)));
  });

  router.patch('/license-keys/:id', async (req, res) => {
    const key = await mustFind(req, res);
    const body = parseBody(licenseKeyUpdateBody, req);
    res.json(await keys.update(organizationIdOf(res), key, body));
  });

  router.get('/license-keys/:id/activations/:activation_id', async (req, res) => {
    const key = await mustFind(req, res);
    const activation = await repo.activation(key.id, pathId(req, 'activation_id', 'License key activation'));
    if (!activation) throw new NotFoundError('License key activation not found');
    res.json(serializeActivationRead(activation, key));
  });

  // Extension: a signed certificate the merchant's app can verify offline.
  router.post('/license-keys/:id/certificate', async (req, res) => {
    const key = await mustFind(req, res);
    res.json(await keys.certificate(key, parseBody(licenseCertificateBody, req)));
  });

  return router;
}
