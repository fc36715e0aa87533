// Prebuilds the workflow bundle so workers start fast and run exactly the code that was built.
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const BUNDLE_PATH = path.resolve(__dirname, '..', '.build', 'workflow-bundle.js');

export async function writeWorkflowBundle(outPath = BUNDLE_PATH): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
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
