// One way to reach Temporal from config: local dev server, self-hosted cluster with mTLS, or
// Temporal Cloud with an API key. Used by the API (client) and the worker alike.
import { readFileSync } from 'node:fs';
import type { Env } from '../config/config';

export interface TemporalConnectionSettings {
  address: string;
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  } | boolean;
  apiKey?: string;
}

export function temporalConnectionSettings(config: Env): TemporalConnectionSettings {
  const wantsTls = config.TEMPORAL_TLS || !!config.TEMPORAL_TLS_CERT_PATH || !!config.TEMPORAL_API_KEY;
  let tls: TemporalConnectionSettings['tls'];
  if (wantsTls) {
    tls = {
      serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME,
      serverRootCACertificate: config.TEMPORAL_TLS_CA_PATH ? readFileSync(config.TEMPORAL_TLS_CA_PATH) : undefined,
      clientCertPair:
        config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH
          ? { crt: readFileSync(config.TEMPORAL_TLS_CERT_PATH), key: readFileSync(config.TEMPORAL_TLS_KEY_PATH) }
          : undefined,
    };
  }
  return { address: config.TEMPORAL_ADDRESS, tls, apiKey: config.TEMPORAL_API_KEY };
}
