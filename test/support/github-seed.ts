// Rows for workflow tests that run the real activities without the API: an organization, a customer
// with a linked GitHub account, a github_repository benefit, an order and its (not yet started) grant;
// and the time-skipping environment with a GitHub stand-in those tests run against.
import type { DataSource } from 'typeorm';
import { LinkedAccountsRepository } from '../../db/repositories/linked-accounts.repository';
import { GitHubApp } from '../../integrations/github/github-app.client';
import { FakeGitHub } from '../fakes/github-server';
import { startRealEngineEnv, type RealEngineEnv } from '../fakes/real-activities-env';
import { seedOrderGrant } from './grant-seed';

export function githubAppFor(gh: FakeGitHub): GitHubApp {
  return new GitHubApp({
    appId: String(gh.appId),
    privateKey: gh.privateKeyPem,
    clientId: gh.clientId,
    clientSecret: gh.clientSecret,
    apiUrl: gh.url,
    webUrl: gh.url,
  });
}

/** The real engine's environment and a GitHub stand-in where `account` installed the App on `repos`. */
export async function startGitHubEngineEnv(account: string, repos: string[]): Promise<RealEngineEnv & { gh: FakeGitHub }> {
  const engineEnv = await startRealEngineEnv();
  const gh = await new FakeGitHub().start();
  gh.install(account, repos);
  return {
    ...engineEnv,
    gh,
    close: async () => {
      await gh.close();
      await engineEnv.close();
    },
  };
}

/** A customer with a linked GitHub account, a github_repository benefit on `repo`, an order and its grant. */
export async function seedGitHubGrant(ds: DataSource, gh: FakeGitHub, repo: string, login: string, owner = 'acme') {
  const user = gh.addUser(login);
  const input = await seedOrderGrant(ds, 'Invites', {
    type: 'github_repository',
    description: 'Repo',
    properties: { repository_owner: owner, repository_name: repo, permission: 'push' },
  });
  await new LinkedAccountsRepository(ds, null).link(ds, {
    organizationId: input.organizationId,
    customerId: input.customerId,
    platform: 'github',
    accountId: String(user.id),
    accountUsername: login,
    accessToken: 'gho_test',
    refreshToken: null,
    expiresAt: null,
    scope: null,
  });
  return input;
}
