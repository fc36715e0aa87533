// Every operation we serve, with the zod schemas its handler validates with and the Polar
// component its response follows. /openapi.json is generated from this list, one file per resource;
// the order here is the document's path order (kept as it was before the split into files).
import { benefitOperations } from './benefit-operations';
import { commerceOperations } from './commerce-operations';
import { customerOperations } from './customer-operations';
import { discordOperations } from './discord-operations';
import { fileOperations } from './files-operations';
import { integrationOperations } from './integration-operations';
import { licenseKeyOperations, portalLicenseKeyOperations } from './license-key-operations';
import { meterOperations } from './meter-operations';
import type { Operation } from './operation';
import { portalOperations, purchasedProductOperations } from './portal-operations';
import { productOperations } from './product-operations';
import { webhookOperations } from './webhook-operations';

export type { Operation };

export const operations: Operation[] = [
  ...integrationOperations,
  ...productOperations,
  ...benefitOperations,
  ...customerOperations,
  ...commerceOperations,
  ...webhookOperations,
  ...portalOperations,
  ...licenseKeyOperations,
  ...purchasedProductOperations,
  ...portalLicenseKeyOperations,
  ...fileOperations,
  ...meterOperations,
  ...discordOperations,
];
