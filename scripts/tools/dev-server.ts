// Starts the Temporal dev server (server + SQLite + Web UI) through the SDK's ephemeral-server
// support, so the same code works with our Go-built CLI or the SDK's download on a laptop.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { TemporalCliSource, toDevServerOption } from './tools';

export interface DevServerOptions {
  source: TemporalCliSource;
  port: number;
  namespace?: string;
  /** Web UI port; omit for a headless server (tests). */
  uiPort?: number;
  /** SQLite file for data that outlives restarts; omit for in-memory. */
  dbFilename?: string;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: toDevServerOption(opts.source),
      ip: '127.0.0.1',
      port: opts.port,
      namespace: opts.namespace ?? 'default',
      ui: opts.uiPort !== undefined,
      uiPort: opts.uiPort,
      dbFilename: opts.dbFilename,
      log: { format: 'json', level: 'warn' },
      // Registered when the namespace is first created in the db file (i.e. on first start).
      searchAttributes: SEARCH_ATTRIBUTES.map((name) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD)),
    },
  });
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort !== undefined ? `http://127.0.0.1:${opts.uiPort}` : null,
    stop: () => env.teardown(),
  };
}
