import type { DataSource } from 'typeorm';
import type { BenefitProviders } from '../benefits/providers';
import type { StrategyRegistry } from '../benefits/registry';
import type { EngineClient } from '../engine/engine-client';
import type { Logger } from '../lib/logger';
import type { postOutbound } from '../lib/outbound-http';
import type { SecretBox } from '../lib/secret-box';

/** Everything activities touch, injected by the worker (real) or by tests (fakes at the ports). */
export interface EngineDeps {
  dataSource: DataSource;
  engine: EngineClient;
  registry: StrategyRegistry;
  /** Provider clients handed to strategies (benefits/providers.ts); none when absent. */
  providers?: BenefitProviders;
  logger: Logger;
  webhookTimeoutMs: number;
  /** Whether webhook deliveries may connect to loopback and private networks (see lib/network-guard). */
  webhookAllowPrivateNetworks: boolean;
  /** HTTP for webhook delivery (default: lib/outbound-http); tests may record instead of sending. */
  webhookTransport?: typeof postOutbound;
  /** Opens stored webhook secrets (null or absent: no encryption key, secrets stored as given). */
  secretBox?: SecretBox | null;
  /**
   * Aborted once the worker has been shutting down for its grace period. A worker shutdown cancels
   * regular activities then, but not local ones: local attempts listen here, so a hung provider
   * call lets go, its workflow task completes and the retry moves to another worker.
   */
  stopping?: AbortSignal;
}
