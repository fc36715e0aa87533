// Organization tokens from the admin CLI, run as an operator runs it beside `npm start`: no
// variables, the database found in DATA_DIR. Created tokens work, listings never show a secret,
// use is recorded (throttled), and a revoked token is refused by every API process within the
// documented bound.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createApp } from '../../api/app';
import { TOKEN_REVOCATION_BOUND_MS } from '../../api/auth';
import { parseConfig } from '../../config/config';
import { ensureStackEncryptionKey, STACK_SETTINGS_FILE, writeStackSettings } from '../../config/stack-settings';
import { OrganizationsRepository } from '../../db/repositories/organizations.repository';
import { createLogger } from '../../lib/logger';
import { startTestStack, TestStack } from '../support/harness';

const root = path.resolve(__dirname, '../..');
let stack: TestStack;
let dataDir: string;
let second: Server;
let secondBase: string;

beforeAll(async () => {
  stack = await startTestStack({ worker: false });
  dataDir = await mkdtemp(path.join(tmpdir(), 'admin-cli-'));
  // What `npm start` leaves behind for commands run beside it.
  await writeStackSettings(dataDir, { database_url: process.env.TEST_DATABASE_URL! });
  await ensureStackEncryptionKey(dataDir);
  // A second API process on the same database.
  const config = parseConfig({ NODE_ENV: 'test', TEMPORAL_TASK_QUEUE: stack.taskQueue });
  const app = createApp({ config, logger: createLogger('silent', 'test'), dataSource: stack.dataSource, temporal: stack.temporal });
  second = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  secondBase = `http://127.0.0.1:${(second.address() as { port: number }).port}`;
});
afterAll(async () => {
  second?.closeAllConnections();
  await new Promise((r) => second?.close(r));
  await stack?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** The CLI with only PATH, HOME and DATA_DIR: no DATABASE_URL, as beside `npm start`. */
async function admin(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const status = async (base: string, token: string) =>
  (await fetch(`${base}/v1/benefits/`, { headers: { authorization: `Bearer ${token}` } })).status;

test('beside `npm start` the admin CLI needs no variables; with no database known it says what to set', async () => {
  expect((await stat(path.join(dataDir, STACK_SETTINGS_FILE))).mode & 0o777).toBe(0o600);
  const created = await admin(['create-org', '--name', 'Beside npm start']);
  expect(created).toMatchObject({ code: 0 });
  expect(JSON.parse(created.stdout)).toEqual({ organization_id: expect.any(String), access_token: expect.stringMatching(/^polar_oat_/) });
  // Signing keys are sealed with the encryption key `npm start` generated: found there too.
  const rotated = await admin(['rotate-signing-key', '--org', JSON.parse(created.stdout).organization_id]);
  expect(rotated).toMatchObject({ code: 0 });
  expect(JSON.parse(rotated.stdout)).toMatchObject({ key_id: expect.any(String) });

  const empty = await mkdtemp(path.join(tmpdir(), 'admin-cli-empty-'));
  try {
    const lost = await admin(['list-tokens'], { DATA_DIR: empty });
    expect(lost.code).toBe(78);
    expect(lost.stderr).toContain('DATABASE_URL');
    expect(lost.stderr).toContain(path.join(empty, STACK_SETTINGS_FILE));
    expect(lost.stderr).toContain('npm start');
    expect(lost.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test('create-token, list-tokens (never a secret), revoke-token: every API process refuses it within the bound', async () => {
  const org = await stack.createOrganization('Token owner');
  const created = await admin(['create-token', '--org', org.organizationId, '--comment', 'ci deploys']);
  expect(created.code).toBe(0);
  const token = JSON.parse(created.stdout);
  expect(token).toMatchObject({
    id: expect.any(String),
    organization_id: org.organizationId,
    comment: 'ci deploys',
    access_token: expect.stringMatching(/^polar_oat_/),
  });
  expect(await status(stack.baseUrl, token.access_token)).toBe(200);
  expect(await status(secondBase, token.access_token)).toBe(200);

  const listed = await admin(['list-tokens', '--org', org.organizationId]);
  expect(listed.code).toBe(0);
  const hashes: string[] = (
    await stack.dataSource.query(`SELECT token_hash FROM organization_access_tokens WHERE organization_id = $1`, [org.organizationId])
  ).map((r: { token_hash: string }) => r.token_hash);
  for (const secret of [org.accessToken, token.access_token, ...hashes]) expect(listed.stdout).not.toContain(secret);
  const items = JSON.parse(listed.stdout);
  expect(items).toHaveLength(2);
  const mine = items.find((t: any) => t.id === token.id);
  expect(Object.keys(mine).sort()).toEqual(['comment', 'created_at', 'expires_at', 'id', 'last_used_at', 'organization_id', 'revoked_at']);
  expect(mine).toMatchObject({ comment: 'ci deploys', revoked_at: null, last_used_at: expect.any(String) });
  expect(items.find((t: any) => t.id !== token.id).last_used_at).toBeNull(); // never used

  const revoked = await admin(['revoke-token', '--id', token.id]);
  const revokedBy = Date.now(); // the revocation committed before the CLI exited
  expect(revoked.code).toBe(0);
  expect(JSON.parse(revoked.stdout)).toMatchObject({ id: token.id, revoked_at: expect.any(String) });
  for (const base of [stack.baseUrl, secondBase]) {
    expect(await firstRefusalStartedBy(base, token.access_token, revokedBy + TOKEN_REVOCATION_BOUND_MS)).toBe(true);
  }
  expect(await status(stack.baseUrl, org.accessToken)).toBe(200); // the other token is untouched
  expect(
    JSON.parse((await admin(['list-tokens', '--org', org.organizationId])).stdout).find((t: any) => t.id === token.id).revoked_at,
  ).toEqual(JSON.parse(revoked.stdout).revoked_at);
  expect(await admin(['revoke-token', '--id', '00000000-0000-4000-8000-000000000000'])).toMatchObject({
    code: 1,
    stderr: expect.stringContaining('no token'),
  });
  expect(await admin(['revoke-token', '--id', 'nope'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--id must be a UUID') });
});

/** Polls until the API answers 401; true when that request was sent no later than `deadline`. */
async function firstRefusalStartedBy(base: string, token: string, deadline: number): Promise<boolean> {
  for (;;) {
    const sentAt = Date.now();
    if ((await status(base, token)) === 401) return sentAt <= deadline;
    if (sentAt > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('last_used_at is written on use at most once a minute per token', async () => {
  const org = await stack.createOrganization('Used token');
  const repo = new OrganizationsRepository(stack.dataSource);
  const lastUsed = async () =>
    (
      await stack.dataSource.query(`SELECT last_used_at FROM organization_access_tokens WHERE organization_id = $1`, [org.organizationId])
    )[0].last_used_at as Date | null;
  expect(await lastUsed()).toBeNull();
  expect(await repo.organizationIdForToken(org.accessToken)).toBe(org.organizationId);
  const first = await lastUsed();
  expect(first).toBeInstanceOf(Date);
  expect(await repo.organizationIdForToken(org.accessToken)).toBe(org.organizationId);
  expect(await lastUsed()).toEqual(first); // within the minute: no write

  await stack.dataSource.query(
    `UPDATE organization_access_tokens SET last_used_at = now() - interval '61 seconds' WHERE organization_id = $1`,
    [org.organizationId],
  );
  const stale = await lastUsed();
  expect(await repo.organizationIdForToken(org.accessToken)).toBe(org.organizationId);
  expect((await lastUsed())!.getTime()).toBeGreaterThan(stale!.getTime() + 60_000);
});
