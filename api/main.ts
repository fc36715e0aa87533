// API process entry: config -> database (migrations) -> Temporal client -> HTTP; graceful shutdown.
// Temporal need not be up: the client connects on first use (see lazyTemporalClient).
import type { Server } from 'node:http';
import { databaseTimeouts, loadConfig, requireDatabaseUrl, requireEncryptionKey } from '../config/config';
import { openDatabase } from '../db/data-source';
import { createLogger } from '../lib/logger';
import { onShutdown } from '../lib/shutdown';
import { lazyTemporalClient } from '../lib/temporal-connection';
import { createApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'api');
  requireEncryptionKey(config);
  const dataSource = await openDatabase({
    url: requireDatabaseUrl(config),
    poolSize: config.DATABASE_POOL_SIZE,
    ssl: config.DATABASE_SSL,
    applicationName: 'benefits-api',
    ...databaseTimeouts(config),
  });
  const { connection, client: temporal } = lazyTemporalClient(config);
  temporal.workflowService.getSystemInfo({}).catch((err: Error) => {
    logger.warn(
      { address: config.TEMPORAL_ADDRESS, err: err.message },
      'Temporal unreachable: serving anyway; engine work waits in the command outbox until it is back',
    );
  });
  const app = createApp({ config, logger, dataSource, temporal });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ url: `http://${config.HOST}:${port}` }, 'API listening');

  onShutdown(logger, async () => {
    // Stop taking connections, let in-flight requests finish, then release the pools.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await connection.close();
    await dataSource.destroy();
  });
}

main().catch((err) => {
  process.stderr.write(`API failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
