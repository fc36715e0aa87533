// Log lines go to standard output asynchronously (lib/logger.ts): none may be lost when the process
// exits right after writing them, whether it exits normally or on an uncaught error.
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function runLogging(ending: string): Promise<{ code: number | null; lines: string[] }> {
  const script = `
    const { createLogger } = require('./lib/logger');
    const logger = createLogger('info', 'exit-test');
    for (let i = 0; i < 3000; i++) logger.info({ i }, 'line');
    ${ending}
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, lines: out.split('\n').filter(Boolean) }));
  });
}

test.each([
  ['process.exit()', 'process.exit(0)', 0],
  ['an uncaught error', 'throw new Error("crash")', 1],
  ['the event loop emptying', '', 0],
])('every line written before %s reaches standard output, in order', async (_name, ending, expectedCode) => {
  const { code, lines } = await runLogging(ending);
  expect(code).toBe(expectedCode);
  expect(lines).toHaveLength(3000);
  expect(lines.map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
}, 60_000);
