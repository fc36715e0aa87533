// The provider clients strategies call (storage for downloadables, octokit for GitHub, discord.js
// REST for Discord), built once per process by its root (api/composition.ts, workers/main.ts)
// from config and handed to every strategy call in its context. A type that talks to a provider
// adds its client here and builds it in buildProviders; tests pass their own, pointed at the
// stand-ins under test/fakes. A client is absent when its settings are: the strategy then answers
// 422 naming the missing settings on create, instead of failing at grant time.
import path from 'node:path';
import type { Env } from '../config/config';
import { GcsStorage } from '../integrations/storage/gcs-storage';
import { LocalStorage } from '../integrations/storage/local-storage';
import { filesSigningSecret, UrlSigner } from '../lib/signed-token';
import type { ObjectStorage } from './downloadables/storage';

export interface BenefitProviders {
  /** Where downloadable files live (STORAGE: `local` disk by default, or `gcs`). */
  storage?: ObjectStorage;
}

export function buildProviders(config: Env): BenefitProviders {
  return { storage: buildStorage(config) };
}

function buildStorage(config: Env): ObjectStorage {
  if (config.STORAGE === 'gcs') {
    return new GcsStorage({
      bucket: config.GCS_BUCKET!,
      projectId: config.GCS_PROJECT_ID,
      keyFilename: config.GOOGLE_APPLICATION_CREDENTIALS,
      apiEndpoint: config.GCS_API_ENDPOINT,
    });
  }
  const dir = config.STORAGE_LOCAL_DIR ?? path.join(config.DATA_DIR, 'files');
  return new LocalStorage(path.resolve(dir), new UrlSigner(filesSigningSecret(config)));
}
