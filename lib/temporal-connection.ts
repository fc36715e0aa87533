// One way to reach Temporal from config: local dev server, self-hosted cluster with mTLS, or
// Temporal Cloud with an API key. Used by the API (client) and the worker alike; the API's client
// connects lazily (lazyTemporalClient).
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import type { Env } from '../config/config';

export interface TemporalConnectionSettings {
  address: string;
  tls?:
    | {
        serverNameOverride?: string;
        serverRootCACertificate?: Buffer;
        clientCertPair?: { crt: Buffer; key: Buffer };
      }
    | boolean;
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

/** Retries per engine call from the API: a request must not wait long on an unreachable engine. */
const API_CALL_ATTEMPTS = 3;

/**
 * The API's Temporal client. Its connection opens on first use and reopens after a failure (with a
 * short reconnect backoff), so the API starts, serves reads and records changes while Temporal is
 * unreachable, and reaches it again once it is back; the outbox relay dispatches what it missed.
 */
export function lazyTemporalClient(config: Env): { client: Client; connection: Connection } {
  const connection = Connection.lazy({
    ...temporalConnectionSettings(config),
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: API_CALL_ATTEMPTS }))],
    channelArgs: { 'grpc.initial_reconnect_backoff_ms': 500, 'grpc.max_reconnect_backoff_ms': 5000 },
  });
  return { connection, client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }) };
}
