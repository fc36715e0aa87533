// `npm run tools`: fetches/builds the Temporal CLI and the time-skipping test server into .tools
// once, so tests and `npm start` never need the SDK's internet downloads. Cheap when cached, which
// is why `npm test` runs it every time.
import { loadConfig } from '../config/config';
import { ensureFakeGcsServer, ensureTemporalCli, ensureTestServer } from './tools/tools';

const log = (msg: string) => console.log(`[tools] ${msg}`);

async function main(): Promise<void> {
  const config = loadConfig();
  const cli = await ensureTemporalCli(log, { cliPath: config.TEMPORAL_CLI_PATH });
  log(`temporal CLI: ${cli.kind === 'existing-path' ? cli.path : 'none here; the SDK downloads one on first use'}`);
  const testServer = await ensureTestServer(log);
  log(`time-skipping test server: ${testServer}`);
  // Only the gcs storage driver's tests need it; without Go they fail, the rest runs.
  const fakeGcs = await ensureFakeGcsServer(log).catch((err: Error) => `not available (${err.message})`);
  log(`fake-gcs-server: ${fakeGcs}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`[tools] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
