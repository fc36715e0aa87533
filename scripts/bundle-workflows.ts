// Prebuilds the workflow bundle so workers start fast and run exactly the code that was built.
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const BUNDLE_PATH = path.resolve(__dirname, '..', '.build', 'workflow-bundle.js');

/**
 * Modules evaluated once per worker rather than once per workflow. With the SDK's reusable V8
 * context every workflow otherwise evaluates its own copy of each module it imports, and a worker
 * caches a thousand grants. Safe here because these modules keep no per-workflow state at module
 * scope: ours hold only constants, signal/query definitions and activity proxies, which look up
 * the running workflow when called; the SDK's find theirs through the workflow's activator.
 */
export function preloadedModules(workflowsPath: string): string[] {
  return ['@temporalio/workflow', workflowsPath];
}

export async function writeWorkflowBundle(outPath = BUNDLE_PATH): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    preloadModules: preloadedModules(require.resolve('../workflows')),
    logger: {
      info: () => undefined,
      warn: console.warn,
      error: console.error,
      debug: () => undefined,
      trace: () => undefined,
      log: () => undefined,
    },
  });
  await mkdir(path.dirname(outPath), { recursive: true });
  await writeFile(outPath, code);
  return outPath;
}

if (require.main === module) {
  writeWorkflowBundle(process.argv[2] ? path.resolve(process.argv[2]) : BUNDLE_PATH)
    .then((p) => console.log(`[bundle] workflow bundle written to ${path.relative(process.cwd(), p)}`))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
