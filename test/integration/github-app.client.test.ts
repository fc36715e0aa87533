// The GitHub App client (octokit) against the stand-in: the App's JWT and installation tokens are
// what GitHub checks, tokens are cached until shortly before they expire, and GitHub's rate-limit
// answers become retriable errors carrying GitHub's own wait.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildProviders } from '../../benefits/providers';
import { RetriableError } from '../../benefits/strategy-errors';
import { githubAppPrivateKey, parseConfig } from '../../config/config';
import { GitHubAnswerError, GitHubApp } from '../../integrations/github/github-app.client';
import { FakeGitHub } from '../fakes/github-server';

let gh: FakeGitHub;
let installationId: number;
beforeAll(async () => {
  gh = await new FakeGitHub().start();
  installationId = gh.install('acme', ['private-repo']);
  gh.addUser('octocat');
});
afterAll(async () => gh.close());

function app(privateKey = gh.privateKeyPem): GitHubApp {
  return new GitHubApp({
    appId: String(gh.appId),
    privateKey,
    clientId: gh.clientId,
    clientSecret: gh.clientSecret,
    apiUrl: gh.url,
    webUrl: gh.url,
  });
}

test('authenticates as the App with an RS256 JWT; another key is refused', async () => {
  expect(await app().appSlug()).toBe(gh.appSlug);
  expect(await app().installationFor('acme', 'private-repo')).toBe(installationId);
  expect(await app().installationFor('acme', 'missing')).toBeNull();
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  await expect(app(other).appSlug()).rejects.toMatchObject({ name: 'GitHubAnswerError', status: 401 });
});

test('installation tokens are cached until shortly before they expire', async () => {
  const client = app();
  const before = gh.calls('POST', /access_tokens$/);
  await client.invitations(installationId, 'acme', 'private-repo');
  await client.collaborators(installationId, 'acme', 'private-repo');
  expect(gh.calls('POST', /access_tokens$/) - before).toBe(1);

  gh.installationTokenTtlMs = 2 * 60 * 1000; // inside the renewal margin: every call renews
  const short = app();
  await short.invitations(installationId, 'acme', 'private-repo');
  await short.invitations(installationId, 'acme', 'private-repo');
  expect(gh.calls('POST', /access_tokens$/) - before).toBe(3);
  gh.installationTokenTtlMs = 60 * 60 * 1000;
});

test("rate limits carry GitHub's wait; 5xx is retriable; 404 and 422 are answers", async () => {
  const client = app();
  gh.failNext({ method: 'PUT', path: /collaborators/, status: 429, headers: { 'retry-after': '7' } });
  const limited = await client
    .putCollaborator(installationId, { owner: 'acme', repo: 'private-repo', username: 'octocat', permission: 'pull' })
    .catch((e) => e);
  expect(limited).toBeInstanceOf(RetriableError);
  expect(limited.retryAfterMs).toBe(7000);

  const reset = Math.floor(Date.now() / 1000) + 120;
  gh.failNext({
    method: 'GET',
    path: /invitations$/,
    status: 403,
    headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
  });
  const exhausted = await client.invitations(installationId, 'acme', 'private-repo').catch((e) => e);
  expect(exhausted).toBeInstanceOf(RetriableError);
  expect(exhausted.retryAfterMs).toBeGreaterThan(100_000);

  gh.failNext({ method: 'GET', path: /collaborators$/, status: 502 });
  await expect(client.collaborators(installationId, 'acme', 'private-repo')).rejects.toBeInstanceOf(RetriableError);

  gh.addUser('blocked', { uninvitable: true });
  const refused = await client
    .putCollaborator(installationId, { owner: 'acme', repo: 'private-repo', username: 'blocked', permission: 'pull' })
    .catch((e) => e);
  expect(refused).toBeInstanceOf(GitHubAnswerError);
  expect(refused.status).toBe(422);

  const invited = await client.putCollaborator(installationId, {
    owner: 'acme',
    repo: 'private-repo',
    username: 'octocat',
    permission: 'push',
  });
  expect(invited.invitationId).toEqual(expect.any(Number));
  expect(gh.access('acme', 'private-repo').invitations).toEqual({ octocat: 'push' });
});

test('the private key is read with escaped newlines or from a file; without settings no client', () => {
  const escaped = gh.privateKeyPem.trim().replace(/\n/g, '\\n');
  const base = { GITHUB_APP_ID: String(gh.appId), GITHUB_CLIENT_ID: 'c', GITHUB_CLIENT_SECRET: 's' };
  expect(githubAppPrivateKey(parseConfig({ ...base, GITHUB_APP_PRIVATE_KEY: escaped }))).toBe(gh.privateKeyPem.trim() + '\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'ghkey-'));
  writeFileSync(path.join(dir, 'key.pem'), gh.privateKeyPem);
  const fromFile = parseConfig({ ...base, GITHUB_APP_PRIVATE_KEY_FILE: path.join(dir, 'key.pem') });
  expect(githubAppPrivateKey(fromFile)).toBe(gh.privateKeyPem.trim() + '\n');
  expect(buildProviders(fromFile).github).toBeInstanceOf(GitHubApp);
  const none = buildProviders(parseConfig({ GITHUB_CLIENT_ID: 'c' }));
  expect(none.github).toBeUndefined();
  expect(none.unconfigured?.github).toEqual(['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_CLIENT_SECRET']);
});
