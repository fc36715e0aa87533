import type { DataSource } from 'typeorm';
import type { StrategyRegistry } from '../benefits/registry';
import type { EngineClient } from '../lib/engine-client';
import type { Logger } from '../lib/logger';

/** Everything activities touch, injected by the worker (real) or by tests (fakes at the ports). */
export interface EngineDeps {
  dataSource: DataSource;
  engine: EngineClient;
  registry: StrategyRegistry;
  logger: Logger;
  /** HTTP for webhook delivery; tests point it at local receivers. */
  fetch: typeof fetch;
  webhookTimeoutMs: number;
  /**
   * Aborted once the worker has been shutting down for its grace period. A worker shutdown cancels
   * regular activities then, but not local ones: local attempts listen here, so a hung provider
   * call lets go, its workflow task completes and the retry moves to another worker.
   */
  stopping?: AbortSignal;
}
