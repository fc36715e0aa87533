// A Google Cloud Storage stand-in for the `gcs` driver's tests: fake-gcs-server (Go module, built
// once into .tools/bin by scripts/tools/tools.ts) on a free port with an in-memory backend, one
// bucket, and a generated service-account key file so the real client library signs V4 URLs.
// Note: fake-gcs-server serves signed URLs without checking their signature or expiry; those are
// checked by the local driver's tests and by our own portal links.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../lib/free-port';
import { ensureFakeGcsServer } from '../../scripts/tools/tools';

export interface FakeGcs {
  endpoint: string;
  bucket: string;
  projectId: string;
  keyFile: string;
  /** Settings for startTestStack({ env }). */
  env: Record<string, string>;
  /** Object names in the bucket (to prove parts are cleaned up). */
  objectNames(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startFakeGcs(bucket = 'downloads'): Promise<FakeGcs> {
  const exe = await ensureFakeGcsServer((msg) => process.stderr.write(`[fake-gcs] ${msg}\n`));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    exe,
    [
      '-scheme',
      'http',
      '-host',
      '127.0.0.1',
      '-port',
      String(port),
      '-public-host',
      host,
      '-external-url',
      `http://${host}`,
      '-backend',
      'memory',
      '-log-level',
      'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const endpoint = `http://${host}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${endpoint}/storage/v1/b?project=test`).catch(() => null);
    if (res?.ok) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`fake-gcs-server did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const created = await fetch(`${endpoint}/storage/v1/b?project=test`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: bucket }),
  });
  if (!created.ok) throw new Error(`bucket creation failed: ${created.status} ${await created.text()}`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-gcs-'));
  const keyFile = path.join(dir, 'service-account.json');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const projectId = 'test-project';
  fs.writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      private_key_id: 'test-key',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: `files@${projectId}.iam.gserviceaccount.com`,
      client_id: '1',
      token_uri: `${endpoint}/token`,
    }),
  );
  return {
    endpoint,
    bucket,
    projectId,
    keyFile,
    env: {
      STORAGE: 'gcs',
      GCS_BUCKET: bucket,
      GCS_PROJECT_ID: projectId,
      GOOGLE_APPLICATION_CREDENTIALS: keyFile,
      GCS_API_ENDPOINT: endpoint,
    },
    objectNames: async () => {
      const res = await fetch(`${endpoint}/storage/v1/b/${bucket}/o`);
      const body = (await res.json()) as { items?: { name: string }[] };
      return (body.items ?? []).map((o) => o.name);
    },
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
